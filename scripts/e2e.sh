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
#      to the shared LUN on node01 is read back on node02; a file written through the GlusterFS
#      mount on node01 is read on node02; a second up changes nothing;
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
#   bash scripts/e2e.sh            (KVMLAB_E2E_TIMINGS=FILE appends "phase seconds" lines;
#                                   KVMLAB_E2E_UPTO=substrate|storage stops after that layer;
#                                   KVMLAB_DRILLS=N runs the failover drill N times)
source "$(dirname "$0")/lib.sh"

STACK=e2e
LAB=e2e

if [ "${1:-}" != --inside ]; then
  cd "$REPO"
  ensure_packages "${LAB_PACKAGES[@]}"
  ensure_node_modules
  env_file=$(bash scripts/engine.sh)
  work=$(mktemp -d /tmp/kvmlab-e2e.XXXXXX)
  ns="kvmlab-e2e-$$"
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
    rm -rf "$work" "/var/lib/kvm-ha-lab/$LAB"
  }
  trap cleanup EXIT
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

# A libvirt of our own: private runtime and state directories, an empty domain/network config dir.
mkdir -p /run/libvirt /var/lib/libvirt "$work/etc-libvirt-qemu/networks"
mount -t tmpfs tmpfs /run/libvirt
mount -t tmpfs tmpfs /var/lib/libvirt
mount --bind "$work/etc-libvirt-qemu" /etc/libvirt/qemu

# The project, copied, with the test stack's config (the work tree is never touched).
proj="$work/project"
mkdir -p "$proj"
cp -r "$REPO"/{Pulumi.yaml,package.json,tsconfig.json,index.ts,components,providers,spec,stacks} "$proj/"
ln -s "$REPO/node_modules" "$proj/node_modules"
cat >"$proj/Pulumi.$STACK.yaml" <<EOF
config:
  kvm-ha-lab:lab:
    name: $LAB
    host:
      daemon: managed
    layers: substrate
    timeouts:
      bootSeconds: 900
    iscsi:
      luns:
        - { file: volume01.img, sizeMiB: 100, purpose: quorum }
        - { file: volume02.img, sizeMiB: 1024, purpose: data }
    gluster:
      options:
        network.ping-timeout: "10"
EOF
cd "$proj"
export PULUMI_BACKEND_URL="file://$work/state" PULUMI_CONFIG_PASSPHRASE_FILE="$work/passphrase"
mkdir -p "$work/state"
head -c 32 /dev/urandom | base64 >"$PULUMI_CONFIG_PASSPHRASE_FILE"
pulumi stack init "$STACK" --secrets-provider passphrase --non-interactive >/dev/null
start_progress
trap stop_progress EXIT

state_dir=/var/lib/kvm-ha-lab/$LAB
nodes=(node01 node02)
mgmt=(192.168.8.121 192.168.8.122)

phase up-cold pulumi up --yes --non-interactive --skip-preview || fail "pulumi up failed"

# Keys from the state (secrets decrypted by the engine, kept in the run's work dir only).
stack_private_key "$LAB-host-program-key" "$work/program.key"
stack_private_key "$LAB-host-fence-key" "$work/fence.key"
# shellcheck disable=SC2207
SSH=(ssh $(node_ssh_options "$work/program.key"))
on() { # on ADDRESS COMMAND — runs COMMAND as root on a node
  "${SSH[@]}" "root@$1" "$2"
}

check_mesh() {
  local i
  for i in "${!nodes[@]}"; do
    "${SSH[@]}" "root@${mgmt[$i]}" '
      set -e
      [ "$(hostname)" = '"${nodes[$i]}"' ] || { echo "hostname is $(hostname)"; exit 1; }
      for n in node01 node01m node01h node02 node02m node02h; do
        want=$(getent hosts "$n" | cut -d" " -f1)
        [ -n "$want" ] || { echo "$n does not resolve"; exit 1; }
        # Password-less root SSH by name; the peer must see the connection on that very address.
        got=$(ssh -o BatchMode=yes -o StrictHostKeyChecking=no -o ConnectTimeout=10 "$n" '"'"'echo $SSH_CONNECTION'"'"') ||
          { echo "no password-less root SSH to $n ($want)"; exit 1; }
        [ "$(echo "$got" | cut -d" " -f3)" = "$want" ] || { echo "$n: connected to ${got:-nothing}, expected $want"; exit 1; }
      done' || fail "${nodes[$i]}: the mesh check failed"
  done
  log "e2e: both nodes reach each other on service, management and heartbeat, by name, with root SSH"
}
phase mesh check_mesh

check_fence_shell() {
  local out
  out=$(printf 'virsh list --all\nvirsh undefine %s-node01\nquit\n' "$LAB" |
    ssh -tt -i "$work/fence.key" -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
      -o LogLevel=ERROR root@192.168.8.1 'rm -rf /' 2>&1) || true
  echo "$out" | grep -q "$LAB-node01" || fail "fence shell: virsh list did not show the lab's domains: $out"
  echo "$out" | grep -q "refused: virsh undefine" || fail "fence shell: undefine was not refused: $out"
  virsh -c qemu:///system dominfo "$LAB-node01" >/dev/null || fail "fence shell let a domain be undefined"
  log "e2e: fence key → restricted shell: list allowed, undefine and the client's own command refused"
}
check_fence_shell

phase up-noop pulumi up --yes --non-interactive --expect-no-changes ||
  fail "a second pulumi up wanted changes"

# Drift made out of band.
virsh -c qemu:///system destroy "$LAB-node02" >/dev/null
virsh -c qemu:///system net-destroy "$LAB-heartbeat" >/dev/null
if pulumi preview --refresh --non-interactive --expect-no-changes >"$work/drift.txt" 2>&1; then
  cat "$work/drift.txt"
  fail "a stopped VM and a stopped network went unnoticed by preview --refresh"
fi
grep -q "$LAB-node02-domain" "$work/drift.txt" || fail "the stopped VM is not in the preview"
grep -q "$LAB-net-heartbeat-libvirt" "$work/drift.txt" || fail "the stopped network is not in the preview"
log "e2e: preview --refresh shows the stopped VM and the stopped network"
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
[ ! -e "$state_dir" ] || fail "destroy left $state_dir: $(find "$state_dir" | head)"
if ss -Hltn | grep -q '192.168.8.1:22'; then fail "destroy left the host sshd running"; fi
if ss -Hltn | grep -q ':3260'; then fail "destroy left tgtd listening"; fi
log "e2e: destroy removed every domain, network, file and the sshd of the stack"
