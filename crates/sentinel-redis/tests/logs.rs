//! Nothing of a token or of the key in what is logged, at every level,
//! while Redis is down and after it is back; the pool says once that the
//! store fails and once that it is back. A test binary of its own: it
//! installs the process's subscriber.

mod common;

use std::time::{Duration, Instant};

use sentinel_client::BrandsConfig;
use sentinel_testkit::capture::Capture;
use sentinel_testkit::redis_server::RedisServer;

#[test]
fn no_token_or_key_is_logged_while_redis_is_down_or_after() {
    let capture = Capture::install_global();
    let mut server = RedisServer::start();
    let mock = common::emulator(Duration::from_secs(6));
    let rt = common::runtime();
    let key_bytes = [0x42u8; 32];
    let mut tokens = Vec::new();
    rt.block_on(async {
        let store = common::store(&server.url(), Some(common::key(0x42)));
        let pool = common::pool(&mock, BrandsConfig::new().with_token_store(store));
        let keys: Vec<_> = (0..20).map(common::brand).collect();
        for k in &keys {
            pool.add(k).unwrap();
        }
        assert!(pool.run_due().await.renewed >= keys.len());
        let mut collect = |pool: &common::Pool| {
            for k in &keys {
                tokens.push(pool.cached_token(k).unwrap().value().secret().to_owned());
            }
        };
        collect(&pool);
        server.kill();
        // Renewals come due (a 6 s token: within 3 s) and go to Sentinel alone.
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut renewed = 0;
        while renewed < keys.len() {
            assert!(
                Instant::now() < deadline,
                "renewed {renewed} of {}",
                keys.len()
            );
            let r = pool.run_due().await;
            assert_eq!(r.failed, 0);
            renewed += r.renewed;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(pool.store_degraded());
        collect(&pool);
        server.restart();
        let deadline = Instant::now() + Duration::from_secs(10);
        while pool.store_degraded() {
            assert!(Instant::now() < deadline, "never rejoined");
            pool.run_due().await;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        collect(&pool);
    });
    let records = capture.records();
    let text: String = records
        .iter()
        .map(|r| format!("{} {}{}\n", r.level, r.target, r.text))
        .collect();
    let failing = text.matches("token store failing").count();
    let back = text.matches("token store back").count();
    assert_eq!((failing, back), (1, 1), "once per incident:\n{text}");
    let hex: String = key_bytes.iter().map(|b| format!("{b:02x}")).collect();
    let mut secrets: Vec<&str> = tokens.iter().map(String::as_str).collect();
    secrets.push(&hex);
    // Each part of a token too: a header or signature alone is no secret,
    // but a payload or signature should not show up either.
    let parts: Vec<&str> = tokens.iter().flat_map(|t| t.split('.').skip(1)).collect();
    secrets.extend(parts);
    sentinel_testkit::leak::assert_clean("logs", &text, &secrets);
    assert!(!records.is_empty());
    assert!(tokens.len() >= 60);
}
