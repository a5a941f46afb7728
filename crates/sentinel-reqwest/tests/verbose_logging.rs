//! Everything logged at every level, `log` records included (reqwest logs
//! through `log`), with a caller's builder that asks for `connection_verbose`:
//! no record carries a secret. Over https, so the caller's client, not the
//! loopback one, sends. Its own test binary: the subscriber and the `log` logger
//! are process-wide.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use sentinel_proto::Host;
use sentinel_reqwest::SentinelClient;
use sentinel_testkit::capture::Capture;
use sentinel_testkit::{net, scenario};

mod common;
use common::*;

#[tokio::test]
async fn no_secret_at_any_level_even_with_connection_verbose() {
    let capture = Capture::install_global();

    let m = mock().await;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let front = net::tls_front(provider, &[b"http/1.1"], m.addr()).await;
    let ca = reqwest::Certificate::from_pem(front.ca_pem.as_bytes()).unwrap();
    let https = Host::parse(&front.base_url()).unwrap();
    let make = |legacy: bool| {
        let builder = reqwest::Client::builder()
            .add_root_certificate(ca.clone())
            .connection_verbose(true);
        let config = config(&m)
            .with_sentinel_host(https.clone())
            .with_idp_host(https.clone())
            .with_legacy_query_credentials(legacy);
        SentinelClient::with_client_builder(config, builder).unwrap()
    };
    let mut secrets = vec![SECRET.to_owned()];
    for c in [make(false), make(true)] {
        secrets.extend(scenario::every_operation(c.client()).await);
    }

    let records = capture.records();
    assert!(
        records
            .iter()
            .any(|r| r.target.starts_with("reqwest") && r.level == tracing::Level::TRACE),
        "no reqwest TRACE record captured"
    );
    let leaks = capture.holding(&secrets);
    assert!(leaks.is_empty(), "secrets logged: {leaks:#?}");
}
