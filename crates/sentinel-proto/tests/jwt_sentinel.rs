//! Sentinel's tokens (protocol reference §2.3 ID token, §3.1/§3.3 AppJWT): typed
//! claims, presets, the V1 key, and the V2 JWKS flow.
#![cfg(feature = "jwt")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::time::Duration;

use sentinel_proto::UnixTime;
use sentinel_proto::jwt::{
    AppJwtClaims, Audience, Claims, IdTokenClaims, JwksCache, JwtError, KeySet, LIVEPERSON_V1_KID,
    Lookup, RsaPublicKey, Validation, decode_header, decode_unverified, verify,
};
use sentinel_testkit::jwt::*;

const ID_HEADER: &str = r#"{"kid":"idtoken-19-08-19","typ":"JWT","alg":"RS256"}"#;
const APP_HEADER: &str = r#"{"kid":"appjwt-13-05-17","typ":"JWT","alg":"RS256"}"#;

fn id_claims() -> String {
    format!(
        r#"{{"sub":"3412790710","aud":"my-client-id","iss":"sentinel","iat":{},"exp":{},"is_admin":false,"is_lpa":true}}"#,
        NOW - 60,
        NOW + 540
    )
}

fn app_claims() -> String {
    format!(
        r#"{{"aud":"le81823118","azp":"my-client-id","scope":"msg.consumer","iss":"Sentinel","iat":{},"exp":{}}}"#,
        NOW - 60,
        NOW + 3540
    )
}

/// A token shaped like LivePerson's: we do not have their private key, so the
/// signature is filler and only `decode_unverified` applies.
fn unsigned_like_liveperson(header: &str, claims: &str) -> String {
    format!("{}.{}.{}", b64(header), b64(claims), b64([0x5a; 256]))
}

#[test]
fn id_token_example_decodes_to_typed_claims() {
    let t = unsigned_like_liveperson(ID_HEADER, &id_claims());
    let u = decode_unverified::<IdTokenClaims>(&t).unwrap();
    assert_eq!(u.header.kid.as_deref(), Some("idtoken-19-08-19"));
    assert_eq!(u.header.typ.as_deref(), Some("JWT"));
    assert_eq!(u.header.alg, "RS256");
    let c = u.claims;
    assert_eq!(c.sub, "3412790710");
    assert_eq!(c.aud, Audience::One("my-client-id".into()));
    assert_eq!(c.iss, "sentinel");
    assert_eq!(c.iat, Some(NOW - 60));
    assert_eq!(c.exp, NOW + 540);
    assert!(!c.is_admin);
    assert!(c.is_lpa);
    assert_eq!(c.expires_at(), UnixTime::from_secs(NOW + 540));
}

#[test]
fn app_jwt_example_decodes_to_typed_claims() {
    let t = unsigned_like_liveperson(APP_HEADER, &app_claims());
    assert_eq!(
        decode_header(&t).unwrap().kid.as_deref(),
        Some(LIVEPERSON_V1_KID)
    );
    let c = decode_unverified::<AppJwtClaims>(&t).unwrap().claims;
    assert_eq!(c.aud, Some(Audience::One("le81823118".into())));
    assert_eq!(c.azp.as_deref(), Some("my-client-id"));
    assert_eq!(c.scopes().collect::<Vec<_>>(), ["msg.consumer"]);
    assert_eq!(c.iss, "Sentinel");
    assert_eq!(c.exp - c.iat.unwrap(), 3600);
    // Raw access too.
    let raw = decode_unverified::<Claims>(&t).unwrap().claims;
    assert_eq!(raw["scope"], "msg.consumer");
}

#[test]
fn liveperson_v1_key_rejects_a_token_it_did_not_sign() {
    // Same header and claims as a real V1 AppJWT, signed by a test key.
    let t = sign_json(KEY_A_PK8, Hash::Sha256, APP_HEADER, &app_claims());
    assert_eq!(
        verify::<AppJwtClaims>(&t, &KeySet::liveperson_v1(), &Validation::app_jwt(), now()),
        Err(JwtError::BadSignature)
    );
    // The filler-signed lookalike too.
    let t = unsigned_like_liveperson(APP_HEADER, &app_claims());
    assert_eq!(
        verify::<AppJwtClaims>(&t, &KeySet::liveperson_v1(), &Validation::app_jwt(), now()),
        Err(JwtError::BadSignature)
    );
}

