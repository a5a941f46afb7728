//! The crate's one JWKS policy, sans-IO: it decides when to (re)fetch and which
//! keys may verify; the adapter (or `sentinel_client::Client`) fetches.

use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;

use super::error::JwtError;
use super::keys::KeySet;
use super::validation::Validation;
use crate::UnixTime;

/// Default time after which a fetched JWKS is stale and refreshed in the
/// background (1 hour).
pub const DEFAULT_JWKS_TTL: Duration = Duration::from_secs(60 * 60);

/// Default minimum time between two fetches forced by unknown `kid`s, and the
/// first back-off after a failed fetch (60 s): an attacker sending tokens with
/// made-up `kid`s cannot make the client hammer the JWKS endpoint.
pub const DEFAULT_MIN_REFETCH_INTERVAL: Duration = Duration::from_secs(60);

/// Default time past its TTL a JWKS keeps verifying while it cannot be refreshed
/// (24 hours). Past it, verification fails with
/// [`JwtError::JwksUnavailable`](super::JwtError::JwksUnavailable).
pub const DEFAULT_JWKS_MAX_STALE: Duration = Duration::from_secs(24 * 60 * 60);

/// Default longest pause between two fetch attempts while the endpoint keeps
/// failing (10 minutes). The pause starts at the minimum refetch interval and
/// doubles with each consecutive failure up to this.
pub const DEFAULT_JWKS_MAX_BACKOFF: Duration = Duration::from_secs(10 * 60);

/// What [`JwksCache::lookup`] tells the adapter to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
#[must_use]
pub enum Lookup {
    /// The cached set has a key for this `kid`: verify now (with
    /// [`JwksCache::verify`]).
    Found,
    /// The cached set has a key for this `kid` but is stale: verify now, and
    /// fetch the JWKS in the background (stale-while-revalidate); report the
    /// outcome with [`fetch_succeeded`](JwksCache::fetch_succeeded) or
    /// [`fetch_failed`](JwksCache::fetch_failed). The fetch is already recorded.
    FoundRefresh,
    /// The token needs keys the cache does not have (an unknown `kid`, or no
    /// usable set) and a fetch is allowed: fetch now, report the outcome, then
    /// look up again. The fetch is already recorded.
    Refetch,
    /// The token needs keys the cache does not have and a fetch is in flight:
    /// wait for it to be reported, then look up again.
    Wait,
    /// Unknown `kid` and no fetch allowed now (rate limit or back-off): reject
    /// the token. [`JwksCache::verify`] gives
    /// [`JwtError::UnknownKid`](super::JwtError::UnknownKid).
    RefetchRefused,
    /// No usable key set (never fetched, or older than the max-stale bound) and no
    /// fetch allowed now: reject the token. [`JwksCache::verify`] gives
    /// [`JwtError::JwksUnavailable`](super::JwtError::JwksUnavailable).
    Unavailable,
}

