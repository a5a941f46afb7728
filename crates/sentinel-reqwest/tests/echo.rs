//! Every client operation against a hostile server that echoes what it receives
//! in its errors: no secret in any error's `Display`, `Debug` or source chain, nor
//! in any tracing event at any level from any target (the `log` records of the
//! HTTP stack included). Its own test binary: the subscriber is process-wide.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sentinel_reqwest::SentinelClient;
use sentinel_testkit::scenario::{ECHO_CLIENT, ECHO_SECRET};
use sentinel_testkit::{capture, mock, scenario};

#[test]
fn no_operation_shows_an_echoed_secret() {
    let logs = capture::install_fmt("trace");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        // The ConsumerJWS request carries a real AppJWT: from the emulator.
        let m = mock::marked(ECHO_CLIENT, ECHO_SECRET).await;
        let make = |config| SentinelClient::new(config).unwrap().client().clone();
        scenario::no_operation_shows_an_echoed_secret(make, &m.base_url(), &logs).await;
    });
}
