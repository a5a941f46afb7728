//! RSA public keys (from SPKI DER/PEM, PKCS#1 or raw components), the built-in
//! LivePerson V1 AppJWT key, and the caller's [`KeySet`].

use std::fmt;

use base64::Engine as _;

use super::alg::Algorithm;
use super::backend::Prepared;
use super::error::{JwtError, echo};

/// `kid` of LivePerson's static V1 AppJWT signing key.
pub const LIVEPERSON_V1_KID: &str = "appjwt-13-05-17";

/// LivePerson's published V1 AppJWT public key: SubjectPublicKeyInfo, standard
/// base64 (as printed in the protocol reference).
pub const LIVEPERSON_V1_SPKI_BASE64: &str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAvGQctwBFFZBaSu+LC4LVk/4/XyVQmhcwM5a91lT7BwZug/GtpR+ZGpKkiZSgTehRdBJKSPjv5K6D8/cBm28OV11Mekjn1PJrveSXrRsfUbOqIHgpfVtnkxN3ZaV6GSWQrrZArkpbAm+Kf5o5jxFPhCadB8BdRGCbMI3rFEkYSFqnmptI3olIAtAjmtbLJnwYZyXl2WZXMBmORLXnV9aTMGp4uFZdX+QbK808q55zxSB5HM3N9B8NLUP1TELc6N2dhWk2RwR/C9WvQYH/UAnxqVEwrAXt+rb+YWuu92Dj4NLAmpEYbRQi+S+5Y6t5g6kX/QMQ/ycdFOW/WA3JoptUSQIDAQAB";

/// The modulus inside [`LIVEPERSON_V1_SPKI_BASE64`] (a unit test checks they
/// agree), so building the key cannot fail.
const LIVEPERSON_V1_N: [u8; 256] = [
    0xbc, 0x64, 0x1c, 0xb7, 0x00, 0x45, 0x15, 0x90, 0x5a, 0x4a, 0xef, 0x8b, 0x0b, 0x82, 0xd5, 0x93,
    0xfe, 0x3f, 0x5f, 0x25, 0x50, 0x9a, 0x17, 0x30, 0x33, 0x96, 0xbd, 0xd6, 0x54, 0xfb, 0x07, 0x06,
    0x6e, 0x83, 0xf1, 0xad, 0xa5, 0x1f, 0x99, 0x1a, 0x92, 0xa4, 0x89, 0x94, 0xa0, 0x4d, 0xe8, 0x51,
    0x74, 0x12, 0x4a, 0x48, 0xf8, 0xef, 0xe4, 0xae, 0x83, 0xf3, 0xf7, 0x01, 0x9b, 0x6f, 0x0e, 0x57,
    0x5d, 0x4c, 0x7a, 0x48, 0xe7, 0xd4, 0xf2, 0x6b, 0xbd, 0xe4, 0x97, 0xad, 0x1b, 0x1f, 0x51, 0xb3,
    0xaa, 0x20, 0x78, 0x29, 0x7d, 0x5b, 0x67, 0x93, 0x13, 0x77, 0x65, 0xa5, 0x7a, 0x19, 0x25, 0x90,
    0xae, 0xb6, 0x40, 0xae, 0x4a, 0x5b, 0x02, 0x6f, 0x8a, 0x7f, 0x9a, 0x39, 0x8f, 0x11, 0x4f, 0x84,
    0x26, 0x9d, 0x07, 0xc0, 0x5d, 0x44, 0x60, 0x9b, 0x30, 0x8d, 0xeb, 0x14, 0x49, 0x18, 0x48, 0x5a,
    0xa7, 0x9a, 0x9b, 0x48, 0xde, 0x89, 0x48, 0x02, 0xd0, 0x23, 0x9a, 0xd6, 0xcb, 0x26, 0x7c, 0x18,
    0x67, 0x25, 0xe5, 0xd9, 0x66, 0x57, 0x30, 0x19, 0x8e, 0x44, 0xb5, 0xe7, 0x57, 0xd6, 0x93, 0x30,
    0x6a, 0x78, 0xb8, 0x56, 0x5d, 0x5f, 0xe4, 0x1b, 0x2b, 0xcd, 0x3c, 0xab, 0x9e, 0x73, 0xc5, 0x20,
    0x79, 0x1c, 0xcd, 0xcd, 0xf4, 0x1f, 0x0d, 0x2d, 0x43, 0xf5, 0x4c, 0x42, 0xdc, 0xe8, 0xdd, 0x9d,
    0x85, 0x69, 0x36, 0x47, 0x04, 0x7f, 0x0b, 0xd5, 0xaf, 0x41, 0x81, 0xff, 0x50, 0x09, 0xf1, 0xa9,
    0x51, 0x30, 0xac, 0x05, 0xed, 0xfa, 0xb6, 0xfe, 0x61, 0x6b, 0xae, 0xf7, 0x60, 0xe3, 0xe0, 0xd2,
    0xc0, 0x9a, 0x91, 0x18, 0x6d, 0x14, 0x22, 0xf9, 0x2f, 0xb9, 0x63, 0xab, 0x79, 0x83, 0xa9, 0x17,
    0xfd, 0x03, 0x10, 0xff, 0x27, 0x1d, 0x14, 0xe5, 0xbf, 0x58, 0x0d, 0xc9, 0xa2, 0x9b, 0x54, 0x49,
];

