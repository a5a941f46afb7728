//! This binary's marker and client id over testkit's emulator, configurations and
//! browser-like login, with the async client.
#![allow(dead_code, unused_imports)]

use sentinel_mock::MockHandle;
use sentinel_proto::{AuthorizationCode, Error, user::RedirectUri};
use sentinel_reqwest::SentinelClient;
pub use sentinel_testkit::mock::{REDIRECT, config};
use sentinel_testkit::{browser, mock};

pub const SECRET: &str = "SECRET-MARKER-7f3a";
pub const CLIENT_ID: &str = "client-under-test";

pub async fn mock() -> MockHandle {
    mock::marked(CLIENT_ID, SECRET).await
}

/// A configuration with the marked secret and no emulator behind it.
pub fn bare_config() -> sentinel_client::ClientConfig {
    mock::bare_config(CLIENT_ID, SECRET)
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
pub async fn login(c: &SentinelClient, redirect: &RedirectUri) -> AuthorizationCode {
    browser::login(c.client(), redirect).await
}
