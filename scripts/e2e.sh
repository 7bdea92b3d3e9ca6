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
#   real fence, and seed 001's failover drill (scripts/drill.sh); with KVMLAB_FAULTS=1 the fault
#   suite after the drills (scripts/faults.sh);
# Then:
#   9. `pulumi destroy` leaves no domain, network, file, tgtd or sshd of the stack behind;
#  10. no secret of the stack (passwords, private keys) is in clear in its state, its outputs,
#      anything the run printed or the process lists sampled on the host and the nodes
#      (e2e_secret_search).
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
#                                   KVMLAB_DRILLS=N runs the failover drill N times, default 1;
#                                   KVMLAB_E2E_GROW=1 adds the grow-and-shrink stage after the
#                                   cluster layer: scripts/e2e-grow.sh, default 0;
#                                   KVMLAB_FAULTS=1 adds the fault suite after the drills:
#                                   scripts/faults.sh, default 0)
# The PASSED line names the layers and the stages that ran; a run that completed fewer layers
# than asked for fails.
#
# The steps every end-to-end run takes are lib.sh's (e2e_prepare, e2e_enter, e2e_own_libvirt,
# e2e_stack_init, e2e_phase, e2e_stage, e2e_timing, e2e_expect_drift, e2e_destroyed).
# For the parts it sources (e2e-storage.sh, e2e-cluster.sh) this script defines: STACK, work,
# E2E_PING_TIMEOUT, E2E_DATA_LUN_MIB, E2E_DRILLS, E2E_FAULTS, E2E_GROW_NODE, E2E_GROW_MAX_GAP, the LAB_*
# variables, load_e2e_env, fail,
# layer_done, on, set_lab, cib_query (and everything of lib.sh and e2e-checks.sh).
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=scripts/e2e-checks.sh
source "$(dirname "$0")/e2e-checks.sh"

# What the run covers, checked before anything starts (and again inside the namespace).
E2E_RUN_LAYERS=$(e2e_layers "${KVMLAB_E2E_UPTO:-cluster}") || die "e2e: nothing was run"
E2E_DRILLS=${KVMLAB_DRILLS:-1}
[[ "$E2E_DRILLS" =~ ^[0-9]+$ ]] || die "KVMLAB_DRILLS='$E2E_DRILLS' is not a number of drills"
E2E_GROW=${KVMLAB_E2E_GROW:-0}
case "$E2E_GROW" in 0 | 1) ;; *) die "KVMLAB_E2E_GROW='$E2E_GROW' must be 0 or 1" ;; esac
case " $E2E_RUN_LAYERS " in *" cluster "*) ;; *)
  [ "$E2E_GROW" = 0 ] || die "KVMLAB_E2E_GROW=1 needs the cluster layer (KVMLAB_E2E_UPTO=cluster)" ;;
esac
E2E_FAULTS=${KVMLAB_FAULTS:-0}
case "$E2E_FAULTS" in 0 | 1) ;; *) die "KVMLAB_FAULTS='$E2E_FAULTS' must be 0 or 1" ;; esac
case " $E2E_RUN_LAYERS " in *" cluster "*) ;; *)
  [ "$E2E_FAULTS" = 0 ] || die "KVMLAB_FAULTS=1 needs the cluster layer (KVMLAB_E2E_UPTO=cluster)" ;;
esac
# `bash scripts/e2e.sh --plan` prints what a run would cover and stops (nothing else runs).
if [ "${1:-}" = --plan ]; then
  echo "layers: $E2E_RUN_LAYERS; drills: $E2E_DRILLS; grow and shrink: $([ "$E2E_GROW" = 1 ] && echo yes || echo no); faults: $([ "$E2E_FAULTS" = 1 ] && echo yes || echo no)"
  exit 0
fi

STACK=e2e
# The settings of the test lab that the checks rely on: the GlusterFS ping timeout (checked after
# an out-of-band change) and the data LUN's size (changed and restored by a fault test). Its
# service01 is the dev stack's: started by `up` (the seed's autostart=0 leaves the group stopped,
# and a stopped group's members are not started).
E2E_PING_TIMEOUT=10
E2E_DATA_LUN_MIB=1024
# The grow-and-shrink stage's third node (the seed's reserved name) and the writer's longest pause
# it allows: one move of the group (the drill's failover: 95 s median under TCG).
E2E_GROW_NODE=node03
E2E_GROW_MAX_GAP=120
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
    services:
      - name: service01
        autostart: true
        resources:
          - { kind: ip, address: 192.168.7.99 }
          - { kind: gluster-mount }
          - { kind: postgresql }
