//! The store's operations against a real redis-server: values in clear and
//! sealed, refused values, leases, time bounds, reconnection.

mod common;

use std::time::{Duration, Instant, SystemTime};

use common::{brand, key, raw, runtime, store};
use redis::Commands;
use sentinel_client::{BrandsConfig, StoreError, StoredToken, TokenStore};
use sentinel_proto::{AppJwt, UnixTime};
use sentinel_redis::{RedisStoreConfig, RedisTokenStore};
use sentinel_testkit::redis_server::RedisServer;

const TOKEN: &str =
    "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzZWNyZXQtdG9rZW4ifQ.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg";

fn token(secret: &str, lifetime: u64) -> StoredToken {
    let now = UnixTime::from(SystemTime::now());
    StoredToken::new(
        AppJwt::new(secret),
        now,
        now.saturating_add(Duration::from_secs(lifetime)),
    )
}

fn corrupt<T: std::fmt::Debug>(r: Result<T, StoreError>) -> bool {
    matches!(r, Err(StoreError::Corrupt(_)))
}

#[test]
fn tokens_round_trip_in_clear_with_the_expiry_of_the_token() {
    let server = RedisServer::start();
    let rt = runtime();
    rt.block_on(async {
        let s = store(&server.url(), None);
        s.check().await.unwrap();
        assert!(s.get(&brand(1)).await.unwrap().is_none());
        s.put(&brand(1), &token(TOKEN, 600)).await.unwrap();
        let t = s.get(&brand(1)).await.unwrap().unwrap();
        assert_eq!(t.token().secret(), TOKEN);
        assert!(s.get(&brand(2)).await.unwrap().is_none());
        let mut c = raw(&server.url());
        let pttl: i64 = redis::cmd("PTTL")
            .arg(s.token_key(&brand(1)))
            .query(&mut c)
            .unwrap();
        assert!((590_000..=600_000).contains(&pttl), "PTTL {pttl}");
        // Documented: without a key the token is in Redis as it is.
        let bytes: Vec<u8> = c.get(s.token_key(&brand(1))).unwrap();
        assert!(bytes.windows(TOKEN.len()).any(|w| w == TOKEN.as_bytes()));
        // Ids are hashed in key names.
        let keys: Vec<String> = c.keys("*").unwrap();
        assert_eq!(keys.len(), 1);
        assert!(!keys[0].contains(brand(1).account().as_str()), "{keys:?}");
        // An expired token is not stored at all.
        let old = StoredToken::new(
            AppJwt::new(TOKEN),
            UnixTime::from_secs(1),
            UnixTime::from_secs(2),
        );
        s.put(&brand(3), &old).await.unwrap();
        assert!(s.get(&brand(3)).await.unwrap().is_none());
    });
}

#[test]
fn sealed_values_hide_the_token_and_are_refused_under_another_key_brand_or_change() {
    let server = RedisServer::start();
    let rt = runtime();
    rt.block_on(async {
        let a = store(&server.url(), Some(key(0xa)));
        let b = store(&server.url(), Some(key(0xb)));
        let clear = store(&server.url(), None);
        a.put(&brand(1), &token(TOKEN, 600)).await.unwrap();
        assert_eq!(
            a.get(&brand(1)).await.unwrap().unwrap().token().secret(),
            TOKEN
        );

        let mut c = raw(&server.url());
        let sealed: Vec<u8> = c.get(a.token_key(&brand(1))).unwrap();
        for part in TOKEN.split('.') {
            assert!(
                !sealed.windows(part.len()).any(|w| w == part.as_bytes()),
                "{part} in clear"
            );
        }
        // Another key, no key: refused, never a token.
        assert!(corrupt(b.get(&brand(1)).await));
        assert!(corrupt(clear.get(&brand(1)).await));
        // The same bytes under another brand's key: the AAD names the brand.
        let _: () = c.set(a.token_key(&brand(2)), &sealed).unwrap();
        assert!(corrupt(a.get(&brand(2)).await));
        // Any changed byte.
        for i in [0, 1, 12, 13, sealed.len() / 2, sealed.len() - 1] {
            let mut t = sealed.clone();
            t[i] ^= 0x20;
            let _: () = c.set(a.token_key(&brand(1)), &t).unwrap();
            assert!(corrupt(a.get(&brand(1)).await), "byte {i}");
        }
        let _: () = c.set(a.token_key(&brand(1)), &sealed).unwrap();
        assert!(a.get(&brand(1)).await.unwrap().is_some());
        // A value in clear is refused by a store with a key (no downgrade).
        clear.put(&brand(3), &token(TOKEN, 600)).await.unwrap();
        assert!(corrupt(a.get(&brand(3)).await));
        // Errors carry no token.
        let e = a.get(&brand(3)).await.unwrap_err();
        sentinel_testkit::leak::assert_clean("error", &sentinel_testkit::leak::shown(&e), &[TOKEN]);
    });
}

