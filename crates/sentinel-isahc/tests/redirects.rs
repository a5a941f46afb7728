//! A redirect answer is never followed, whatever client sends the request: the
//! target of a 302/307/308 receives nothing, and the 3xx is one request, not
//! retried (testkit's `nothing_follows`, over plain http to loopback).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use isahc::config::{Configurable, RedirectPolicy};
use sentinel_isahc::SentinelClient;
use sentinel_proto::Host;
use sentinel_testkit::{mock, net, scenario::nothing_follows};

mod common;
use common::{CLIENT_ID, SECRET};

#[test]
fn redirects_are_not_followed_by_the_crates_own_client() {
    let blocking = |config, _: &[String]| {
        let c = SentinelClient::new(config).unwrap();
        c.client().clone()
    };
    net::runtime().block_on(nothing_follows(CLIENT_ID, SECRET, None, blocking));
}

#[test]
fn redirects_are_not_followed_by_a_caller_client_that_follows_them() {
    let http = isahc::HttpClient::builder()
        .redirect_policy(RedirectPolicy::Follow)
        .auto_referer()
        .build()
        .unwrap();
    let blocking = |config, _: &[String]| {
        let c = SentinelClient::with_http_client(config, http.clone());
        c.client().clone()
    };
    net::runtime().block_on(nothing_follows(CLIENT_ID, SECRET, None, blocking));
}

#[test]
fn redirects_are_not_followed_for_a_request_asking_for_it() {
    // `send` takes any request; one configured to follow keeps the rest of its
    // configuration but not that.
    let rt = net::runtime();
    let (target, received) = rt.block_on(net::recorder());
    let (origin, asked) = rt.block_on(net::redirector(307, &format!("http://{target}/")));
    let host = Host::parse(&format!("http://{origin}")).unwrap();
    let c = SentinelClient::new(mock::pointed_at(CLIENT_ID, SECRET, &host)).unwrap();
    let request = http::Request::post(format!("http://{origin}/x"))
        .redirect_policy(RedirectPolicy::Follow)
        .body(SECRET.as_bytes().to_vec())
        .unwrap();
    let response = c.send(request).unwrap();
    assert_eq!(response.status(), 307);
    assert_eq!(asked.connections(), 1);
    assert_eq!(received.connections(), 0, "followed: {}", received.text());
}
