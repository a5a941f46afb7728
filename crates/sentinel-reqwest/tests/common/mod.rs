//! What the end-to-end test binaries share: an emulator with a marked secret,
//! a client configured for it, and a browser-like login.
#![allow(dead_code, unused_imports)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sentinel_client::ClientConfig;
use sentinel_mock::{Endpoint, Fault, MockClient, MockConfig, MockHandle, MockServer};
use sentinel_proto::jwt::{JwtError, KeySet, RsaPublicKey};
use sentinel_proto::{
    AccountId, ClientId, ClientSecret, Error, Host,
    app_token::AppJwtVersion,
    error::{OAuthErrorCode, TransportErrorKind},
    policy::{RefreshPolicy, RetryPolicy},
    user::{RedirectUri, State, parse_callback},
};
use sentinel_reqwest::SentinelClient;

pub const SECRET: &str = "SECRET-MARKER-7f3a";
pub const REDIRECT: &str = "http://127.0.0.1/callback";

pub async fn mock() -> MockHandle {
    let config = MockConfig {
        clients: vec![MockClient {
            id: "client-under-test".into(),
            secret: SECRET.into(),
            redirect_uris: vec![REDIRECT.into()],
        }],
        ..MockConfig::default()
    };
    MockServer::builder().config(config).start().await.unwrap()
}

pub fn config(m: &MockHandle) -> ClientConfig {
    let v1 = RsaPublicKey::from_spki_der(m.v1_public_key_spki_der())
        .unwrap()
        .with_kid(sentinel_mock::V1_KID);
    ClientConfig::new(
        AccountId::new(m.account()).unwrap(),
        ClientId::new(m.client_id()).unwrap(),
        ClientSecret::new(m.client_secret()),
    )
    .with_csds(Host::parse(&m.base_url()).unwrap())
    .with_v1_keys(KeySet::new().with(v1))
    // Fast retries: the policy is tested in sentinel-proto; here, the wiring.
    .with_retry(RetryPolicy::default().with_base_delay(Duration::from_millis(5)))
}

/// A configuration with the marked secret and no emulator behind it.
pub fn bare_config() -> ClientConfig {
    ClientConfig::new(
        AccountId::new("123456").unwrap(),
        ClientId::new("client-under-test").unwrap(),
        ClientSecret::new(SECRET),
    )
    .with_retry(RetryPolicy::default().with_base_delay(Duration::from_millis(5)))
}

pub fn client(m: &MockHandle) -> SentinelClient {
    SentinelClient::new(config(m)).unwrap()
}

pub fn assert_no_secret(text: &str) {
    assert!(!text.contains(SECRET), "secret leaked: {text}");
}

pub fn assert_clean(err: &Error) {
    assert_no_secret(&format!("{err} {err:?}"));
}

/// Follows authorize like a browser and returns the code.
pub async fn login(
    c: &SentinelClient,
    redirect: &RedirectUri,
) -> sentinel_proto::AuthorizationCode {
    let state = sentinel_client::generate_state().unwrap();
    let url = c.authorize_url(Some(redirect), &state).await.unwrap();
    let req = http::Request::get(url.as_str()).body(Vec::new()).unwrap();
    let resp = c.send(req).await.unwrap();
    assert_eq!(resp.status(), 302, "redirect returned, not followed");
    let location = resp.headers()["location"].to_str().unwrap();
    parse_callback(location, &state).unwrap()
}
