//! `jwt::KeySet::from_jwks`: accepted keys are usable by ring's verifier, and a
//! set serialised back to a JWKS parses to the same set.
#![no_main]
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use sentinel_fuzz::jwt::{Jwks, check_error, to_jwks};
use sentinel_proto::jwt::KeySet;

fuzz_target!(|data: &[u8]| {
    let doc = match data.first() {
        Some(b'{') => data.to_vec(),
        _ => match Jwks::arbitrary_take_rest(arbitrary::Unstructured::new(data)) {
            Ok(j) => j.bytes(),
            Err(_) => return,
        },
    };
    match KeySet::from_jwks(&doc) {
        Ok(set) => {
            assert!(doc.len() <= 64 * 1024 && set.len() <= 32);
            for k in &set {
                let (n, e) = (k.modulus(), k.exponent());
                assert!((2048..=8192).contains(&k.modulus_bits()));
                assert!(n[0] != 0 && n[n.len() - 1] & 1 == 1);
                assert!(e[0] != 0 && e[e.len() - 1] & 1 == 1 && e.len() <= 5);
                assert!(set.has_key_for(k.kid()) || k.kid().is_none());
            }
            assert_eq!(KeySet::from_jwks(&to_jwks(&set)), Ok(set));
        }
        Err(e) => check_error(&e),
    }
});
