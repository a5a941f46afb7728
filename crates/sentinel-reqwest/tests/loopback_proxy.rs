//! Plain http to a loopback host never goes through a proxy, whatever the
//! environment or the caller's builder say: the test runs itself again as a
//! child with every proxy variable pointing at a recording server
//! (testkit's `proxy_parent`), and the recorder hears only the control requests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sentinel_reqwest::SentinelClient;
use sentinel_testkit::scenario::{self, PROXY_CHILD, proxy_parent};

mod common;
use common::*;

#[test]
fn loopback_requests_bypass_proxies() {
    match std::env::var(PROXY_CHILD) {
        Ok(proxy) => tokio::runtime::Runtime::new()
            .unwrap()
            .block_on(child(&proxy)),
        // The control requests of the environment's client and the builder's.
        Err(_) => proxy_parent("loopback_requests_bypass_proxies", 2, SECRET),
    }
}

/// Runs with every proxy variable set to `proxy`.
async fn child(proxy: &str) {
    let m = mock().await;
    let explicit = reqwest::Client::builder().proxy(reqwest::Proxy::all(proxy).unwrap());
    let clients = [
        client(&m),
        SentinelClient::new(config(&m).with_legacy_query_credentials(true)).unwrap(),
        SentinelClient::with_client_builder(config(&m), explicit).unwrap(),
    ];
    for c in &clients {
        scenario::every_operation(c.client()).await;
    }
    // Not loopback: the environment's proxy, and the builder's, are used.
    for c in [&clients[0], &clients[2]] {
        scenario::control_request(c.client()).await;
    }
}
