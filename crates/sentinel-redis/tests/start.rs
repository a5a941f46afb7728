//! `Brands::start`: the pool's one driver task renews every brand by itself,
//! through the Redis store when it has one, and ends with the pool.

mod common;

use std::time::{Duration, Instant};

use sentinel_client::BrandsConfig;
use sentinel_testkit::redis_server::RedisServer;

#[test]
fn started_pools_renew_by_themselves_once_per_brand_for_both_and_stop_when_dropped() {
    let server = RedisServer::start();
    let mock = common::emulator(Duration::from_secs(6));
    let rt = common::runtime();
    rt.block_on(async {
        let keys: Vec<_> = (0..50).map(common::brand).collect();
        let pools: Vec<_> = (0..2)
            .map(|_| {
                let store = common::store(&server.url(), Some(common::key(9)));
                common::pool(&mock, BrandsConfig::new().with_token_store(store))
            })
            .collect();
        for p in &pools {
            for k in &keys {
                p.add(k).unwrap();
            }
            assert!(p.start());
            assert!(!p.start(), "one driver per pool");
        }
        // No caller, no run_due: the drivers fetch the first tokens ...
        let deadline = Instant::now() + Duration::from_secs(10);
        while !pools
            .iter()
            .all(|p| keys.iter().all(|k| p.cached_token(k).is_some()))
        {
            assert!(
                Instant::now() < deadline,
                "first tokens not fetched by the drivers"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let first: Vec<_> = keys
            .iter()
            .map(|k| pools[0].cached_token(k).unwrap())
            .collect();
        // ... and renew them (6 s tokens: every 2 to 3 s), sharing each
        // token; looked at between two seconds' batches of renewals.
        tokio::time::sleep(Duration::from_secs(5)).await;
        common::between_batches().await;
        let requests = common::app_jwts(&mock);
        for (k, old) in keys.iter().zip(&first) {
            let now = pools[0].cached_token(k).unwrap();
            assert!(now.obtained_at() > old.obtained_at(), "not renewed");
            // Each pool draws its own point in the renewal window: the one
            // that renews later takes the token the other stored, so the two
            // agree within a window's width (a second or two), not at once.
            let deadline = Instant::now() + Duration::from_secs(3);
            loop {
                let (a, b) = (
                    pools[0].cached_token(k).unwrap(),
                    pools[1].cached_token(k).unwrap(),
                );
                if a.value().secret() == b.value().secret() {
                    break;
                }
                assert!(Instant::now() < deadline, "not shared within 3 s");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        // Both pools together: the first token and two or three renewals
        // per brand in ~6 s (a first renewal may come at once too: whole
        // seconds), never one per pool.
        assert!(requests >= 2 * keys.len() as u64, "{requests}");
        assert!(requests <= 6 * keys.len() as u64, "{requests}");
        // The drivers hold no pool: dropped, they stop.
        drop(pools);
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let after = common::app_jwts(&mock);
        tokio::time::sleep(Duration::from_secs(3)).await;
        assert_eq!(common::app_jwts(&mock), after, "a driver outlived its pool");
    });
}
