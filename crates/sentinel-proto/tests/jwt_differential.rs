//! Differential test against the `jsonwebtoken` crate: on generated claims and
//! tamperings, both accept the same tokens (with the same claims) and reject the
//! same ones.
//!
//! Configuration made equivalent: RS256 only, leeway 60 s, `exp` required, `nbf`
//! checked, `iss`/`aud` required and checked only when configured (jsonwebtoken
//! rejects a token with `aud` when none is configured, so `validate_aud` follows
//! whether one is). Known, deliberate differences kept out of the generated space:
//! - jsonwebtoken reads the system clock: our `now` is read right before, and
//!   times within a few seconds of a boundary are not generated (at exactly
//!   `exp + leeway` RFC 7519 says expired, jsonwebtoken says valid);
//! - jsonwebtoken does not check `iat`; we reject `iat` in the future, so only
//!   past `iat` values are generated.
#![cfg(feature = "jwt")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::time::SystemTime;

use proptest::prelude::*;
use sentinel_proto::UnixTime;
use sentinel_proto::jwt::{Claims, Validation, verify};
use sentinel_testkit::jwt::*;
use serde_json::{Value, json};

#[derive(Debug, Clone)]
struct Case {
    exp: Option<i64>,
    nbf: Option<i64>,
    iat: Option<i64>,
    iss: Option<&'static str>,
    aud: Option<Vec<&'static str>>,
    aud_as_string: bool,
    sub: String,
    expect_iss: bool,
    expect_aud: bool,
    tamper: Option<(usize, usize, u8)>,
}

/// Offsets from now, in seconds, away from the leeway boundaries (+-60).
fn offset() -> impl Strategy<Value = i64> {
    prop_oneof![-100_000i64..-70, -50i64..50, 70i64..100_000]
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::option::weighted(0.9, offset()),
        prop::option::of(offset()),
        prop::option::of(-100_000i64..0),
        prop::option::of(prop::sample::select(vec![
            "Sentinel", "Sentinel", "sentinel", "evil",
        ])),
        prop::option::of(prop::collection::vec(
            prop::sample::select(vec!["a", "b", "c"]),
            0..3,
        )),
        any::<bool>(),
        "[a-zA-Z0-9 é\"\\\\]{0,12}",
        any::<bool>(),
        any::<bool>(),
        prop::option::weighted(0.4, (0usize..3, any::<usize>(), any::<u8>())),
    )
        .prop_map(
            |(exp, nbf, iat, iss, aud, aud_as_string, sub, expect_iss, expect_aud, tamper)| Case {
                exp,
                nbf,
                iat,
                iss,
                aud,
                aud_as_string,
                sub,
                expect_iss,
                expect_aud,
                tamper,
            },
        )
}

fn claims_json(c: &Case, now: i64) -> String {
    let mut m = serde_json::Map::new();
    m.insert("sub".into(), json!(c.sub));
    if let Some(e) = c.exp {
        m.insert("exp".into(), json!(now + e));
    }
    if let Some(n) = c.nbf {
        m.insert("nbf".into(), json!(now + n));
    }
    if let Some(i) = c.iat {
        m.insert("iat".into(), json!(now + i));
    }
    if let Some(iss) = c.iss {
        m.insert("iss".into(), json!(iss));
    }
    if let Some(aud) = &c.aud {
        if c.aud_as_string && aud.len() == 1 {
            m.insert("aud".into(), json!(aud[0]));
        } else {
            m.insert("aud".into(), json!(aud));
        }
    }
    Value::Object(m).to_string()
}

const B64_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Replaces one character of one segment with another base64url character.
fn tamper(token: &str, (seg, idx, byte): (usize, usize, u8)) -> String {
    let mut parts: Vec<Vec<u8>> = token.split('.').map(|s| s.as_bytes().to_vec()).collect();
    let part = &mut parts[seg];
    if part.is_empty() {
        return token.to_string();
    }
    let i = idx % part.len();
    let mut c = B64_CHARS[usize::from(byte) % B64_CHARS.len()];
    if c == part[i] {
        c = if c == b'A' { b'B' } else { b'A' };
    }
    part[i] = c;
    String::from_utf8(parts.join(&b'.')).unwrap()
}

fn theirs(token: &str, c: &Case) -> Result<Value, jsonwebtoken::errors::Error> {
    let key = key_a();
    let dk =
        jsonwebtoken::DecodingKey::from_rsa_components(&b64(key.modulus()), &b64(key.exponent()))
            .unwrap();
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    v.leeway = 60;
    v.validate_nbf = true;
    let mut required = vec!["exp"];
    if c.expect_iss {
        v.set_issuer(&["Sentinel"]);
        required.push("iss");
    }
    if c.expect_aud {
        v.set_audience(&["a"]);
        required.push("aud");
    } else {
        v.validate_aud = false;
    }
    v.set_required_spec_claims(&required);
    jsonwebtoken::decode::<Value>(token, &dk, &v).map(|d| d.claims)
}

fn ours(token: &str, c: &Case, now: UnixTime) -> Result<Value, sentinel_proto::jwt::JwtError> {
    let mut v = Validation::new();
    if c.expect_iss {
        v = v.with_issuer("Sentinel");
    }
    if c.expect_aud {
        v = v.with_audience("a");
    }
    verify::<Claims>(token, &keys_a(), &v, now).map(Value::Object)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn agrees_with_jsonwebtoken(c in case()) {
        let now = UnixTime::from(SystemTime::now());
        let now_i = i64::try_from(now.as_secs()).unwrap();
        let mut token = sign_a("test-a", &claims_json(&c, now_i));
        if let Some(t) = c.tamper {
            token = tamper(&token, t);
        }
        let a = ours(&token, &c, now);
        let b = theirs(&token, &c);
        match (&a, &b) {
            (Ok(x), Ok(y)) => prop_assert_eq!(x, y),
            (Err(_), Err(_)) => {}
            _ => prop_assert!(false, "disagreement on {:?}: ours {:?}, jsonwebtoken {:?}", c, a, b),
        }
        if c.tamper.is_some() && token != sign_a("test-a", &claims_json(&c, now_i)) {
            // PKCS#1 v1.5 signatures are deterministic, so a changed token is a
            // tampered one: both must reject it.
            prop_assert!(a.is_err());
        }
    }
}

#[test]
fn sanity_untampered_valid_case_accepted_by_both() {
    let c = Case {
        exp: Some(600),
        nbf: Some(-10),
        iat: Some(-10),
        iss: Some("Sentinel"),
        aud: Some(vec!["x", "a"]),
        aud_as_string: false,
        sub: "u".into(),
        expect_iss: true,
        expect_aud: true,
        tamper: None,
    };
    let now = UnixTime::from(SystemTime::now());
    let token = sign_a(
        "test-a",
        &claims_json(&c, i64::try_from(now.as_secs()).unwrap()),
    );
    assert!(ours(&token, &c, now).is_ok());
    assert!(theirs(&token, &c).is_ok());
}
