//! The emulator's signing keys (committed, TEST-ONLY: see `keys/README.md`) and
//! JWT signing.

use std::sync::{Mutex, PoisonError};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{KeyPair, RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

/// An RSA signing key. Its `kid` is given when signing, so that a rotation can
/// publish the same key material under a new name.
pub(crate) struct SigningKey {
    pair: RsaKeyPair,
    spki: &'static [u8],
    /// The last signing input and its encoded signature. RS256 (PKCS#1 v1.5) is
    /// deterministic, so reusing it changes no byte of any answer; it spares the
    /// private-key operation for the AppJWTs issued within one second, which
    /// otherwise dominates an end-to-end benchmark against the emulator.
    last: Mutex<Option<(String, String)>>,
}

/// A key with the `kid` it is used under.
#[derive(Clone, Copy)]
pub(crate) struct Named<'a> {
    pub(crate) kid: &'a str,
    pub(crate) key: &'a SigningKey,
}

impl Named<'_> {
    /// The public key as a JWK.
    pub(crate) fn jwk(self) -> Value {
        self.key.jwk(self.kid)
    }

    /// An RS256 compact JWS of `claims`.
    pub(crate) fn sign(self, claims: &Value) -> String {
        self.key.sign(self.kid, claims)
    }
}

impl SigningKey {
    fn load(pk8: &[u8], spki: &'static [u8]) -> Self {
        // The keys are compiled in and checked by the tests; a bad one is a build defect.
        #[allow(clippy::expect_used)]
        let pair = RsaKeyPair::from_pkcs8(pk8).expect("committed test key is valid PKCS#8");
        Self {
            pair,
            spki,
            last: Mutex::new(None),
        }
    }

    /// The public key as SPKI DER.
    pub(crate) fn spki_der(&self) -> &'static [u8] {
        self.spki
    }

    /// The public key as a JWK.
    pub(crate) fn jwk(&self, kid: &str) -> Value {
        let c: aws_lc_rs::signature::RsaPublicKeyComponents<Vec<u8>> =
            self.pair.public_key().into();
        let strip = |b: &[u8]| -> Vec<u8> { b.iter().copied().skip_while(|x| *x == 0).collect() };
        json!({
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": kid,
            "n": URL_SAFE_NO_PAD.encode(strip(&c.n)),
            "e": URL_SAFE_NO_PAD.encode(strip(&c.e)),
        })
    }

    /// An RS256 compact JWS of `claims` with the documented header.
    pub(crate) fn sign(&self, kid: &str, claims: &Value) -> String {
        let header = json!({"kid": kid, "typ": "JWT", "alg": "RS256"});
        let mut input = URL_SAFE_NO_PAD.encode(header.to_string());
        input.push('.');
        input.push_str(&URL_SAFE_NO_PAD.encode(claims.to_string()));
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        let sig = match last.as_ref() {
            Some((signed, sig)) if *signed == input => sig.clone(),
            _ => {
                let sig = URL_SAFE_NO_PAD.encode(self.raw_signature(&input));
                *last = Some((input.clone(), sig.clone()));
                sig
            }
        };
        drop(last);
        input.push('.');
        input.push_str(&sig);
        input
    }

    fn raw_signature(&self, input: &str) -> Vec<u8> {
        let mut sig = vec![0u8; self.pair.public_key().modulus_len()];
        // Signing with a valid key into a buffer of the modulus length cannot fail.
        if self
            .pair
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                input.as_bytes(),
                &mut sig,
            )
            .is_err()
        {
            sig.clear();
        }
        sig
    }
}

/// The kid of LivePerson's V1 AppJWT key, which the emulator's V1 key imitates.
pub const V1_KID: &str = "appjwt-13-05-17";
/// The kid of the emulator's first ID-token key, which signs ID tokens until
/// [`MockHandle::rotate_id_token_key`](crate::MockHandle::rotate_id_token_key).
pub const ID_TOKEN_KID: &str = "idtoken-19-08-19";

/// The kid of the key behind the "unknown key" fault, never published.
pub(crate) const UNKNOWN_KID: &str = "unknown-key";

/// Every key of the emulator.
pub(crate) struct Keys {
    pub(crate) v1: SigningKey,
    pub(crate) id_token: SigningKey,
    pub(crate) rotating: [SigningKey; 3],
    pub(crate) unknown: SigningKey,
}

