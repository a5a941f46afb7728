//! A hostile server: it answers every request with an error that echoes what it
//! received (secrets included), for tests that check a client never shows them.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use tokio::sync::watch;

use crate::own_thread;

/// Form members that carry no secret, so [`EchoMode::ErrorMember`] skips them.
const PUBLIC: &[&str] = &[
    "grant_type",
    "client_id",
    "redirect_uri",
    "v",
    "version",
    "response_type",
    "code_challenge_method",
];

/// How an [`EchoServer`] answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EchoMode {
    /// `401 {"error":"invalid_client","error_description":"Invalid credentials: <the
    /// whole request>","error_uri":"https://errors.example/?<the query and body>"}`.
    Description,
    /// `400 {"error":"<the first secret value it received>"}`: the secret in the
    /// `error` member itself (a form value other than `grant_type`, `client_id`,
    /// `redirect_uri`..., else the `Authorization` header).
    ErrorMember,
    /// `500` with an HTML page dumping the request, and a `Content-Type` that
    /// carries the first secret value too.
    HtmlPage,
    /// `503` with `Retry-After: 0` and the [`Description`](EchoMode::Description)
    /// body: a transient error, so a client retries and logs it.
    Transient,
}

struct Shared {
    mode: Mutex<EchoMode>,
    requests: AtomicUsize,
}

/// A loopback server that echoes every request back inside an error answer.
///
/// ```
/// use sentinel_mock::{EchoMode, EchoServer};
/// let echo = EchoServer::start(EchoMode::Description)?;
/// assert!(echo.base_url().starts_with("http://127.0.0.1:"));
/// assert_eq!(echo.requests(), 0);
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct EchoServer {
    shared: Arc<Shared>,
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for EchoServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EchoServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl EchoServer {
    /// Starts on a free port of 127.0.0.1, on a thread of its own.
    pub fn start(mode: EchoMode) -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            mode: Mutex::new(mode),
            requests: AtomicUsize::new(0),
        });
        let (tx, mut rx) = watch::channel(false);
        let state = Arc::clone(&shared);
        let (addr, thread) = own_thread::spawn("sentinel-echo", 0, move |ready| async move {
            let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
                Ok(l) => l,
                Err(e) => {
                    let _ = ready.send(Err(e));
                    return;
                }
            };
            let _ = ready.send(listener.local_addr());
            let app = axum::Router::new().fallback(answer).with_state(state);
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = rx.wait_for(|s| *s).await;
                })
                .await;
        })?;
        Ok(Self {
            shared,
            addr,
            shutdown: tx,
            thread: Some(thread),
        })
    }

    /// Answers from now on in `mode`.
    pub fn set_mode(&self, mode: EchoMode) {
        *self
            .shared
            .mode
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = mode;
    }

    /// `http://127.0.0.1:<port>`
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `127.0.0.1:<port>`
    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    /// How many requests it has answered.
    pub fn requests(&self) -> usize {
        self.shared.requests.load(Ordering::SeqCst)
    }
}

impl Drop for EchoServer {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn answer(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    shared.requests.fetch_add(1, Ordering::SeqCst);
    let mode = *shared.mode.lock().unwrap_or_else(PoisonError::into_inner);
    let body = String::from_utf8_lossy(&body).into_owned();
    let mut dump = format!("{method} {uri} |");
    for (k, v) in &headers {
        dump.push_str(&format!(" {k}: {}", String::from_utf8_lossy(v.as_bytes())));
    }
    dump.push_str(&format!(" | body: {body} | decoded:"));
    let form: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes())
        .chain(url::form_urlencoded::parse(
            uri.query().unwrap_or("").as_bytes(),
        ))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    for (k, v) in &form {
        dump.push_str(&format!(" {k}={v}"));
    }
    let first_secret = form
        .iter()
        .find(|(k, _)| !PUBLIC.contains(&k.as_str()))
        .map(|(_, v)| v.clone())
        .or_else(|| {
            headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        })
        .unwrap_or_default();
    let described = serde_json::json!({
        "error": "invalid_client",
        "error_description": format!("Invalid credentials: {dump}"),
        "error_uri": format!("https://errors.example/?{}&{body}", uri.query().unwrap_or("")),
    });
    let json = [(header::CONTENT_TYPE, "application/json".to_owned())];
    match mode {
        EchoMode::Description => {
            (StatusCode::UNAUTHORIZED, json, described.to_string()).into_response()
        }
        EchoMode::Transient => (
            StatusCode::SERVICE_UNAVAILABLE,
            [
                (header::CONTENT_TYPE, "application/json".to_owned()),
                (header::RETRY_AFTER, "0".to_owned()),
            ],
            described.to_string(),
        )
            .into_response(),
        EchoMode::ErrorMember => (
            StatusCode::BAD_REQUEST,
            json,
            serde_json::json!({ "error": first_secret }).to_string(),
        )
            .into_response(),
        EchoMode::HtmlPage => {
            let escaped = dump
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;");
            let content_type = format!("text/html; echo={}", first_secret.replace(' ', "_"));
            let mut resp = (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!(
                    "<html><body><h1>Error</h1><pre>{dump}</pre><pre>{escaped}</pre></body></html>"
                ),
            )
                .into_response();
            if let Ok(v) = header::HeaderValue::from_str(&content_type) {
                resp.headers_mut().insert(header::CONTENT_TYPE, v);
            }
            resp
        }
    }
}
