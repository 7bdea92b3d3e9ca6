#!/usr/bin/env bash
# Runs `pulumi preview` of the dev stack's lab through the real engine, in a throwaway copy of the
# project with its own local backend (nothing in the work tree or the user's state is touched),
# and checks the planned graph with scripts/preview-check.ts: every component of the default lab,
# the dynamic resources under them, and no plain-text secret in the preview output.
#
# Uses the engine of $KVMLAB_ENV_FILE (default: the last one scripts/engine.sh built).
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck disable=SC1090
source "${KVMLAB_ENV_FILE:-$KVMLAB_CACHE/engine/current/env.sh}"

work=$(mktemp -d /tmp/kvmlab-preview.XXXXXX)
trap 'rm -rf "$work"' EXIT
copy_program "$work"
cp "$REPO/Pulumi.dev.yaml" "$work/"
# A machine's own dev stack adds its passphrase salt to Pulumi.dev.yaml: not this throwaway stack's.
sed -i '/^encryptionsalt:/d' "$work/Pulumi.dev.yaml"
cd "$work"
export PULUMI_BACKEND_URL="file://$work/state" PULUMI_CONFIG_PASSPHRASE_FILE="$work/passphrase"
mkdir -p state
head -c 32 /dev/urandom | base64 >"$PULUMI_CONFIG_PASSPHRASE_FILE"
pulumi stack init dev --secrets-provider passphrase --non-interactive >/dev/null
# The whole graph, whatever layer the dev stack is built up to today.
pulumi config set --path 'kvm-ha-lab:lab.layers' cluster >/dev/null
start=$(date +%s%N)
pulumi preview --json --non-interactive >preview.json 2>preview.err || {
  cat preview.err preview.json >&2
  die "pulumi preview of the dev stack failed"
}
log "preview took $((($(date +%s%N) - start) / 1000000)) ms"
run_ts "$REPO/scripts/preview-check.ts" preview.json
