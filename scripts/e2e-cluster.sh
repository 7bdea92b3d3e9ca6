# The cluster part of the end-to-end test, sourced by scripts/e2e.sh inside the run's namespace
# once the storage part passed, on the test lab's first two nodes (node01/node02), its cluster,
# first fence device (kvmhost01) and first service group with a VIP (service01) as the stack
# describes them:
#   1. layers: cluster → pcs cluster (knet links on the cluster's networks, the configured token,
#      two_node), fence_virsh STONITH, the service group (VIP + GlusterFS mount + PostgreSQL);
#      crm_verify -L clean; a refresh and a second up change nothing;
#   2. drift (a property changed, a member disabled, a constraint added; then the STONITH device
#      disabled and a member deleted) shown and repaired — each repair checked on the live CIB
#      (cibadmin --query read by `query cib-check`), not only by the provider's own refresh;
#   3. a fence test: `pcs stonith fence` of the second node power-cycles its VM through libvirt;
#   4. the seed's failover drill (scripts/drill.sh), E2E_DRILLS times (KVMLAB_DRILLS, default 1);
#   5. with E2E_FAULTS=1 (KVMLAB_FAULTS), the fault suite (scripts/faults.sh) on the same lab: every
#      fault, one line each, the run failing when one fails.
#
# Needs from e2e.sh: work, E2E_DRILLS, E2E_FAULTS, load_e2e_env (sets the LAB_* variables: LAB_NAME, LAB_NODES,
#   LAB_ADDRESSES, LAB_CLUSTER_*, LAB_FENCE_DEVICES, LAB_SERVICE*, LAB_VIP, LAB_DB_PORT), fail, on,
#   set_lab, cib_query; unit_boot_state (e2e-checks.sh); REPO, log, query, stack_secret, e2e_phase,
#   e2e_timing, e2e_stage, e2e_expect_drift (lib.sh).
# Defines: c1, c2 (the two nodes' management addresses), fence_device, added, absent, both_online,
#   check_cluster, e2e_lab_up, PGPASSWORD (exported), and what scripts/drill.sh defines (and, with
#   E2E_FAULTS=1, scripts/faults.sh).
# shellcheck shell=bash disable=SC2154 # work: e2e.sh's, see above

# shellcheck source=scripts/drill.sh
source "$REPO/scripts/drill.sh"

both_online() { on "$c1" "crm_mon -1 --output-as=xml" | grep -c 'online="true"' | grep -qx "${#LAB_NODES[@]}"; }

