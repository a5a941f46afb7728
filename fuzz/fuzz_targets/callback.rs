//! `parse_callback` with a fixed expected `State`: an accepted code implies the URL
//! had exactly one `state`, equal to the expected one, and one `code`.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sentinel_fuzz::callback::{self, Callback};
use sentinel_fuzz::{Input, input};

fuzz_target!(|data: &[u8]| {
    let url = match input::<Callback>(data, "URL ") {
        Some(Input::Text(t)) => t["URL ".len()..].to_owned(),
        Some(Input::Structured(c)) => c.text(),
        None => return,
    };
    let result = sentinel_proto::user::parse_callback(&url, &callback::expected_state());
    callback::check(&url, &result);
});
