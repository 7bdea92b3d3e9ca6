# Shared helpers for the project's scripts (sourced, never run).
#
# Needs from the caller: nothing (bash). Sets `set -euo pipefail` for it.
# Defines:
#   REPO, KVMLAB_CACHE (both exported; KVMLAB_CACHE may be set beforehand), PATH with Go's bin;
#   log MESSAGE…, die MESSAGE…, with_progress WHAT COMMAND…;
#   ensure_packages PACKAGE…, ensure_node_modules, LAB_PACKAGES (array);
#   pulumi_backend STACK, lab_netns NAMESPACE, start_progress, stop_progress;
#   run_ts FILE ARGS…, query COMMAND ARGS… (scripts/query.ts), operator COMMAND ARGS… and OPERATOR
#     (scripts/operator.ts), load_lab_env STACK_FILE [OUTPUTS]
#     (sets the LAB_* variables: `query --help` lists them);
#   copy_program DIR;
#   stack_secret URN_SUFFIX FIELD FILE, stack_private_key URN_SUFFIX FILE (the current stack);
#   golden_changes PATH; node_ssh_options KEY_FILE.
# shellcheck shell=bash

set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Everything built or downloaded lives outside the work tree, keyed by version, so a fresh clone
# on the same machine reuses it and `git clean` never throws away a 5-minute engine build.
case ":$PATH:" in *:/usr/local/go/bin:*) ;; *) [ -d /usr/local/go/bin ] && PATH="/usr/local/go/bin:$PATH" ;; esac
KVMLAB_CACHE="${KVMLAB_CACHE:-$HOME/.cache/kvm-ha-lab}"
export KVMLAB_CACHE REPO

