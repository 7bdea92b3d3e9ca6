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
#   bash scripts/e2e.sh [--plan]   (--plan: print the layers and drills a run would cover, and stop;
#                                   KVMLAB_E2E_TIMINGS=FILE appends "phase seconds" lines;
#                                   KVMLAB_E2E_UPTO=substrate|storage|cluster stops after that
#                                   layer — anything else is refused before the run starts;
#                                   KVMLAB_DRILLS=N runs the failover drill N times, default 1)
# The PASSED line names the layers and the stages that ran; a run that completed fewer layers
# than asked for fails.
#
# For the parts it sources (e2e-storage.sh, e2e-cluster.sh) this script defines: STACK, work,
# E2E_PING_TIMEOUT, E2E_DATA_LUN_MIB, the LAB_* variables, load_e2e_env, fail, timing, stage,
# phase, layer_done, on, set_lab, expect_drift, cib_query (and everything of lib.sh and
# e2e-checks.sh).
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=scripts/e2e-checks.sh
source "$(dirname "$0")/e2e-checks.sh"

# What the run covers, checked before anything starts (and again inside the namespace).
E2E_RUN_LAYERS=$(e2e_layers "${KVMLAB_E2E_UPTO:-cluster}") || die "e2e: nothing was run"
E2E_DRILLS=${KVMLAB_DRILLS:-1}
[[ "$E2E_DRILLS" =~ ^[0-9]+$ ]] || die "KVMLAB_DRILLS='$E2E_DRILLS' is not a number of drills"
# `bash scripts/e2e.sh --plan` prints what a run would cover and stops (nothing else runs).
if [ "${1:-}" = --plan ]; then
  echo "layers: $E2E_RUN_LAYERS; drills: $E2E_DRILLS"
  exit 0
fi

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
  log "e2e: network namespace $ns, work dir $work (layers: $E2E_RUN_LAYERS)"
  KVMLAB_ENV_FILE="$env_file" E2E_WORK="$work" ip netns exec "$ns" bash "$0" --inside
  # The run inside records each layer it finished and each stage it passed.
  done_layers=
  [ ! -f "$work/layers" ] || done_layers=$(tr '\n' ' ' <"$work/layers" | sed 's/ $//')
  [ "$done_layers" = "$E2E_RUN_LAYERS" ] ||
    die "e2e: asked for the layers '$E2E_RUN_LAYERS', finished '${done_layers:-none}': not a pass"
  log "e2e: PASSED — layers: $done_layers; stages: $(tr '\n' ' ' <"$work/stages" | sed 's/ $//')"
  exit 0
fi

# ---- inside the namespace (and its own mount namespace: ip netns exec made one) ----------------
# shellcheck disable=SC1090
source "$KVMLAB_ENV_FILE"
work=$E2E_WORK
fail() { die "e2e: $*"; }
timing() { [ -z "${KVMLAB_E2E_TIMINGS:-}" ] || echo "$1 $2" >>"$KVMLAB_E2E_TIMINGS"; }
stage() { echo "$1" >>"$work/stages"; } # stage NAME — records a passed stage for the PASSED line
layer_done() { echo "$1" >>"$work/layers"; } # layer_done LAYER — every check of LAYER passed
phase() { # phase NAME command… — runs, times, records
  local name="$1" t0
  shift
  t0=$(date +%s.%N)
  log "e2e: $name"
  "$@" || return 1
  local dt
  dt=$(echo "$(date +%s.%N) - $t0" | bc)
  timing "$name" "$dt"
  stage "$name"
  log "e2e: $name took ${dt%.*} s"
}
set_lab() { pulumi config set --path "kvm-ha-lab:lab.$1" "$2" >/dev/null; } # set_lab PATH VALUE
# Expects `pulumi preview --refresh` to show the drift: each resource named plans an update or a
# replacement (NAME=OP[,OP…] names the ops allowed instead, e.g. NAME=create for a resource the
# refresh finds gone), and the preview itself succeeds with no error diagnostic — a read that
# crashes is a failure, not "drift shown".
expect_drift() { # expect_drift WHAT RESOURCE_NAME[=OPS]…
  local what="$1" status=0 shown
  shift
  pulumi preview --refresh --json --non-interactive >"$work/drift.json" 2>"$work/drift.err" || status=$?
  shown=$(query drift-check "$work/drift.json" "$status" "$@") || {
    cat "$work/drift.err"
    fail "$what: pulumi preview --refresh does not show the drift as expected (above)"
  }
  log "e2e: preview --refresh shows $what: $shown"
}
# The live CIB of the cluster, read on ADDRESS into FILE (cibadmin --query).
cib_query() { # cib_query ADDRESS FILE
  on "$1" "cibadmin --query" >"$2" || fail "cibadmin --query failed on $1"
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
  local out status=0 domain=${LAB_DOMAINS[0]} marker="$work/fence-client-command-ran"
  # The client asks for a command of its own: it must not run (the key is bound to the fence
  # shell). Harmless if it did: it leaves a marker file and prints KVMLAB-CLIENT-42, a text that
  # only a shell running it produces (the command line itself holds $((6 * 7))).
  # shellcheck disable=SC2016 # expanded by the remote shell, if any
  out=$(printf 'virsh list --all\nvirsh undefine %s\nquit\n' "$domain" |
    ssh -tt -i "$work/fence.key" -p "$LAB_HOST_SSH_PORT" -o BatchMode=yes -o StrictHostKeyChecking=no \
      -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR "$LAB_HOST_SSH_USER@$LAB_HOST_ADDRESS" \
      "touch $marker; echo KVMLAB-CLIENT-\$((6 * 7))" 2>&1) || status=$?
  # `quit` ends the fence shell with status 0: anything else is a failed session (ssh: 255).
  [ "$status" = 0 ] || fail "fence shell: the session failed (status $status): $out"
  fence_listing_shows "$out" "${LAB_DOMAINS[@]}" ||
    fail "fence shell: virsh list --all did not list every lab domain (${LAB_DOMAINS[*]}): $out"
  fence_refused "$out" "virsh undefine $domain" || fail "fence shell: undefine was not refused: $out"
  virsh -c qemu:///system dominfo "$domain" >/dev/null || fail "fence shell let a domain be undefined"
  if fence_client_command_ran "$out" "$marker"; then fail "fence shell: the client's own command ran: $out"; fi
  stage fence-shell
  log "e2e: fence key → restricted shell: list allowed, undefine and the client's own command refused"
}
check_fence_shell