/// V1 flow with our own key standing in for LivePerson's static key.
#[test]
fn v1_style_app_jwt_verifies() {
    let keys = KeySet::from_iter([RsaPublicKey::from_pem(KEY_A_PEM)
        .unwrap()
        .with_kid(LIVEPERSON_V1_KID)]);
    let t = sign_json(KEY_A_PK8, Hash::Sha256, APP_HEADER, &app_claims());
    let c: AppJwtClaims = verify(&t, &keys, &Validation::app_jwt(), now()).unwrap();
    assert_eq!(c.azp.as_deref(), Some("my-client-id"));
    // The ID-token preset refuses it: it accepts both issuer spellings (see
    // ID_TOKEN_ISSUERS), so the AppJWT's audience is what gives it away...
    assert_eq!(
        verify::<AppJwtClaims>(&t, &keys, &Validation::id_token("my-client-id"), now()),
        Err(JwtError::WrongAudience {
            expected: vec!["my-client-id".into()],
            found: vec!["le81823118".into()]
        })
    );
    // ...and with the issuer pinned, the issuer (case matters).
    let pinned = Validation::id_token("my-client-id").with_issuer("sentinel");
    assert_eq!(
        verify::<AppJwtClaims>(&t, &keys, &pinned, now()),
        Err(JwtError::WrongIssuer {
            expected: "sentinel".into(),
            found: "Sentinel".into()
        })
    );
    // A key loaded without kid (from PEM) serves tokens of any kid.
    let anon = KeySet::from_iter([RsaPublicKey::from_pem(KEY_A_PEM).unwrap()]);
    assert!(verify::<AppJwtClaims>(&t, &anon, &Validation::app_jwt(), now()).is_ok());
}

#[test]
fn id_token_verifies_with_preset() {
    let keys = KeySet::from_iter([key_a().with_kid("idtoken-19-08-19")]);
    let t = sign_json(KEY_A_PK8, Hash::Sha256, ID_HEADER, &id_claims());
    let c: IdTokenClaims = verify(&t, &keys, &Validation::id_token("my-client-id"), now()).unwrap();
    assert_eq!(c.sub, "3412790710");
    assert!(c.is_lpa);
    assert!(matches!(
        verify::<IdTokenClaims>(&t, &keys, &Validation::id_token("other-client"), now()),
        Err(JwtError::WrongAudience { .. })
    ));
    assert!(matches!(
        verify::<IdTokenClaims>(&t, &keys, &Validation::app_jwt(), now()),
        Err(JwtError::WrongIssuer { .. })
    ));
    // Ten minutes and a leeway later it has expired.
    let later = UnixTime::from_secs(NOW + 540 + 60);
    assert_eq!(
        verify::<IdTokenClaims>(&t, &keys, &Validation::id_token("my-client-id"), later),
        Err(JwtError::Expired {
            exp: NOW + 540,
            now: NOW + 600
        })
    );
}

