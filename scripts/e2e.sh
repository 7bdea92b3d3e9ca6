#!/usr/bin/env bash
# End-to-end test of the lab, for real: inside a network namespace made for the run, the program
# starts its own libvirtd and host sshd, `pulumi up` builds a 2-node test lab (stack e2e), and the
# script checks, failing loudly at the first broken step:
# Substrate (layers: substrate):
#   1. every node reaches every other node on all three networks by name (nodeXX, nodeXXm, nodeXXh);
#   2. the fence key on the host's management address gets the restricted fence shell only;
#   3. a second `pulumi up` changes nothing (--expect-no-changes);
#   4. out-of-band drift (a VM stopped, a network stopped) shows in `pulumi preview --refresh`,
#      `pulumi up --refresh` repairs it, the nodes talk again, and a refresh then shows no change;
# Storage (layers: storage — scripts/e2e-storage.sh):
#   5. the iSCSI target on the host (tgtd, ACL = the nodes), both nodes logged in; a block written
#      to the shared LUN on the first node is read back on the second; a file written through the
#      GlusterFS mount on the first node is read on the second; a second up changes nothing;
#   6. a brick process killed: a write still succeeds, refresh shows it, up restarts the brick,
#      `glmount heal` heals, and both bricks hold the same bytes;
#   7. drift: a LUN deleted, a session logged out, a volume option changed, a mount gone — shown
#      and repaired; the volume stopped and deleted — re-created on its bricks with the data kept;
#   8. faults: a LUN larger than the free space and a brick directory holding foreign files are
#      refused before anything changes, and the next up after the fix finishes the job;
# Cluster (layers: cluster — scripts/e2e-cluster.sh): pcs cluster, STONITH, service01, drift, a
#   real fence, and seed 001's failover drill (scripts/drill.sh);
# Then:
#   9. `pulumi destroy` leaves no domain, network, file, tgtd or sshd of the stack behind.
# Nothing of the lab leaves the namespace; the image build (apt to Debian's mirror) runs outside.
#
# The test lab is the seed lab (every default: nodes node01/node02, the 192.168.7-9.0/24 networks,
# …) under its own name, with the few settings e2e_stack_file writes. The checks name nothing of it
# themselves: nodes, addresses, host names, domains, networks, the host's sshd, the iSCSI target,
# the GlusterFS volume, the cluster and its service group come from the stack — its outputs, once
# up, and its stack file for the rest (load_lab_env; `npx ts-node scripts/query.ts --help` lists
# the LAB_* variables), reloaded after each layer's converge.
#
#   bash scripts/e2e.sh            (KVMLAB_E2E_TIMINGS=FILE appends "phase seconds" lines;
#                                   KVMLAB_E2E_UPTO=substrate|storage stops after that layer;
#                                   KVMLAB_DRILLS=N runs the failover drill N times)
#
# For the parts it sources (e2e-storage.sh, e2e-cluster.sh) this script defines: STACK, work,
# E2E_PING_TIMEOUT, E2E_DATA_LUN_MIB, the LAB_* variables, load_e2e_env, fail, timing, phase, on,
# set_lab, expect_drift (and everything of lib.sh).
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

STACK=e2e
# The settings of the test lab that the checks rely on: the GlusterFS ping timeout (checked after
# an out-of-band change) and the data LUN's size (changed and restored by a fault test).
E2E_PING_TIMEOUT=10
E2E_DATA_LUN_MIB=1024
e2e_stack_file() {
  cat <<EOF
config:
  kvm-ha-lab:lab:
    name: e2e
    host:
      daemon: managed
    layers: substrate
    timeouts:
      bootSeconds: 900
    iscsi:
      luns:
        - { file: volume01.img, sizeMiB: 100, purpose: quorum }
        - { file: volume02.img, sizeMiB: $E2E_DATA_LUN_MIB, purpose: data }
    gluster:
      options:
        network.ping-timeout: "$E2E_PING_TIMEOUT"
EOF
}

