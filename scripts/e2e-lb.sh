#!/usr/bin/env bash
# End-to-end test of the load-balancer lab (seed 002: Pulumi.ultramonkey.yaml), for real: inside a
# network namespace made for the run, with a libvirt of its own, `pulumi up` builds the lab from
# nothing (stack e2e-lb: the ultramonkey lab under the name e2elb) and the script checks, failing
# loudly at the first broken step:
#   1. the lab comes up with one `pulumi up`; a refresh and a second up change nothing;
#   (a) 20 fresh HTTP requests to the VIP from the host are answered by both real servers in turn;
#       `ipvsadm -Ln` on the active director shows the scheduler (rr) and both real servers as Route;
#   (b) fe1's check page removed → fe1 leaves the table within checkinterval + checktimeout; the
#       page back → fe1 comes back; both pages removed → the directors' sorry page (ldirectord's
#       fallback) answers; both back → round robin again;
#   2. drift of pacemaker's side, made out of band (the ping rule removed, ldirectord's stop
#      operation changed, the VIP disabled): `preview --refresh` shows the LvsPacemaker resource,
#      `up --refresh` repairs it — checked on the live CIB — and a refresh then finds nothing;
#   (c) the active director destroyed (`virsh destroy`) → the VIP and ldirectord come up on the other
#       director and HTTP answers again; the gap (the probe's longest pause between good answers) is
#       printed and recorded; the destroyed director, fenced back up by fence_virsh, rejoins the cluster and
#       the group stays where it is (no failback: stickiness INFINITY); done KVMLAB_LB_FAILOVERS
#       times (default 3), each time to the director holding the VIP, for the gap's median;
#   (d) the active director's service link cut (`virsh domif-setlink … down`) → its ping score drops
#       to 0 and the location rule moves the group to the other director; the link restored;
#   (e) the VIP held by a foreign host on the service network (the KVM host's side of its bridge):
#       the group, restarted, does not start the VIP (VIPcheck refuses on both directors); the
#       address gone and the failures cleared, the group starts and serves again;
#   (f) (run right after the drift round) the director holding the VIP given more memory in the
#       stack: the preview plans its domain's update and no other change; `up` drains it (the group
#       moves to the other director), restarts it with the new size and it rejoins, out of standby;
#       HTTP answers throughout but for that one move (the longest gap is printed and recorded as
#       lb-resize-gap); a refresh is clean;
#   3. `pulumi destroy` leaves no domain, network, file or sshd of the stack behind;
#   4. no secret of the stack is in clear in its state, its outputs, anything the run printed or
#      the process lists sampled on the host and the nodes (e2e_secret_search).
# Nothing of the lab leaves the namespace; the image build (apt to Debian's mirror) runs outside.
#
# The checks name nothing of the lab themselves: the VIP, the directors and real servers, their
# addresses, domains and MACs, the pacemaker ids come from the stack (load_lab_env: the LAB_* and
# LAB_LB_* variables, `npx ts-node scripts/query.ts --help` lists them).
#
#   bash scripts/e2e-lb.sh [--plan]   (--plan: print what a run covers, and stop;
#                                      KVMLAB_E2E_TIMINGS=FILE appends "phase seconds" lines, among
#                                      them lb-up-cold, lb-refresh-noop and lb-failover-gap)
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=scripts/e2e-checks.sh
source "$(dirname "$0")/e2e-checks.sh"
# shellcheck source=scripts/lb-checks.sh
source "$(dirname "$0")/lb-checks.sh"

STACK=e2e-lb
# The lab's name in the run: every libvirt object and the state directory are named after it.
E2E_LB_NAME=e2elb
# HTTP requests of the round-robin check.
E2E_LB_REQUESTS=20
# Seconds allowed beyond checkinterval + checktimeout for the polling over SSH to see a change.
E2E_LB_GRACE=5
# The stop timeout ldirectord's drift sets (a value pacemaker accepts: an on-fail it refuses for a
# stop falls back to fencing, and a stop that then times out fences the director).
E2E_LB_DRIFT_TIMEOUT=97s
# Director failovers of check (c), one after the other (each destroys the director holding the VIP),
# for the median of the failover gap.
E2E_LB_FAILOVERS=${KVMLAB_LB_FAILOVERS:-3}
E2E_LB_CHECKS="a b c d e f"
# The memory (f) gives the director holding the VIP, in MiB (more than any director starts with).
E2E_LB_RESIZE_MIB=1280

