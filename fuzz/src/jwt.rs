//! Compact JWS tokens and JWK Sets from structured input; the test-only keys; an
//! independent check of what `jwt::verify` accepted.

use std::sync::OnceLock;

use arbitrary::Arbitrary;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use sentinel_proto::UnixTime;
use sentinel_proto::jwt::{
    Algorithm, AlgorithmSet, Claims, JwtError, KeySet, RsaPublicKey, Validation,
};

use crate::NOW;
use crate::json::{Doc, Key, Known, Scalar, Value, push_str};

/// TEST-ONLY key A (see `crates/sentinel-proto/testdata/jwt/README.md`): SPKI DER.
pub const KEY_A_SPKI: &[u8] =
    include_bytes!("../../crates/sentinel-proto/testdata/jwt/test-only-rsa2048-a.pub.der");

/// The DER prefix of a 2048-bit RSA SubjectPublicKeyInfo, before the PKCS#1 key.
const SPKI_2048_PREFIX: [u8; 24] = [
    0x30, 0x82, 0x01, 0x22, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01,
    0x01, 0x05, 0x00, 0x03, 0x82, 0x01, 0x0f, 0x00,
];

/// Key A as PKCS#1 `RSAPublicKey` DER, the form `ring::signature::UnparsedPublicKey`
/// takes for RSA.
pub fn key_a_pkcs1() -> &'static [u8] {
    KEY_A_SPKI
        .strip_prefix(&SPKI_2048_PREFIX[..])
        .expect("key A is a 2048-bit SPKI")
}

/// Key A, as sentinel-proto reads it.
pub fn key_a() -> RsaPublicKey {
    RsaPublicKey::from_spki_der(KEY_A_SPKI).expect("key A")
}

/// The fixed key set of the verify targets: key A as `test-a` restricted to RS256,
/// key A as `test-a-any` (any RS algorithm), and LivePerson's V1 key.
pub fn key_set() -> &'static KeySet {
    static SET: OnceLock<KeySet> = OnceLock::new();
    SET.get_or_init(|| {
        KeySet::from_iter([
            key_a().with_kid("test-a").with_alg(Algorithm::Rs256),
            key_a().with_kid("test-a-any"),
            RsaPublicKey::liveperson_v1(),
        ])
    })
}

/// Which [`Validation`] to verify with.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum Rules {
    Default,
    AppJwt,
    IdToken,
    NoLeeway,
    AllRs,
    /// An AppJWT pinned to one account and one application (`aud` and `azp`).
    AppJwtFor,
}

impl Rules {
    pub const ALL: [Rules; 6] = [
        Rules::Default,
        Rules::AppJwt,
        Rules::IdToken,
        Rules::NoLeeway,
        Rules::AllRs,
        Rules::AppJwtFor,
    ];

    pub fn validation(self) -> Validation {
        match self {
            Rules::Default => Validation::new(),
            Rules::AppJwt => Validation::app_jwt(),
            Rules::IdToken => Validation::id_token("client-1"),
            Rules::NoLeeway => Validation::new().with_leeway(std::time::Duration::ZERO),
            Rules::AllRs => Validation::new().with_algorithms(AlgorithmSet::from_slice(&[
                Algorithm::Rs256,
                Algorithm::Rs384,
                Algorithm::Rs512,
            ])),
            Rules::AppJwtFor => {
                Validation::app_jwt_for("81823118", "4b3c2d1e-0000-4000-8000-00000000c1d0")
            }
        }
    }
}

/// How a segment is encoded.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum Enc {
    Strict,
    Padded,
    Standard,
}

impl Enc {
    pub fn encode(self, bytes: &[u8]) -> String {
        match self {
            Enc::Strict => URL_SAFE_NO_PAD.encode(bytes),
            Enc::Padded => URL_SAFE.encode(bytes),
            Enc::Standard => STANDARD.encode(bytes),
        }
    }
}

/// A token: raw text, or three (or more) segments built from JSON.
#[derive(Arbitrary, Clone, Debug)]
pub enum Token {
    Raw(String),
    Parts {
        header: Doc,
        header_enc: Enc,
        claims: Doc,
        claims_enc: Enc,
        signature: Vec<u8>,
        /// Extra text after the signature (e.g. `.x` makes four segments).
        tail: String,
    },
}

