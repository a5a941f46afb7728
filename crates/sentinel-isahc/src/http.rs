//! Moving bytes with isahc, blocking: the [`HttpClient`].

use std::future::{Future, ready};
use std::io::Read;
use std::time::Duration;

use http::{Request, Response};
use isahc::config::{Configurable, RedirectPolicy, VersionNegotiation};
use sentinel_client::HttpClient;
use sentinel_proto::error::{TransportError, TransportErrorKind};
use sentinel_proto::request::is_loopback;
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
    /// With its own client and the given timeouts; its requests are pinned like
    /// a caller's (see [`IsahcHttp::with_http_client`]).
    pub fn new(connect_timeout: Duration, timeout: Duration) -> Result<Self, TransportError> {
        let http = isahc::HttpClient::builder()
            .redirect_policy(RedirectPolicy::None)
            .connect_timeout(connect_timeout)
            .timeout(timeout)
            .build()
            .map_err(map_err)?;
        Ok(Self { http })
    }

    /// Over the caller's client, which keeps its TLS, timeout and proxy settings
    /// except three that every request overrides: no redirect, HTTP/1.1 only, no
    /// proxy to a loopback host.
    pub fn with_http_client(http: isahc::HttpClient) -> Self {
        Self { http }
    }
}

impl HttpClient for IsahcHttp {
    fn send(
        &self,
        request: Request<Vec<u8>>,
    ) -> impl Future<Output = Result<Response<Vec<u8>>, TransportError>> + Send {
        ready(send_blocking(&self.http, request))
    }
}

fn send_blocking(
    http: &isahc::HttpClient,
    request: Request<Vec<u8>>,
) -> Result<Response<Vec<u8>>, TransportError> {
    let request = pin_config(request)?;
    // isahc's spans record the request URI (a legacy request has the secret in
    // its query): under a dispatcher that enables nothing they are disabled. With
    // tracing's `log` feature curl's verbose mode is on whatever we do, and
    // `pin_config` keeps its text free of secrets. Our own spans are unaffected.
    let response =
        tracing::dispatcher::with_default(silent(), || http.send(request)).map_err(map_err)?;
    let (parts, body) = response.into_parts();
    // One byte past the cap is enough for the parsers to refuse the body,
    // keeping the status and Retry-After; the rest is never read.
    let mut buf = Vec::new();
    body.take(MAX_BODY_BYTES as u64 + 1)
        .read_to_end(&mut buf)
        .map_err(|e| {
            let kind = match e.kind() {
                std::io::ErrorKind::TimedOut => TransportErrorKind::Timeout,
                _ => TransportErrorKind::Io,
            };
            TransportError::new(kind, format!("reading the body: {}", e.kind()))
        })?;
    Ok(Response::from_parts(parts, buf))
}

/// Rebuilds `request` with per-request settings, which override a caller's
/// `HttpClient` too: no redirect (a 307/308 would re-send the credentials to the
/// `Location`); HTTP/1.1 only (over HTTP/2 curl's verbose text, logged by isahc at
/// DEBUG, lists the URL and every request header; over HTTP/1.1 only hosts, ports
/// and TLS details); no proxy to a loopback host.
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

/// One dispatcher for the process that enables nothing. Unlike `Dispatch::none()`,
/// one made with `Dispatch::new` takes part in callsite interest, so spans created
/// under it are really disabled (isahc turns on curl's wire dump whenever its
/// request span is not).
fn silent() -> &'static tracing::Dispatch {
    static SILENT: std::sync::OnceLock<tracing::Dispatch> = std::sync::OnceLock::new();
    SILENT.get_or_init(|| tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default()))
}
