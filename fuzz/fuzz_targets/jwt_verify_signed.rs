//! `jwt::verify` on tokens the target signs with TEST-ONLY key A, so that the claims
//! checks run on every input: `verify` accepts exactly when an independent reading
//! of the claims says they are valid (for a clean header: RS256, kid `test-a`).
//! Slow: one RSA signature per input. Text input (seeds) is a claims set.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sentinel_fuzz::json::{Doc, Shape, as_object, shape};
use sentinel_fuzz::jwt::{Enc, Rules, check_accepted, check_error, claims_ok, key_set, now, sign_a};
use sentinel_fuzz::{Input, input};
use sentinel_proto::jwt::{Claims, verify};

const CLEAN: &str = r#"{"alg":"RS256","typ":"JWT","kid":"test-a"}"#;

fuzz_target!(|data: &[u8]| {
    let (header, claims, rules) = match input::<(Rules, Option<Doc>, Doc)>(data, "{") {
        Some(Input::Text(c)) => (CLEAN.to_owned(), c, Rules::ALL.to_vec()),
        Some(Input::Structured((r, h, c))) => (h.map_or(CLEAN.into(), |h| h.text()), c.text(), vec![r]),
        None => return,
    };
    let input = format!("{}.{}", Enc::Strict.encode(header.as_bytes()), Enc::Strict.encode(claims.as_bytes()));
    let alg = serde_json::from_str::<serde_json::Value>(&header).ok();
    let token = format!("{input}.{}", sign_a(&input, alg.as_ref().and_then(|h| h["alg"].as_str())));
    for rules in rules {
        let result = verify::<Claims>(&token, key_set(), &rules.validation(), now());
        match &result {
            Ok(c) => check_accepted(&token, rules, c),
            Err(e) => check_error(e),
        }
        if header != CLEAN {
            continue;
        }
        // Registered claims not duplicated, and the whole set valid JSON (`Claims`).
        match (shape(claims.as_bytes(), &["exp", "nbf", "iat", "iss", "aud"]), as_object(claims.as_bytes())) {
            (Shape::Object(_), Some(obj)) => {
                assert_eq!(result.is_ok(), claims_ok(&obj, rules).is_ok(), "{result:?} {claims}")
            }
            _ => assert!(result.is_err()),
        }
    }
});
