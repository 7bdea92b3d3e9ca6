#!/usr/bin/env bash
# Brings up a lab stack on this machine (README "Quick start"):
#
#   bash scripts/lab.sh [preview|up|refresh|destroy] [--stack NAME]    (default: preview, dev)
#   bash scripts/lab.sh ssh NODE [COMMAND…] [--stack NAME]              root shell on a node
#   bash scripts/lab.sh heal [--stack NAME]                              heal the GlusterFS volume
#   bash scripts/lab.sh drill [--stack NAME]                             seed 001's failover drill
#
# 1. installs the host packages (qemu, libvirt, dnsmasq, sshd) and the npm dependencies;
# 2. builds or reuses the engine (scripts/engine.sh);
# 3. with `host.daemon: managed` (the dev default), runs the engine inside a network namespace
#    made for the lab (kvmlab-<stack>), where the program starts libvirtd and the host sshd, so the
#    lab's bridges and addresses exist only there;
# 4. logs in to the local backend, creates the stack with a passphrase secrets provider (the
#    passphrase is generated once and kept in $KVMLAB_CACHE/secrets, mode 600);
# 5. runs the Pulumi action.
# ssh, heal and drill find the nodes in the stack's outputs (nodeAddresses) and the rest of the lab
# (which node is first, the cluster's node names, the service group and its VIP) in its stack file.
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$REPO"

action=preview
stack=dev
node=
command_words=()
while [ $# -gt 0 ]; do
  case "$1" in
    preview | up | refresh | destroy | heal | drill) action=$1 ;;
    ssh) action=ssh; node=${2:?ssh needs a node name, e.g. node01}; shift ;;
    --stack) stack=${2:?--stack needs a name}; shift ;;
    *)
      [ "$action" = ssh ] || die "unknown argument '$1': use preview|up|refresh|destroy|heal|drill|ssh NODE [--stack NAME]"
      command_words+=("$1")
      ;;
  esac
  shift
done
stack_file="Pulumi.$stack.yaml"
[ -f "$stack_file" ] || die "no $stack_file: create it (see README, Configuration) or use --stack dev"

ensure_packages "${LAB_PACKAGES[@]}"
ensure_node_modules
# shellcheck disable=SC1090
source "$(bash scripts/engine.sh)"

# With `host.daemon: managed` (the dev default on machines without systemd) the engine runs inside
# a network namespace made for the lab: the program starts libvirtd and the host's sshd there, so
# the lab's bridges and addresses exist only inside it.
run_in_ns=()
daemon=$(query daemon "$stack_file")
if [ "$daemon" = managed ]; then
  ns="kvmlab-$stack"
  lab_netns "$ns"
  run_in_ns=(ip netns exec "$ns")
  log "network namespace $ns"
fi

pulumi_backend "$stack"
pulumi stack select "$stack" --create --secrets-provider passphrase --non-interactive >/dev/null

case "$action" in
  ssh | heal | drill)
    # The stack's outputs and the program key, from its state into a private temporary directory.
    secrets=$(mktemp -d /tmp/kvmlab-secrets.XXXXXX)
    trap 'rm -rf "$secrets"' EXIT
    pulumi stack output --json >"$secrets/outputs.json"
    stack_private_key -host-program-key "$secrets/key"
    # on ADDRESS [COMMAND…] — as root on a node with the program key (a shell on a terminal when no
    # command is given).
    on() {
      local address="$1" tty=()
      shift
      if [ -t 0 ] && [ $# -eq 0 ]; then tty=(-t); fi
      # shellcheck disable=SC2046
      "${run_in_ns[@]}" ssh $(node_ssh_options "$secrets/key") "${tty[@]}" "root@$address" "$@"
    }
    ;;
esac
case "$action" in
  ssh)
    address=$(query output nodeAddresses "$node" <"$secrets/outputs.json")
    on "$address" "${command_words[@]}"
    exit $?
    ;;
  heal)
    # glmount's heal: gluster volume heal, then wait until no entry is left to heal (seed 001's selfheal, online).
    load_lab_env "$stack_file" "$secrets/outputs.json"
    log "healing the GlusterFS volume from ${LAB_NODES[0]} (stack $stack)"
    on "${LAB_ADDRESSES[0]}" /etc/init.d/glmount heal
    exit $?
    ;;
  drill)
    # scripts/drill.sh from here: psql and ssh reach the lab through its namespace.
    load_lab_env "$stack_file" "$secrets/outputs.json"
    [ -n "$LAB_VIP" ] || die "the stack has no service group with a VIP: the drill needs layers: cluster"
    stack_secret "-svc-$LAB_SERVICE-db-password" value "$secrets/db"
    PGPASSWORD=$(cat "$secrets/db")
    export PGPASSWORD
    fail() { die "$*"; }
    DRILL_NS=("${run_in_ns[@]}")
    # shellcheck source=scripts/drill.sh
    source scripts/drill.sh
    drill_run
    exit 0
    ;;
esac

log "pulumi $action (stack $stack)"
start_progress
trap stop_progress EXIT
case "$action" in
  preview) "${run_in_ns[@]}" pulumi preview --non-interactive --diff=false ;;
  up) "${run_in_ns[@]}" pulumi up --refresh --yes --non-interactive ;;
  *) "${run_in_ns[@]}" pulumi "$action" --yes --non-interactive ;;
esac
