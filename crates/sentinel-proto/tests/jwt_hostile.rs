//! Hostile tokens: each is rejected, with its own error variant.
#![cfg(feature = "jwt")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use sentinel_proto::jwt::{
    Claims, DEFAULT_MAX_TOKEN_LEN, JwtError, KeySet, Part, Validation, decode_header,
    decode_unverified, verify,
};
use sentinel_testkit::jwt::*;

fn exp_ok() -> String {
    format!(r#"{{"exp":{}}}"#, NOW + 600)
}

fn run(token: &str) -> Result<Claims, JwtError> {
    verify::<Claims>(token, &keys_a(), &Validation::new(), now())
}

fn run_with(token: &str, v: &Validation) -> Result<Claims, JwtError> {
    verify::<Claims>(token, &keys_a(), v, now())
}

#[test]
fn baseline_valid_token_passes() {
    assert!(run(&sign_a("test-a", &exp_ok())).is_ok());
}

#[test]
fn alg_none_rejected() {
    for alg in ["none", "None", "NONE", "nOnE"] {
        let header = format!(r#"{{"alg":"{alg}","kid":"test-a"}}"#);
        let unsigned = format!("{}.{}.", b64(&header), b64(exp_ok()));
        assert_eq!(run(&unsigned), Err(JwtError::AlgNone), "{alg}");
        // Even with a valid RSA signature over the same input.
        let signed = sign_json(KEY_A_PK8, Hash::Sha256, &header, &exp_ok());
        assert_eq!(run(&signed), Err(JwtError::AlgNone), "{alg}");
    }
}

#[test]
fn hs256_signed_with_rsa_public_key_rejected() {
    // The classic key-confusion attack: HMAC keyed with the public key's bytes.
    for key_bytes in [KEY_A_PEM.as_bytes(), KEY_A_DER] {
        let input = format!(
            "{}.{}",
            b64(r#"{"alg":"HS256","typ":"JWT","kid":"test-a"}"#),
            b64(exp_ok())
        );
        let mut mac = <hmac::Hmac<sha2::Sha256> as hmac::Mac>::new_from_slice(key_bytes).unwrap();
        hmac::Mac::update(&mut mac, input.as_bytes());
        let tag = hmac::Mac::finalize(mac).into_bytes();
        let token = format!("{input}.{}", b64(tag));
        assert_eq!(
            run(&token),
            Err(JwtError::Hmac {
                alg: "HS256".into()
            })
        );
        // Allowing every RSA algorithm changes nothing.
        let v = Validation::new()
            .allow(sentinel_proto::jwt::Algorithm::Rs384)
            .allow(sentinel_proto::jwt::Algorithm::Rs512);
        assert!(matches!(run_with(&token, &v), Err(JwtError::Hmac { .. })));
    }
    let t = format!("{}.{}.AAAA", b64(r#"{"alg":"HS512"}"#), b64(exp_ok()));
    assert!(matches!(run(&t), Err(JwtError::Hmac { .. })));
}

#[test]
fn other_algorithms_not_allowed() {
    for alg in ["ES256", "PS256", "EdDSA", "RS1", "rs256", ""] {
        let t = sign_json(
            KEY_A_PK8,
            Hash::Sha256,
            &format!(r#"{{"alg":"{alg}","kid":"test-a"}}"#),
            &exp_ok(),
        );
        assert_eq!(
            run(&t),
            Err(JwtError::AlgNotAllowed { alg: alg.into() }),
            "{alg}"
        );
    }
    // RS384 is RSA but not allowed by default.
    let t = sign_json(
        KEY_A_PK8,
        Hash::Sha384,
        r#"{"alg":"RS384","kid":"test-a"}"#,
        &exp_ok(),
    );
    assert_eq!(
        run(&t),
        Err(JwtError::AlgNotAllowed {
            alg: "RS384".into()
        })
    );
}

#[test]
fn header_without_alg_is_malformed() {
    let t = sign_json(KEY_A_PK8, Hash::Sha256, r#"{"kid":"test-a"}"#, &exp_ok());
    assert!(matches!(run(&t), Err(JwtError::Malformed { .. })));
}

#[test]
fn unknown_kid_rejected() {
    let t = sign_a("not-in-the-set", &exp_ok());
    assert_eq!(
        run(&t),
        Err(JwtError::UnknownKid {
            kid: "not-in-the-set".into()
        })
    );
}

#[test]
fn no_kid_with_several_keys_rejected() {
    let t = sign_json(KEY_A_PK8, Hash::Sha256, r#"{"alg":"RS256"}"#, &exp_ok());
    // One key: used.
    assert!(run(&t).is_ok());
    // Two: ambiguous.
    let keys = KeySet::from_iter([key_a(), key_b()]);
    assert_eq!(
        verify::<Claims>(&t, &keys, &Validation::new(), now()),
        Err(JwtError::NoKid { keys: 2 })
    );
    assert_eq!(
        verify::<Claims>(&t, &KeySet::new(), &Validation::new(), now()),
        Err(JwtError::NoKid { keys: 0 })
    );
}

#[test]
fn signed_by_another_key_rejected() {
    let t = sign_json(
        KEY_B_PK8,
        Hash::Sha256,
        r#"{"alg":"RS256","kid":"test-a"}"#,
        &exp_ok(),
    );
    assert_eq!(run(&t), Err(JwtError::BadSignature));
}

#[test]
fn embedded_jwk_rejected() {
    // Attacker signs with key B and ships key B in the header.
    let header = format!(
        r#"{{"alg":"RS256","kid":"test-a","jwk":{{"kty":"RSA","e":"AQAB","n":"{}"}}}}"#,
        b64(RsaPublicKeyParts::b().0)
    );
    let t = sign_json(KEY_B_PK8, Hash::Sha256, &header, &exp_ok());
    assert_eq!(run(&t), Err(JwtError::UntrustedHeader { name: "jwk" }));
    // Even when signed by the right key: carrying a key is refused outright.
    let t = sign_json(KEY_A_PK8, Hash::Sha256, &header, &exp_ok());
    assert_eq!(run(&t), Err(JwtError::UntrustedHeader { name: "jwk" }));
}

#[test]
fn embedded_jku_rejected() {
    let header = r#"{"alg":"RS256","kid":"test-a","jku":"https://attacker.example/jwks"}"#;
    let t = sign_json(KEY_A_PK8, Hash::Sha256, header, &exp_ok());
    assert_eq!(run(&t), Err(JwtError::UntrustedHeader { name: "jku" }));
}

#[test]
fn embedded_x5u_and_x5c_rejected() {
    for (name, value) in [
        ("x5u", r#""https://attacker.example/cert.pem""#),
        ("x5c", r#"["MIIB"]"#),
    ] {
        let header = format!(r#"{{"alg":"RS256","kid":"test-a","{name}":{value}}}"#);
        let t = sign_json(KEY_A_PK8, Hash::Sha256, &header, &exp_ok());
        assert!(
            matches!(run(&t), Err(JwtError::UntrustedHeader { name: n }) if n == name),
            "{name}"
        );
    }
}

#[test]
fn crit_rejected() {
    let header = r#"{"alg":"RS256","kid":"test-a","crit":["b64"],"b64":false}"#;
    let t = sign_json(KEY_A_PK8, Hash::Sha256, header, &exp_ok());
    assert_eq!(
        run(&t),
        Err(JwtError::UnsupportedCrit { name: "b64".into() })
    );
}

#[test]
fn expired_rejected() {
    let t = sign_a("test-a", &format!(r#"{{"exp":{}}}"#, NOW - 61));
    assert_eq!(
        run(&t),
        Err(JwtError::Expired {
            exp: NOW - 61,
            now: NOW
        })
    );
}

#[test]
fn not_yet_valid_rejected() {
    let t = sign_a(
        "test-a",
        &format!(r#"{{"exp":{},"nbf":{}}}"#, NOW + 900, NOW + 300),
    );
    assert_eq!(
        run(&t),
        Err(JwtError::NotYetValid {
            claim: "nbf",
            at: NOW + 300,
            now: NOW
        })
    );
}

#[test]
fn issued_in_the_future_rejected() {
    let t = sign_a(
        "test-a",
        &format!(r#"{{"exp":{},"iat":{}}}"#, NOW + 900, NOW + 300),
    );
    assert_eq!(
        run(&t),
        Err(JwtError::NotYetValid {
            claim: "iat",
            at: NOW + 300,
            now: NOW
        })
    );
}

#[test]
fn wrong_issuer_rejected() {
    let t = sign_a("test-a", &format!(r#"{{"exp":{},"iss":"evil"}}"#, NOW + 60));
    assert_eq!(
        run_with(&t, &Validation::app_jwt()),
        Err(JwtError::WrongIssuer {
            expected: "Sentinel".into(),
            found: "evil".into()
        })
    );
}

#[test]
fn wrong_audience_rejected() {
    let t = sign_a(
        "test-a",
        &format!(
            r#"{{"exp":{},"iss":"sentinel","sub":"u","aud":["other","another"]}}"#,
            NOW + 60
        ),
    );
    assert_eq!(
        run_with(&t, &Validation::id_token("mine")),
        Err(JwtError::WrongAudience {
            expected: vec!["mine".into()],
            found: vec!["other".into(), "another".into()]
        })
    );
}

#[test]
fn missing_exp_rejected() {
    let t = sign_a("test-a", r#"{"iss":"Sentinel"}"#);
    assert_eq!(run(&t), Err(JwtError::MissingClaim { name: "exp".into() }));
}

#[test]
fn non_numeric_exp_rejected() {
    for exp in [r#""2000000000""#, "null", "true", "[2000000000]", "{}"] {
        let t = sign_a("test-a", &format!(r#"{{"exp":{exp}}}"#));
        assert_eq!(
            run(&t),
            Err(JwtError::InvalidClaim { name: "exp".into() }),
            "{exp}"
        );
    }
}

#[test]
fn bad_base64_rejected() {
    let good = sign_a("test-a", &exp_ok());
    let segs: Vec<&str> = good.split('.').collect();
    let cases = [
        (
            format!("{}=.{}.{}", segs[0], segs[1], segs[2]),
            Part::Header,
        ),
        (
            format!("{}.{}.{}", segs[0], "eyJ+ZXhwIjoxfQ", segs[2]),
            Part::Claims,
        ),
        (
            format!("{}.{}.{}==", segs[0], segs[1], segs[2]),
            Part::Signature,
        ),
        (
            format!("{}.{}. {}", segs[0], segs[1], segs[2]),
            Part::Signature,
        ),
        (
            format!("{}.{}.{}", segs[0], segs[1], &segs[2].replace('_', "/")),
            Part::Signature,
        ),
    ];
    for (t, part) in cases {
        if t == good {
            continue;
        }
        assert_eq!(run(&t), Err(JwtError::BadBase64 { part }), "{part}");
    }
    // Non-canonical trailing bits: "eyJ" -> "eyK" decodes to the same bytes.
    let h = b64(r#"{"alg":"RS256","kid":"test-a" }"#);
    assert!(!h.len().is_multiple_of(4));
    let t = format!("{h}.{}.AA", b64(exp_ok()));
    let last = h.chars().last().unwrap();
    let bumped = char::from(last as u8 + 1);
    let t2 = t.replacen(&h, &format!("{}{bumped}", &h[..h.len() - 1]), 1);
    assert_eq!(run(&t2), Err(JwtError::BadBase64 { part: Part::Header }));
}

#[test]
fn two_segments_rejected() {
    let good = sign_a("test-a", &exp_ok());
    let two = good.rsplit_once('.').unwrap().0;
    assert!(matches!(run(two), Err(JwtError::Malformed { .. })));
    assert!(matches!(run(""), Err(JwtError::Malformed { .. })));
    assert!(matches!(run("abc"), Err(JwtError::Malformed { .. })));
}

#[test]
fn four_segments_rejected() {
    let good = sign_a("test-a", &exp_ok());
    assert!(matches!(
        run(&format!("{good}.AAAA")),
        Err(JwtError::Malformed { .. })
    ));
    // JWE compact (five segments) too.
    assert!(matches!(run("a.b.c.d.e"), Err(JwtError::Malformed { .. })));
}

#[test]
fn oversized_rejected() {
    let big = format!(r#"{{"exp":{},"pad":"{}"}}"#, NOW + 60, "x".repeat(20_000));
    let t = sign_a("test-a", &big);
    assert_eq!(
        run(&t),
        Err(JwtError::TooLarge {
            len: t.len(),
            max: DEFAULT_MAX_TOKEN_LEN
        })
    );
    assert!(matches!(decode_header(&t), Err(JwtError::TooLarge { .. })));
    // A caller may raise the cap.
    assert!(run_with(&t, &Validation::new().with_max_token_len(64 * 1024)).is_ok());
    // Or lower it.
    let small = sign_a("test-a", &exp_ok());
    assert!(matches!(
        run_with(&small, &Validation::new().with_max_token_len(100)),
        Err(JwtError::TooLarge { .. })
    ));
}

#[test]
fn non_utf8_json_rejected() {
    // Claims with a Latin-1 byte, correctly signed.
    let mut claims = format!(r#"{{"exp":{},"name":"Jos"#, NOW + 60).into_bytes();
    claims.extend_from_slice(b"\xe9\"}");
    let t = sign_segments(
        KEY_A_PK8,
        Hash::Sha256,
        &b64(r#"{"alg":"RS256","kid":"test-a"}"#),
        &b64(&claims),
    );
    assert_eq!(run(&t), Err(JwtError::NotUtf8 { part: Part::Claims }));
    // Header.
    let t = sign_segments(
        KEY_A_PK8,
        Hash::Sha256,
        &b64(b"{\"alg\":\"RS256\",\"kid\":\"\xff\"}"),
        &b64(exp_ok()),
    );
    assert_eq!(run(&t), Err(JwtError::NotUtf8 { part: Part::Header }));
}

#[test]
fn non_object_or_invalid_json_rejected() {
    for claims in ["[1,2]", "\"exp\"", "{", "{\"exp\":1}x", "null"] {
        let t = sign_a("test-a", claims);
        assert!(
            matches!(
                run(&t),
                Err(JwtError::BadJson {
                    part: Part::Claims,
                    ..
                })
            ),
            "{claims}"
        );
    }
    let t = sign_json(KEY_A_PK8, Hash::Sha256, r#"["RS256"]"#, &exp_ok());
    assert!(matches!(
        run(&t),
        Err(JwtError::BadJson {
            part: Part::Header,
            ..
        })
    ));
}

#[test]
fn duplicate_members_rejected() {
    // Two exp: parsers disagreeing on which wins is an attack surface.
    let t = sign_a(
        "test-a",
        &format!(r#"{{"exp":{},"exp":{}}}"#, NOW - 1000, NOW + 600),
    );
    assert!(matches!(run(&t), Err(JwtError::BadJson { .. })));
    // Every claim the verifier reads counts, also one no rule checks here (the
    // fuzz smoke found an oracle that forgot `azp`).
    for claim in ["iss", "aud", "azp", "nbf", "iat"] {
        let t = sign_a(
            "test-a",
            &format!(r#"{{"exp":{},"{claim}":"a","{claim}":"b"}}"#, NOW + 600),
        );
        assert!(
            matches!(
                run(&t),
                Err(JwtError::BadJson {
                    part: Part::Claims,
                    ..
                })
            ),
            "{claim}"
        );
    }
    let t = sign_json(
        KEY_A_PK8,
        Hash::Sha256,
        r#"{"alg":"RS256","kid":"test-a","alg":"none"}"#,
        &exp_ok(),
    );
    assert!(matches!(run(&t), Err(JwtError::BadJson { .. })));
}

#[test]
fn empty_or_truncated_signature_rejected() {
    let good = sign_a("test-a", &exp_ok());
    let (input, sig) = good.rsplit_once('.').unwrap();
    assert_eq!(run(&format!("{input}.")), Err(JwtError::BadSignature));
    assert_eq!(
        run(&format!("{input}.{}", b64(&unb64(sig)[..255]))),
        Err(JwtError::BadSignature)
    );
    // Longer than any RSA signature we accept.
    assert_eq!(
        run(&format!("{input}.{}", b64(vec![1u8; 2000]))),
        Err(JwtError::BadSignature)
    );
}

#[test]
fn errors_never_contain_token_or_signature() {
    let secretish = "s3cr3t-claim-value";
    let good = sign_a(
        "test-a",
        &format!(r#"{{"exp":{},"sub":"{secretish}"}}"#, NOW - 1000),
    );
    let sig = good.rsplit_once('.').unwrap().1;
    let mut errors = vec![run(&good).unwrap_err()];
    errors.push(run(&good.replace(sig, &sig[..10])).unwrap_err());
    errors.push(run(&format!("{good}.x")).unwrap_err());
    for e in errors {
        let text = format!("{e} {e:?}");
        assert!(!text.contains(secretish), "{text}");
        assert!(!text.contains(&sig[..16]), "{text}");
        assert!(!text.contains(good.split('.').nth(1).unwrap()), "{text}");
    }
}

#[test]
fn decode_unverified_still_rejects_malformed_input() {
    assert!(decode_unverified::<Claims>("a.b").is_err());
    let t = format!("{}.{}.!!", b64(r#"{"alg":"RS256"}"#), b64(exp_ok()));
    assert_eq!(
        decode_unverified::<Claims>(&t),
        Err(JwtError::BadBase64 {
            part: Part::Signature
        })
    );
}

/// Key B's raw modulus, for building an embedded `jwk` header.
struct RsaPublicKeyParts(Vec<u8>);

impl RsaPublicKeyParts {
    fn b() -> Self {
        Self(key_b().modulus().to_vec())
    }
}
