#!/usr/bin/env bash
# sentinel-proto is pure: no runtime, lock, clock, randomness or logging in its
# dependencies or its source. Fails, naming what it found, when that stops being so.
# Checked with each JWT backend, and without `jwt`. The backend itself is pruned
# (ring's own getrandom is the crypto library's, never reached by verification).
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
for backend in aws-lc-rs ring ""; do
    if [ -n "$backend" ]; then
        args=(--features "$backend" --prune "$backend")
    else
        args=()
    fi
    deps=$(cargo tree -p sentinel-proto -e normal --no-default-features "${args[@]}" --prefix none |
        grep -E '^(tokio|futures|arc-swap|event-listener|getrandom|tracing|reqwest|isahc) ' || true)
    if [ -n "$deps" ]; then
        echo "sentinel-proto (backend: ${backend:-none}) depends on: $deps" >&2
        status=1
    fi
done
src=$(grep -rnE 'async fn|SystemTime::now|Instant::now|getrandom|OsRng|Mutex|RwLock|tracing::' \
    crates/sentinel-proto/src || true)
if [ -n "$src" ]; then
    echo "sentinel-proto/src is not pure:" >&2
    echo "$src" >&2
    status=1
fi
[ "$status" -eq 0 ] && echo "sentinel-proto is pure"
exit "$status"