impl Token {
    pub fn text(&self) -> String {
        match self {
            Token::Raw(s) => s.clone(),
            Token::Parts {
                header,
                header_enc,
                claims,
                claims_enc,
                signature,
                tail,
            } => format!(
                "{}.{}.{}{tail}",
                header_enc.encode(header.text().as_bytes()),
                claims_enc.encode(claims.text().as_bytes()),
                URL_SAFE_NO_PAD.encode(signature)
            ),
        }
    }
}

/// Strict base64url decoding, independent of sentinel-proto's.
pub fn unb64(s: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(s).ok()
}

/// No `JwtError` message carries a control character (untrusted strings are
/// printed escaped).
pub fn check_error(e: &JwtError) {
    let s = crate::shown(e);
    assert!(!s.chars().any(char::is_control), "{s:?}");
}

/// A token `verify` accepted really is signed by key A (checked with `ring`
/// directly) and really satisfies `rules` at [`NOW`] (checked on
/// `serde_json::Value`).
pub fn check_accepted(token: &str, rules: Rules, claims: &Claims) {
    let (signing_input, sig) = token.rsplit_once('.').expect("three segments");
    let (header, payload) = signing_input.split_once('.').expect("three segments");
    let header: serde_json::Value =
        serde_json::from_slice(&unb64(header).expect("strict base64url header")).expect("json");
    let params = match header["alg"].as_str() {
        Some("RS256") => &ring::signature::RSA_PKCS1_2048_8192_SHA256,
        Some("RS384") => &ring::signature::RSA_PKCS1_2048_8192_SHA384,
        Some("RS512") => &ring::signature::RSA_PKCS1_2048_8192_SHA512,
        other => panic!("accepted alg {other:?}"),
    };
    let sig = unb64(sig).expect("strict base64url signature");
    ring::signature::UnparsedPublicKey::new(params, key_a_pkcs1())
        .verify(signing_input.as_bytes(), &sig)
        .expect("ring verifies what jwt::verify accepted");
    for bad in ["jwk", "jku", "x5u", "x5c", "crit"] {
        assert!(header.get(bad).is_none(), "accepted a {bad} header");
    }
    let payload: serde_json::Value =
        serde_json::from_slice(&unb64(payload).expect("strict base64url payload")).expect("json");
    let payload = payload.as_object().expect("claims are an object");
    assert_eq!(payload, claims);
    assert_eq!(claims_ok(payload, rules), Ok(()), "{payload:?}");
}

/// NumericDate seconds as the verifier reads them: negative is 0, fractions
/// truncated; `Err` for a non-number.
fn secs(v: &serde_json::Value) -> Result<u64, ()> {
    if let Some(n) = v.as_u64() {
        Ok(n)
    } else if v.as_i64().is_some() {
        Ok(0)
    } else if let Some(f) = v.as_f64() {
        Ok(if f <= 0.0 { 0 } else { f as u64 })
    } else {
        Err(())
    }
}

/// Whether `claims` satisfy `rules` at [`NOW`]: an independent reading of RFC 7519
/// and the documented `Validation` semantics. `Err` names the first bad claim.
pub fn claims_ok(
    claims: &serde_json::Map<String, serde_json::Value>,
    rules: Rules,
) -> Result<(), &'static str> {
    let v = rules.validation();
    let leeway = v.leeway().as_secs();
    let exp = secs(claims.get("exp").ok_or("exp")?).map_err(|_| "exp")?;
    if NOW >= exp.saturating_add(leeway) {
        return Err("exp");
    }
    for name in ["nbf", "iat"] {
        if let Some(at) = claims.get(name) {
            let at = secs(at).map_err(|_| name)?;
            if NOW + leeway < at {
                return Err(name);
            }
        }
    }
    // Any of the accepted issuers, compared exactly (the ID-token preset accepts
    // two spellings).
    if !v.issuers().is_empty() {
        let iss = claims.get("iss").and_then(|i| i.as_str());
        if !iss.is_some_and(|i| v.issuers().iter().any(|a| a == i)) {
            return Err("iss");
        }
    }
    if !v.audiences().is_empty() {
        let found: Vec<&str> = match claims.get("aud") {
            Some(serde_json::Value::String(s)) => vec![s.as_str()],
            Some(serde_json::Value::Array(a)) => a
                .iter()
                .map(|x| x.as_str().ok_or("aud"))
                .collect::<Result<_, _>>()?,
            _ => return Err("aud"),
        };
        if !found.iter().any(|f| v.audiences().iter().any(|a| a == f)) {
            return Err("aud");
        }
    }
    if let Some(expected) = v.authorized_party()
        && claims.get("azp").and_then(|a| a.as_str()) != Some(expected)
    {
        return Err("azp");
    }
    Ok(())
}

