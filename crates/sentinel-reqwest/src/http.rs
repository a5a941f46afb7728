//! Moving bytes with reqwest: the [`HttpClient`].

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use http::{Request, Response};
use sentinel_client::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, HttpClient};
use sentinel_proto::error::{TransportError, TransportErrorKind};
use sentinel_proto::response::MAX_BODY_BYTES;

/// The reqwest [`HttpClient`]: sends with a `reqwest::Client` whose redirects
/// are off, reads at most [`MAX_BODY_BYTES`]` + 1` bytes of a body.
///
/// Plain http to a loopback host (127.0.0.0/8, `::1`, `localhost`) goes through a
/// second client of its own, built on first use with no proxy and no redirect, so
/// that `HTTP_PROXY`, `ALL_PROXY` or a proxy the caller configured never sees
/// those requests in clear.
#[derive(Clone, Debug)]
pub struct ReqwestHttp {
    http: reqwest::Client,
    loopback: Arc<OnceLock<reqwest::Client>>,
    /// `(connect, total)` for the loopback client.
    timeouts: (Duration, Duration),
}

impl ReqwestHttp {
    /// A transport over a client built from `builder`, with two settings forced
    /// whatever `builder` said: no redirect (a 307/308 would re-send the body,
    /// credentials included, to wherever the `Location` points, before any check
    /// of ours could see the answer), and no `connection_verbose` (it logs every
    /// byte of every connection, decrypted, at TRACE). Everything else (TLS,
    /// proxies, timeouts) is the caller's.
    pub fn from_builder(builder: reqwest::ClientBuilder) -> Result<Self, TransportError> {
        let http = builder
            .redirect(reqwest::redirect::Policy::none())
            .connection_verbose(false)
            .build()
            .map_err(build_err)?;
        Ok(Self::with_client(http))
    }

    fn with_client(http: reqwest::Client) -> Self {
        Self {
            http,
            loopback: Arc::new(OnceLock::new()),
            timeouts: (DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT),
        }
    }

    /// The timeouts of the client used for plain http to loopback hosts.
    #[must_use]
    pub fn with_loopback_timeouts(mut self, connect_timeout: Duration, timeout: Duration) -> Self {
        self.timeouts = (connect_timeout, timeout);
        self
    }

    /// The client for `url`: the loopback one for plain http to a loopback host.
    fn client_for(&self, url: &reqwest::Url) -> Result<&reqwest::Client, TransportError> {
        if url.scheme() != "http" || !is_loopback(url) {
            return Ok(&self.http);
        }
        if let Some(c) = self.loopback.get() {
            return Ok(c);
        }
        let built = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(self.timeouts.0)
            .timeout(self.timeouts.1)
            .build()
            .map_err(build_err)?;
        Ok(self.loopback.get_or_init(|| built))
    }
}

/// 127.0.0.0/8, ::1 or `localhost`.
fn is_loopback(url: &reqwest::Url) -> bool {
    match url.host() {
        Some(sentinel_proto::url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(sentinel_proto::url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(sentinel_proto::url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

fn build_err(e: reqwest::Error) -> TransportError {
    TransportError::new(TransportErrorKind::Other, "cannot build the HTTP client")
        .with_source(e.without_url())
}

impl HttpClient for ReqwestHttp {
    async fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        let request = reqwest::Request::try_from(request).map_err(map_err)?;
        let url = request.url().clone();
        let mut response = self
            .client_for(&url)?
            .execute(request)
            .await
            .map_err(map_err)?;
        if response.url() != &url {
            return Err(TransportError::new(
                TransportErrorKind::Other,
                "the HTTP client followed a redirect; build it with redirect::Policy::none()",
            ));
        }
        let mut out = Response::builder().status(response.status());
        if let Some(h) = out.headers_mut() {
            *h = std::mem::take(response.headers_mut());
        }
        // One byte past the cap is enough for the parsers to refuse the body,
        // keeping the status and Retry-After; the rest is never read.
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(map_err)? {
            body.extend_from_slice(&chunk);
            if body.len() > MAX_BODY_BYTES {
                body.truncate(MAX_BODY_BYTES + 1);
                break;
            }
        }
        out.body(body)
            .map_err(|_| TransportError::new(TransportErrorKind::Other, "unreadable response head"))
    }
}

/// Classifies a reqwest error, without its URL (a legacy request has the secret in it).
///
/// `Connect` promises that nothing was sent (the core may retry a refresh on it),
/// so it comes first: a connect timeout is both `is_connect` and `is_timeout`.
/// Any other timeout may have come after the request went out.
fn map_err(e: reqwest::Error) -> TransportError {
    let kind = if e.is_connect() {
        TransportErrorKind::Connect
    } else if e.is_timeout() {
        TransportErrorKind::Timeout
    } else if e.is_body() || e.is_decode() || e.is_request() {
        TransportErrorKind::Io
    } else {
        TransportErrorKind::Other
    };
    let e = e.without_url();
    TransportError::new(kind, e.to_string()).with_source(e)
}
