//! Plain http to a loopback host never goes through a proxy, whatever the
//! environment or the caller's client say: the test runs itself again as a
//! child with every proxy variable pointing at a recording server
//! (testkit's `proxy_parent`), and the recorder hears only the control request.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use isahc::config::Configurable;
use sentinel_isahc::SentinelClient;
use sentinel_testkit::browser::block_on;
use sentinel_testkit::scenario::{self, PROXY_CHILD, proxy_parent};

mod common;
use common::*;

#[test]
fn loopback_requests_bypass_proxies() {
    if let Ok(proxy) = std::env::var(PROXY_CHILD) {
        return child(&proxy);
    }
    // The control request of the environment's client.
    proxy_parent("loopback_requests_bypass_proxies", 1, SECRET);
}

/// Runs with every proxy variable set to `proxy`.
fn child(proxy: &str) {
    let m = mock();
    let explicit = isahc::HttpClient::builder()
        .proxy(Some(proxy.parse().unwrap()))
        .build()
        .unwrap();
    let clients = [
        client(&m),
        SentinelClient::new(config(&m).with_legacy_query_credentials(true)).unwrap(),
        SentinelClient::with_http_client(config(&m), explicit),
    ];
    for c in &clients {
        block_on(scenario::every_operation(c.client()));
    }
    // Not loopback: the environment's proxy is used (so it was read at all).
    block_on(scenario::control_request(clients[0].client()));
}
