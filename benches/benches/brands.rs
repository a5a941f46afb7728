//! Scale figures of `sentinel_client::Brands` (issue 15), for 100, 1 000 and
//! 10 000 brands (`SENTINEL_BRANDS_SIZES=100,1000` to choose):
//!
//! - time to first token for all brands, default concurrency (16), against the
//!   emulator in "many accounts" mode over loopback with sentinel-reqwest
//!   (Domain API and AppJWT V1 per brand, each brand its own account);
//! - bytes held per brand after that warm-up (heap, `stats_alloc`: allocated
//!   minus freed since before the pool was made; this counts the in-process
//!   emulator's growth too, its request log among it), the bytes freed when
//!   the pool and its HTTP client are dropped (the pool's own share, the
//!   figure for the ≤ 4 KiB goal), and the growth of the resident set
//!   (`/proc/self/statm`);
//! - a cached read of a random brand's token through a `BrandHandle`
//!   (`handles[i].cached_token()`), in ns and as a ratio to `Arc::clone` +
//!   drop of a random element of an array of as many `Arc`s
//!   (`arcs[i].clone()`): both index a vector of N with the same pre-drawn
//!   random indices, so they pay the same indexing; and the lookup by key
//!   (`Brands::cached_token(&keys[i])`) for comparison;
//! - a simulated day on a virtual clock and an in-memory Sentinel: half the
//!   brands arrive in bursts of 1 000 (of N/2 below 2 000), the others one by
//!   one at random times, all within the first two hours; the driver runs
//!   every virtual second; callers read 100 random brands every 10 s. Reported:
//!   renewals per second from hour 2 to 24, peak over mean for 1 s and 60 s
//!   windows, and tokens found expired by a caller (must be 0).
//!
//! `cargo bench -p sentinel-benches --bench brands`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::cast_precision_loss)]

use std::alloc::System;
use std::collections::HashMap;
use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sentinel_client::{BackgroundTask, BrandKey, Brands, BrandsConfig, Runtime, TokioRuntime};
use sentinel_proto::error::TransportError;
use sentinel_proto::{AccountId, ClientId, ClientSecret, Host, UnixTime};
use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn held_bytes() -> i64 {
    // stats_alloc already adds a reallocation's growth to `bytes_allocated`
    // (and its shrinking to `bytes_deallocated`): `bytes_reallocated` is the
    // same change again, not to be added.
    let s = GLOBAL.stats();
    i64::try_from(s.bytes_allocated).unwrap() - i64::try_from(s.bytes_deallocated).unwrap()
}

fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

fn account(i: usize) -> String {
    format!("{}", 1_000_000 + i)
}