/// A JWKS with the time it was fetched, and the one policy for fetching it,
/// used by `sentinel_client::Client` and by adapters that do their own I/O.
///
/// The cache never reads a clock, never does I/O and holds no lock: every method
/// takes `now`, and a concurrent adapter keeps it behind its own mutex (the
/// client does). The rules:
///
/// - **Stale-while-revalidate.** A set is fresh for the TTL ([`DEFAULT_JWKS_TTL`]);
///   a stale set keeps verifying the `kid`s it has while one background fetch
///   renews it ([`Lookup::FoundRefresh`]). A token whose `kid` is in the set
///   never waits for a fetch.
/// - **Single flight.** At most one fetch is in flight; tokens that need its
///   result get [`Lookup::Wait`].
/// - **Unknown `kid`s are rate-limited.** A `kid` not in the set forces a fetch at
///   most once per minimum refetch interval ([`DEFAULT_MIN_REFETCH_INTERVAL`]),
///   counted from the last forced fetch; otherwise [`Lookup::RefetchRefused`].
///   (The first load and TTL refreshes are not forced fetches: a key rotated in
///   right after one is still picked up at once.)
/// - **Failures keep the old set and back off.** A failed fetch changes no key.
///   After it, no fetch of any kind (forced, TTL, first load) starts before the
///   back-off has passed: the minimum refetch interval, doubling with each
///   consecutive failure up to the max back-off ([`DEFAULT_JWKS_MAX_BACKOFF`]).
/// - **Max-stale bound.** During an outage the last good set keeps verifying until
///   `fetched_at + ttl + max_stale` ([`DEFAULT_JWKS_MAX_STALE`]); past it
///   [`verify`](Self::verify) fails with
///   [`JwtError::JwksUnavailable`](super::JwtError::JwksUnavailable).
///
/// Adapter loop (single-threaded; a concurrent adapter waits on [`Lookup::Wait`]):
///
/// ```
/// use std::time::Duration;
/// use sentinel_proto::UnixTime;
/// use sentinel_proto::jwt::{Claims, JwksCache, JwtError, KeySet, Lookup, Validation};
///
/// # fn fetch_jwks() -> Result<KeySet, JwtError> { Ok(KeySet::liveperson_v1()) }
/// fn check(cache: &mut JwksCache, token: &str, now: UnixTime) -> Result<Claims, JwtError> {
///     let kid = sentinel_proto::jwt::decode_header(token)?.kid;
///     loop {
///         match cache.lookup(kid.as_deref(), now) {
///             // A background task would do this fetch; here it is inline.
///             Lookup::FoundRefresh | Lookup::Refetch => match fetch_jwks() {
///                 Ok(keys) => cache.fetch_succeeded(keys, now),
///                 Err(_) => cache.fetch_failed(now),
///             },
///             Lookup::Wait => unreachable!("single-threaded: no fetch left in flight"),
///             _ => return cache.verify(token, &Validation::app_jwt(), now),
///         }
///         // Found now, or refused: the next lookup fetches no more.
///     }
/// }
///
/// let mut cache = JwksCache::new().with_min_refetch_interval(Duration::from_secs(30));
/// let now = UnixTime::from_secs(1_700_000_000);
/// assert_eq!(cache.lookup(Some("appjwt-13-05-17"), now), Lookup::Refetch); // first load
/// cache.fetch_succeeded(fetch_jwks()?, now);
/// assert_eq!(cache.lookup(Some("appjwt-13-05-17"), now), Lookup::Found);
/// // An unknown kid forces one refetch, then is refused for 30 s.
/// assert_eq!(cache.lookup(Some("rotated"), now), Lookup::Refetch);
/// cache.fetch_failed(now); // the old set is kept
/// assert_eq!(cache.lookup(Some("rotated"), now), Lookup::RefetchRefused);
/// assert_eq!(cache.lookup(Some("appjwt-13-05-17"), now), Lookup::Found);
/// let forged = "eyJhbGciOiJSUzI1NiIsImtpZCI6InJvdGF0ZWQifQ.e30.c2ln";
/// assert_eq!(
///     check(&mut cache, forged, now).unwrap_err(),
///     JwtError::UnknownKid { kid: "rotated".into() }
/// );
/// # Ok::<(), JwtError>(())
/// ```
#[derive(Clone, Debug)]
pub struct JwksCache {
    keys: Arc<KeySet>,
    fetched_at: Option<UnixTime>,
    /// A fetch is in flight (started at this time).
    fetching: Option<UnixTime>,
    /// When an unknown `kid` last forced a fetch.
    last_forced: Option<UnixTime>,
    /// Consecutive failed fetches.
    failures: u32,
    /// No fetch before this (back-off after a failure).
    retry_at: Option<UnixTime>,
    ttl: Duration,
    min_refetch_interval: Duration,
    max_stale: Duration,
    max_backoff: Duration,
}

