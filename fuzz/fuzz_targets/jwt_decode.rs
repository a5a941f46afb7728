//! `jwt::decode_header`, `jwt::decode_unverified` (as `Claims`, `AppJwtClaims`
//! and `IdTokenClaims`) and `jwt::decode_unverified_exp`: what they accept is
//! strict base64url JSON, read the same way serde_json reads it.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sentinel_fuzz::jwt::{
    Token, check_header, check_unverified, check_unverified_as, check_unverified_exp,
};
use sentinel_fuzz::{Input, input};
use sentinel_proto::jwt::{
    AppJwtClaims, Claims, IdTokenClaims, decode_header, decode_unverified, decode_unverified_exp,
};

fuzz_target!(|data: &[u8]| {
    let token = match input::<Token>(data, "eyJ") {
        Some(Input::Text(t)) => t,
        Some(Input::Structured(t)) => t.text(),
        None => return,
    };
    let header = decode_header(&token);
    check_header(&token, &header);
    check_unverified(&token, &header, decode_unverified::<Claims>(&token));
    check_unverified_as(&token, decode_unverified::<AppJwtClaims>(&token));
    check_unverified_as(&token, decode_unverified::<IdTokenClaims>(&token));
    check_unverified_exp(&token, decode_unverified_exp(&token));
});
