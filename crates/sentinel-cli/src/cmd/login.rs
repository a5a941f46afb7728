//! `sentinel login`: the authorization-code flow for a person at a terminal,
//! as RFC 8252 (OAuth 2.0 for native apps) has it. A listener on 127.0.0.1
//! takes the redirect back; the browser gets a small page; the code is exchanged
//! once and the ID token verified before anything is printed.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State as AxumState;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use html_escape::encode_quoted_attribute as escape;
use sentinel_proto::user::{CallbackError, RedirectUri, State, TokenResponse, parse_callback};
use sentinel_proto::{CodeVerifier, Error};
use serde_json::json;
use tokio::sync::oneshot;

use crate::args::LoginArgs;
use crate::cmd::remote::{client_for, client_secret, connect};
use crate::output::{Failure, Out};
use crate::tokens::{self, TokenFile};

/// The part of `sentinel login --help` after the flags.
pub const LONG_HELP: &str = "\
How it works:
  A listener on http://127.0.0.1:<port><path> (--port, --redirect-path) takes
  the redirect back from Sentinel (RFC 8252). The authorize URL carries that
  redirect URI, a fresh random state and, with --pkce, an S256 challenge. The
  browser is opened on it (--no-open: the URL is printed instead). The first
  request to the path ends the wait: its state is checked in constant time, the
  code is exchanged once (never retried), and the ID token is verified against
  Sentinel's JWKS. The browser is told the outcome; the terminal gets the claims.

Output:
  stderr: one line with the URL to open, the URL being its last word (with
  --json: {\"authorize_url\":..,\"redirect_uri\":..,\"timeout_secs\":..}); then,
  on failure, one line with the reason.
  stdout: the verified claims (sub, aud, iss, exp, is_admin, is_lpa). With
  --json, one JSON object {\"claims\":{..},\"tokens\":{..},\"saved\":FILE|null}
  whose tokens are access_token, token_type, refresh_token, id_token,
  expires_in. Tokens are shown only with --json, and kept only with --save.

Token file (--save FILE, read by `refresh --from FILE`, `revoke --from FILE`):
  JSON, mode 0600, replaced whole (new file, then rename); an existing FILE open
  to group or others is refused, and so is a FILE of another account or client:
  {\"format\":\"sentinel-tokens/1\",\"account\":\"123456\",\"client_id\":\"..\",
   \"token_type\":\"Bearer\",\"access_token\":\"..\",\"refresh_token\":\"..\",
   \"id_token\":\"..\",\"expires_at\":<unix seconds>}
  refresh_token, id_token and expires_at may be absent. `refresh --from` writes
  the new tokens back (keeping the refresh token when none came); `revoke
  --from` removes the refresh token.

Exit codes:
  0 logged in, the ID token verified
  1 the ID token is invalid (or missing)
  2 usage error, no client secret, or a token file refused
  3 network or server failure (discovery, code exchange, JWKS)
  5 no callback came before --timeout
  6 Sentinel sent an error callback (e.g. access_denied)
  7 the callback does not match the request (state mismatch: possible CSRF;
    no code)
  8 cannot listen on 127.0.0.1:<port> (e.g. the port is in use)";

/// What the browser is told, and the command's outcome.
type Outcome = Result<Done, Failure>;

/// A verified login.
struct Done {
    claims: sentinel_proto::jwt::IdTokenClaims,
    tokens: TokenResponse,
}

/// The request that came back to the listener, and where its page goes.
type Callback = (String, oneshot::Sender<Response>);

/// The listener's state: the one waiting login, taken by the first callback.
#[derive(Clone)]
struct Waiting(Arc<Mutex<Option<oneshot::Sender<Callback>>>>);

/// `sentinel login`
pub async fn run(a: LoginArgs, out: &Out) -> Result<(), Failure> {
    if let Some(path) = &a.save {
        tokens::check_writable(path)?;
    }
    let secret = client_secret(&a.app)?;
    let listener = bind(a.port).await?;
    let port = listener
        .local_addr()
        .map_err(|e| Failure::Listen(format!("cannot listen on 127.0.0.1: {e}")))?
        .port();
    let redirect = RedirectUri::new(format!("http://127.0.0.1:{port}{}", a.redirect_path))?;
    let target = &a.app.target;
    let client = connect(client_for(target, secret))?;

    let state = sentinel_client::generate_state()?;
    let verifier = if a.pkce {
        Some(sentinel_client::generate_code_verifier()?)
    } else {
        None
    };
    let url = match &verifier {
        Some(v) => {
            client
                .authorize_url_pkce(Some(&redirect), &state, &v.challenge())
                .await?
        }
        None => client.authorize_url(Some(&redirect), &state).await?,
    };

    let (tx, rx) = oneshot::channel::<Callback>();
    let app = Router::new()
        .route(&a.redirect_path, axum::routing::get(callback))
        .fallback(|| async { page(StatusCode::NOT_FOUND, "Not found", "Nothing here.") })
        .with_state(Waiting(Arc::new(Mutex::new(Some(tx)))));
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
    });

    announce(out, &url, &redirect, a.timeout, !a.no_open);

    let waited = tokio::time::timeout(Duration::from_secs(a.timeout), rx).await;
    let result = match waited {
        Err(_) => Err(Failure::Timeout(format!(
            "no callback from the browser within {} s (--timeout)",
            a.timeout
        ))),
        Ok(Err(_)) => Err(Failure::Callback("the callback listener stopped".into())),
        Ok(Ok((uri, reply))) => {
            let outcome = finish(&client, &uri, &state, &redirect, verifier.as_ref()).await;
            let _ = reply.send(browser_page(&outcome));
            outcome.map(Some)
        }
    };
    // Let the browser have its page, then close the listener.
    let _ = stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(2), server).await;

    let Some(done) = result? else {
        return Ok(());
    };
    report(&a, out, target, done)
}

/// Binds 127.0.0.1:`port` (0: a free port chosen by the system).
async fn bind(port: u16) -> Result<tokio::net::TcpListener, Failure> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        if e.kind() == std::io::ErrorKind::AddrInUse {
            Failure::Listen(format!(
                "cannot listen on {addr}: the port is in use (choose another --port, or 0 for a free one)"
            ))
        } else {
            Failure::Listen(format!("cannot listen on {addr}: {e}"))
        }
    })
}

