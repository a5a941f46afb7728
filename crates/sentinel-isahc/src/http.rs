//! Moving bytes with isahc, blocking: the [`HttpClient`].

use std::future::{Future, ready};
use std::io::Read;
use std::time::Duration;

use http::{Request, Response, Uri};
use isahc::config::{Configurable, RedirectPolicy, VersionNegotiation};
use sentinel_client::HttpClient;
use sentinel_proto::error::{TransportError, TransportErrorKind};
use sentinel_proto::response::MAX_BODY_BYTES;

/// The isahc [`HttpClient`]: sends with an `isahc::HttpClient` on the calling
/// thread, its future complete when returned (for the
/// [`BlockingClient`](sentinel_client::BlockingClient) on a
/// [`ThreadRuntime`](sentinel_client::ThreadRuntime)).
#[derive(Clone, Debug)]
pub struct IsahcHttp {
    http: isahc::HttpClient,
}

impl IsahcHttp {
    /// A transport with its own client and the given timeouts; its requests are
    /// pinned like a caller's (see [`IsahcHttp::with_http_client`]).
    pub fn new(connect_timeout: Duration, timeout: Duration) -> Result<Self, TransportError> {
        let http = isahc::HttpClient::builder()
            .redirect_policy(RedirectPolicy::None)
            .connect_timeout(connect_timeout)
            .timeout(timeout)
            .build()
            .map_err(map_err)?;
        Ok(Self { http })
    }

    /// A transport over the caller's client, which keeps its TLS, timeout and
    /// proxy settings. Whatever it was built with, every request this transport
    /// sends overrides three of them: redirects are never followed, HTTP/1.1 is
    /// the only version negotiated, and no proxy is used for a loopback host.
    pub fn with_http_client(http: isahc::HttpClient) -> Self {
        Self { http }
    }

    fn send_blocking(
        &self,
        request: Request<Vec<u8>>,
    ) -> Result<Response<Vec<u8>>, TransportError> {
        let request = pin_config(request)?;
        // isahc's spans record the request URI (a legacy request carries the secret
        // in its query). Under a dispatcher that enables nothing they are disabled,
        // and tracing's `log` fallback stays quiet too, since a dispatcher exists.
        // Without tracing's `log` feature a disabled span is `Span::none()` and
        // isahc leaves curl's verbose mode off; with it, verbose is on whatever we
        // do, and `pin_config` is what keeps curl's text free of secrets. Our own
        // spans around this call are unaffected.
        let response = tracing::dispatcher::with_default(silent(), || self.http.send(request))
            .map_err(map_err)?;
        let (parts, body) = response.into_parts();
        // One byte past the cap is enough for the parsers to refuse the body,
        // keeping the status and Retry-After; the rest is never read.
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
        Ok(Response::from_parts(parts, buf))
    }
}

impl HttpClient for IsahcHttp {
    fn send(
        &self,
        request: Request<Vec<u8>>,
    ) -> impl Future<Output = Result<Response<Vec<u8>>, TransportError>> + Send {
        ready(self.send_blocking(request))
    }
}

/// Rebuilds `request` with the per-request settings that override the client's,
/// so they hold for a caller's `HttpClient` too:
///
/// - no redirect: a 307/308 would re-send the body, credentials included, to
///   wherever the `Location` points;
/// - HTTP/1.1 only: with `tracing`'s `log` feature on anywhere in the build (tower
///   and axum turn it on), isahc always turns on curl's verbose mode, and over
///   HTTP/2 curl's verbose text, logged by isahc at DEBUG, lists the URL (a legacy
///   request has the secret in its query) and every request header
///   (`Authorization` included). Over HTTP/1.1 that text names only hosts, ports
///   and TLS details; headers and bodies are left to `isahc::wire` at TRACE;
/// - no proxy to a loopback host: plain http there would show the secrets to the
///   proxy, and a proxy cannot reach this machine's loopback anyway.
fn pin_config(request: Request<Vec<u8>>) -> Result<Request<Vec<u8>>, TransportError> {
    let (parts, body) = request.into_parts();
    let loopback = is_loopback(&parts.uri);
    let mut builder = Request::builder()
        .method(parts.method)
        .uri(parts.uri)
        .version(parts.version);
    if let Some(headers) = builder.headers_mut() {
        *headers = parts.headers;
    }
    // isahc keeps its per-request configuration here: carrying the extensions over
    // means a config the caller attached is amended, not replaced.
    if let Some(extensions) = builder.extensions_mut() {
        *extensions = parts.extensions;
    }
    let mut builder = builder
        .redirect_policy(RedirectPolicy::None)
        .version_negotiation(VersionNegotiation::http11());
    if loopback {
        builder = builder.proxy(None);
    }
    builder
        .body(body)
        .map_err(|_| TransportError::new(TransportErrorKind::Other, "cannot rebuild the request"))
}

/// 127.0.0.0/8, ::1 or `localhost`.
fn is_loopback(uri: &Uri) -> bool {
    let Some(host) = uri.host() else {
        return false;
    };
    let ip = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    match ip.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    }
}

/// Classifies an isahc error. Its message names no URL.
fn map_err(e: isahc::Error) -> TransportError {
    use isahc::error::ErrorKind as K;
    let kind = match e.kind() {
        K::Timeout => TransportErrorKind::Timeout,
        K::ConnectionFailed | K::NameResolution => TransportErrorKind::Connect,
        K::BadServerCertificate | K::BadClientCertificate | K::TlsEngine => TransportErrorKind::Tls,
        K::Io | K::ProtocolViolation => TransportErrorKind::Io,
        _ => TransportErrorKind::Other,
    };
    TransportError::new(kind, e.kind().to_string()).with_source(e)
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
