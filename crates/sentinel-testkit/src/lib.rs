//! Test support shared by the sentinel-rs crates' tests: fixture keys and token
//! signing ([`jwt`]), and the checks that no secret leaks ([`leak`]). Unpublished;
//! panics are its way of failing a test.
#![forbid(unsafe_code)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod jwt;
pub mod leak;

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
