#!/usr/bin/env bash
# Benchmark of the lab substrate: prints the wall time of each phase and the median over N runs.
#
#   bash scripts/bench.sh [RUNS]        (default 3)
#
# Phases: image build cold (into an empty cache directory) and cached (same key again); then, per
# end-to-end run (scripts/e2e.sh, 2 nodes, TCG), every phase it times: up cold, up no-op, repair
# after drift, preview --refresh, the storage and cluster converges, their no-op refreshes and
# repairs, the fence, each drill's failover (kill → first commit through the VIP again) and its
# committed rows, and destroy. KVMLAB_E2E_UPTO and KVMLAB_DRILLS pass through to e2e.sh.
# Figures go to stdout as a table (query bench-table, scripts/query.ts); record them in
# docs/BENCHMARKS.md.
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=scripts/e2e-checks.sh
source "$(dirname "$0")/e2e-checks.sh"
cd "$REPO"
runs=${1:-3}
# A typo in KVMLAB_E2E_UPTO is refused before the image builds, not after them.
e2e_layers "${KVMLAB_E2E_UPTO:-cluster}" >/dev/null || die "bench: nothing was run"
ensure_packages "${LAB_PACKAGES[@]}"
ensure_node_modules
timings=$(mktemp /tmp/kvmlab-bench.XXXXXX)
cache=$(mktemp -d /var/tmp/kvmlab-bench-cache.XXXXXX)
trap 'rm -rf "$cache" "$timings"' EXIT

script=$(run_ts scripts/image-script.ts "$cache" 2>/dev/null)
for kind in cold cached; do
  t0=$(date +%s.%N)
  with_progress "image build ($kind)" bash -c "$script"
  echo "image-$kind $(echo "$(date +%s.%N) - $t0" | bc)" >>"$timings"
done

for i in $(seq 1 "$runs"); do
  log "bench: e2e run $i of $runs"
  KVMLAB_E2E_TIMINGS="$timings" bash scripts/e2e.sh
done

query bench-table "$timings"
