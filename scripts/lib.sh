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
#   copy_program DIR; throwaway_backend DIR, stack_from_dev STACK;
#   stack_secret URN_SUFFIX FIELD FILE, stack_private_key URN_SUFFIX FILE (the current stack);
#   golden_changes PATH; stack_known_hosts FILE, node_ssh_options KEY_FILE KNOWN_HOSTS;
#   end-to-end runs: e2e_prepare NAME, e2e_cleanup, e2e_enter [--note TEXT] SCRIPT ARG…, e2e_passed NAME (outside
#     the namespace; E2E_ENV_FILE, E2E_WORK, E2E_NS), e2e_timing NAME SECONDS, e2e_stage NAME, e2e_phase NAME
#     COMMAND…, e2e_inside STACK, load_e2e_env, e2e_node_access (on, cib_query), e2e_own_libvirt,
#     e2e_stack_init STACK, e2e_expect_drift WHAT NAME[=OPS]…, e2e_destroyed,
#     e2e_wait SECONDS WHAT COMMAND…, e2e_sample NAME COMMAND…, e2e_secret_capture,
#     e2e_secret_search (inside).
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

# pulumi_backend STACK — the stack's state backend and secrets passphrase, exported for pulumi
# (README "State and secrets for a team"):
# - PULUMI_BACKEND_URL as the caller set it (a team's directory on shared storage: a file:// one
#   must exist, so that an unmounted share never gets a fresh local state in its place), else
#   file://$KVMLAB_CACHE/state, made here;
# - PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE as the caller set them, else
#   $KVMLAB_CACHE/secrets/STACK.passphrase (mode 600), generated for a stack the backend does not
#   have yet: one it has was made with another passphrase, which the operator must be given.
# Needs pulumi on PATH.
pulumi_backend() {
  local stack="$1"
  if [ -z "${PULUMI_BACKEND_URL:-}" ]; then
    mkdir -p "$KVMLAB_CACHE/state"
    export PULUMI_BACKEND_URL="file://$KVMLAB_CACHE/state"
  else
    export PULUMI_BACKEND_URL
    local dir="${PULUMI_BACKEND_URL#file://}"
    dir="${dir/#\~/$HOME}"
    [ "$dir" = "$PULUMI_BACKEND_URL" ] || [ -d "$dir" ] ||
      die "PULUMI_BACKEND_URL=$PULUMI_BACKEND_URL: $dir does not exist. Fix: mount the shared storage, or make the directory (install -d -m 2770 -g GROUP $dir)"
  fi
  if [ -n "${PULUMI_CONFIG_PASSPHRASE:-}" ] || [ -n "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
    return 0
  fi
  mkdir -p "$KVMLAB_CACHE/secrets"
  chmod 700 "$KVMLAB_CACHE/secrets"
  local passfile="$KVMLAB_CACHE/secrets/$stack.passphrase"
  if [ ! -s "$passfile" ]; then
    if pulumi stack select "$stack" --non-interactive >/dev/null 2>&1; then
      die "the stack $stack exists in $PULUMI_BACKEND_URL, and this machine has no passphrase for it. Fix: get it from the operator who made the stack, over a private channel, into $passfile (mode 600), or set PULUMI_CONFIG_PASSPHRASE_FILE to a file holding it"
    fi
    (umask 077 && head -c 32 /dev/urandom | base64 >"$passfile")
  fi
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

# Copies what the Pulumi program is made of into DIR, with the project's node_modules linked in:
# a throwaway copy to run the engine on. Everything at the top of the project goes, except what the
# program never imports (tests, docs, coverage, the engine's sources, node_modules, stack files):
# a folder the program starts to import is copied without anyone listing it here.
copy_program() {
  local dir="$1" entry
  mkdir -p "$dir"
  for entry in "$REPO"/*; do
    case "${entry##*/}" in
      node_modules | test | docs | coverage | engine | Pulumi.*.yaml) ;;
      *) cp -r "$entry" "$dir/" ;;
    esac
  done
  ln -s "$REPO/node_modules" "$dir/node_modules"
}

