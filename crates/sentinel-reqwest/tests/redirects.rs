//! A redirect answer is never followed, by the crate's own client or by one built
//! from a caller's builder that asks for redirects: the target of a 302/307/308
//! receives nothing, and the 3xx is one request, not retried. Over https (the
//! client built from the builder) and plain http to loopback (the loopback
//! client).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use reqwest::Certificate;
use sentinel_client::ClientConfig;
use sentinel_proto::{AuthorizationCode, Host, RefreshToken, user::RedirectUri};
use sentinel_reqwest::SentinelClient;

mod common;
mod net;
use common::{REDIRECT, SECRET};

const CODE: &str = "CODE-MARKER-31c7";
const REFRESH: &str = "REFRESH-MARKER-d402";

/// A client pointed at `sentinel`, no discovery.
fn config(sentinel: &Host) -> ClientConfig {
    common::bare_config()
        .with_sentinel_host(sentinel.clone())
        .with_idp_host(sentinel.clone())
}

/// `addr` as a base URL: behind a TLS front as `https://localhost` (its CA added
/// to `cas`) when `tls`, else plain http.
async fn base_url(addr: std::net::SocketAddr, tls: bool, cas: &mut Vec<Certificate>) -> String {
    if tls {
        let front = net::tls_front(addr).await;
        cas.push(front.ca);
        format!("https://localhost:{}", front.addr.port())
    } else {
        format!("http://{addr}")
    }
}

/// Every credential-bearing operation against a server that answers `status`
/// with a `Location` on a second server: each fails with that status after one
/// request, and the second server hears nothing.
async fn nothing_follows(tls: bool, make: impl Fn(ClientConfig, &[Certificate]) -> SentinelClient) {
    for status in [302u16, 307, 308] {
        let mut cas = Vec::new();
        let (target, received) = net::recorder().await;
        let target = base_url(target, tls, &mut cas).await;
        let (origin, asked) = net::redirector(status, &format!("{target}/elsewhere")).await;
        let host = Host::parse(&base_url(origin, tls, &mut cas).await).unwrap();
        let redirect = RedirectUri::new(REDIRECT).unwrap();
        let c = make(config(&host), &cas);
        let legacy = make(config(&host).with_legacy_query_credentials(true), &cas);
        let errors = [
            c.fetch_app_token().await.map(drop).unwrap_err(),
            legacy.fetch_app_token().await.map(drop).unwrap_err(),
            c.exchange_code(&AuthorizationCode::new(CODE), Some(&redirect))
                .await
                .map(drop)
                .unwrap_err(),
            c.refresh(&RefreshToken::new(REFRESH))
                .await
                .map(drop)
                .unwrap_err(),
            c.consumer_jws("consumer-1").await.map(drop).unwrap_err(),
        ];
        for e in &errors {
            assert_eq!(e.status().map(|s| s.as_u16()), Some(status), "{e:?}");
            assert!(!e.is_transient(), "{status} is retryable: {e:?}");
        }
        // consumer_jws asks for an AppJWT first, which gets the 3xx: one request.
        assert_eq!(asked.connections(), errors.len(), "{status}: retried?");
        assert_eq!(
            received.connections(),
            0,
            "{status} followed: {}",
            received.text()
        );
        let sent = asked.text();
        assert!(sent.contains(SECRET) && sent.contains(CODE) && sent.contains(REFRESH));
    }
}

/// A builder that follows redirects, with a Referer, trusting `cas`.
fn following(cas: &[Certificate]) -> reqwest::ClientBuilder {
    cas.iter().fold(
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::limited(10))
            .referer(true),
        |b, ca| b.add_root_certificate(ca.clone()),
    )
}

#[tokio::test]
async fn redirects_are_not_followed_by_the_crates_own_client() {
    nothing_follows(false, |config, _| SentinelClient::new(config).unwrap()).await;
}

#[tokio::test]
async fn redirects_are_not_followed_with_a_builder_that_follows_them() {
    nothing_follows(true, |config, cas| {
        SentinelClient::with_client_builder(config, following(cas)).unwrap()
    })
    .await;
}

#[tokio::test]
async fn redirects_are_not_followed_to_loopback_with_a_builder_that_follows_them() {
    nothing_follows(false, |config, cas| {
        SentinelClient::with_client_builder(config, following(cas)).unwrap()
    })
    .await;
}
