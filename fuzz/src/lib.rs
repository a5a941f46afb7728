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

/// A target input: readable text (the seed format) or structured input.
pub enum Input<T> {
    Text(String),
    Structured(T),
}

/// Input that starts with `prefix` is text (kept whole, invalid UTF-8 replaced);
/// anything else is decoded as a structured `T`. Seeds are written as text.
pub fn input<'a, T: arbitrary::Arbitrary<'a>>(data: &'a [u8], prefix: &str) -> Option<Input<T>> {
    if data.starts_with(prefix.as_bytes()) {
        return Some(Input::Text(String::from_utf8_lossy(data).into_owned()));
    }
    T::arbitrary_take_rest(arbitrary::Unstructured::new(data))
        .ok()
        .map(Input::Structured)
}

/// Whether `SENTINEL_FUZZ_DEBUG` is set: targets then print the input they built
/// (to read a crash: `SENTINEL_FUZZ_DEBUG=1 cargo fuzz run <target> <artifact>`).
pub fn debug() -> bool {
    static DEBUG: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *DEBUG.get_or_init(|| std::env::var_os("SENTINEL_FUZZ_DEBUG").is_some())
}
