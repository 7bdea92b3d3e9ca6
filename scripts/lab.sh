#!/usr/bin/env bash
# Brings up a lab stack on this machine (README "Quick start"), and shows it:
#
#   bash scripts/lab.sh [preview|up|refresh|destroy] [--stack NAME]    (default: preview, dev)
#   bash scripts/lab.sh preview|up --policy [--stack NAME]              with the lab's policy pack
#                                                                        (policy/, README "Policy";
#                                                                        always on prod and staging)
#   bash scripts/lab.sh ssh NODE [COMMAND…] [--stack NAME]              root shell on a node
#   bash scripts/lab.sh heal [--stack NAME]                              heal the GlusterFS volume
#   bash scripts/lab.sh drill [--stack NAME]                             seed 001's failover drill
#   bash scripts/lab.sh faults [--only FAULT,…] [--stack NAME]          the fault suite (scripts/faults.sh)
#   bash scripts/lab.sh status [--no-drift] [--stack NAME]               the live status, one screen
#   bash scripts/lab.sh diagram [--out FILE] [--spec-only] [--stack NAME]
#                                                                        the lab as an SVG (Graphviz)
#   bash scripts/lab.sh psql [GROUP] [--stack NAME]                      psql on a service group's VIP
#   bash scripts/lab.sh db-password [GROUP] [--stack NAME]               prints its database password
#   bash scripts/lab.sh config ARGS… [--stack NAME]                      pulumi config ARGS… on the stack
#   bash scripts/lab.sh pulumi ARGS… [--stack NAME]                      pulumi ARGS… on the stack, in the
#                                                                        lab's namespace (e.g. the fix up
#                                                                        prints after a killed engine)
#
# 1. installs the host packages (qemu, libvirt, dnsmasq, sshd) and the npm dependencies;
# 2. builds or reuses the engine (scripts/engine.sh);
# 3. with `host.daemon: managed` (the dev default), runs the engine inside a network namespace
#    made for the lab (kvmlab-<stack>), where the program starts libvirtd and the host sshd, so the
#    lab's bridges and addresses exist only there;
# 4. uses the local backend, or PULUMI_BACKEND_URL when set (a team's shared directory), creates
#    the stack with a passphrase secrets provider (the passphrase: PULUMI_CONFIG_PASSPHRASE(_FILE)
#    when set, else generated once for a new stack and kept in $KVMLAB_CACHE/secrets, mode 600;
#    lib.sh pulumi_backend);
# 5. runs the Pulumi action; `up` ends with a summary (scripts/operator.ts summary): where the
#    service groups run, how to reach them, the next commands.
# ssh, heal and drill find the nodes in the stack's outputs (nodeAddresses) and the rest of the lab
# (which node is first, the cluster's node names, the service group and its VIP) in its stack file.
# status and diagram ask the live lab read-only (scripts/operator.ts) from the lab's namespace;
# status also runs `pulumi preview --refresh` for the drift unless --no-drift. diagram --spec-only
# draws the stack file's lab without asking anything (docs/lab.svg is made that way).
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$REPO"

action=preview
stack=dev
node=
group=
out=
spec_only=0
drift=1
policy=0
faults_only=
command_words=()
while [ $# -gt 0 ]; do
  if { [ "$action" = config ] || [ "$action" = pulumi ]; } && [ "$1" != --stack ]; then
    command_words+=("$1")
    shift
    continue
  fi
  case "$1" in
    preview | up | refresh | destroy | heal | drill | faults | status | diagram | config | pulumi) action=$1 ;;
    --only) faults_only=${2:?--only needs fault names, e.g. power-active,standby}; shift ;;
    ssh) action=ssh; node=${2:?ssh needs a node name, e.g. node01}; shift ;;
    psql | db-password)
      action=$1
      if [ $# -gt 1 ] && [ "${2#--}" = "$2" ]; then group=$2; shift; fi
      ;;
    --stack) stack=${2:?--stack needs a name}; shift ;;
    --out) out=${2:?--out needs a file name, e.g. lab.svg}; shift ;;
    --spec-only) spec_only=1 ;;
    --no-drift) drift=0 ;;
    --policy) policy=1 ;;
    *)
      [ "$action" = ssh ] ||
        die "unknown argument '$1': use preview|up|refresh|destroy|heal|drill|faults|status|diagram|psql|db-password|config|pulumi|ssh NODE [--stack NAME]"
      command_words+=("$1")
      ;;
  esac
  shift