T0=$(date +%s)
log() { printf '[%4ss] %s\n' "$(($(date +%s) - T0))" "$*" >&2; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# Runs a long command while printing a heartbeat every 15 s, so a cold step never looks hung.
with_progress() {
  local what="$1"
  shift
  local start
  start=$(date +%s)
  ("$@") &
  local pid=$!
  local next=15
  # Polls five times a second (so a quick step returns at once), reports every 15 s.
  while kill -0 "$pid" 2>/dev/null; do
    sleep 0.2
    if kill -0 "$pid" 2>/dev/null && [ $(($(date +%s) - start)) -ge $next ]; then
      log "  … $what: $(($(date +%s) - start)) s"
      next=$((next + 15))
    fi
  done
  wait "$pid"
}

# Installs Debian packages that are missing (idempotent; one `apt-get update` per run at most).
APT_UPDATED=0
ensure_packages() {
  local missing=()
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" = 0 ] || die "missing Debian packages: ${missing[*]} — run as root or install them"
  log "installing Debian packages: ${missing[*]}"
  if [ "$APT_UPDATED" = 0 ]; then
    apt-get update -qq
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# npm dependencies, installed from the lock file; skipped when node_modules matches the lock.
ensure_node_modules() {
  local stamp="$REPO/node_modules/.kvmlab-lock-sha"
  local want
  want=$(sha256sum "$REPO/package-lock.json" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  log "installing npm dependencies (npm ci)"
  (cd "$REPO" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" >"$stamp"
}

# Host packages a lab needs: qemu/libvirt, dnsmasq, sshd, the image builder's tools, genisoimage
# for the cloud-init seeds.
# shellcheck disable=SC2034 # used by the scripts that source this file
LAB_PACKAGES=(qemu-system-x86 qemu-utils libvirt-daemon-system libvirt-clients dnsmasq-base
  openssh-server openssh-client iproute2 debootstrap genisoimage e2fsprogs util-linux
  ca-certificates curl tgt postgresql-client)

# Pulumi's local backend and the stack's passphrase (generated once, mode 600, outside the tree).
pulumi_backend() {
  local stack="$1"
  mkdir -p "$KVMLAB_CACHE/state" "$KVMLAB_CACHE/secrets"
  chmod 700 "$KVMLAB_CACHE/secrets"
  export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$KVMLAB_CACHE/state}"
  local passfile="$KVMLAB_CACHE/secrets/$stack.passphrase"
  [ -s "$passfile" ] || (umask 077 && head -c 32 /dev/urandom | base64 >"$passfile")
  export PULUMI_CONFIG_PASSPHRASE_FILE="$passfile"
}

# A network namespace for a lab (lo up). The image builder reaches Debian's mirror from this
# script's own namespace (KVMLAB_MIRROR_NETNS): the lab's namespace has no route out.
lab_netns() {
  local ns="$1"
  ip netns list | grep -qw "$ns" || ip netns add "$ns"
  ip -n "$ns" link set lo up
  export KVMLAB_MIRROR_NETNS="/proc/$$/ns/net"
}

# Prints the providers' progress lines (image build steps, VM boot waits) while the engine runs:
# the engine itself shows nothing of a dynamic provider's progress.
PROGRESS_TAIL_PID=
start_progress() {
  KVMLAB_PROGRESS_FILE=$(mktemp /tmp/kvmlab-progress.XXXXXX)
  export KVMLAB_PROGRESS_FILE
  (tail -n +1 -F "$KVMLAB_PROGRESS_FILE" 2>/dev/null | sed -u 's/^/    | /' >&2) &
  PROGRESS_TAIL_PID=$!
}
stop_progress() {
  [ -n "$PROGRESS_TAIL_PID" ] || return 0
  sleep 0.3
  pkill -P "$PROGRESS_TAIL_PID" 2>/dev/null || true
  kill "$PROGRESS_TAIL_PID" 2>/dev/null || true
  rm -f "$KVMLAB_PROGRESS_FILE"
  PROGRESS_TAIL_PID=
}

# Runs one of the project's TypeScript files with ts-node, without type checking (npm test
# typechecks them). It costs a second or two of start-up per call, so callers ask once for much.
TS_NODE=(env "TS_NODE_PROJECT=$REPO/tsconfig.json" node -r "$REPO/node_modules/ts-node/register/transpile-only")
run_ts() { "${TS_NODE[@]}" "$@"; }

# The scripts' queries of stack files, stack outputs and state, and test reports (scripts/query.ts;
# `query --help` lists them).
query() { run_ts "$REPO/scripts/query.ts" "$@"; }

# The operator's view (scripts/operator.ts: schema, diagram, summary, status; `--help` lists them),
# as a command line that also runs under `ip netns exec` (OPERATOR) and as a function.
# shellcheck disable=SC2034 # used by the scripts that source this file
OPERATOR=("${TS_NODE[@]}" "$REPO/scripts/operator.ts")
operator() { "${OPERATOR[@]}" "$@"; }

# Sets the LAB_* variables describing the lab of STACK_FILE, taking what the stack exports from
# OUTPUTS (a file holding `pulumi stack output --json`) when given. `query --help` lists them.
load_lab_env() {
  local assignments
  assignments=$(query lab-env "$@") || die "could not read the lab of $1"
  eval "$assignments"
}

# Copies what the Pulumi program is made of (index.ts and what it imports) into DIR, with the
# project's node_modules linked in: a throwaway copy to run the engine on.
copy_program() {
  local dir="$1"
  mkdir -p "$dir"
  cp -r "$REPO"/{Pulumi.yaml,package.json,tsconfig.json,index.ts,components,providers,spec} "$dir/"
  ln -s "$REPO/node_modules" "$dir/node_modules"
}

# Writes FIELD of the current stack's resource whose name ends in SUFFIX to FILE, mode 600: a
# secret (the engine decrypts it), e.g. `stack_secret -host-program-key privateKey FILE`.
stack_secret() {
  local suffix="$1" field="$2" file="$3"
  (
    umask 077
    pulumi stack export --show-secrets | query secret "$suffix" "$field" >"$file"
  )
}

# The private half of the key pair whose resource name ends in SUFFIX, to FILE (mode 600).
stack_private_key() { stack_secret "$1" privateKey "$2"; }

# The files under PATH (of the current directory's git work tree) that differ from HEAD, are
# untracked or are ignored, as `git status --porcelain` lines (nothing: all as committed); fails
# when git does (not a work tree, no git), so an error never reads as "nothing changed".
golden_changes() {
  git status --porcelain --untracked-files=all --ignored=matching -- "$1"
}

# SSH options for the lab's nodes (root, the program key; host keys are the lab's own, not pinned here).
node_ssh_options() {
  local key="$1"
  echo "-i $key -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=10"
}
