# The fault suite (sourced by scripts/lab.sh for `npm run lab -- faults` and by scripts/e2e-cluster.sh
# when KVMLAB_FAULTS=1), modelled on Pacemaker's own cluster test suite: on a running cluster lab
# with a service group (VIP + PostgreSQL, service01 in the seed lab), a writer commits a counter row
# through the VIP every ~0.2 s throughout (drill_writer, scripts/drill.sh) while each fault is
# injected and recovered from, one after the other, on the lab's first two nodes (the active one
# runs the group, the passive one is the other):
#
#   power-active     `virsh destroy` of the active node: the survivor fences it (fence_virsh), the
#                    group moves, the node is started into the cluster again (`pcs cluster start`);
#   power-passive    the same for the passive node: the group must not move;
#   link-one         the active node's heartbeat NIC down: corosync-cfgtool -s shows that link down,
#                    the other knet link carries the ring (no fence, the group stays), then restored;
#   postgres-killed  `pkill -9 -x postgres` on the active node: its monitor recovers it in place, the
#                    fail count shows it (`pcs resource failcount show`), `pcs resource cleanup`;
#   brick-killed     the passive node's brick process (glusterfsd) killed under the writer's load,
#                    then `gluster volume start VOL force`, `gluster volume heal VOL`, heal info empty;
#   tgtd-restart     the host's tgtd restarted under a read loop on the active node's LUN device:
#                    the I/O must resume;
#   standby          `pcs node standby` of the active node (the group moves), then unstandby;
#   maintenance      `pcs property set maintenance-mode=true`, then false: the service keeps running;
#   fencing-broken   the lab's host sshd (the fence path) stopped, then the active node destroyed: the
#                    survivor must not start the group while fencing fails (60 s after it lost the
#                    node), crm_mon or its journal shows the failed fence; the sshd started again, the
#                    cluster recovers by itself;
#   engine-killed    `pulumi up` repairing a cluster property changed out of band, SIGKILLed while
#                    it changes a resource: the tool's next up must finish the job, or print the exact
#                    command(s) that clear what the engine left (query engine-leftovers) — which are
#                    run, and the up after them must finish.
#
# After each fault: the service answers again (the time from the injection to the first commit
# through the VIP after it — by another PostgreSQL when the fault restarts it, by the same one when
# it must not), every acknowledged row is there (drill_check_rows), every service group runs on
# exactly one node (crm_resource --locate), and `pulumi preview --refresh --expect-no-changes` is
# clean, or `pulumi up --refresh` repairs what the fault left and the preview is clean then (the
# time to that point is the time to a clean cluster). Each fault restores what it broke on every
# way out (faults_undo), and one that cannot run on this lab is a SKIP with the reason, never a PASS.
# The suite prints one line per fault (faults_result_line), appends "fault-NAME SECONDS" (injection
# → clean cluster) and "fault-NAME-service SECONDS" to KVMLAB_E2E_TIMINGS when set, and fails (fail)
# when a fault failed.
#
# Needs from the caller: what scripts/drill.sh needs (on, log, fail, PGPASSWORD, DRILL_NS, the
#   LAB_* variables, sourced drill.sh), and query (lib.sh); also LAB_LIBVIRT_URI, LAB_HOST_DAEMON,
#   LAB_HEARTBEAT_ADDRESSES, LAB_STATE_DIR, LAB_ISCSI_*, LAB_GLUSTER_VOLUME, LAB_FENCE_DEVICES;
#   FAULTS_PULUMI (array) — the engine on the lab's stack (`pulumi`, behind the lab's namespace);
#   FAULTS_STACK — the stack's name; PULUMI_BACKEND_URL (exported by the caller);
#   FAULTS_LAB_UP (array) — the tool's own up (`npm run lab -- up`: its leftover check, then
#     `up --refresh`);
#   FAULTS_FIX_VIA — how the tool spells the commands it prints (`npm run lab -- pulumi`, or
#     `pulumi`) and FAULTS_FIX_RUN (array) — what runs them (bash scripts/lab.sh pulumi, or pulumi);
#   optional: FAULTS_RECOVER_SECONDS (900), FAULTS_HOLD_SECONDS (30: how long link-one and
#     maintenance watch the group), FAULTS_FENCE_WINDOW (60), KVMLAB_E2E_TIMINGS.
# Defines: FAULTS (the faults, in the suite's order), faults_run [FAULT,…], one faults_NAME per
#   fault, and the helpers below (the pure ones are unit-tested in test/scripts/faults.test.ts).
# shellcheck shell=bash

FAULTS=(power-active power-passive link-one postgres-killed brick-killed tgtd-restart standby maintenance
  fencing-broken engine-killed)
# The node's read loop of tgtd-restart: its log (a line per read) and its pid.
FAULTS_IO_LOG=/run/kvmlab-fault-io.log
FAULTS_IO_PID=/run/kvmlab-fault-io.pid

# ---- pure helpers ----------------------------------------------------------------------------------

# faults_select [FAULT,…] — the faults to run, in the suite's order, one a line (all when none is
# named); fails naming a fault the suite does not know.
faults_select() {
  local only=${1:-} want=() name f found
  if [ -z "$only" ]; then
    printf '%s\n' "${FAULTS[@]}"
    return 0
  fi
  IFS=, read -r -a want <<<"$only"
  for name in "${want[@]}"; do
    found=0
    for f in "${FAULTS[@]}"; do [ "$f" != "$name" ] || found=1; done
    if [ "$found" = 0 ]; then
      echo "unknown fault '$name': use one or more of ${FAULTS[*]}, separated by commas" >&2
      return 1
    fi
  done
  for f in "${FAULTS[@]}"; do
    for name in "${want[@]}"; do
      if [ "$f" = "$name" ]; then
        echo "$f"
        break
      fi
    done
  done
}

# faults_seconds FROM TO — TO - FROM (epochs with fractions), one decimal.
faults_seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f\n", b - a }'; }

# faults_result_line PASS|FAIL|SKIP NAME [SERVICE_SECONDS [CLEAN_SECONDS [NOTE]]] — the suite's line
# for one fault; a time not known is `-`.
faults_result_line() {
  local service=${3:-} clean=${4:-} note=${5:-}
  service=${service:+$service s}
  clean=${clean:+$clean s}
  printf '%-4s %-15s  service %9s  clean %9s%s\n' "$1" "$2" "${service:--}" "${clean:--}" "${note:+  $note}"
}

# faults_first_commit ACKED FROM [POSTMASTER] — the time of the writer's first commit after the epoch
# FROM (ACKED: drill_writer's `N TIME POSTMASTER HOW` lines), served by another postmaster than
# POSTMASTER when given; fails when there is none yet. A row found committed by a retry does not
# count: its commit came before.
faults_first_commit() {
  awk -v from="$2" -v pm="${3-}" '
    $4 == "inserted" && $2 > from && (pm == "" || $3 != pm) { print $2; found = 1; exit }
    END { exit !found }' "$1"
}

# faults_same_postmaster ACKED FROM POSTMASTER — every row recorded after FROM was served by
# POSTMASTER (PostgreSQL was not restarted).
faults_same_postmaster() { awk -v from="$2" -v pm="$3" '$2 > from && $3 != pm { bad = 1 } END { exit bad }' "$1"; }

# faults_commits_since ACKED FROM N — the writer recorded at least N rows after FROM.
faults_commits_since() { awk -v from="$2" -v n="$3" '$2 > from { c++ } END { exit !(c >= n) }' "$1"; }

# The awk function attr(LINE, NAME): the value of the XML attribute NAME on LINE ("" when absent).
FAULTS_AWK_ATTR='function attr(s, n) {
  if (match(s, "[ <]" n "=\"[^\"]*\"")) return substr(s, RSTART + length(n) + 3, RLENGTH - length(n) - 4)
  return ""
}'

# faults_groups — stdin: `crm_mon -1 --output-as=xml`; the service groups that are not disabled,
# one a line.
faults_groups() {
  awk "$FAULTS_AWK_ATTR"'
    /<group / { id = attr($0, "id"); if (id != "" && attr($0, "disabled") != "true") print id }'
}

