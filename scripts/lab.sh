#!/usr/bin/env bash
# Brings up a lab stack on this machine (README "Quick start"):
#
#   bash scripts/lab.sh [preview|up|refresh|destroy] [--stack NAME]    (default: preview, dev)
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
while [ $# -gt 0 ]; do
  case "$1" in
    preview | up | refresh | destroy) action=$1 ;;
    --stack) stack=${2:?--stack needs a name}; shift ;;
    *) die "unknown argument '$1': use preview|up|refresh|destroy [--stack NAME]" ;;
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

log "pulumi $action (stack $stack)"
start_progress
trap stop_progress EXIT
case "$action" in
  preview) "${run_in_ns[@]}" pulumi preview --non-interactive --diff=false ;;
  up) "${run_in_ns[@]}" pulumi up --refresh --yes --non-interactive ;;
  *) "${run_in_ns[@]}" pulumi "$action" --yes --non-interactive ;;
esac
