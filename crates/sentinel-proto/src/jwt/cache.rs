//! A sans-IO JWKS cache: it decides when to (re)fetch; the adapter fetches.

use std::time::Duration;

use super::keys::KeySet;
use crate::UnixTime;

/// Default time after which a fetched JWKS is stale (1 hour).
pub const DEFAULT_JWKS_TTL: Duration = Duration::from_secs(60 * 60);

/// Default minimum time between two fetches (60 s): an attacker sending tokens
/// with made-up `kid`s cannot make the client hammer the JWKS endpoint.
pub const DEFAULT_MIN_REFETCH_INTERVAL: Duration = Duration::from_secs(60);

/// What [`JwksCache::lookup`] tells the adapter to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use]
pub enum Lookup {
    /// The cached set has a key for this `kid`: verify with
    /// [`JwksCache::keys`].
    Found,
    /// Unknown `kid` and a fetch is allowed: fetch the JWKS now, pass it to
    /// [`JwksCache::update`], then verify. (The attempt is already recorded.)
    Refetch,
    /// Unknown `kid`, but the last fetch was too recent: reject the token
    /// (verifying it would fail with [`JwtError::UnknownKid`](super::JwtError::UnknownKid)).
    RefetchRefused,
}

/// A JWKS with the time it was fetched, and the rules for fetching it again:
/// on an unknown `kid` (rate-limited) and when older than a TTL.
///
/// The cache never reads a clock and never does I/O: every method takes `now`.
/// The keys of a failed refresh are not lost: a stale set keeps verifying until a
/// fetch succeeds.
///
/// Adapter loop:
///
/// ```
/// use std::time::Duration;
/// use sentinel_proto::UnixTime;
/// use sentinel_proto::jwt::{JwksCache, KeySet, Lookup, RsaPublicKey};
///
/// # fn fetch_jwks() -> KeySet { KeySet::liveperson_v1() }
/// let mut cache = JwksCache::new().with_min_refetch_interval(Duration::from_secs(30));
/// let now = UnixTime::from_secs(1_700_000_000);
///
/// // Refresh a stale (here: never fetched) set.
/// if cache.refresh_due(now) {
///     cache.update(fetch_jwks(), now); // on a failed fetch, just carry on
/// }
/// // Pick the key for a token's kid (see `decode_header`).
/// assert_eq!(cache.lookup(Some("appjwt-13-05-17"), now), Lookup::Found);
/// assert_eq!(cache.lookup(Some("rotated"), now), Lookup::RefetchRefused);
/// let later = now.saturating_add(Duration::from_secs(30));
/// assert_eq!(cache.lookup(Some("rotated"), later), Lookup::Refetch);
/// ```
#[derive(Clone, Debug)]
pub struct JwksCache {
    keys: KeySet,
    fetched_at: Option<UnixTime>,
    last_attempt: Option<UnixTime>,
    ttl: Duration,
    min_refetch_interval: Duration,
}

impl Default for JwksCache {
    fn default() -> Self {
        Self::new()
    }
}

impl JwksCache {
    /// An empty cache (stale; the first lookup asks for a fetch), with
    /// [`DEFAULT_JWKS_TTL`] and [`DEFAULT_MIN_REFETCH_INTERVAL`].
    pub fn new() -> Self {
        Self {
            keys: KeySet::new(),
            fetched_at: None,
            last_attempt: None,
            ttl: DEFAULT_JWKS_TTL,
            min_refetch_interval: DEFAULT_MIN_REFETCH_INTERVAL,
        }
    }

    /// Sets how long a fetched set stays fresh.
    #[must_use]
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// Sets the minimum time between two fetch attempts.
    #[must_use]
    pub fn with_min_refetch_interval(mut self, interval: Duration) -> Self {
        self.min_refetch_interval = interval;
        self
    }

    /// The cached keys (possibly empty or stale).
    pub fn keys(&self) -> &KeySet {
        &self.keys
    }

    /// When the cached set was fetched, if ever.
    pub fn fetched_at(&self) -> Option<UnixTime> {
        self.fetched_at
    }

    /// Whether the set was never fetched or is at least the TTL old.
    pub fn is_stale(&self, now: UnixTime) -> bool {
        self.fetched_at
            .is_none_or(|t| now >= t.saturating_add(self.ttl))
    }

    /// Whether a fetch attempt is allowed now (none in the last
    /// `min_refetch_interval`).
    pub fn can_refetch(&self, now: UnixTime) -> bool {
        self.last_attempt
            .is_none_or(|t| now >= t.saturating_add(self.min_refetch_interval))
    }

    /// Whether the adapter should fetch now because the set is stale (and the rate
    /// limit allows). Returning `true` records the attempt, so a failing endpoint is
    /// retried at most once per `min_refetch_interval`.
    pub fn refresh_due(&mut self, now: UnixTime) -> bool {
        let due = self.is_stale(now) && self.can_refetch(now);
        if due {
            self.last_attempt = Some(now);
        }
        due
    }

    /// Whether the cached set can verify a token with this `kid` (`None` for a
    /// token without one, see [`KeySet`]); if not, whether to refetch. Answering
    /// [`Lookup::Refetch`] records the attempt.
    pub fn lookup(&mut self, kid: Option<&str>, now: UnixTime) -> Lookup {
        if self.keys.has_key_for(kid) {
            Lookup::Found
        } else if self.can_refetch(now) {
            self.last_attempt = Some(now);
            Lookup::Refetch
        } else {
            Lookup::RefetchRefused
        }
    }

    /// Replaces the keys with a freshly fetched set.
    pub fn update(&mut self, keys: KeySet, now: UnixTime) {
        self.keys = keys;
        self.fetched_at = Some(now);
        self.last_attempt = Some(now);
    }
}
