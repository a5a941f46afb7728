//! sentinel-proto: sans-IO core (being written).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod time;
pub use time::UnixTime;

#[cfg(feature = "jwt")]
pub mod jwt;