# faults_node_attr NODE ATTRIBUTE — stdin: `crm_mon -1 --output-as=xml`; ATTRIBUTE of the cluster
# node NODE in its <nodes> (online, standby, unclean, …); fails when NODE is not listed.
faults_node_attr() {
  awk -v node="$1" -v a="$2" "$FAULTS_AWK_ATTR"'
    /<node / && / online="/ && attr($0, "name") == node { print attr($0, a); found = 1; exit }
    END { exit !found }'
}

# faults_cluster_option NAME — stdin: `crm_mon -1 --output-as=xml`; the cluster option NAME of its
# <cluster_options> (maintenance-mode, stonith-enabled, …); fails when it is not there.
faults_cluster_option() {
  awk -v a="$1" "$FAULTS_AWK_ATTR"'
    /<cluster_options / { v = attr($0, a); if (v != "") { print v; found = 1 }; exit }
    END { exit !found }'
}

# faults_fence_failed TARGET — stdin: a fence history as XML (`crm_mon … --fence-history=1` or
# `stonith_admin --history`); succeeds when a fencing of TARGET failed.
faults_fence_failed() {
  awk -v t="$1" "$FAULTS_AWK_ATTR"'
    /<fence_event / && attr($0, "target") == t && attr($0, "status") == "failed" { found = 1 }
    END { exit !found }'
}

# faults_journal_fence_failed TARGET — stdin: pacemaker's journal; prints the last line that says a
# fencing of TARGET failed (pacemaker-fenced's "Operation 'reboot' targeting TARGET … Error" or
# "returned 1", pacemaker-controld's "Peer TARGET was not terminated"); fails when none does.
faults_journal_fence_failed() {
  awk -v t="$1" '
    index($0, "targeting " t " ") && $0 ~ /(returned [1-9-]|[Ee]rror|[Ff]ailed|[Tt]imed [Oo]ut|[Tt]imer expired)/ { last = $0 }
    index($0, "Peer " t " was not terminated") { last = $0 }
    END { if (last == "") exit 1; print last }'
}

# faults_locate_nodes — stdin: `crm_resource --locate --resource GROUP`; the nodes it runs on, one a
# line (none when it is not running).
faults_locate_nodes() { sed -n 's/.* is running on: *\([^ ]*\).*/\1/p' | sort -u; }

# faults_fail_count NODE — stdin: `pcs resource failcount show RESOURCE`; the fail count on NODE
# (0 when pcs lists none there).
faults_fail_count() {
  awk -v node="$1" '$1 == node ":" { print $2; found = 1; exit } END { if (!found) print 0 }'
}

# faults_link_status LINK — stdin: `corosync-cfgtool -s` (corosync 3: `LINK ID N …` sections with a
# status line per node); prints `down` when LINK is disconnected from a peer, `up` when it is
# connected to every peer; fails when LINK is not listed or lists no peer.
faults_link_status() {
  awk -v link="$1" '
    /^LINK ID / { cur = ($3 == link); if (cur) seen = 1; next }
    cur && /nodeid/ {
      st = $NF
      if (st == "localhost") next
      peers++
      if (st == "disconnected" || st ~ /^connected:0/) down = 1
    }
    END {
      if (!seen || peers == 0) exit 1
      print (down ? "down" : "up")
    }'
}

# faults_nic_of ADDRESS — stdin: `ip -o -4 addr show`; prints `NIC ADDRESS/PREFIX` of the NIC holding
# ADDRESS; fails when none does.
faults_nic_of() {
  awk -v a="$1" '$3 == "inet" { split($4, p, "/"); if (p[1] == a) { print $2, $4; found = 1; exit } } END { exit !found }'
}

# faults_heal_entries — stdin: `gluster volume heal VOL info`; the entries left to heal on every
# brick; fails when a brick could not be asked (`Number of entries: -`) or none is listed.
faults_heal_entries() {
  awk '
    /^Brick / { bricks++ }
    /^Number of entries:/ { if ($NF ~ /^[0-9]+$/) total += $NF; else bad = 1 }
    END { if (bricks == 0 || bad) exit 1; print total + 0 }'
}

# faults_arg_after FLAG ARG… — the word that follows FLAG among ARG… (tgtd's `-C PORT`); fails when
# FLAG is not there.
faults_arg_after() {
  local flag=$1
  shift
  while [ $# -gt 1 ]; do
    if [ "$1" = "$flag" ]; then
      echo "$2"
      return 0
    fi
    shift
  done
  return 1
}

# faults_fix_commands VIA — stdin: what the tool printed; the commands of its `Fix: VIA …` lines, one
# a line, in order.
faults_fix_commands() {
  awk -v via="$1 " '{ sub(/^[ \t]*(error: )?[ \t]*/, "") } index($0, "Fix: " via) == 1 { print substr($0, 6) }'
}

# faults_changes_summary — stdin: the text output of `pulumi preview`/`up`; its change counts
# (`1 to update, 1 to replace`), nothing when it shows none.
faults_changes_summary() {
  awk '/^[ \t]*[-+~]*[ \t]*[0-9]+ to [a-z]+/ {
      match($0, /[0-9]+ to [a-z]+/); s = s (s == "" ? "" : ", ") substr($0, RSTART, RLENGTH)
    }
    END { print s }'
}

# faults_link_index — the number of the cluster's link on the heartbeat network (its place in
# LAB_CLUSTER_LINKS); fails when it is not a link of the cluster.
faults_link_index() {
  local i
  for i in "${!LAB_CLUSTER_LINKS[@]}"; do
    if [ -n "$LAB_HEARTBEAT_NETWORK" ] && [ "${LAB_CLUSTER_LINKS[$i]}" = "$LAB_HEARTBEAT_NETWORK" ]; then
      echo "$i"
      return 0
    fi
  done
  return 1
}

# ---- what a fault restores, on every way out -----------------------------------------------------

