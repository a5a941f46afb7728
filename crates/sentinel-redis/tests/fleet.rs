//! A fleet against a real redis-server and the emulator: 8 instances (each
//! its own HTTP client, pool and Redis connection) × 500 brands over several
//! token lifetimes. With the store, Sentinel sees one AppJWT request per
//! brand per renewal (±1 %); Redis killed mid-run and restarted: no caller
//! error, and one request per brand per renewal again once it is back.
//! Without a store, every instance renews every brand.
//!
//! The figures printed here are those of `benches/RESULTS.md` ("Fleet").

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use common::{Pool, app_jwts, brand};
use sentinel_client::{BrandKey, BrandsConfig, RunReport};
use sentinel_mock::MockHandle;
use sentinel_proto::UnixTime;
use sentinel_testkit::redis_server::RedisServer;

const POOLS: usize = 8;
const BRANDS: usize = 500;
/// AppJWT lifetime: renewed at half-life (5 s), mostly 4 s after issue (the
/// later renewal window, 80–100 %, on a clock of whole seconds).
const LIFETIME: Duration = Duration::from_secs(10);

/// The two tests share the emulator's CPU: one at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[derive(Default)]
struct Counts {
    renewed: AtomicU64,
    adopted: AtomicU64,
    failed: AtomicU64,
}

impl Counts {
    fn add(&self, r: &RunReport) {
        self.renewed.fetch_add(r.renewed as u64, Ordering::Relaxed);
        self.adopted.fetch_add(r.adopted as u64, Ordering::Relaxed);
        self.failed.fetch_add(r.failed as u64, Ordering::Relaxed);
    }
    /// Renewals this instance went through: fetched or taken from the store.
    fn renewals(&self) -> u64 {
        self.renewed.load(Ordering::Relaxed) + self.adopted.load(Ordering::Relaxed)
    }
}

#[derive(Default)]
struct Callers {
    reads: AtomicU64,
    errors: AtomicU64,
    expired: AtomicU64,
}