/// Tells the user where to go: the URL is the last word of one stderr line
/// (or a JSON line under `--json`), and opens the browser unless `--no-open`.
fn announce(out: &Out, url: &url::Url, redirect: &RedirectUri, timeout: u64, open: bool) {
    let opened = if open {
        open_browser(url.as_str())
    } else {
        Ok(())
    };
    if out.is_json() {
        eprintln!(
            "{}",
            json!({"authorize_url": url.as_str(), "redirect_uri": redirect.as_str(), "timeout_secs": timeout})
        );
        return;
    }
    match (open, opened) {
        (false, _) => {
            eprintln!("Open this URL in a browser to log in (waiting {timeout} s): {url}")
        }
        (true, Ok(())) => eprintln!(
            "Opened a browser to log in (waiting {timeout} s); if none appeared, open: {url}"
        ),
        (true, Err(why)) => eprintln!(
            "Could not open a browser ({why}); open this URL to log in (waiting {timeout} s): {url}"
        ),
    }
}

/// Opens `url` in the system browser, without waiting for it (a text-mode
/// browser could take the terminal until it quits).
fn open_browser(url: &str) -> Result<(), String> {
    let url = url.to_owned();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(webbrowser::open(&url).map_err(|e| e.to_string()));
    });
    match rx.recv_timeout(Duration::from_secs(5)) {
        Ok(r) => r,
        // Still starting: a browser that blocks, say. The URL is printed anyway.
        Err(_) => Ok(()),
    }
}

/// The listener's one route: hands the first request over and answers it with
/// what the command made of it.
async fn callback(AxumState(w): AxumState<Waiting>, uri: Uri) -> Response {
    let Some(tx) = w.0.lock().ok().and_then(|mut t| t.take()) else {
        return page(
            StatusCode::CONFLICT,
            "Already done",
            "This login has already been answered. You can close this tab.",
        );
    };
    let (reply, answer) = oneshot::channel();
    let text = uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
    if tx.send((text, reply)).is_err() {
        return page(
            StatusCode::GONE,
            "Too late",
            "The sentinel command stopped waiting. You can close this tab.",
        );
    }
    answer.await.unwrap_or_else(|_| {
        page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Login failed",
            "The sentinel command stopped. See the terminal.",
        )
    })
}

