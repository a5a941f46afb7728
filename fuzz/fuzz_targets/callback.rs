//! `parse_callback` with a fixed expected `State`: an accepted code implies the URL
//! had exactly one `state`, equal to the expected one, and one `code`.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sentinel_fuzz::callback::{self, Callback};

fuzz_target!(|input: Callback| {
    let url = input.text();
    let result = sentinel_proto::parse_callback(&url, &callback::expected_state());
    callback::check(&url, &result);
});