if [ "${1:-}" != --inside ]; then
  cd "$REPO"
  ensure_packages "${LAB_PACKAGES[@]}"
  ensure_node_modules
  env_file=$(bash scripts/engine.sh)
  work=$(mktemp -d /tmp/kvmlab-e2e.XXXXXX)
  ns="kvmlab-e2e-$$"
  # shellcheck disable=SC2317 # run by the trap
  cleanup() {
    local pids
    pids=$(ip netns pids "$ns" 2>/dev/null || true)
    if [ -n "$pids" ]; then
      # shellcheck disable=SC2086
      kill $pids 2>/dev/null || true
      sleep 2
      # shellcheck disable=SC2086
      kill -9 $pids 2>/dev/null || true
    fi
    ip netns del "$ns" 2>/dev/null || true
    # The run's libvirt was throwaway; after a failure its stack directory may be left: remove it.
    rm -rf "$work"
    [ -z "${LAB_STATE_DIR:-}" ] || rm -rf "$LAB_STATE_DIR"
  }
  trap cleanup EXIT
  e2e_stack_file >"$work/Pulumi.$STACK.yaml"
  load_lab_env "$work/Pulumi.$STACK.yaml"
  lab_netns "$ns"
  log "e2e: network namespace $ns, work dir $work"
  KVMLAB_ENV_FILE="$env_file" E2E_WORK="$work" ip netns exec "$ns" bash "$0" --inside
  log "e2e: PASSED"
  exit 0
fi

# ---- inside the namespace (and its own mount namespace: ip netns exec made one) ----------------
# shellcheck disable=SC1090
source "$KVMLAB_ENV_FILE"
work=$E2E_WORK
fail() { die "e2e: $*"; }
timing() { [ -z "${KVMLAB_E2E_TIMINGS:-}" ] || echo "$1 $2" >>"$KVMLAB_E2E_TIMINGS"; }
phase() { # phase NAME command… — runs, times, records
  local name="$1" t0
  shift
  t0=$(date +%s.%N)
  log "e2e: $name"
  "$@" || return 1
  local dt
  dt=$(echo "$(date +%s.%N) - $t0" | bc)
  timing "$name" "$dt"
  log "e2e: $name took ${dt%.*} s"
}
set_lab() { pulumi config set --path "kvm-ha-lab:lab.$1" "$2" >/dev/null; } # set_lab PATH VALUE
# Expects `pulumi preview --refresh` to want changes naming every resource given.
expect_drift() { # expect_drift WHAT RESOURCE_NAME…
  local what="$1" r
  shift
  if pulumi preview --refresh --non-interactive --expect-no-changes >"$work/drift.txt" 2>&1; then
    cat "$work/drift.txt"
    fail "$what went unnoticed by preview --refresh"
  fi
  for r in "$@"; do grep -q -- "$r" "$work/drift.txt" || { cat "$work/drift.txt"; fail "$what: $r is not in the preview"; }; done
  log "e2e: preview --refresh shows $what ($*)"
}
# The LAB_* variables from the stack file as it is now and the stack's outputs.
load_e2e_env() {
  pulumi stack output --json >"$work/outputs.json" || fail "pulumi stack output failed"
  load_lab_env "Pulumi.$STACK.yaml" "$work/outputs.json"
}

# A libvirt of our own: private runtime and state directories, an empty domain/network config dir.
mkdir -p /run/libvirt /var/lib/libvirt "$work/etc-libvirt-qemu/networks"
mount -t tmpfs tmpfs /run/libvirt
mount -t tmpfs tmpfs /var/lib/libvirt
mount --bind "$work/etc-libvirt-qemu" /etc/libvirt/qemu

# The project, copied, with the test stack's config (the work tree is never touched).
proj="$work/project"
copy_program "$proj"
cp "$work/Pulumi.$STACK.yaml" "$proj/"
cd "$proj"
export PULUMI_BACKEND_URL="file://$work/state" PULUMI_CONFIG_PASSPHRASE_FILE="$work/passphrase"
mkdir -p "$work/state"
head -c 32 /dev/urandom | base64 >"$PULUMI_CONFIG_PASSPHRASE_FILE"
pulumi stack init "$STACK" --secrets-provider passphrase --non-interactive >/dev/null
start_progress
trap stop_progress EXIT

phase up-cold pulumi up --yes --non-interactive --skip-preview || fail "pulumi up failed"
load_e2e_env

# Keys from the state (secrets decrypted by the engine, kept in the run's work dir only).
stack_private_key "$LAB_NAME-host-program-key" "$work/program.key"
stack_private_key "$LAB_NAME-host-fence-key" "$work/fence.key"
# shellcheck disable=SC2207
SSH=(ssh $(node_ssh_options "$work/program.key"))
on() { # on ADDRESS COMMAND — runs COMMAND as root on a node
  "${SSH[@]}" "root@$1" "$2"
}