/// Smallest and largest modulus accepted: what the RSA_PKCS1_2048_8192_* verifiers
/// of aws-lc-rs and ring accept.
const MIN_BITS: usize = 2048;
const MAX_BITS: usize = 8192;

/// Longest PEM text accepted.
const MAX_PEM_LEN: usize = 16 * 1024;

/// An RSA public key for verifying signatures, with the optional `kid` it is known
/// by and the optional algorithm it is restricted to.
///
/// Accepted moduli are 2048 to 8192 bits with an odd exponent from 3 to 2^33-1
/// (what aws-lc-rs and ring verify). `Debug` prints the `kid`, algorithm and size only.
#[derive(Clone, PartialEq, Eq)]
pub struct RsaPublicKey {
    n: Vec<u8>,
    e: Vec<u8>,
    kid: Option<String>,
    alg: Option<Algorithm>,
    /// The header segment Sentinel puts on the tokens of this key.
    header: Option<KnownHeader>,
    prepared: Prepared,
}

/// The header Sentinel issues with a key, `{"kid":"<kid>","typ":"JWT","alg":"<alg>"}`
/// (protocol reference §2.3 and §3.3), base64url-encoded: a token whose header
/// segment is exactly this text has that header, since strict base64url has one
/// encoding per byte string, so it is read without being decoded or parsed. Any
/// other header (another order, another member, spaces) is decoded as before.
/// Only for a `kid` that JSON writes as it is (printable ASCII, no quote or
/// backslash).
#[derive(Clone, Debug, PartialEq, Eq)]
struct KnownHeader {
    segment: Box<str>,
    alg: Algorithm,
}

impl KnownHeader {
    fn new(kid: Option<&str>, alg: Option<Algorithm>) -> Option<Self> {
        let kid = kid?;
        if !kid
            .bytes()
            .all(|b| (b' '..=b'~').contains(&b) && b != b'"' && b != b'\\')
        {
            return None;
        }
        let alg = alg.unwrap_or(Algorithm::Rs256);
        let json = format!(r#"{{"kid":"{kid}","typ":"JWT","alg":"{}"}}"#, alg.as_str());
        let segment = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json);
        Some(KnownHeader {
            segment: segment.into(),
            alg,
        })
    }
}

impl fmt::Debug for RsaPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaPublicKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("bits", &self.modulus_bits())
            .finish()
    }
}

fn strip_zeros(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    b.get(start..).unwrap_or_default()
}

impl RsaPublicKey {
    /// A key from its big-endian modulus `n` and exponent `e` (leading zero bytes
    /// are ignored).
    ///
    /// # Errors
    /// [`JwtError::BadKey`] if the modulus is not 2048 to 8192 bits and odd, or the
    /// exponent is not odd and between 3 and 2^33-1.
    pub fn from_components(n: &[u8], e: &[u8]) -> Result<Self, JwtError> {
        let n = strip_zeros(n);
        let e = strip_zeros(e);
        let bits = bit_len(n);
        if !(MIN_BITS..=MAX_BITS).contains(&bits) {
            return Err(JwtError::BadKey {
                reason: "RSA modulus must be 2048 to 8192 bits",
            });
        }
        if n.last().is_none_or(|b| b & 1 == 0) {
            return Err(JwtError::BadKey {
                reason: "RSA modulus is even",
            });
        }
        let e_bits = bit_len(e);
        let e_odd = e.last().is_some_and(|b| b & 1 == 1);
        if !(2..=33).contains(&e_bits) || !e_odd {
            return Err(JwtError::BadKey {
                reason: "RSA exponent must be odd and between 3 and 2^33-1",
            });
        }
        Ok(Self {
            n: n.to_vec(),
            e: e.to_vec(),
            kid: None,
            alg: None,
            header: None,
            prepared: Prepared::new(Algorithm::Rs256),
        })
    }

