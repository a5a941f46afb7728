//! Moving bytes with reqwest: the [`HttpClient`].

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use http::{Request, Response};
use sentinel_client::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, HttpClient};
use sentinel_proto::error::{TransportError, TransportErrorKind};
use sentinel_proto::response::MAX_BODY_BYTES;

/// The reqwest [`HttpClient`]: redirects off, at most [`MAX_BODY_BYTES`]` + 1`
/// bytes of a body read. Plain http to a loopback host goes through a second
/// client, built on first use with no proxy, so that no proxy sees it in clear.
#[derive(Clone, Debug)]
pub struct ReqwestHttp {
    http: reqwest::Client,
    loopback: Arc<OnceLock<reqwest::Client>>,
    /// `(connect, total)` for the loopback client.
    timeouts: (Duration, Duration),
    last_url: Arc<LastUrl>,
}

/// The last URL parsed for a request, with its text. A client sends the same
/// few URLs again and again, and parsing one (`url::Url::parse`, host and
/// IDNA checks) cost about a quarter of a whole loopback request's client-side
/// instructions; comparing the text costs a `memcmp`.
#[derive(Default)]
struct LastUrl(Mutex<Option<(String, reqwest::Url)>>);

impl std::fmt::Debug for LastUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LastUrl")
    }
}

/// The longest query of a URL kept in [`LastUrl`]: `v=1.0`. A longer one may
/// carry credentials (the legacy AppJWT request puts the secret there), and a
/// copy kept past its request would outlive the zeroized secret.
const MAX_CACHED_QUERY: usize = 5;

impl LastUrl {
    fn parse(&self, text: &str, cacheable: bool) -> Result<reqwest::Url, TransportError> {
        // Never waits: a request that finds the cache busy parses its own.
        let mut last = if cacheable {
            self.0.try_lock().ok()
        } else {
            None
        };
        if let Some(Some((t, url))) = last.as_deref()
            && t == text
        {
            return Ok(url.clone());
        }
        let url = reqwest::Url::parse(text).map_err(|_| {
            TransportError::new(TransportErrorKind::Other, "unparsable request URL")
        })?;
        if let Some(slot) = last.as_deref_mut() {
            *slot = Some((text.to_owned(), url.clone()));
        }
        Ok(url)
    }
}

impl ReqwestHttp {
    /// A client built from `builder` with two settings forced: no redirect (a
    /// 307/308 would re-send the credentials to the `Location` before any check
    /// of ours could see the answer), and no `connection_verbose` (it logs every
    /// decrypted byte at TRACE). TLS, proxies and timeouts are the caller's.
    pub fn from_builder(builder: reqwest::ClientBuilder) -> Result<Self, TransportError> {
        let http = builder
            .redirect(reqwest::redirect::Policy::none())
            .connection_verbose(false)
            .build()
            .map_err(build_err)?;
        Ok(Self {
            http,
            loopback: Arc::new(OnceLock::new()),
            timeouts: (DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT),
            last_url: Arc::default(),
        })
    }

    /// The timeouts of the client used for plain http to loopback hosts.
    #[must_use]
    pub fn with_loopback_timeouts(mut self, connect_timeout: Duration, timeout: Duration) -> Self {
        self.timeouts = (connect_timeout, timeout);
        self
    }

    fn client_for(&self, url: &reqwest::Url) -> Result<&reqwest::Client, TransportError> {
        // The host as the URL parser read it, where reqwest will connect: no
        // second parse of an address on every request.
        let loopback = match url.host() {
            Some(sentinel_proto::url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(sentinel_proto::url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(sentinel_proto::url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
            None => false,
        };
        if url.scheme() != "http" || !loopback {
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

    /// What `reqwest::Request::try_from` does, without formatting the URI
    /// through `Display` and with the URL parse cached.
    fn to_reqwest(&self, request: Request<Vec<u8>>) -> Result<reqwest::Request, TransportError> {
        let (parts, body) = request.into_parts();
        let (Some(scheme), Some(authority), true) = (
            parts.uri.scheme_str(),
            parts.uri.authority(),
            parts.extensions.is_empty(),
        ) else {
            let request = Request::from_parts(parts, body);
            return reqwest::Request::try_from(request).map_err(map_err);
        };
        let pq = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
        let mut text =
            String::with_capacity(scheme.len() + 3 + authority.as_str().len() + pq.len());
        text.push_str(scheme);
        text.push_str("://");
        text.push_str(authority.as_str());
        text.push_str(pq);
        let cacheable = parts
            .uri
            .query()
            .is_none_or(|q| q.len() <= MAX_CACHED_QUERY);
        let url = self.last_url.parse(&text, cacheable)?;
        let mut r = reqwest::Request::new(parts.method, url);
        *r.headers_mut() = parts.headers;
        *r.version_mut() = parts.version;
        *r.body_mut() = Some(body.into());
        Ok(r)
    }
}

impl HttpClient for ReqwestHttp {
    async fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        let request = self.to_reqwest(request)?;
        let client = self.client_for(request.url())?;
        // Both clients were built with `Policy::none()`: a 3xx comes back as it is.
        let mut response = client.execute(request).await.map_err(map_err)?;
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

fn build_err(e: reqwest::Error) -> TransportError {
    TransportError::new(TransportErrorKind::Other, "cannot build the HTTP client")
        .with_source(e.without_url())
}

/// Classifies a reqwest error, without its URL (a legacy request has the secret in
/// it). `Connect` (nothing sent: a refresh may be retried) comes first, as a connect
/// timeout is also `is_timeout`; any other timeout may follow the request.
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
