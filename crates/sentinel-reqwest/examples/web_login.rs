//! A web app that logs people in with Sentinel (`/login`, `/callback`, `/`,
//! `/refresh`, `/logout`). Tokens stay on the server, in a session found by a
//! cookie (HttpOnly, SameSite=Lax, Secure over https) holding a random id; no
//! page, cookie or log line holds a token, a code or a secret.
//!
//! Against the emulator (`cargo run -p sentinel-cli -- mock --login-page --port 18282`):
//!
//! ```sh
//! SENTINEL_ACCOUNT=123456 SENTINEL_CLIENT_ID=6f1c2b7e-3a94-4d0f-9b58-2e7c41a0d9e3 \
//! SENTINEL_CLIENT_SECRET=sentinel-demo-secret SENTINEL_CSDS=http://127.0.0.1:18282 \
//! cargo run -p sentinel-reqwest --example web_login
//! ```
//!
//! Also `WEB_LOGIN_ADDR` (default `127.0.0.1:3000`), `WEB_LOGIN_PUBLIC_URL`
//! (default `http://<addr>`; `<it>/callback` must be a registered redirect URI),
//! `SENTINEL_PKCE=1`. Sessions live in memory: one process.
#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::fmt::Display;
use std::sync::{Arc, Mutex};

use axum::extract::{OriginalUri, State as St};
use axum::http::{HeaderMap, HeaderName, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use html_escape::encode_quoted_attribute as escape;
use sentinel_client::{ClientConfig, generate_code_verifier, generate_state};
use sentinel_proto::jwt::IdTokenClaims;
use sentinel_proto::user::{RedirectUri, State, parse_callback};
use sentinel_proto::{CodeVerifier, RefreshToken};
use sentinel_reqwest::SentinelClient;
use tokio::net::TcpListener;

/// What the server keeps for one browser.
#[derive(Default)]
struct Session {
    /// Between /login and /callback: the state sent, and the PKCE verifier.
    pending: Option<(State, Option<CodeVerifier>)>,
    /// After /callback: who logged in, and the refresh token.
    user: Option<(IdTokenClaims, Option<RefreshToken>)>,
    notice: Option<&'static str>,
}

struct App {
    client: SentinelClient,
    redirect: RedirectUri,
    pkce: bool,
    secure: bool,
    sessions: Mutex<HashMap<String, Session>>,
}
type Shared = St<Arc<App>>;
type BoxError = Box<dyn std::error::Error + Send + Sync>;
/// A handler's answer: where to go next, or the page saying what failed.
type Answer = Result<Response, Response>;

/// Pages hold nothing to cache, and nothing to tell the next site.
const NOT_KEPT: [(HeaderName, &str); 2] = [
    (header::CACHE_CONTROL, "no-store"),
    (header::REFERRER_POLICY, "no-referrer"),
];
const LOGIN: &str = r#"<p><a id="login" href="/login">Log in with Sentinel</a></p>"#;

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let addr = std::env::var("WEB_LOGIN_ADDR").unwrap_or_else(|_| "127.0.0.1:3000".into());
    let listener = TcpListener::bind(&addr).await?;
    serve(listener, |name| std::env::var(name).ok()).await
}

/// Serves the app on `l`, configured by the variables `var` reads (the
/// environment, or a test's own).
pub async fn serve(l: TcpListener, var: impl Fn(&str) -> Option<String>) -> Result<(), BoxError> {
    let config = ClientConfig::from_vars(&var)?;
    let local = l.local_addr()?;
    let public = var("WEB_LOGIN_PUBLIC_URL").unwrap_or_else(|| format!("http://{local}"));
    let app = Arc::new(App {
        client: SentinelClient::new(config)?,
        redirect: RedirectUri::new(format!("{}/callback", public.trim_end_matches('/')))?,
        pkce: var("SENTINEL_PKCE").is_some_and(|v| v == "1"),
        secure: public.starts_with("https://"),
        sessions: Mutex::default(),
    });
    let routes = axum::Router::new()
        .route("/", get(home))
        .route("/login", get(login))
        .route("/callback", get(callback))
        .route("/refresh", post(refresh))
        .route("/logout", post(logout))
        .with_state(app);
    println!("listening on http://{local} (open {public}/)");
    Ok(axum::serve(l, routes).await?)
}

impl App {
    /// Runs `f` on the session of the request's `sid` cookie, if there is one.
    fn session<T>(&self, headers: &HeaderMap, f: impl FnOnce(&mut Session) -> T) -> Option<T> {
        let mut sessions = self.sessions.lock().unwrap();
        sid(headers).and_then(|id| sessions.get_mut(id)).map(f)
    }

    fn cookie(&self, value: &str, max_age: &str) -> String {
        let secure = if self.secure { "; Secure" } else { "" };
        format!("sid={value}; HttpOnly; SameSite=Lax; Path=/{secure}{max_age}")
    }
}

fn sid(headers: &HeaderMap) -> Option<&str> {
    let mut cookies = headers.get(header::COOKIE)?.to_str().ok()?.split(';');
    cookies.find_map(|c| c.trim().strip_prefix("sid="))
}

fn page(status: StatusCode, body: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sentinel web login</title>\
         <style>body{{font-family:sans-serif;max-width:30rem;margin:3rem auto;padding:0 1rem}}\
         form{{display:inline}}</style></head><body><h1>Sentinel web login</h1>{body}</body></html>"
    );
    (status, NOT_KEPT, Html(html)).into_response()
}

