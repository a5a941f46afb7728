#!/usr/bin/env bash
# sentinel-proto is pure: no runtime, lock, clock, randomness or logging in its
# dependencies or its source. Fails, naming what it found, when that stops being so.
# (ring's own getrandom is pruned: it is the crypto backend's, never reached by
# verification, and goes with the aws-lc-rs backend.)
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
deps=$(cargo tree -p sentinel-proto -e normal --prune ring --prefix none |
    grep -E '^(tokio|futures|arc-swap|event-listener|getrandom|tracing|reqwest|isahc) ' || true)
if [ -n "$deps" ]; then
    echo "sentinel-proto depends on: $deps" >&2
    status=1
fi
src=$(grep -rnE 'async fn|SystemTime::now|Instant::now|getrandom|OsRng|Mutex|RwLock|tracing::' \
    crates/sentinel-proto/src || true)
if [ -n "$src" ]; then
    echo "sentinel-proto/src is not pure:" >&2
    echo "$src" >&2
    status=1
fi
[ "$status" -eq 0 ] && echo "sentinel-proto is pure"
exit "$status"
