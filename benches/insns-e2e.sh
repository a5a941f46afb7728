#!/usr/bin/env bash
# Client-side instructions per AppJWT fetch against the emulator, ours against
# the bare POST of the same form, counted by valgrind's cachegrind: exact and
# independent of the machine's load. The emulator runs in a child process
# (`fetch_n serve`), which cachegrind does not follow, so only the client's
# side is counted (its tokio runtime, hyper or curl, our client).
#   bash benches/insns-e2e.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-1000}
cargo build --release -p sentinel-benches --example fetch_n >&2
bin=target/release/examples/fetch_n
irefs() {
    valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
        "$bin" "$1" "$2" 2>&1 | awk '/I *refs:/ { gsub(",", "", $NF); print $NF }'
}
per() { echo $(( ($(irefs "$1" "$rounds") - $(irefs "$1" 0)) / rounds )); }
echo "| contender | instructions/fetch | ratio to its bare POST |"
echo "|---|---:|---:|"
for pair in "sentinel_reqwest bare_reqwest" "sentinel_isahc bare_isahc"; do
    set -- $pair
    ours=$(per "$1")
    bare=$(per "$2")
    echo "| $1 | $ours | $(awk -v a="$ours" -v b="$bare" 'BEGIN { printf "%.3f", a / b }') |"
    echo "| $2 | $bare | 1.000 |"
done
