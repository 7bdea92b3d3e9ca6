#!/usr/bin/env bash
# Brings up a lab stack on this machine (README "Quick start"):
#
#   bash scripts/lab.sh [preview|up|refresh|destroy] [--stack NAME]    (default: preview, dev)
#
# 1. installs the host packages (qemu, libvirt, dnsmasq, sshd) and the npm dependencies;
# 2. builds or reuses the engine (scripts/engine.sh);
# 3. with `host.daemon: managed` (the dev default) and no libvirtd answering, starts virtlogd and
#    libvirtd inside a network namespace made for the lab (kvmlab-<stack>), so the lab's bridges
#    and addresses exist only there; the engine then runs inside that namespace too;
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

ensure_packages qemu-system-x86 qemu-utils libvirt-daemon-system libvirt-clients dnsmasq-base \
  openssh-server openssh-client iproute2 debootstrap ca-certificates curl
ensure_node_modules
# shellcheck disable=SC1090
source "$(bash scripts/engine.sh)"

run_in_ns=()
daemon=$(node -e 'const y=require("yaml");const c=y.parse(require("fs").readFileSync(process.argv[1],"utf8"))||{};
  process.stdout.write(((((c.config||{})["kvm-ha-lab:lab"]||{}).host||{}).daemon)||"managed")' "Pulumi.$stack.yaml")
if [ "$daemon" = managed ]; then
  ns="kvmlab-$stack"
  if ! virsh -c qemu:///system version >/dev/null 2>&1; then
    log "no libvirtd answers: starting virtlogd and libvirtd in network namespace $ns"
    ip netns list | grep -qw "$ns" || ip netns add "$ns"
    ip -n "$ns" link set lo up
    mkdir -p /run/libvirt /var/log/libvirt
    pgrep -x virtlogd >/dev/null || ip netns exec "$ns" virtlogd -d
    ip netns exec "$ns" libvirtd -d
    for _ in $(seq 1 30); do
      virsh -c qemu:///system version >/dev/null 2>&1 && break
      sleep 1
    done
    virsh -c qemu:///system version >/dev/null 2>&1 || die "libvirtd did not answer within 30 s (see /var/log/libvirt)"
  fi
  # The engine runs where the lab's networks are.
  if ip netns list | grep -qw "$ns"; then run_in_ns=(ip netns exec "$ns"); fi
fi

mkdir -p "$KVMLAB_CACHE/state" "$KVMLAB_CACHE/secrets"
chmod 700 "$KVMLAB_CACHE/secrets"
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$KVMLAB_CACHE/state}"
passfile="$KVMLAB_CACHE/secrets/$stack.passphrase"
[ -s "$passfile" ] || (umask 077 && head -c 32 /dev/urandom | base64 >"$passfile")
export PULUMI_CONFIG_PASSPHRASE_FILE="$passfile"
pulumi stack select "$stack" --create --secrets-provider passphrase --non-interactive >/dev/null

log "pulumi $action (stack $stack)"
case "$action" in
  preview) "${run_in_ns[@]}" pulumi preview --non-interactive --diff=false ;;
  *) "${run_in_ns[@]}" pulumi "$action" --yes --non-interactive ;;
esac