FAULTS_UNDO=()
# faults_undo KEY COMMAND ARG… — COMMAND runs when the fault ends (the last registered first), unless
# `faults_done KEY` came before; a COMMAND that fails is logged, the others run all the same.
faults_undo() {
  local key=$1
  shift
  FAULTS_UNDO+=("$key $(printf '%q ' "$@")")
}
# faults_done KEY — what KEY restores was restored already.
faults_done() {
  local i
  for i in "${!FAULTS_UNDO[@]}"; do
    if [ "${FAULTS_UNDO[$i]%% *}" = "$1" ]; then unset "FAULTS_UNDO[$i]"; fi
  done
}
# faults_undo_run — runs what is left to restore, last registered first.
faults_undo_run() {
  local keys=("${!FAULTS_UNDO[@]}") i cmd
  set +e
  for ((i = ${#keys[@]} - 1; i >= 0; i--)); do
    cmd=${FAULTS_UNDO[${keys[$i]}]#* }
    log "faults: ${FAULT_NAME:-}: restoring: $cmd"
    eval "$cmd" || log "faults: ${FAULT_NAME:-}: could not restore: $cmd"
  done
  FAULTS_UNDO=()
}

# ---- the lab ---------------------------------------------------------------------------------------

faults_host() { "${DRILL_NS[@]}" "$@"; } # faults_host COMMAND… — on the KVM host, in the lab's namespace
faults_virsh() { faults_host virsh -c "$LAB_LIBVIRT_URI" "$@"; }

# faults_wait SECONDS WHAT COMMAND… — drill_wait that returns 1 (saying so) instead of failing: for
# restoring, where nothing may end the restore early.
faults_wait() {
  local limit="$1" what="$2" t0=$SECONDS out
  shift 2
  until out=$("$@" 2>&1); do
    if [ $((SECONDS - t0)) -ge "$limit" ]; then
      log "faults: $what did not happen within $limit s$(drill_last_words "$out")"
      return 1
    fi
    sleep 2
  done
}

# faults_on_any COMMAND — COMMAND on the first of the two nodes that answers.
faults_on_any() { on "${LAB_ADDRESSES[0]}" "$1" || on "${LAB_ADDRESSES[1]}" "$1"; }

# faults_crm_mon ADDRESS — `crm_mon -1 --output-as=xml` on ADDRESS.
faults_crm_mon() { on "$1" "crm_mon -1 --output-as=xml"; }

# faults_node_is ADDRESS NODE ATTRIBUTE VALUE — the cluster seen from ADDRESS has ATTRIBUTE=VALUE on NODE.
faults_node_is() {
  local xml
  xml=$(faults_crm_mon "$1") || return 1
  [ "$(faults_node_attr "$2" "$3" <<<"$xml")" = "$4" ]
}

# faults_fenced ADDRESS NODE — the cluster seen from ADDRESS has NODE offline and clean: fenced.
faults_fenced() { faults_node_is "$1" "$2" online false && faults_node_is "$1" "$2" unclean false; }

# faults_option_is ADDRESS NAME VALUE — crm_mon on ADDRESS shows the cluster option NAME=VALUE.
faults_option_is() {
  local xml
  xml=$(faults_crm_mon "$1") || return 1
  [ "$(faults_cluster_option "$2" <<<"$xml")" = "$3" ]
}

# faults_group_running — LAB_SERVICE runs on a node (asked of either).
faults_group_running() {
  [ -n "$(drill_where "${LAB_ADDRESSES[0]}" "$LAB_SERVICE" || true)" ] ||
    [ -n "$(drill_where "${LAB_ADDRESSES[1]}" "$LAB_SERVICE" || true)" ]
}

# faults_placed ADDRESS — every service group that is not disabled runs on exactly one node (asked of
# ADDRESS); otherwise FAULTS_UNPLACED says which does not (also on stderr: faults_wait runs the check
# in a subshell and quotes its last line).
FAULTS_UNPLACED=
faults_placed() {
  local xml groups g nodes count
  xml=$(faults_crm_mon "$1") || {
    FAULTS_UNPLACED="crm_mon failed on $1"
    echo "$FAULTS_UNPLACED" >&2
    return 1
  }
  groups=$(faults_groups <<<"$xml")
  if [ -z "$groups" ]; then
    FAULTS_UNPLACED="crm_mon lists no service group"
    echo "$FAULTS_UNPLACED" >&2
    return 1
  fi
  for g in $groups; do
    nodes=$(on "$1" "crm_resource --locate --resource $g 2>&1" | faults_locate_nodes) || nodes=
    count=$(grep -c . <<<"$nodes" || true)
    if [ "$count" != 1 ]; then
      FAULTS_UNPLACED="$g runs on $count nodes${nodes:+ ($(tr '\n' ' ' <<<"$nodes" | sed 's/ $//'))}"
      echo "$FAULTS_UNPLACED" >&2
      return 1
    fi
  done
}

# faults_domain_running DOMAIN — the domain runs; one that is shut off (a fence with action off, or
# a destroy nobody answered) is started, and the check fails this time.
faults_domain_running() {
  local state
  state=$(faults_virsh domstate "$1" 2>/dev/null) || return 1
  [ "$state" = running ] && return 0
  faults_virsh start "$1" >/dev/null 2>&1 || true
  return 1
}

# faults_back INDEX OLD_BOOT_ID — node INDEX (of LAB_NODES) booted again after its fence: its VM
# running (faults_domain_running) and its boot id changed.
faults_back() { faults_domain_running "${LAB_DOMAINS[$1]}" && drill_rebooted "${LAB_ADDRESSES[$1]}" "$2"; }

# faults_joined ADDRESS PEER NODE — NODE's cluster started (ADDRESS) and online as PEER sees it.
faults_joined() { on "$1" "pcs cluster start --wait=120 >/dev/null 2>&1" && drill_online "$2" "$3"; }

# faults_rejoin INDEX PEER_INDEX — node INDEX back in the cluster, as after a fence (the cluster does
# not start at boot, seed 000): its VM running, SSH answering, `pcs cluster start`, online as its peer
# sees it, the GlusterFS volume healed; returns 1 (saying so) when it is not.
faults_rejoin() {
  local addr=${LAB_ADDRESSES[$1]} node=${LAB_NODES[$1]} peer=${LAB_ADDRESSES[$2]}
  faults_wait 900 "$node's VM running" faults_domain_running "${LAB_DOMAINS[$1]}" || return 1
  faults_wait 900 "$node answering on SSH" on "$addr" true || return 1
  faults_wait 900 "$node back in the cluster" faults_joined "$addr" "$peer" "${LAB_CLUSTER_NODES[$1]}" || return 1
  if [ -n "$LAB_GLUSTER_VOLUME" ] && ! on "$peer" "/etc/init.d/glmount heal" >/dev/null 2>&1; then
    log "faults: glmount heal failed on ${LAB_NODES[$2]}"
    return 1
  fi
}

# faults_rejoin_after_fence INDEX PEER_INDEX OLD_BOOT_ID — once the peer fenced it: node INDEX booted
# again and back in the cluster (faults_rejoin); fails when it is not.
faults_rejoin_after_fence() {
  drill_wait "$FAULTS_RECOVER_SECONDS" "${LAB_NODES[$1]} booting again after its fence" faults_back "$1" "$3"
  faults_rejoin "$1" "$2" || fail "${LAB_NODES[$1]} did not rejoin the cluster after its fence"
  faults_done rejoin
}

# faults_daemon_alive PID PROGRAM — PID is a live process of PROGRAM (a pid file can outlive its
# daemon, and its pid then belongs to anyone).
faults_daemon_alive() {
  [[ $1 =~ ^[0-9]+$ ]] && [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ] &&
    ! grep -qs '^State:[[:space:]]*Z' "/proc/$1/status"
}
faults_daemon_gone() { ! faults_daemon_alive "$@"; }

# faults_stop_daemon PIDFILE PROGRAM — the daemon of PIDFILE stopped (TERM, KILL after 10 s).
faults_stop_daemon() {
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 0
  faults_daemon_alive "$pid" "$2" || return 0
  kill "$pid" 2>/dev/null || true
  faults_wait 10 "$2 (pid $pid) ending" faults_daemon_gone "$pid" "$2" && return 0
  kill -9 "$pid" 2>/dev/null || true
  faults_wait 10 "$2 (pid $pid) killed" faults_daemon_gone "$pid" "$2"
}

# The lab's own host sshd (host.daemon: managed), as providers/host/host-sshd.ts runs it: its
# configuration and pid file in LAB_STATE_DIR/sshd, started with `sshd -f` in the lab's namespace.
faults_sshd_running() { faults_daemon_alive "$(cat "$LAB_STATE_DIR/sshd/sshd.pid" 2>/dev/null)" sshd; }
faults_sshd_start() {
  faults_sshd_running && return 0
  mkdir -p /run/sshd
  faults_host /usr/sbin/sshd -f "$LAB_STATE_DIR/sshd/sshd_config" || return 1
  faults_wait 20 "the host sshd running" faults_sshd_running
}

# faults_tgtd_start PORT ARGV… — the host's tgtd started as ARGV (its command line as the program
# started it: control port PORT, pid file, portal), answering, the target's persistent configuration
# (LAB_ISCSI_DIR.conf) loaded, as providers/storage/iscsi/iscsi-target.ts does it.
faults_tgtd_start() {
  local port=$1
  shift
  faults_host "$@" || return 1
  faults_wait 30 "tgtd answering on control port $port" faults_host tgtadm -C "$port" --mode sys --op show || return 1
  faults_host tgt-admin -C "$port" -e -c "$LAB_ISCSI_DIR.conf" >&2
}
# faults_tgtd_ensure PIDFILE PORT ARGV… — tgtd runs (started again when it does not).
faults_tgtd_ensure() {
  local pidfile=$1
  shift
  faults_daemon_alive "$(cat "$pidfile" 2>/dev/null)" tgtd || faults_tgtd_start "$@"
}

# The read loop of tgtd-restart on a node: a direct read of DEVICE every ~0.2 s, a line in
# FAULTS_IO_LOG per read that succeeded. Reads only: the LUN may hold a file system of a group.
faults_io_start() {
  on "$1" "rm -f $FAULTS_IO_LOG; nohup bash -c 'while :; do dd if=$2 of=/dev/null bs=64k count=16 iflag=direct status=none && echo ok >>$FAULTS_IO_LOG; sleep 0.2; done' </dev/null >/dev/null 2>&1 & echo \$! >$FAULTS_IO_PID"
}
faults_io_count() { on "$1" "cat $FAULTS_IO_LOG 2>/dev/null | wc -l"; }
faults_io_at_least() { [ "$(faults_io_count "$1")" -ge "$2" ]; }
faults_io_stop() { on "$1" "if [ -s $FAULTS_IO_PID ]; then kill \$(cat $FAULTS_IO_PID) 2>/dev/null; fi; rm -f $FAULTS_IO_PID $FAULTS_IO_LOG; true"; }

# faults_link_is up|down ADDRESS LINK — corosync-cfgtool -s on ADDRESS shows LINK up or down.
faults_link_is() {
  local out
  out=$(on "$2" "corosync-cfgtool -s") || return 1
  [ "$(faults_link_status "$3" <<<"$out")" = "$1" ]
}
# faults_link_restore ADDRESS NIC ADDRESS/PREFIX LINK — the NIC up with its address, the link
# connected again.
faults_link_restore() {
  on "$1" "ip link set $2 up && { ip -o -4 addr show dev $2 | grep -qF ' $3 ' || ip addr add $3 dev $2; }" || return 1
  faults_wait 180 "corosync link $4 up again" faults_link_is up "$1" "$4"
}

# faults_healed ADDRESS VOLUME — `gluster volume heal VOLUME info` on ADDRESS lists nothing to heal.
faults_healed() {
  local out
  out=$(on "$1" "gluster volume heal $2 info") || return 1
  [ "$(faults_heal_entries <<<"$out")" = 0 ]
}

# faults_no_fail_count ADDRESS RESOURCE NODE — pcs lists no fail count of RESOURCE on NODE.
faults_no_fail_count() {
  local out
  out=$(on "$1" "pcs resource failcount show $2") || return 1
  [ "$(faults_fail_count "$3" <<<"$out")" = 0 ]
}

# faults_fence_failure ADDRESS TARGET — crm_mon's fence history on ADDRESS, else its pacemaker
# journal, shows a failed fencing of TARGET; prints where.
faults_fence_failure() {
  local xml journal line
  xml=$(on "$1" "crm_mon -1 --output-as=xml --fence-history=1 2>/dev/null") || xml=
  if faults_fence_failed "$2" <<<"$xml"; then
    echo "crm_mon shows the failed fencing of $2"
    return 0
  fi
  journal=$(on "$1" "journalctl --no-pager --since=-20min -u pacemaker 2>/dev/null") || journal=
  line=$(faults_journal_fence_failed "$2" <<<"$journal") || return 1
  echo "the journal shows: $line"
}

# faults_property_restore NAME VALUE — the cluster property NAME back to VALUE (deleted when empty).
faults_property_restore() {
  if [ -n "$2" ]; then
    faults_on_any "pcs property set $1=$2 >/dev/null"
  else
    faults_on_any "crm_attribute --type crm_config --name $1 --delete >/dev/null 2>&1; true"
  fi
}

# faults_property ADDRESS NAME — the cluster property NAME as set in the CIB (nothing when unset).
faults_property() { on "$1" "crm_attribute --type crm_config --name $2 --query --quiet 2>/dev/null || true"; }

# faults_hold SECONDS WHAT [CHECK…] — for SECONDS: every 10 s, the group still on the active node,
# the writer committing through the VIP, and CHECK (when given) succeeding; fails saying WHAT.
faults_hold() {
  local end=$((SECONDS + $1)) what=$2 t
  shift 2
  while [ "$SECONDS" -lt "$end" ]; do
    t=$(date +%s.%N)
    sleep 10
    drill_is_on "$A_ADDR" "$LAB_SERVICE" "$A_CN" || fail "$LAB_SERVICE left $A_NODE $what"
    faults_commits_since "$FAULTS_ACKED" "$t" 1 || fail "no commit through the VIP for 10 s $what"
    if [ $# -gt 0 ] && ! "$@"; then fail "$* failed $what"; fi
  done
}

# faults_inject WHAT COMMAND… — the fault: the time (FAULT_T0) and the postmaster serving the VIP
# before it (FAULT_PM) recorded, COMMAND run.
faults_inject() {
  local what=$1
  shift
  FAULT_PM=$(tail -n 1 "$FAULTS_ACKED" | cut -d' ' -f3)
  [ -n "$FAULT_PM" ] || fail "the writer has committed nothing yet"
  FAULT_T0=$(date +%s.%N)
  log "faults: $FAULT_NAME: $what"
  "$@" || fail "could not inject the fault: $what"
}

# faults_skip REASON — this fault cannot run on this lab: a SKIP with REASON.
faults_skip() {
  echo "$*" >"$FAULT_DIR/skip"
  exit 0
}

# faults_note TEXT — added to the fault's line.
faults_note() {
  if [ -s "$FAULT_DIR/note" ]; then
    printf '%s; %s' "$(cat "$FAULT_DIR/note")" "$*" >"$FAULT_DIR/note.new"
    mv "$FAULT_DIR/note.new" "$FAULT_DIR/note"
  else
    printf '%s' "$*" >"$FAULT_DIR/note"
  fi
}

faults_need_fencing() {
  [ "${#LAB_FENCE_DEVICES[@]}" -gt 0 ] || faults_skip "the lab has no fence device: a lost node is never fenced"
}

# ---- the faults --------------------------------------------------------------------------------------
# Each runs in a subshell of its own (faults_one) with A_*/P_* set: the active node (A, running
# LAB_SERVICE) and the passive one (P), by index (A, P), management address, name, cluster name and
# libvirt domain. FAULT_POSTMASTER says whether PostgreSQL must restart (new) or must not (same).

# faults_power_loss LOST SURVIVOR POSTMASTER WHAT — the power loss both power faults share: LOST and
# SURVIVOR are the role letters (A or P); LOST's domain destroyed (WHAT says why it matters), the
# rejoin undone on every way out, the wait for SURVIVOR to fence it. Sets FAULT_BOOT to LOST's boot id
# before the loss, for faults_rejoin_after_fence.
faults_power_loss() {
  local lost="$1" survivor="$2" addr name domain survivor_addr survivor_name cn
  addr=${lost}_ADDR name=${lost}_NODE domain=${lost}_DOMAIN cn=${lost}_CN
  survivor_addr=${survivor}_ADDR survivor_name=${survivor}_NODE
  faults_need_fencing
  FAULT_BOOT=$(on "${!addr}" "cat /proc/sys/kernel/random/boot_id") || fail "could not read ${!name}'s boot id"
  FAULT_POSTMASTER=$3
  faults_undo rejoin faults_rejoin "${!lost}" "${!survivor}"
  faults_inject "virsh destroy ${!domain}: ${!name}, $4, loses its power" faults_virsh destroy "${!domain}"
  drill_wait "$FAULTS_RECOVER_SECONDS" "${!name} fenced by ${!survivor_name}" faults_fenced "${!survivor_addr}" "${!cn}"
}

faults_power_active() {
  faults_power_loss A P new "running $LAB_SERVICE"
  drill_wait "$FAULTS_RECOVER_SECONDS" "$LAB_SERVICE starting on $P_NODE" drill_is_on "$P_ADDR" "$LAB_SERVICE" "$P_CN"
  faults_rejoin_after_fence "$A" "$P" "$FAULT_BOOT"
}

faults_power_passive() {
  faults_power_loss P A same "the passive node"
  drill_is_on "$A_ADDR" "$LAB_SERVICE" "$A_CN" || fail "$LAB_SERVICE left $A_NODE when the passive node was lost"
  faults_rejoin_after_fence "$P" "$A" "$FAULT_BOOT"
  drill_is_on "$A_ADDR" "$LAB_SERVICE" "$A_CN" || fail "$LAB_SERVICE moved when $P_NODE rejoined"
}

faults_link_one() {
  [ -n "$LAB_HEARTBEAT_NETWORK" ] || faults_skip "the lab has no heartbeat network"
  local link hb nic dev cidr boot_a boot_p
  link=$(faults_link_index) ||
    faults_skip "the heartbeat network $LAB_HEARTBEAT_NETWORK is not a link of the cluster (${LAB_CLUSTER_LINKS[*]})"
  [ "${#LAB_CLUSTER_LINKS[@]}" -ge 2 ] ||
    faults_skip "the cluster has a single link: losing it splits the cluster, which is a power fault"
  hb=${LAB_HEARTBEAT_ADDRESSES[$A]:-}
  [ -n "$hb" ] || faults_skip "$A_NODE has no address on $LAB_HEARTBEAT_NETWORK"
  nic=$(on "$A_ADDR" "ip -o -4 addr show" | faults_nic_of "$hb") || fail "no NIC of $A_NODE holds $hb"
  read -r dev cidr <<<"$nic"
  faults_link_is up "$A_ADDR" "$link" || fail "corosync link $link is not up on $A_NODE before the fault"
  boot_a=$(on "$A_ADDR" "cat /proc/sys/kernel/random/boot_id") || fail "could not read $A_NODE's boot id"
  boot_p=$(on "$P_ADDR" "cat /proc/sys/kernel/random/boot_id") || fail "could not read $P_NODE's boot id"
  FAULT_POSTMASTER=same
  faults_undo link faults_link_restore "$A_ADDR" "$dev" "$cidr" "$link"
  faults_inject "ip link set $dev down on $A_NODE: corosync link $link ($LAB_HEARTBEAT_NETWORK, $hb) lost" \
    on "$A_ADDR" "ip link set $dev down"
  drill_wait 180 "corosync-cfgtool -s on $A_NODE showing link $link down" faults_link_is down "$A_ADDR" "$link"
  log "faults: link-one: corosync-cfgtool -s on $A_NODE shows link $link down; watching for $FAULTS_HOLD_SECONDS s"
  faults_hold "$FAULTS_HOLD_SECONDS" "with link $link down" drill_online "$A_ADDR" "$P_CN"
  faults_link_restore "$A_ADDR" "$dev" "$cidr" "$link" || fail "corosync link $link did not come back up"
  faults_done link
  drill_rebooted "$A_ADDR" "$boot_a" && fail "$A_NODE was fenced over one lost link"
  drill_rebooted "$P_ADDR" "$boot_p" && fail "$P_NODE was fenced over one lost link"
  drill_is_on "$A_ADDR" "$LAB_SERVICE" "$A_CN" || fail "$LAB_SERVICE left $A_NODE"
  log "faults: link-one: no failover, no fence; link $link up again"
}

faults_postgres_killed() {
  [ -n "$LAB_SERVICE_DB" ] || faults_skip "$LAB_SERVICE has no PostgreSQL resource"
  local shown count
  FAULT_POSTMASTER=new
  faults_undo cleanup faults_on_any "pcs resource cleanup $LAB_SERVICE_DB >/dev/null 2>&1"
  # -x: by process name (every PostgreSQL process is `postgres`); -f would also match the shell
  # that runs pkill over SSH.
  faults_inject "pkill -9 -x postgres on $A_NODE: the postmaster and its backends killed" on "$A_ADDR" "pkill -9 -x postgres"
  drill_wait "$FAULTS_RECOVER_SECONDS" "a commit through the VIP served by a new PostgreSQL" \
    faults_first_commit "$FAULTS_ACKED" "$FAULT_T0" "$FAULT_PM"
  drill_is_on "$A_ADDR" "$LAB_SERVICE" "$A_CN" || fail "$LAB_SERVICE left $A_NODE: expected a recovery in place"
  shown=$(on "$A_ADDR" "pcs resource failcount show $LAB_SERVICE_DB") || fail "pcs resource failcount show failed"
  count=$(faults_fail_count "$A_CN" <<<"$shown")
  [ "$count" != 0 ] || fail "no fail count of $LAB_SERVICE_DB on $A_CN after its failure: $shown"
  log "faults: postgres-killed: $LAB_SERVICE_DB recovered in place on $A_NODE; fail count $count on $A_CN"
  faults_note "fail count $count"
  on "$A_ADDR" "pcs resource cleanup $LAB_SERVICE_DB >/dev/null" || fail "pcs resource cleanup $LAB_SERVICE_DB failed"
  drill_wait 120 "the fail count of $LAB_SERVICE_DB cleared" faults_no_fail_count "$A_ADDR" "$LAB_SERVICE_DB" "$A_CN"
  faults_done cleanup
}

faults_brick_killed() {
  [ -n "$LAB_GLUSTER_VOLUME" ] || faults_skip "the lab has no GlusterFS volume"
  local vol=$LAB_GLUSTER_VOLUME
  FAULT_POSTMASTER=same
  on "$P_ADDR" "pgrep -x glusterfsd >/dev/null" || fail "no brick process (glusterfsd) runs on $P_NODE"
  faults_undo brick on "$P_ADDR" "gluster --mode=script volume start $vol force >/dev/null 2>&1"
  faults_inject "pkill -9 -x glusterfsd on $P_NODE: the passive node's brick of $vol killed under the writer's load" \
    on "$P_ADDR" "pkill -9 -x glusterfsd"
  drill_wait 60 "the brick process gone on $P_NODE" on "$P_ADDR" "! pgrep -x glusterfsd >/dev/null"
  drill_wait 300 "20 commits through the VIP with the brick down" faults_commits_since "$FAULTS_ACKED" "$FAULT_T0" 20
  on "$P_ADDR" "gluster --mode=script volume start $vol force >/dev/null" ||
    fail "gluster volume start $vol force failed on $P_NODE"
  drill_wait 120 "the brick process back on $P_NODE" on "$P_ADDR" "pgrep -x glusterfsd >/dev/null"
  faults_done brick
  drill_wait 300 "gluster volume heal $vol accepted" on "$A_ADDR" "gluster volume heal $vol >/dev/null"
  drill_wait "$FAULTS_RECOVER_SECONDS" "nothing left to heal in $vol" faults_healed "$A_ADDR" "$vol"
  log "faults: brick-killed: brick restarted, $vol healed (heal info empty)"
}

faults_tgtd_restart() {
  if [ -z "$LAB_ISCSI_IQN" ] || [ "${#LAB_ISCSI_DEVICES[@]}" = 0 ]; then faults_skip "the lab has no iSCSI target"; fi
  [ "${LAB_ISCSI_PORTAL%:*}" = "$LAB_HOST_ADDRESS" ] ||
    faults_skip "the iSCSI target runs on a node ($LAB_ISCSI_PORTAL), not on the KVM host"
  local pidfile="$LAB_ISCSI_DIR.tgtd.pid" pid port argv=() device n t_back i
  pid=$(cat "$pidfile" 2>/dev/null) || pid=
  faults_daemon_alive "$pid" tgtd || fail "no tgtd runs from $pidfile"
  mapfile -d '' -t argv <"/proc/$pid/cmdline"
  port=$(faults_arg_after -C "${argv[@]}") || fail "tgtd's command line (${argv[*]}) has no control port"
  # The last LUN: the data LUN of the seed lab (the first is the quorum LUN).
  device=${LAB_ISCSI_DEVICES[${#LAB_ISCSI_DEVICES[@]} - 1]}
  FAULT_POSTMASTER=same
  faults_undo io faults_io_stop "$A_ADDR"
  faults_undo tgtd faults_tgtd_ensure "$pidfile" "$port" "${argv[@]}"
  faults_io_start "$A_ADDR" "$device" || fail "could not start the read loop on $A_NODE"
  drill_wait 120 "reads of $device on $A_NODE" faults_io_at_least "$A_ADDR" 5
  faults_inject "tgtd (pid $pid, control port $port) restarted on the KVM host under reads of $device on $A_NODE" \
    faults_tgtd_restart_now "$pidfile" "$port" "${argv[@]}"
  n=$(faults_io_count "$A_ADDR") || fail "could not count the reads on $A_NODE"
  drill_wait "$FAULTS_RECOVER_SECONDS" "reads of $device resuming on $A_NODE" faults_io_at_least "$A_ADDR" $((n + 5))
  t_back=$(faults_seconds "$FAULT_T0" "$(date +%s.%N)")
  faults_io_stop "$A_ADDR" || true
  faults_done io
  faults_done tgtd
  for i in 0 1; do
    drill_wait 300 "${LAB_NODES[$i]} logged in to $LAB_ISCSI_IQN again" \
      on "${LAB_ADDRESSES[$i]}" "iscsiadm -m session 2>/dev/null | grep -qF '$LAB_ISCSI_IQN'"
  done
  log "faults: tgtd-restart: reads resumed within $t_back s of the restart; both nodes logged in again"
  faults_note "I/O back after ${t_back} s"
}

# faults_tgtd_restart_now PIDFILE PORT ARGV… — the host's tgtd stopped and started again as ARGV.
faults_tgtd_restart_now() {
  local pidfile=$1
  shift
  faults_stop_daemon "$pidfile" tgtd || return 1
  faults_tgtd_start "$@"
}

faults_standby() {
  FAULT_POSTMASTER=new
  faults_undo standby faults_on_any "pcs node unstandby $A_CN >/dev/null 2>&1"
  faults_inject "pcs node standby $A_CN" on "$A_ADDR" "pcs node standby $A_CN"
  drill_wait "$FAULTS_RECOVER_SECONDS" "$LAB_SERVICE moving to $P_NODE" drill_is_on "$P_ADDR" "$LAB_SERVICE" "$P_CN"
  on "$A_ADDR" "pcs node unstandby $A_CN" || fail "pcs node unstandby $A_CN failed"
  faults_done standby
  drill_wait 120 "$A_NODE out of standby" faults_node_is "$P_ADDR" "$A_CN" standby false
}

faults_maintenance() {
  local before
  before=$(faults_property "$A_ADDR" maintenance-mode) || before=
  FAULT_POSTMASTER=same
  faults_undo maintenance faults_property_restore maintenance-mode "$before"
  faults_inject "pcs property set maintenance-mode=true" on "$A_ADDR" "pcs property set maintenance-mode=true"
  drill_wait 60 "crm_mon showing maintenance-mode=true" faults_option_is "$A_ADDR" maintenance-mode true
  faults_hold "$FAULTS_HOLD_SECONDS" "in maintenance mode"
  on "$A_ADDR" "pcs property set maintenance-mode=false" || fail "pcs property set maintenance-mode=false failed"
  drill_wait 60 "crm_mon showing maintenance-mode=false" faults_option_is "$A_ADDR" maintenance-mode false
  faults_hold "$FAULTS_HOLD_SECONDS" "once maintenance mode ended"
  # Back to the CIB the lab had (an explicit maintenance-mode=false is a property the lab does not set).
  faults_property_restore maintenance-mode "$before" || fail "could not restore maintenance-mode"
  faults_done maintenance
}

faults_fencing_broken() {
  faults_need_fencing
  [ "$LAB_HOST_DAEMON" = managed ] ||
    faults_skip "the fence path ends at the machine's own sshd (host.daemon: external), which the suite never stops"
  local boot window=$FAULTS_FENCE_WINDOW t_end shown t_fix
  faults_sshd_running || fail "the lab's host sshd does not run ($LAB_STATE_DIR/sshd/sshd.pid)"
  boot=$(on "$A_ADDR" "cat /proc/sys/kernel/random/boot_id") || fail "could not read $A_NODE's boot id"
  FAULT_POSTMASTER=new
  # Restored last to first: the sshd, the cluster unstuck (a fence device failed while the sshd was
  # down), the node back.
  faults_undo rejoin faults_rejoin "$A" "$P"
  faults_undo unstick on "$P_ADDR" "pcs resource cleanup >/dev/null 2>&1; true"
  faults_undo sshd faults_sshd_start
  faults_stop_daemon "$LAB_STATE_DIR/sshd/sshd.pid" sshd || fail "could not stop the host sshd"
  log "faults: fencing-broken: the host sshd on $LAB_HOST_ADDRESS:$LAB_HOST_SSH_PORT (the fence path) stopped"
  faults_inject "virsh destroy $A_DOMAIN with the fence path down" faults_virsh destroy "$A_DOMAIN"
  drill_wait 300 "$P_NODE losing $A_NODE" faults_node_is "$P_ADDR" "$A_CN" online false
  t_end=$((SECONDS + window))
  while [ "$SECONDS" -lt "$t_end" ]; do
    if drill_is_on "$P_ADDR" "$LAB_SERVICE" "$P_CN"; then
      fail "$LAB_SERVICE started on $P_NODE while $A_NODE could not be fenced"
    fi
    sleep 5
  done
  faults_same_postmaster "$FAULTS_ACKED" "$FAULT_T0" "$FAULT_PM" ||
    fail "another PostgreSQL answered on the VIP while $A_NODE could not be fenced"
  drill_wait 120 "the failed fencing of $A_CN shown on $P_NODE" faults_fence_failure "$P_ADDR" "$A_CN"
  shown=$(faults_fence_failure "$P_ADDR" "$A_CN") || fail "the failed fencing of $A_CN is not shown"
  log "faults: fencing-broken: $LAB_SERVICE not started for $window s after $P_NODE lost $A_NODE; $shown"
  t_fix=$(date +%s.%N)
  faults_sshd_start || fail "could not start the host sshd again"
  faults_done sshd
  log "faults: fencing-broken: the host sshd is back; the cluster must recover by itself"
  if ! faults_wait "$FAULTS_RECOVER_SECONDS" "$A_NODE fenced once the sshd was back" faults_fenced "$P_ADDR" "$A_CN"; then
    # Pacemaker stops retrying a target after stonith-max-attempts failures, until the next
    # transition (a CIB change, or cluster-recheck-interval): say so when that is what happened.
    shown=$(on "$P_ADDR" "journalctl --no-pager --since=-60min -u pacemaker 2>/dev/null | grep -E 'Too many failures to fence|giving up' | tail -n 1") ||
      shown=
    fail "$A_NODE was not fenced within $FAULTS_RECOVER_SECONDS s of the sshd's return${shown:+ (pacemaker: $shown)}"
  fi
  drill_wait "$FAULTS_RECOVER_SECONDS" "$LAB_SERVICE starting on $P_NODE" drill_is_on "$P_ADDR" "$LAB_SERVICE" "$P_CN"
  faults_note "recovered $(faults_seconds "$t_fix" "$(date +%s.%N)") s after the sshd came back"
  faults_done unstick
  faults_rejoin_after_fence "$A" "$P" "$boot"
}

faults_engine_killed() {
  if [ "${#FAULTS_PULUMI[@]}" = 0 ] || [ "${#FAULTS_LAB_UP[@]}" = 0 ]; then
    faults_skip "the caller gave no engine (FAULTS_PULUMI, FAULTS_LAB_UP)"
  fi
  local was want pid out="$FAULT_DIR/up-killed.log" report blocked=0 expected printed cmd words=() now left
  was=$(faults_property "$A_ADDR" no-quorum-policy) || was=
  want=freeze
  [ "$was" != freeze ] || want=stop
  faults_undo property faults_property_restore no-quorum-policy "$was"
  on "$A_ADDR" "pcs property set no-quorum-policy=$want" || fail "could not change no-quorum-policy"
  log "faults: engine-killed: no-quorum-policy=$want set out of band (it was ${was:-unset}); pulumi up repairs it"
  "${FAULTS_PULUMI[@]}" up --refresh --skip-preview --yes --non-interactive >"$out" 2>&1 &
  pid=$!
  faults_undo engine kill -9 "$pid"
  drill_wait 1800 "pulumi up changing a resource" faults_engine_busy "$pid" "$out"
  kill -0 "$pid" 2>/dev/null || fail "pulumi up ended before it changed a resource: $(tail -n 3 "$out" | tr '\n' ' ')"
  faults_inject "pulumi up (pid $pid) SIGKILLed while $(grep -E "$FAULTS_ENGINE_BUSY" "$out" | tail -n 1 | sed 's/^ *//')" \
    kill -9 "$pid"
  wait "$pid" 2>/dev/null || true
  faults_done engine
  # What the killed engine left, as the tool's own check reads it (query engine-leftovers).
  report=$(faults_leftovers) || blocked=1
  log "faults: engine-killed: the killed engine left: ${report:-nothing}"
  expected=$(faults_fix_commands "$FAULTS_FIX_VIA" <<<"$report")
  if "${FAULTS_LAB_UP[@]}" >"$FAULT_DIR/lab-up.log" 2>&1; then
    [ "$blocked" = 0 ] || fail "the tool's up went ahead although the engine left: $report"
    faults_note "the next up finished the job"
  else
    if [ "$blocked" = 0 ]; then
      tail -n 30 "$FAULT_DIR/lab-up.log" >&2
      fail "the tool's up failed after the killed engine (above)"
    fi
    printed=$(faults_fix_commands "$FAULTS_FIX_VIA" <"$FAULT_DIR/lab-up.log")
    if [ -z "$printed" ]; then
      tail -n 30 "$FAULT_DIR/lab-up.log" >&2
      fail "the tool's up stopped without printing the command to run (above)"
    fi
    [ "$printed" = "$expected" ] ||
      fail "the tool printed $(tr '\n' ';' <<<"$printed"), expected $(tr '\n' ';' <<<"$expected")"
    log "faults: engine-killed: the tool stopped and printed: $(tr '\n' ';' <<<"$printed" | sed 's/;$//')"
    while IFS= read -r cmd; do
      read -r -a words <<<"${cmd#"$FAULTS_FIX_VIA "}"
      "${FAULTS_FIX_RUN[@]}" "${words[@]}" >>"$FAULT_DIR/fix.log" 2>&1 || {
        tail -n 30 "$FAULT_DIR/fix.log" >&2
        fail "$cmd failed (above)"
      }
    done <<<"$printed"
    "${FAULTS_LAB_UP[@]}" >"$FAULT_DIR/lab-up-2.log" 2>&1 || {
      tail -n 30 "$FAULT_DIR/lab-up-2.log" >&2
      fail "the tool's up after $(tr '\n' ';' <<<"$printed") failed (above)"
    }
    faults_note "the tool printed: $(tr '\n' ';' <<<"$printed" | sed 's/;$//')"
  fi
  left=$(faults_leftovers) || fail "after the up the stack still holds: $left"
  [ -z "$left" ] || fail "after the up the stack still holds: $left"
  now=$(faults_property "$A_ADDR" no-quorum-policy) || now=
  [ "$now" = "$was" ] || fail "no-quorum-policy is ${now:-unset} after the up, not ${was:-unset}"
  faults_done property
}

# What engine-killed waits for in the engine's output before it kills it: a resource being changed.
FAULTS_ENGINE_BUSY=' (updating|replacing|creating|deleting)( |$)'
# faults_engine_busy PID OUTPUT — the engine PID is changing a resource, or has ended.
faults_engine_busy() { ! kill -0 "$1" 2>/dev/null || grep -qE "$FAULTS_ENGINE_BUSY" "$2"; }

# faults_leftovers — what an interrupted engine left on the stack (query engine-leftovers, as the
# tool's up checks it): the report; fails when it keeps an update from finishing.
faults_leftovers() {
  local exported
  exported=$("${FAULTS_PULUMI[@]}" stack export) || {
    echo "pulumi stack export failed"
    return 1
  }
  query engine-leftovers "$FAULTS_STACK" - "${PULUMI_BACKEND_URL:-}" --via "$FAULTS_FIX_VIA" --for-update \
    <<<"$exported" 2>&1
}

# ---- the runner ----------------------------------------------------------------------------------------

# faults_ready — before a fault: both nodes answering and in the cluster, the group running, the
# writer committing.
faults_ready() {
  local i t
  for i in 0 1; do
    drill_wait 900 "${LAB_NODES[$i]} answering on SSH" on "${LAB_ADDRESSES[$i]}" true
    on "${LAB_ADDRESSES[$i]}" "pcs cluster start --wait=300 >/dev/null 2>&1" ||
      fail "the cluster did not start on ${LAB_NODES[$i]}"
  done
  for i in 0 1; do
    drill_wait 300 "${LAB_NODES[$i]} online in the cluster" drill_online "${LAB_ADDRESSES[0]}" "${LAB_CLUSTER_NODES[$i]}"
  done
  drill_wait 600 "$LAB_SERVICE running" faults_group_running
  t=$(date +%s.%N)
  drill_wait 300 "the writer committing through the VIP" faults_commits_since "$FAULTS_ACKED" "$t" 3
}

# faults_roles — A/P: the active node (running LAB_SERVICE) and the passive one.
faults_roles() {
  local where
  where=$(drill_where "${LAB_ADDRESSES[0]}" "$LAB_SERVICE") || where=
  [ -n "$where" ] || where=$(drill_where "${LAB_ADDRESSES[1]}" "$LAB_SERVICE") || where=
  if [ "$where" = "${LAB_CLUSTER_NODES[0]}" ]; then
    A=0 P=1
  elif [ "$where" = "${LAB_CLUSTER_NODES[1]}" ]; then
    A=1 P=0
  else
    fail "$LAB_SERVICE runs on '${where:-no node}', not on ${LAB_CLUSTER_NODES[0]} or ${LAB_CLUSTER_NODES[1]}"
  fi
  A_ADDR=${LAB_ADDRESSES[$A]} A_NODE=${LAB_NODES[$A]} A_CN=${LAB_CLUSTER_NODES[$A]} A_DOMAIN=${LAB_DOMAINS[$A]}
  # shellcheck disable=SC2034 # the power faults read the domains by role letter (faults_power_loss)
  P_ADDR=${LAB_ADDRESSES[$P]} P_NODE=${LAB_NODES[$P]} P_CN=${LAB_CLUSTER_NODES[$P]} P_DOMAIN=${LAB_DOMAINS[$P]}
  log "faults: $FAULT_NAME: $LAB_SERVICE runs on $A_NODE (active); $P_NODE is passive"
}

# faults_clean — the preview --refresh is clean, or up --refresh repairs what the fault left and the
# preview is clean then (noted).
faults_clean() {
  local changes
  if "${FAULTS_PULUMI[@]}" preview --refresh --non-interactive --expect-no-changes >"$FAULT_DIR/preview.log" 2>&1; then
    return 0
  fi
  changes=$(faults_changes_summary <"$FAULT_DIR/preview.log")
  log "faults: $FAULT_NAME: the refresh finds changes (${changes:-see $FAULT_DIR/preview.log}); pulumi up --refresh repairs them"
  "${FAULTS_PULUMI[@]}" up --refresh --yes --non-interactive >"$FAULT_DIR/up.log" 2>&1 || {
    tail -n 30 "$FAULT_DIR/up.log" >&2
    fail "pulumi up --refresh did not repair what the fault left (above)"
  }
  "${FAULTS_PULUMI[@]}" preview --refresh --non-interactive --expect-no-changes >"$FAULT_DIR/preview-after.log" 2>&1 || {
    tail -n 30 "$FAULT_DIR/preview-after.log" >&2
    fail "after pulumi up --refresh a refresh still finds changes (above)"
  }
  faults_note "repaired by up${changes:+ ($changes)}"
}

# faults_recovered — after a fault: the service back (its time), the rows, the groups placed, the
# stack clean (its time).
faults_recovered() {
  local pm=() t where
  [ -n "$FAULT_T0" ] || fail "the fault was never injected"
  [ "$FAULT_POSTMASTER" != new ] || pm=("$FAULT_PM")
  drill_wait "$FAULTS_RECOVER_SECONDS" "a commit through the VIP after the fault" \
    faults_first_commit "$FAULTS_ACKED" "$FAULT_T0" "${pm[@]}"
  t=$(faults_first_commit "$FAULTS_ACKED" "$FAULT_T0" "${pm[@]}")
  faults_seconds "$FAULT_T0" "$t" >"$FAULT_DIR/service"
  if [ "$FAULT_POSTMASTER" = same ] && ! faults_same_postmaster "$FAULTS_ACKED" "$FAULT_T0" "$FAULT_PM"; then
    fail "PostgreSQL was restarted: a commit after the fault came from another postmaster"
  fi
  where=$(drill_where "${LAB_ADDRESSES[0]}" "$LAB_SERVICE") || where=
  drill_check_rows "$FAULTS_WRITER_DIR" "${where:-the VIP}" >/dev/null
  faults_wait 300 "every service group on exactly one node" faults_placed "${LAB_ADDRESSES[0]}" ||
    fail "not every service group runs on exactly one node (the line above says which)"
  faults_clean
  faults_seconds "$FAULT_T0" "$(date +%s.%N)" >"$FAULT_DIR/clean"
}

# faults_exit STATUS — leaving a fault's subshell: what it broke restored, its status kept.
faults_exit() {
  local status=$1
  faults_undo_run
  exit "$status"
}

# faults_body NAME DIR — one fault, in its own subshell (faults_one): ready, roles, the fault, the
# checks after it; its results in DIR (skip, reason, service, clean, note).
faults_body() {
  FAULT_NAME=$1 FAULT_DIR=$2 FAULT_T0='' FAULT_PM='' FAULT_POSTMASTER=''
  FAULTS_UNDO=()
  # A failure names its reason for the fault's line, and ends this fault only.
  fail() {
    printf '%s\n' "$*" >"$FAULT_DIR/reason"
    die "faults: $FAULT_NAME: $*"
  }
  trap 'faults_exit $?' EXIT
  faults_ready
  faults_roles
  "faults_${FAULT_NAME//-/_}"
  faults_recovered
}

# faults_writer_start — a writer (drill_writer) from the next free counter row on.
FAULTS_WRITER_PID=
faults_writer_start() {
  local first
  faults_wait 300 "the database answering on $LAB_VIP" drill_sql "select 1" || return 1
  drill_sql "create table if not exists counter (n integer primary key, at timestamptz default now())" >/dev/null ||
    return 1
  first=$(drill_sql "select coalesce(max(n), 0) + 1 from counter") || return 1
  rm -f "$FAULTS_WRITER_DIR/writer.failed" "$FAULTS_WRITER_DIR/stop"
  DRILL_WRITER_FAILED="$FAULTS_WRITER_DIR/writer.failed"
  drill_writer "$FAULTS_WRITER_DIR" "$first" &
  FAULTS_WRITER_PID=$!
}

# faults_writer_ensure — the writer runs (one that gave up during a fault is replaced); fails when
# the database does not answer.
faults_writer_ensure() {
  if [ -n "$FAULTS_WRITER_PID" ] && kill -0 "$FAULTS_WRITER_PID" 2>/dev/null &&
    [ ! -e "$FAULTS_WRITER_DIR/writer.failed" ]; then
    return 0
  fi
  if [ -n "$FAULTS_WRITER_PID" ]; then wait "$FAULTS_WRITER_PID" 2>/dev/null || true; fi
  log "faults: the writer stopped ($(cat "$FAULTS_WRITER_DIR/writer.failed" 2>/dev/null || echo "no reason given")); starting another"
  faults_writer_start
}

# faults_one NAME — runs one fault in a subshell of its own; its line appended to FAULTS_WORK/results.
faults_one() {
  local name=$1 dir="$FAULTS_WORK/$1" status errexit=0 result note line service clean
  mkdir -p "$dir"
  if ! faults_writer_ensure; then
    line=$(faults_result_line FAIL "$name" "" "" "not run: the database does not answer on $LAB_VIP")
    echo "$line" >>"$FAULTS_WORK/results"
    log "faults: $line"
    return 0
  fi
  log "faults: $name"
  case $- in *e*) errexit=1 ;; esac
  set +e
  (
    set -e
    faults_body "$name" "$dir"
  )
  status=$?
  if [ "$errexit" = 1 ]; then set -e; fi
  service=$(cat "$dir/service" 2>/dev/null || true)
  clean=$(cat "$dir/clean" 2>/dev/null || true)
  if [ -s "$dir/skip" ]; then
    result=SKIP note=$(cat "$dir/skip")
  elif [ "$status" = 0 ] && [ -n "$clean" ]; then
    result=PASS note=$(cat "$dir/note" 2>/dev/null || true)
  else
    result=FAIL note=$(cat "$dir/reason" 2>/dev/null || echo "failed (status $status; see the log above)")
  fi
  line=$(faults_result_line "$result" "$name" "$service" "$clean" "$note")
  echo "$line" >>"$FAULTS_WORK/results"
  log "faults: $line"
  if [ "$result" = PASS ] && [ -n "${KVMLAB_E2E_TIMINGS:-}" ]; then
    echo "fault-$name $clean" >>"$KVMLAB_E2E_TIMINGS"
    echo "fault-$name-service $service" >>"$KVMLAB_E2E_TIMINGS"
  fi
}

# faults_run [FAULT,…] — the suite (all faults, or those named) against the running lab: prints one
# line per fault; fails (fail) when one failed, keeping its logs.
faults_run() {
  local list selected=() name failed acked rows_ok=1
  list=$(faults_select "${1:-}") || fail "faults: --only '${1:-}' names a fault the suite does not know (above)"
  [ -n "$list" ] || fail "faults: --only '${1:-}' names no fault: use one or more of ${FAULTS[*]}"
  mapfile -t selected <<<"$list"
  [ "${#LAB_NODES[@]}" -ge 2 ] || fail "faults: the lab has ${#LAB_NODES[@]} node(s); the suite needs two"
  if [ -z "$LAB_SERVICE" ] || [ -z "$LAB_VIP" ] || [ -z "$LAB_DB_PORT" ]; then
    fail "faults: the lab has no service group with a VIP and PostgreSQL (layers: cluster)"
  fi
  FAULTS_RECOVER_SECONDS=${FAULTS_RECOVER_SECONDS:-900}
  FAULTS_HOLD_SECONDS=${FAULTS_HOLD_SECONDS:-30}
  FAULTS_FENCE_WINDOW=${FAULTS_FENCE_WINDOW:-60}
  FAULTS_WORK=$(mktemp -d /tmp/kvmlab-faults.XXXXXX)
  FAULTS_WRITER_DIR="$FAULTS_WORK/writer"
  FAULTS_ACKED="$FAULTS_WRITER_DIR/acked"
  mkdir -p "$FAULTS_WRITER_DIR"
  : >"$FAULTS_ACKED"
  : >"$FAULTS_WORK/results"
  log "faults: ${selected[*]} (logs in $FAULTS_WORK)"

  # As the drill starts: each node starts its own cluster stack, the group enabled and without fail
  # history or moves left, running somewhere; then the writer.
  local i
  for i in 0 1; do
    on "${LAB_ADDRESSES[$i]}" "pcs cluster start --wait=300 >/dev/null 2>&1" ||
      fail "faults: the cluster did not start on ${LAB_NODES[$i]}"
  done
  on "${LAB_ADDRESSES[0]}" "pcs resource cleanup $LAB_SERVICE >/dev/null 2>&1; pcs resource enable $LAB_SERVICE && pcs resource clear $LAB_SERVICE >/dev/null 2>&1; true"
  drill_wait 600 "$LAB_SERVICE running" faults_group_running
  faults_writer_start || fail "faults: the database does not answer on $LAB_VIP"
  drill_wait 120 "the writer committing through the VIP" drill_acked_at_least "$FAULTS_ACKED" 10

  for name in "${selected[@]}"; do faults_one "$name"; done

  touch "$FAULTS_WRITER_DIR/stop"
  wait "$FAULTS_WRITER_PID" 2>/dev/null || true
  # shellcheck disable=SC2034 # drill.sh's (drill_wait reads it)
  DRILL_WRITER_FAILED=
  # In a subshell: a row lost fails the suite after its lines are printed.
  acked=$(drill_check_rows "$FAULTS_WRITER_DIR" "the VIP") || rows_ok=0
  echo
  if [ "$rows_ok" = 1 ]; then
    echo "Fault suite: ${#selected[@]} fault(s); $acked rows committed through the VIP, none lost"
  else
    echo "Fault suite: ${#selected[@]} fault(s); the committed rows are NOT all there (above)"
  fi
  cat "$FAULTS_WORK/results"
  failed=$(grep -c '^FAIL' "$FAULTS_WORK/results" || true)
  [ "$rows_ok" = 1 ] || fail "faults: committed rows were lost (logs kept in $FAULTS_WORK)"
  [ "$failed" = 0 ] || fail "faults: $failed of ${#selected[@]} faults failed (logs kept in $FAULTS_WORK)"
  rm -rf "$FAULTS_WORK"
}
