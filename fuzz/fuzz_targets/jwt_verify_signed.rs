//! `jwt::verify` on tokens the target signs with TEST-ONLY key A, so that the claims
//! checks run on every input: `verify` accepts exactly when an independent reading
//! of the claims says they are valid (for a clean header: RS256, kid `test-a`).
//! Slow: one RSA signature per input. Text input (seeds) is a claims set.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sentinel_fuzz::json::Doc;
use sentinel_fuzz::jwt::{CLEAN_HEADER, Rules, check_signed, key_set, now, signed_token};
use sentinel_fuzz::{Input, input};
use sentinel_proto::jwt::{Claims, verify};

fuzz_target!(|data: &[u8]| {
    let (header, claims, rules) = match input::<(Rules, Option<Doc>, Doc)>(data, "{") {
        Some(Input::Text(c)) => (CLEAN_HEADER.to_owned(), c, Rules::ALL.to_vec()),
        Some(Input::Structured((r, h, c))) => (
            h.map_or(CLEAN_HEADER.into(), |h| h.text()),
            c.text(),
            vec![r],
        ),
        None => return,
    };
    let token = signed_token(&header, &claims);
    for rules in rules {
        let result = verify::<Claims>(&token, key_set(), &rules.validation(), now());
        check_signed(&token, &header, &claims, rules, &result);
    }
});