/// The key material of a JWK member.
#[derive(Arbitrary, Clone, Debug)]
pub enum Material {
    /// Key A's modulus (or exponent), optionally with one byte changed and/or a
    /// leading zero byte.
    KeyA {
        flip: Option<(u16, u8)>,
        leading_zero: bool,
        padded: bool,
    },
    Bytes(Vec<u8>),
    Text(String),
    Known(Known),
    Number(u64),
}

/// One JWK Set entry.
#[derive(Arbitrary, Clone, Debug)]
pub struct Jwk {
    pub kty: Option<Scalar>,
    pub use_: Option<Scalar>,
    pub key_ops: Option<Vec<Scalar>>,
    pub alg: Option<Scalar>,
    pub kid: Option<Scalar>,
    pub n: Option<Material>,
    pub e: Option<Material>,
    pub extra: Vec<(Key, Scalar)>,
}

/// A JWK Set document.
#[derive(Arbitrary, Clone, Debug)]
pub enum Jwks {
    Raw(Vec<u8>),
    Keys {
        keys: Vec<Jwk>,
        extra: Vec<(Key, Value)>,
    },
}

impl Jwks {
    pub fn bytes(&self) -> Vec<u8> {
        let (keys, extra) = match self {
            Jwks::Raw(b) => return b.clone(),
            Jwks::Keys { keys, extra } => (keys, extra),
        };
        let a = key_a();
        let mut out = String::from("{\"keys\":[");
        for (i, k) in keys.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let mut members: Vec<(String, String)> = Vec::new();
            let mut scalar = |name: &str, s: &Scalar| {
                let mut v = String::new();
                Value::Scalar(s.clone()).write(&mut v);
                members.push((name.to_owned(), v));
            };
            if let Some(s) = &k.kty {
                scalar("kty", s);
            }
            if let Some(s) = &k.use_ {
                scalar("use", s);
            }
            if let Some(s) = &k.alg {
                scalar("alg", s);
            }
            if let Some(s) = &k.kid {
                scalar("kid", s);
            }
            for (key, s) in &k.extra {
                scalar(key.name(), s);
            }
            if let Some(ops) = &k.key_ops {
                let mut v = String::new();
                Value::Array(ops.clone()).write(&mut v);
                members.push(("key_ops".to_owned(), v));
            }
            for (name, m, part) in [("n", &k.n, a.modulus()), ("e", &k.e, a.exponent())] {
                if let Some(m) = m {
                    members.push((name.to_owned(), material(m, part)));
                }
            }
            out.push('{');
            for (j, (name, v)) in members.iter().enumerate() {
                if j > 0 {
                    out.push(',');
                }
                push_str(&mut out, name);
                out.push(':');
                out.push_str(v);
            }
            out.push('}');
        }
        out.push(']');
        for (k, v) in extra {
            out.push(',');
            push_str(&mut out, k.name());
            out.push(':');
            v.write(&mut out);
        }
        out.push('}');
        out.into_bytes()
    }
}

fn material(m: &Material, key_a_part: &[u8]) -> String {
    let mut out = String::new();
    match m {
        Material::KeyA {
            flip,
            leading_zero,
            padded,
        } => {
            let mut b = Vec::new();
            if *leading_zero {
                b.push(0);
            }
            b.extend_from_slice(key_a_part);
            if let Some((at, x)) = flip {
                let i = usize::from(*at) % b.len();
                b[i] ^= x;
            }
            let enc = if *padded { Enc::Padded } else { Enc::Strict };
            push_str(&mut out, &enc.encode(&b));
        }
        Material::Bytes(b) => push_str(&mut out, &URL_SAFE_NO_PAD.encode(b)),
        Material::Text(s) => push_str(&mut out, s),
        Material::Known(k) => push_str(&mut out, k.as_str()),
        Material::Number(n) => out.push_str(&n.to_string()),
    }
    out
}

