//! The cached-token read every API call takes: `RenewingCache::get` / `poll` on a
//! filled cache, against an `Arc::clone` of the same value (what any cache must do
//! at least to hand out a shared value), on one thread and with every core
//! reading the same cache at once.
//!
//! Contended runs use `iter_custom`: N threads wait on a barrier, then each does
//! the `iters` reads; the time reported is the slowest thread's, i.e. the time of
//! one read while N threads read concurrently.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use sentinel_benches::{app_jwt, now_secs};
use sentinel_client::{RenewingCache, cache::Poll};
use sentinel_proto::{
    AppJwt, UnixTime,
    policy::{Cached, Expiry, RefreshPolicy},
};

type Cache = RenewingCache<AppJwt, String>;

/// A cache holding a fresh AppJWT valid one hour from `now`.
fn filled(now: UnixTime) -> (Cache, Arc<Cached<AppJwt>>) {
    let cache = Cache::new(RefreshPolicy::default());
    let Poll::Renew(ticket) = cache.poll(now) else {
        panic!("an empty cache hands out the ticket")
    };
    let token = AppJwt::new(app_jwt(now.as_secs()));
    let cached = ticket
        .complete(Ok((token, Expiry::after(Duration::from_secs(3600)))))
        .unwrap();
    (cache, cached)
}

fn poll_ready(cache: &Cache, now: UnixTime) -> Arc<Cached<AppJwt>> {
    match cache.poll(now) {
        Poll::Ready(c) => c,
        _ => panic!("a fresh value is ready"),
    }
}

/// Runs `op` `iters` times on each of `threads` threads started together; returns
/// the slowest thread's time.
fn contended<F: Fn() + Sync>(threads: usize, iters: u64, op: F) -> Duration {
    let barrier = Barrier::new(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    let start = Instant::now();
                    for _ in 0..iters {
                        op();
                    }
                    start.elapsed()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .max()
            .unwrap_or_default()
    })
}

fn cached_read(c: &mut Criterion) {
    let now = UnixTime::from_secs(now_secs());
    let (cache, value) = filled(now);
    assert!(cache.get(now).is_some());
    let _ = poll_ready(&cache, now);

    let mut g = c.benchmark_group("cache/read_1_thread");
    g.bench_function("sentinel_get", |b| b.iter(|| cache.get(black_box(now))));
    g.bench_function("sentinel_poll", |b| {
        b.iter(|| poll_ready(&cache, black_box(now)))
    });
    g.bench_function("arc_clone", |b| b.iter(|| Arc::clone(black_box(&value))));
    g.finish();

    let threads = std::thread::available_parallelism().map_or(2, usize::from);
    let mut g = c.benchmark_group(format!("cache/read_{threads}_threads"));
    g.bench_function(BenchmarkId::new("sentinel_get", threads), |b| {
        b.iter_custom(|iters| {
            contended(threads, iters, || {
                black_box(cache.get(black_box(now)));
            })
        })
    });
    g.bench_function(BenchmarkId::new("sentinel_poll", threads), |b| {
        b.iter_custom(|iters| {
            contended(threads, iters, || {
                black_box(poll_ready(&cache, black_box(now)));
            })
        })
    });
    g.bench_function(BenchmarkId::new("arc_clone", threads), |b| {
        b.iter_custom(|iters| {
            contended(threads, iters, || {
                black_box(Arc::clone(black_box(&value)));
            })
        })
    });
    g.finish();
}

criterion_group!(benches, cached_read);
criterion_main!(benches);