done
stack_file="Pulumi.$stack.yaml"
[ -f "$stack_file" ] || die "no $stack_file: create it (see README, Configuration) or use --stack dev"
# --policy: the lab's policy pack runs with the preview or the up (mandatory on prod and staging,
# where it always runs; advisory elsewhere).
policy_args=()
case "$stack:$action" in prod:preview | prod:up | staging:preview | staging:up) policy=1 ;; esac
if [ "$policy" = 1 ]; then
  case "$action" in
    preview | up) policy_args=(--policy-pack "$REPO/policy") ;;
    *) die "--policy goes with preview or up, not $action" ;;
  esac
fi
[ -z "$faults_only" ] || [ "$action" = faults ] || die "--only goes with faults, not $action"

# draw_diagram [FACTS] — the stack file's lab (with the live FACTS when given) as an SVG in $out.
draw_diagram() {
  ensure_packages graphviz
  local dot
  dot=$(mktemp /tmp/kvmlab-diagram.XXXXXX)
  operator diagram "$stack_file" "$@" >"$dot" || {
    rm -f "$dot"
    die "could not draw the lab of $stack_file"
  }
  dot -Tsvg "$dot" -o "$out" || {
    rm -f "$dot"
    die "Graphviz could not render the diagram"
  }
  rm -f "$dot"
  log "wrote $out"
}
if [ "$action" = diagram ]; then
  out=${out:-lab-$stack.svg}
  if [ "$spec_only" = 1 ]; then
    ensure_node_modules
    draw_diagram
    exit 0
  fi
fi

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

if [ "$action" = config ]; then
  pulumi config "${command_words[@]}"
  exit $?
fi
if [ "$action" = pulumi ]; then
  [ "${#command_words[@]}" -gt 0 ] || die "pulumi needs a command, e.g. npm run lab -- pulumi stack export --stack $stack"
  "${run_in_ns[@]}" pulumi "${command_words[@]}"
  exit $?
fi

# stack_access — the stack's outputs, the program key and the nodes' host keys, from its state into
# a private temporary directory ($secrets, removed on exit).
secrets=
stack_access() {
  secrets=$(mktemp -d /tmp/kvmlab-secrets.XXXXXX)
  pulumi stack output --json >"$secrets/outputs.json"
  stack_private_key -host-program-key "$secrets/key"
  stack_known_hosts "$secrets/known_hosts"
}
cleanup() {
  stop_progress
  [ -z "$secrets" ] || rm -rf "$secrets"
}
trap cleanup EXIT

# service_group — the group psql/db-password mean: the one named, else the lab's first with a VIP.
service_group() {
  if [ -z "$group" ]; then
    load_lab_env "$stack_file" "$secrets/outputs.json"
    group=$LAB_SERVICE
  fi
  [ -n "$group" ] || die "the stack has no service group with a VIP: psql needs layers: cluster"
  echo "$group"
}

