//! Moving bytes with reqwest.

use std::time::{Duration, SystemTime};

use http::{Request, Response};
use sentinel_proto::{
    BackgroundTask, BodyLimit, Error, Transport, TransportError, TransportErrorKind, UnixTime,
};

/// The reqwest [`Transport`]: sends with a `reqwest::Client`, sleeps and spawns on
/// tokio, reads the system clock.
#[derive(Clone, Debug)]
pub struct ReqwestTransport {
    http: reqwest::Client,
}

impl ReqwestTransport {
    /// A transport over `http`.
    pub fn new(http: reqwest::Client) -> Self {
        Self { http }
    }
}

impl Transport for ReqwestTransport {
    async fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, Error> {
        let request = reqwest::Request::try_from(request).map_err(map_err)?;
        let url = request.url().clone();
        let mut response = self.http.execute(request).await.map_err(map_err)?;
        if response.url() != &url {
            return Err(TransportError::new(
                TransportErrorKind::Other,
                "the HTTP client followed a redirect; build it with redirect::Policy::none()",
            )
            .into());
        }
        let limit = BodyLimit::new(response.status(), response.headers())?;
        let mut out = Response::builder().status(response.status());
        if let Some(h) = out.headers_mut() {
            *h = std::mem::take(response.headers_mut());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(map_err)? {
            limit.check(body.len() + chunk.len())?;
            body.extend_from_slice(&chunk);
        }
        out.body(body).map_err(|_| {
            TransportError::new(TransportErrorKind::Other, "unreadable response head").into()
        })
    }

    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }

    fn now(&self) -> UnixTime {
        SystemTime::now().into()
    }

    fn spawn(&self, task: BackgroundTask) {
        tokio::spawn(task);
    }
}

/// Classifies a reqwest error, without its URL (a legacy request has the secret in it).
fn map_err(e: reqwest::Error) -> Error {
    let kind = if e.is_timeout() {
        TransportErrorKind::Timeout
    } else if e.is_connect() {
        TransportErrorKind::Connect
    } else if e.is_body() || e.is_decode() || e.is_request() {
        TransportErrorKind::Io
    } else {
        TransportErrorKind::Other
    };
    let e = e.without_url();
    TransportError::new(kind, e.to_string())
        .with_source(e)
        .into()
}
