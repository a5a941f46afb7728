//! What the Redis tests share: brands of the emulator's many-accounts mode,
//! pools on sentinel-reqwest, stores on a real redis-server.
#![allow(dead_code)]

use std::time::Duration;

use sentinel_client::{BrandKey, Brands, BrandsConfig, HttpClient, TokioRuntime};
use sentinel_mock::MockHandle;
use sentinel_proto::policy::RefreshPolicy;
use sentinel_proto::{AccountId, ClientId, ClientSecret, Host};
use sentinel_redis::{EncryptionKey, RedisStoreConfig, RedisTokenStore};
use sentinel_reqwest::ReqwestHttp;

pub type Pool = Brands<ReqwestHttp, TokioRuntime>;

/// Brand `i`: its own account, with the emulator's derived client id.
pub fn brand(i: usize) -> BrandKey {
    let a = format!("{}", 2_000_000 + i);
    BrandKey::new(
        AccountId::new(a.clone()).unwrap(),
        ClientId::new(sentinel_mock::derived_client_id(&a)).unwrap(),
    )
}

pub fn source(k: &BrandKey) -> Option<ClientSecret> {
    Some(ClientSecret::new(sentinel_mock::derived_client_secret(
        k.account().as_str(),
    )))
}

/// An emulator serving any account, its AppJWTs living `lifetime`.
pub fn emulator(lifetime: Duration) -> MockHandle {
    sentinel_mock::MockServer::builder()
        .many_accounts()
        .lifetimes(sentinel_mock::Lifetimes {
            app_jwt: lifetime,
            ..Default::default()
        })
        .start_blocking()
        .unwrap()
}

/// A pool with its own HTTP client on `mock`, renewing at half-life even for
/// tokens of seconds (the default 60 s floor would renew them at once).
pub fn pool(mock: &MockHandle, config: BrandsConfig) -> Pool {
    pool_on(mock, config, http())
}

/// A new HTTP client of its own (its own connection pool).
pub fn http() -> ReqwestHttp {
    ReqwestHttp::from_builder(reqwest::Client::builder()).unwrap()
}

/// [`pool`] on `http`.
pub fn pool_on<H: HttpClient + Clone>(
    mock: &MockHandle,
    config: BrandsConfig,
    http: H,
) -> Brands<H, TokioRuntime> {
    let csds = Host::parse(&mock.base_url()).unwrap();
    let config = config.with_client_config(move |c| {
        c.with_csds(csds.clone())
            .with_refresh_policy(RefreshPolicy::default().with_min_margin(Duration::from_secs(1)))
    });
    Brands::new(http, TokioRuntime, source, config)
}

pub fn key(byte: u8) -> EncryptionKey {
    EncryptionKey::from_bytes(&[byte; 32]).unwrap()
}

/// A store on `url` with short bounds (the test's Redis is on loopback).
pub fn store(url: &str, key: Option<EncryptionKey>) -> RedisTokenStore {
    let mut config = RedisStoreConfig::new()
        .with_timeouts(Duration::from_millis(300), Duration::from_millis(300));
    if let Some(k) = key {
        config = config.with_encryption_key(k);
    }
    RedisTokenStore::open(url, config).unwrap()
}

/// A plain connection for looking at (and tampering with) what is stored.
pub fn raw(url: &str) -> redis::Connection {
    redis::Client::open(url).unwrap().get_connection().unwrap()
}

/// AppJWT requests the emulator answered, either version.
pub fn app_jwts(mock: &MockHandle) -> u64 {
    mock.count(sentinel_mock::Endpoint::AppTokenV1)
        + mock.count(sentinel_mock::Endpoint::AppTokenV2)
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Renewals are due on whole seconds (the clock of tokens): a moment 900 ms
/// into a second falls between two batches (the instances waiting for the
/// renewing one poll at 50, 150, 350 and 750 ms), so looking there splits few.
pub async fn between_batches() {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_millis();
    let wait = (1900 - ms) % 1000;
    tokio::time::sleep(Duration::from_millis(u64::from(wait))).await;
}
