//! Every client operation against a hostile server that echoes what it receives
//! in its errors: no secret in any error's `Display`, `Debug` or source chain, nor
//! in any tracing event or `log` record of any target at TRACE except
//! `isahc::wire` (isahc's byte dump, documented as unsafe at TRACE). Its own test
//! binary: the subscriber is process-wide.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sentinel_isahc::SentinelClient;
use sentinel_testkit::browser::block_on;
use sentinel_testkit::scenario::{self, ECHO_CLIENT, ECHO_SECRET};
use sentinel_testkit::{capture, mock};

#[test]
fn no_operation_shows_an_echoed_secret() {
    let logs = capture::install_fmt("trace,isahc::wire=off");
    // The ConsumerJWS request carries a real AppJWT: from the emulator, on a
    // runtime of its own.
    let emulator = mock::marked_blocking(ECHO_CLIENT, ECHO_SECRET);
    let blocking = |config| {
        let c = SentinelClient::new(config).unwrap();
        c.client().clone()
    };
    block_on(scenario::no_operation_shows_an_echoed_secret(
        blocking,
        &emulator.base_url(),
        &logs,
    ));
}