    /// A key from a DER `SubjectPublicKeyInfo` (the `PUBLIC KEY` PEM payload) of
    /// algorithm `rsaEncryption`.
    ///
    /// # Errors
    /// [`JwtError::BadKey`] if the DER is not such a structure or the key is
    /// unusable (see [`from_components`](Self::from_components)).
    pub fn from_spki_der(der: &[u8]) -> Result<Self, JwtError> {
        let bad = JwtError::BadKey {
            reason: "not a DER SubjectPublicKeyInfo of an RSA key",
        };
        let spki = der::expect(der, der::SEQUENCE).ok_or(bad.clone())?;
        let (alg_id, rest) = der::read(spki, der::SEQUENCE).ok_or(bad.clone())?;
        let (bits, rest) = der::read(rest, der::BIT_STRING).ok_or(bad.clone())?;
        if !rest.is_empty() {
            return Err(bad);
        }
        let (oid, params) = der::read(alg_id, der::OID).ok_or(bad.clone())?;
        // rsaEncryption parameters are NULL (RFC 3279 §2.3.1); tolerate absence.
        if oid != der::RSA_ENCRYPTION || !(params.is_empty() || params == [der::NULL, 0]) {
            return Err(JwtError::BadKey {
                reason: "SubjectPublicKeyInfo is not rsaEncryption",
            });
        }
        // The BIT STRING's first byte counts unused bits: must be 0.
        match bits.split_first() {
            Some((0, pkcs1)) => Self::from_pkcs1_der(pkcs1),
            _ => Err(bad),
        }
    }

    /// A key from a DER PKCS#1 `RSAPublicKey` (`SEQUENCE { n INTEGER, e INTEGER }`,
    /// the `RSA PUBLIC KEY` PEM payload).
    ///
    /// # Errors
    /// [`JwtError::BadKey`] as for [`from_spki_der`](Self::from_spki_der).
    pub fn from_pkcs1_der(der: &[u8]) -> Result<Self, JwtError> {
        let bad = JwtError::BadKey {
            reason: "not a DER PKCS#1 RSAPublicKey",
        };
        let seq = der::expect(der, der::SEQUENCE).ok_or(bad.clone())?;
        let (n, rest) = der::read(seq, der::INTEGER).ok_or(bad.clone())?;
        let (e, rest) = der::read(rest, der::INTEGER).ok_or(bad.clone())?;
        if !rest.is_empty() {
            return Err(bad);
        }
        Self::from_components(
            der::unsigned(n).ok_or(bad.clone())?,
            der::unsigned(e).ok_or(bad)?,
        )
    }

    /// A key from PEM text: `-----BEGIN PUBLIC KEY-----` (SPKI) or
    /// `-----BEGIN RSA PUBLIC KEY-----` (PKCS#1). Text around the block is ignored.
    ///
    /// ```
    /// use sentinel_proto::jwt::RsaPublicKey;
    /// let pem = include_str!("../../testdata/jwt/test-only-rsa2048-a.pub.pem");
    /// let key = RsaPublicKey::from_pem(pem)?.with_kid("test-a");
    /// assert_eq!(key.modulus_bits(), 2048);
    /// # Ok::<(), sentinel_proto::jwt::JwtError>(())
    /// ```
    ///
    /// # Errors
    /// [`JwtError::BadKey`] if no such block is found, its base64 is invalid, or the
    /// key inside is unusable.
    pub fn from_pem(pem: &str) -> Result<Self, JwtError> {
        if pem.len() > MAX_PEM_LEN {
            return Err(JwtError::BadKey {
                reason: "PEM text too long",
            });
        }
        for (label, spki) in [("PUBLIC KEY", true), ("RSA PUBLIC KEY", false)] {
            let begin = format!("-----BEGIN {label}-----");
            let end = format!("-----END {label}-----");
            let Some((_, after)) = pem.split_once(&begin) else {
                continue;
            };
            let Some((body, _)) = after.split_once(&end) else {
                return Err(JwtError::BadKey {
                    reason: "PEM block has no END line",
                });
            };
            let b64: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
            let der = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .map_err(|_| JwtError::BadKey {
                    reason: "PEM body is not valid base64",
                })?;
            return if spki {
                Self::from_spki_der(&der)
            } else {
                Self::from_pkcs1_der(&der)
            };
        }
        Err(JwtError::BadKey {
            reason: "no PUBLIC KEY or RSA PUBLIC KEY PEM block",
        })
    }