# throwaway_backend DIR — the program copied to DIR (copy_program), the shell left in it, with a
# local backend and a passphrase of its own there: nothing of the work tree or the user's state is
# touched.
throwaway_backend() {
  copy_program "$1"
  cd "$1"
  export PULUMI_BACKEND_URL="file://$1/state" PULUMI_CONFIG_PASSPHRASE_FILE="$1/passphrase"
  mkdir -p state
  head -c 32 /dev/urandom | base64 >"$PULUMI_CONFIG_PASSPHRASE_FILE"
}

# stack_from_dev STACK — in a throwaway_backend, the stack STACK made (and selected) from
# Pulumi.dev.yaml without a machine's own passphrase salt, with the whole graph whatever layer the
# dev stack is built up to today.
stack_from_dev() {
  sed '/^encryptionsalt:/d' "$REPO/Pulumi.dev.yaml" >"Pulumi.$1.yaml"
  pulumi stack init "$1" --secrets-provider passphrase --non-interactive >/dev/null
  pulumi config set --stack "$1" --path 'kvm-ha-lab:lab.layers' cluster >/dev/null
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

# The nodes' generated host keys, as the program pins them, from the current stack's state into
# FILE (known_hosts lines).
stack_known_hosts() {
  pulumi stack export | query known-hosts >"$1" || die "could not read the nodes' host keys from the stack's state"
}

# node_ssh_options KEY_FILE KNOWN_HOSTS — SSH options for the lab's nodes: root with the program
# key, each node's host key pinned (KNOWN_HOSTS from stack_known_hosts), as the program pins it.
node_ssh_options() {
  local key="$1" known="$2"
  echo "-i $key -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=$known -o GlobalKnownHostsFile=/dev/null -o HostKeyAlgorithms=ssh-ed25519 -o LogLevel=ERROR -o ConnectTimeout=10"
}

# ---- end-to-end runs in a network namespace of their own ------------------------------------------
# The steps every end-to-end run of a lab takes (scripts/e2e.sh, scripts/e2e-lb.sh,
# scripts/e2e-ocfs2.sh). Outside the namespace, e2e_prepare then e2e_enter; inside it, the rest. The
# run's work directory is E2E_WORK (set by e2e_prepare, handed into the namespace by e2e_enter).

# e2e_prepare NAME — the host's packages, npm dependencies, the engine (E2E_ENV_FILE), a work
# directory (E2E_WORK) and a network namespace name (E2E_NS); on exit the namespace's processes are
# stopped, the namespace, the work directory and the lab's state directory (LAB_STATE_DIR, once
# load_lab_env has set it) removed: the run's libvirt was throwaway.
e2e_prepare() {
  cd "$REPO"
  ensure_packages "${LAB_PACKAGES[@]}"
  ensure_node_modules
  E2E_ENV_FILE=$(bash scripts/engine.sh)
  E2E_WORK=$(mktemp -d "/tmp/kvmlab-$1.XXXXXX")
  E2E_NS="kvmlab-$1-$$"
  trap e2e_cleanup EXIT
}

# shellcheck disable=SC2317 # run by the trap
e2e_cleanup() {
  local pids
  pids=$(ip netns pids "$E2E_NS" 2>/dev/null || true)
  if [ -n "$pids" ]; then
    # shellcheck disable=SC2086
    kill $pids 2>/dev/null || true
    sleep 2
    # shellcheck disable=SC2086
    kill -9 $pids 2>/dev/null || true
  fi
  ip netns del "$E2E_NS" 2>/dev/null || true
  rm -rf "$E2E_WORK"
  [ -z "${LAB_STATE_DIR:-}" ] || rm -rf "$LAB_STATE_DIR"
}

# e2e_enter [--note TEXT] SCRIPT ARG… — makes the namespace (lab_netns) and runs SCRIPT ARG… in it
# with KVMLAB_ENV_FILE and E2E_WORK set (`ip netns exec` gives it a mount namespace of its own too);
# TEXT ends the line that names the namespace, in parentheses.
e2e_enter() {
  local note=
  if [ "$1" = --note ]; then
    note=" ($2)"
    shift 2
  fi
  local script="$1"
  shift
  lab_netns "$E2E_NS"
  log "e2e: network namespace $E2E_NS, work dir $E2E_WORK$note"
  KVMLAB_ENV_FILE="$E2E_ENV_FILE" E2E_WORK="$E2E_WORK" ip netns exec "$E2E_NS" bash "$script" "$@"
}

# e2e_passed NAME — after the run inside: a pass only when it got as far as its destroy check
# (stage destroy-clean); logs the stages it passed.
e2e_passed() {
  grep -qx destroy-clean "$E2E_WORK/stages" || die "$1: the run ended before its destroy was checked: not a pass"
  log "$1: PASSED — stages: $(tr '\n' ' ' <"$E2E_WORK/stages" | sed 's/ $//')"
}

# e2e_timing NAME SECONDS — appends "NAME SECONDS" to KVMLAB_E2E_TIMINGS, when set.
e2e_timing() { [ -z "${KVMLAB_E2E_TIMINGS:-}" ] || echo "$1 $2" >>"$KVMLAB_E2E_TIMINGS"; }

# e2e_stage NAME — records a passed stage (E2E_WORK/stages, for the run's PASSED line).
e2e_stage() { echo "$1" >>"$E2E_WORK/stages"; }

# e2e_phase NAME COMMAND… — logs, runs COMMAND, and when it succeeds times it (e2e_timing) and
# records it (e2e_stage); fails as COMMAND does.
e2e_phase() {
  local name="$1" t0 dt
  shift
  t0=$(date +%s.%N)
  log "e2e: $name"
  "$@" || return 1
  dt=$(echo "$(date +%s.%N) - $t0" | bc)
  e2e_timing "$name" "$dt"
  e2e_stage "$name"
  # bc writes less than a second as `.123`.
  log "e2e: $name took $(printf '%.0f' "$dt") s"
}

# e2e_inside STACK — the first step inside the namespace: the engine's environment
# (KVMLAB_ENV_FILE), a libvirt of the run's own, the program copied with the run's stack made
# (e2e_stack_init: the shell is left in the copy), the providers' progress shown until the script
# exits.
e2e_inside() {
  # shellcheck disable=SC1090
  source "$KVMLAB_ENV_FILE"
  E2E_STACK="$1"
  e2e_own_libvirt
  e2e_stack_init "$1"
  # Everything the run prints (the engine's output, the providers' progress) is kept for the
  # secret search, and the host's process list sampled (e2e_sample).
  exec > >(tee -a "$E2E_WORK/run.log") 2>&1
  e2e_sample ps-host ps -eo args
  start_progress
  trap e2e_exit EXIT
}

# e2e_sample NAME COMMAND… — in the background, COMMAND's output appended to E2E_WORK/NAME.txt
# every second until E2E_WORK/sampling.stop exists or the run is gone (the secret search reads it).
e2e_sample() {
  local name="$1"
  shift
  (while [ ! -e "$E2E_WORK/sampling.stop" ] && kill -0 $$ 2>/dev/null; do
    "$@" >>"$E2E_WORK/$name.txt" 2>/dev/null || true
    sleep 1
  done) &
}

# e2e_secret_capture — before the destroy: the stack's state with and without its secrets in
# clear, and its outputs, into the run's work dir (for e2e_secret_search); the sampling stopped.
e2e_secret_capture() {
  touch "$E2E_WORK/sampling.stop"
  (umask 077 && pulumi stack export --show-secrets >"$E2E_WORK/secrets.json") ||
    die "e2e: could not export the stack's secrets for the search"
  pulumi stack export >"$E2E_WORK/state-export.json" || die "e2e: could not export the stack's state"
  pulumi stack output --json >"$E2E_WORK/outputs.json" || die "e2e: could not read the stack outputs"
}

# e2e_secret_search — every secret of the stack (e2e_secret_capture) looked for in clear in the
# backend's files and the exported state, the stack outputs, everything the run printed and the
# process lists sampled on the host and the nodes; dies naming where one was found (never its
# value). The clear export is removed either way.
e2e_secret_search() {
  local shown files=("$E2E_WORK/state-export.json" "$E2E_WORK/outputs.json" "$E2E_WORK/run.log")
  files+=("$E2E_WORK"/ps-*.txt)
  mapfile -t -O "${#files[@]}" files < <(find "$E2E_WORK/state" -type f)
  shown=$(query secret-scan "$E2E_WORK/secrets.json" "${files[@]}") || {
    rm -f "$E2E_WORK/secrets.json"
    die "e2e: the secret search failed (above)"
  }
  rm -f "$E2E_WORK/secrets.json"
  e2e_stage secret-search
  log "e2e: secret search: $shown (state, outputs, the run's output, process lists)"
}

# shellcheck disable=SC2317 # run by the trap
# e2e_exit — on leaving the namespace: the progress stopped; after a failure, what the nodes say
# (e2e_keep_logs) is kept before the run's cleanup removes them.
e2e_exit() {
  local status=$?
  stop_progress
  [ "$status" = 0 ] || e2e_keep_logs
}

# e2e_keep_logs — each reachable node's cluster status and recent journal, to
# KVMLAB_CACHE/e2e-logs/STACK-TIME/ADDRESS.log (needs e2e_node_access and the LAB_* variables;
# does nothing before them).
e2e_keep_logs() {
  [ -n "${LAB_ADDRESSES+set}" ] && declare -F on >/dev/null || return 0
  local dir a
  dir="$KVMLAB_CACHE/e2e-logs/$E2E_STACK-$(date +%Y%m%d-%H%M%S)"
  mkdir -p "$dir"
  for a in "${LAB_ADDRESSES[@]}"; do
    on "$a" "crm_mon -1 -rf 2>&1; journalctl --no-pager -n 5000 2>&1" >"$dir/$a.log" 2>&1 || true
  done
  log "e2e: the nodes' status and journals are kept in $dir"
}

# load_e2e_env — the LAB_* variables from the run's stack file as it is now and the stack's outputs.
load_e2e_env() {
  pulumi stack output --json >"$E2E_WORK/outputs.json" || die "e2e: pulumi stack output failed"
  load_lab_env "Pulumi.$E2E_STACK.yaml" "$E2E_WORK/outputs.json"
}

# e2e_node_access — after the first up: the program's key and the nodes' host keys from the state
# (E2E_WORK/program.key, E2E_WORK/known_hosts), SSH (the ssh command for the nodes) and two commands: `on ADDRESS COMMAND` runs COMMAND as root
# on a node; `cib_query ADDRESS FILE` reads the live CIB on ADDRESS into FILE.
e2e_node_access() {
  stack_private_key "$LAB_NAME-host-program-key" "$E2E_WORK/program.key"
  stack_known_hosts "$E2E_WORK/known_hosts"
  # shellcheck disable=SC2207
  SSH=(ssh $(node_ssh_options "$E2E_WORK/program.key" "$E2E_WORK/known_hosts"))
  # shellcheck disable=SC2317 # called by the e2e scripts
  on() { "${SSH[@]}" "root@$1" "$2"; }
  # The nodes' process lists, sampled from now on for the secret search (once per node).
  local a
  for a in "${LAB_ADDRESSES[@]}"; do
    [ -e "$E2E_WORK/ps-$a.txt" ] || e2e_sample "ps-$a" on "$a" "ps -eo args"
    touch "$E2E_WORK/ps-$a.txt"
  done
  # shellcheck disable=SC2317
  cib_query() { on "$1" "cibadmin --query" >"$2" || die "e2e: cibadmin --query failed on $1"; }
}

# e2e_own_libvirt — a libvirt of the run's own: private runtime and state directories and an empty
# domain/network configuration directory (inside the namespace's mount namespace only).
e2e_own_libvirt() {
  mkdir -p /run/libvirt /var/lib/libvirt "$E2E_WORK/etc-libvirt-qemu/networks"
  mount -t tmpfs tmpfs /run/libvirt
  mount -t tmpfs tmpfs /var/lib/libvirt
  mount --bind "$E2E_WORK/etc-libvirt-qemu" /etc/libvirt/qemu
}

# e2e_stack_init STACK — the program copied to E2E_WORK/project with E2E_WORK/Pulumi.STACK.yaml,
# a local backend and passphrase in E2E_WORK, the stack made; the shell is left in the copy (the
# work tree is never touched).
e2e_stack_init() {
  local stack="$1"
  copy_program "$E2E_WORK/project"
  cp "$E2E_WORK/Pulumi.$stack.yaml" "$E2E_WORK/project/"
  cd "$E2E_WORK/project"
  export PULUMI_BACKEND_URL="file://$E2E_WORK/state" PULUMI_CONFIG_PASSPHRASE_FILE="$E2E_WORK/passphrase"
  mkdir -p "$E2E_WORK/state"
  head -c 32 /dev/urandom | base64 >"$PULUMI_CONFIG_PASSPHRASE_FILE"
  pulumi stack init "$stack" --secrets-provider passphrase --non-interactive >/dev/null
}

# e2e_expect_drift WHAT RESOURCE_NAME[=OPS]… — `pulumi preview --refresh` shows the drift: each
# resource named plans an update or a replacement (NAME=OP[,OP…]: the ops allowed instead), and
# the preview succeeds with no error diagnostic (a read that crashes is no "drift shown"); dies
# with the preview's log otherwise.
e2e_expect_drift() { e2e_preview_shows --refresh "$@"; }

# e2e_expect_only WHAT RESOURCE_NAME[=OPS]… — `pulumi preview` of a changed config plans a change
# of each resource named, as e2e_expect_drift, and of no other resource (a precise preview).
e2e_expect_only() { e2e_preview_shows --only "$@"; }

# e2e_preview_shows --refresh|--only WHAT RESOURCE_NAME[=OPS]… — what both of the above run.
e2e_preview_shows() {
  local mode="$1" what="$2" status=0 shown refresh=() only=()
  shift 2
  if [ "$mode" = --refresh ]; then refresh=(--refresh); else only=(--only); fi
  pulumi preview "${refresh[@]}" --json --non-interactive >"$E2E_WORK/drift.json" 2>"$E2E_WORK/drift.err" || status=$?
  shown=$(query drift-check "$E2E_WORK/drift.json" "$status" "${only[@]}" "$@") || {
    cat "$E2E_WORK/drift.err" >&2
    die "e2e: $what: pulumi preview ${refresh[*]} does not show the change as expected (above)"
  }
  log "e2e: preview ${refresh[*]} shows $what: $shown"
}

# e2e_destroyed — after `pulumi destroy`: no libvirt domain or network left (asked of libvirtd, or
# of its configuration directory when destroy stopped the libvirtd the program had started), no
# LAB_STATE_DIR, no host sshd on LAB_HOST_ADDRESS:LAB_HOST_SSH_PORT; dies naming what is left.
# Needs libvirt_leftovers and tcp_listening (scripts/e2e-checks.sh) and the LAB_* variables.
e2e_destroyed() {
  local left
  if virsh -c qemu:///system version >/dev/null 2>&1; then
    left=$(libvirt_leftovers qemu:///system) || die "e2e: virsh could not list what destroy left"
  else
    log "e2e: libvirtd was stopped by destroy (the program had started it and it held nothing)"
    left=$(find "$E2E_WORK/etc-libvirt-qemu" -name '*.xml') || die "e2e: could not look at libvirt's configuration"
  fi
  [ -z "$left" ] || die "e2e: destroy left libvirt objects: $left"
  [ ! -e "$LAB_STATE_DIR" ] || die "e2e: destroy left $LAB_STATE_DIR: $(find "$LAB_STATE_DIR" | head)"
  if tcp_listening "$LAB_HOST_ADDRESS:$LAB_HOST_SSH_PORT"; then die "e2e: destroy left the host sshd running"; fi
}

# e2e_wait SECONDS WHAT COMMAND… — polls COMMAND every 2 s until it succeeds; dies naming WHAT
# when it has not within SECONDS.
e2e_wait() {
  local limit="$1" what="$2" t0=$SECONDS
  shift 2
  until "$@" >/dev/null 2>&1; do
    [ $((SECONDS - t0)) -lt "$limit" ] || die "e2e: $what did not happen within $limit s"
    sleep 2
  done
}
