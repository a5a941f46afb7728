//! RFC 7515 Appendix A.2 (RS256): the published token verifies with the published
//! key, and no single-byte change of it does.
#![cfg(feature = "jwt")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use sentinel_proto::UnixTime;
use sentinel_proto::jwt::{Claims, JwtError, KeySet, Validation, verify};
use sentinel_testkit::jwt::*;

fn before_exp() -> UnixTime {
    UnixTime::from_secs(RFC7515_A2_EXP - 1000)
}

fn check(token: &str, keys: &KeySet) -> Result<Claims, JwtError> {
    verify::<Claims>(
        token,
        keys,
        &Validation::new().with_issuer("joe"),
        before_exp(),
    )
}

#[test]
fn a2_verifies_with_published_key() {
    let claims = check(RFC7515_A2_TOKEN, &rfc7515_a2_keys()).unwrap();
    assert_eq!(claims["iss"], "joe");
    assert_eq!(claims["exp"], RFC7515_A2_EXP);
    assert_eq!(claims["http://example.com/is_root"], true);
}

#[test]
fn a2_expired_after_its_exp() {
    let later = UnixTime::from_secs(RFC7515_A2_EXP + 60);
    assert_eq!(
        verify::<Claims>(
            RFC7515_A2_TOKEN,
            &rfc7515_a2_keys(),
            &Validation::new(),
            later
        ),
        Err(JwtError::Expired {
            exp: RFC7515_A2_EXP,
            now: RFC7515_A2_EXP + 60
        })
    );
}

#[test]
fn a2_rejected_by_other_key() {
    let err = check(RFC7515_A2_TOKEN, &keys_a()).unwrap_err();
    assert_eq!(err, JwtError::BadSignature);
}

/// Flips one bit of each decoded byte of each segment, re-encodes, and expects
/// rejection every time.
#[test]
fn every_decoded_byte_flip_fails() {
    let keys = rfc7515_a2_keys();
    let segs: Vec<&str> = RFC7515_A2_TOKEN.split('.').collect();
    for seg in 0..3 {
        let bytes = unb64(segs[seg]);
        for i in 0..bytes.len() {
            for mask in [0x01u8, 0x80] {
                let mut b = bytes.clone();
                b[i] ^= mask;
                let mut parts: Vec<String> = segs.iter().map(|s| s.to_string()).collect();
                parts[seg] = b64(&b);
                let t = parts.join(".");
                assert!(
                    check(&t, &keys).is_err(),
                    "segment {seg} byte {i} mask {mask:#x} accepted"
                );
            }
        }
    }
}

/// Replaces each character of the token with another base64url character (or a
/// dot, or a padding/whitespace byte) and expects rejection every time.
#[test]
fn every_character_change_fails() {
    let keys = rfc7515_a2_keys();
    let token = RFC7515_A2_TOKEN.as_bytes();
    for i in 0..token.len() {
        for replacement in [b'A', b'_', b'.', b'=', b' '] {
            if token[i] == replacement {
                continue;
            }
            let mut t = token.to_vec();
            t[i] = replacement;
            let t = String::from_utf8(t).unwrap();
            assert!(check(&t, &keys).is_err(), "position {i} -> {replacement}");
        }
    }
}

#[test]
fn a2_with_appended_or_removed_characters_fails() {
    let keys = rfc7515_a2_keys();
    for t in [
        format!("{RFC7515_A2_TOKEN}A"),
        format!("{RFC7515_A2_TOKEN}="),
        format!("{RFC7515_A2_TOKEN}\n"),
        format!(" {RFC7515_A2_TOKEN}"),
        RFC7515_A2_TOKEN[..RFC7515_A2_TOKEN.len() - 1].to_string(),
        RFC7515_A2_TOKEN[1..].to_string(),
    ] {
        assert!(check(&t, &keys).is_err(), "{t:?}");
    }
}
