//! When to repeat a failed request: only where it is safe, with exponential backoff,
//! full jitter, and the server's `Retry-After` honoured.

use std::time::Duration;

use http::StatusCode;

use crate::error::{Error, TransportErrorKind};
use crate::time::UnixTime;

/// The kinds of request, by whether repeating them is safe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// Domain API lookup: a GET.
    DomainApi,
    /// JWKS fetch: a GET.
    Jwks,
    /// AppJWT (client credentials): a new token each time, no state changes.
    AppToken,
    /// Refresh: repeated only where the refresh token cannot have been used — the
    /// connection failed (nothing was sent), or the server answered 429 or 503.
    /// A server that rotates refresh tokens may take a replay of a used one for
    /// theft and revoke the whole family, so after a timeout or a reset once the
    /// request was out, or any other 5xx, it is not sent again (protocol
    /// reference §2.4).
    Refresh,
    /// Code exchange: a code is single use, so never repeated.
    CodeExchange,
    /// Revocation: not repeated automatically.
    Revoke,
    /// ConsumerJWS: not repeated automatically.
    ConsumerJws,
}

impl Operation {
    /// Whether a transient failure of this operation may be retried automatically
    /// (for [`Refresh`](Operation::Refresh), only some failures: see
    /// [`may_retry`](Operation::may_retry)).
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            Operation::DomainApi | Operation::Jwks | Operation::AppToken | Operation::Refresh
        )
    }

    /// Whether repeating this operation after `err` is both useful (the error is
    /// transient) and safe (nothing the server may have acted on is repeated).
    ///
    /// A success whose body could not be read (cut short, over the size cap, a
    /// proxy's page, for the JWKS no key set) counts as transient for the two
    /// GETs and the AppJWT request, which change nothing on the server: the fault
    /// is seldom the server's answer itself, and a JWKS fetch that fails leaves a
    /// rotated-in key unknown for the refetch interval.
    ///
    /// ```
    /// use sentinel_proto::Error;
    /// use sentinel_proto::error::{TransportError, TransportErrorKind};
    /// use sentinel_proto::policy::Operation;
    /// let sent: Error = TransportError::new(TransportErrorKind::Timeout, "no answer").into();
    /// let unsent: Error = TransportError::new(TransportErrorKind::Connect, "refused").into();
    /// assert!(Operation::AppToken.may_retry(&sent));
    /// assert!(!Operation::Refresh.may_retry(&sent));   // the token may be spent
    /// assert!(Operation::Refresh.may_retry(&unsent));  // it never left
    /// assert!(!Operation::CodeExchange.may_retry(&unsent));
    ///
    /// let huge = Error::BodyTooLarge { status: http::StatusCode::OK, limit: 65536, retry_after: None };
    /// assert!(Operation::Jwks.may_retry(&huge));
    /// assert!(!Operation::Refresh.may_retry(&huge)); // the token was spent
    /// ```
    pub fn may_retry(self, err: &Error) -> bool {
        if !self.is_retryable() {
            return false;
        }
        if unreadable_success(err) {
            return matches!(
                self,
                Operation::DomainApi | Operation::Jwks | Operation::AppToken
            );
        }
        if !err.is_transient() {
            return false;
        }
        if self != Operation::Refresh {
            return true;
        }
        match err {
            Error::Transport(t) => t.kind() == TransportErrorKind::Connect,
            _ => matches!(
                err.status(),
                Some(StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE)
            ),
        }
    }

    /// A short name for logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::DomainApi => "domain_api",
            Operation::Jwks => "jwks",
            Operation::AppToken => "app_token",
            Operation::Refresh => "refresh",
            Operation::CodeExchange => "code_exchange",
            Operation::Revoke => "revoke",
            Operation::ConsumerJws => "consumer_jws",
        }
    }
}

/// Whether `err` is a 2xx answer whose body was not what was asked for:
/// unreadable, over the cap, or (a JWKS) no usable key set.
fn unreadable_success(err: &Error) -> bool {
    match err {
        Error::InvalidBody { status, .. } | Error::BodyTooLarge { status, .. } => {
            status.is_success()
        }
        Error::Jwt(_) => true,
        _ => false,
    }
}

/// How often and how patiently to retry.
///
/// ```
/// use std::time::Duration;
/// use sentinel_proto::{Error, UnixTime};
/// use sentinel_proto::error::{TransportError, TransportErrorKind};
/// use sentinel_proto::policy::{Operation, RetryPolicy};
/// let p = RetryPolicy::default();
/// let timeout: Error = TransportError::new(TransportErrorKind::Timeout, "slow").into();
/// let now = UnixTime::from_secs(0);
/// // A timed-out AppJWT request is retried after a jittered delay...
/// let d = p.backoff(Operation::AppToken, 1, &timeout, now, 12345).expect("retry");
/// assert!(d <= Duration::from_millis(400));
/// // ...a code exchange never is.
/// assert!(p.backoff(Operation::CodeExchange, 1, &timeout, now, 12345).is_none());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
    max_retry_after: Duration,
}

impl Default for RetryPolicy {
    /// 3 attempts, 200 ms base delay doubling to at most 5 s, and a server's
    /// `Retry-After` honoured up to 30 s (longer: give up and report it).
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn never() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// At most `n` attempts in all (1 = no retry).
    #[must_use]
    pub fn with_max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// The first backoff's upper bound; it doubles with each attempt.
    #[must_use]
    pub fn with_base_delay(mut self, d: Duration) -> Self {
        self.base_delay = d;
        self
    }

    /// The cap on a backoff.
    #[must_use]
    pub fn with_max_delay(mut self, d: Duration) -> Self {
        self.max_delay = d;
        self
    }

    /// The longest `Retry-After` waited for.
    #[must_use]
    pub fn with_max_retry_after(mut self, d: Duration) -> Self {
        self.max_retry_after = d;
        self
    }

    /// The number of attempts allowed.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// After `attempt` (1-based) of `op` failed with `err`: how long to wait before
    /// the next attempt, or `None` to give up. `random` is any random number; it
    /// picks the delay uniformly in `[0, min(max_delay, base × 2^(attempt-1))]`
    /// ("full jitter"). A `Retry-After` raises the delay to at least what it asks,
    /// or gives up when it asks for more than the configured maximum.
    pub fn backoff(
        &self,
        op: Operation,
        attempt: u32,
        err: &Error,
        now: UnixTime,
        random: u64,
    ) -> Option<Duration> {
        if attempt >= self.max_attempts || !op.may_retry(err) {
            return None;
        }
        let exp = attempt.saturating_sub(1).min(20);
        let ceiling = self
            .base_delay
            .saturating_mul(1u32 << exp)
            .min(self.max_delay);
        let ceiling_ms = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        let jittered = Duration::from_millis(random % ceiling_ms.saturating_add(1));
        match err.retry_after() {
            Some(ra) => {
                let wanted = ra.delay(now);
                (wanted <= self.max_retry_after).then(|| wanted.max(jittered))
            }
            None => Some(jittered),
        }
    }
}
