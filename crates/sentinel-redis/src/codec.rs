//! The bytes of a stored token, in clear or sealed with AES-256-GCM.
//!
//! ```text
//! clear:  0x01 | obtained_at u64 BE | expires_at u64 BE | token
//! sealed: 0x02 | nonce (12) | AES-256-GCM(obtained_at | expires_at | token) | tag (16)
//!         AAD: "sentinel-rs/redis" | 0x02 | len u32 BE | account | len u32 BE | client id
//! ```
//!
//! The format byte lets a later version change the layout, and being in the
//! AAD it cannot be swapped; the account and client id in the AAD make a
//! value copied to another brand's key unreadable.

use aws_lc_rs::aead::{Aad, NONCE_LEN, Nonce};
use sentinel_client::{BrandKey, StoreError, StoredToken};
use sentinel_proto::{AppJwt, UnixTime};

use crate::config::EncryptionKey;

const CLEAR_V1: u8 = 0x01;
const SEALED_V1: u8 = 0x02;
const TIMES: usize = 16;
const TAG_LEN: usize = 16;

/// Overwrites a buffer that held a token before it is freed.
pub(crate) fn wipe(buf: &mut [u8]) {
    buf.fill(0);
    std::hint::black_box(&*buf);
}

fn aad(format: u8, brand: &BrandKey) -> Vec<u8> {
    let (a, c) = (brand.account().as_str(), brand.client_id().as_str());
    let mut aad = Vec::with_capacity(17 + 1 + 8 + a.len() + c.len());
    aad.extend_from_slice(b"sentinel-rs/redis");
    aad.push(format);
    for part in [a, c] {
        // Ids are short (validated by sentinel-proto); saturate rather than wrap.
        let len = u32::try_from(part.len()).unwrap_or(u32::MAX);
        aad.extend_from_slice(&len.to_be_bytes());
        aad.extend_from_slice(part.as_bytes());
    }
    aad
}

fn plain(token: &StoredToken) -> Vec<u8> {
    let secret = token.token().secret().as_bytes();
    let mut out = Vec::with_capacity(1 + NONCE_LEN + TIMES + secret.len() + TAG_LEN);
    out.extend_from_slice(&token.obtained_at().as_secs().to_be_bytes());
    out.extend_from_slice(&token.expires_at().as_secs().to_be_bytes());
    out.extend_from_slice(secret);
    out
}

/// The value to store for `token` of `brand`.
pub(crate) fn encode(
    token: &StoredToken,
    brand: &BrandKey,
    key: Option<&EncryptionKey>,
) -> Result<Vec<u8>, StoreError> {
    let mut body = plain(token);
    let Some(key) = key else {
        body.insert(0, CLEAR_V1);
        return Ok(body);
    };
    let sealed = key
        .0
        .seal_in_place_append_tag(Aad::from(aad(SEALED_V1, brand)), &mut body);
    let Ok(nonce) = sealed else {
        wipe(&mut body);
        return Err(StoreError::Unavailable("sealing failed".into()));
    };
    let mut out = Vec::with_capacity(1 + NONCE_LEN + body.len());
    out.push(SEALED_V1);
    out.extend_from_slice(nonce.as_ref());
    out.extend_from_slice(&body);
    Ok(out)
}

/// The token in `value` (read for `brand`), if it is one this store wrote.
/// `value` is wiped either way.
pub(crate) fn decode(
    mut value: Vec<u8>,
    brand: &BrandKey,
    key: Option<&EncryptionKey>,
) -> Result<StoredToken, StoreError> {
    let result = open(&mut value, brand, key);
    wipe(&mut value);
    result
}

