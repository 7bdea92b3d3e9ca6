# The failover drill of seed 001, automated (sourced by scripts/e2e-cluster.sh and scripts/lab.sh),
# on the lab's first two nodes (node1, node2 below; node01 and node02 in the seed lab) and its first
# service group with a VIP (service01):
#
#   1. the group enabled, running on node1, the database answering on the VIP;
#   2. a writer inserts a counter row every ~0.2 s through the VIP and records every commit it
#      knows of (a retry whose earlier attempt committed counts the row once; a row it cannot
#      commit within DRILL_WRITER_GIVEUP s fails the drill);
#   3. `pkill -9 corosync` on node1 → node2 fences node1 through fence_virsh (the VM really
#      restarts: its boot id changes), the group starts on node2, the database answers again;
#   4. a database `testdb` is created there; every committed counter row is read back on node2;
#   5. node1 back and rejoined (`pcs cluster start`: not started at boot), storage healed
#      (`glmount heal`), the group moved back (`pcs resource move` + `clear`), `testdb` and every
#      committed counter row seen on node1;
#   6. prints the failover time (kill → the first commit through the VIP afterwards).
#
# Needs from the caller:
#   on ADDRESS COMMAND (runs COMMAND as root on a node), log and fail (lib.sh / e2e.sh);
#   PGPASSWORD (exported: the application role's password);
#   the lab description from load_lab_env (lib.sh): LAB_NODES, LAB_ADDRESSES, LAB_CLUSTER_NODES,
#     LAB_SERVICE, LAB_VIP, LAB_DB_PORT;
#   DRILL_NS (array, optional) — the command prefix that reaches the lab's networks for psql (empty
#     inside the lab's namespace);
#   KVMLAB_E2E_TIMINGS (optional) — a file the drill appends "failover SECONDS" and "drill-rows N" to;
#   DRILL_WRITER_GIVEUP (optional, seconds, default 900).
# Defines: DRILL_NS (empty when the caller left it unset), DRILL_DB, DRILL_WRITER_FAILED, drill_psql,
#   drill_sql, drill_where, drill_is_on, drill_rebooted, drill_online, drill_acked_at_least,
#   drill_committed_after, drill_writer, drill_check_rows, drill_longest_gap, drill_wait,
#   drill_create_testdb, drill_run.
# shellcheck shell=bash

DRILL_NS=("${DRILL_NS[@]}")
# The application role and its database, as the program creates them (DB_ROLE,
# providers/cluster/pacemaker/service-group.ts).
DRILL_DB=lab
# The file a writer that gave up leaves (set while a drill's writer runs; drill_wait watches it).
DRILL_WRITER_FAILED=
# Bounded: a connection made to node1 just before it was fenced would otherwise hang forever
# (found live: the writer stalled on one until killed by hand).
# DRILL_SQL_TIMEOUT raises the bound for one slow statement (CREATE DATABASE copies template1 on
# GlusterFS: ~35 s under TCG, measured).
drill_psql() {
  PGOPTIONS="-c client_min_messages=warning" "${DRILL_NS[@]}" timeout "${DRILL_SQL_TIMEOUT:-15}" \
    psql "host=$LAB_VIP port=$LAB_DB_PORT dbname=$DRILL_DB user=$DRILL_DB connect_timeout=3" -qtAX "$@"
}
drill_sql() { drill_psql -v ON_ERROR_STOP=1 -c "$1"; } # drill_sql SQL — through the VIP, as the application role

drill_where() { # drill_where ADDRESS GROUP — prints the cluster node running GROUP (or nothing)
  on "$1" "crm_resource --locate --resource $2 2>/dev/null" | sed -n 's/.*running on: *//p' | head -n 1
}

drill_is_on() { [ "$(drill_where "$1" "$2")" = "$3" ]; } # drill_is_on ADDRESS GROUP CLUSTER_NODE
drill_rebooted() { # drill_rebooted ADDRESS OLD_BOOT_ID
  local b
  b=$(on "$1" "cat /proc/sys/kernel/random/boot_id" 2>/dev/null) && [ -n "$b" ] && [ "$b" != "$2" ]
}
# drill_online ADDRESS CLUSTER_NODE — the cluster seen from ADDRESS has CLUSTER_NODE online
drill_online() { on "$1" "crm_mon -1 --output-as=xml" | grep -q "name=\"$2\" id=\"[0-9]*\" online=\"true\""; }
drill_acked_at_least() { [ "$(wc -l <"$1")" -ge "$2" ]; } # FILE N
# drill_committed_after FILE OLD_POSTMASTER — a row inserted (and acknowledged) by another postmaster
drill_committed_after() { awk -v pm="$2" '$3 != pm && $4 == "inserted" { found = 1 } END { exit !found }' "$1"; }

