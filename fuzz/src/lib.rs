//! Shared pieces of the fuzz targets in `fuzz_targets/`: structured inputs (JSON
//! documents, HTTP responses, compact JWS tokens, callback URLs) built with
//! `arbitrary`, and the invariants the parsers must keep. Each target is a few
//! lines that feed one parser and call the checks here.
//!
//! Checks are plain `assert!`s: a failed invariant is a crash libFuzzer reports.

pub mod callback;
pub mod checks;
pub mod domain;
pub mod json;
pub mod jwt;
pub mod response;

/// A string put into token fields of response bodies (and into callback codes):
/// it must never appear in an error's `Display` or `Debug`, nor in the `Debug` of
/// a parsed token.
pub const MARKER: &str = "SeCrEt-MaRkEr";

/// The fixed "now" of the time-dependent targets (2023-11-14T22:13:20Z).
pub const NOW: u64 = 1_700_000_000;

/// True if `s` contains [`MARKER`].
pub fn has_marker(s: &str) -> bool {
    s.contains(MARKER)
}

/// `Display` and `Debug` of `v`, joined.
pub fn shown<T: std::fmt::Display + std::fmt::Debug>(v: &T) -> String {
    format!("{v} {v:?}")
}