/// Checks the callback, exchanges its code once, verifies the ID token.
async fn finish(
    client: &sentinel_reqwest::SentinelClient,
    callback: &str,
    state: &State,
    redirect: &RedirectUri,
    verifier: Option<&CodeVerifier>,
) -> Outcome {
    let code = parse_callback(callback, state).map_err(|e| match e {
        CallbackError::Authorization(e) => Failure::Denied(format!("login refused: {e}")),
        CallbackError::StateMismatch => Failure::Callback(
            "the callback's state does not match the one sent (possible CSRF); nothing was exchanged"
                .into(),
        ),
        other => Failure::Callback(format!("bad callback: {other}; nothing was exchanged")),
    })?;
    let tokens = match verifier {
        Some(v) => client.exchange_code_pkce(&code, Some(redirect), v).await?,
        None => client.exchange_code(&code, Some(redirect)).await?,
    };
    let id = tokens
        .id_token
        .as_ref()
        .ok_or_else(|| Failure::Invalid("the code exchange answered no ID token".into()))?;
    let claims = client.verify_id_token(id).await.map_err(|e| match e {
        Error::Jwt(j) => Failure::Invalid(format!("invalid ID token: {j}")),
        other => Failure::from(other),
    })?;
    Ok(Done { claims, tokens })
}

/// The page the browser is left on: who logged in, or why not. No token, no
/// code, no state.
fn browser_page(outcome: &Outcome) -> Response {
    match outcome {
        Ok(d) => page(
            StatusCode::OK,
            "Logged in",
            &format!(
                "You are logged in as <b>{}</b>. You can close this tab and return to the terminal.",
                escape(&d.claims.sub)
            ),
        ),
        Err(f) => page(
            StatusCode::BAD_REQUEST,
            "Login failed",
            &format!(
                "{} You can close this tab; the terminal says the same.",
                escape(&f.to_string())
            ),
        ),
    }
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} - sentinel login</title>
<style>body {{ font-family: sans-serif; max-width: 30rem; margin: 3rem auto; padding: 0 1rem; }}</style>
</head>
<body>
<h1 id="title">{title}</h1>
<p id="message">{body}</p>
</body>
</html>
"#
    );
    let mut r = (status, html).into_response();
    let h = r.headers_mut();
    for (name, value) in [
        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        (header::CACHE_CONTROL, "no-store"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'",
        ),
        (header::REFERRER_POLICY, "no-referrer"),
    ] {
        h.insert(name, HeaderValue::from_static(value));
    }
    r
}

/// Prints the claims, and the tokens where asked.
fn report(
    a: &LoginArgs,
    out: &Out,
    target: &crate::args::Target,
    done: Done,
) -> Result<(), Failure> {
    let t = &done.tokens;
    if let Some(path) = &a.save {
        tokens::save(
            path,
            &TokenFile {
                format: tokens::FORMAT.into(),
                account: target.account.as_str().to_owned(),
                client_id: target.client_id.as_str().to_owned(),
                token_type: "Bearer".into(),
                access_token: t.access_token.secret().to_owned(),
                refresh_token: t.refresh_token.as_ref().map(|r| r.secret().to_owned()),
                id_token: t.id_token.as_ref().map(|r| r.secret().to_owned()),
                expires_at: t.expires_in.map(|d| tokens::now_secs() + d.as_secs()),
            },
        )?;
    }
    let c = &done.claims;
    let aud = serde_json::to_value(&c.aud).unwrap_or_default();
    let aud_text = match &aud {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut human = format!(
        "logged in as {}\nsub: {}\naud: {aud_text}\niss: {}\nexp: {}\nis_admin: {}\nis_lpa: {}",
        c.sub, c.sub, c.iss, c.exp, c.is_admin, c.is_lpa
    );
    match &a.save {
        Some(p) => human.push_str(&format!("\ntokens saved to {} (mode 0600)", p.display())),
        None => human.push_str("\ntokens not kept: pass --save FILE (or --json) to keep them"),
    }
    out.result(
        &human,
        json!({
            "claims": c,
            "tokens": {
                "access_token": t.access_token.secret(),
                "token_type": "Bearer",
                "refresh_token": t.refresh_token.as_ref().map(|r| r.secret()),
                "id_token": t.id_token.as_ref().map(|r| r.secret()),
                "expires_in": t.expires_in.map(|d| d.as_secs()),
            },
            "saved": a.save.as_ref().map(|p| p.display().to_string()),
        }),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_escape_what_they_show() {
        assert_eq!(
            escape(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#x27;"
        );
    }
}
