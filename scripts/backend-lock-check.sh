#!/usr/bin/env bash
# Shows the file backend's lock for a team's shared state (README "State and secrets for a team"):
# in a throwaway state directory, a first `pulumi up` of a stack holds it (its program waits for a
# signal) while a second `pulumi up` of the same stack, as a second operator's would, must stop at
# once with the engine's lock message; the first then finishes and leaves no lock behind.
#
#   bash scripts/backend-lock-check.sh
#
# Uses the project's engine as scripts/engine.sh left it in $KVMLAB_CACHE/engine/current (never
# builds it), no network, no lab, nothing outside its temporary directory.
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

engine_env="$KVMLAB_CACHE/engine/current/env.sh"
[ -f "$engine_env" ] || die "no engine in $KVMLAB_CACHE/engine/current. Fix: npm run engine"
# shellcheck disable=SC1090
source "$engine_env"

work=$(mktemp -d /tmp/kvmlab-lock-check.XXXXXX)
first=
cleanup() {
  [ -z "$first" ] || kill "$first" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# A program with no resources that waits until $work/release exists (at most 120 s).
mkdir "$work/program" "$work/state"
cd "$work/program"
printf 'name: lockcheck\nruntime: nodejs\nmain: index.js\n' >Pulumi.yaml
printf '{ "name": "lockcheck", "main": "index.js" }\n' >package.json
cat >index.js <<'EOF'
const fs = require("node:fs");
const deadline = Date.now() + 120000;
module.exports = new Promise((resolve) => {
  const wait = () => (fs.existsSync("../release") || Date.now() > deadline ? resolve() : setTimeout(wait, 100));
  wait();
});
EOF
ln -s "$REPO/node_modules" node_modules
export PULUMI_BACKEND_URL="file://$work/state" PULUMI_CONFIG_PASSPHRASE=lock-check
pulumi stack init lock --secrets-provider passphrase --non-interactive >/dev/null 2>&1

T=$(date +%s)
pulumi up --yes --skip-preview --non-interactive >"$work/first.log" 2>&1 &
first=$!
locks="$work/state/.pulumi/locks/organization/lockcheck/lock"
until compgen -G "$locks/*.json" >/dev/null; do
  kill -0 "$first" 2>/dev/null || die "the first pulumi up ended before it locked the stack: $(cat "$work/first.log")"
  sleep 0.1
done
log "the first pulumi up holds the stack: $(cd "$locks" && compgen -G "*.json")"

set +e
second=$(pulumi up --yes --skip-preview --non-interactive 2>&1)
status=$?
set -e
[ "$status" -ne 0 ] || die "the second pulumi up ran while the first held the stack"
grep -q "the stack is currently locked by 1 lock(s)" <<<"$second" ||
  die "the second pulumi up failed without the lock message: $second"
log "the second pulumi up was refused (exit $status): $(head -n 2 <<<"$second")"

touch "$work/release"
wait "$first" || die "the first pulumi up failed: $(cat "$work/first.log")"
first=
! compgen -G "$locks/*.json" >/dev/null || die "the first pulumi up left its lock: $(ls "$locks")"
log "the first pulumi up finished and released the stack: PASS ($(($(date +%s) - T)) s)"
