//! JWK Set parsing (RFC 7517 §5) into a [`KeySet`].

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde::Deserialize;

use super::alg::Algorithm;
use super::error::JwtError;
use super::jose_json::{CowStr, MapOnly};
use super::keys::{KeySet, RsaPublicKey};

/// Default cap on a JWKS document's size (64 KiB).
pub const DEFAULT_MAX_JWKS_LEN: usize = 64 * 1024;

/// Default cap on the number of entries in a JWKS `keys` array (32).
pub const DEFAULT_MAX_JWKS_KEYS: usize = 32;

/// JWK members are base64url; padding is tolerated here (some publishers add it),
/// non-canonical trailing bits are not.
const JWK_B64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(false),
);

/// Caps applied while parsing a JWKS (it usually arrives from the network).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct JwksLimits {
    /// Largest document accepted, in bytes.
    pub max_len: usize,
    /// Most entries accepted in `keys` (counting entries that are skipped).
    pub max_keys: usize,
}

impl JwksLimits {
    /// Limits of `max_len` bytes and `max_keys` entries.
    pub const fn new(max_len: usize, max_keys: usize) -> Self {
        Self { max_len, max_keys }
    }
}

impl Default for JwksLimits {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_JWKS_LEN, DEFAULT_MAX_JWKS_KEYS)
    }
}

#[derive(Deserialize)]
struct Jwks<'a> {
    #[serde(borrow)]
    keys: Vec<MapOnly<Jwk<'a>>>,
}

#[derive(Deserialize)]
struct Jwk<'a> {
    #[serde(default, borrow)]
    kty: Option<CowStr<'a>>,
    #[serde(default, borrow, rename = "use")]
    use_: Option<CowStr<'a>>,
    #[serde(default, borrow)]
    key_ops: Option<Vec<CowStr<'a>>>,
    #[serde(default, borrow)]
    alg: Option<CowStr<'a>>,
    #[serde(default, borrow)]
    kid: Option<CowStr<'a>>,
    #[serde(default, borrow)]
    n: Option<CowStr<'a>>,
    #[serde(default, borrow)]
    e: Option<CowStr<'a>>,
}

impl Jwk<'_> {
    /// The key, `Ok(None)` if this entry is not for us (another key type, an
    /// encryption key, another algorithm, a size the backend cannot verify), or an error
    /// if it is an RSA signature key whose `n`/`e` are malformed.
    fn to_key(&self) -> Result<Option<RsaPublicKey>, JwtError> {
        if self.kty.as_ref().map(|k| &*k.0) != Some("RSA") {
            return Ok(None);
        }
        if self.use_.as_ref().is_some_and(|u| u.0 != "sig") {
            return Ok(None);
        }
        if let Some(ops) = &self.key_ops
            && !ops.iter().any(|o| o.0 == "verify")
        {
            return Ok(None);
        }
        let alg = match &self.alg {
            None => None,
            Some(a) => match Algorithm::from_name(&a.0) {
                Some(alg) => Some(alg),
                None => return Ok(None), // PS256, RSA-OAEP, ...
            },
        };
        let (Some(n), Some(e)) = (&self.n, &self.e) else {
            return Err(JwtError::BadJwks {
                reason: "RSA key without n or e",
            });
        };
        let bad = JwtError::BadJwks {
            reason: "RSA key n or e is not base64url",
        };
        let n = JWK_B64.decode(&*n.0).map_err(|_| bad.clone())?;
        let e = JWK_B64.decode(&*e.0).map_err(|_| bad)?;
        let Ok(mut key) = RsaPublicKey::from_components(&n, &e) else {
            return Ok(None); // e.g. a legacy 1024-bit key: unusable, not fatal
        };
        if let Some(kid) = &self.kid {
            key = key.with_kid(&*kid.0);
        }
        if let Some(alg) = alg {
            key = key.with_alg(alg);
        }
        Ok(Some(key))
    }
}

impl KeySet {
    /// Parses a JWK Set document (e.g. Sentinel's `/sentinel/well-known/jwks`) with
    /// the default [`JwksLimits`].
    ///
    /// RSA keys for signing are kept (`kty: "RSA"`, `use` absent or `"sig"`,
    /// `key_ops` absent or containing `"verify"`, `alg` absent or RS256/384/512,
    /// 2048 to 8192 bits). Other entries are skipped: other key types, encryption
    /// keys, other algorithms, keys too small for the backend. A JWK `alg` restricts its
    /// key to that algorithm. Entries sharing a `kid` are all kept (see [`KeySet`]).
    ///
    /// ```
    /// use sentinel_proto::jwt::KeySet;
    /// // The RFC 7515 Appendix A.2 key, next to a key of another type.
    /// let jwks = br#"{"keys":[
    ///   {"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","kid":"ec"},
    ///   {"kty":"RSA","kid":"a2","use":"sig","alg":"RS256","e":"AQAB",
    ///    "n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ"}
    /// ]}"#;
    /// let keys = KeySet::from_jwks(jwks)?;
    /// assert_eq!(keys.len(), 1);
    /// assert_eq!(keys.get("a2").map(|k| k.modulus_bits()), Some(2048));
    /// # Ok::<(), sentinel_proto::jwt::JwtError>(())
    /// ```
    ///
    /// # Errors
    /// [`JwtError::JwksTooLarge`] / [`JwtError::TooManyKeys`] over the limits;
    /// [`JwtError::BadJwks`] if the document is not a JSON object with a `keys`
    /// array of objects, or an RSA signature key has malformed `n`/`e`. A valid
    /// JWKS without a usable key gives an empty set (every token is then rejected
    /// with [`JwtError::UnknownKid`] or [`JwtError::NoKid`]).
    pub fn from_jwks(json: &[u8]) -> Result<Self, JwtError> {
        Self::from_jwks_with_limits(json, JwksLimits::default())
    }

    /// [`from_jwks`](Self::from_jwks) with explicit limits.
    ///
    /// # Errors
    /// As for [`from_jwks`](Self::from_jwks).
    pub fn from_jwks_with_limits(json: &[u8], limits: JwksLimits) -> Result<Self, JwtError> {
        if json.len() > limits.max_len {
            return Err(JwtError::JwksTooLarge {
                len: json.len(),
                max: limits.max_len,
            });
        }
        let jwks = serde_json::from_slice::<MapOnly<Jwks<'_>>>(json)
            .map_err(|_| JwtError::BadJwks {
                reason: "not a JSON object with a \"keys\" array of objects",
            })?
            .0;
        if jwks.keys.len() > limits.max_keys {
            return Err(JwtError::TooManyKeys {
                count: jwks.keys.len(),
                max: limits.max_keys,
            });
        }
        let mut set = KeySet::new();
        for jwk in &jwks.keys {
            if let Some(key) = jwk.0.to_key()? {
                set.insert(key);
            }
        }
        Ok(set)
    }
}
