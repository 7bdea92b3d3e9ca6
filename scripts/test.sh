#!/usr/bin/env bash
# The project's test command (README "Quick start", and .ci/run): installs what the tests need,
# then typecheck, lint, jest (unit + provider tests against a real sshd on loopback) with coverage,
# a preview of the default lab through the real Pulumi engine (scripts/preview-check.sh), and the
# lab's policy pack run by that engine (scripts/policy-check.sh).
#
# Gates after jest, each of which fails the command:
#   - a skipped or todo test (every test must run: a test that probes for a tool skips silently
#     when the tool is missing, so the tools are installed below);
#   - anything under test/golden that differs from git HEAD or is untracked (UPDATE_GOLDEN=1 makes
#     the golden checks rewrite their files and pass: the rewrite must be reviewed and committed);
#   - line or branch coverage of providers/ or spec/ below docs/coverage-baseline.json, less its
#     tolerance (docs/COVERAGE.md).
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$REPO"

# sshd and ssh-keygen for the SSH runner tests; xmllint for the cluster.conf test; git for the
# golden-file gate; curl and ca-certificates for the engine build.
ensure_packages openssh-server openssh-client libxml2-utils git ca-certificates curl
# What the tests run or probe for (`command -v`, spawnSync): missing, a test fails or skips.
for tool in xmllint ssh-keygen sha256sum bash sed dirname mkdir touch rm cat sleep git; do
  command -v "$tool" >/dev/null || die "the tests need $tool: install it"
done
[ -x /usr/sbin/sshd ] || die "the SSH runner tests need /usr/sbin/sshd (openssh-server)"
ensure_node_modules
log "engine"
env_file=$(bash scripts/engine.sh)

log "typecheck"
npx tsc --noEmit -p .
log "lint"
npx eslint .
npx prettier --check . >/dev/null || {
  npx prettier --check .
  die "formatting differs: run npm run format"
}

log "jest (with coverage of providers/ and spec/)"
results=$(mktemp /tmp/kvmlab-jest.XXXXXX.json)
trap 'rm -f "$results"' EXIT
rm -rf coverage
start=$(date +%s%N)
npx jest --ci --coverage --json --outputFile="$results" || {
  if summary=$(query jest-summary "$results"); then echo "jest: $summary"; fi
  die "unit tests failed"
}
log "jest took $((($(date +%s%N) - start) / 1000000)) ms"
summary=$(query jest-gate "$results") || die "jest: a test was skipped or left todo (above)"
echo "jest: $summary"

# Golden files as committed: a run that rewrote one (UPDATE_GOLDEN=1) or added one fails here.
changed=$(golden_changes test/golden) || die "git status failed: cannot tell whether test/golden is as committed"
[ -z "$changed" ] || die "test/golden differs from git HEAD after jest (review the files, commit them or restore them):
$changed"

coverage=$(query coverage-gate coverage/coverage-summary.json docs/coverage-baseline.json "$REPO") || {
  die "coverage fell below the baseline (above; docs/COVERAGE.md)"
}
echo "$coverage"

log "engine preview of the default lab"
# shellcheck disable=SC1090
source "$env_file"
KVMLAB_ENV_FILE="$env_file" bash scripts/preview-check.sh
log "policy pack on the default lab (prod with STONITH off blocked, dev passing)"
KVMLAB_ENV_FILE="$env_file" bash scripts/policy-check.sh
log "all checks passed"
echo "jest: $summary"
echo "$coverage"
