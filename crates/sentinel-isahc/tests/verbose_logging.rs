//! Everything logged at every level, `log` records included, over HTTPS (ALPN
//! `h2` offered) and plain HTTP/1.1: below TRACE nothing carries a secret, and at
//! TRACE only `isahc::wire` does. Its own test binary: the subscriber and the
//! `log` logger are process-wide.
//!
//! `tracing`'s `log` feature is on in this build (axum turns it on), which is what
//! makes isahc turn on curl's verbose mode for every request.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use isahc::config::Configurable;
use sentinel_isahc::SentinelClient;
use sentinel_proto::Host;
use sentinel_testkit::browser::block_on;
use sentinel_testkit::capture::{Capture, Record};
use sentinel_testkit::{mock, net, scenario};

mod common;
use common::{CLIENT_ID, SECRET};

/// Every credential-bearing operation, body and legacy query form, through
/// `make`'s clients; returns the secrets seen.
fn every_operation(make: impl Fn(bool) -> SentinelClient) -> Vec<String> {
    let mut secrets = vec![SECRET.to_owned()];
    for legacy in [false, true] {
        secrets.extend(block_on(scenario::every_operation(make(legacy).client())));
    }
    secrets
}

#[test]
fn no_secret_below_trace_and_only_isahc_wire_at_trace() {
    let capture = Capture::install_global();
    assert!(log::log_enabled!(target: "isahc", log::Level::Trace));

    let rt = net::runtime();
    let m = rt.block_on(mock::marked(CLIENT_ID, SECRET));
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let front = rt.block_on(net::tls_front(provider, &[b"h2", b"http/1.1"], m.addr()));

    // HTTPS through a caller's client that trusts the test CA and, like any
    // default isahc client, would negotiate HTTP/2.
    let tls = isahc::tls::TlsConfig::builder()
        .trust_store(
            isahc::tls::TrustStore::builder()
                .certificate_from_pem(front.ca_pem.as_bytes())
                .build(),
        )
        .build();
    let http = isahc::HttpClient::builder()
        .tls_config(tls)
        .build()
        .unwrap();
    let https = Host::parse(&front.base_url()).unwrap();
    let mut secrets = every_operation(|legacy| {
        let config = common::config(&m)
            .with_sentinel_host(https.clone())
            .with_idp_host(https.clone())
            .with_legacy_query_credentials(legacy);
        SentinelClient::with_http_client(config, http.clone())
    });

    // Plain HTTP/1.1, the crate's own client.
    secrets.extend(every_operation(|legacy| {
        let config = common::config(&m).with_legacy_query_credentials(legacy);
        SentinelClient::new(config).unwrap()
    }));

    let records = capture.records();
    let leaks = capture.holding(&secrets);
    let bad: Vec<&Record> = leaks
        .iter()
        .filter(|r| r.level != tracing::Level::TRACE || r.target != "isahc::wire")
        .collect();
    assert!(
        bad.is_empty(),
        "secrets outside TRACE isahc::wire: {bad:#?}"
    );
    // The capture sees what curl says: its verbose text at DEBUG, and the wire
    // dump, secrets and all, at TRACE.
    assert!(
        records
            .iter()
            .any(|r| r.level == tracing::Level::DEBUG && r.target.starts_with("isahc")),
        "no isahc DEBUG record captured"
    );
    assert!(!leaks.is_empty(), "the wire dump was not captured");
    // How: h2 was offered, and refused.
    let alpn = front.alpn.lock().unwrap().clone();
    assert!(!alpn.is_empty(), "nothing went over TLS");
    assert!(
        alpn.iter()
            .all(|p| p.as_deref() == Some(b"http/1.1".as_slice())),
        "ALPN agreed: {alpn:?}"
    );
}
