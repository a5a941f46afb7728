//! `jwt::verify` with a fixed key set (TEST-ONLY key A, LivePerson's V1 key) and a
//! fixed now: anything accepted really is signed by key A (checked with ring
//! directly) and satisfies the validation (checked on serde_json values).
#![no_main]
use libfuzzer_sys::fuzz_target;
use sentinel_fuzz::jwt::{Rules, Token, check_accepted, check_error, key_set, now};
use sentinel_fuzz::{Input, input};
use sentinel_proto::jwt::{Claims, verify};

fuzz_target!(|data: &[u8]| {
    // Text (seeds) is verified under every rule set.
    let (token, rules) = match input::<(Rules, Token)>(data, "eyJ") {
        Some(Input::Text(t)) => (t, Rules::ALL.to_vec()),
        Some(Input::Structured((r, t))) => (t.text(), vec![r]),
        None => return,
    };
    for rules in rules {
        match verify::<Claims>(&token, key_set(), &rules.validation(), now()) {
            Ok(claims) => check_accepted(&token, rules, &claims),
            Err(e) => check_error(&e),
        }
    }
});