/// Serialises a key set back to a JWKS (strict base64url, `kid`, `alg`).
pub fn to_jwks(set: &KeySet) -> Vec<u8> {
    let keys: Vec<serde_json::Value> = set
        .iter()
        .map(|k| {
            let mut m = serde_json::Map::new();
            m.insert("kty".into(), "RSA".into());
            m.insert("n".into(), URL_SAFE_NO_PAD.encode(k.modulus()).into());
            m.insert("e".into(), URL_SAFE_NO_PAD.encode(k.exponent()).into());
            if let Some(kid) = k.kid() {
                m.insert("kid".into(), kid.into());
            }
            if let Some(alg) = k.alg() {
                m.insert("alg".into(), alg.as_str().into());
            }
            serde_json::Value::Object(m)
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({ "keys": keys })).expect("serialisable")
}

/// `now` of the verify targets.
pub fn now() -> UnixTime {
    UnixTime::from_secs(NOW)
}

/// TEST-ONLY private key A (PKCS#8 DER), published in the repository for tests.
const KEY_A_PK8: &[u8] =
    include_bytes!("../../crates/sentinel-proto/testdata/jwt/test-only-rsa2048-a.pk8.der");

/// Signs `signing_input` with TEST-ONLY key A: RS384/RS512 if `alg` names them,
/// RS256 otherwise. Returns the base64url signature.
pub fn sign_a(signing_input: &str, alg: Option<&str>) -> String {
    use ring::signature::{RSA_PKCS1_SHA256, RSA_PKCS1_SHA384, RSA_PKCS1_SHA512, RsaKeyPair};
    static PAIR: OnceLock<RsaKeyPair> = OnceLock::new();
    let pair = PAIR.get_or_init(|| RsaKeyPair::from_pkcs8(KEY_A_PK8).expect("key A pk8"));
    let enc = match alg {
        Some("RS384") => &RSA_PKCS1_SHA384,
        Some("RS512") => &RSA_PKCS1_SHA512,
        _ => &RSA_PKCS1_SHA256,
    };
    let mut sig = vec![0; pair.public().modulus_len()];
    pair.sign(
        enc,
        &ring::rand::SystemRandom::new(),
        signing_input.as_bytes(),
        &mut sig,
    )
    .expect("signing");
    URL_SAFE_NO_PAD.encode(sig)
}

/// What `decode_header` accepted is a three-segment token of at most 16 KiB whose
/// strict-base64url header `serde_json` reads to the same `alg` and `kid`.
pub fn check_header(token: &str, header: &Result<sentinel_proto::jwt::Header, JwtError>) {
    match header {
        Ok(h) => {
            assert!(token.len() <= 16 * 1024 && token.matches('.').count() == 2);
            let raw = unb64(token.split('.').next().unwrap_or_default()).expect("base64url");
            // serde_json skips members the header parser does not read without
            // checking them (out-of-range numbers, lone surrogates), so an accepted
            // header may not read as a `Value`; there is then nothing to compare.
            let Ok(json) = serde_json::from_slice::<serde_json::Value>(&raw) else {
                return;
            };
            assert_eq!(json["alg"], h.alg.as_str());
            assert_eq!(json.get("kid").and_then(|k| k.as_str()), h.kid.as_deref());
        }
        Err(e) => check_error(e),
    }
}

/// What `decode_unverified` accepted has `decode_header`'s header, claims equal to
/// `serde_json`'s reading of the payload, and a strict-base64url signature.
pub fn check_unverified(
    token: &str,
    header: &Result<sentinel_proto::jwt::Header, JwtError>,
    unverified: Result<sentinel_proto::jwt::Unverified<Claims>, JwtError>,
) {
    match unverified {
        Ok(u) => {
            assert_eq!(Ok(&u.header), header.as_ref());
            let payload = unb64(token.split('.').nth(1).unwrap_or_default()).expect("base64url");
            let claims = serde_json::from_slice::<Claims>(&payload).ok();
            assert_eq!(claims, Some(u.claims));
            assert!(unb64(token.split('.').nth(2).unwrap_or_default()).is_some());
        }
        Err(e) => check_error(&e),
    }
}

/// `decode_unverified::<C>` (whose claims come from the scanned members where
/// they can) gives serde_json's reading of the payload as `C`, and fails
/// where serde_json fails.
pub fn check_unverified_as<C>(
    token: &str,
    unverified: Result<sentinel_proto::jwt::Unverified<C>, JwtError>,
) where
    C: serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let payload = token.split('.').nth(1).and_then(unb64);
    let serde = payload.as_deref().map(serde_json::from_slice::<C>);
    match unverified {
        Ok(u) => assert_eq!(serde.and_then(Result::ok), Some(u.claims)),
        Err(e) => {
            check_error(&e);
            let claims_error = matches!(
                e,
                JwtError::ClaimsType { .. } | JwtError::MissingClaim { .. }
            );
            if claims_error {
                assert!(matches!(serde, Some(Err(_))), "{e:?}");
            }
        }
    }
}