impl Keys {
    pub(crate) fn load() -> Self {
        macro_rules! key {
            ($name:literal) => {
                SigningKey::load(
                    include_bytes!(concat!("../keys/test-only-", $name, ".pk8.der")),
                    include_bytes!(concat!("../keys/test-only-", $name, ".spki.der")),
                )
            };
        }
        Self {
            v1: key!("v1"),
            id_token: key!("idtoken"),
            rotating: [key!("rot1"), key!("rot2"), key!("rot3")],
            unknown: key!("unknown"),
        }
    }

    /// The V1 AppJWT key.
    pub(crate) fn v1(&self) -> Named<'_> {
        Named {
            kid: V1_KID,
            key: &self.v1,
        }
    }

    /// The first ID-token key under its kid (the emulator signs with
    /// `Shared::current_id_token`, which follows rotations).
    #[cfg(test)]
    pub(crate) fn id_token(&self) -> Named<'_> {
        Named {
            kid: ID_TOKEN_KID,
            key: &self.id_token,
        }
    }

    /// The key nobody publishes.
    pub(crate) fn unknown(&self) -> Named<'_> {
        Named {
            kid: UNKNOWN_KID,
            key: &self.unknown,
        }
    }
}

/// A random opaque token: 256 bits, base64url.
pub(crate) fn opaque(prefix: &str) -> String {
    let mut b = [0u8; 32];
    let _ = aws_lc_rs::rand::SecureRandom::fill(&SystemRandom::new(), &mut b);
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(b))
}

/// Reads the claims of a JWT signed by one of `keys`, if the signature is good.
pub(crate) fn verify<'k>(token: &str, keys: impl IntoIterator<Item = Named<'k>>) -> Option<Value> {
    let mut parts = token.split('.');
    let (h, p, s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).ok()?).ok()?;
    let kid = header.get("kid")?.as_str()?;
    let sig = URL_SAFE_NO_PAD.decode(s).ok()?;
    if header.get("alg")?.as_str()? != "RS256" {
        return None;
    }
    let key = keys.into_iter().find(|k| k.kid == kid)?;
    let public = aws_lc_rs::signature::UnparsedPublicKey::new(
        &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
        key.key.pair.public_key().as_ref(),
    );
    let signed = &token[..h.len() + 1 + p.len()];
    public.verify(signed.as_bytes(), &sig).ok()?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).ok()?).ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_committed_spki_matches_its_private_key() {
        let k = Keys::load();
        let all = [&k.v1, &k.id_token, &k.unknown]
            .into_iter()
            .chain(k.rotating.iter());
        for key in all {
            // SPKI = header + BIT STRING holding the PKCS#1 RSAPublicKey.
            assert!(key.spki.ends_with(key.pair.public_key().as_ref()));
            assert_eq!(key.pair.public_key().modulus_len(), 256, "2048-bit");
        }
    }

    #[test]
    fn sign_then_verify_and_reject_tampering() {
        let k = Keys::load();
        let claims = json!({"sub": "x"});
        let jwt = k.v1().sign(&claims);
        assert_eq!(verify(&jwt, [k.v1()]), Some(claims));
        assert_eq!(verify(&jwt, [k.id_token()]), None, "kid mismatch");
        let other = Named {
            kid: V1_KID,
            key: &k.unknown,
        };
        assert_eq!(verify(&jwt, [other]), None, "wrong key");
        let mut bad = jwt.clone();
        bad.push('A');
        assert_eq!(verify(&bad, [k.v1()]), None);
        assert_eq!(verify("a.b", [k.v1()]), None);
        assert_eq!(verify("", [k.v1()]), None);
    }

    #[test]
    fn a_reused_signature_is_the_one_a_fresh_signing_gives() {
        let k = Keys::load();
        let (a, b) = (json!({"sub": "a"}), json!({"sub": "b"}));
        let first = k.v1().sign(&a);
        assert_eq!(k.v1().sign(&a), first, "same input, same token");
        let other = k.v1().sign(&b);
        assert_ne!(other, first);
        assert_eq!(verify(&other, [k.v1()]), Some(b));
        // What the cache returned equals a signature computed from scratch.
        let input = first.rsplit_once('.').unwrap().0;
        assert_eq!(
            URL_SAFE_NO_PAD.encode(k.v1.raw_signature(input)),
            first.rsplit_once('.').unwrap().1
        );
        // Under another kid the input differs, so the token does too.
        let rotated = Named {
            kid: "other",
            key: &k.v1,
        };
        assert_ne!(rotated.sign(&a), first);
    }
}
