# The grow-and-shrink part of the end-to-end test, sourced by scripts/e2e.sh (KVMLAB_E2E_GROW=1)
# once the cluster part passed, on the running two-node test lab with its first service group up.
# A writer commits a counter row through the VIP every ~0.2 s throughout (drill_writer,
# scripts/drill.sh), and:
#   1. the test lab's third node E2E_GROW_NODE is added (the nodes listed by name, their addresses
#      derived; twoNode follows the member count): the preview plans only creates of its resources
#      and in-place updates — no replacement, nothing refused; `up` creates its VM and it joins the
#      running cluster (every member online, two_node gone from corosync.conf, the STONITH host
#      map naming it), its brick joins the volume (replica 3, nothing left to heal, the brick
#      holding the volume's files), it is logged in to the iSCSI target; a refresh then finds
#      nothing;
#   2. it is removed again: the preview plans deletes of its resources and in-place updates only;
#      `up` takes it out of the cluster (two members, two_node: 1 again), its brick out of the
#      volume (replica 2), its VM away; a refresh then finds nothing;
#   3. every row the writer recorded as committed is in the table (drill_check_rows), and its
#      longest pause stayed under E2E_GROW_MAX_GAP seconds (at most one move of the group).
# Records grow-up and shrink-up (the two `up`s), grow-gap and shrink-gap (the writer's longest
# pause during each) and grow-rows.
#
# Needs from e2e.sh: work, E2E_GROW_NODE, E2E_GROW_MAX_GAP, load_e2e_env, fail, on, set_lab;
#   e2e_node_access, e2e_expect_only, e2e_phase, e2e_stage, e2e_timing, log (lib.sh); the drill's
#   functions (scripts/drill.sh, sourced by e2e-cluster.sh) and PGPASSWORD (exported there).
# Defines: grow_nodes, grow_members_online, grow_healed, grow_check_joined,
#   grow_check_left, grow_expected_changes.
# shellcheck shell=bash disable=SC2154 # work, E2E_*: e2e.sh's, see above

# grow_nodes NAME… — the test lab's nodes, listed by name (every address derived from the defaults).
grow_nodes() {
  local i=0 name
  pulumi config rm --path "kvm-ha-lab:lab.nodes" >/dev/null 2>&1 || true
  for name in "$@"; do
    set_lab "nodes[$i].name" "$name"
    i=$((i + 1))
  done
}

# grow_members_online N — the cluster, asked of the first node, has N members online.
grow_members_online() { [ "$(on "${LAB_ADDRESSES[0]}" "crm_mon -1 --output-as=xml" | grep -c 'online="true"')" = "$1" ]; }

# grow_expected_changes create|delete — the resources the preview must plan: the node's own
# (created or deleted) and the shared ones updated in place (components/ha-lab.ts names them).
grow_expected_changes() {
  local op="$1" node="$E2E_GROW_NODE" kind
  for kind in cloud-init domain files host-key ready volume; do echo "$LAB_NAME-$node-$kind=$op"; done
  echo "$LAB_NAME-gluster-mount-$node=$op"
  echo "$LAB_NAME-iscsi-initiator-$node=$op"
  for kind in cluster-pcs gluster-peers gluster-volume host-sshd iscsi-target "svc-$LAB_SERVICE-group" \
    "fence-${LAB_FENCE_DEVICES[0]}-stonith"; do
    echo "$LAB_NAME-$kind=update"
  done
}

# grow_healed ADDRESS — `heal info`, asked of ADDRESS, has no entry pending on any brick.
grow_healed() {
  local out
  out=$(on "$1" "gluster volume heal $LAB_GLUSTER_VOLUME info") || return 1
  grep -q '^Number of entries:' <<<"$out" && ! grep '^Number of entries:' <<<"$out" | grep -qv ': 0$'
}

# grow_check_joined — the third node in the cluster, the volume and the iSCSI target.
grow_check_joined() {
  local first=${LAB_ADDRESSES[0]} new=${LAB_ADDRESSES[2]} cnode=${LAB_CLUSTER_NODES[2]} bricks
  drill_wait 600 "all ${#LAB_NODES[@]} members online" grow_members_online "${#LAB_NODES[@]}"
  ! on "$first" "grep -q 'two_node: 1' /etc/corosync/corosync.conf" || fail "corosync.conf still has two_node: 1 with three members"
  on "$first" "pcs stonith config ${LAB_FENCE_DEVICES[0]}" | grep -q "$cnode:" ||
    fail "the STONITH device's host map does not name $cnode"
  bricks=$(on "$first" "gluster volume info $LAB_GLUSTER_VOLUME" | sed -n 's/^Number of Bricks: //p')
  [ "$bricks" = "1 x 3 = 3" ] || fail "$LAB_GLUSTER_VOLUME has '$bricks' bricks, not one replica set of three"
  # Under the writer an entry or two is always in flight: nothing pending once, within the wait.
  drill_wait 300 "$LAB_GLUSTER_VOLUME healed on every brick" grow_healed "$first"
  on "$new" "find $LAB_GLUSTER_BRICK -path '*/.glusterfs' -prune -o -type f -print | grep -q ." ||
    fail "the brick of $E2E_GROW_NODE ($LAB_GLUSTER_BRICK) holds no file of the volume"
  on "$new" "iscsiadm -m session" | grep -q "$LAB_ISCSI_IQN" || fail "$E2E_GROW_NODE is not logged in to $LAB_ISCSI_IQN"
  log "e2e: $E2E_GROW_NODE joined: ${#LAB_NODES[@]} members online, two_node off, in the STONITH host map, brick healed (replica 3), iSCSI session"
}

