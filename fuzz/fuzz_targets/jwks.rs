//! `jwt::KeySet::from_jwks`: accepted keys are usable by ring's verifier, and a
//! set serialised back to a JWKS parses to the same set.
#![no_main]
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use sentinel_fuzz::jwt::{Jwks, check_error, check_key_set};
use sentinel_proto::jwt::KeySet;

fuzz_target!(|data: &[u8]| {
    // A seed is a JWKS document; other input is a structured one.
    let doc = match data.first() {
        Some(b'{') => data.to_vec(),
        _ => match Jwks::arbitrary_take_rest(arbitrary::Unstructured::new(data)) {
            Ok(j) => j.bytes(),
            Err(_) => return,
        },
    };
    match KeySet::from_jwks(&doc) {
        Ok(set) => check_key_set(&doc, set),
        Err(e) => check_error(&e),
    }
});
