//! A scripted network with a virtual clock: the generic client driven with no
//! sockets and no waiting.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::{Request, Response};
use sentinel_client::{BackgroundTask, HttpClient, Runtime};
use sentinel_proto::UnixTime;
use sentinel_proto::error::TransportError;

type Handler = dyn Fn(&Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> + Send + Sync;

/// An [`HttpClient`] answering through a closure and a [`Runtime`] whose clock
/// moves only when told; sleeps are recorded and return at once, background
/// tasks run to completion when spawned.
#[derive(Clone)]
pub struct Fake {
    handler: Arc<Handler>,
    log: Arc<Mutex<Vec<String>>>,
    clock: Arc<AtomicU64>,
    /// Every sleep the client asked for.
    pub slept: Arc<Mutex<Vec<Duration>>>,
}

impl Fake {
    /// A network answering every request with `h`; the clock starts in 2023.
    pub fn new(
        h: impl Fn(&Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError>
        + Send
        + Sync
        + 'static,
    ) -> Self {
        Self {
            handler: Arc::new(h),
            log: Arc::default(),
            clock: Arc::new(AtomicU64::new(1_700_000_000)),
            slept: Arc::default(),
        }
    }

    /// The paths requested so far, in order.
    pub fn paths(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// How many requests went to a path ending in `suffix`.
    pub fn count(&self, suffix: &str) -> usize {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|p| p.ends_with(suffix))
            .count()
    }

    /// Moves the clock on.
    pub fn advance(&self, secs: u64) {
        self.clock.fetch_add(secs, Ordering::SeqCst);
    }
}

impl HttpClient for Fake {
    async fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        self.log
            .lock()
            .unwrap()
            .push(request.uri().path().to_owned());
        (self.handler)(&request)
    }
}

impl Runtime for Fake {
    async fn sleep(&self, d: Duration) {
        self.slept.lock().unwrap().push(d);
    }
    fn now(&self) -> UnixTime {
        UnixTime::from_secs(self.clock.load(Ordering::SeqCst))
    }
    fn spawn(&self, task: BackgroundTask) {
        pollster::block_on(task);
    }
}

/// An answer with `status` and `body`.
pub fn json(status: u16, body: &str) -> Result<Response<Vec<u8>>, TransportError> {
    Ok(Response::builder()
        .status(status)
        .body(body.as_bytes().to_vec())
        .unwrap())
}
