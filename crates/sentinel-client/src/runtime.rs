//! What a [`Client`](crate::Client) needs from outside: an [`HttpClient`] that
//! sends one request, and a [`Runtime`] that reads the clock, waits, spawns and
//! draws random numbers. Adapters supply both; a test can supply both in memory.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, SystemTime};

use http::{Request, Response};
use sentinel_proto::UnixTime;
use sentinel_proto::error::TransportError;

/// The connect timeout adapters use unless told otherwise.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The whole-request timeout adapters use unless told otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A background renewal, boxed: its type is the client's own, and a runtime takes
/// every such task through one method.
pub type BackgroundTask = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// Sends one request and returns the whole response, or why it could not.
///
/// The client decides what to send, when to retry and what to cache; this only
/// carries bytes. Implementations must: not follow redirects (a 307/308 would
/// re-send the credentials elsewhere); stop reading a body after
/// [`MAX_BODY_BYTES`](sentinel_proto::response::MAX_BODY_BYTES)` + 1` bytes and
/// return what they read (the parsers turn an over-long body into
/// [`Error::BodyTooLarge`](sentinel_proto::Error::BodyTooLarge), keeping the
/// status and `Retry-After`); report failures without the URL (a legacy request
/// carries the secret in it), as [`TransportErrorKind::Connect`](sentinel_proto::error::TransportErrorKind::Connect)
/// only when nothing was sent (a refresh is retried only then).
///
/// A closure is an `HttpClient`, as in oauth2 v5:
///
/// ```
/// use sentinel_client::HttpClient;
/// let offline = |_request: http::Request<Vec<u8>>| async {
///     Ok::<_, sentinel_proto::error::TransportError>(
///         http::Response::builder().status(503).body(Vec::new()).unwrap(),
///     )
/// };
/// let response = pollster::block_on(offline.send(http::Request::new(Vec::new())))?;
/// assert_eq!(response.status(), 503);
/// # Ok::<(), sentinel_proto::error::TransportError>(())
/// ```
pub trait HttpClient: Send + Sync + 'static {
    /// Sends `request` and reads the answer (head and capped body).
    fn send(
        &self,
        request: Request<Vec<u8>>,
    ) -> impl Future<Output = Result<Response<Vec<u8>>, TransportError>> + Send;
}

impl<F, Fut> HttpClient for F
where
    F: Fn(Request<Vec<u8>>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Response<Vec<u8>>, TransportError>> + Send,
{
    fn send(
        &self,
        request: Request<Vec<u8>>,
    ) -> impl Future<Output = Result<Response<Vec<u8>>, TransportError>> + Send {
        self(request)
    }
}

/// The clock, timers, background tasks and randomness of the client's runtime.
///
/// ```
/// use std::time::Duration;
/// use sentinel_client::{Runtime, ThreadRuntime};
/// let rt = ThreadRuntime;
/// assert!(rt.now().as_secs() > 1_700_000_000);
/// pollster::block_on(rt.sleep(Duration::from_millis(1)));
/// assert_ne!(rt.random(), rt.random());
/// ```
pub trait Runtime: Send + Sync + 'static {
    /// The current time: the one place the clock is read.
    fn now(&self) -> UnixTime;

    /// The time for the read of a cached token, which runs on every request:
    /// may come from a cheaper, coarser clock, but is never earlier than the
    /// second [`now`](Runtime::now) would give: a token is then taken for
    /// expired up to a second early, never served late. By default `now`;
    /// [`ThreadRuntime`] and `TokioRuntime` read the kernel's coarse clock on
    /// Linux.
    ///
    /// ```
    /// use sentinel_client::{Runtime, ThreadRuntime};
    /// let rt = ThreadRuntime;
    /// let (before, coarse) = (rt.now(), rt.now_coarse());
    /// assert!(coarse >= before);
    /// ```
    #[inline]
    fn now_coarse(&self) -> UnixTime {
        self.now()
    }

    /// Waits `duration` (between retries).
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send;

    /// Runs `task` in the background (a refresh-ahead renewal). Running it to
    /// completion before returning is allowed, only slower for that caller.
    fn spawn(&self, task: BackgroundTask);

    /// A random number for jitter (not for secrets: those always come from the
    /// operating system). By default from the operating system's generator.
    fn random(&self) -> u64 {
        os_random_u64()
    }
}

/// A [`Runtime`] of plain threads, for blocking HTTP clients (isahc, ureq, ...):
/// the system clock, `thread::sleep`, a thread per background renewal.
///
/// Its futures complete before they are first polled: a blocking client does its
/// work when called, so that any minimal executor (the
/// [`BlockingClient`](crate::BlockingClient)'s) can drive the client.
#[derive(Clone, Copy, Debug, Default)]
pub struct ThreadRuntime;

impl Runtime for ThreadRuntime {
    fn now(&self) -> UnixTime {
        SystemTime::now().into()
    }

    #[inline]
    fn now_coarse(&self) -> UnixTime {
        coarse_system_now()
    }

    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send {
        std::thread::sleep(duration);
        std::future::ready(())
    }

    fn spawn(&self, task: BackgroundTask) {
        let spawned = std::thread::Builder::new()
            .name("sentinel-renewal".into())
            .spawn(move || crate::blocking::block_on(task));
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "cannot start the background renewal thread");
        }
    }
}

/// The system clock's second from the kernel's coarse clock (updated at each
/// tick, read without a counter: a third of `SystemTime::now` here), plus one:
/// the coarse clock lags the fine one by a tick or a few (7 ms seen here with
/// 4 ms ticks), so a whole second keeps the reading at or after `now`'s.
#[cfg(any(target_os = "linux", target_os = "android"))]
#[inline]
pub(crate) fn coarse_system_now() -> UnixTime {
    use rustix::time::{ClockId, clock_gettime};
    let secs = u64::try_from(clock_gettime(ClockId::RealtimeCoarse).tv_sec).unwrap_or(0);
    UnixTime::from_secs(secs.saturating_add(1))
}

/// Elsewhere the fine clock.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
#[inline]
pub(crate) fn coarse_system_now() -> UnixTime {
    SystemTime::now().into()
}

/// 8 bytes from the operating system; a fixed value if it fails (jitter is not a
/// security property).
pub(crate) fn os_random_u64() -> u64 {
    let mut b = [0u8; 8];
    match getrandom::fill(&mut b) {
        Ok(()) => u64::from_le_bytes(b),
        Err(_) => 0x9e37_79b9_7f4a_7c15,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The coarse second is never before the fine one read just before it, and
    /// at most a second after the fine one read just after it.
    #[test]
    fn the_coarse_clock_is_never_behind_the_fine_one() {
        for _ in 0..200_000 {
            let before = UnixTime::from(SystemTime::now());
            let coarse = coarse_system_now();
            let after = UnixTime::from(SystemTime::now());
            assert!(coarse >= before, "{coarse:?} < {before:?}");
            assert!(
                coarse.as_secs() <= after.as_secs() + 1,
                "{coarse:?} vs {after:?}"
            );
        }
    }
}