phase up-noop pulumi up --yes --non-interactive --expect-no-changes ||
  fail "a second pulumi up wanted changes"

# Drift made out of band: the second node's VM and the heartbeat network stopped.
[ -n "$LAB_HEARTBEAT_NETWORK" ] || fail "the test lab has no heartbeat network to stop"
virsh -c qemu:///system destroy "${LAB_DOMAINS[1]}" >/dev/null || fail "could not stop ${LAB_DOMAINS[1]} out of band"
virsh -c qemu:///system net-destroy "$LAB_HEARTBEAT_LIBVIRT_NETWORK" >/dev/null ||
  fail "could not stop $LAB_HEARTBEAT_LIBVIRT_NETWORK out of band"
expect_drift "a stopped VM and a stopped network" \
  "$LAB_NAME-${LAB_NODES[1]}-domain" "$LAB_NAME-net-$LAB_HEARTBEAT_NETWORK-libvirt"
phase repair pulumi up --refresh --yes --non-interactive || fail "pulumi up did not repair the drift"
check_mesh
phase preview-refresh pulumi preview --refresh --non-interactive --expect-no-changes ||
  fail "after the repair a refresh still finds changes"
layer_done substrate

# The layers after the substrate, as far as E2E_RUN_LAYERS (KVMLAB_E2E_UPTO, checked above) goes.
case " $E2E_RUN_LAYERS " in *" storage "*)
  # shellcheck source=scripts/e2e-storage.sh
  source "$REPO/scripts/e2e-storage.sh"
  layer_done storage
  ;;
esac
case " $E2E_RUN_LAYERS " in *" cluster "*)
  # shellcheck source=scripts/e2e-cluster.sh
  source "$REPO/scripts/e2e-cluster.sh"
  layer_done cluster
  ;;
esac

phase destroy pulumi destroy --yes --non-interactive || fail "pulumi destroy failed"
if virsh -c qemu:///system version >/dev/null 2>&1; then
  left=$(libvirt_leftovers qemu:///system) || fail "virsh could not list what destroy left"
else
  # HostPrep stopped the libvirtd it had started, as it held nothing any more: look at its config.
  log "e2e: libvirtd was stopped by destroy (the program had started it and it held nothing)"
  left=$(find "$work/etc-libvirt-qemu" -name '*.xml') || fail "could not look at libvirt's configuration"
fi
[ -z "$left" ] || fail "destroy left libvirt objects: $left"
[ ! -e "$LAB_STATE_DIR" ] || fail "destroy left $LAB_STATE_DIR: $(find "$LAB_STATE_DIR" | head)"
if tcp_listening "$LAB_HOST_ADDRESS:$LAB_HOST_SSH_PORT"; then fail "destroy left the host sshd running"; fi
if [ -n "$LAB_ISCSI_PORTAL" ] && tcp_listening ":${LAB_ISCSI_PORTAL##*:}"; then fail "destroy left tgtd listening"; fi
stage destroy-clean
log "e2e: destroy removed every domain, network, file and the sshd of the stack"
