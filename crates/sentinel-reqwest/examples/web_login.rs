//! A web app that logs people in with Sentinel: `/login` sends the browser to
//! authorize, `/callback` checks the state, exchanges the code and verifies the
//! ID token, `/` shows who is logged in, `/refresh` refreshes the tokens and
//! `/logout` revokes the refresh token. Tokens stay on the server, in a session
//! found by a cookie (HttpOnly, SameSite=Lax, Secure over https) whose value is
//! a random id; no page, cookie or log line holds a token, a code or a secret.
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
//! (default `http://<addr>`; the redirect URI is `<it>/callback`, which must be
//! registered), `SENTINEL_PKCE=1`. Sessions live in memory: one process.
#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{OriginalUri, State as St};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use sentinel_client::ClientConfig;
use sentinel_proto::jwt::IdTokenClaims;
use sentinel_proto::user::{RedirectUri, State, parse_callback};
use sentinel_proto::{AccountId, ClientId, ClientSecret, CodeVerifier, Host, RefreshToken};
use sentinel_reqwest::SentinelClient;

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

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let addr = std::env::var("WEB_LOGIN_ADDR").unwrap_or_else(|_| "127.0.0.1:3000".into());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    serve(listener, |name| std::env::var(name).ok()).await
}

/// Serves the app on `listener`, configured by the variables `var` reads (the
/// environment, or a test's own).
pub async fn serve(
    listener: tokio::net::TcpListener,
    var: impl Fn(&str) -> Option<String>,
) -> Result<(), BoxError> {
    let need = |name: &str| var(name).ok_or_else(|| format!("set {name}"));
    let mut config = ClientConfig::new(
        AccountId::new(need("SENTINEL_ACCOUNT")?)?,
        ClientId::new(need("SENTINEL_CLIENT_ID")?)?,
        ClientSecret::new(need("SENTINEL_CLIENT_SECRET")?),
    );
    if let Some(csds) = var("SENTINEL_CSDS") {
        config = config.with_csds(Host::parse(&csds)?);
    }
    let local = listener.local_addr()?;
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
    axum::serve(listener, routes).await?;
    Ok(())
}

/// The session id in the request's `sid` cookie, if any.
fn sid(headers: &HeaderMap) -> Option<String> {
    let cookies = headers.get(header::COOKIE)?.to_str().ok()?;
    cookies
        .split(';')
        .find_map(|c| c.trim().strip_prefix("sid=").map(str::to_owned))
}

fn cookie(app: &App, value: &str, max_age: Option<u32>) -> String {
    let secure = if app.secure { "; Secure" } else { "" };
    let age = max_age.map_or(String::new(), |a| format!("; Max-Age={a}"));
    format!("sid={value}; HttpOnly; SameSite=Lax; Path=/{secure}{age}")
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn page(status: StatusCode, body: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sentinel web login</title>\
         <style>body{{font-family:sans-serif;max-width:30rem;margin:3rem auto;padding:0 1rem}}\
         form{{display:inline}}</style></head><body><h1>Sentinel web login</h1>{body}</body></html>"
    );
    let headers = [
        (header::CACHE_CONTROL, "no-store"),
        (header::REFERRER_POLICY, "no-referrer"),
    ];
    (status, headers, Html(html)).into_response()
}

/// A handler's answer: the page, or the page saying what failed.
type Answer = Result<Response, Response>;

fn failed(status: StatusCode) -> impl FnOnce(&dyn std::fmt::Display) -> Response {
    move |why| {
        let why = escape(&why.to_string());
        let body = format!(
            "<p id=\"error\">{why}</p><p><a id=\"login\" href=\"/login\">Try again</a></p>"
        );
        page(status, &body)
    }
}

fn bad_gateway(e: sentinel_proto::Error) -> Response {
    failed(StatusCode::BAD_GATEWAY)(&e)
}

async fn home(St(app): Shared, headers: HeaderMap) -> Response {
    let mut sessions = app.sessions.lock().unwrap();
    let session = sid(&headers).and_then(|id| sessions.get_mut(&id));
    let Some((claims, notice)) =
        session.and_then(|s| Some((s.user.as_ref()?.0.clone(), s.notice.take())))
    else {
        return page(
            StatusCode::OK,
            "<p id=\"status\">You are not logged in.</p><p><a id=\"login\" href=\"/login\">Log in with Sentinel</a></p>",
        );
    };
    let notice = notice.map_or(String::new(), |n| format!("<p id=\"notice\">{n}</p>"));
    page(
        StatusCode::OK,
        &format!(
            "{notice}<p id=\"status\">You are logged in.</p><dl><dt>sub</dt><dd id=\"sub\">{}</dd>\
         <dt>is_admin</dt><dd id=\"is_admin\">{}</dd><dt>is_lpa</dt><dd id=\"is_lpa\">{}</dd></dl>\
         <form method=\"post\" action=\"/refresh\"><button id=\"refresh\">Refresh tokens</button></form> \
         <form method=\"post\" action=\"/logout\"><button id=\"logout\">Log out</button></form>",
            escape(&claims.sub),
            claims.is_admin,
            claims.is_lpa
        ),
    )
}