struct Fleet {
    pools: Vec<Pool>,
    counts: Vec<Arc<Counts>>,
    callers: Arc<Callers>,
    stop: Arc<AtomicBool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

/// What the fleet had done at one moment.
#[derive(Clone, Debug)]
struct Snapshot {
    at: Instant,
    requests: u64,
    renewals: Vec<u64>,
}

impl Fleet {
    /// `POOLS` pools with all brands added, each driven by its own loop
    /// (`run_due`, as `Brands::start` does, counting what it did), and a
    /// caller per pool reading random brands.
    fn start(mock: &MockHandle, config: impl Fn() -> BrandsConfig) -> Self {
        let keys: Arc<Vec<BrandKey>> = Arc::new((0..BRANDS).map(brand).collect());
        let stop = Arc::new(AtomicBool::new(false));
        let callers = Arc::new(Callers::default());
        let mut fleet = Fleet {
            pools: Vec::new(),
            counts: Vec::new(),
            callers: Arc::clone(&callers),
            stop: Arc::clone(&stop),
            tasks: Vec::new(),
        };
        for p in 0..POOLS {
            let pool = common::pool(mock, config());
            for k in keys.iter() {
                pool.add(k).unwrap();
            }
            let counts = Arc::new(Counts::default());
            let (driven, c, s) = (pool.clone(), Arc::clone(&counts), Arc::clone(&stop));
            fleet.tasks.push(tokio::spawn(async move {
                while !s.load(Ordering::Relaxed) {
                    let report = driven.run_due().await;
                    c.add(&report);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }));
            let (read, who, s, keys) = (pool.clone(), Arc::clone(&callers), Arc::clone(&stop), Arc::clone(&keys));
            fleet.tasks.push(tokio::spawn(async move {
                let mut x = 0x9e37_79b9_u64 + p as u64;
                while !s.load(Ordering::Relaxed) {
                    for _ in 0..20 {
                        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                        let k = &keys[(x >> 33) as usize % keys.len()];
                        who.reads.fetch_add(1, Ordering::Relaxed);
                        match read.token(k).await {
                            Ok(t) if t.expires_at() <= UnixTime::from(SystemTime::now()) => {
                                who.expired.fetch_add(1, Ordering::Relaxed);
                            }
                            Ok(_) => {}
                            Err(e) => {
                                who.errors.fetch_add(1, Ordering::Relaxed);
                                eprintln!("caller error: {e}");
                            }
                        }
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }));
            fleet.pools.push(pool);
            fleet.counts.push(counts);
        }
        fleet
    }

    fn snapshot(&self, mock: &MockHandle) -> Snapshot {
        Snapshot {
            at: Instant::now(),
            requests: app_jwts(mock),
            renewals: self.counts.iter().map(|c| c.renewals()).collect(),
        }
    }

    /// Waits until every pool holds a token for every brand.
    async fn warm(&self) {
        let keys: Vec<_> = (0..BRANDS).map(brand).collect();
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self.pools.iter().all(|p| keys.iter().all(|k| p.cached_token(k).is_some())) {
            assert!(Instant::now() < deadline, "first tokens not all there after 30 s");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn stop(self) -> Arc<Callers> {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.tasks {
            t.await.unwrap();
        }
        self.callers
    }
}

/// One phase: requests, renewals per instance, and their ratio.
struct Phase {
    name: &'static str,
    secs: f64,
    requests: u64,
    /// Renewals per brand, mean over the instances.
    renewals_per_brand: f64,
    /// AppJWT requests per brand per renewal.
    per_renewal: f64,
    min_max: (u64, u64),
}

fn phase(name: &'static str, a: &Snapshot, b: &Snapshot) -> Phase {
    let requests = b.requests - a.requests;
    let per_pool: Vec<u64> = a.renewals.iter().zip(&b.renewals).map(|(x, y)| y - x).collect();
    let mean = per_pool.iter().sum::<u64>() as f64 / per_pool.len() as f64;
    let p = Phase {
        name,
        secs: (b.at - a.at).as_secs_f64(),
        requests,
        renewals_per_brand: mean / BRANDS as f64,
        per_renewal: requests as f64 / mean.max(1.0),
        min_max: (*per_pool.iter().min().unwrap(), *per_pool.iter().max().unwrap()),
    };
    println!(
        "{:<34} {:>5.1} s  {:>6} AppJWT requests  {:>5.2} renewals/brand  {:.3} requests per brand per renewal  (renewals per instance {}..{})",
        p.name, p.secs, p.requests, p.renewals_per_brand, p.per_renewal, p.min_max.0, p.min_max.1
    );
    p
}

#[test]
fn a_fleet_sharing_redis_asks_once_per_brand_per_renewal_and_survives_an_outage() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let started = Instant::now();
    let mut server = RedisServer::start();
    let mock = common::emulator(LIFETIME);
    let rt = common::runtime();
    let url = server.url();
    rt.block_on(async {
        let fleet = Fleet::start(&mock, || {
            BrandsConfig::new()
                .with_token_store(common::store(&url, Some(common::key(0x5e))))
                .with_store_lease(Duration::from_secs(5), Duration::from_secs(3))
        });
        fleet.warm().await;
        let first = app_jwts(&mock);
        // Some first renewals (1 to 5 s after the first token) fall inside
        // the warm-up: the phases below are what is judged.
        println!("first tokens: {first} AppJWT requests for {BRANDS} brands × {POOLS} instances, {:.1} s", started.elapsed().as_secs_f64());
        assert!(first < 2 * BRANDS as u64, "first tokens: {first} requests for {BRANDS} brands");

        // Shared renewals, three lifetimes' worth of them.
        common::between_batches().await;
        let s0 = fleet.snapshot(&mock);
        tokio::time::sleep(Duration::from_secs(12)).await;
        common::between_batches().await;
        let s1 = fleet.snapshot(&mock);
        let shared = phase("with the store", &s0, &s1);

        // Redis killed: every instance renews on its own.
        server.kill();
        let s2 = fleet.snapshot(&mock);
        tokio::time::sleep(Duration::from_secs(6)).await;
        let s3 = fleet.snapshot(&mock);
        let down = phase("Redis down", &s2, &s3);
        assert!(fleet.pools.iter().all(|p| p.store_degraded()), "every instance noticed");
        server.restart();
        let s4 = fleet.snapshot(&mock);
        // Back: within one renewal the instances share again.
        tokio::time::sleep(Duration::from_secs(7)).await;
        common::between_batches().await;
        let s5 = fleet.snapshot(&mock);
        phase("first renewal after the restart", &s4, &s5);
        tokio::time::sleep(Duration::from_secs(12)).await;
        common::between_batches().await;
        let s6 = fleet.snapshot(&mock);
        let back = phase("with the store again", &s5, &s6);
        assert!(fleet.pools.iter().all(|p| !p.store_degraded()), "every instance rejoined");

        let callers = fleet.stop().await;
        let (reads, errors, expired) = (
            callers.reads.load(Ordering::Relaxed),
            callers.errors.load(Ordering::Relaxed),
            callers.expired.load(Ordering::Relaxed),
        );
        println!("callers: {reads} reads, {errors} errors, {expired} expired tokens served; {:.1} s in all", started.elapsed().as_secs_f64());

        for p in [&shared, &back] {
            assert!(
                (0.99..=1.01).contains(&p.per_renewal),
                "{}: {} requests for {:.0} renewals",
                p.name,
                p.requests,
                p.renewals_per_brand * BRANDS as f64
            );
            assert!(p.renewals_per_brand >= 2.0, "{}: too few renewals to judge", p.name);
            // Every instance went through every renewal (fetched or taken).
            assert!(p.min_max.1 - p.min_max.0 <= BRANDS as u64 / 50, "{}: {:?}", p.name, p.min_max);
        }
        assert!(down.per_renewal > 6.0, "Redis down: {:.2} requests per renewal", down.per_renewal);
        assert_eq!(errors, 0, "callers saw errors");
        assert_eq!(expired, 0, "callers were served expired tokens");
        assert!(reads > 10_000, "{reads} reads");
    });
}

#[test]
fn without_a_store_every_instance_renews_every_brand() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mock = common::emulator(LIFETIME);
    let rt = common::runtime();
    rt.block_on(async {
        let fleet = Fleet::start(&mock, BrandsConfig::new);
        fleet.warm().await;
        let first = app_jwts(&mock);
        println!("first tokens without a store: {first} AppJWT requests");
        assert!(first >= (BRANDS * POOLS) as u64);
        common::between_batches().await;
        let s0 = fleet.snapshot(&mock);
        tokio::time::sleep(Duration::from_secs(8)).await;
        common::between_batches().await;
        let s1 = fleet.snapshot(&mock);
        let alone = phase("without a store", &s0, &s1);
        let callers = fleet.stop().await;
        assert_eq!(callers.errors.load(Ordering::Relaxed), 0);
        assert_eq!(callers.expired.load(Ordering::Relaxed), 0);
        // Each request is one instance's own renewal.
        assert!(alone.per_renewal > 7.9, "{:.2}", alone.per_renewal);
        println!(
            "requests per brand per minute without a store: {:.1}",
            alone.requests as f64 / BRANDS as f64 / alone.secs * 60.0
        );
    });
}
