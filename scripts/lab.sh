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
[ -f "Pulumi.$stack.yaml" ] || die "no Pulumi.$stack.yaml: create it (see README, Configuration) or use --stack dev"

ensure_packages "${LAB_PACKAGES[@]}"
ensure_node_modules
# shellcheck disable=SC1090
source "$(bash scripts/engine.sh)"

# With `host.daemon: managed` (the dev default on machines without systemd) the engine runs inside
# a network namespace made for the lab: the program starts libvirtd and the host's sshd there, so
# the lab's bridges and addresses exist only inside it.
run_in_ns=()
daemon=$(node -e 'const y=require("yaml");const c=y.parse(require("fs").readFileSync(process.argv[1],"utf8"))||{};
  process.stdout.write(((((c.config||{})["kvm-ha-lab:lab"]||{}).host||{}).daemon)||"managed")' "Pulumi.$stack.yaml")
if [ "$daemon" = managed ]; then
  ns="kvmlab-$stack"
  lab_netns "$ns"
  run_in_ns=(ip netns exec "$ns")
  log "network namespace $ns"
fi

pulumi_backend "$stack"
pulumi stack select "$stack" --create --secrets-provider passphrase --non-interactive >/dev/null

# On a node as root with the program key (taken from the stack's state into a temporary file).
on_node() {
  local name="$1" address key rc=0 tty=()
  shift
  if [ -t 0 ] && [ $# -eq 0 ]; then tty=(-t); fi
  address=$(pulumi stack output nodeAddresses --json | node -e '
    const a = JSON.parse(require("fs").readFileSync(0, "utf8"))[process.argv[1]];
    if (!a) { console.error("no node " + process.argv[1] + " in the stack"); process.exit(1); }
    process.stdout.write(a);' "$name")
  key=$(mktemp /tmp/kvmlab-key.XXXXXX)
  stack_private_key -host-program-key "$key"
  # shellcheck disable=SC2046
  "${run_in_ns[@]}" ssh $(node_ssh_options "$key") "${tty[@]}" "root@$address" "$@" || rc=$?
  rm -f "$key"
  return $rc
}
case "$action" in
  ssh) on_node "$node" "${command_words[@]}"; exit $? ;;
  heal)
    # glmount's heal: gluster volume heal, then wait until no entry is left to heal (seed 001's selfheal, online).
    log "healing the GlusterFS volume from node01 (stack $stack)"
    on_node node01 /etc/init.d/glmount heal
    exit $?
    ;;
  drill)
    # scripts/drill.sh from here: psql and ssh reach the lab through its namespace.
    secrets=$(mktemp -d /tmp/kvmlab-drill-secrets.XXXXXX)
    trap 'rm -rf "$secrets"' EXIT
    stack_private_key -host-program-key "$secrets/key"
    stack_secret -svc-service01-db-password value "$secrets/db"
    PGPASSWORD=$(cat "$secrets/db")
    export PGPASSWORD
    VIP=$(pulumi stack output vips --json | node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0, "utf8")).service01 || "")')
    [ -n "$VIP" ] || die "the stack has no service01 VIP: the drill needs layers: cluster"
    address_of() { pulumi stack output nodeAddresses --json | node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0, "utf8"))[process.argv[1]] || "")' "$1"; }
    # shellcheck disable=SC2046
    on() { "${run_in_ns[@]}" ssh $(node_ssh_options "$secrets/key") "root@$1" "$2"; }
    fail() { die "$*"; }
    DRILL_NS=("${run_in_ns[@]}")
    # shellcheck source=scripts/drill.sh
    source scripts/drill.sh
    drill_run "$(address_of node01)" "$(address_of node02)"
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