    /// LivePerson's published V1 AppJWT key, with `kid` [`LIVEPERSON_V1_KID`],
    /// restricted to RS256.
    ///
    /// ```
    /// use sentinel_proto::jwt::{RsaPublicKey, LIVEPERSON_V1_KID};
    /// let key = RsaPublicKey::liveperson_v1();
    /// assert_eq!(key.kid(), Some(LIVEPERSON_V1_KID));
    /// assert_eq!(key.modulus_bits(), 2048);
    /// ```
    pub fn liveperson_v1() -> Self {
        Self {
            n: LIVEPERSON_V1_N.to_vec(),
            e: vec![1, 0, 1],
            kid: Some(LIVEPERSON_V1_KID.to_owned()),
            alg: Some(Algorithm::Rs256),
            header: KnownHeader::new(Some(LIVEPERSON_V1_KID), Some(Algorithm::Rs256)),
            prepared: v1_prepared(),
        }
    }

    /// This key, known by `kid`.
    #[must_use]
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self.header = KnownHeader::new(self.kid.as_deref(), self.alg);
        self
    }

    /// This key, restricted to `alg` (as a JWK `alg` member does): a token naming
    /// another algorithm is rejected with [`JwtError::KeyAlgMismatch`].
    #[must_use]
    pub fn with_alg(mut self, alg: Algorithm) -> Self {
        if self.alg.unwrap_or(Algorithm::Rs256) != alg {
            // Prepared for its algorithm (RS256 when it had none): now for this one.
            self.prepared = Prepared::new(alg);
        }
        self.alg = Some(alg);
        self.header = KnownHeader::new(self.kid.as_deref(), self.alg);
        self
    }

    /// The `kid` this key is known by, if any.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The algorithm this key is restricted to, if any.
    pub fn alg(&self) -> Option<Algorithm> {
        self.alg
    }

    /// The modulus, big-endian, without leading zeros.
    pub fn modulus(&self) -> &[u8] {
        &self.n
    }

    /// The public exponent, big-endian, without leading zeros.
    pub fn exponent(&self) -> &[u8] {
        &self.e
    }

    /// Size of the modulus in bits.
    pub fn modulus_bits(&self) -> usize {
        bit_len(&self.n)
    }

    /// Whether `signature` is a valid `alg` signature of `message` by this key.
    pub(crate) fn verify(&self, alg: Algorithm, message: &[u8], signature: &[u8]) -> bool {
        super::backend::verify_rsa(alg, &self.n, &self.e, &self.prepared, message, signature)
    }

    /// Same key material and algorithm restriction (ignoring `kid`).
    fn same_material(&self, other: &Self) -> bool {
        self.n == other.n && self.e == other.e && self.alg == other.alg
    }
}

/// The built-in V1 key's parsed copies, shared by every
/// [`RsaPublicKey::liveperson_v1`]: each client's configuration holds the key,
/// and ten thousand brands would otherwise parse it ten thousand times over.
fn v1_prepared() -> Prepared {
    static V1: std::sync::OnceLock<Prepared> = std::sync::OnceLock::new();
    V1.get_or_init(|| Prepared::new(Algorithm::Rs256)).clone()
}

fn bit_len(b: &[u8]) -> usize {
    let b = strip_zeros(b);
    b.first().map_or(0, |&top| {
        (b.len() - 1) * 8 + (8 - top.leading_zeros() as usize)
    })
}

/// Just enough DER to read an RSA SubjectPublicKeyInfo. Definite lengths only, minimal
/// length encodings only, every read bounds-checked.
mod der {
    pub(super) const INTEGER: u8 = 0x02;
    pub(super) const BIT_STRING: u8 = 0x03;
    pub(super) const NULL: u8 = 0x05;
    pub(super) const OID: u8 = 0x06;
    pub(super) const SEQUENCE: u8 = 0x30;
    /// 1.2.840.113549.1.1.1
    pub(super) const RSA_ENCRYPTION: &[u8] =
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