# drill_writer DIR FIRST — inserts the counter rows FIRST, FIRST+1, … through the VIP, one a
# statement every ~0.2 s, until DIR/stop exists or the shell that started it is gone. A row is
# recorded in DIR/acked once it is known committed, as `N TIME POSTMASTER_START HOW`: HOW is
# `inserted` (the insert's commit was acknowledged) or `found` (an earlier attempt whose
# acknowledgement was lost had committed it: the retry finds the row, and it counts once). A row
# not committed within DRILL_WRITER_GIVEUP seconds (default 900: longer than any wait of the drill)
# of its first attempt ends the writer (status 1) with the reason in DIR/writer.failed.
drill_writer() {
  local dir="$1" i="$2" since=$SECONDS out inserted pm how
  local giveup=${DRILL_WRITER_GIVEUP:-900}
  while [ ! -e "$dir/stop" ] && kill -0 $$ 2>/dev/null; do
    if out=$(drill_sql "with ins as (insert into counter (n) values ($i) on conflict (n) do nothing returning n)
        select count(*), extract(epoch from pg_postmaster_start_time()) from ins" 2>>"$dir/writer.err"); then
      IFS='|' read -r inserted pm <<<"$out"
      if [ "$inserted" = 1 ]; then how=inserted; else how=found; fi
      echo "$i $(date +%s.%N) $pm $how" >>"$dir/acked"
      i=$((i + 1))
      since=$SECONDS
    elif [ $((SECONDS - since)) -ge "$giveup" ]; then
      echo "row $i not committed within $giveup s of its first attempt; last error: $(tail -n 1 "$dir/writer.err" 2>/dev/null)" \
        >"$dir/writer.failed"
      return 1
    fi
    sleep 0.2
  done
}

# drill_check_rows DIR WHERE — every row DIR/acked records is in the table, read through the VIP
# (served by WHERE), and recorded once; prints the number of rows.
drill_check_rows() {
  local dir="$1" where="$2" present acked lost twice
  present=$(drill_sql "select n from counter") || fail "drill: could not read the counter rows through the VIP ($where)"
  acked=$(wc -l <"$dir/acked")
  [ "$acked" -gt 0 ] || fail "drill: the writer recorded no committed row"
  twice=$(cut -d' ' -f1 "$dir/acked" | sort | uniq -d | wc -l)
  [ "$twice" = 0 ] || fail "drill: $twice rows recorded as committed more than once"
  lost=$(comm -23 <(cut -d' ' -f1 "$dir/acked" | sort) <(sort <<<"$present") | wc -l)
  [ "$lost" = 0 ] || fail "drill: $lost of $acked committed rows are missing on $where"
  echo "$acked"
}

# drill_longest_gap FILE TIME_FIELD FROM [FIELD VALUE] — the longest time (s, one decimal) between
# two good lines of FILE, whose field TIME_FIELD is an epoch: every line is good, or only those
# whose field FIELD is VALUE (an HTTP probe's 200, a writer's ok). Counted from the last good line
# before the epoch FROM (a pause that began before FROM counts whole); fails when fewer than two
# good lines count. The writer's acked file: drill_longest_gap FILE 2 FROM.
drill_longest_gap() {
  awk -v tf="$2" -v from="$3" -v f="${4:-0}" -v want="${5:-}" '
    f > 0 && $f != want { next }
    $tf < from { last = $tf; n = 1; next }
    { if (n > 0 && $tf - last > gap) gap = $tf - last; last = $tf; n++ }
    END { if (n < 2) exit 1; printf "%.1f\n", gap }' "$1"
}

# drill_wait SECONDS WHAT COMMAND… — polls COMMAND (a function or program) every 2 s; when it gives
# up, the last line COMMAND printed says why (drill_last_words).
drill_wait() {
  local limit="$1" what="$2" t0=$SECONDS out
  shift 2
  until out=$("$@" 2>&1); do
    # A writer that gave up fails the drill at once: waiting for its commits would only time out.
    if [ -n "${DRILL_WRITER_FAILED:-}" ] && [ -e "$DRILL_WRITER_FAILED" ]; then
      fail "drill: the writer gave up: $(cat "$DRILL_WRITER_FAILED")"
    fi
    [ $((SECONDS - t0)) -lt "$limit" ] || fail "drill: $what did not happen within $limit s$(drill_last_words "$out")"
    sleep 2
  done
}

# drill_last_words OUTPUT — " (last: LINE)" with OUTPUT's last non-empty line, or nothing.
drill_last_words() {
  local line
  line=$(printf '%s\n' "$1" | sed '/^[[:space:]]*$/d' | tail -n 1)
  [ -z "$line" ] || printf ' (last: %s)' "$line"
}

# drill_create_testdb ADDRESS NODE — creates the database testdb through the VIP, served by NODE
# (reached at ADDRESS). The copy loads the storage while the other node comes back: when pacemaker
# restarts the group in place under it (a failed monitor), the statement is cut. Then it says what
# the cluster saw, waits for the database, and tries once more (noted in KVMLAB_E2E_TIMINGS as
# drill-createdb-cut); a second failure fails the drill.
drill_create_testdb() {
  local address="$1" node="$2"
  DRILL_SQL_TIMEOUT=300 drill_sql "drop database if exists testdb" >/dev/null 2>&1 || true
  DRILL_SQL_TIMEOUT=300 drill_psql -c "create database testdb" && return 0
  log "drill: create database testdb was cut on $node; the cluster's failures there:"
  on "$address" "crm_mon -1 -rf | sed -n '/Failed Resource Actions/,\$p'" >&2 || true
  drill_wait 600 "the database answering on $LAB_VIP after the cut" drill_sql "select 1"
  DRILL_SQL_TIMEOUT=300 drill_sql "drop database if exists testdb" >/dev/null 2>&1 || true
  DRILL_SQL_TIMEOUT=300 drill_psql -c "create database testdb" || fail "drill: createdb testdb on $node failed twice"
  [ -z "${KVMLAB_E2E_TIMINGS:-}" ] || echo "drill-createdb-cut 1" >>"$KVMLAB_E2E_TIMINGS"
}

drill_run() {
  [ "${#LAB_NODES[@]}" -ge 2 ] || fail "drill: the lab has ${#LAB_NODES[@]} node(s); the drill needs two"
  if [ -z "$LAB_VIP" ] || [ -z "$LAB_DB_PORT" ]; then
    fail "drill: the lab has no service group with a VIP and PostgreSQL"
  fi
  local node1=${LAB_NODES[0]} node2=${LAB_NODES[1]} n1=${LAB_ADDRESSES[0]} n2=${LAB_ADDRESSES[1]}
  local c1=${LAB_CLUSTER_NODES[0]} c2=${LAB_CLUSTER_NODES[1]} group=$LAB_SERVICE
  local dir boot_before boot_after pm_before t_kill t_back failover writer acked first found
  dir=$(mktemp -d /tmp/kvmlab-drill.XXXXXX)

  # 1. The group on node1, the database answering.
  # Both nodes in the cluster (a node fenced by an earlier drill comes back outside it: the
  # cluster does not start at boot, seed 000).
  # Each node starts its own cluster stack: `--all` would need pcsd on the other node, which a
  # node that has just booted may not run yet (found in the e2e: right after the fence test).
  on "$n1" "pcs cluster start --wait=300 >/dev/null 2>&1" || fail "drill: the cluster did not start on $node1"
  on "$n2" "pcs cluster start --wait=300 >/dev/null 2>&1" || fail "drill: the cluster did not start on $node2"
  drill_wait 300 "$node1 online in the cluster" drill_online "$n1" "$c1"
  drill_wait 300 "$node2 online in the cluster" drill_online "$n1" "$c2"
  # A clean start: no fail history of an earlier drill (a start failure bans a node), no move left.
  on "$n1" "pcs resource cleanup $group >/dev/null 2>&1; pcs resource enable $group && pcs resource clear $group >/dev/null 2>&1; true"
  # Where an earlier failover left it (stickiness keeps it there), it is moved to node1 first.
  drill_is_on "$n1" "$group" "$c1" || on "$n1" "pcs resource move $group $c1 >/dev/null; true"
  drill_wait 600 "$group starting on $node1" drill_is_on "$n1" "$group" "$c1"
  on "$n1" "pcs resource clear $group >/dev/null 2>&1; true"
  drill_wait 120 "the database answering on $LAB_VIP" drill_sql "select 1"
  drill_sql "create table if not exists counter (n integer primary key, at timestamptz default now())"
  log "drill: $group runs on $node1; PostgreSQL answers on $LAB_VIP"

  # 2. The writer (drill_writer): one insert per statement, each row recorded once it is known
  # committed, with the start time of the postmaster that served it: the failover ends with the
  # first commit served by the PostgreSQL started on node2. It stops with the drill, also when the
  # drill failed and exited; when it gives up on a row, every wait below fails at once.
  : >"$dir/acked"
  first=$(drill_sql "select coalesce(max(n), 0) + 1 from counter") || fail "drill: could not read the counter table"
  DRILL_WRITER_FAILED="$dir/writer.failed"
  drill_writer "$dir" "$first" &
  writer=$!
  drill_wait 120 "the writer committing through the VIP" drill_acked_at_least "$dir/acked" 10

  # 3. Kill corosync on node1; node2 must fence it and take the group over.
  boot_before=$(on "$n1" "cat /proc/sys/kernel/random/boot_id")
  pm_before=$(tail -n 1 "$dir/acked" | cut -d' ' -f3)
  [ -n "$pm_before" ] || fail "drill: the writer committed nothing before the kill: $(tail -n 3 "$dir/writer.err" 2>/dev/null)"
  t_kill=$(date +%s.%N)
  on "$n1" "pkill -9 corosync" || true
  log "drill: corosync killed on $node1"
  drill_wait 600 "$group starting on $node2" drill_is_on "$n2" "$group" "$c2"
  drill_wait 600 "a commit through the VIP served by $node2's PostgreSQL" drill_committed_after "$dir/acked" "$pm_before"
  t_back=$(awk -v pm="$pm_before" '$3 != pm && $4 == "inserted" { print $2; exit }' "$dir/acked")
  drill_wait 600 "$node1 rebooting (fenced)" drill_rebooted "$n1" "$boot_before"
  boot_after=$(on "$n1" "cat /proc/sys/kernel/random/boot_id")
  failover=$(echo "$t_back - $t_kill" | bc)
  log "drill: $node1 fenced (boot id ${boot_before:0:8} → ${boot_after:0:8}); $group on $node2; failover ${failover%.*} s"
  [ -z "${KVMLAB_E2E_TIMINGS:-}" ] || echo "failover $failover" >>"$KVMLAB_E2E_TIMINGS"

  # 4. A database created on node2.
  drill_create_testdb "$n2" "$node2"

  # No committed row lost, read where the group runs now (node2).
  touch "$dir/stop"
  wait "$writer" || fail "drill: the writer failed: $(cat "$dir/writer.failed" 2>/dev/null)"
  DRILL_WRITER_FAILED=
  acked=$(drill_check_rows "$dir" "$node2") || fail "drill: the committed rows are not all there on $node2"
  found=$(awk '$4 == "found"' "$dir/acked" | wc -l)
  log "drill: $acked rows committed during the drill ($found of them found committed by a retry), 0 lost on $node2"
  [ -z "${KVMLAB_E2E_TIMINGS:-}" ] || echo "drill-rows $acked" >>"$KVMLAB_E2E_TIMINGS"

  # 5. node1 back: rejoin, heal, move the group back, testdb there.
  drill_wait 600 "$node1 answering on SSH" on "$n1" true
  on "$n1" "pcs cluster start --wait=300 >/dev/null" || fail "drill: $node1 did not rejoin"
  drill_wait 300 "$node1 online in the cluster" drill_online "$n2" "$c1"
  on "$n2" "/etc/init.d/glmount heal" || fail "drill: glmount heal failed"
  on "$n1" "pcs resource move $group $c1 >/dev/null" || fail "drill: pcs resource move failed"
  drill_wait 600 "$group moving back to $node1" drill_is_on "$n1" "$group" "$c1"
  on "$n1" "pcs resource clear $group >/dev/null" || fail "drill: pcs resource clear failed"
  drill_wait 120 "the database answering on $LAB_VIP again" drill_sql "select 1"
  [ "$(drill_sql "select count(*) from pg_database where datname = 'testdb'")" = 1 ] ||
    fail "drill: testdb made on $node2 is not there on $node1"
  # The committed rows again, now that node1 serves the VIP.
  drill_check_rows "$dir" "$node1" >/dev/null
  log "drill: $node1 rejoined, storage healed, $group back on $node1 with testdb and all $acked rows"
  rm -rf "$dir"
}
