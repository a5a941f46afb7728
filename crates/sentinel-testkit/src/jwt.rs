//! Shared helpers for the `jwt_*` integration tests: test-only keys (see
//! `testdata/jwt/README.md`) and token signing with `ring`.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::SystemRandom;
use ring::signature::{self, RsaKeyPair};
use sentinel_proto::UnixTime;
use sentinel_proto::jwt::{KeySet, RsaPublicKey};

/// TEST-ONLY private keys (PKCS#8 DER).
pub const KEY_A_PK8: &[u8] =
    include_bytes!("../../sentinel-proto/testdata/jwt/test-only-rsa2048-a.pk8.der");
pub const KEY_B_PK8: &[u8] =
    include_bytes!("../../sentinel-proto/testdata/jwt/test-only-rsa2048-b.pk8.der");
pub const KEY_C_PK8: &[u8] =
    include_bytes!("../../sentinel-proto/testdata/jwt/test-only-rsa4096-c.pk8.der");
pub const KEY_A_PEM: &str =
    include_str!("../../sentinel-proto/testdata/jwt/test-only-rsa2048-a.pub.pem");
pub const KEY_A_DER: &[u8] =
    include_bytes!("../../sentinel-proto/testdata/jwt/test-only-rsa2048-a.pub.der");
pub const KEY_A_PKCS1_PEM: &str =
    include_str!("../../sentinel-proto/testdata/jwt/test-only-rsa2048-a.pkcs1.pub.pem");
pub const KEY_B_PEM: &str =
    include_str!("../../sentinel-proto/testdata/jwt/test-only-rsa2048-b.pub.pem");
pub const KEY_C_PEM: &str =
    include_str!("../../sentinel-proto/testdata/jwt/test-only-rsa4096-c.pub.pem");
pub const JWKS_MIXED: &[u8] = include_bytes!("../../sentinel-proto/testdata/jwt/jwks-mixed.json");

/// A fixed "now" for tests (2023-11-14).
pub const NOW: u64 = 1_700_000_000;

pub fn now() -> UnixTime {
    UnixTime::from_secs(NOW)
}

pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn unb64(s: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(s).unwrap()
}

/// Which RSASSA-PKCS1-v1_5 hash to sign with.
#[derive(Clone, Copy)]
pub enum Hash {
    Sha256,
    Sha384,
    Sha512,
}

/// A file of sentinel-proto's JWT fixtures (`testdata/jwt/`), by absolute path:
/// for the tests that hand a key file to the `sentinel` binary.
pub fn fixture(name: &str) -> String {
    format!(
        "{}/../sentinel-proto/testdata/jwt/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// The real time, in seconds since the epoch (for tokens a binary checks
/// against its own clock).
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Signs the already-encoded `header_b64.payload_b64` with a test key.
pub fn sign_segments(pk8: &[u8], hash: Hash, header_b64: &str, payload_b64: &str) -> String {
    sign_input(pk8, hash, &format!("{header_b64}.{payload_b64}"))
}

/// Signs `input`, whatever it is (`header.payload` or not), with a test key, and
/// appends `.signature`.
pub fn sign_input(pk8: &[u8], hash: Hash, input: &str) -> String {
    let kp = RsaKeyPair::from_pkcs8(pk8).unwrap();
    let mut sig = vec![0u8; kp.public().modulus_len()];
    let enc = match hash {
        Hash::Sha256 => &signature::RSA_PKCS1_SHA256,
        Hash::Sha384 => &signature::RSA_PKCS1_SHA384,
        Hash::Sha512 => &signature::RSA_PKCS1_SHA512,
    };
    kp.sign(enc, &SystemRandom::new(), input.as_bytes(), &mut sig)
        .unwrap();
    format!("{input}.{}", b64(sig))
}

/// Signs JSON `header` and `claims` (given as text, so tests control every byte).
pub fn sign_json(pk8: &[u8], hash: Hash, header: &str, claims: &str) -> String {
    sign_segments(pk8, hash, &b64(header), &b64(claims))
}

/// RS256 with key A and header `{"alg":"RS256","typ":"JWT","kid":kid}`.
pub fn sign_a(kid: &str, claims: &str) -> String {
    let header = format!(r#"{{"alg":"RS256","typ":"JWT","kid":"{kid}"}}"#);
    sign_json(KEY_A_PK8, Hash::Sha256, &header, claims)
}

pub fn key_a() -> RsaPublicKey {
    RsaPublicKey::from_pem(KEY_A_PEM)
        .unwrap()
        .with_kid("test-a")
}

pub fn key_b() -> RsaPublicKey {
    RsaPublicKey::from_pem(KEY_B_PEM)
        .unwrap()
        .with_kid("test-b")
}

pub fn keys_a() -> KeySet {
    KeySet::from_iter([key_a()])
}

/// A JWKS document publishing `keys` (each with its `kid`), as Sentinel's
/// `/sentinel/well-known/jwks` answers.
pub fn jwks_json<'a>(keys: impl IntoIterator<Item = &'a RsaPublicKey>) -> String {
    let keys: Vec<String> = keys
        .into_iter()
        .map(|k| {
            format!(
                r#"{{"kty":"RSA","kid":"{}","n":"{}","e":"{}"}}"#,
                k.kid().unwrap_or_default(),
                b64(k.modulus()),
                b64(k.exponent())
            )
        })
        .collect();
    format!(r#"{{"keys":[{}]}}"#, keys.join(","))
}

/// The RFC 7515 Appendix A.2 example: token and public JWK.
pub const RFC7515_A2_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";
pub const RFC7515_A2_N: &str = "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ";
/// exp of the A.2 claims.
pub const RFC7515_A2_EXP: u64 = 1_300_819_380;

pub fn rfc7515_a2_keys() -> KeySet {
    KeySet::from_jwks(
        format!(r#"{{"keys":[{{"kty":"RSA","n":"{RFC7515_A2_N}","e":"AQAB"}}]}}"#).as_bytes(),
    )
    .unwrap()
}
