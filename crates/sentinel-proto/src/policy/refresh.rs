//! When a cached value is renewed: ahead of its expiry, and after a failure.
//!
//! Pure policy: every method takes the time. The cache that applies it (with its
//! locks and waiters) is `sentinel_client::RenewingCache`.

use std::time::Duration;

use crate::time::UnixTime;

/// When a value is renewed ahead of its expiry.
///
/// The value is renewed once less than `max(min_margin, lifetime × fraction)`
/// remains: by default `max(60 s, 50 %)`, so a one-hour AppJWT is renewed 30
/// minutes before it expires, as LivePerson's own clients do, and a Sentinel
/// outage of up to half its lifetime goes unnoticed: the cached token keeps being
/// served while renewals fail.
///
/// ```
/// use std::time::Duration;
/// use sentinel_proto::UnixTime;
/// use sentinel_proto::policy::RefreshPolicy;
/// let p = RefreshPolicy::default();
/// // A one-hour token is renewed in its last 30 minutes.
/// let at = p.refresh_at(UnixTime::from_secs(0), UnixTime::from_secs(3600));
/// assert_eq!(at, UnixTime::from_secs(1800));
/// assert_eq!(p.margin(Duration::from_secs(3600)), Duration::from_secs(1800));
/// // A one-minute token at once: the 60 s floor.
/// assert_eq!(p.margin(Duration::from_secs(60)), Duration::from_secs(60));
/// // The older, later schedule: the last 10 %.
/// let late = p.with_margin_percent(10);
/// assert_eq!(late.refresh_at(UnixTime::from_secs(0), UnixTime::from_secs(3600)), UnixTime::from_secs(3240));
/// ```
///
/// After a failed renewal, no new one starts for a cool-down: 1 s after the first
/// failure, doubling with each consecutive failure up to 60 s, each stretched by
/// up to half again at random (so that many clients do not retry in step), and
/// at least what the server's `Retry-After` asked for (up to 10 minutes). During
/// a cool-down callers get the cached value while it is still valid, else the
/// last error, without a request. During an outage of `T` seconds a cache so
/// starts at most `7 + T / 60` renewals (each up to the retry policy's attempts).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RefreshPolicy {
    min_margin: Duration,
    margin_percent: u8,
    fallback_lifetime: Duration,
    retry_base: Duration,
    retry_max: Duration,
    max_retry_after: Duration,
}

impl Default for RefreshPolicy {
    fn default() -> Self {
        Self {
            min_margin: Duration::from_secs(60),
            margin_percent: 50,
            fallback_lifetime: Duration::from_secs(300),
            retry_base: Duration::from_secs(1),
            retry_max: Duration::from_secs(60),
            max_retry_after: Duration::from_secs(600),
        }
    }
}

impl RefreshPolicy {
    /// A policy with a fixed lifetime and no refresh-ahead, for caches such as
    /// the Domain API's whose answers carry no expiry.
    ///
    /// ```
    /// use std::time::Duration;
    /// use sentinel_proto::UnixTime;
    /// use sentinel_proto::policy::RefreshPolicy;
    /// let p = RefreshPolicy::ttl(Duration::from_secs(600));
    /// assert_eq!(p.refresh_at(UnixTime::from_secs(0), UnixTime::from_secs(600)), UnixTime::from_secs(600));
    /// ```
    pub fn ttl(ttl: Duration) -> Self {
        Self {
            min_margin: Duration::ZERO,
            margin_percent: 0,
            fallback_lifetime: ttl,
            ..Self::default()
        }
    }

