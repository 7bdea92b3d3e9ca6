#!/usr/bin/env bash
# Runs the lab's policy pack (policy/, README "Policy") through the real engine on the dev lab
# (layers: cluster), in a throwaway copy of the project with its own local backend (nothing in the
# work tree or the user's state is touched; previews only, no VM):
#   1. stack prod, made from Pulumi.dev.yaml with STONITH disabled through config — the lab
#      description's own escape hatch for it (cluster.allowNoStonithWithSharedData) set too, so the
#      program accepts it: `pulumi preview --policy-pack policy` must fail on exactly one mandatory
#      violation, stonith-enabled, whose message names the resource, the field and the fix;
#   2. stack dev, Pulumi.dev.yaml as it is: the same preview must pass with no violation at all
#      (an advisory one, or a rule that could not run during the preview, fails the check).
#
# Uses the engine of $KVMLAB_ENV_FILE (default: the last one scripts/engine.sh built).
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck disable=SC1090
source "${KVMLAB_ENV_FILE:-$KVMLAB_CACHE/engine/current/env.sh}"

work=$(mktemp -d /tmp/kvmlab-policy.XXXXXX)
trap 'rm -rf "$work"' EXIT
throwaway_backend "$work"

# policy_preview STACK — `pulumi preview --policy-pack policy` of STACK, its output to STACK.out;
# sets STATUS to its exit status and COUNT_MANDATORY / COUNT_ADVISORY to the violations reported.
policy_preview() {
  local start
  start=$(date +%s%N)
  STATUS=0
  pulumi preview --stack "$1" --non-interactive --policy-pack "$work/policy" >"$1.out" 2>&1 || STATUS=$?
  COUNT_MANDATORY=$(grep -c '^ *- \[mandatory\]' "$1.out" || true)
  COUNT_ADVISORY=$(grep -c '^ *- \[advisory\]' "$1.out" || true)
  log "policy preview of stack $1 took $((($(date +%s%N) - start) / 1000000)) ms: exit $STATUS, $COUNT_MANDATORY mandatory and $COUNT_ADVISORY advisory violations"
}

fail() {
  cat "$1.out" >&2
  die "policy check, stack $1: $2"
}

# 1. prod with STONITH disabled: blocked.
stack_from_dev prod
pulumi config set --stack prod --path 'kvm-ha-lab:lab.cluster.properties["stonith-enabled"]' false --type string >/dev/null
pulumi config set --stack prod --path 'kvm-ha-lab:lab.cluster.allowNoStonithWithSharedData' true >/dev/null
policy_preview prod
[ "$STATUS" != 0 ] || fail prod "the preview passed although STONITH is disabled on prod"
grep -q 'kvm-ha-lab@v.*(local: ' prod.out || fail prod "the policy pack did not run"
if [ "$COUNT_MANDATORY" != 1 ] || [ "$COUNT_ADVISORY" != 0 ]; then
  fail prod "expected exactly one violation (mandatory), got $COUNT_MANDATORY mandatory and $COUNT_ADVISORY advisory"
fi
grep -q '^ *- \[mandatory\] *stonith-enabled ' prod.out || fail prod "the violation is not stonith-enabled"
grep -q '(PcsCluster): properties.stonith-enabled is "false": .*Fix: set kvm-ha-lab:lab.cluster.properties.stonith-enabled' prod.out ||
  fail prod "the violation's message does not name the resource, the field and the fix"
log "prod with stonith-enabled=false: blocked by the mandatory stonith-enabled policy"
sed -n '/^Policies:/,/^$/p' prod.out >&2

# 2. dev as it is: passes.
stack_from_dev dev
policy_preview dev
[ "$STATUS" = 0 ] || fail dev "the preview of the unchanged dev lab failed"
grep -q 'kvm-ha-lab@v.*(local: ' dev.out || fail dev "the policy pack did not run"
if [ "$COUNT_MANDATORY" != 0 ] || [ "$COUNT_ADVISORY" != 0 ]; then
  fail dev "the unchanged dev lab has violations ($COUNT_MANDATORY mandatory, $COUNT_ADVISORY advisory)"
fi
log "dev as it is: no violation"
