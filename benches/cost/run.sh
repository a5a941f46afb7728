#!/usr/bin/env bash
# What depending on sentinel-reqwest costs: a minimal binary that gets an AppJWT
# through it, next to the same binary using only reqwest 0.13 with the same TLS
# (rustls on aws-lc-rs). For each: crates compiled, clean release build time
# (each measured twice, interleaved: wall time, and the CPU time of cargo and
# every compiler it ran, which a busy machine disturbs far less), release binary
# size, and crates present in two versions.
# Usage: bash benches/cost/run.sh [ROUNDS]   (default 2)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
rounds=${1:-2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The crates as committed (HEAD), not a working tree that may change meanwhile.
mkdir -p "$work/repo" "$work/only-reqwest/src" "$work/with-sentinel/src"
git -C "$repo" archive HEAD | tar -x -C "$work/repo"
repo="$work/repo"
cat >"$work/only-reqwest/Cargo.toml" <<TOML
[package]
name = "only-reqwest"
version = "0.0.0"
edition = "2024"
publish = false
[dependencies]
reqwest = { version = "0.13", default-features = false, features = ["rustls"] }
tokio = { version = "1", features = ["rt", "macros"] }
[workspace]
TOML
cat >"$work/only-reqwest/src/main.rs" <<'RS'
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args().nth(1).unwrap_or_else(|| "https://api.liveperson.net/".into());
    let status = reqwest::Client::new().post(url).body("grant_type=client_credentials").send().await?.status();
    println!("{status}");
    Ok(())
}
RS
cat >"$work/with-sentinel/Cargo.toml" <<TOML
[package]
name = "with-sentinel"
version = "0.0.0"
edition = "2024"
publish = false
[dependencies]
sentinel-reqwest = { path = "$repo/crates/sentinel-reqwest" }
sentinel-client = { path = "$repo/crates/sentinel-client" }
sentinel-proto = { path = "$repo/crates/sentinel-proto" }
tokio = { version = "1", features = ["rt", "macros"] }
[workspace]
TOML
cat >"$work/with-sentinel/src/main.rs" <<'RS'
use sentinel_client::ClientConfig;
use sentinel_proto::{AccountId, ClientId, ClientSecret};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let secret = ClientSecret::new(std::env::var("SENTINEL_CLIENT_SECRET").unwrap_or_default());
    let config = ClientConfig::new(AccountId::new("123456")?, ClientId::new("cid")?, secret);
    let token = sentinel_reqwest::SentinelClient::new(config)?.app_token().await?;
    println!("{}", token.expires_at().as_secs());
    Ok(())
}
RS

for p in only-reqwest with-sentinel; do
    (cd "$work/$p" && cargo generate-lockfile -q && cargo fetch -q)
done

measure() { # project round
    local dir="$work/$1" target="$work/target-$1"
    rm -rf "$target"
    (cd "$dir" && CARGO_TARGET_DIR="$target" /usr/bin/time -f '%e %U %S' -o "$work/$1.time" \
        cargo build --release --offline 2>"$work/$1.log")
    local wall cpu crates size
    read -r wall user sys <"$work/$1.time"
    cpu=$(echo "$user + $sys" | bc)
    crates=$(grep -c '^ *Compiling ' "$work/$1.log")
    size=$(stat -c %s "$target/release/$1")
    printf '%-14s round %s: %3d crates compiled, wall %6.1f s, cpu %6.1f s, binary %s bytes\n' \
        "$1" "$2" "$crates" "$wall" "$cpu" "$size"
}

for r in $(seq 1 "$rounds"); do
    measure only-reqwest "$r"
    measure with-sentinel "$r"
done
echo "crates in two versions (with-sentinel):"
(cd "$work/with-sentinel" && cargo tree -e normal -d --offline 2>/dev/null | grep -v '^$' || true) | sed 's/^/  /'
echo "crypto libraries (with-sentinel):"
(cd "$work/with-sentinel" && cargo tree -e normal --offline --prefix none | grep -E '^(ring|aws-lc-rs) ' | sort -u | sed 's/^/  /')
