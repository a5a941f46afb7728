//! Property tests: decoding and verification never panic, whatever the input.
#![cfg(feature = "jwt")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use proptest::prelude::*;
use sentinel_proto::jwt::{
    AppJwtClaims, Claims, IdTokenClaims, KeySet, RsaPublicKey, Validation, decode_header,
    decode_unverified, verify,
};
use sentinel_testkit::jwt::*;

fn all_entry_points(s: &str) {
    let keys = keys_a();
    let _ = decode_header(s);
    let _ = decode_unverified::<Claims>(s);
    let _ = decode_unverified::<IdTokenClaims>(s);
    let _ = verify::<Claims>(s, &keys, &Validation::new(), now());
    let _ = verify::<AppJwtClaims>(s, &keys, &Validation::app_jwt(), now());
    let _ = verify::<IdTokenClaims>(s, &keys, &Validation::id_token("c"), now());
    let _ = KeySet::from_jwks(s.as_bytes());
    let _ = RsaPublicKey::from_pem(s);
}

/// Base64url text of arbitrary JSON-ish content, so inputs get past the first
/// checks often.
fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z0-9_-]{0,40}",
        r#"\{("[a-z]{1,4}":("[A-Za-z0-9]{0,6}"|[0-9]{1,11}|null|true|\[\]|\{\}),?){0,5}\}"#
            .prop_map(b64),
        prop::collection::vec(any::<u8>(), 0..64).prop_map(b64),
        Just(b64(r#"{"alg":"RS256","kid":"test-a"}"#)),
        Just(b64(r#"{"alg":"RS256"}"#)),
        Just(b64(format!(r#"{{"exp":{}}}"#, NOW + 60))),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_strings_never_panic(s in any::<String>()) {
        all_entry_points(&s);
    }

    #[test]
    fn arbitrary_dotted_strings_never_panic(s in "[A-Za-z0-9_\\-.=+/ ]{0,300}") {
        all_entry_points(&s);
    }

    #[test]
    fn structured_segments_never_panic(h in segment(), p in segment(), sig in segment(), extra in prop::option::of(segment())) {
        let mut t = format!("{h}.{p}.{sig}");
        if let Some(e) = extra {
            t.push('.');
            t.push_str(&e);
        }
        all_entry_points(&t);
    }

    #[test]
    fn tampered_valid_tokens_never_verify(idx in any::<usize>(), byte in any::<u8>()) {
        let good = sign_a("test-a", &format!(r#"{{"exp":{}}}"#, NOW + 60));
        let mut bytes = good.clone().into_bytes();
        let i = idx % bytes.len();
        prop_assume!(bytes[i] != byte);
        bytes[i] = byte;
        let t = String::from_utf8_lossy(&bytes).into_owned();
        prop_assume!(t != good);
        prop_assert!(verify::<Claims>(&t, &keys_a(), &Validation::new(), now()).is_err());
    }

    #[test]
    fn arbitrary_der_never_panics(der in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = RsaPublicKey::from_spki_der(&der);
        let _ = RsaPublicKey::from_pkcs1_der(&der);
    }
}
