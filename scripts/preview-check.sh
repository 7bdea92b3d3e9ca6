#!/usr/bin/env bash
# Runs `pulumi preview` of the dev stack's lab (layers: cluster) through the real engine, in a
# throwaway copy of the project with its own local backend (nothing in the work tree or the user's
# state is touched), and checks it with scripts/preview-check.ts:
#   1. a fresh stack's preview plans exactly the resources the lab description calls for (the
#      `type name` set preview-check.ts derives from it), only creates, no error diagnostic;
#   2. the secret generators of that preview (random secrets, SSH key pairs) get values from their
#      own providers and are imported as the stack's state (`pulumi stack import`: no `up`, nothing
#      leaves the throwaway directory); a fresh stack has no secret value, so without this a scan
#      could never find one;
#   3. a second preview on that state keeps them (their values flow into every resource that uses
#      them), creates the rest, and no secret value of the state (`stack export --show-secrets`)
#      appears in plain text in its JSON, its log, or the state exported without --show-secrets.
#
# Uses the engine of $KVMLAB_ENV_FILE (default: the last one scripts/engine.sh built).
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck disable=SC1090
source "${KVMLAB_ENV_FILE:-$KVMLAB_CACHE/engine/current/env.sh}"

work=$(mktemp -d /tmp/kvmlab-preview.XXXXXX)
trap 'rm -rf "$work"' EXIT
throwaway_backend "$work"
stack_from_dev dev
pulumi stack export >empty-export.json

preview() { # preview NAME — pulumi preview --json to NAME.json, its log to NAME.err
  local start
  start=$(date +%s%N)
  pulumi preview --json --non-interactive >"$1.json" 2>"$1.err" || {
    cat "$1.err" "$1.json" >&2
    die "pulumi preview of the dev stack failed ($1)"
  }
  log "preview ($1) took $((($(date +%s%N) - start) / 1000000)) ms"
}

# 1. The plan of a fresh stack.
preview fresh
run_ts "$REPO/scripts/preview-check.ts" plan fresh.json Pulumi.dev.yaml

# 2. The secret generators, seeded.
run_ts "$REPO/scripts/preview-check.ts" seed fresh.json empty-export.json >deployment.json
pulumi stack import --file deployment.json --non-interactive >/dev/null ||
  die "pulumi stack import of the seeded secrets failed"
(umask 077 && pulumi stack export --show-secrets >secrets.json)
pulumi stack export >state.json

# 3. The preview with every secret known, scanned.
preview seeded
run_ts "$REPO/scripts/preview-check.ts" scan seeded.json secrets.json seeded.err state.json fresh.json fresh.err
