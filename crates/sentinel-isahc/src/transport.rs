//! Moving bytes with isahc, blocking.

use std::future::{Future, ready};
use std::io::Read;
use std::time::{Duration, SystemTime};

use http::{Request, Response};
use isahc::config::{Configurable, RedirectPolicy};
use sentinel_proto::{
    BackgroundTask, BodyLimit, Error, MAX_BODY_BYTES, Transport, TransportError,
    TransportErrorKind, UnixTime,
};

/// The isahc [`Transport`]: sends with an `isahc::HttpClient` on the calling
/// thread, sleeps the thread, runs background renewals on a thread of their own.
#[derive(Clone, Debug)]
pub struct IsahcTransport {
    http: isahc::HttpClient,
}

impl IsahcTransport {
    /// A transport with its own client: the given timeouts, no redirects.
    pub fn new(connect_timeout: Duration, timeout: Duration) -> Result<Self, Error> {
        let http = isahc::HttpClient::builder()
            .redirect_policy(RedirectPolicy::None)
            .connect_timeout(connect_timeout)
            .timeout(timeout)
            .build()
            .map_err(map_err)?;
        Ok(Self { http })
    }

    /// A transport over the caller's client. Configure it with
    /// `RedirectPolicy::None`: redirects are a way to send credentials elsewhere.
    pub fn with_http_client(http: isahc::HttpClient) -> Self {
        Self { http }
    }

    fn send_blocking(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, Error> {
        // isahc traces the request URI (a legacy request carries the secret in it)
        // and, at TRACE, every byte on the wire, secrets included. Under a
        // subscriber that enables nothing its spans are disabled, so curl is never
        // asked for debug data; our own spans around this call are unaffected.
        let response = tracing::dispatcher::with_default(silent(), || self.http.send(request))
            .map_err(map_err)?;
        let (parts, body) = response.into_parts();
        let limit = BodyLimit::new(parts.status, &parts.headers)?;
        // One byte past the cap tells "exactly at the cap" from "over it".
        let mut buf = Vec::new();
        body.take(MAX_BODY_BYTES as u64 + 1)
            .read_to_end(&mut buf)
            .map_err(|e| {
                let kind = if e.kind() == std::io::ErrorKind::TimedOut {
                    TransportErrorKind::Timeout
                } else {
                    TransportErrorKind::Io
                };
                TransportError::new(kind, format!("reading the body: {}", e.kind()))
            })?;
        limit.check(buf.len())?;
        Ok(Response::from_parts(parts, buf))
    }
}

impl Transport for IsahcTransport {
    fn send(
        &self,
        request: Request<Vec<u8>>,
    ) -> impl Future<Output = Result<Response<Vec<u8>>, Error>> + Send {
        ready(self.send_blocking(request))
    }

    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send {
        std::thread::sleep(duration);
        ready(())
    }

    fn now(&self) -> UnixTime {
        SystemTime::now().into()
    }

    fn spawn(&self, task: BackgroundTask) {
        let spawned = std::thread::Builder::new()
            .name("sentinel-renewal".into())
            .spawn(move || pollster::block_on(task));
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "cannot start the background renewal thread");
        }
    }
}

/// Classifies an isahc error. Its message names no URL.
fn map_err(e: isahc::Error) -> Error {
    use isahc::error::ErrorKind as K;
    let kind = match e.kind() {
        K::Timeout => TransportErrorKind::Timeout,
        K::ConnectionFailed | K::NameResolution => TransportErrorKind::Connect,
        K::BadServerCertificate | K::BadClientCertificate | K::TlsEngine => TransportErrorKind::Tls,
        K::Io | K::ProtocolViolation => TransportErrorKind::Io,
        _ => TransportErrorKind::Other,
    };
    TransportError::new(kind, e.kind().to_string())
        .with_source(e)
        .into()
}

/// A subscriber that enables nothing. Unlike `Dispatch::none()`, it takes part in
/// callsite interest, so spans created under it are really disabled (isahc turns
/// on curl's wire dump whenever its request span is not).
struct Silent;

impl tracing::Subscriber for Silent {
    fn register_callsite(
        &self,
        _: &'static tracing::Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        tracing::subscriber::Interest::never()
    }
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        false
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, _: &tracing::Event<'_>) {}
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

/// One dispatcher for the process: creating one registers it with every callsite.
fn silent() -> &'static tracing::Dispatch {
    static SILENT: std::sync::OnceLock<tracing::Dispatch> = std::sync::OnceLock::new();
    SILENT.get_or_init(|| tracing::Dispatch::new(Silent))
}