if [ "${1:-}" = --plan ]; then
  echo "lab: Pulumi.ultramonkey.yaml as $E2E_LB_NAME (stack $STACK); checks: $E2E_LB_CHECKS (c: $E2E_LB_FAILOVERS director failovers), pacemaker drift; destroy"
  exit 0
fi

# The test lab: the ultramonkey stack file under the run's lab name, with TCG's boot timeout (a
# passphrase salt a machine's own stack added does not belong to this throwaway stack).
e2e_lb_stack_file() {
  sed -e '/^encryptionsalt:/d' -e '/^secretsprovider:/d' \
    -e "s/^    name: ultramonkey\$/    name: $E2E_LB_NAME/" "$REPO/Pulumi.ultramonkey.yaml"
  printf '    timeouts:\n      bootSeconds: 900\n'
}

if [ "${1:-}" != --inside ]; then
  e2e_prepare e2e-lb
  e2e_lb_stack_file >"$E2E_WORK/Pulumi.$STACK.yaml"
  load_lab_env "$E2E_WORK/Pulumi.$STACK.yaml"
  if [ "$LAB_NAME" != "$E2E_LB_NAME" ] || [ -z "$LAB_LB_VIP" ]; then
    die "e2e-lb: the test lab is '$LAB_NAME' with VIP '$LAB_LB_VIP': Pulumi.ultramonkey.yaml no longer has the shape this script rewrites"
  fi
  e2e_enter "$REPO/scripts/e2e-lb.sh" --inside
  e2e_passed e2e-lb
  exit 0
fi

# ---- inside the namespace (and its own mount namespace: ip netns exec made one) ----------------
work=$E2E_WORK
fail() { die "e2e-lb: $*"; }
e2e_inside "$STACK"

e2e_phase lb-up-cold pulumi up --yes --non-interactive --skip-preview || fail "pulumi up of the load-balancer lab failed"
load_e2e_env
[ "${#LAB_LB_DIRECTORS[@]}" = 2 ] || fail "the test lab has ${#LAB_LB_DIRECTORS[@]} directors; the checks need two"
[ "${#LAB_LB_REAL_SERVERS[@]}" -ge 2 ] || fail "the test lab has ${#LAB_LB_REAL_SERVERS[@]} real servers; the checks need two"

e2e_node_access
# drill_where, drill_is_on, drill_rebooted, drill_online: where a resource runs, a node back.
# shellcheck source=scripts/drill.sh
source "$REPO/scripts/drill.sh"