case "$action" in
  ssh | heal | drill | faults | status | diagram | psql | db-password)
    stack_access
    # on ADDRESS [COMMAND…] — as root on a node with the program key (a shell on a terminal when no
    # command is given).
    on() {
      local address="$1" tty=()
      shift
      if [ -t 0 ] && [ $# -eq 0 ]; then tty=(-t); fi
      # shellcheck disable=SC2046
      "${run_in_ns[@]}" ssh $(node_ssh_options "$secrets/key" "$secrets/known_hosts") "${tty[@]}" "root@$address" "$@"
    }
    ;;
esac
# drill_setup WHAT — what the drill and the fault suite need: the lab's variables, the database
# password (psql's environment only), and scripts/drill.sh, reaching the lab through its namespace.
drill_setup() {
  load_lab_env "$stack_file" "$secrets/outputs.json"
  [ -n "$LAB_VIP" ] || die "the stack has no service group with a VIP: the $1 needs layers: cluster"
  stack_secret "-svc-$LAB_SERVICE-db-password" value "$secrets/db"
  PGPASSWORD=$(cat "$secrets/db")
  export PGPASSWORD
  fail() { die "$*"; }
  DRILL_NS=("${run_in_ns[@]}")
  # shellcheck source=scripts/drill.sh
  source scripts/drill.sh
}

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
    drill_setup drill
    drill_run
    exit 0
    ;;
  faults)
    # scripts/faults.sh from here, as the drill: psql, ssh, virsh and the host's daemons through the
    # lab's namespace; the engine as this script runs it; the tool's up is this script's own.
    drill_setup "fault suite"
    # shellcheck source=scripts/faults.sh
    source scripts/faults.sh
    # shellcheck disable=SC2034 # read by scripts/faults.sh
    {
      FAULTS_STACK=$stack
      FAULTS_PULUMI=("${run_in_ns[@]}" pulumi)
      FAULTS_LAB_UP=(bash "$REPO/scripts/lab.sh" up --stack "$stack")
      FAULTS_FIX_VIA="npm run lab -- pulumi"
      FAULTS_FIX_RUN=(bash "$REPO/scripts/lab.sh" pulumi)
    }
    faults_run "$faults_only"
    exit 0
    ;;
  status)
    # The drift first (a refresh preview: it changes no state), then the live facts, read-only.
    drift_args=(--no-drift)
    if [ "$drift" = 1 ]; then
      log "pulumi preview --refresh (drift; --no-drift skips it)"
      preview_status=0
      "${run_in_ns[@]}" pulumi preview --refresh --json --non-interactive >"$secrets/preview.json" 2>"$secrets/preview.err" ||
        preview_status=$?
      [ -s "$secrets/preview.json" ] || cp "$secrets/preview.err" "$secrets/preview.json"
      drift_args=(--drift "$secrets/preview.json" "$preview_status")
    fi
    "${run_in_ns[@]}" "${OPERATOR[@]}" status "$stack_file" "$secrets/outputs.json" "$secrets/key" "$stack" "${drift_args[@]}" \
      --known-hosts "$secrets/known_hosts"
    exit $?
    ;;
  diagram)
    # With where the groups run and which nodes answer, when the lab is up.
    "${run_in_ns[@]}" "${OPERATOR[@]}" status "$stack_file" "$secrets/outputs.json" "$secrets/key" "$stack" \
      --no-drift --json --known-hosts "$secrets/known_hosts" >"$secrets/facts.json" || die "could not ask the lab (use --spec-only to draw the stack file alone)"
    draw_diagram "$secrets/facts.json"
    exit 0
    ;;
  psql | db-password)
    group=$(service_group)
    stack_secret "-svc-$group-db-password" value "$secrets/db"
    if [ "$action" = db-password ]; then
      cat "$secrets/db"
      exit 0
    fi
    vip=$(query output services "$group" vip <"$secrets/outputs.json")
    port=$(query output services "$group" database port <"$secrets/outputs.json")
    db=$(query output services "$group" database name <"$secrets/outputs.json")
    user=$(query output services "$group" database user <"$secrets/outputs.json")
    # The password in psql's environment only (not on a command line, not printed).
    psql_status=0
    PGPASSWORD=$(cat "$secrets/db") "${run_in_ns[@]}" psql "host=$vip port=$port dbname=$db user=$user" ||
      psql_status=$?
    exit "$psql_status"
    ;;
esac

# What an engine killed mid-run left on the stack (query engine-leftovers): its lock stops up, refresh
# and destroy, and a pending create is kept by every up, so either stops here with the exact command
# that clears it (`npm run lab -- pulumi …`); other pending operations are only shown (up --refresh
# reads those resources again and the engine drops them).
case "$action" in
  up | refresh | destroy)
    leftover_args=(--via "npm run lab -- pulumi")
    [ "$action" != up ] || leftover_args+=(--for-update)
    stack_export=$(pulumi stack export) || die "pulumi stack export failed: cannot tell whether an interrupted run left the stack locked"
    leftovers=$(query engine-leftovers "$stack" - "$PULUMI_BACKEND_URL" "${leftover_args[@]}" <<<"$stack_export") ||
      die "the stack $stack needs the command(s) above before pulumi $action can run"
    [ -z "$leftovers" ] || log "$leftovers"
    ;;
esac

log "pulumi $action (stack $stack)"
start_progress
case "$action" in
  preview) "${run_in_ns[@]}" pulumi preview --non-interactive --diff=false "${policy_args[@]}" ;;
  up) "${run_in_ns[@]}" pulumi up --refresh --yes --non-interactive "${policy_args[@]}" ;;
  *) "${run_in_ns[@]}" pulumi "$action" --yes --non-interactive ;;
esac
stop_progress

if [ "$action" = up ]; then
  # The summary: where the service groups run (asked live from the lab's namespace), how to reach
  # them, the next commands. The lab is up either way: a summary that fails only says so.
  stack_access
  netns_args=()
  [ -z "${ns:-}" ] || netns_args=(--netns "$ns")
  echo
  "${run_in_ns[@]}" "${OPERATOR[@]}" summary "$stack_file" "$secrets/outputs.json" "$stack" \
    --key "$secrets/key" --known-hosts "$secrets/known_hosts" "${netns_args[@]}" || log "the lab is up; the summary failed (above)"
fi