check_cluster() {
  local out links=${#LAB_CLUSTER_LINKS[@]}
  out=$(on "$c1" "corosync-cfgtool -s") || fail "corosync-cfgtool failed on ${LAB_NODES[0]}"
  [ "$(echo "$out" | grep -c 'LINK ID')" -ge "$links" ] || fail "corosync does not have $links links: $out"
  on "$c1" "grep -q 'token: $LAB_CLUSTER_TOKEN_MS' /etc/corosync/corosync.conf && grep -q 'two_node: 1' /etc/corosync/corosync.conf" ||
    fail "corosync.conf lacks token $LAB_CLUSTER_TOKEN_MS or two_node"
  drill_wait 300 "all nodes online" both_online
  on "$c1" "crm_verify -L" || fail "crm_verify -L is not clean"
  on "$c1" "pcs stonith status | grep -q '$fence_device.*Started'" || fail "the STONITH device $fence_device is not started"
  on "$c1" "[ \"\$(pcs property config stonith-enabled | sed -n 's/.*stonith-enabled: *//p')\" = true ]" ||
    fail "stonith-enabled is not true"
  local at_boot
  at_boot=$(unit_boot_state "$c1" corosync) || fail "could not ask ${LAB_NODES[0]} whether corosync starts at boot"
  [ "$at_boot" = disabled ] || fail "corosync is '$at_boot' at boot on ${LAB_NODES[0]} (seed 000: it must be disabled)"
  log "e2e: $LAB_CLUSTER_NAME up on all nodes, $links knet links, token $LAB_CLUSTER_TOKEN_MS, two_node, STONITH started, crm_verify clean, not at boot"
}

# 1. The cluster layer.
set_lab layers cluster
e2e_phase cluster-converge pulumi up --yes --non-interactive --skip-preview || fail "pulumi up of the cluster layer failed"
load_e2e_env
c1=${LAB_ADDRESSES[0]}
c2=${LAB_ADDRESSES[1]}
fence_device=${LAB_FENCE_DEVICES[0]}
if [ -z "$LAB_SERVICE_DB" ] || [ -z "$LAB_SERVICE_IP" ]; then
  fail "the test lab has no service group with a VIP and PostgreSQL"
fi
check_cluster
stack_secret "$LAB_NAME-svc-$LAB_SERVICE-db-password" value "$work/db.password"
PGPASSWORD=$(cat "$work/db.password")
export PGPASSWORD
e2e_phase cluster-refresh-noop pulumi preview --refresh --non-interactive --expect-no-changes ||
  fail "a refresh right after the cluster converge finds changes"
e2e_phase cluster-up-noop pulumi up --yes --non-interactive --expect-no-changes ||
  fail "a second up of the cluster layer changes something"

# 2. Drift: a property, a member disabled, a constraint added. The repair is checked on the live
# CIB, not only by the provider's own refresh.
cib_query "$c1" "$work/cib-before.xml"
on "$c1" "pcs property set stonith-enabled=false && pcs resource disable $LAB_SERVICE_DB && pcs constraint location $LAB_SERVICE prefers ${LAB_CLUSTER_NODES[1]}=500" >/dev/null ||
  fail "could not make the cluster drift"
cib_query "$c1" "$work/cib-drift.xml"
# The constraint pcs added (its id is pcs's choice): what the CIB has now and did not have before.
added=$(query cib-new-ids "$work/cib-before.xml" "$work/cib-drift.xml") || fail "could not compare the CIB's constraints"
[ -n "$added" ] || fail "pcs constraint location added no constraint to the CIB"
absent=()
for id in $added; do absent+=(--absent "$id"); done
query cib-check "$work/cib-drift.xml" --stopped "$LAB_SERVICE_DB" --property stonith-enabled=false >/dev/null ||
  fail "the drift did not reach the CIB"
e2e_expect_drift "STONITH disabled, a member disabled and a constraint added" "$LAB_NAME-cluster-pcs" "$LAB_NAME-svc-$LAB_SERVICE-group"
e2e_phase cluster-repair pulumi up --refresh --yes --non-interactive || fail "up did not repair the cluster drift"
cib_query "$c1" "$work/cib-repaired.xml"
query cib-check "$work/cib-repaired.xml" --started "$LAB_SERVICE_DB" --property stonith-enabled=true "${absent[@]}" ||
  fail "the live CIB is not repaired"
pulumi preview --refresh --non-interactive --expect-no-changes >/dev/null || fail "after the repair a refresh still finds changes"
check_cluster

# 2b. Drift: the STONITH device disabled, a member of the group deleted.
on "$c1" "pcs stonith disable $fence_device && pcs resource delete $LAB_SERVICE_IP --force" >/dev/null 2>&1 ||
  fail "could not disable STONITH and delete a member"
cib_query "$c1" "$work/cib-drift.xml"
query cib-check "$work/cib-drift.xml" --stopped "$fence_device" --missing "$LAB_SERVICE_IP" >/dev/null ||
  fail "the drift did not reach the CIB"
e2e_expect_drift "the STONITH device disabled and a member deleted" "$LAB_NAME-fence-$fence_device-stonith" "$LAB_NAME-svc-$LAB_SERVICE-group"
e2e_phase cluster-repair-rebuild pulumi up --refresh --yes --non-interactive || fail "up did not repair STONITH and the group"
cib_query "$c1" "$work/cib-repaired.xml"
query cib-check "$work/cib-repaired.xml" --started "$fence_device" --member "$LAB_SERVICE:$LAB_SERVICE_IP" ||
  fail "the live CIB is not repaired"
pulumi preview --refresh --non-interactive --expect-no-changes >/dev/null || fail "after the rebuild a refresh still finds changes"
on "$c1" "crm_resource --resource $LAB_SERVICE_IP --query-xml >/dev/null" || fail "$LAB_SERVICE_IP was not re-created"
check_cluster

# 3. A real fence: the second node's VM is power-cycled through fence_virsh → host sshd → fence
# shell → libvirt.
boot=$(on "$c2" "cat /proc/sys/kernel/random/boot_id")
t0=$SECONDS
on "$c1" "pcs stonith fence ${LAB_CLUSTER_NODES[1]}" || fail "pcs stonith fence ${LAB_CLUSTER_NODES[1]} failed"
e2e_timing fence-command $((SECONDS - t0))
drill_wait 600 "${LAB_NODES[1]} rebooting after the fence" drill_rebooted "$c2" "$boot"
e2e_timing fence-to-ssh $((SECONDS - t0))
on "$c2" "pcs cluster start --wait=300 >/dev/null" || fail "${LAB_NODES[1]} did not rejoin after the fence"
drill_wait 300 "${LAB_NODES[1]} back online" both_online
e2e_stage fence-test
log "e2e: pcs stonith fence ${LAB_CLUSTER_NODES[1]} rebooted ${LAB_NODES[1]}'s VM (boot id changed); it rejoined"

# 4. The drill.
for ((i = 1; i <= E2E_DRILLS; i++)); do
  log "e2e: failover drill $i"
  drill_run
  e2e_stage "drill-$i"
done

# 5. The fault suite. Its engine-killed fault runs "the tool's up" on the run's stack: what
# `npm run lab -- up` does (scripts/lab.sh), here.
# e2e_lab_up — the check of what an interrupted engine left (query engine-leftovers: it stops with
# the exact commands to run), then up --refresh.
e2e_lab_up() {
  local stack_export leftovers
  stack_export=$(pulumi stack export) || return 1
  leftovers=$(query engine-leftovers "$E2E_STACK" - "$PULUMI_BACKEND_URL" --for-update <<<"$stack_export") || return 1
  [ -z "$leftovers" ] || log "$leftovers"
  pulumi up --refresh --yes --non-interactive
}
if [ "$E2E_FAULTS" = 1 ]; then
  # shellcheck source=scripts/faults.sh
  source "$REPO/scripts/faults.sh"
  # shellcheck disable=SC2034 # read by scripts/faults.sh
  {
    FAULTS_STACK=$E2E_STACK
    FAULTS_PULUMI=(pulumi)
    FAULTS_LAB_UP=(e2e_lab_up)
    FAULTS_FIX_VIA=pulumi
    FAULTS_FIX_RUN=(pulumi)
  }
  faults_t0=$SECONDS
  log "e2e: the fault suite"
  faults_run "" # every fault
  e2e_timing faults $((SECONDS - faults_t0))
  e2e_stage faults
fi
