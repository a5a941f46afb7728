//! Verification throughput on every core: N threads (one per core, or
//! `SENTINEL_BENCH_THREADS`) each verify distinct AppJWTs with
//! `sentinel_proto::jwt::verify`, and with the bare signature check of the
//! same bytes on the same backend at its fastest (the floor: no base64, no
//! JSON, no claims; with aws-lc-rs a key parsed once per thread); it prints
//! tokens per second and the ratio (goal ≥ 0.95×).
//!
//! The two run in alternating slices of 250 ms, so that both see the same
//! machine: on a shared VM the throughput of one contender moves by 20 %
//! between runs of seconds, more than the difference measured. The ratio is
//! that of the mean rates; the median of the slices' ratios is printed too.
//!
//! `cargo bench -p sentinel-benches --bench verify_threads` (aws-lc-rs; add
//! `--no-default-features --features ring` for ring). `SENTINEL_BENCH_SECONDS`
//! sets the time per contender (default 5).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::sync::Barrier;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sentinel_benches::{APP_JWT_KID, TEST_KEY_SPKI, app_jwt, now_secs, sentinel_verify_contender};
use sentinel_proto::UnixTime;
use sentinel_proto::jwt::{AppJwtClaims, KeySet, RsaPublicKey, Validation, verify};

/// Tokens per thread: distinct `iat`s, so distinct bytes and signatures.
const TOKENS: u64 = 64;

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing
    // that asks for a run of seconds: then one short round proves it works.
    let quick = !std::env::args().any(|a| a == "--bench");
    let threads = std::env::var("SENTINEL_BENCH_THREADS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let seconds: u64 = std::env::var("SENTINEL_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(if quick { 0 } else { 5 });
    let key = RsaPublicKey::from_spki_der(TEST_KEY_SPKI)
        .unwrap()
        .with_kid(APP_JWT_KID);
    let (n, e) = (key.modulus().to_vec(), key.exponent().to_vec());
    let keys = KeySet::new().with(key);
    let validation = Validation::app_jwt();
    let base = now_secs();
    let tokens: Vec<Vec<String>> = (0..threads as u64)
        .map(|t| {
            (0..TOKENS)
                .map(|i| app_jwt(base + t * TOKENS + i))
                .collect()
        })
        .collect();
    let now = UnixTime::from_secs(base + threads as u64 * TOKENS);
    let inputs: Vec<Vec<(String, Vec<u8>)>> = tokens
        .iter()
        .map(|ts| {
            ts.iter()
                .map(|t| {
                    let (input, sig) = t.rsplit_once('.').unwrap();
                    (input.to_owned(), URL_SAFE_NO_PAD.decode(sig).unwrap())
                })
                .collect()
        })
        .collect();

    let slice = Duration::from_millis(if seconds == 0 { 0 } else { 250 });
    let rounds = (seconds * 4).max(1);
    let run = |work: &(dyn Fn(usize, usize) + Sync)| -> f64 {
        let barrier = Barrier::new(threads);
        let total: u64 = std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let barrier = &barrier;
                    s.spawn(move || {
                        barrier.wait();
                        let start = Instant::now();
                        let mut done = 0u64;
                        loop {
                            work(t, (done % TOKENS) as usize);
                            done += 1;
                            if start.elapsed() >= slice {
                                return (done, start.elapsed());
                            }
                        }
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    let (done, took) = h.join().unwrap();
                    (done as f64 / took.as_secs_f64()) as u64
                })
                .sum()
        });
        total as f64
    };

    let ours = |t: usize, i: usize| {
        verify::<AppJwtClaims>(black_box(&tokens[t][i]), &keys, &validation, now).unwrap();
    };
    type Work<'a> = Box<dyn Fn(usize, usize) + Sync + 'a>;
    let (floor_name, floor): (&str, Work) = match sentinel_proto::jwt::CRYPTO_BACKEND {
        "ring" => {
            let c = ring::signature::RsaPublicKeyComponents {
                n: n.as_slice(),
                e: e.as_slice(),
            };
            let work = Box::new(move |t: usize, i: usize| {
                let (input, sig) = &inputs[t][i];
                c.verify(
                    &ring::signature::RSA_PKCS1_2048_8192_SHA256,
                    input.as_bytes(),
                    sig,
                )
                .unwrap();
            });
            ("floor_ring_components", work)
        }
        _ => {
            // aws-lc-rs at its fastest: the key parsed once (`ParsedPublicKey`,
            // as sentinel-proto keeps it), one per thread so that no two
            // threads share its lock or its cache lines.
            let components = aws_lc_rs::signature::RsaPublicKeyComponents {
                n: n.as_slice(),
                e: e.as_slice(),
            };
            let parsed: Vec<_> = (0..threads)
                .map(|_| {
                    components
                        .to_parsed_public_key(&aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256)
                        .unwrap()
                })
                .collect();
            let work = Box::new(move |t: usize, i: usize| {
                let (input, sig) = &inputs[t][i];
                parsed[t].verify_sig(input.as_bytes(), sig).unwrap();
            });
            ("floor_aws_lc_rs_parsed_key", work)
        }
    };
    let (mut sum_ours, mut sum_floor, mut ratios) = (0.0, 0.0, Vec::new());
    for round in 0..rounds {
        // Alternate which goes first, so that neither always follows the other.
        let (a, b) = if round % 2 == 0 {
            let a = run(&ours);
            (a, run(&*floor))
        } else {
            let b = run(&*floor);
            (run(&ours), b)
        };
        sum_ours += a;
        sum_floor += b;
        ratios.push(a / b);
    }
    ratios.sort_by(f64::total_cmp);
    let (ours, floor) = (sum_ours / rounds as f64, sum_floor / rounds as f64);
    println!(
        "verify_threads/{}: {threads} threads, {ours:.0} tokens/s",
        sentinel_verify_contender()
    );
    println!("verify_threads/{floor_name}: {threads} threads, {floor:.0} tokens/s");
    println!(
        "verify_threads/ratio: {:.3}x the floor (goal >= 0.95); median of {rounds} slices {:.3}x",
        ours / floor,
        ratios[ratios.len() / 2]
    );
}
