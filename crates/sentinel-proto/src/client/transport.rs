//! What an adapter provides: sending, sleeping, the clock, background tasks.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use http::{Request, Response};

use crate::error::Error;
use crate::time::UnixTime;

/// The connect timeout adapters use unless told otherwise.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The whole-request timeout adapters use unless told otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A background task, boxed so the trait stays object-friendly.
pub type BackgroundTask = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// The I/O a [`Client`](crate::Client) needs, supplied by an adapter.
///
/// The core decides what to send, when to retry and what to cache; the transport
/// only carries bytes, waits and reads the clock. A blocking adapter implements the
/// futures as already-complete (`std::future::ready`) after doing the work, and
/// drives the client with any minimal executor.
///
/// Implementations must: not follow redirects; stop reading a body beyond
/// [`MAX_BODY_BYTES`](crate::MAX_BODY_BYTES) and return the error
/// [`BodyLimit`](crate::BodyLimit) makes; map failures to [`Error::Transport`]
/// without the URL (a legacy request carries the secret in it).
pub trait Transport: Send + Sync + 'static {
    /// Sends one request and returns the whole response.
    fn send(
        &self,
        request: Request<Vec<u8>>,
    ) -> impl Future<Output = Result<Response<Vec<u8>>, Error>> + Send;

    /// Waits `duration` (between retries).
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send;

    /// The current time: the one place the clock is read.
    fn now(&self) -> UnixTime;

    /// Runs `task` in the background (a refresh-ahead renewal). Running it to
    /// completion before returning is allowed, only slower for that caller.
    fn spawn(&self, task: BackgroundTask);
}
