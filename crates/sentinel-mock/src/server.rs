//! The accept loop and the layer in front of the routes that counts, logs and
//! injects faults. Faults such as a dropped connection or a truncated body need
//! control below a handler, hence hyper directly rather than `axum::serve`.

use std::convert::Infallible;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{Request, Response, StatusCode, header};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::ServiceExt;
use tracing::Instrument;

use crate::endpoint::Endpoint;
use crate::fault::Fault;
use crate::routes::{TokenFault, classify, html, plain};
use crate::state::{LogEntry, Shared};

/// Largest request body read.
const MAX_REQUEST_BODY: usize = 1024 * 1024;
/// Size of the oversized-body fault.
const OVERSIZED: usize = 2 * 1024 * 1024;

/// Serves until `shutdown` turns true.
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    router: Router,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: back off rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = shutdown.changed() => break,
        };
        let shared = Arc::clone(&shared);
        let router = router.clone();
        let mut stop = shutdown.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                handle(Arc::clone(&shared), router.clone(), req)
            });
            let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            let conn = builder.serve_connection(TokioIo::new(stream), service);
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = stop.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
        });
    }
}

/// A deliberate connection drop; hyper closes the connection on a service error.
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for Dropped {}

async fn handle(
    shared: Arc<Shared>,
    router: Router,
    req: Request<Incoming>,
) -> Result<Response<Body>, Dropped> {
    let endpoint = classify(req.uri().path(), req.uri().query());
    let span = tracing::info_span!(
        "request",
        method = %req.method(),
        path = req.uri().path(),
        endpoint = endpoint.as_str(),
    );
    handle_in_span(shared, router, req, endpoint)
        .instrument(span)
        .await
}

async fn handle_in_span(
    shared: Arc<Shared>,
    router: Router,
    req: Request<Incoming>,
    endpoint: Endpoint,
) -> Result<Response<Body>, Dropped> {
    let (parts, body) = req.into_parts();
    let entry = |body: &Bytes| LogEntry {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        endpoint,
        params: param_names(parts.uri.query(), &parts.headers, body),
    };
    let Ok(body) = axum::body::to_bytes(Body::new(body), MAX_REQUEST_BODY).await else {
        // Seen, so counted and logged (the query's names: the body is unread).
        shared.record(entry(&Bytes::new()));
        return Ok(html(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Request body too large",
        ));
    };
    shared.record(entry(&body));
    let mut req = Request::from_parts(parts, Body::from(body));
    let fault = shared.take_fault(endpoint);
    if let Some(f) = &fault {
        tracing::info!(endpoint = endpoint.as_str(), fault = ?f, "injecting fault");
    }
    match fault {
        None => {}
        Some(Fault::Status(code)) => {
            // An informational status cannot end an exchange: 500 instead.
            let status = StatusCode::from_u16(code)
                .ok()
                .filter(|s| !s.is_informational())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return Ok(plain(status, "injected failure"));
        }
        Some(Fault::RateLimited(secs)) => {
            let mut r = plain(StatusCode::TOO_MANY_REQUESTS, "slow down");
            if let Ok(v) = secs.to_string().parse() {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return Ok(r);
        }
        Some(Fault::Delay(d)) => tokio::time::sleep(d).await,
        Some(Fault::Drop) => return Err(Dropped),
        Some(Fault::HtmlError) => return Ok(html(StatusCode::BAD_GATEWAY, "Bad Gateway")),
        Some(Fault::InvalidJson) => {
            return Ok(Response::builder()
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{\"access_token\": oops"))
                .unwrap_or_default());
        }
        Some(Fault::Oversized) => return Ok(oversized()),
        Some(Fault::OversizedUnavailable) => return Ok(oversized_unavailable()),
        Some(Fault::UnknownKey) => {
            req.extensions_mut().insert(TokenFault::UnknownKey);
        }
        Some(Fault::ExpiredToken) => {
            req.extensions_mut().insert(TokenFault::Expired);
        }
        Some(Fault::Truncated) => {
            let full = route(router, req).await;
            return Ok(truncate(full).await);
        }
    }
    let response = route(router, req).await;
    tracing::debug!(status = response.status().as_u16(), "answered");
    Ok(response)
}

async fn route(router: Router, req: Request<Body>) -> Response<Body> {
    match router.oneshot(req).await {
        Ok(r) => r,
        Err(e) => match e {},
    }
}

/// At most this many parameter names are logged per request.
const MAX_LOGGED_PARAMS: usize = 32;
/// A longer name is logged as `<long>`: it is more likely a misplaced value.
const MAX_LOGGED_NAME: usize = 40;

/// The names of query and form parameters: never their values.
fn param_names(query: Option<&str>, headers: &axum::http::HeaderMap, body: &Bytes) -> Vec<String> {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            ct.get(..33)
                .is_some_and(|m| m.eq_ignore_ascii_case("application/x-www-form-urlencoded"))
        });
    let form: &[u8] = if is_form { body } else { b"" };
    url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .chain(url::form_urlencoded::parse(form))
        .take(MAX_LOGGED_PARAMS)
        .map(|(k, _)| {
            if k.len() > MAX_LOGGED_NAME {
                "<long>".to_owned()
            } else {
                k.into_owned()
            }
        })
        .collect()
}

/// A 2 MiB JSON-looking body, streamed without a Content-Length.
fn oversized() -> Response<Body> {
    let chunk = Bytes::from(vec![b'A'; 64 * 1024]);
    let mut chunks = vec![Ok::<_, Infallible>(Bytes::from_static(
        b"{\"access_token\":\"",
    ))];
    chunks.extend((0..OVERSIZED / chunk.len()).map(|_| Ok(chunk.clone())));
    chunks.push(Ok(Bytes::from_static(b"\",\"token_type\":\"Bearer\"}")));
    Response::builder()
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from_stream(futures_util::stream::iter(chunks)))
        .unwrap_or_default()
}

fn oversized_unavailable() -> Response<Body> {
    let chunk = Bytes::from(b"<p>Service Unavailable</p>".repeat(2048));
    let chunks = (0..OVERSIZED / chunk.len()).map(|_| Ok::<_, Infallible>(chunk.clone()));
    Response::builder()
        .status(StatusCode::SERVICE_UNAVAILABLE)
        .header(header::CONTENT_TYPE, "text/html")
        .header(header::RETRY_AFTER, "1")
        .body(Body::from_stream(futures_util::stream::iter(
            chunks.collect::<Vec<_>>(),
        )))
        .unwrap_or_default()
}

/// Announces the whole body's length, sends half, then breaks the connection.
async fn truncate(full: Response<Body>) -> Response<Body> {
    let (mut parts, body) = full.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_REQUEST_BODY)
        .await
        .unwrap_or_default();
    let half = bytes.slice(..bytes.len() / 2);
    // An empty answer (a redirect) still announces bytes it never sends.
    let announced = bytes.len().max(64);
    parts
        .headers
        .insert(header::CONTENT_LENGTH, announced.into());
    // hyper writes the head and the half when the body next pends, so pend a
    // moment before failing; the failure makes hyper close the connection.
    let stream = futures_util::stream::unfold(Some(half), |half| async move {
        match half {
            Some(h) => Some((Ok(h), None)),
            None => {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                let cut = std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "truncated by fault injection",
                );
                Some((Err(cut), None))
            }
        }
    });
    let stream = futures_util::StreamExt::take(stream, 2);
    Response::from_parts(parts, Body::from_stream(stream))
}