#[test]
fn typed_claims_report_missing_fields_by_name() {
    let keys = keys_a();
    let t = sign_a(
        "test-a",
        &format!(r#"{{"aud":"c","iss":"sentinel","exp":{}}}"#, NOW + 60),
    );
    assert_eq!(
        verify::<IdTokenClaims>(&t, &keys, &Validation::new(), now()),
        Err(JwtError::MissingClaim { name: "sub".into() })
    );
    let t = sign_a(
        "test-a",
        &format!(
            r#"{{"sub":"s","aud":"c","iss":"sentinel","exp":{},"is_admin":"very-secret-value"}}"#,
            NOW + 60
        ),
    );
    let err = verify::<IdTokenClaims>(&t, &keys, &Validation::new(), now()).unwrap_err();
    assert!(matches!(err, JwtError::ClaimsType { .. }));
    assert!(!format!("{err} {err:?}").contains("very-secret-value"));
}

#[test]
fn rs512_only_when_allowed_and_4096_bit_keys_work() {
    let keys = KeySet::from_jwks(JWKS_MIXED).unwrap();
    let claims = format!(r#"{{"exp":{}}}"#, NOW + 60);
    let t = sign_json(
        KEY_C_PK8,
        Hash::Sha512,
        r#"{"alg":"RS512","kid":"test-c"}"#,
        &claims,
    );
    assert_eq!(
        verify::<Claims>(&t, &keys, &Validation::new(), now()),
        Err(JwtError::AlgNotAllowed {
            alg: "RS512".into()
        })
    );
    let v = Validation::new().allow(sentinel_proto::jwt::Algorithm::Rs512);
    assert!(verify::<Claims>(&t, &keys, &v, now()).is_ok());
    // test-c is bound to RS512 by its JWK `alg`: an RS256 token for it is refused.
    let t = sign_json(
        KEY_C_PK8,
        Hash::Sha256,
        r#"{"alg":"RS256","kid":"test-c"}"#,
        &claims,
    );
    assert!(matches!(
        verify::<Claims>(&t, &keys, &v, now()),
        Err(JwtError::KeyAlgMismatch { .. })
    ));
    // RS384 with key B (JWK without alg).
    let t = sign_json(
        KEY_B_PK8,
        Hash::Sha384,
        r#"{"alg":"RS384","kid":"test-b"}"#,
        &claims,
    );
    let v = Validation::new().allow(sentinel_proto::jwt::Algorithm::Rs384);
    assert!(verify::<Claims>(&t, &keys, &v, now()).is_ok());
}

/// One key verifies on many threads at once (more than it keeps parsed
/// copies, so that some share one): each thread accepts the good token and
/// refuses one with a flipped signature bit, and a key re-bound to another
/// algorithm verifies with that algorithm only.
#[test]
fn one_key_verifies_on_many_threads() {
    let keys = KeySet::from_iter([key_a()]);
    let claims = app_claims();
    let good = sign_a("test-a", &claims);
    let (input, sig) = good.rsplit_once('.').unwrap();
    let mut sig = unb64(sig);
    sig[100] ^= 1;
    let bad = format!("{input}.{}", b64(&sig));
    let v = Validation::app_jwt();
    std::thread::scope(|s| {
        for _ in 0..20 {
            s.spawn(|| {
                for _ in 0..3 {
                    assert!(verify::<AppJwtClaims>(&good, &keys, &v, now()).is_ok());
                    assert_eq!(
                        verify::<AppJwtClaims>(&bad, &keys, &v, now()),
                        Err(JwtError::BadSignature)
                    );
                }
            });
        }
    });
    let rs512 = KeySet::from_iter([key_a().with_alg(sentinel_proto::jwt::Algorithm::Rs512)]);
    let t512 = sign_json(
        KEY_A_PK8,
        Hash::Sha512,
        r#"{"alg":"RS512","kid":"test-a"}"#,
        &claims,
    );
    let v512 = Validation::app_jwt().allow(sentinel_proto::jwt::Algorithm::Rs512);
    assert!(verify::<AppJwtClaims>(&t512, &rs512, &v512, now()).is_ok());
    assert!(matches!(
        verify::<AppJwtClaims>(&good, &rs512, &v512, now()),
        Err(JwtError::KeyAlgMismatch { .. })
    ));
    // Bound back to RS256, it verifies RS256 again.
    let back = KeySet::from_iter([key_a()
        .with_alg(sentinel_proto::jwt::Algorithm::Rs512)
        .with_alg(sentinel_proto::jwt::Algorithm::Rs256)]);
    assert!(verify::<AppJwtClaims>(&good, &back, &v, now()).is_ok());
}

/// V2: rotating keys from a JWKS, through the sans-IO cache, with a fake fetcher.
#[test]
fn v2_jwks_rotation_through_cache() {
    let fetches = std::cell::Cell::new(0);
    let mut published = KeySet::from_iter([key_a()]);
    let mut cache = JwksCache::new().with_min_refetch_interval(Duration::from_secs(60));
    let v = Validation::app_jwt();
    let claims = |now: u64| {
        format!(
            r#"{{"iss":"Sentinel","azp":"c","iat":{now},"exp":{}}}"#,
            now + 3600
        )
    };

    let mut verify_with_cache = |token: &str, now: UnixTime, published: &KeySet| {
        let kid = decode_header(token)?.kid;
        loop {
            match cache.lookup(kid.as_deref(), now) {
                Lookup::FoundRefresh | Lookup::Refetch => {
                    fetches.set(fetches.get() + 1);
                    cache.fetch_succeeded(published.clone(), now);
                }
                Lookup::Wait => unreachable!("nothing left in flight"),
                _ => return cache.verify::<AppJwtClaims>(token, &v, now),
            }
        }
    };

    let t0 = now();
    let ta = sign_a("test-a", &claims(NOW));
    assert!(verify_with_cache(&ta, t0, &published).is_ok());
    assert!(verify_with_cache(&ta, t0, &published).is_ok());
    // Sentinel rotates to key B: the unknown kid forces one refetch.
    published = KeySet::from_iter([key_a(), key_b()]);
    let tb = sign_json(
        KEY_B_PK8,
        Hash::Sha256,
        r#"{"alg":"RS256","kid":"test-b"}"#,
        &claims(NOW),
    );
    assert!(verify_with_cache(&tb, t0, &published).is_ok());
    assert_eq!(fetches.get(), 2);
    // A made-up kid right after: refused without a fetch.
    let forged = sign_a("made-up", &claims(NOW));
    assert!(matches!(
        verify_with_cache(&forged, t0, &published),
        Err(JwtError::UnknownKid { .. })
    ));
    assert_eq!(fetches.get(), 2);
    // One interval later: one refetch, still refused; then none again.
    let t1 = UnixTime::from_secs(NOW + 60);
    assert!(verify_with_cache(&forged, t1, &published).is_err());
    assert_eq!(fetches.get(), 3);
    let t2 = UnixTime::from_secs(NOW + 119);
    assert!(verify_with_cache(&forged, t2, &published).is_err());
    assert!(verify_with_cache(&tb, t2, &published).is_ok());
    assert_eq!(fetches.get(), 3);
}

#[test]
fn id_tokens_accept_exactly_the_two_documented_issuer_spellings() {
    let token = |iss: &str| {
        sign_a(
            "test-a",
            &format!(
                r#"{{"sub":"u1","aud":"cid","iss":"{iss}","iat":{},"exp":{}}}"#,
                NOW - 10,
                NOW + 600
            ),
        )
    };
    let v = sentinel_proto::jwt::Validation::id_token("cid");
    for iss in ["sentinel", "Sentinel"] {
        assert!(
            sentinel_proto::jwt::verify::<serde_json::Value>(&token(iss), &keys_a(), &v, now())
                .is_ok(),
            "{iss}"
        );
    }
    for iss in [
        "SENTINEL",
        "sentinel ",
        " Sentinel",
        "sentinel2",
        "Sentinel.",
        "sentineL",
    ] {
        let err =
            sentinel_proto::jwt::verify::<serde_json::Value>(&token(iss), &keys_a(), &v, now())
                .unwrap_err();
        assert!(
            matches!(err, sentinel_proto::jwt::JwtError::WrongIssuer { .. }),
            "{iss}: {err:?}"
        );
    }
    // A caller that pins one spelling gets exactly that one.
    let pinned = sentinel_proto::jwt::Validation::id_token("cid").with_issuer("sentinel");
    assert!(
        sentinel_proto::jwt::verify::<serde_json::Value>(
            &token("Sentinel"),
            &keys_a(),
            &pinned,
            now()
        )
        .is_err()
    );
    // AppJWTs stay `Sentinel` only.
    assert_eq!(
        sentinel_proto::jwt::Validation::app_jwt().issuers(),
        ["Sentinel"]
    );
}
