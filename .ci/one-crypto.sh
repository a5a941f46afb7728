#!/usr/bin/env bash
# Each adapter, with its default features (and every optional integration),
# builds exactly one crypto library: ring or aws-lc-rs, never both.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
check() { # package, extra cargo tree arguments
    local found
    found=$(cargo tree -e normal -p "$1" "${@:2}" --prefix none |
        grep -oE '^(ring|aws-lc-rs) ' | sort -u | tr -d ' ' | paste -sd, -)
    if [ "$(echo "$found" | tr ',' '\n' | grep -c .)" -ne 1 ]; then
        echo "$1 ${*:2}: crypto libraries [$found], want exactly one" >&2
        status=1
    else
        echo "$1 ${*:2}: $found"
    fi
}
check sentinel-reqwest
check sentinel-reqwest --features middleware,tower
check sentinel-reqwest --no-default-features --features native-tls,ring
check sentinel-isahc
check sentinel-client --features tower
check sentinel-redis
exit "$status"
