//! The login page of [`LoginMode::Form`](crate::LoginMode::Form): authorize
//! answers it instead of consenting at once, and its form posts here. Plain
//! HTML, no script, no external resource; every reflected value HTML-escaped.
// Handlers short-circuit with a ready `Response` as the error; boxing it would buy
// nothing in a test server.
#![allow(clippy::result_large_err)]

use std::fmt::Write as _;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use html_escape::encode_quoted_attribute as escape;

use super::answer::html;
use super::oauth::check_authorize;
use super::request::{Params, check_account, is_form, parse_pairs, ring_eq};
use crate::config::DEMO_PASSWORD;
use crate::state::Shared;

/// The form's own fields; every other parameter is the authorize request's,
/// carried as a hidden field.
const USERNAME: &str = "username";
const PASSWORD: &str = "password";

/// What a wrong username or password is told.
const WRONG: &str = "Wrong username or password.";

/// The login page for the authorize request `params` of `client_id`; with
/// `failed`, the username tried, shown again with an error.
pub(super) fn page(client_id: &str, params: &Params, failed: Option<&str>) -> Response {
    let mut hidden = String::new();
    for (name, value) in params
        .iter()
        .filter(|(k, _)| k != USERNAME && k != PASSWORD)
    {
        let _ = writeln!(
            hidden,
            r#"<input type="hidden" name="{}" value="{}">"#,
            escape(name),
            escape(value)
        );
    }
    let error = match failed {
        Some(_) => format!(r#"<p id="error" role="alert">{WRONG}</p>"#),
        None => String::new(),
    };
    let username = escape(failed.unwrap_or(""));
    let client_id = escape(client_id);
    let body = format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in - Sentinel emulator</title>
<style>
body {{ font-family: sans-serif; max-width: 24rem; margin: 3rem auto; padding: 0 1rem; }}
label, input, button {{ display: block; width: 100%; box-sizing: border-box; }}
input, button {{ margin: 0.25rem 0 1rem; padding: 0.5rem; font-size: 1rem; }}
#error {{ color: #b00020; }}
</style>
</head>
<body>
<main>
<h1>Sign in</h1>
<p>to application <code id="client-id">{client_id}</code></p>
{error}
<form id="login-form" method="post" action="login">
{hidden}<label for="username">Username</label>
<input id="username" name="username" type="text" value="{username}" autocomplete="username" required autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button id="login" type="submit">Sign in</button>
</form>
<p><small>sentinel-mock, a TEST-ONLY emulator of LivePerson Sentinel.</small></p>
</main>
</body>
</html>
"#
    );
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            // Nothing loads from anywhere; the inline style is the page's own.
            // No form-action: it would also govern the redirect to the callback.
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'",
            ),
            (header::X_FRAME_OPTIONS, "DENY"),
            // The page's URL carries the authorize request, state included.
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        body,
    )
        .into_response()
}

/// `POST /sentinel/api/account/{a}/login`: the login form. The authorize
/// parameters it carries are checked exactly as authorize checks them; then the
/// user's id with [`DEMO_PASSWORD`] consents (the 302 to the callback with
/// `code` and `state`), anything else gets the page again with an error.
pub(super) async fn login(
    State(s): State<Arc<Shared>>,
    Path(account): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = (|| -> Result<Response, Response> {
        check_account(&s, &account)?;
        let bad = |m: &str| html(StatusCode::BAD_REQUEST, m);
        if !is_form(&headers) {
            return Err(bad(
                "Content-Type must be application/x-www-form-urlencoded",
            ));
        }
        let all = parse_pairs(&body).ok_or_else(|| bad("Malformed form"))?;
        let one = |name: &str| -> Result<&str, Response> {
            let mut found = all.iter().filter(|(k, _)| k == name);
            let first = found.next().map_or("", |(_, v)| v.as_str());
            match found.next() {
                Some(_) => Err(bad("Repeated parameter")),
                None => Ok(first),
            }
        };
        let (username, password) = (one(USERNAME)?, one(PASSWORD)?);
        let params: Params = all
            .iter()
            .filter(|(k, _)| k != USERNAME && k != PASSWORD)
            .cloned()
            .collect();
        let grant = check_authorize(&s, &params)?;
        let user_ok = ring_eq(username.as_bytes(), s.config.user.id.as_bytes());
        let password_ok = ring_eq(password.as_bytes(), DEMO_PASSWORD.as_bytes());
        if user_ok && password_ok {
            Ok(grant.consent(&s, &account))
        } else {
            Ok(page(&grant.client().id, &params, Some(username)))
        }
    })();
    result.unwrap_or_else(|r| r)
}