fn key(i: usize) -> BrandKey {
    let a = account(i);
    BrandKey::new(
        AccountId::new(a.clone()).unwrap(),
        ClientId::new(sentinel_mock::derived_client_id(&a)).unwrap(),
    )
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let z = (self.0 ^ (self.0 >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        let z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

struct Row {
    n: usize,
    first_all: Duration,
    bytes_per_brand: f64,
    pool_bytes_per_brand: f64,
    rss_per_brand: f64,
    read_ns: f64,
    lookup_ns: f64,
    arc_ns: f64,
    day: Day,
}

fn source(k: &BrandKey) -> Option<ClientSecret> {
    Some(ClientSecret::new(sentinel_mock::derived_client_secret(
        k.account().as_str(),
    )))
}

/// Warm-up against the emulator, memory, and cached reads.
fn e2e(n: usize, mock: &sentinel_mock::MockHandle, rt: &tokio::runtime::Runtime) -> Row {
    let keys: Vec<_> = (0..n).map(key).collect();
    let csds = Host::parse(&mock.base_url()).unwrap();
    let (held0, rss0) = (held_bytes(), rss_bytes());
    let http = sentinel_reqwest::ReqwestHttp::from_builder(reqwest::Client::builder()).unwrap();
    let config = BrandsConfig::new().with_client_config(move |c| c.with_csds(csds.clone()));
    let brands = Brands::new(http, TokioRuntime, source, config);
    let started = Instant::now();
    let report = rt.block_on(async {
        for k in &keys {
            brands.add(k).unwrap();
        }
        brands.run_due().await
    });
    let first_all = started.elapsed();
    assert_eq!(report.renewed, n, "{report:?}");
    assert!(keys.iter().all(|k| brands.cached_token(k).is_some()));
    let bytes_per_brand = (held_bytes() - held0) as f64 / n as f64;
    let rss_per_brand = rss_bytes().saturating_sub(rss0) as f64 / n as f64;

    // Cached reads of random brands, against Arc::clone of random elements.
    let mut rng = Rng(42);
    let idx: Vec<usize> = (0..1 << 16)
        .map(|_| (rng.next() % n as u64) as usize)
        .collect();
    let arcs: Vec<Arc<u64>> = (0..n as u64).map(Arc::new).collect();
    let handles: Vec<_> = keys.iter().map(|k| brands.handle(k).unwrap()).collect();
    let rounds = 40;
    let mut read_ns = f64::MAX;
    let mut lookup_ns = f64::MAX;
    let mut arc_ns = f64::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        for _ in 0..rounds {
            for &i in &idx {
                black_box(black_box(&handles[i]).cached_token());
            }
        }
        read_ns = read_ns.min(t.elapsed().as_nanos() as f64 / (rounds * idx.len()) as f64);
        let t = Instant::now();
        for _ in 0..rounds {
            for &i in &idx {
                black_box(brands.cached_token(black_box(&keys[i])));
            }
        }
        lookup_ns = lookup_ns.min(t.elapsed().as_nanos() as f64 / (rounds * idx.len()) as f64);
        let t = Instant::now();
        for _ in 0..rounds {
            for &i in &idx {
                black_box(Arc::clone(black_box(&arcs[i])));
            }
        }
        arc_ns = arc_ns.min(t.elapsed().as_nanos() as f64 / (rounds * idx.len()) as f64);
    }
    assert!(handles.iter().all(|h| h.cached_token().is_some()));
    drop((handles, arcs));
    let before_drop = held_bytes();
    drop(brands);
    let pool_bytes_per_brand = (before_drop - held_bytes()) as f64 / n as f64;
    Row {
        n,
        first_all,
        bytes_per_brand,
        pool_bytes_per_brand,
        rss_per_brand,
        read_ns,
        lookup_ns,
        arc_ns,
        day: Day::default(),
    }
}

/// The virtual clock of the simulated day.
#[derive(Clone)]
struct Virtual {
    clock: Arc<AtomicU64>,
    seed: Arc<AtomicU64>,
}

impl Runtime for Virtual {
    fn now(&self) -> UnixTime {
        UnixTime::from_secs(self.clock.load(Ordering::Relaxed))
    }
    async fn sleep(&self, _: Duration) {}
    fn spawn(&self, task: BackgroundTask) {
        pollster::block_on(task);
    }
    fn random(&self) -> u64 {
        let mut r = Rng(self.seed.fetch_add(1, Ordering::Relaxed));
        r.next()
    }
}

#[derive(Default)]
struct Day {
    renewals: usize,
    mean: f64,
    peak_1s: usize,
    peak_60s: usize,
    expired: usize,
    errors: usize,
    wall: Duration,
}

fn simulated_day(n: usize) -> Day {
    const START: u64 = 1_800_000_000;
    let rt = Virtual {
        clock: Arc::new(AtomicU64::new(START)),
        seed: Arc::new(AtomicU64::new(7)),
    };
    let http = |_req: http::Request<Vec<u8>>| async {
        Ok::<_, TransportError>(http::Response::new(
            br#"{"access_token":"a.b.c","token_type":"Bearer","expires_in":3600}"#.to_vec(),
        ))
    };
    let config = BrandsConfig::new().with_client_config(|c| c.with_sentinel_host(Host::americas()));
    let brands = Brands::new(http, rt.clone(), source, config);
    let keys: Vec<_> = (0..n).map(key).collect();
    // Arrival times within the first two hours.
    let mut rng = Rng(1);
    let burst = if n >= 2000 { 1000 } else { n / 2 };
    let mut arrivals: Vec<(u64, usize)> = Vec::new();
    let half = n / 2;
    let bursts = half.div_ceil(burst);
    for b in 0..bursts {
        let at = rng.next() % 7200;
        for i in (b * burst)..((b + 1) * burst).min(half) {
            arrivals.push((at, i));
        }
    }
    for i in half..n {
        arrivals.push((rng.next() % 7200, i));
    }
    arrivals.sort_unstable();
    let mut next = 0;
    let mut per_second = vec![0usize; 86_400];
    let mut day = Day::default();
    let mut present = 0;
    let wall = Instant::now();
    for t in 0..86_400u64 {
        rt.clock.store(START + t, Ordering::Relaxed);
        while next < arrivals.len() && arrivals[next].0 <= t {
            brands.add(&keys[arrivals[next].1]).unwrap();
            next += 1;
            present += 1;
        }
        let r = pollster::block_on(brands.run_due());
        per_second[t as usize] = r.renewed;
        if t % 10 == 0 && present > 0 {
            for _ in 0..100 {
                let k = &keys[arrivals[(rng.next() % present as u64) as usize].1];
                match pollster::block_on(brands.token(k)) {
                    Ok(tok) if tok.expires_at().as_secs() > START + t => {}
                    Ok(_) => day.expired += 1,
                    Err(_) => day.errors += 1,
                }
            }
        }
    }
    day.wall = wall.elapsed();
    let window = &per_second[7200..];
    day.renewals = window.iter().sum();
    day.mean = day.renewals as f64 / window.len() as f64;
    day.peak_1s = *window.iter().max().unwrap();
    day.peak_60s = window
        .chunks(60)
        .map(|c| c.iter().sum::<usize>())
        .max()
        .unwrap();
    day
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is taken.
    let sizes: Vec<usize> = std::env::var("SENTINEL_BRANDS_SIZES")
        .unwrap_or_else(|_| "100,1000,10000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let mock = sentinel_mock::MockServer::builder()
        .many_accounts()
        .start_blocking()
        .unwrap();
    let mut rows = Vec::new();
    for &n in &sizes {
        let mut row = e2e(n, &mock, &rt);
        row.day = simulated_day(n);
        eprintln!("{n} brands done");
        rows.push(row);
    }
    println!(
        "| brands | first token, all brands | heap growth per brand | pool's heap per brand (freed at drop) | RSS growth per brand | cached read (handle) | Arc::clone | ratio | lookup by key | renewals/s mean (h 2-24) | peak/mean 1 s | peak/mean 60 s | expired served | errors | day simulated in |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in &rows {
        let d = &r.day;
        println!(
            "| {} | {:.2} s | {:.0} B | {:.0} B | {:.0} B | {:.1} ns | {:.1} ns | {:.2}× | {:.1} ns ({:.1}×) | {:.3} | {:.1} | {:.2} | {} | {} | {:.1} s |",
            r.n,
            r.first_all.as_secs_f64(),
            r.bytes_per_brand,
            r.pool_bytes_per_brand,
            r.rss_per_brand,
            r.read_ns,
            r.arc_ns,
            r.read_ns / r.arc_ns,
            r.lookup_ns,
            r.lookup_ns / r.arc_ns,
            d.mean,
            d.peak_1s as f64 / d.mean,
            d.peak_60s as f64 / 60.0 / d.mean,
            d.expired,
            d.errors,
            d.wall.as_secs_f64(),
        );
    }
    let _ = HashMap::<u8, u8>::new();
}
