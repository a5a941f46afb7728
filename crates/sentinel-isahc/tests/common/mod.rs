//! What the end-to-end test binaries share: an emulator with a marked secret,
//! a client configured for it, and a browser-like login.
#![allow(dead_code, unused_imports)]

use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use sentinel_client::ClientConfig;
use sentinel_isahc::SentinelClient;
use sentinel_mock::{Endpoint, Fault, MockClient, MockConfig, MockHandle, MockServer};
use sentinel_proto::jwt::{KeySet, RsaPublicKey};
use sentinel_proto::{
    AccountId, ClientId, ClientSecret, Error, Host,
    app_token::AppJwtVersion,
    error::{OAuthErrorCode, TransportErrorKind},
    policy::RetryPolicy,
    user::{RedirectUri, State, parse_callback},
};

pub const SECRET: &str = "SECRET-MARKER-b81c";
pub const REDIRECT: &str = "http://127.0.0.1/callback";

pub fn mock() -> MockHandle {
    let config = MockConfig {
        clients: vec![MockClient {
            id: "blocking-client".into(),
            secret: SECRET.into(),
            redirect_uris: vec![REDIRECT.into()],
        }],
        ..MockConfig::default()
    };
    MockServer::builder()
        .config(config)
        .start_blocking()
        .unwrap()
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
    .with_retry(RetryPolicy::default().with_base_delay(Duration::from_millis(5)))
}

/// A configuration with the marked secret and no emulator behind it.
pub fn bare_config() -> ClientConfig {
    ClientConfig::new(
        AccountId::new("123456").unwrap(),
        ClientId::new("blocking-client").unwrap(),
        ClientSecret::new(SECRET),
    )
    .with_retry(RetryPolicy::default().with_base_delay(Duration::from_millis(5)))
}

pub fn client(m: &MockHandle) -> SentinelClient {
    SentinelClient::new(config(m)).unwrap()
}

pub fn assert_clean(err: &Error) {
    let text = format!("{err} {err:?}");
    assert!(!text.contains(SECRET), "secret leaked: {text}");
}

pub fn login(c: &SentinelClient, redirect: &RedirectUri) -> sentinel_proto::AuthorizationCode {
    let state = sentinel_client::generate_state().unwrap();
    let url = c.authorize_url(Some(redirect), &state).unwrap();
    let resp = c
        .send(http::Request::get(url.as_str()).body(Vec::new()).unwrap())
        .unwrap();
    assert_eq!(resp.status(), 302, "redirect returned, not followed");
    parse_callback(resp.headers()["location"].to_str().unwrap(), &state).unwrap()
}