impl Default for JwksCache {
    fn default() -> Self {
        Self::new()
    }
}

impl JwksCache {
    /// An empty cache (the first lookup asks for a fetch), with
    /// [`DEFAULT_JWKS_TTL`], [`DEFAULT_MIN_REFETCH_INTERVAL`],
    /// [`DEFAULT_JWKS_MAX_STALE`] and [`DEFAULT_JWKS_MAX_BACKOFF`].
    pub fn new() -> Self {
        Self {
            keys: Arc::new(KeySet::new()),
            fetched_at: None,
            fetching: None,
            last_forced: None,
            failures: 0,
            retry_at: None,
            ttl: DEFAULT_JWKS_TTL,
            min_refetch_interval: DEFAULT_MIN_REFETCH_INTERVAL,
            max_stale: DEFAULT_JWKS_MAX_STALE,
            max_backoff: DEFAULT_JWKS_MAX_BACKOFF,
        }
    }

    /// Sets how long a fetched set stays fresh (default 1 h).
    #[must_use]
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// Sets the minimum time between two fetches forced by unknown `kid`s, which
    /// is also the first back-off after a failure (default 60 s; at least 1 s,
    /// the resolution of [`UnixTime`], so that a lookup loop at one `now` always
    /// ends).
    #[must_use]
    pub fn with_min_refetch_interval(mut self, interval: Duration) -> Self {
        self.min_refetch_interval = interval.max(Duration::from_secs(1));
        self
    }

    /// Sets how long past its TTL a set keeps verifying when it cannot be
    /// refreshed (default 24 h).
    #[must_use]
    pub fn with_max_stale(mut self, max_stale: Duration) -> Self {
        self.max_stale = max_stale;
        self
    }

    /// Sets the longest back-off between fetch attempts while fetches fail
    /// (default 10 min; never less than the minimum refetch interval).
    #[must_use]
    pub fn with_max_backoff(mut self, max_backoff: Duration) -> Self {
        self.max_backoff = max_backoff;
        self
    }

    /// The TTL.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// The minimum refetch interval.
    pub fn min_refetch_interval(&self) -> Duration {
        self.min_refetch_interval
    }

    /// The max-stale bound.
    pub fn max_stale(&self) -> Duration {
        self.max_stale
    }

    /// The cached keys (possibly empty, stale, or past the max-stale bound: check
    /// [`is_usable`](Self::is_usable), or verify with [`verify`](Self::verify)).
    pub fn keys(&self) -> &KeySet {
        &self.keys
    }

    /// The cached keys, shared (cheap to clone; for verifying outside a lock).
    pub fn shared_keys(&self) -> Arc<KeySet> {
        Arc::clone(&self.keys)
    }

    /// When the cached set was fetched, if ever.
    pub fn fetched_at(&self) -> Option<UnixTime> {
        self.fetched_at
    }

    /// Until when (exclusive) the cached set may verify: `fetched_at + ttl +
    /// max_stale`; `None` if never fetched.
    pub fn usable_until(&self) -> Option<UnixTime> {
        self.fetched_at
            .map(|t| t.saturating_add(self.ttl).saturating_add(self.max_stale))
    }

    /// Whether the set was never fetched or is at least the TTL old.
    pub fn is_stale(&self, now: UnixTime) -> bool {
        self.fetched_at
            .is_none_or(|t| now >= t.saturating_add(self.ttl))
    }

    /// Whether the set may verify tokens at `now` (fetched, and within the
    /// max-stale bound).
    pub fn is_usable(&self, now: UnixTime) -> bool {
        self.usable_until().is_some_and(|until| now < until)
    }

    /// Whether a fetch is in flight.
    pub fn is_fetching(&self) -> bool {
        self.fetching.is_some()
    }

    /// When the back-off after the last failure ends (`None`: no back-off).
    pub fn retry_at(&self) -> Option<UnixTime> {
        self.retry_at
    }

