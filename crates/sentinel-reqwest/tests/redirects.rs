//! A redirect answer is never followed, by the crate's own client or by one built
//! from a caller's builder that asks for redirects: the target of a 302/307/308
//! receives nothing, and the 3xx is one request, not retried. Over https (the
//! client built from the builder) and plain http to loopback (the loopback
//! client). The scenario is testkit's `nothing_follows`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use sentinel_reqwest::SentinelClient;
use sentinel_testkit::scenario::nothing_follows;

mod common;
use common::{CLIENT_ID, SECRET};

/// A builder that follows redirects, with a Referer, trusting the CAs `cas`.
fn following(cas: &[String]) -> reqwest::ClientBuilder {
    cas.iter().fold(
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::limited(10))
            .referer(true),
        |b, pem| b.add_root_certificate(reqwest::Certificate::from_pem(pem.as_bytes()).unwrap()),
    )
}

fn from_builder(config: sentinel_client::ClientConfig, cas: &[String]) -> SentinelClient {
    SentinelClient::with_client_builder(config, following(cas)).unwrap()
}

#[tokio::test]
async fn redirects_are_not_followed_by_the_crates_own_client() {
    nothing_follows(CLIENT_ID, SECRET, None, |config, _| {
        SentinelClient::new(config).unwrap().client().clone()
    })
    .await;
}

#[tokio::test]
async fn redirects_are_not_followed_with_a_builder_that_follows_them() {
    let tls = Some(Arc::new(rustls::crypto::aws_lc_rs::default_provider()));
    nothing_follows(CLIENT_ID, SECRET, tls, |config, cas| {
        from_builder(config, cas).client().clone()
    })
    .await;
}

#[tokio::test]
async fn redirects_are_not_followed_to_loopback_with_a_builder_that_follows_them() {
    nothing_follows(CLIENT_ID, SECRET, None, |config, cas| {
        from_builder(config, cas).client().clone()
    })
    .await;
}
