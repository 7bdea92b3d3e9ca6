# The cluster part of the end-to-end test (issue 5), sourced by scripts/e2e.sh inside the run's
# namespace once the storage part passed. Uses e2e.sh's phase/fail/log/on and $LAB, $mgmt, $work.
#   1. layers: cluster → pcs cluster (knet links heartbeat + management, token 20000, two_node),
#      fence_virsh STONITH, service01 (VIP + GlusterFS mount + PostgreSQL); crm_verify -L clean;
#      a refresh and a second up change nothing;
#   2. drift (a property changed, a member disabled, a constraint added; then the STONITH device
#      disabled and a member deleted) shown and repaired;
#   3. a fence test: `pcs stonith fence node02h` power-cycles node02's VM through libvirt;
#   4. the seed's failover drill (scripts/drill.sh), KVMLAB_DRILLS times (default 1).
# shellcheck shell=bash

# shellcheck source=scripts/drill.sh
source "$REPO/scripts/drill.sh"

c1=${mgmt[0]}
c2=${mgmt[1]}
VIP=192.168.7.99

both_online() { on "$c1" "crm_mon -1 --output-as=xml" | grep -c 'online="true"' | grep -qx 2; }

check_cluster() {
  local out
  out=$(on "$c1" "corosync-cfgtool -s") || fail "corosync-cfgtool failed on node01"
  [ "$(echo "$out" | grep -c 'LINK ID')" -ge 2 ] || fail "corosync does not have two links: $out"
  on "$c1" "grep -q 'token: 20000' /etc/corosync/corosync.conf && grep -q 'two_node: 1' /etc/corosync/corosync.conf" ||
    fail "corosync.conf lacks token 20000 or two_node"
  drill_wait 300 "both nodes online" both_online
  on "$c1" "crm_verify -L" || fail "crm_verify -L is not clean"
  on "$c1" "pcs stonith status | grep -q 'kvmhost01.*Started'" || fail "the STONITH device kvmhost01 is not started"
  on "$c1" "[ \"\$(pcs property config stonith-enabled | sed -n 's/.*stonith-enabled: *//p')\" = true ]" ||
    fail "stonith-enabled is not true"
  on "$c1" "systemctl is-enabled corosync" >/dev/null 2>&1 && fail "the cluster starts at boot (seed 000: it must not)"
  log "e2e: cluster01 up on both nodes, 2 knet links, token 20000, two_node, STONITH started, crm_verify clean, not at boot"
}

# 1. The cluster layer.
set_lab layers cluster
phase cluster-converge pulumi up --yes --non-interactive --skip-preview || fail "pulumi up of the cluster layer failed"
check_cluster
stack_secret "$LAB-svc-service01-db-password" value "$work/db.password"
PGPASSWORD=$(cat "$work/db.password")
export PGPASSWORD
phase cluster-refresh-noop pulumi preview --refresh --non-interactive --expect-no-changes ||
  fail "a refresh right after the cluster converge finds changes"
phase cluster-up-noop pulumi up --yes --non-interactive --expect-no-changes ||
  fail "a second up of the cluster layer changes something"

# 2. Drift: a property, a member disabled, a constraint added.
on "$c1" "pcs property set stonith-enabled=false && pcs resource disable service01-db && pcs constraint location service01 prefers node02h=500" >/dev/null ||
  fail "could not make the cluster drift"
expect_drift "STONITH disabled, a member disabled and a constraint added" "$LAB-cluster-pcs" "$LAB-svc-service01-group"
phase cluster-repair pulumi up --refresh --yes --non-interactive || fail "up did not repair the cluster drift"
pulumi preview --refresh --non-interactive --expect-no-changes >/dev/null || fail "after the repair a refresh still finds changes"
check_cluster

# 2b. Drift: the STONITH device disabled, a member of the group deleted.
on "$c1" "pcs stonith disable kvmhost01 && pcs resource delete service01-ip --force" >/dev/null 2>&1 ||
  fail "could not disable STONITH and delete a member"
expect_drift "the STONITH device disabled and a member deleted" "$LAB-fence-kvmhost01-stonith" "$LAB-svc-service01-group"
phase cluster-repair-rebuild pulumi up --refresh --yes --non-interactive || fail "up did not repair STONITH and the group"
pulumi preview --refresh --non-interactive --expect-no-changes >/dev/null || fail "after the rebuild a refresh still finds changes"
on "$c1" "crm_resource --resource service01-ip --query-xml >/dev/null" || fail "service01-ip was not re-created"
check_cluster

# 3. A real fence: node02's VM is power-cycled through fence_virsh → host sshd → fence shell → libvirt.
boot=$(on "$c2" "cat /proc/sys/kernel/random/boot_id")
t0=$SECONDS
on "$c1" "pcs stonith fence node02h" || fail "pcs stonith fence node02h failed"
[ -z "${KVMLAB_E2E_TIMINGS:-}" ] || echo "fence-command $((SECONDS - t0))" >>"$KVMLAB_E2E_TIMINGS"
drill_wait 600 "node02 rebooting after the fence" drill_rebooted "$c2" "$boot"
[ -z "${KVMLAB_E2E_TIMINGS:-}" ] || echo "fence-to-ssh $((SECONDS - t0))" >>"$KVMLAB_E2E_TIMINGS"
on "$c2" "pcs cluster start --wait=300 >/dev/null" || fail "node02 did not rejoin after the fence"
drill_wait 300 "node02 back online" both_online
log "e2e: pcs stonith fence node02h rebooted node02's VM (boot id changed); it rejoined"

# 4. The drill.
for i in $(seq 1 "${KVMLAB_DRILLS:-1}"); do
  log "e2e: failover drill $i"
  drill_run "$c1" "$c2"
done