    /// Consecutive failed fetches since the last success.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// Whether any fetch may start now: none in flight, no back-off running.
    pub fn may_fetch(&self, now: UnixTime) -> bool {
        self.fetching.is_none() && self.retry_at.is_none_or(|t| now >= t)
    }

    /// Whether an unknown `kid` may force a fetch now: [`may_fetch`](Self::may_fetch),
    /// and no forced fetch in the last minimum refetch interval.
    pub fn can_refetch(&self, now: UnixTime) -> bool {
        self.may_fetch(now)
            && self
                .last_forced
                .is_none_or(|t| now >= t.saturating_add(self.min_refetch_interval))
    }

    /// What to do for a token with this `kid` (`None` for a token without one, see
    /// [`KeySet`]). Answers that start a fetch ([`Lookup::FoundRefresh`],
    /// [`Lookup::Refetch`]) record it: report its outcome with
    /// [`fetch_succeeded`](Self::fetch_succeeded) or
    /// [`fetch_failed`](Self::fetch_failed), even if it is abandoned (else every
    /// later fetch waits for it).
    pub fn lookup(&mut self, kid: Option<&str>, now: UnixTime) -> Lookup {
        let usable = self.is_usable(now);
        if usable && self.keys.has_key_for(kid) {
            if self.is_stale(now) && self.may_fetch(now) {
                self.start(now, false);
                return Lookup::FoundRefresh;
            }
            return Lookup::Found;
        }
        if self.fetching.is_some() {
            return Lookup::Wait;
        }
        if !usable {
            // First load, or reload past the max-stale bound: only back-off applies.
            if self.may_fetch(now) {
                self.start(now, false);
                return Lookup::Refetch;
            }
            return Lookup::Unavailable;
        }
        // A usable set without this kid: a forced fetch, rate-limited (a due TTL
        // refresh may go ahead; it would fetch anyway).
        if self.can_refetch(now) || (self.is_stale(now) && self.may_fetch(now)) {
            self.start(now, true);
            return Lookup::Refetch;
        }
        Lookup::RefetchRefused
    }

    /// Starts a fetch that no token asked for (warming the cache at start-up, a
    /// timer): `true` if allowed now (none in flight, no back-off) and recorded.
    /// Report its outcome as for [`lookup`](Self::lookup).
    pub fn begin_fetch(&mut self, now: UnixTime) -> bool {
        let ok = self.may_fetch(now);
        if ok {
            self.start(now, false);
        }
        ok
    }

    /// Whether a TTL refresh is due and allowed now ([`is_stale`](Self::is_stale)
    /// and [`begin_fetch`](Self::begin_fetch)); `true` records the fetch.
    pub fn refresh_due(&mut self, now: UnixTime) -> bool {
        self.is_stale(now) && self.begin_fetch(now)
    }

    fn start(&mut self, now: UnixTime, forced: bool) {
        self.fetching = Some(now);
        if forced {
            self.last_forced = Some(now);
        }
    }

    /// Reports a successful fetch: the set is replaced, fresh from `now`, and the
    /// back-off is cleared. (Also accepted without a recorded fetch, e.g. keys
    /// the adapter got some other way.)
    pub fn fetch_succeeded(&mut self, keys: KeySet, now: UnixTime) {
        self.keys = Arc::new(keys);
        self.fetched_at = Some(now);
        self.fetching = None;
        self.failures = 0;
        self.retry_at = None;
    }

    /// Reports a failed (or abandoned) fetch: the old set is kept, and no fetch
    /// starts before the back-off has passed (the minimum refetch interval,
    /// doubled for each further consecutive failure, at most the max back-off).
    pub fn fetch_failed(&mut self, now: UnixTime) {
        self.fetching = None;
        self.failures = self.failures.saturating_add(1);
        let doublings = self.failures.saturating_sub(1).min(30);
        let backoff = self
            .min_refetch_interval
            .saturating_mul(1u32 << doublings)
            .min(self.max_backoff)
            .max(self.min_refetch_interval);
        self.retry_at = Some(now.saturating_add(backoff));
    }