    /// Reads one `tag` element: (contents, rest).
    pub(super) fn read(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
        let (&t, rest) = input.split_first()?;
        if t != tag {
            return None;
        }
        let (&first, mut rest) = rest.split_first()?;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let count = usize::from(first & 0x7f);
            if !(1..=3).contains(&count) {
                return None;
            }
            let (bytes, after) = rest.split_at_checked(count)?;
            rest = after;
            let len = bytes
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
            // Minimal encoding: long form only for >= 128, no leading zero byte.
            if len < 0x80 || bytes.first() == Some(&0) {
                return None;
            }
            len
        };
        rest.split_at_checked(len)
    }

    /// Reads exactly one `tag` element spanning all of `input`.
    pub(super) fn expect(input: &[u8], tag: u8) -> Option<&[u8]> {
        match read(input, tag)? {
            (contents, []) => Some(contents),
            _ => None,
        }
    }

    /// The magnitude of a non-negative INTEGER's contents.
    pub(super) fn unsigned(int: &[u8]) -> Option<&[u8]> {
        match int {
            [] => None,
            [0, rest @ ..] => Some(rest),
            [first, ..] if first & 0x80 != 0 => None,
            _ => Some(int),
        }
    }
}

/// The caller's trusted keys. Tokens are verified only against keys in here, picked
/// by `kid`:
///
/// - a token with a `kid` uses the keys with that `kid`; if none has it, keys
///   without a `kid` (e.g. loaded from PEM) are tried; otherwise
///   [`JwtError::UnknownKid`];
/// - a token without `kid` uses the only key when the set has exactly one, and is
///   rejected with [`JwtError::NoKid`] otherwise.
///
/// When several keys share a `kid` (a JWKS mid-rotation), each is tried in order.
/// Adding a key identical to one already present (same `kid` and material) does
/// nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeySet {
    keys: Vec<RsaPublicKey>,
}

enum Select<'k> {
    Kid(&'k str),
    Kidless,
    All,
}

impl KeySet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// A set holding LivePerson's V1 AppJWT key ([`RsaPublicKey::liveperson_v1`]).
    ///
    /// ```
    /// use sentinel_proto::jwt::KeySet;
    /// let keys = KeySet::liveperson_v1();
    /// assert!(keys.get("appjwt-13-05-17").is_some());
    /// ```
    pub fn liveperson_v1() -> Self {
        Self::from_iter([RsaPublicKey::liveperson_v1()])
    }

    /// Adds `key`, unless an identical one (same `kid` and material) is present.
    pub fn insert(&mut self, key: RsaPublicKey) {
        if !self
            .keys
            .iter()
            .any(|k| k.kid == key.kid && k.same_material(&key))
        {
            self.keys.push(key);
        }
    }

    /// This set plus `key`.
    #[must_use]
    pub fn with(mut self, key: RsaPublicKey) -> Self {
        self.insert(key);
        self
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The keys, in insertion (JWKS) order.
    pub fn iter(&self) -> std::slice::Iter<'_, RsaPublicKey> {
        self.keys.iter()
    }

    /// The first key with this `kid`.
    pub fn get(&self, kid: &str) -> Option<&RsaPublicKey> {
        self.keys.iter().find(|k| k.kid.as_deref() == Some(kid))
    }

    /// Whether a token with this `kid` (or none) would find a key to try; the
    /// rule is the one described on [`KeySet`].
    pub fn has_key_for(&self, kid: Option<&str>) -> bool {
        self.select(kid).is_ok()
    }

    fn select<'k>(&self, kid: Option<&'k str>) -> Result<Select<'k>, JwtError> {
        match kid {
            Some(kid) if self.keys.iter().any(|k| k.kid.as_deref() == Some(kid)) => {
                Ok(Select::Kid(kid))
            }
            Some(_) if self.keys.iter().any(|k| k.kid.is_none()) => Ok(Select::Kidless),
            Some(kid) => Err(JwtError::UnknownKid { kid: echo(kid) }),
            None if self.keys.len() == 1 => Ok(Select::All),
            None => Err(JwtError::NoKid {
                keys: self.keys.len(),
            }),
        }
    }

    /// The `alg` and `kid` of a header segment that is the one Sentinel puts
    /// on the tokens of a key in this set (see [`KnownHeader`]); `None`: the
    /// header must be decoded.
    pub(crate) fn known_header(&self, segment: &str) -> Option<(Algorithm, &str)> {
        self.keys.iter().find_map(|k| match (&k.header, &k.kid) {
            (Some(h), Some(kid)) if *h.segment == *segment => Some((h.alg, kid.as_str())),
            _ => None,
        })
    }

    /// The keys to try for a token with this `kid`, in order.
    pub(crate) fn candidates<'s>(
        &'s self,
        kid: Option<&'s str>,
    ) -> Result<impl Iterator<Item = &'s RsaPublicKey>, JwtError> {
        let sel = self.select(kid)?;
        Ok(self.keys.iter().filter(move |k| match sel {
            Select::Kid(kid) => k.kid.as_deref() == Some(kid),
            Select::Kidless => k.kid.is_none(),
            Select::All => true,
        }))
    }
}