check_mesh() {
  local i
  for i in "${!LAB_NODES[@]}"; do
    # shellcheck disable=SC2016 # the script runs on the node
    "${SSH[@]}" "root@${LAB_ADDRESSES[$i]}" '
      set -e
      [ "$(hostname)" = '"${LAB_NODES[$i]}"' ] || { echo "hostname is $(hostname)"; exit 1; }
      for n in '"${LAB_HOSTNAMES[*]}"'; do
        want=$(getent hosts "$n" | cut -d" " -f1)
        [ -n "$want" ] || { echo "$n does not resolve"; exit 1; }
        # Password-less root SSH by name; the peer must see the connection on that very address.
        got=$(ssh -o BatchMode=yes -o StrictHostKeyChecking=no -o ConnectTimeout=10 "$n" '"'"'echo $SSH_CONNECTION'"'"') ||
          { echo "no password-less root SSH to $n ($want)"; exit 1; }
        [ "$(echo "$got" | cut -d" " -f3)" = "$want" ] || { echo "$n: connected to ${got:-nothing}, expected $want"; exit 1; }
      done' || fail "${LAB_NODES[$i]}: the mesh check failed"
  done
  log "e2e: the nodes reach each other by every host name (${LAB_HOSTNAMES[*]}), with root SSH"
}
phase mesh check_mesh

check_fence_shell() {
  local out domain=${LAB_DOMAINS[0]}
  out=$(printf 'virsh list --all\nvirsh undefine %s\nquit\n' "$domain" |
    ssh -tt -i "$work/fence.key" -p "$LAB_HOST_SSH_PORT" -o BatchMode=yes -o StrictHostKeyChecking=no \
      -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR "$LAB_HOST_SSH_USER@$LAB_HOST_ADDRESS" 'rm -rf /' 2>&1) || true
  echo "$out" | grep -q "$domain" || fail "fence shell: virsh list did not show the lab's domains: $out"
  echo "$out" | grep -q "refused: virsh undefine" || fail "fence shell: undefine was not refused: $out"
  virsh -c qemu:///system dominfo "$domain" >/dev/null || fail "fence shell let a domain be undefined"
  log "e2e: fence key → restricted shell: list allowed, undefine and the client's own command refused"
}
check_fence_shell

phase up-noop pulumi up --yes --non-interactive --expect-no-changes ||
  fail "a second pulumi up wanted changes"

# Drift made out of band: the second node's VM and the heartbeat network stopped.
[ -n "$LAB_HEARTBEAT_NETWORK" ] || fail "the test lab has no heartbeat network to stop"
virsh -c qemu:///system destroy "${LAB_DOMAINS[1]}" >/dev/null
virsh -c qemu:///system net-destroy "$LAB_HEARTBEAT_LIBVIRT_NETWORK" >/dev/null
expect_drift "a stopped VM and a stopped network" \
  "$LAB_NAME-${LAB_NODES[1]}-domain" "$LAB_NAME-net-$LAB_HEARTBEAT_NETWORK-libvirt"
phase repair pulumi up --refresh --yes --non-interactive || fail "pulumi up did not repair the drift"
check_mesh
phase preview-refresh pulumi preview --refresh --non-interactive --expect-no-changes ||
  fail "after the repair a refresh still finds changes"

# KVMLAB_E2E_UPTO=substrate|storage|cluster (default cluster) stops the layers there.
upto=${KVMLAB_E2E_UPTO:-cluster}
if [ "$upto" != substrate ]; then
  # shellcheck source=scripts/e2e-storage.sh
  source "$REPO/scripts/e2e-storage.sh"
fi
if [ "$upto" = cluster ]; then
  # shellcheck source=scripts/e2e-cluster.sh
  source "$REPO/scripts/e2e-cluster.sh"
fi

phase destroy pulumi destroy --yes --non-interactive || fail "pulumi destroy failed"
if virsh -c qemu:///system version >/dev/null 2>&1; then
  left=$(virsh -c qemu:///system list --all --name; virsh -c qemu:///system net-list --all --name)
else
  # HostPrep stopped the libvirtd it had started, as it held nothing any more: look at its config.
  log "e2e: libvirtd was stopped by destroy (the program had started it and it held nothing)"
  left=$(find "$work/etc-libvirt-qemu" -name '*.xml')
fi
[ -z "$(echo "$left" | tr -d '[:space:]')" ] || fail "destroy left libvirt objects: $left"
[ ! -e "$LAB_STATE_DIR" ] || fail "destroy left $LAB_STATE_DIR: $(find "$LAB_STATE_DIR" | head)"
if ss -Hltn | grep -q "$LAB_HOST_ADDRESS:$LAB_HOST_SSH_PORT"; then fail "destroy left the host sshd running"; fi
if [ -n "$LAB_ISCSI_PORTAL" ] && ss -Hltn | grep -q ":${LAB_ISCSI_PORTAL##*:}"; then fail "destroy left tgtd listening"; fi
log "e2e: destroy removed every domain, network, file and the sshd of the stack"