    /// The error for a token this cache cannot verify for want of keys:
    /// [`JwtError::JwksUnavailable`].
    pub fn unavailable_error(&self, now: UnixTime) -> JwtError {
        JwtError::JwksUnavailable {
            fetched_at: self.fetched_at.map(UnixTime::as_secs),
            now: now.as_secs(),
        }
    }

    /// Verifies `token` with the cached keys (see [`verify`](super::verify)), or
    /// fails with [`JwtError::JwksUnavailable`] if the set is not usable at `now`.
    /// Does not fetch: call it after [`lookup`](Self::lookup) said what to do.
    pub fn verify<C: DeserializeOwned>(
        &self,
        token: &str,
        validation: &Validation,
        now: UnixTime,
    ) -> Result<C, JwtError> {
        if !self.is_usable(now) {
            return Err(self.unavailable_error(now));
        }
        super::verify(token, &self.keys, validation, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jwt::RsaPublicKey;

    const T0: u64 = 1_700_000_000;

    fn at(s: u64) -> UnixTime {
        UnixTime::from_secs(T0 + s)
    }

    fn set(kids: &[&str]) -> KeySet {
        let k = RsaPublicKey::liveperson_v1();
        KeySet::from_iter(kids.iter().map(|kid| k.clone().with_kid(*kid)))
    }

    fn loaded() -> JwksCache {
        let mut c = JwksCache::new();
        assert_eq!(c.lookup(Some("a"), at(0)), Lookup::Refetch);
        c.fetch_succeeded(set(&["a"]), at(0));
        c
    }

    #[test]
    fn stale_while_revalidate_known_kids_never_wait() {
        let mut c = loaded();
        assert_eq!(c.lookup(Some("a"), at(3599)), Lookup::Found);
        // Stale: one background refresh, and the set still verifies meanwhile.
        assert_eq!(c.lookup(Some("a"), at(3600)), Lookup::FoundRefresh);
        assert!(c.is_fetching());
        for s in 3600..3700 {
            assert_eq!(c.lookup(Some("a"), at(s)), Lookup::Found);
        }
        // An unknown kid waits for the fetch in flight instead of starting one.
        assert_eq!(c.lookup(Some("b"), at(3601)), Lookup::Wait);
        c.fetch_succeeded(set(&["a", "b"]), at(3700));
        assert_eq!(c.lookup(Some("b"), at(3700)), Lookup::Found);
        assert!(!c.is_stale(at(7299)));
    }

    #[test]
    fn failed_fetch_keeps_old_set_and_backs_off() {
        let mut c = loaded();
        assert_eq!(c.lookup(Some("a"), at(3600)), Lookup::FoundRefresh);
        c.fetch_failed(at(3600));
        assert_eq!(c.keys().len(), 1);
        assert_eq!(c.fetched_at(), Some(at(0)));
        // No refresh before the back-off: known kids still verify, unknown refused.
        assert_eq!(c.lookup(Some("a"), at(3659)), Lookup::Found);
        assert_eq!(c.lookup(Some("x"), at(3659)), Lookup::RefetchRefused);
        assert_eq!(c.lookup(Some("a"), at(3660)), Lookup::FoundRefresh);
        c.fetch_failed(at(3660));
        // Second failure: 120 s; third: 240 s; ... capped at 600 s.
        assert_eq!(c.retry_at(), Some(at(3780)));
        assert_eq!(c.lookup(Some("a"), at(3779)), Lookup::Found);
        assert_eq!(c.lookup(Some("a"), at(3780)), Lookup::FoundRefresh);
        c.fetch_failed(at(3780));
        assert_eq!(c.retry_at(), Some(at(4020)));
        for _ in 0..10 {
            let t = c.retry_at().unwrap();
            assert_eq!(c.lookup(Some("a"), t), Lookup::FoundRefresh);
            c.fetch_failed(t);
        }
        let t = c.retry_at().unwrap();
        c.fetch_failed(t);
        assert_eq!(
            c.retry_at(),
            Some(t.saturating_add(DEFAULT_JWKS_MAX_BACKOFF))
        );
        // Success clears the back-off.
        c.fetch_succeeded(set(&["a"]), t);
        assert_eq!(c.retry_at(), None);
        assert_eq!(c.failures(), 0);
    }

    #[test]
    fn max_stale_bound() {
        let mut c = loaded().with_max_stale(Duration::from_secs(7200));
        assert_eq!(c.usable_until(), Some(at(3600 + 7200)));
        assert_eq!(c.lookup(Some("a"), at(3600)), Lookup::FoundRefresh);
        c.fetch_failed(at(3600));
        assert!(c.is_usable(at(10_799)));
        assert!(!c.is_usable(at(10_800)));
        // Past the bound the set is not used, even for known kids.
        assert_eq!(c.lookup(Some("a"), at(10_800)), Lookup::Refetch);
        c.fetch_failed(at(10_800));
        assert_eq!(c.lookup(Some("a"), at(10_801)), Lookup::Unavailable);
        assert_eq!(
            c.unavailable_error(at(10_801)),
            JwtError::JwksUnavailable {
                fetched_at: Some(T0),
                now: T0 + 10_801
            }
        );
        // A later success restores it.
        let t = c.retry_at().unwrap();
        assert_eq!(c.lookup(Some("a"), t), Lookup::Refetch);
        c.fetch_succeeded(set(&["a"]), t);
        assert_eq!(c.lookup(Some("a"), t), Lookup::Found);
    }

    #[test]
    fn unknown_kid_refetch_rate_limited_on_every_path() {
        let mut c = loaded();
        // The first forced refetch right after the load is allowed (rotation).
        assert_eq!(c.lookup(Some("x"), at(1)), Lookup::Refetch);
        c.fetch_succeeded(set(&["a"]), at(1));
        for s in 1..61 {
            assert_eq!(c.lookup(Some("y"), at(s)), Lookup::RefetchRefused, "{s}");
        }
        assert_eq!(c.lookup(Some("y"), at(61)), Lookup::Refetch);
        // After a failure: back-off, whatever the kid.
        c.fetch_failed(at(61));
        for s in 61..121 {
            assert_eq!(c.lookup(Some("z"), at(s)), Lookup::RefetchRefused, "{s}");
        }
        assert_eq!(c.lookup(Some("z"), at(121)), Lookup::Refetch);
        c.fetch_failed(at(121));
        // Second failure: 120 s back-off even though 60 s passed since the forced one.
        assert_eq!(c.lookup(Some("z"), at(181)), Lookup::RefetchRefused);
        assert_eq!(c.lookup(Some("z"), at(241)), Lookup::Refetch);
        // Empty cache after a failure: back-off too (no hammering on first load).
        // A zero interval is taken as 1 s: a loop at one `now` ends.
        let mut z = loaded().with_min_refetch_interval(Duration::ZERO);
        assert_eq!(z.min_refetch_interval(), Duration::from_secs(1));
        assert_eq!(z.lookup(Some("x"), at(5)), Lookup::Refetch);
        z.fetch_failed(at(5));
        assert_eq!(z.lookup(Some("x"), at(5)), Lookup::RefetchRefused);
        let mut e = JwksCache::new();
        assert_eq!(e.lookup(Some("a"), at(0)), Lookup::Refetch);
        assert_eq!(e.lookup(Some("a"), at(0)), Lookup::Wait);
        e.fetch_failed(at(0));
        assert_eq!(e.lookup(Some("a"), at(59)), Lookup::Unavailable);
        assert_eq!(e.lookup(Some("a"), at(60)), Lookup::Refetch);
        assert!(!e.begin_fetch(at(60)));
    }
}
