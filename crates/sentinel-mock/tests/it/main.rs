//! Black-box tests of the emulator over real loopback HTTP with plain reqwest.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod util;

mod advertised_host;
mod app_token;
// The binary exists only with the `cli` feature (`--all-features`, or any build
// of the workspace, where sentinel-cli turns it on).
#[cfg(feature = "cli")]
mod binary;
mod consumer;
mod domain;
mod faults;
mod hostile;
mod id_token_rotation;
mod lifecycle;
mod login;
mod observability;
mod pkce;
mod protected;
mod user_flow;