#[test]
fn oversized_and_foreign_values_are_refused_and_then_overwritten() {
    let server = RedisServer::start();
    let rt = runtime();
    rt.block_on(async {
        let s = store(&server.url(), Some(key(1)));
        let mut c = raw(&server.url());
        let k = s.token_key(&brand(1));
        let _: () = c.set(&k, vec![b'x'; 4 << 20]).unwrap();
        assert!(corrupt(s.get(&brand(1)).await));
        let _: () = c.set(&k, "garbage").unwrap();
        assert!(corrupt(s.get(&brand(1)).await));
        let _: () = c.del(&k).unwrap();
        let _: () = c.rpush(&k, "a list").unwrap();
        assert!(matches!(
            s.get(&brand(1)).await,
            Err(StoreError::Unavailable(_))
        ));
        // A put replaces whatever was there.
        s.put(&brand(1), &token(TOKEN, 600)).await.unwrap();
        assert_eq!(
            s.get(&brand(1)).await.unwrap().unwrap().token().secret(),
            TOKEN
        );
        // The cap is the config's.
        let small = RedisTokenStore::open(
            &server.url(),
            RedisStoreConfig::new()
                .with_encryption_key(key(1))
                .with_max_value_len(64),
        )
        .unwrap();
        assert!(corrupt(small.get(&brand(1)).await));
    });
}

#[test]
fn a_lease_is_held_until_released_or_expired_and_only_its_holder_releases_it() {
    let server = RedisServer::start();
    let rt = runtime();
    rt.block_on(async {
        let (x, y) = (store(&server.url(), None), store(&server.url(), None));
        let b = brand(1);
        let first = x
            .lease(&b, Duration::from_millis(300))
            .await
            .unwrap()
            .unwrap();
        assert!(
            y.lease(&b, Duration::from_secs(30))
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            x.lease(&b, Duration::from_secs(30))
                .await
                .unwrap()
                .is_none()
        );
        tokio::time::sleep(Duration::from_millis(400)).await;
        // The first holder's lease expired: another instance takes over ...
        let second = y.lease(&b, Duration::from_secs(30)).await.unwrap().unwrap();
        assert_ne!(first.id(), second.id());
        // ... and the late release of the first does not end it.
        x.release(&b, &first).await.unwrap();
        assert!(
            x.lease(&b, Duration::from_secs(30))
                .await
                .unwrap()
                .is_none()
        );
        y.release(&b, &second).await.unwrap();
        assert!(
            x.lease(&b, Duration::from_secs(30))
                .await
                .unwrap()
                .is_some()
        );
        // Leases of other brands are independent.
        assert!(
            y.lease(&brand(2), Duration::from_secs(30))
                .await
                .unwrap()
                .is_some()
        );
        let mut c = raw(&server.url());
        let pttl: i64 = redis::cmd("PTTL")
            .arg(y.lease_key(&brand(2)))
            .query(&mut c)
            .unwrap();
        assert!((29_000..=30_000).contains(&pttl), "{pttl}");
    });
}