EOF
}

if [ "${1:-}" != --inside ]; then
  e2e_prepare e2e
  e2e_stack_file >"$E2E_WORK/Pulumi.$STACK.yaml"
  load_lab_env "$E2E_WORK/Pulumi.$STACK.yaml"
  e2e_enter --note "layers: $E2E_RUN_LAYERS" "$REPO/scripts/e2e.sh" --inside
  # The run inside records each layer it finished and each stage it passed.
  done_layers=
  [ ! -f "$E2E_WORK/layers" ] || done_layers=$(tr '\n' ' ' <"$E2E_WORK/layers" | sed 's/ $//')
  [ "$done_layers" = "$E2E_RUN_LAYERS" ] ||
    die "e2e: asked for the layers '$E2E_RUN_LAYERS', finished '${done_layers:-none}': not a pass"
  log "e2e: PASSED — layers: $done_layers; stages: $(tr '\n' ' ' <"$E2E_WORK/stages" | sed 's/ $//')"
  exit 0
fi

# ---- inside the namespace (and its own mount namespace: ip netns exec made one) ----------------
work=$E2E_WORK
fail() { die "e2e: $*"; }
layer_done() { echo "$1" >>"$work/layers"; } # layer_done LAYER — every check of LAYER passed
set_lab() { pulumi config set --path "kvm-ha-lab:lab.$1" "$2" >/dev/null; } # set_lab PATH VALUE

# A libvirt of our own; the project, copied, with the test stack's config (the work tree is never
# touched).
e2e_inside "$STACK"

e2e_phase up-cold pulumi up --yes --non-interactive --skip-preview || fail "pulumi up failed"
load_e2e_env

# Keys from the state (secrets decrypted by the engine, kept in the run's work dir only).
e2e_node_access
stack_private_key "$LAB_NAME-host-fence-key" "$work/fence.key"

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
e2e_phase mesh check_mesh

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
  e2e_stage fence-shell
  log "e2e: fence key → restricted shell: list allowed, undefine and the client's own command refused"
}
check_fence_shell

e2e_phase up-noop pulumi up --yes --non-interactive --expect-no-changes ||
  fail "a second pulumi up wanted changes"

# Drift made out of band: the second node's VM and the heartbeat network stopped.
[ -n "$LAB_HEARTBEAT_NETWORK" ] || fail "the test lab has no heartbeat network to stop"
virsh -c qemu:///system destroy "${LAB_DOMAINS[1]}" >/dev/null || fail "could not stop ${LAB_DOMAINS[1]} out of band"
virsh -c qemu:///system net-destroy "$LAB_HEARTBEAT_LIBVIRT_NETWORK" >/dev/null ||
  fail "could not stop $LAB_HEARTBEAT_LIBVIRT_NETWORK out of band"
e2e_expect_drift "a stopped VM and a stopped network" \
  "$LAB_NAME-${LAB_NODES[1]}-domain" "$LAB_NAME-net-$LAB_HEARTBEAT_NETWORK-libvirt"
e2e_phase repair pulumi up --refresh --yes --non-interactive || fail "pulumi up did not repair the drift"
check_mesh
e2e_phase preview-refresh pulumi preview --refresh --non-interactive --expect-no-changes ||
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
  if [ "$E2E_GROW" = 1 ]; then
    # shellcheck source=scripts/e2e-grow.sh
    source "$REPO/scripts/e2e-grow.sh"
  fi
  ;;
esac

e2e_secret_capture
e2e_phase destroy pulumi destroy --yes --non-interactive || fail "pulumi destroy failed"
# No domain, network, state directory or host sshd left (e2e_destroyed); nor the storage layer's tgtd.
e2e_destroyed
if [ -n "$LAB_ISCSI_PORTAL" ] && tcp_listening ":${LAB_ISCSI_PORTAL##*:}"; then fail "destroy left tgtd listening"; fi
e2e_stage destroy-clean
log "e2e: destroy removed every domain, network, file and the sshd of the stack"
e2e_secret_search