    /// A policy for a value without expiry that is fresh for `ttl`, then renewed
    /// in the background on its next use and served meanwhile — and while
    /// renewals fail — for up to `max_stale` more (HTTP's
    /// `stale-while-revalidate`, and what the Domain API cache uses: a host that
    /// was right ten minutes ago is the best guess during an outage of the
    /// Domain API, but not forever).
    ///
    /// ```
    /// use std::time::Duration;
    /// use sentinel_proto::UnixTime;
    /// use sentinel_proto::policy::{Cached, Expiry, Freshness, RefreshPolicy};
    /// let p = RefreshPolicy::stale_while_revalidate(Duration::from_secs(600), Duration::from_secs(3600));
    /// let c = Cached::new("hosts", UnixTime::from_secs(0), Expiry::default(), &p);
    /// assert_eq!(c.freshness(UnixTime::from_secs(599)), Freshness::Fresh);
    /// assert_eq!(c.freshness(UnixTime::from_secs(600)), Freshness::RefreshAhead);
    /// assert_eq!(c.freshness(UnixTime::from_secs(4199)), Freshness::RefreshAhead);
    /// assert_eq!(c.freshness(UnixTime::from_secs(4200)), Freshness::Expired);
    /// ```
    pub fn stale_while_revalidate(ttl: Duration, max_stale: Duration) -> Self {
        Self {
            min_margin: max_stale,
            margin_percent: 0,
            fallback_lifetime: ttl.saturating_add(max_stale),
            ..Self::default()
        }
    }

    /// The cool-down after failed renewals: `base` after the first, doubling up to
    /// `max` (defaults 1 s and 60 s). A zero `base` turns the cool-down off.
    #[must_use]
    pub fn with_failure_backoff(mut self, base: Duration, max: Duration) -> Self {
        self.retry_base = base;
        self.retry_max = max.max(base);
        self
    }

    /// The longest server `Retry-After` the cool-down honours (default 10 min).
    #[must_use]
    pub fn with_max_retry_after(mut self, max: Duration) -> Self {
        self.max_retry_after = max;
        self
    }

    /// How long to wait before renewing again after `failures` (≥ 1) consecutive
    /// failed renewals, the last with the server's `retry_after`; `random` is any
    /// random number (the jitter).
    ///
    /// ```
    /// use std::time::Duration;
    /// use sentinel_proto::policy::RefreshPolicy;
    /// let p = RefreshPolicy::default();
    /// assert_eq!(p.failure_delay(1, None, 0), Duration::from_secs(1));
    /// assert_eq!(p.failure_delay(3, None, 0), Duration::from_secs(4));
    /// assert_eq!(p.failure_delay(30, None, 0), Duration::from_secs(60)); // capped
    /// assert!(p.failure_delay(3, None, u64::MAX) <= Duration::from_secs(6)); // jitter: up to +50 %
    /// assert_eq!(p.failure_delay(1, Some(Duration::from_secs(120)), 0), Duration::from_secs(120));
    /// assert_eq!(p.failure_delay(1, Some(Duration::from_secs(86_400)), 0), Duration::from_secs(600));
    /// ```
    pub fn failure_delay(
        &self,
        failures: u32,
        retry_after: Option<Duration>,
        random: u64,
    ) -> Duration {
        if self.retry_base.is_zero() {
            return Duration::ZERO;
        }
        let exp = failures.saturating_sub(1).min(20);
        let ceiling = self
            .retry_base
            .saturating_mul(1u32 << exp)
            .min(self.retry_max);
        let ms = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        let jitter = Duration::from_millis(random % (ms / 2).saturating_add(1));
        let delay = ceiling
            .saturating_add(jitter)
            .min(self.retry_max.max(ceiling));
        match retry_after {
            Some(ra) => delay.max(ra.min(self.max_retry_after)),
            None => delay,
        }
    }

    /// Renews no later than `margin` before expiry.
    #[must_use]
    pub fn with_min_margin(mut self, margin: Duration) -> Self {
        self.min_margin = margin;
        self
    }

    /// Renews no later than `percent` % of the lifetime before expiry (capped at 100).
    #[must_use]
    pub fn with_margin_percent(mut self, percent: u8) -> Self {
        self.margin_percent = percent.min(100);
        self
    }

    /// The lifetime assumed for a value that came with no expiry (default 5 min).
    #[must_use]
    pub fn with_fallback_lifetime(mut self, lifetime: Duration) -> Self {
        self.fallback_lifetime = lifetime;
        self
    }

    /// The lifetime assumed for a value that came with no expiry.
    pub fn fallback_lifetime(&self) -> Duration {
        self.fallback_lifetime
    }