impl FromIterator<RsaPublicKey> for KeySet {
    fn from_iter<I: IntoIterator<Item = RsaPublicKey>>(iter: I) -> Self {
        let mut set = KeySet::new();
        set.extend(iter);
        set
    }
}

impl Extend<RsaPublicKey> for KeySet {
    fn extend<I: IntoIterator<Item = RsaPublicKey>>(&mut self, iter: I) {
        for k in iter {
            self.insert(k);
        }
    }
}

impl<'a> IntoIterator for &'a KeySet {
    type Item = &'a RsaPublicKey;
    type IntoIter = std::slice::Iter<'a, RsaPublicKey>;
    fn into_iter(self) -> Self::IntoIter {
        self.keys.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_constant_matches_published_spki() {
        let der = base64::engine::general_purpose::STANDARD
            .decode(LIVEPERSON_V1_SPKI_BASE64)
            .unwrap();
        let parsed = RsaPublicKey::from_spki_der(&der)
            .unwrap()
            .with_kid(LIVEPERSON_V1_KID)
            .with_alg(Algorithm::Rs256);
        assert_eq!(parsed, RsaPublicKey::liveperson_v1());
        assert_eq!(parsed.exponent(), [1, 0, 1]);
    }

    #[test]
    fn rejects_bad_components() {
        let mut n = vec![0xffu8; 256];
        assert!(RsaPublicKey::from_components(&n, &[1, 0, 1]).is_ok());
        assert!(RsaPublicKey::from_components(&[0, 0, 0xff], &[3]).is_err());
        assert!(RsaPublicKey::from_components(&n[..128], &[1, 0, 1]).is_err());
        assert!(RsaPublicKey::from_components(&vec![0xff; 1025], &[1, 0, 1]).is_err());
        assert!(RsaPublicKey::from_components(&n, &[1]).is_err());
        assert!(RsaPublicKey::from_components(&n, &[4]).is_err());
        assert!(RsaPublicKey::from_components(&n, &[]).is_err());
        assert!(RsaPublicKey::from_components(&n, &[3, 0, 0, 0, 1]).is_err());
        assert!(RsaPublicKey::from_components(&n, &[1, 0, 0, 0, 1]).is_ok());
        n[255] = 0xfe;
        assert!(RsaPublicKey::from_components(&n, &[1, 0, 1]).is_err());
        // Leading zeros are ignored.
        let mut padded = vec![0u8];
        padded.extend_from_slice(&[0xff; 256]);
        let k = RsaPublicKey::from_components(&padded, &[0, 1, 0, 1]).unwrap();
        assert_eq!(k.modulus().len(), 256);
        assert_eq!(k.modulus_bits(), 2048);
    }

    #[test]
    fn der_reader_rejects_garbage() {
        let der = base64::engine::general_purpose::STANDARD
            .decode(LIVEPERSON_V1_SPKI_BASE64)
            .unwrap();
        for i in 0..der.len() {
            // Truncations never panic and never succeed.
            assert!(RsaPublicKey::from_spki_der(&der[..i]).is_err());
        }
        let mut trailing = der.clone();
        trailing.push(0);
        assert!(RsaPublicKey::from_spki_der(&trailing).is_err());
        assert!(RsaPublicKey::from_spki_der(&[]).is_err());
        assert!(RsaPublicKey::from_spki_der(&[0x30, 0x84, 0, 0, 0, 0]).is_err());
        // Non-minimal length encoding.
        assert!(der::read(&[0x02, 0x81, 0x01, 0x05], der::INTEGER).is_none());
        assert!(der::unsigned(&[0x80]).is_none());
    }

    #[test]
    fn selection_rules() {
        let a = RsaPublicKey::liveperson_v1();
        let b = a.clone().with_kid("b");
        let anon = RsaPublicKey {
            kid: None,
            ..a.clone()
        };
        let one = KeySet::from_iter([a.clone()]);
        assert!(one.has_key_for(None));
        assert!(one.has_key_for(Some(LIVEPERSON_V1_KID)));
        assert_eq!(
            one.candidates(Some("x")).err(),
            Some(JwtError::UnknownKid { kid: "x".into() })
        );
        let two = KeySet::from_iter([a.clone(), b.clone()]);
        assert_eq!(
            two.candidates(None).err(),
            Some(JwtError::NoKid { keys: 2 })
        );
        assert_eq!(two.candidates(Some("b")).unwrap().count(), 1);
        let with_anon = KeySet::from_iter([a.clone(), anon]);
        assert_eq!(with_anon.candidates(Some("zzz")).unwrap().count(), 1);
        assert_eq!(
            with_anon
                .candidates(Some(LIVEPERSON_V1_KID))
                .unwrap()
                .count(),
            1
        );
        // Identical keys are deduplicated; same kid with other material is kept.
        let mut s = KeySet::new();
        s.insert(a.clone());
        s.insert(a.clone());
        assert_eq!(s.len(), 1);
        s.insert(a.clone().with_alg(Algorithm::Rs512));
        assert_eq!(s.candidates(Some(LIVEPERSON_V1_KID)).unwrap().count(), 2);
        assert!(KeySet::new().candidates(None).is_err());
    }

    #[test]
    fn debug_shows_no_material() {
        let s = format!("{:?}", RsaPublicKey::liveperson_v1());
        assert!(s.contains("appjwt-13-05-17") && s.contains("2048"));
        assert!(!s.contains('['));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        /// The header segment recognised for a key is read by decoding as
        /// exactly its `kid` and `alg` (and `typ`), nothing else.
        #[test]
        fn known_header_is_what_decoding_reads(kid in "[ -~]{0,24}", which in 0..3usize) {
            use super::super::decode::{DecodeBuf, RawHeader};
            use super::super::error::Part;
            let alg = [Algorithm::Rs256, Algorithm::Rs384, Algorithm::Rs512][which];
            let key = RsaPublicKey::liveperson_v1().with_kid(kid.clone()).with_alg(alg);
            let plain = !kid.contains('"') && !kid.contains('\\');
            proptest::prop_assert_eq!(key.header.is_some(), plain);
            let Some(known) = &key.header else { return Ok(()) };
            let mut buf = DecodeBuf::<512>::new();
            let bytes = buf.decode(&known.segment, Part::Header).unwrap();
            let header = RawHeader::parse(bytes).unwrap();
            proptest::prop_assert_eq!(header.alg().unwrap(), alg.as_str());
            proptest::prop_assert_eq!(header.kid.as_ref().map(|k| &*k.0), Some(kid.as_str()));
            proptest::prop_assert!(header.check_trust().is_ok());
            let json: serde_json::Value = serde_json::from_slice(bytes).unwrap();
            proptest::prop_assert_eq!(json, serde_json::json!({"kid": kid, "typ": "JWT", "alg": alg.as_str()}));
            let set = KeySet::from_iter([RsaPublicKey::liveperson_v1(), key.clone()]);
            proptest::prop_assert_eq!(set.known_header(&known.segment), Some((alg, kid.as_str())));
            let mut other = known.segment.to_string();
            other.push('A');
            proptest::prop_assert_eq!(set.known_header(&other), None);
        }
    }

    #[test]
    fn known_header_follows_kid_and_alg() {
        let v1 = RsaPublicKey::liveperson_v1();
        let plain = RsaPublicKey::from_components(v1.modulus(), v1.exponent()).unwrap();
        assert!(plain.header.is_none());
        let renamed = v1.clone().with_kid("k2");
        let set = KeySet::from_iter([renamed.clone()]);
        let seg = renamed.header.as_ref().unwrap().segment.clone();
        assert_eq!(set.known_header(&seg), Some((Algorithm::Rs256, "k2")));
        assert_eq!(set.known_header(&v1.header.unwrap().segment), None);
        let rs384 = renamed.with_alg(Algorithm::Rs384);
        assert_eq!(
            KeySet::from_iter([rs384.clone()]).known_header(&rs384.header.unwrap().segment),
            Some((Algorithm::Rs384, "k2"))
        );
    }
}
