#!/usr/bin/env bash
# Instructions per call of every operation of the `alloc` bench, counted by
# valgrind's cachegrind: exact and independent of the machine's load, so the
# ratios can be checked on a busy shared box. Needs valgrind.
#   bash benches/insns.sh [ROUNDS] [FILTER]
# BACKEND=ring measures sentinel-proto's verification on ring instead of the
# default aws-lc-rs (the `verify AppJWT` rows; both bare floors are always there).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-2000}
filter=${2:-}
features=()
if [ -n "${BACKEND:-}" ]; then
    features=(--no-default-features --features "$BACKEND")
fi
bin=$(cargo bench -p sentinel-benches "${features[@]}" --bench alloc --no-run 2>&1 |
    grep -o 'target/release/deps/alloc-[0-9a-f]*' | tail -n 1)
irefs() {
    SENTINEL_BENCH_ONLY="$1" SENTINEL_BENCH_ROUNDS="$2" valgrind --tool=cachegrind \
        --cache-sim=no --cachegrind-out-file=/dev/null "$bin" 2>&1 |
        awk '/I *refs:/ { gsub(",", "", $NF); print $NF }'
}
echo "| operation | contender | instructions/call |"
echo "|---|---|---:|"
SENTINEL_BENCH_ONLY=list "$bin" | grep -F -- "$filter" | while IFS= read -r name; do
    base=$(irefs "$name" 0)
    total=$(irefs "$name" "$rounds")
    per=$(( (total - base) / rounds ))
    echo "| ${name%%/*} | ${name#*/} | $per |"
done
