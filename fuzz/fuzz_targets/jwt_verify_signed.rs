//! `jwt::verify` on tokens the target signs with TEST-ONLY key A, so that the claims
//! checks run on every input: `verify` accepts exactly when an independent reading
//! of the claims says they are valid (for a clean header: RS256, kid `test-a`).
//! Slow (an RSA signature per input).
#![no_main]
use libfuzzer_sys::fuzz_target;
use sentinel_fuzz::jwt::{Rules, check_accepted, check_error, claims_ok, key_set, now, sign_a};
use sentinel_fuzz::json::{Doc, unique_object};
use sentinel_proto::jwt::{Claims, verify};

fuzz_target!(|input: (Rules, Option<Doc>, Doc)| {
    let (rules, header, claims) = input;
    let clean = r#"{"alg":"RS256","typ":"JWT","kid":"test-a"}"#;
    let header = header.map_or(clean.to_owned(), |h| h.text());
    let (claims, b64) = (claims.text(), sentinel_fuzz::jwt::Enc::Strict);
    let input = format!("{}.{}", b64.encode(header.as_bytes()), b64.encode(claims.as_bytes()));
    let alg = serde_json::from_str::<serde_json::Value>(&header).ok();
    let token = format!("{input}.{}", sign_a(&input, alg.as_ref().and_then(|h| h["alg"].as_str())));
    let result = verify::<Claims>(&token, key_set(), &rules.validation(), now());
    match &result {
        Ok(c) => check_accepted(&token, rules, c),
        Err(e) => check_error(e),
    }
    if header == clean && let Some(obj) = unique_object(claims.as_bytes()) {
        assert_eq!(result.is_ok(), claims_ok(&obj, rules).is_ok(), "{result:?} {claims}");
    }
});
