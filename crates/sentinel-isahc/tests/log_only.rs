//! An application that logs only through `log`, with no `tracing` subscriber:
//! `tracing`'s `log` feature (on in this build) would forward isahc's events and
//! spans, the request URI among them, to the `log` logger. Nothing captured at
//! TRACE carries a secret, `isahc::wire` included. Its own test binary: the
//! logger is process-wide.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Mutex;

use sentinel_isahc::SentinelClient;
use sentinel_testkit::browser::block_on;
use sentinel_testkit::scenario;

mod common;
use common::*;

static RECORDS: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        RECORDS.lock().unwrap().push(format!(
            "{} {} {}",
            record.level(),
            record.target(),
            record.args()
        ));
    }
    fn flush(&self) {}
}

#[test]
fn no_secret_reaches_a_log_only_logger() {
    log::set_logger(&Capture).unwrap();
    log::set_max_level(log::LevelFilter::Trace);
    let m = mock();
    let mut secrets = vec![SECRET.to_owned()];
    // The legacy client first: its very first request has the secret in the URI.
    let legacy = SentinelClient::new(config(&m).with_legacy_query_credentials(true)).unwrap();
    let c = client(&m);
    for c in [&legacy, &c] {
        secrets.extend(block_on(scenario::every_operation(c.client())));
    }
    let records = RECORDS.lock().unwrap().clone();
    assert!(!records.is_empty(), "the logger captured nothing");
    let leaks: Vec<&String> = records
        .iter()
        .filter(|r| secrets.iter().any(|s| r.contains(s.as_str())))
        .collect();
    assert!(leaks.is_empty(), "secrets logged: {leaks:#?}");
}