    /// How long before its expiry a value of `lifetime` is renewed.
    pub fn margin(&self, lifetime: Duration) -> Duration {
        let fraction = lifetime * u32::from(self.margin_percent) / 100;
        self.min_margin.max(fraction)
    }

    /// When a value obtained at `obtained` and expiring at `expires` should be renewed.
    pub fn refresh_at(&self, obtained: UnixTime, expires: UnixTime) -> UnixTime {
        let margin = self.margin(expires.duration_since(obtained));
        expires.saturating_sub(margin).max(obtained)
    }
}

/// How long a new value lives: from `expires_in`, a JWT's `exp`, both, or neither.
///
/// ```
/// use std::time::Duration;
/// use sentinel_proto::UnixTime;
/// use sentinel_proto::policy::Expiry;
/// let e = Expiry::new(Some(Duration::from_secs(3600)), Some(UnixTime::from_secs(1000)));
/// // The earlier of the two wins.
/// assert_eq!(e.expires_at(UnixTime::from_secs(0), Duration::ZERO), UnixTime::from_secs(1000));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Expiry {
    expires_in: Option<Duration>,
    not_after: Option<UnixTime>,
}

impl Expiry {
    /// From the answer's `expires_in` and the token's own `exp`, either optional.
    pub fn new(expires_in: Option<Duration>, not_after: Option<UnixTime>) -> Self {
        Self {
            expires_in,
            not_after,
        }
    }

    /// A value that lives for `d`.
    pub fn after(d: Duration) -> Self {
        Self::new(Some(d), None)
    }

    /// When the value expires, if it was requested at `requested`: the earlier of
    /// `requested + expires_in` and `exp`; `requested + fallback` when neither is known.
    pub fn expires_at(&self, requested: UnixTime, fallback: Duration) -> UnixTime {
        let relative = self.expires_in.map(|d| requested.saturating_add(d));
        match (relative, self.not_after) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => requested.saturating_add(fallback),
        }
    }
}

/// How usable a cached value is at some time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Freshness {
    /// Use it.
    Fresh,
    /// Use it, and renew it now in the background.
    RefreshAhead,
    /// Do not use it: renew first.
    Expired,
}

/// A value with the times that govern it.
#[derive(Debug)]
pub struct Cached<T> {
    value: T,
    obtained_at: UnixTime,
    refresh_at: UnixTime,
    expires_at: UnixTime,
}

impl<T> Cached<T> {
    /// `value`, obtained by a request made at `obtained_at`, living as `expiry`
    /// says (or `policy`'s fallback lifetime), renewed as `policy` says.
    ///
    /// ```
    /// use std::time::Duration;
    /// use sentinel_proto::UnixTime;
    /// use sentinel_proto::policy::{Cached, Expiry, Freshness, RefreshPolicy};
    /// let c = Cached::new("t", UnixTime::from_secs(0), Expiry::after(Duration::from_secs(3600)),
    ///     &RefreshPolicy::default());
    /// assert_eq!(c.expires_at(), UnixTime::from_secs(3600));
    /// assert_eq!(c.freshness(UnixTime::from_secs(3300)), Freshness::RefreshAhead);
    /// ```
    pub fn new(value: T, obtained_at: UnixTime, expiry: Expiry, policy: &RefreshPolicy) -> Self {
        let expires_at = expiry.expires_at(obtained_at, policy.fallback_lifetime());
        Self {
            value,
            obtained_at,
            refresh_at: policy.refresh_at(obtained_at, expires_at),
            expires_at,
        }
    }

    /// The value.
    pub fn value(&self) -> &T {
        &self.value
    }

    /// When the request that produced it was made.
    pub fn obtained_at(&self) -> UnixTime {
        self.obtained_at
    }

    /// When it should be renewed.
    pub fn refresh_at(&self) -> UnixTime {
        self.refresh_at
    }

    /// When it expires.
    pub fn expires_at(&self) -> UnixTime {
        self.expires_at
    }

    /// Its freshness at `now`.
    pub fn freshness(&self, now: UnixTime) -> Freshness {
        if now >= self.expires_at {
            Freshness::Expired
        } else if now >= self.refresh_at {
            Freshness::RefreshAhead
        } else {
            Freshness::Fresh
        }
    }
}