fn failed(status: StatusCode, why: impl Display) -> Response {
    let why = escape(&why.to_string()).into_owned();
    page(status, &format!("<p id=\"error\">{why}</p>{LOGIN}"))
}

fn bad_gateway(e: sentinel_proto::Error) -> Response {
    failed(StatusCode::BAD_GATEWAY, e)
}

async fn home(St(app): Shared, headers: HeaderMap) -> Response {
    let user = |s: &mut Session| Some((s.user.as_ref()?.0.clone(), s.notice.take()));
    let Some((claims, notice)) = app.session(&headers, user).flatten() else {
        let body = format!("<p id=\"status\">You are not logged in.</p>{LOGIN}");
        return page(StatusCode::OK, &body);
    };
    let notice = notice.map_or(String::new(), |n| format!("<p id=\"notice\">{n}</p>"));
    let (sub, admin, lpa) = (escape(&claims.sub), claims.is_admin, claims.is_lpa);
    let body = format!(
        "{notice}<p id=\"status\">You are logged in.</p><dl><dt>sub</dt><dd id=\"sub\">{sub}</dd>\
         <dt>is_admin</dt><dd id=\"is_admin\">{admin}</dd><dt>is_lpa</dt><dd id=\"is_lpa\">{lpa}</dd></dl>\
         <form method=\"post\" action=\"/refresh\"><button id=\"refresh\">Refresh tokens</button></form> \
         <form method=\"post\" action=\"/logout\"><button id=\"logout\">Log out</button></form>"
    );
    page(StatusCode::OK, &body)
}

/// A new session (a new id: no fixation) holding a fresh state, then authorize.
async fn login(St(app): Shared) -> Answer {
    let fail = |e| failed(StatusCode::INTERNAL_SERVER_ERROR, e);
    let state = generate_state().map_err(fail)?;
    let id = generate_state().map_err(fail)?.as_str().to_owned();
    let verifier = app.pkce.then(generate_code_verifier);
    let verifier = verifier.transpose().map_err(fail)?;
    let (c, redirect) = (&app.client, Some(&app.redirect));
    let url = match &verifier {
        Some(v) => c.authorize_url_pkce(redirect, &state, &v.challenge()).await,
        None => c.authorize_url(redirect, &state).await,
    }
    .map_err(bad_gateway)?;
    let pending = Some((state, verifier));
    let session = Session {
        pending,
        ..Session::default()
    };
    app.sessions.lock().unwrap().insert(id.clone(), session);
    let cookie = [(header::SET_COOKIE, app.cookie(&id, ""))];
    Ok((cookie, Redirect::to(url.as_str())).into_response())
}

async fn callback(St(app): Shared, headers: HeaderMap, OriginalUri(uri): OriginalUri) -> Answer {
    // The pending login is taken whatever happens next: one callback per login.
    let Some((state, verifier)) = app.session(&headers, |s| s.pending.take()).flatten() else {
        let why = "No login is in progress in this browser.";
        return Err(failed(StatusCode::BAD_REQUEST, why));
    };
    let callback = uri.path_and_query().map_or("", |p| p.as_str());
    let code = parse_callback(callback, &state).map_err(|e| failed(StatusCode::BAD_REQUEST, e))?;
    let (c, redirect) = (&app.client, Some(&app.redirect));
    let tokens = match &verifier {
        Some(v) => c.exchange_code_pkce(&code, redirect, v).await,
        None => c.exchange_code(&code, redirect).await,
    }
    .map_err(bad_gateway)?;
    let no_id_token = || failed(StatusCode::BAD_GATEWAY, "Sentinel answered no ID token.");
    let id_token = tokens.id_token.as_ref().ok_or_else(no_id_token)?;
    let claims = c.verify_id_token(id_token).await.map_err(bad_gateway)?;
    println!("logged in: {}", claims.sub);
    app.session(&headers, |s| s.user = Some((claims, tokens.refresh_token)));
    Ok(Redirect::to("/").into_response())
}

async fn refresh(St(app): Shared, headers: HeaderMap) -> Answer {
    let old = app.session(&headers, |s| s.user.as_ref()?.1.clone());
    let nothing = || failed(StatusCode::BAD_REQUEST, "Nothing to refresh: log in first.");
    let old = old.flatten().ok_or_else(nothing)?;
    let tokens = app.client.refresh(&old).await.map_err(bad_gateway)?;
    app.session(&headers, |s| {
        // Keep the old refresh token unless a new one came.
        if let (Some((_, rt)), Some(new)) = (s.user.as_mut(), tokens.refresh_token) {
            *rt = Some(new);
        }
        s.notice = Some("Tokens refreshed.");
    });
    Ok(Redirect::to("/").into_response())
}

async fn logout(St(app): Shared, headers: HeaderMap) -> Answer {
    let session = sid(&headers).and_then(|id| app.sessions.lock().unwrap().remove(id));
    if let Some((claims, Some(rt))) = session.and_then(|s| s.user) {
        app.client.revoke(&rt).await.map_err(bad_gateway)?;
        println!("logged out: {}", claims.sub);
    }
    let body = format!("<p id=\"status\">You are logged out.</p>{LOGIN}");
    let clear = [(header::SET_COOKIE, app.cookie("", "; Max-Age=0"))];
    Ok((clear, page(StatusCode::OK, &body)).into_response())
}
