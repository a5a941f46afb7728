//! Plain http to a loopback host never goes through a proxy, whatever the
//! environment or the caller's builder say.
//!
//! Proxy variables are process-wide and this crate forbids the `unsafe` that
//! setting them takes, so the test runs itself again as a child process with the
//! variables pointing at a recording server, and checks the recorder heard only
//! the one request meant for it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

use sentinel_proto::user::RedirectUri;
use sentinel_reqwest::SentinelClient;

mod common;
mod net;
use common::*;

const CHILD: &str = "SENTINEL_TEST_PROXY_CHILD";
const CONTROL_HOST: &str = "proxy-control.invalid";

#[tokio::test]
async fn loopback_requests_bypass_proxies() {
    if let Ok(proxy) = std::env::var(CHILD) {
        return child(&proxy).await;
    }
    let (proxy, received) = net::recorder().await;
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
    // The recorder answers on this runtime while the child runs.
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .unwrap()
        .unwrap();
    assert!(
        out.status.success(),
        "child failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let heard = received.text();
    // The control requests, and only they, went through the proxy.
    assert_eq!(received.connections(), 2, "proxy heard: {heard}");
    assert!(heard.contains(CONTROL_HOST), "proxy heard: {heard}");
    assert!(!heard.contains(SECRET), "proxy heard: {heard}");
}

/// Runs with every proxy variable set to `proxy`.
async fn child(proxy: &str) {
    let m = mock().await;
    let redirect = RedirectUri::new(REDIRECT).unwrap();
    let explicit = reqwest::Client::builder().proxy(reqwest::Proxy::all(proxy).unwrap());
    let clients = [
        client(&m),
        SentinelClient::new(config(&m).with_legacy_query_credentials(true)).unwrap(),
        SentinelClient::with_client_builder(config(&m), explicit).unwrap(),
    ];
    for c in &clients {
        c.fetch_app_token().await.unwrap();
        let code = login(c, &redirect).await;
        let rt = c
            .exchange_code(&code, Some(&redirect))
            .await
            .unwrap()
            .refresh_token
            .unwrap();
        c.refresh(&rt).await.unwrap();
        c.consumer_jws("consumer-1").await.unwrap();
    }
    // Not loopback: the environment's proxy, and the builder's, are used.
    for c in [&clients[0], &clients[2]] {
        let control = c
            .send(
                http::Request::get(format!("http://{CONTROL_HOST}/"))
                    .body(Vec::new())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(control.status(), 200);
    }
}