# shellcheck disable=SC2153 # LAB_LB_PORT: set by load_lab_env
VS="$LAB_LB_VIP:$LAB_LB_PORT"
URL="http://$VS/"
REALS=()
for a in "${LAB_LB_REAL_SERVICE_ADDRESSES[@]}"; do REALS+=("$a:$LAB_LB_PORT"); done
virsh_() { virsh -c qemu:///system "$@"; }

# The index (into LAB_LB_DIRECTORS) of the director running the VIP, asked of each director in
# turn (one may be down); fails when none answers or the VIP runs nowhere.
active_index() {
  local i j where
  for i in "${!LAB_LB_DIRECTOR_ADDRESSES[@]}"; do
    where=$(drill_where "${LAB_LB_DIRECTOR_ADDRESSES[$i]}" "$LAB_LB_VIP_RESOURCE" 2>/dev/null) || continue
    for j in "${!LAB_LB_DIRECTOR_CLUSTER_NODES[@]}"; do
      [ "${LAB_LB_DIRECTOR_CLUSTER_NODES[$j]}" != "$where" ] || {
        echo "$j"
        return 0
      }
    done
  done
  return 1
}

# The IPVS table of the active director.
active_table() {
  local a
  a=$(active_index) || return 1
  on "${LAB_LB_DIRECTOR_ADDRESSES[$a]}" "ipvsadm -Ln"
}

# The active director's table shows the virtual service with every real server in direct routing.
table_complete() {
  local table
  table=$(active_table) || return 1
  lb_ipvs_shows "$VS" "$LAB_LB_SCHEDULER" "${REALS[@]}" <<<"$table"
}

# table_lists REAL yes|no — whether the active director's table lists REAL (fails when it cannot be read).
table_lists() {
  local table
  table=$(active_table) || return 1
  if lb_ipvs_reals "$VS" <<<"$table" | grep -q "^$1 "; then [ "$2" = yes ]; else [ "$2" = no ]; fi
}

responder() { curl -s --max-time 5 "$URL" | lb_responder; }
answers_as() { [ "$(responder)" = "$1" ]; } # answers_as NAME — the VIP's page names NAME
# answers_real — the VIP's page names one of the real servers (not the sorry page, not nothing). On
# a host busy with a director's boot one request can time out, or ldirectord's check of a real
# server can, which drops it from the table for a round: the checks wait for this, never ask once.
answers_real() {
  local who r
  who=$(responder)
  for r in "${LAB_LB_REAL_SERVERS[@]}"; do [ "$who" != "$r" ] || return 0; done
  return 1
}

# until_within SECONDS COMMAND… — polls COMMAND every second; prints the seconds it took, fails
# when it did not succeed within SECONDS.
until_within() {
  local limit="$1" t0=$SECONDS
  shift
  until "$@" >/dev/null 2>&1; do
    [ $((SECONDS - t0)) -lt "$limit" ] || return 1
    sleep 1
  done
  echo $((SECONDS - t0))
}

# An HTTP probe every 0.2 s: `EPOCH_SECONDS HTTP_CODE` lines in $work/probe.log until $work/probe.stop.
probe() {
  local code
  while [ ! -e "$work/probe.stop" ] && kill -0 $$ 2>/dev/null; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$URL" 2>/dev/null) || true
    echo "$(date +%s.%N) ${code:-000}" >>"$work/probe.log"
    sleep 0.2
  done
}
answered_after() { awk -v t="$1" '$1 > t && $2 == 200 { found = 1 } END { exit !found }' "$work/probe.log"; }

# ---- 1. converged -------------------------------------------------------------------------------
e2e_wait 600 "the VIP's table complete on the active director" table_complete
e2e_phase lb-refresh-noop pulumi preview --refresh --non-interactive --expect-no-changes ||
  fail "a refresh right after the converge finds changes"
e2e_phase lb-up-noop pulumi up --yes --non-interactive --expect-no-changes || fail "a second up changes something"

# ---- (a) round robin ----------------------------------------------------------------------------
check_round_robin() {
  local i answers="" table
  for ((i = 0; i < E2E_LB_REQUESTS; i++)); do
    answers+="$(responder)"$'\n'
  done
  lb_alternates "${LAB_LB_REAL_SERVERS[@]}" <<<"${answers%$'\n'}" ||
    fail "(a) $E2E_LB_REQUESTS requests to $URL were not answered by ${LAB_LB_REAL_SERVERS[*]} in turn (above)"
  table=$(active_table) || fail "(a) the active director's IPVS table could not be read"
  lb_ipvs_shows "$VS" "$LAB_LB_SCHEDULER" "${REALS[@]}" <<<"$table" ||
    fail "(a) ipvsadm -Ln on the active director is not $LAB_LB_SCHEDULER with ${REALS[*]} as Route: $table"
  log "e2e-lb: (a) $E2E_LB_REQUESTS requests answered by ${LAB_LB_REAL_SERVERS[*]} in turn; $LAB_LB_SCHEDULER, every real server Route"
}
e2e_phase lb-round-robin check_round_robin

# ---- (b) a real server's check page ---------------------------------------------------------------
check_real_server_pages() {
  local limit=$((LAB_LB_CHECK_SECONDS + E2E_LB_GRACE)) r1=${LAB_LB_REAL_ADDRESSES[0]} r2=${LAB_LB_REAL_ADDRESSES[1]}
  local page=$LAB_LB_CHECK_PATH took
  on "$r1" "mv $page $page.away" || fail "(b) could not remove the check page of ${LAB_LB_REAL_SERVERS[0]}"
  took=$(until_within "$limit" table_lists "${REALS[0]}" no) ||
    fail "(b) ${LAB_LB_REAL_SERVERS[0]} still in the table $limit s after its check page went (checkinterval + checktimeout: $LAB_LB_CHECK_SECONDS s)"
  log "e2e-lb: (b) ${LAB_LB_REAL_SERVERS[0]} left the table ${took} s after its check page went"
  on "$r1" "mv $page.away $page" || fail "(b) could not put the check page back"
  took=$(until_within "$limit" table_lists "${REALS[0]}" yes) ||
    fail "(b) ${LAB_LB_REAL_SERVERS[0]} not back in the table $limit s after its check page came back"
  log "e2e-lb: (b) ${LAB_LB_REAL_SERVERS[0]} back in the table ${took} s after its page"
  on "$r1" "mv $page $page.away" || fail "(b) could not remove the check page of ${LAB_LB_REAL_SERVERS[0]}"
  on "$r2" "mv $page $page.away" || fail "(b) could not remove the check page of ${LAB_LB_REAL_SERVERS[1]}"
  took=$(until_within "$limit" answers_as Sorry) || fail "(b) the fallback's sorry page does not answer on $URL with both pages gone"
  log "e2e-lb: (b) both pages gone: the directors' sorry page answers (after ${took} s)"
  on "$r1" "mv $page.away $page" || fail "(b) could not put the check page of ${LAB_LB_REAL_SERVERS[0]} back"
  on "$r2" "mv $page.away $page" || fail "(b) could not put the check page of ${LAB_LB_REAL_SERVERS[1]} back"
  until_within "$limit" table_complete >/dev/null || fail "(b) the table is not complete again after both pages came back"
  check_round_robin
}
e2e_phase lb-check-pages check_real_server_pages

# ---- 2. pacemaker drift ---------------------------------------------------------------------------
check_pacemaker_drift() {
  local d1=${LAB_LB_DIRECTOR_ADDRESSES[0]} rule=${LAB_LB_CONSTRAINTS[0]} id
  on "$d1" "pcs constraint remove $rule && pcs resource update $LAB_LB_LDIRECTORD_RESOURCE op stop interval=0s timeout=$E2E_LB_DRIFT_TIMEOUT on-fail=block && pcs resource disable $LAB_LB_VIP_RESOURCE" >/dev/null ||
    fail "could not make the directors' resources drift"
  cib_query "$d1" "$work/lb-cib-drift.xml"
  query cib-check "$work/lb-cib-drift.xml" --absent "$rule" --stopped "$LAB_LB_VIP_RESOURCE" >/dev/null ||
    fail "the drift did not reach the CIB"
  e2e_expect_drift "the ping rule gone, ldirectord's stop changed, the VIP disabled" "$LAB_NAME-lb-pacemaker"
  e2e_phase lb-repair pulumi up --refresh --yes --non-interactive || fail "up did not repair the directors' resources"
  cib_query "$d1" "$work/lb-cib-repaired.xml"
  query cib-check "$work/lb-cib-repaired.xml" --started "$LAB_LB_VIP_RESOURCE" \
    --member "$LAB_LB_GROUP:$LAB_LB_VIP_RESOURCE" --member "$LAB_LB_GROUP:$LAB_LB_LDIRECTORD_RESOURCE" ||
    fail "the live CIB is not repaired"
  for id in "${LAB_LB_CONSTRAINTS[@]}"; do
    query cib-ids "$work/lb-cib-repaired.xml" | grep -qx "$id" || fail "the constraint $id is not back in the CIB"
  done
  grep "<op " "$work/lb-cib-repaired.xml" | grep "\"$LAB_LB_LDIRECTORD_RESOURCE-stop-" | grep 'on-fail="block"' |
    grep -vq "timeout=\"$E2E_LB_DRIFT_TIMEOUT\"" ||
    fail "$LAB_LB_LDIRECTORD_RESOURCE's stop is not back to its own timeout with on-fail=block"
  pulumi preview --refresh --non-interactive --expect-no-changes >/dev/null || fail "after the repair a refresh still finds changes"
  e2e_wait 300 "the VIP's table complete again" table_complete
  log "e2e-lb: pacemaker drift shown by a refresh and repaired by up, checked on the live CIB"
}
check_pacemaker_drift

# ---- (f) a director resized in place ---------------------------------------------------------------
# online_active CLUSTER_NODE — asked of the other director: the node is online and not in standby.
online_active() {
  local other=$1
  on "${LAB_LB_DIRECTOR_ADDRESSES[$other]}" "crm_mon -1 --output-as=xml" |
    grep -q "name=\"$2\" id=\"[0-9]*\" online=\"true\" standby=\"false\""
}

check_resize() {
  local a b i idx=-1 prober kib gap
  a=$(active_index) || fail "(f) the VIP runs on no director"
  b=$((1 - a))
  for i in "${!LAB_NODES[@]}"; do [ "${LAB_NODES[$i]}" != "${LAB_LB_DIRECTORS[$a]}" ] || idx=$i; done
  [ "$idx" -ge 0 ] || fail "(f) ${LAB_LB_DIRECTORS[$a]} is not among the stack's nodes"
  pulumi config set --path "kvm-ha-lab:lab.nodes[$idx].memoryMiB" "$E2E_LB_RESIZE_MIB" ||
    fail "(f) could not set ${LAB_LB_DIRECTORS[$a]}'s memory in the stack"
  e2e_expect_only "${LAB_LB_DIRECTORS[$a]}'s memory set to $E2E_LB_RESIZE_MIB MiB" "$LAB_NAME-${LAB_LB_DIRECTORS[$a]}-domain=update"
  rm -f "$work/probe.stop" "$work/probe.log"
  probe &
  prober=$!
  e2e_wait 60 "the HTTP probe answered" answered_after 0
  e2e_phase lb-resize pulumi up --yes --non-interactive --skip-preview || fail "(f) up of the resized director failed"
  sleep 5
  touch "$work/probe.stop"
  wait "$prober" || true
  kib=$(virsh_ dominfo "${LAB_LB_DIRECTOR_DOMAINS[$a]}" | awk '/^Max memory:/ { print $3 }')
  [ "$kib" = $((E2E_LB_RESIZE_MIB * 1024)) ] ||
    fail "(f) ${LAB_LB_DIRECTOR_DOMAINS[$a]} has ${kib:-no} KiB, not $E2E_LB_RESIZE_MIB MiB"
  drill_is_on "${LAB_LB_DIRECTOR_ADDRESSES[$b]}" "$LAB_LB_VIP_RESOURCE" "${LAB_LB_DIRECTOR_CLUSTER_NODES[$b]}" ||
    fail "(f) the VIP is not on ${LAB_LB_DIRECTORS[$b]}, where the drain moved it"
  online_active "$b" "${LAB_LB_DIRECTOR_CLUSTER_NODES[$a]}" ||
    fail "(f) ${LAB_LB_DIRECTORS[$a]} is not back in the cluster out of standby"
  gap=$(drill_longest_gap "$work/probe.log" 1 0 2 200) || fail "(f) the probe got fewer than two good answers"
  e2e_timing lb-resize-gap "$gap"
  e2e_wait 120 "the VIP's table complete" table_complete
  pulumi preview --refresh --non-interactive --expect-no-changes >/dev/null ||
    fail "(f) after the resize a refresh finds changes"
  log "e2e-lb: (f) ${LAB_LB_DIRECTORS[$a]} drained, restarted with $E2E_LB_RESIZE_MIB MiB and back; the group on ${LAB_LB_DIRECTORS[$b]}; longest HTTP gap ${gap} s"
}
e2e_phase lb-resize-check check_resize

# ---- (c) the active director destroyed ------------------------------------------------------------

# stays_on SECONDS INDEX — the VIP stays on director INDEX for SECONDS (asked every 5 s).
stays_on() {
  local t0=$SECONDS
  while [ $((SECONDS - t0)) -lt "$1" ]; do
    [ "$(active_index)" = "$2" ] || return 1
    sleep 5
  done
}

check_director_failover() {
  local a b boot t_fail gap prober
  a=$(active_index) || fail "(c) the VIP runs on no director"
  b=$((1 - a))
  rm -f "$work/probe.stop" "$work/probe.log"
  probe &
  prober=$!
  e2e_wait 60 "the HTTP probe answered" answered_after 0
  boot=$(on "${LAB_LB_DIRECTOR_ADDRESSES[$a]}" "cat /proc/sys/kernel/random/boot_id")
  t_fail=$(date +%s.%N)
  virsh_ destroy "${LAB_LB_DIRECTOR_DOMAINS[$a]}" >/dev/null || fail "(c) virsh destroy ${LAB_LB_DIRECTOR_DOMAINS[$a]} failed"
  log "e2e-lb: (c) ${LAB_LB_DIRECTORS[$a]} destroyed while it held the VIP"
  e2e_wait 600 "the VIP on ${LAB_LB_DIRECTORS[$b]}" drill_is_on "${LAB_LB_DIRECTOR_ADDRESSES[$b]}" "$LAB_LB_VIP_RESOURCE" "${LAB_LB_DIRECTOR_CLUSTER_NODES[$b]}"
  drill_is_on "${LAB_LB_DIRECTOR_ADDRESSES[$b]}" "$LAB_LB_LDIRECTORD_RESOURCE" "${LAB_LB_DIRECTOR_CLUSTER_NODES[$b]}" ||
    e2e_wait 300 "ldirectord on ${LAB_LB_DIRECTORS[$b]}" drill_is_on "${LAB_LB_DIRECTOR_ADDRESSES[$b]}" "$LAB_LB_LDIRECTORD_RESOURCE" "${LAB_LB_DIRECTOR_CLUSTER_NODES[$b]}"
  e2e_wait 600 "HTTP through the VIP again" answered_after "$t_fail"
  touch "$work/probe.stop"
  wait "$prober" || true
  # The longest pause between two good answers of this probe, which ran from before the destroy to
  # the first answer after it: not "the first answer after the destroy was ordered" (a request
  # answered while virsh destroy was still running read as a 0.4 s failover — found live).
  gap=$(drill_longest_gap "$work/probe.log" 1 0 2 200) || fail "(c) fewer than two good answers in the probe's log"
  log "e2e-lb: (c) the VIP and ldirectord on ${LAB_LB_DIRECTORS[$b]}; HTTP gap ${gap} s (the probe's longest pause between good answers)"
  e2e_timing lb-failover-gap "$gap"
  # fence_virsh reboots the destroyed VM (off, then on); the cluster does not start at boot.
  e2e_wait 900 "${LAB_LB_DIRECTORS[$a]} back after its fence" drill_rebooted "${LAB_LB_DIRECTOR_ADDRESSES[$a]}" "$boot"
  on "${LAB_LB_DIRECTOR_ADDRESSES[$a]}" "pcs cluster start --wait=300 >/dev/null" || fail "(c) ${LAB_LB_DIRECTORS[$a]} did not rejoin"
  e2e_wait 300 "${LAB_LB_DIRECTORS[$a]} online" drill_online "${LAB_LB_DIRECTOR_ADDRESSES[$b]}" "${LAB_LB_DIRECTOR_CLUSTER_NODES[$a]}"
  stays_on 60 "$b" || fail "(c) the group went back to ${LAB_LB_DIRECTORS[$a]} when it returned (failback)"
  e2e_wait 120 "a real server answering through the VIP after the rejoin" answers_real
  log "e2e-lb: (c) ${LAB_LB_DIRECTORS[$a]} fenced back up and rejoined; the group stayed on ${LAB_LB_DIRECTORS[$b]}"
}
for ((failover = 1; failover <= E2E_LB_FAILOVERS; failover++)); do
  log "e2e-lb: (c) failover $failover of $E2E_LB_FAILOVERS"
  e2e_phase lb-director-failover check_director_failover
done

# ---- (d) the active director's service link cut ---------------------------------------------------
ping_score() { # ping_score INDEX — the ping clone's attribute of director INDEX, asked of the other one
  on "${LAB_LB_DIRECTOR_ADDRESSES[$((1 - $1))]}" \
    "crm_attribute --node ${LAB_LB_DIRECTOR_CLUSTER_NODES[$1]} --name $LAB_LB_PING_ATTRIBUTE --lifetime reboot --query --quiet 2>/dev/null"
}
score_is() { [ "$(ping_score "$1")" = "$2" ]; } # score_is INDEX VALUE

check_link_cut() {
  local a b mac
  a=$(active_index) || fail "(d) the VIP runs on no director"
  b=$((1 - a))
  mac=${LAB_LB_DIRECTOR_SERVICE_MACS[$a]}
  virsh_ domif-setlink "${LAB_LB_DIRECTOR_DOMAINS[$a]}" "$mac" down >/dev/null ||
    fail "(d) could not cut ${LAB_LB_DIRECTORS[$a]}'s service link"
  log "e2e-lb: (d) ${LAB_LB_DIRECTORS[$a]}'s service link ($mac) down"
  e2e_wait 300 "${LAB_LB_DIRECTORS[$a]}'s ping score at 0" score_is "$a" 0
  e2e_wait 300 "the group moving to ${LAB_LB_DIRECTORS[$b]}" drill_is_on "${LAB_LB_DIRECTOR_ADDRESSES[$b]}" "$LAB_LB_VIP_RESOURCE" "${LAB_LB_DIRECTOR_CLUSTER_NODES[$b]}"
  e2e_wait 120 "a real server answering through the VIP" answers_real
  virsh_ domif-setlink "${LAB_LB_DIRECTOR_DOMAINS[$a]}" "$mac" up >/dev/null || fail "(d) could not restore the link"
  e2e_wait 300 "${LAB_LB_DIRECTORS[$a]}'s ping score back" score_is "$a" "$(ping_score "$b")"
  log "e2e-lb: (d) the ping score moved the group to ${LAB_LB_DIRECTORS[$b]}; the link is back"
}
e2e_phase lb-link-cut check_link_cut

# ---- (e) the VIP held elsewhere -------------------------------------------------------------------
# Every director has failed to start VIPcheck (crm_mon's failures), and the VIP runs nowhere.
vipcheck_refused() {
  local mon i
  mon=$(on "${LAB_LB_DIRECTOR_ADDRESSES[0]}" "crm_mon -1 --output-as=xml") || return 1
  for i in "${!LAB_LB_DIRECTOR_CLUSTER_NODES[@]}"; do
    grep -q "op_key=\"${LAB_LB_VIPCHECK_RESOURCE}_start_0\" node=\"${LAB_LB_DIRECTOR_CLUSTER_NODES[$i]}\"" <<<"$mon" || return 1
  done
  ! active_index >/dev/null
}
vip_on_no_director() {
  local a
  for a in "${LAB_LB_DIRECTOR_ADDRESSES[@]}"; do
    [ -z "$(on "$a" "ip -o -4 address show to $LAB_LB_VIP/32")" ] || return 1
  done
}

check_vipcheck() {
  local d1=${LAB_LB_DIRECTOR_ADDRESSES[0]}
  on "$d1" "pcs resource disable $LAB_LB_GROUP --wait=300 >/dev/null" || fail "(e) could not stop the group"
  ip address add "$LAB_LB_VIP/32" dev "$LAB_LB_BRIDGE" || fail "(e) the host could not take the VIP on $LAB_LB_BRIDGE"
  log "e2e-lb: (e) the host holds $LAB_LB_VIP on $LAB_LB_BRIDGE; the group restarted"
  on "$d1" "pcs resource enable $LAB_LB_GROUP" || fail "(e) could not start the group"
  e2e_wait 300 "VIPcheck refusing on every director" vipcheck_refused
  vip_on_no_director || fail "(e) a director took $LAB_LB_VIP while the host held it"
  ip address del "$LAB_LB_VIP/32" dev "$LAB_LB_BRIDGE" || fail "(e) the host could not give the VIP up"
  on "$d1" "pcs resource cleanup $LAB_LB_GROUP >/dev/null" || fail "(e) could not clear the failures"
  e2e_wait 300 "the group starting once the VIP is free" active_index
  e2e_wait 120 "the VIP's table complete" table_complete
  check_round_robin
  pulumi preview --refresh --non-interactive --expect-no-changes >/dev/null ||
    fail "(e) after the VIP check a refresh finds changes"
  log "e2e-lb: (e) VIPcheck kept the group from claiming a VIP held elsewhere; freed, the group serves again"
}
e2e_phase lb-vipcheck check_vipcheck

# ---- 3. destroy -----------------------------------------------------------------------------------
e2e_secret_capture
e2e_phase lb-destroy pulumi destroy --yes --non-interactive || fail "pulumi destroy failed"
e2e_destroyed
e2e_secret_search
e2e_stage destroy-clean
log "e2e-lb: destroy removed every domain, network, file and the sshd of the stack"