/// A new session (a new id: no fixation) holding a fresh state, then authorize.
async fn login(St(app): Shared) -> Answer {
    let fail = |e: sentinel_proto::error::InputError| failed(StatusCode::INTERNAL_SERVER_ERROR)(&e);
    let state = sentinel_client::generate_state().map_err(fail)?;
    let id = sentinel_client::generate_state()
        .map_err(fail)?
        .as_str()
        .to_owned();
    let verifier = if app.pkce {
        Some(sentinel_client::generate_code_verifier().map_err(fail)?)
    } else {
        None
    };
    let url = match &verifier {
        Some(v) => {
            app.client
                .authorize_url_pkce(Some(&app.redirect), &state, &v.challenge())
                .await
        }
        None => app.client.authorize_url(Some(&app.redirect), &state).await,
    }
    .map_err(bad_gateway)?;
    let session = Session {
        pending: Some((state, verifier)),
        ..Session::default()
    };
    app.sessions.lock().unwrap().insert(id.clone(), session);
    Ok((
        [(header::SET_COOKIE, cookie(&app, &id, None))],
        Redirect::to(url.as_str()),
    )
        .into_response())
}

async fn callback(St(app): Shared, headers: HeaderMap, OriginalUri(uri): OriginalUri) -> Answer {
    let id = sid(&headers);
    // The pending login is taken whatever happens next: one callback per login.
    let pending = id
        .as_ref()
        .and_then(|id| app.sessions.lock().unwrap().get_mut(id)?.pending.take());
    let (Some(id), Some((state, verifier))) = (id, pending) else {
        return Err(failed(StatusCode::BAD_REQUEST)(
            &"No login is in progress in this browser.",
        ));
    };
    let callback = uri.path_and_query().map_or("", |p| p.as_str());
    let code = parse_callback(callback, &state).map_err(|e| failed(StatusCode::BAD_REQUEST)(&e))?;
    let tokens = match &verifier {
        Some(v) => {
            app.client
                .exchange_code_pkce(&code, Some(&app.redirect), v)
                .await
        }
        None => app.client.exchange_code(&code, Some(&app.redirect)).await,
    }
    .map_err(bad_gateway)?;
    let no_id_token = || failed(StatusCode::BAD_GATEWAY)(&"Sentinel answered no ID token.");
    let claims = app
        .client
        .verify_id_token(tokens.id_token.as_ref().ok_or_else(no_id_token)?)
        .await
        .map_err(bad_gateway)?;
    println!("logged in: {}", claims.sub);
    if let Some(s) = app.sessions.lock().unwrap().get_mut(&id) {
        s.user = Some((claims, tokens.refresh_token));
    }
    Ok(Redirect::to("/").into_response())
}

async fn refresh(St(app): Shared, headers: HeaderMap) -> Answer {
    let id = sid(&headers).unwrap_or_default();
    let old = app
        .sessions
        .lock()
        .unwrap()
        .get(&id)
        .and_then(|s| s.user.as_ref()?.1.clone());
    let old =
        old.ok_or_else(|| failed(StatusCode::BAD_REQUEST)(&"Nothing to refresh: log in first."))?;
    let tokens = app.client.refresh(&old).await.map_err(bad_gateway)?;
    if let Some(s) = app.sessions.lock().unwrap().get_mut(&id) {
        // Keep the old refresh token unless a new one came.
        if let (Some((_, rt)), Some(new)) = (s.user.as_mut(), tokens.refresh_token) {
            *rt = Some(new);
        }
        s.notice = Some("Tokens refreshed.");
    }
    Ok(Redirect::to("/").into_response())
}

async fn logout(St(app): Shared, headers: HeaderMap) -> Answer {
    let session = sid(&headers).and_then(|id| app.sessions.lock().unwrap().remove(&id));
    if let Some((claims, Some(rt))) = session.and_then(|s| s.user) {
        app.client.revoke(&rt).await.map_err(bad_gateway)?;
        println!("logged out: {}", claims.sub);
    }
    let clear = cookie(&app, "", Some(0));
    let body = "<p id=\"status\">You are logged out.</p><p><a id=\"login\" href=\"/login\">Log in again</a></p>";
    Ok(([(header::SET_COOKIE, clear)], page(StatusCode::OK, body)).into_response())
}
