//! Tokens already verified, remembered so that a service seeing the same few
//! tokens again and again pays one RSA verification per token, not per request.
//!
//! An entry is found by a keyed 128-bit hash of the token (SipHash-1-3 under a
//! random key of this cache): the token itself is not kept. It is used only
//! while a fresh verification would still accept the token: `now` inside the
//! token's `nbf`/`iat`..`exp` window with the same leeway, and the key that
//! verified it still in the key set the client verifies with (a JWKS rotation
//! that drops the key drops its tokens). Claims come back as they were first
//! verified. Bounded: the least recently used entry goes first.

use std::hash::Hasher;
use std::num::NonZeroUsize;
use std::sync::{Mutex, MutexGuard, PoisonError};

use lru::LruCache;
use serde::Deserialize;
use siphasher::sip128::{Hasher128, SipHasher13};

use sentinel_proto::UnixTime;
use sentinel_proto::jwt::{KeySet, RsaPublicKey, decode_header, decode_unverified};

struct Entry<C> {
    claims: C,
    kid: Option<String>,
    key: RsaPublicKey,
    /// First second at which a fresh verification accepts the token.
    from: u64,
    /// First second at which it no longer does.
    until: u64,
}

/// The verified tokens of one kind (AppJWTs, ID tokens): one validation each.
pub(crate) struct VerifiedCache<C> {
    keys: (u64, u64),
    leeway: u64,
    entries: Mutex<LruCache<u128, Entry<C>>>,
}

impl<C: Clone> VerifiedCache<C> {
    /// A cache of `capacity` tokens hashed under `keys` (random), with the
    /// validation's `leeway` in seconds.
    pub(crate) fn new(capacity: NonZeroUsize, keys: (u64, u64), leeway: u64) -> Self {
        Self {
            keys,
            leeway,
            entries: Mutex::new(LruCache::new(capacity)),
        }
    }

    fn digest(&self, token: &str) -> u128 {
        let mut h = SipHasher13::new_with_keys(self.keys.0, self.keys.1);
        h.write(token.as_bytes());
        h.finish128().as_u128()
    }

    /// The claims of `token` if it was verified and a fresh verification with
    /// `keys` at `now` would accept it again; a stale entry is dropped.
    pub(crate) fn get(&self, token: &str, keys: &KeySet, now: UnixTime) -> Option<C> {
        let digest = self.digest(token);
        let mut entries = self.lock();
        let e = entries.get(&digest)?;
        let now = now.as_secs();
        let key_present = key_of(keys, e.kid.as_deref()) == Some(&e.key);
        if key_present && e.from <= now && now < e.until {
            return Some(e.claims.clone());
        }
        // Out of its window or its key is gone: forgotten, the caller verifies.
        entries.pop(&digest);
        None
    }

    /// Remembers `token`, just verified with `keys`, and its `claims`. Tokens
    /// whose window or key cannot be told are not remembered.
    pub(crate) fn put(&self, token: &str, keys: &KeySet, claims: &C) {
        #[derive(Deserialize)]
        struct Times {
            exp: Option<u64>,
            nbf: Option<u64>,
            iat: Option<u64>,
        }
        let Ok(kid) = decode_header(token).map(|h| h.kid) else {
            return;
        };
        let Some(key) = key_of(keys, kid.as_deref()) else {
            return;
        };
        let Ok(t) = decode_unverified::<Times>(token).map(|d| d.claims) else {
            return;
        };
        let Some(exp) = t.exp else { return };
        // The rules of `Validation`: expired when now >= exp + leeway; not yet
        // valid when now + leeway < nbf (or iat).
        let not_before = t.nbf.unwrap_or(0).max(t.iat.unwrap_or(0));
        let entry = Entry {
            claims: claims.clone(),
            kid,
            key: key.clone(),
            from: not_before.saturating_sub(self.leeway),
            until: exp.saturating_add(self.leeway),
        };
        self.lock().put(self.digest(token), entry);
    }

    fn lock(&self) -> MutexGuard<'_, LruCache<u128, Entry<C>>> {
        // Every operation leaves the map whole: a panic elsewhere cannot tear it.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The one key verification can have used for `kid`: the only key of the set
/// under that `kid`, or the only key of a set when the token names none. With
/// several candidates, which one verified is unknown, so nothing is cached
/// (and a cached token whose `kid` gains a second key is verified afresh).
fn key_of<'a>(keys: &'a KeySet, kid: Option<&str>) -> Option<&'a RsaPublicKey> {
    let mut candidates = keys.iter().filter(|k| match kid {
        Some(kid) => k.kid() == Some(kid),
        None => true,
    });
    let only = candidates.next()?;
    candidates.next().is_none().then_some(only)
}
