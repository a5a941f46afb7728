//! Test support shared by the sentinel-rs crates' tests. Unpublished; panics are
//! its way of failing a test.
//!
//! Always there: fixture keys and token signing ([`jwt`]), and the checks that no
//! secret leaks ([`leak`]). Behind features, for the tests of the adapters and of
//! the `sentinel` binary:
//!
//! | module | feature | what |
//! | --- | --- | --- |
//! | `fake` | `fake` | an in-memory network with a virtual clock, for the generic client |
//! | `mock` | `adapters`, `cli` | the emulator with a marked client secret, client configurations for it |
//! | `browser` | `adapters`, `cli` | following the authorize redirect as a browser would |
//! | `net` | `adapters` (TLS: `tls-aws-lc-rs`) | loopback servers: TLS front, recorder, redirector, silent, resetting |
//! | `capture` | `adapters` | capture of tracing events, spans and `log` records |
//! | `scenario` | `adapters` | the scenarios both adapters run: every operation, echoed secrets, redirects, proxies |
//! | `cli` | `cli` | the `sentinel` binary with a clean environment, and its output; `sentinel login` in the background |
//! | `redis_server` | `redis` | a real `redis-server` on a free loopback port, killed and restarted at will |
//! | `chrome` | `chrome` | headless Chromium through chromedriver (fantoccini): pages, forms, screenshots |
//!
//! Tests that install a process-wide subscriber or logger, or set environment
//! variables, stay in test binaries of their own: what is here only builds them.
#![forbid(unsafe_code)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[cfg(any(feature = "adapters", feature = "cli"))]
pub mod browser;
#[cfg(feature = "adapters")]
pub mod capture;
#[cfg(feature = "chrome")]
pub mod chrome;
#[cfg(feature = "cli")]
pub mod cli;
#[cfg(feature = "fake")]
pub mod fake;
pub mod jwt;
pub mod leak;
#[cfg(any(feature = "adapters", feature = "cli"))]
pub mod mock;
#[cfg(feature = "adapters")]
pub mod net;
#[cfg(feature = "redis")]
pub mod redis_server;
#[cfg(feature = "adapters")]
pub mod scenario;

/// 32 bytes from the operating system's generator (through `ring`).
pub fn random_bytes() -> [u8; 32] {
    use ring::rand::SecureRandom;
    let mut b = [0u8; 32];
    ring::rand::SystemRandom::new().fill(&mut b).unwrap();
    b
}

/// A fresh random CSRF state, for tests of the pure crate (which draws none).
pub fn random_state() -> sentinel_proto::user::State {
    sentinel_proto::user::State::from_random_bytes(random_bytes())
}