/// What `decode_unverified_exp` answered is serde_json's reading of the
/// payload as `{ exp: Option<u64> }` (its scanner of flat payloads and serde
/// must agree).
pub fn check_unverified_exp(token: &str, exp: Result<Option<u64>, JwtError>) {
    #[derive(serde::Deserialize)]
    struct Exp {
        exp: Option<u64>,
    }
    match exp {
        Ok(exp) => {
            let payload = unb64(token.split('.').nth(1).unwrap_or_default()).expect("base64url");
            let serde = serde_json::from_slice::<Exp>(&payload).ok().map(|e| e.exp);
            assert_eq!(serde, Some(exp));
        }
        Err(e) => check_error(&e),
    }
}

/// The header of `jwt_verify_signed`'s tokens unless the input brings one.
pub const CLEAN_HEADER: &str = r#"{"alg":"RS256","typ":"JWT","kid":"test-a"}"#;

/// `header.claims` (JSON text), base64url-encoded and signed with key A.
pub fn signed_token(header: &str, claims: &str) -> String {
    let input = format!(
        "{}.{}",
        Enc::Strict.encode(header.as_bytes()),
        Enc::Strict.encode(claims.as_bytes())
    );
    let h = serde_json::from_str::<serde_json::Value>(header).ok();
    let sig = sign_a(&input, h.as_ref().and_then(|h| h["alg"].as_str()));
    format!("{input}.{sig}")
}

/// Checks `verify`'s result on a token signed with key A: what it accepted is
/// genuine and valid; and under [`CLEAN_HEADER`] it accepts exactly when the claims
/// (registered claims not duplicated, the whole set valid JSON) satisfy `rules`.
pub fn check_signed(
    token: &str,
    header: &str,
    claims: &str,
    rules: Rules,
    result: &Result<Claims, JwtError>,
) {
    use crate::json::{Shape, as_object, shape};
    match result {
        Ok(c) => check_accepted(token, rules, c),
        Err(e) => check_error(e),
    }
    if header != CLEAN_HEADER {
        return;
    }
    // A long claims set (the structured input can expand to more JSON than its
    // bytes) makes a token over the length cap, refused before anything else.
    if token.len() > sentinel_proto::jwt::DEFAULT_MAX_TOKEN_LEN {
        assert!(
            matches!(result, Err(JwtError::TooLarge { len, max })
                if *len == token.len() && *max == sentinel_proto::jwt::DEFAULT_MAX_TOKEN_LEN),
            "{result:?}"
        );
        return;
    }
    // The members the library reads (a duplicate of one of them is refused).
    let registered = shape(
        claims.as_bytes(),
        &["exp", "nbf", "iat", "iss", "aud", "azp"],
    );
    match (registered, as_object(claims.as_bytes())) {
        (Shape::Object(_), Some(obj)) => {
            let ok = claims_ok(&obj, rules);
            assert_eq!(result.is_ok(), ok.is_ok(), "{result:?} {ok:?} {claims}");
        }
        _ => assert!(result.is_err()),
    }
}

/// The keys `KeySet::from_jwks(doc)` accepted: at most 32, each usable by ring
/// (2048-8192-bit odd modulus without leading zero, odd exponent of at most 33
/// bits), findable by its `kid`; serialised back to a JWKS, an equal set.
pub fn check_key_set(doc: &[u8], set: KeySet) {
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