fn open(
    value: &mut [u8],
    brand: &BrandKey,
    key: Option<&EncryptionKey>,
) -> Result<StoredToken, StoreError> {
    let (format, rest) = value
        .split_first_mut()
        .ok_or(StoreError::Corrupt("empty value"))?;
    let body: &[u8] = match (*format, key) {
        (CLEAR_V1, None) => rest,
        (SEALED_V1, Some(key)) => {
            if rest.len() < NONCE_LEN + TIMES + TAG_LEN {
                return Err(StoreError::Corrupt("sealed value too short"));
            }
            let (nonce, sealed) = rest.split_at_mut(NONCE_LEN);
            let nonce = Nonce::try_assume_unique_for_key(nonce)
                .map_err(|_| StoreError::Corrupt("bad nonce"))?;
            key.0
                .open_in_place(nonce, Aad::from(aad(SEALED_V1, brand)), sealed)
                .map_err(|_| {
                    StoreError::Corrupt("not sealed with this key for this brand, or altered")
                })?
        }
        (CLEAR_V1, Some(_)) => {
            return Err(StoreError::Corrupt("value in clear where a key is set"));
        }
        (SEALED_V1, None) => return Err(StoreError::Corrupt("sealed value and no key set")),
        _ => return Err(StoreError::Corrupt("unknown format")),
    };
    parse(body)
}

fn parse(body: &[u8]) -> Result<StoredToken, StoreError> {
    let (times, token) = body
        .split_at_checked(TIMES)
        .ok_or(StoreError::Corrupt("value too short"))?;
    let (obtained, expires) = times.split_at(8);
    let secs = |b: &[u8]| {
        <[u8; 8]>::try_from(b)
            .map(u64::from_be_bytes)
            .map_err(|_| StoreError::Corrupt("value too short"))
    };
    let (obtained, expires) = (secs(obtained)?, secs(expires)?);
    if obtained > expires {
        return Err(StoreError::Corrupt("expires before it was obtained"));
    }
    // A bearer token goes into an HTTP header: printable ASCII only.
    if token.is_empty() || !token.iter().all(|b| (0x21..=0x7e).contains(b)) {
        return Err(StoreError::Corrupt("token is not printable ASCII"));
    }
    let token = std::str::from_utf8(token).map_err(|_| StoreError::Corrupt("token not UTF-8"))?;
    Ok(StoredToken::new(
        AppJwt::new(token),
        UnixTime::from_secs(obtained),
        UnixTime::from_secs(expires),
    ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use sentinel_proto::{AccountId, ClientId};

    fn brand(a: &str) -> BrandKey {
        BrandKey::new(AccountId::new(a).unwrap(), ClientId::new("app").unwrap())
    }

    fn token() -> StoredToken {
        StoredToken::new(
            AppJwt::new("h.p.s"),
            UnixTime::from_secs(10),
            UnixTime::from_secs(70),
        )
    }

    #[test]
    fn round_trips_in_clear_and_sealed() {
        let key = EncryptionKey::from_bytes(&[1; 32]).unwrap();
        for k in [None, Some(&key)] {
            let v = encode(&token(), &brand("1"), k).unwrap();
            let t = decode(v, &brand("1"), k).unwrap();
            assert_eq!(t.token().secret(), "h.p.s");
            assert_eq!(
                (t.obtained_at().as_secs(), t.expires_at().as_secs()),
                (10, 70)
            );
        }
    }

    #[test]
    fn every_single_byte_change_of_a_sealed_value_is_refused() {
        let key = EncryptionKey::from_bytes(&[1; 32]).unwrap();
        let v = encode(&token(), &brand("1"), Some(&key)).unwrap();
        for i in 0..v.len() {
            let mut t = v.clone();
            t[i] ^= 0x01;
            assert!(
                matches!(
                    decode(t, &brand("1"), Some(&key)),
                    Err(StoreError::Corrupt(_))
                ),
                "byte {i}"
            );
        }
        for len in 0..v.len() {
            let t = v[..len].to_vec();
            assert!(decode(t, &brand("1"), Some(&key)).is_err(), "cut at {len}");
        }
    }

    #[test]
    fn nonces_differ_between_two_seals_of_one_token() {
        let key = EncryptionKey::from_bytes(&[1; 32]).unwrap();
        let a = encode(&token(), &brand("1"), Some(&key)).unwrap();
        let b = encode(&token(), &brand("1"), Some(&key)).unwrap();
        assert_ne!(a[1..13], b[1..13]);
    }

    #[test]
    fn clear_values_with_unprintable_tokens_are_refused() {
        let mut v = encode(&token(), &brand("1"), None).unwrap();
        let last = v.len() - 1;
        v[last] = b'\n';
        assert!(matches!(
            decode(v, &brand("1"), None),
            Err(StoreError::Corrupt(_))
        ));
    }
}
