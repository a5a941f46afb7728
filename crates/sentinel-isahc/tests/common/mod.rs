//! The blocking client over testkit's emulator (this binary's marker), its
//! configurations and its browser-like login.
#![allow(dead_code, unused_imports)]

use sentinel_isahc::SentinelClient;
use sentinel_mock::MockHandle;
use sentinel_proto::{AuthorizationCode, Error, user::RedirectUri};
pub use sentinel_testkit::mock::{REDIRECT, config};
use sentinel_testkit::{browser, mock};

pub const SECRET: &str = "SECRET-MARKER-b81c";
pub const CLIENT_ID: &str = "blocking-client";

pub fn mock() -> MockHandle {
    mock::marked_blocking(CLIENT_ID, SECRET)
}

/// Marked, and pointed at nothing.
pub fn bare_config() -> sentinel_client::ClientConfig {
    mock::bare_config(CLIENT_ID, SECRET)
}

pub fn client(m: &MockHandle) -> SentinelClient {
    SentinelClient::new(config(m)).expect("a client")
}

pub fn assert_clean(err: &Error) {
    let text = format!("{err} {err:?}");
    assert!(!text.contains(SECRET), "secret leaked: {text}");
}

pub fn login(c: &SentinelClient, redirect: &RedirectUri) -> AuthorizationCode {
    browser::block_on(browser::login(c.client(), redirect))
}