#[test]
fn redis_down_fails_fast_and_the_store_reconnects_when_it_is_back() {
    let mut server = RedisServer::start();
    let rt = runtime();
    let s = rt.block_on(async {
        let s = store(&server.url(), Some(key(1)));
        s.put(&brand(1), &token(TOKEN, 600)).await.unwrap();
        s
    });
    server.kill();
    rt.block_on(async {
        for _ in 0..3 {
            let t = Instant::now();
            let r = s.get(&brand(1)).await;
            assert!(
                matches!(r, Err(StoreError::Unavailable(_) | StoreError::Timeout)),
                "{r:?}"
            );
            assert!(
                t.elapsed() < Duration::from_millis(700),
                "{:?}",
                t.elapsed()
            );
        }
    });
    server.restart();
    rt.block_on(async {
        let deadline = Instant::now() + Duration::from_secs(5);
        // Empty after the restart (nothing persisted), and reachable again.
        loop {
            match s.get(&brand(1)).await {
                Ok(v) => {
                    assert!(v.is_none());
                    break;
                }
                Err(e) => assert!(Instant::now() < deadline, "not back: {e}"),
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        s.put(&brand(1), &token(TOKEN, 600)).await.unwrap();
        assert!(s.get(&brand(1)).await.unwrap().is_some());
    });
    // A store made while Redis is down works once it is up.
    server.kill();
    let late = rt.block_on(async { store(&server.url(), None) });
    assert!(rt.block_on(late.get(&brand(1))).is_err());
    server.restart();
    let deadline = Instant::now() + Duration::from_secs(5);
    while rt.block_on(late.check()).is_err() {
        assert!(Instant::now() < deadline, "never connected");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_redis_that_never_answers_times_out_within_the_bound() {
    let rt = runtime();
    // Accepts connections and never answers a byte.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let held = std::thread::spawn(move || {
        let mut conns = Vec::new();
        for c in listener.incoming().take(8) {
            conns.push(c);
        }
        std::thread::sleep(Duration::from_secs(5));
    });
    rt.block_on(async {
        let s = store(&format!("redis://127.0.0.1:{port}"), None);
        for _ in 0..2 {
            let t = Instant::now();
            let r = s.get(&brand(1)).await;
            assert!(
                matches!(r, Err(StoreError::Timeout | StoreError::Unavailable(_))),
                "{r:?}"
            );
            // Connect 300 ms + response 300 ms.
            assert!(
                t.elapsed() < Duration::from_millis(900),
                "{:?}",
                t.elapsed()
            );
        }
    });
    drop(held);
}

#[test]
fn operations_work_from_an_executor_other_than_tokio() {
    let server = RedisServer::start();
    let rt = runtime();
    let s = rt.block_on(async { store(&server.url(), Some(key(1))) });
    // A pool on ThreadRuntime awaits the store with its own executor.
    let t = std::thread::spawn(move || {
        pollster::block_on(async {
            s.put(&brand(1), &token(TOKEN, 600)).await.unwrap();
            s.get(&brand(1))
                .await
                .unwrap()
                .unwrap()
                .token()
                .secret()
                .to_owned()
        })
    });
    assert_eq!(t.join().unwrap(), TOKEN);
    drop(rt);
}

#[test]
fn a_pool_whose_key_cannot_read_the_stored_token_renews_on_its_own() {
    let server = RedisServer::start();
    let mock = common::emulator(Duration::from_secs(600));
    let rt = runtime();
    rt.block_on(async {
        let config = |k| BrandsConfig::new().with_token_store(store(&server.url(), Some(key(k))));
        let a = common::pool(&mock, config(0xa));
        let b = common::pool(&mock, config(0xb));
        let k = brand(7);
        a.add(&k).unwrap();
        assert_eq!(a.run_due().await.renewed, 1);
        assert_eq!(common::app_jwts(&mock), 1);
        // B cannot read A's value: it fetches its own, with no caller error.
        b.add(&k).unwrap();
        let report = b.run_due().await;
        assert_eq!((report.renewed, report.adopted, report.failed), (1, 0, 0));
        assert_eq!(common::app_jwts(&mock), 2);
        assert!(b.token(&k).await.is_ok());
        // B's value is sealed with B's key: a new pool with A's key refuses
        // it too and renews; then one more with A's key takes that token.
        let a2 = common::pool(&mock, config(0xa));
        a2.add(&k).unwrap();
        let r = a2.run_due().await;
        assert_eq!((r.renewed, r.adopted), (1, 0));
        let a3 = common::pool(&mock, config(0xa));
        a3.add(&k).unwrap();
        let r = a3.run_due().await;
        assert_eq!((r.renewed, r.adopted), (0, 1));
        assert_eq!(common::app_jwts(&mock), 3);
    });
}
