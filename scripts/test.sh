#!/usr/bin/env bash
# The project's test command (README "Quick start", and .ci/run): installs what the tests need,
# then typecheck, lint, jest (unit + provider tests against a real sshd on loopback), and a
# preview of the default lab through the real Pulumi engine (scripts/preview-check.sh).
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$REPO"

# sshd for the SSH runner tests; curl and ca-certificates for the engine build.
ensure_packages openssh-server openssh-client ca-certificates curl
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
log "jest"
results=$(mktemp /tmp/kvmlab-jest.XXXXXX.json)
npx jest --ci --json --outputFile="$results" || {
  if summary=$(query jest-summary "$results"); then echo "jest: $summary"; fi
  die "unit tests failed"
}
summary=$(query jest-summary "$results")
rm -f "$results"

log "engine preview of the default lab"
# shellcheck disable=SC1090
source "$env_file"
KVMLAB_ENV_FILE="$env_file" bash scripts/preview-check.sh
log "all checks passed"
echo "jest: $summary"
