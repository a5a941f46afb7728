//! JWKS parsing, key loading, and the sans-IO JWKS cache.
#![cfg(feature = "jwt")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::time::Duration;

use sentinel_proto::UnixTime;
use sentinel_proto::jwt::{
    Algorithm, Claims, JwksCache, JwksLimits, JwtError, KeySet, Lookup, RsaPublicKey, Validation,
    verify,
};
use sentinel_testkit::jwt::*;

fn rsa_jwk(kid: &str, key: &RsaPublicKey, extra: &str) -> String {
    format!(
        r#"{{"kty":"RSA","kid":"{kid}","n":"{}","e":"{}"{extra}}}"#,
        b64(key.modulus()),
        b64(key.exponent())
    )
}

fn jwks(entries: &[String]) -> Vec<u8> {
    format!(r#"{{"keys":[{}]}}"#, entries.join(",")).into_bytes()
}

#[test]
fn mixed_jwks_keeps_rsa_signature_keys_only() {
    let keys = KeySet::from_jwks(JWKS_MIXED).unwrap();
    let kids: Vec<_> = keys.iter().map(|k| k.kid().unwrap()).collect();
    assert_eq!(kids, ["test-a", "test-b", "test-c"]);
    assert_eq!(keys.get("test-a").unwrap().alg(), Some(Algorithm::Rs256));
    assert_eq!(keys.get("test-b").unwrap().alg(), None);
    assert_eq!(keys.get("test-c").unwrap().modulus_bits(), 4096);
    assert!(keys.get("enc-1").is_none());
    assert!(keys.get("pss-1").is_none());
    assert!(keys.get("ec-1").is_none());
    assert!(keys.get("hmac-1").is_none());
    // And it verifies.
    let t = sign_a("test-a", &format!(r#"{{"exp":{}}}"#, NOW + 60));
    assert!(verify::<Claims>(&t, &keys, &Validation::new(), now()).is_ok());
}

#[test]
fn jwks_key_equals_pem_and_der_key() {
    let from_jwks = KeySet::from_jwks(JWKS_MIXED).unwrap();
    let a = from_jwks.get("test-a").unwrap();
    let pem = RsaPublicKey::from_pem(KEY_A_PEM).unwrap();
    let der = RsaPublicKey::from_spki_der(KEY_A_DER).unwrap();
    let pkcs1 = RsaPublicKey::from_pem(KEY_A_PKCS1_PEM).unwrap();
    for k in [&pem, &der, &pkcs1] {
        assert_eq!(k.modulus(), a.modulus());
        assert_eq!(k.exponent(), a.exponent());
    }
}

#[test]
fn garbage_jwks_rejected() {
    let bad = JwtError::BadJwks {
        reason: "not a JSON object with a \"keys\" array of objects",
    };
    for doc in [
        &b"not json"[..],
        b"",
        b"[]",
        b"{}",
        br#"{"keys":{}}"#,
        br#"{"keys":"x"}"#,
        br#"{"keys":[["RSA"]]}"#,
        br#"{"keys":[1]}"#,
        br#"{"keys":[],"keys":[]}"#,
        b"{\"keys\":[{\"kty\":\"\xff\"}]}",
    ] {
        assert_eq!(KeySet::from_jwks(doc), Err(bad.clone()), "{doc:?}");
    }
    assert_eq!(
        KeySet::from_jwks(br#"{"keys":[{"kty":"RSA","kid":"x","e":"AQAB"}]}"#),
        Err(JwtError::BadJwks {
            reason: "RSA key without n or e"
        })
    );
    assert_eq!(
        KeySet::from_jwks(br#"{"keys":[{"kty":"RSA","kid":"x","n":"!!!","e":"AQAB"}]}"#),
        Err(JwtError::BadJwks {
            reason: "RSA key n or e is not base64url"
        })
    );
}

#[test]
fn jwks_without_usable_keys_is_an_empty_set() {
    assert!(KeySet::from_jwks(br#"{"keys":[]}"#).unwrap().is_empty());
    let only_ec = br#"{"keys":[{"kty":"EC","crv":"P-256","x":"a","y":"b"}]}"#;
    let keys = KeySet::from_jwks(only_ec).unwrap();
    assert!(keys.is_empty());
    let t = sign_a("test-a", &format!(r#"{{"exp":{}}}"#, NOW + 60));
    assert_eq!(
        verify::<Claims>(&t, &keys, &Validation::new(), now()),
        Err(JwtError::UnknownKid {
            kid: "test-a".into()
        })
    );
}

#[test]
fn jwks_size_and_count_capped() {
    let a = key_a();
    let big = jwks(&[rsa_jwk(
        "a",
        &a,
        &format!(r#","pad":"{}""#, "x".repeat(70_000)),
    )]);
    assert_eq!(
        KeySet::from_jwks(&big),
        Err(JwtError::JwksTooLarge {
            len: big.len(),
            max: 64 * 1024
        })
    );
    let many: Vec<String> = (0..33).map(|i| rsa_jwk(&format!("k{i}"), &a, "")).collect();
    assert_eq!(
        KeySet::from_jwks(&jwks(&many)),
        Err(JwtError::TooManyKeys { count: 33, max: 32 })
    );
    assert_eq!(KeySet::from_jwks(&jwks(&many[..32])).unwrap().len(), 32);
    // Skipped entries count too.
    let ec: Vec<String> = (0..40).map(|_| r#"{"kty":"EC"}"#.to_string()).collect();
    assert!(matches!(
        KeySet::from_jwks(&jwks(&ec)),
        Err(JwtError::TooManyKeys { .. })
    ));
    // Custom limits.
    let limits = JwksLimits::new(100_000, 2);
    assert!(matches!(
        KeySet::from_jwks_with_limits(&jwks(&many[..3]), limits),
        Err(JwtError::TooManyKeys { count: 3, max: 2 })
    ));
    assert!(matches!(
        KeySet::from_jwks_with_limits(&jwks(&many[..1]), JwksLimits::new(10, 2)),
        Err(JwtError::JwksTooLarge { .. })
    ));
}

#[test]
fn unusable_rsa_keys_skipped_not_fatal() {
    let a = key_a();
    // A legacy 1024-bit modulus and an even exponent: skipped.
    let small = format!(
        r#"{{"kty":"RSA","kid":"old","n":"{}","e":"AQAB"}}"#,
        b64([0xc3u8; 128])
    );
    let even_e = format!(
        r#"{{"kty":"RSA","kid":"even","n":"{}","e":"AQAA"}}"#,
        b64(a.modulus())
    );
    let keys = KeySet::from_jwks(&jwks(&[small, even_e, rsa_jwk("a", &a, "")])).unwrap();
    assert_eq!(keys.len(), 1);
    assert!(keys.get("a").is_some());
}

#[test]
fn use_key_ops_and_alg_filters() {
    let a = key_a();
    let keys = KeySet::from_jwks(&jwks(&[
        rsa_jwk("sign-only", &a, r#","key_ops":["sign"]"#),
        rsa_jwk("verify", &a, r#","key_ops":["verify"]"#),
        rsa_jwk("enc", &a, r#","use":"enc""#),
        rsa_jwk("sig", &a, r#","use":"sig","alg":"RS384""#),
        rsa_jwk("oaep", &a, r#","alg":"RSA-OAEP-256""#),
    ]))
    .unwrap();
    let kids: Vec<_> = keys.iter().filter_map(|k| k.kid()).collect();
    assert_eq!(kids, ["verify", "sig"]);
    assert_eq!(keys.get("sig").unwrap().alg(), Some(Algorithm::Rs384));
}

#[test]
fn padded_and_zero_prefixed_components_accepted() {
    let a = key_a();
    let mut n = vec![0u8];
    n.extend_from_slice(a.modulus());
    let padded = base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE, &n);
    assert!(padded.ends_with('='));
    let doc = format!(r#"{{"keys":[{{"kty":"RSA","kid":"p","n":"{padded}","e":"AQAB"}}]}}"#);
    let keys = KeySet::from_jwks(doc.as_bytes()).unwrap();
    assert_eq!(keys.get("p").unwrap().modulus(), a.modulus());
}

#[test]
fn duplicate_kids_handled() {
    let a = key_a();
    let b = key_b();
    // Identical duplicates collapse.
    let keys = KeySet::from_jwks(&jwks(&[rsa_jwk("k", &a, ""), rsa_jwk("k", &a, "")])).unwrap();
    assert_eq!(keys.len(), 1);
    // Same kid, different keys (rotation overlap): both tried.
    let keys = KeySet::from_jwks(&jwks(&[rsa_jwk("k", &a, ""), rsa_jwk("k", &b, "")])).unwrap();
    assert_eq!(keys.len(), 2);
    let claims = format!(r#"{{"exp":{}}}"#, NOW + 60);
    let ta = sign_json(
        KEY_A_PK8,
        Hash::Sha256,
        r#"{"alg":"RS256","kid":"k"}"#,
        &claims,
    );
    let tb = sign_json(
        KEY_B_PK8,
        Hash::Sha256,
        r#"{"alg":"RS256","kid":"k"}"#,
        &claims,
    );
    let tc = sign_json(
        KEY_C_PK8,
        Hash::Sha256,
        r#"{"alg":"RS256","kid":"k"}"#,
        &claims,
    );
    let v = Validation::new();
    assert!(verify::<Claims>(&ta, &keys, &v, now()).is_ok());
    assert!(verify::<Claims>(&tb, &keys, &v, now()).is_ok());
    assert_eq!(
        verify::<Claims>(&tc, &keys, &v, now()),
        Err(JwtError::BadSignature)
    );
}

#[test]
fn bad_pem_and_der_rejected() {
    for pem in [
        "",
        "-----BEGIN PUBLIC KEY-----\nnot base64!\n-----END PUBLIC KEY-----\n",
        "-----BEGIN PUBLIC KEY-----\nMIIB\n",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n",
        "-----BEGIN PUBLIC KEY-----\nMAA=\n-----END PUBLIC KEY-----\n",
    ] {
        assert!(
            matches!(RsaPublicKey::from_pem(pem), Err(JwtError::BadKey { .. })),
            "{pem:?}"
        );
    }
    assert!(RsaPublicKey::from_spki_der(&KEY_A_DER[1..]).is_err());
    assert!(RsaPublicKey::from_spki_der(KEY_A_PK8).is_err());
    assert!(RsaPublicKey::from_pkcs1_der(KEY_A_DER).is_err());
}

// ---- JwksCache ----

fn at(secs: u64) -> UnixTime {
    UnixTime::from_secs(NOW + secs)
}

fn cache() -> JwksCache {
    JwksCache::new()
        .with_ttl(Duration::from_secs(3600))
        .with_min_refetch_interval(Duration::from_secs(60))
}

#[test]
fn empty_cache_asks_for_fetch_once() {
    let mut c = cache();
    assert!(c.is_stale(at(0)));
    assert_eq!(c.fetched_at(), None);
    assert_eq!(c.lookup(Some("test-a"), at(0)), Lookup::Refetch);
    // In flight: no second fetch.
    assert_eq!(c.lookup(Some("test-a"), at(0)), Lookup::Wait);
    // The failed attempt rate-limits the next one.
    c.fetch_failed(at(0));
    assert_eq!(c.lookup(Some("test-a"), at(1)), Lookup::Unavailable);
    assert_eq!(c.lookup(Some("test-a"), at(59)), Lookup::Unavailable);
    assert_eq!(c.lookup(Some("test-a"), at(60)), Lookup::Refetch);
}

#[test]
fn known_kid_found_unknown_kid_refetch_then_refused() {
    let mut c = cache();
    c.fetch_succeeded(keys_a(), at(0));
    assert_eq!(c.fetched_at(), Some(at(0)));
    assert_eq!(c.lookup(Some("test-a"), at(1)), Lookup::Found);
    // An unknown kid may force one refetch, even right after a scheduled fetch
    // (a key rotated in since); then none for the interval.
    assert_eq!(c.lookup(Some("rotated"), at(30)), Lookup::Refetch);
    c.fetch_succeeded(keys_a(), at(30)); // not published yet
    assert_eq!(c.lookup(Some("rotated"), at(31)), Lookup::RefetchRefused);
    assert_eq!(c.lookup(Some("rotated"), at(89)), Lookup::RefetchRefused);
    assert_eq!(c.lookup(Some("rotated"), at(90)), Lookup::Refetch);
    c.fetch_succeeded(keys_a(), at(90));
    assert_eq!(c.lookup(Some("rotated"), at(91)), Lookup::RefetchRefused);
    assert_eq!(c.lookup(Some("rotated"), at(149)), Lookup::RefetchRefused);
    c.fetch_succeeded(
        KeySet::from_iter([key_a(), key_b().with_kid("rotated")]),
        at(150),
    );
    assert_eq!(c.lookup(Some("rotated"), at(150)), Lookup::Found);
    // Known kids are found whatever the rate limit.
    assert_eq!(c.lookup(Some("test-a"), at(151)), Lookup::Found);
}

#[test]
fn kidless_lookup_follows_keyset_rule() {
    let mut c = cache();
    c.fetch_succeeded(keys_a(), at(0));
    assert_eq!(c.lookup(None, at(0)), Lookup::Found);
    let two = KeySet::from_iter([key_a(), key_b()]);
    c.fetch_succeeded(two.clone(), at(0));
    // Not found: like an unknown kid, one forced refetch, then refused.
    assert_eq!(c.lookup(None, at(1)), Lookup::Refetch);
    c.fetch_succeeded(two, at(1));
    assert_eq!(c.lookup(None, at(2)), Lookup::RefetchRefused);
}

#[test]
fn staleness_follows_ttl_and_stale_keys_still_serve() {
    let mut c = cache();
    c.fetch_succeeded(keys_a(), at(0));
    assert!(!c.is_stale(at(3599)));
    assert!(c.is_stale(at(3600)));
    // Stale: it still verifies, and one background refresh starts.
    assert_eq!(c.lookup(Some("test-a"), at(7200)), Lookup::FoundRefresh);
    assert_eq!(c.lookup(Some("test-a"), at(7200)), Lookup::Found);
    assert_eq!(c.keys().len(), 1);
}

#[test]
fn refresh_due_is_rate_limited() {
    let mut c = cache();
    assert!(c.refresh_due(at(0)));
    assert!(!c.refresh_due(at(10))); // in flight
    c.fetch_failed(at(0));
    assert!(!c.refresh_due(at(10))); // fetch failed, try again later
    assert!(c.refresh_due(at(60)));
    c.fetch_succeeded(keys_a(), at(61));
    assert!(!c.refresh_due(at(62)));
    assert!(!c.refresh_due(at(3660)));
    assert!(c.refresh_due(at(3661)));
    assert!(!c.can_refetch(at(3662)));
}

#[test]
fn default_cache_settings() {
    let mut c = JwksCache::default();
    assert_eq!(c.ttl(), Duration::from_secs(3600));
    assert_eq!(c.min_refetch_interval(), Duration::from_secs(60));
    assert_eq!(c.max_stale(), Duration::from_secs(24 * 3600));
    c.fetch_succeeded(keys_a(), at(0));
    assert_eq!(c.lookup(Some("x"), at(0)), Lookup::Refetch);
    c.fetch_succeeded(keys_a(), at(0));
    assert_eq!(c.lookup(Some("x"), at(59)), Lookup::RefetchRefused);
    assert_eq!(c.lookup(Some("x"), at(60)), Lookup::Refetch);
    c.fetch_failed(at(60));
    assert_eq!(c.retry_at(), Some(at(120)));
    assert!(!c.is_stale(at(3599)));
    assert!(c.is_stale(at(3600)));
    assert_eq!(c.usable_until(), Some(at(3600 + 24 * 3600)));
    assert!(c.is_usable(at(3600 + 24 * 3600 - 1)));
    assert!(!c.is_usable(at(3600 + 24 * 3600)));
}

#[test]
fn cache_verify_refuses_a_set_past_max_stale() {
    let mut c = cache().with_max_stale(Duration::from_secs(600));
    let t = sign_a("test-a", &format!(r#"{{"exp":{}}}"#, NOW + 100_000));
    let v = Validation::new();
    assert_eq!(
        c.verify::<Claims>(&t, &v, at(0)),
        Err(JwtError::JwksUnavailable {
            fetched_at: None,
            now: NOW
        })
    );
    c.fetch_succeeded(keys_a(), at(0));
    assert!(c.verify::<Claims>(&t, &v, at(4199)).is_ok());
    assert_eq!(
        c.verify::<Claims>(&t, &v, at(4200)),
        Err(JwtError::JwksUnavailable {
            fetched_at: Some(NOW),
            now: NOW + 4200
        })
    );
    // Past the bound, a known kid is not found: a reload is needed.
    assert_eq!(c.lookup(Some("test-a"), at(4200)), Lookup::Refetch);
    let e = c.unavailable_error(at(4200)).to_string();
    assert!(e.contains("max-stale"), "{e}");
}
