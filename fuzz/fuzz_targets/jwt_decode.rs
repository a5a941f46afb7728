//! `jwt::decode_header` and `jwt::decode_unverified::<Claims>`: what they accept is
//! strict base64url JSON, read the same way serde_json reads it.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sentinel_fuzz::jwt::{Token, check_error, unb64};
use sentinel_fuzz::{Input, input};
use sentinel_proto::jwt::{Claims, decode_header, decode_unverified};

fuzz_target!(|data: &[u8]| {
    let token = match input::<Token>(data, "eyJ") {
        Some(Input::Text(t)) => t,
        Some(Input::Structured(t)) => t.text(),
        None => return,
    };
    let header = decode_header(&token);
    match &header {
        Ok(h) => {
            assert!(token.len() <= 16 * 1024 && token.matches('.').count() == 2);
            let raw = unb64(token.split('.').next().unwrap_or_default()).expect("base64url");
            let json: serde_json::Value = serde_json::from_slice(&raw).expect("JSON");
            assert_eq!(json["alg"], h.alg.as_str());
            assert_eq!(json.get("kid").and_then(|k| k.as_str()), h.kid.as_deref());
        }
        Err(e) => check_error(e),
    }
    match decode_unverified::<Claims>(&token) {
        Ok(u) => {
            assert_eq!(Ok(&u.header), header.as_ref());
            let payload = unb64(token.split('.').nth(1).unwrap_or_default()).expect("base64url");
            assert_eq!(serde_json::from_slice::<Claims>(&payload).ok(), Some(u.claims));
            assert!(unb64(token.split('.').nth(2).unwrap_or_default()).is_some());
        }
        Err(e) => check_error(&e),
    }
});
