//! Tracing output never carries a secret. Its own test binary: the subscriber is
//! the process-wide default, which no other test may race with.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sentinel_mock::{Endpoint, Fault};
use sentinel_proto::user::RedirectUri;
use sentinel_testkit::capture;

use sentinel_isahc::SentinelClient;

mod common;
use common::*;

#[test]
fn secrets_never_reach_tracing_output() {
    // Everything at TRACE except `isahc::wire`: isahc's documented byte-level dump
    // of the connection, which no client can filter (see the crate docs).
    let (buf, subscriber) = capture::fmt_into("trace,isahc::wire=off");
    let m = mock();
    {
        tracing::subscriber::set_global_default(subscriber).unwrap();
        let c = client(&m);
        m.fault(Endpoint::AppTokenV1, Fault::Status(500), 1);
        c.app_token().unwrap();
        let redirect = RedirectUri::new(REDIRECT).unwrap();
        let code = login(&c, &redirect);
        c.exchange_code(&code, Some(&redirect)).unwrap();
        // The legacy form has the secret in the URI, which isahc's spans record.
        let legacy = SentinelClient::new(config(&m).with_legacy_query_credentials(true)).unwrap();
        legacy.fetch_app_token().unwrap();
    };
    let logs = buf.text();
    assert!(logs.contains("sentinel"), "tracing captured nothing");
    let leaks: Vec<&str> = logs.lines().filter(|l| l.contains(SECRET)).collect();
    assert!(leaks.is_empty(), "secret in tracing output: {leaks:#?}");
}
