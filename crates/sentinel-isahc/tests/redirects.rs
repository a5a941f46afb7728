//! A redirect answer is never followed, whatever client sends the request: the
//! target of a 302/307/308 receives nothing, and the 3xx is one request, not
//! retried.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use isahc::config::{Configurable, RedirectPolicy};
use sentinel_client::ClientConfig;
use sentinel_isahc::SentinelClient;
use sentinel_proto::{AuthorizationCode, Host, RefreshToken, user::RedirectUri};

mod common;
mod net;
use common::{REDIRECT, SECRET};

const CODE: &str = "CODE-MARKER-5e1d";
const REFRESH: &str = "REFRESH-MARKER-90aa";

/// A client pointed at `sentinel`, no discovery.
fn config(sentinel: &Host) -> ClientConfig {
    common::bare_config()
        .with_sentinel_host(sentinel.clone())
        .with_idp_host(sentinel.clone())
}

/// Every credential-bearing operation against a server that answers `status`
/// with a `Location` on a second server: each fails with that status after one
/// request, and the second server hears nothing.
fn nothing_follows(make: impl Fn(ClientConfig) -> SentinelClient) {
    let rt = net::runtime();
    for status in [302u16, 307, 308] {
        let (target, received) = net::recorder(&rt);
        let location = format!("http://{target}/elsewhere");
        let (origin, asked) = net::redirector(&rt, status, &location);
        let host = Host::parse(&format!("http://{origin}")).unwrap();
        let redirect = RedirectUri::new(REDIRECT).unwrap();
        let c = make(config(&host));
        let legacy = make(config(&host).with_legacy_query_credentials(true));
        let errors = [
            c.fetch_app_token().map(drop).unwrap_err(),
            legacy.fetch_app_token().map(drop).unwrap_err(),
            c.exchange_code(&AuthorizationCode::new(CODE), Some(&redirect))
                .map(drop)
                .unwrap_err(),
            c.refresh(&RefreshToken::new(REFRESH))
                .map(drop)
                .unwrap_err(),
            c.consumer_jws("consumer-1").map(drop).unwrap_err(),
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

#[test]
fn redirects_are_not_followed_by_the_crates_own_client() {
    nothing_follows(|config| SentinelClient::new(config).unwrap());
}

#[test]
fn redirects_are_not_followed_by_a_caller_client_that_follows_them() {
    let http = isahc::HttpClient::builder()
        .redirect_policy(RedirectPolicy::Follow)
        .auto_referer()
        .build()
        .unwrap();
    nothing_follows(|config| SentinelClient::with_http_client(config, http.clone()));
}

#[test]
fn redirects_are_not_followed_for_a_request_asking_for_it() {
    // `send` takes any request; one configured to follow keeps the rest of its
    // configuration but not that.
    let rt = net::runtime();
    let (target, received) = net::recorder(&rt);
    let (origin, asked) = net::redirector(&rt, 307, &format!("http://{target}/"));
    let host = Host::parse(&format!("http://{origin}")).unwrap();
    let c = SentinelClient::new(config(&host)).unwrap();
    let request = http::Request::post(format!("http://{origin}/x"))
        .redirect_policy(RedirectPolicy::Follow)
        .body(SECRET.as_bytes().to_vec())
        .unwrap();
    let response = c.send(request).unwrap();
    assert_eq!(response.status(), 307);
    assert_eq!(asked.connections(), 1);
    assert_eq!(received.connections(), 0, "followed: {}", received.text());
}
