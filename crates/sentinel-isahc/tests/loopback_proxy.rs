//! Plain http to a loopback host never goes through a proxy, whatever the
//! environment or the caller's client say.
//!
//! Proxy variables are process-wide and this crate forbids the `unsafe` that
//! setting them takes, so the test runs itself again as a child process with the
//! variables pointing at a recording server, and checks the recorder heard only
//! the one request meant for it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

use isahc::config::Configurable;
use sentinel_isahc::SentinelClient;
use sentinel_proto::user::RedirectUri;

mod common;
mod net;
use common::*;

const CHILD: &str = "SENTINEL_TEST_PROXY_CHILD";
const CONTROL_HOST: &str = "proxy-control.invalid";

#[test]
fn loopback_requests_bypass_proxies() {
    if let Ok(proxy) = std::env::var(CHILD) {
        return child(&proxy);
    }
    let rt = net::runtime();
    let (proxy, received) = net::recorder(&rt);
    let proxy = format!("http://{proxy}");
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", "loopback_requests_bypass_proxies", "--nocapture"])
        .env(CHILD, &proxy);
    for var in [
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ] {
        cmd.env(var, &proxy);
    }
    cmd.env_remove("no_proxy").env_remove("NO_PROXY");
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "child failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let heard = received.text();
    // The control request, and only it, went through the proxy.
    assert_eq!(received.connections(), 1, "proxy heard: {heard}");
    assert!(heard.contains(CONTROL_HOST), "proxy heard: {heard}");
    assert!(!heard.contains(SECRET), "proxy heard: {heard}");
}

/// Runs with every proxy variable set to `proxy`.
fn child(proxy: &str) {
    let m = mock();
    let redirect = RedirectUri::new(REDIRECT).unwrap();
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
        c.fetch_app_token().unwrap();
        let code = login(c, &redirect);
        let rt = c
            .exchange_code(&code, Some(&redirect))
            .unwrap()
            .refresh_token
            .unwrap();
        c.refresh(&rt).unwrap();
        c.consumer_jws("consumer-1").unwrap();
    }
    // Not loopback: the environment's proxy is used (so it was read at all).
    let control = clients[0]
        .send(
            http::Request::get(format!("http://{CONTROL_HOST}/"))
                .body(Vec::new())
                .unwrap(),
        )
        .unwrap();
    assert_eq!(control.status(), 200);
}