# grow_check_left — back to two: members, two_node, replica 2, the node's VM gone.
grow_check_left() {
  local first=${LAB_ADDRESSES[0]} bricks
  drill_wait 300 "two members online" grow_members_online 2
  on "$first" "grep -q 'two_node: 1' /etc/corosync/corosync.conf" || fail "corosync.conf lacks two_node: 1 with two members"
  on "$first" "crm_node -l" | grep -q "${grow_cluster_node}" && fail "the cluster still lists $grow_cluster_node"
  bricks=$(on "$first" "gluster volume info $LAB_GLUSTER_VOLUME" | sed -n 's/^Number of Bricks: //p')
  [ "$bricks" = "1 x 2 = 2" ] || fail "$LAB_GLUSTER_VOLUME has '$bricks' bricks, not one replica set of two"
  virsh -c qemu:///system dominfo "$grow_domain" >/dev/null 2>&1 && fail "the domain $grow_domain is still there"
  log "e2e: $E2E_GROW_NODE left: two members, two_node: 1, replica 2, its domain gone"
}

two_nodes=("${LAB_NODES[@]}")
[ "${#two_nodes[@]}" = 2 ] || fail "grow: the test lab has ${#two_nodes[@]} nodes; the stage starts from two"

# The writer, through the VIP, for the whole stage.
grow_dir="$work/grow"
mkdir -p "$grow_dir"
: >"$grow_dir/acked"
drill_sql "create table if not exists counter (n integer primary key, at timestamptz default now())" >/dev/null ||
  fail "grow: could not create the counter table through $LAB_VIP"
first_row=$(drill_sql "select coalesce(max(n), 0) + 1 from counter") || fail "grow: could not read the counter table"
DRILL_WRITER_FAILED="$grow_dir/writer.failed"
drill_writer "$grow_dir" "$first_row" &
grow_writer=$!
drill_wait 120 "the writer committing through the VIP" drill_acked_at_least "$grow_dir/acked" 10

# 1. Grow.
grow_nodes "${two_nodes[@]}" "$E2E_GROW_NODE"
# shellcheck disable=SC2046 # one RESOURCE=OP word per line
e2e_expect_only "$E2E_GROW_NODE added" $(grow_expected_changes create)
t_grow=$(date +%s)
e2e_phase grow-up pulumi up --yes --non-interactive --skip-preview || fail "pulumi up did not add $E2E_GROW_NODE"
load_e2e_env
e2e_node_access
grow_cluster_node=${LAB_CLUSTER_NODES[2]}
grow_domain=${LAB_DOMAINS[2]}
grow_check_joined
gap=$(drill_longest_gap "$grow_dir/acked" 2 "$t_grow") || fail "grow: the writer committed nothing during the up"
e2e_timing grow-gap "$gap"
pulumi preview --refresh --non-interactive --expect-no-changes >/dev/null || fail "after the grow a refresh finds changes"
e2e_stage grow

# 2. Shrink.
grow_nodes "${two_nodes[@]}"
# shellcheck disable=SC2046
e2e_expect_only "$E2E_GROW_NODE removed" $(grow_expected_changes delete)
t_shrink=$(date +%s)
e2e_phase shrink-up pulumi up --yes --non-interactive --skip-preview || fail "pulumi up did not remove $E2E_GROW_NODE"
load_e2e_env
grow_check_left
shrink_gap=$(drill_longest_gap "$grow_dir/acked" 2 "$t_shrink") || fail "grow: the writer committed nothing during the shrink"
e2e_timing shrink-gap "$shrink_gap"
pulumi preview --refresh --non-interactive --expect-no-changes >/dev/null || fail "after the shrink a refresh finds changes"

# 3. No row lost; no pause longer than one move.
touch "$grow_dir/stop"
wait "$grow_writer" || fail "grow: the writer failed: $(cat "$grow_dir/writer.failed" 2>/dev/null)"
# shellcheck disable=SC2034 # drill_wait (scripts/drill.sh) reads it: no writer to watch any more
DRILL_WRITER_FAILED=
rows=$(drill_check_rows "$grow_dir" "${LAB_NODES[0]}") || fail "grow: committed rows are missing"
e2e_timing grow-rows "$rows"
for g in "$gap" "$shrink_gap"; do
  awk -v g="$g" -v max="$E2E_GROW_MAX_GAP" 'BEGIN { exit !(g < max) }' ||
    fail "grow: the writer paused ${g} s (more than one move: $E2E_GROW_MAX_GAP s)"
done
log "e2e: grown to three and back to two under the writer: $rows rows committed, 0 lost; longest pauses ${gap} s (grow), ${shrink_gap} s (shrink)"
e2e_stage shrink
