//! Reading a request: query and form parameters, the `v` version, the account,
//! the client's credentials.
// Checks short-circuit with a ready `Response` as the error; boxing it would buy
// nothing in a test server.
#![allow(clippy::result_large_err)]

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;

use super::answer::{html, invalid_request, oauth_error};
use crate::config::MockClient;
use crate::state::Shared;

/// Query or form pairs, duplicates kept.
pub(super) type Params = Vec<(String, String)>;

pub(super) fn parse_pairs(raw: &[u8]) -> Option<Params> {
    serde_urlencoded::from_bytes(raw).ok()
}

/// The single value of `name`; `Err` if it appears more than once.
pub(super) fn param<'a>(p: &'a Params, name: &str) -> Result<Option<&'a str>, Response> {
    let mut found = p.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let first = found.next();
    if found.next().is_some() {
        return Err(invalid_request(&format!("parameter {name} repeated")));
    }
    Ok(first)
}

pub(super) fn required<'a>(p: &'a Params, name: &str) -> Result<&'a str, Response> {
    match param(p, name)? {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(invalid_request(&format!("missing parameter {name}"))),
    }
}

/// Whether the request's media type is a form's (parameters of the
/// `Content-Type` such as `charset` are allowed).
pub(super) fn is_form(headers: &HeaderMap) -> bool {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let media = ct.split(';').next().unwrap_or("").trim();
    media.eq_ignore_ascii_case("application/x-www-form-urlencoded")
}

/// The form body of a POST, after checking its content type.
pub(super) fn form(headers: &HeaderMap, body: &Bytes) -> Result<Params, Response> {
    if !is_form(headers) {
        return Err(invalid_request(
            "Content-Type must be application/x-www-form-urlencoded",
        ));
    }
    parse_pairs(body).ok_or_else(|| invalid_request("malformed form body"))
}

/// The form body of a POST, or nothing when there is neither body nor content
/// type (the legacy V1 AppJWT form carries everything in the query string).
pub(super) fn form_or_empty(headers: &HeaderMap, body: &Bytes) -> Result<Params, Response> {
    if body.is_empty() && !headers.contains_key(header::CONTENT_TYPE) {
        return Ok(Params::new());
    }
    form(headers, body)
}

pub(super) fn check_account(s: &Shared, account: &str) -> Result<(), Response> {
    let any = s.config.many_accounts
        && !account.is_empty()
        && account.len() <= 64
        && account
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if any || s.config.accounts.iter().any(|a| a == account) {
        Ok(())
    } else {
        Err(html(StatusCode::NOT_FOUND, "Unknown account"))
    }
}

/// The `v` query parameter: absent (meaning 1.0), `1.0` or `2.0`.
pub(super) fn version(query: Option<&str>) -> Result<Option<&'static str>, Response> {
    let p = parse_pairs(query.unwrap_or_default().as_bytes())
        .ok_or_else(|| invalid_request("malformed query"))?;
    match param(&p, "v")? {
        None => Ok(None),
        Some("1.0") => Ok(Some("1.0")),
        Some("2.0") => Ok(Some("2.0")),
        Some(_) => Err(invalid_request("unsupported version: v must be 1.0 or 2.0")),
    }
}

/// Client authentication by id and secret in the form (or query, for legacy V1).
/// Missing or wrong credentials are `invalid_client` (RFC 6749 §5.2).
pub(super) fn authenticate<'a>(s: &'a Shared, p: &Params) -> Result<&'a MockClient, Response> {
    let failed = || {
        oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client authentication failed",
        )
    };
    let id = param(p, "client_id")?.filter(|v| !v.is_empty());
    let secret = param(p, "client_secret")?.filter(|v| !v.is_empty());
    let (Some(id), Some(secret)) = (id, secret) else {
        return Err(failed());
    };
    s.config
        .clients
        .iter()
        .find(|c| c.id == id && ring_eq(c.secret.as_bytes(), secret.as_bytes()))
        .ok_or_else(failed)
}

/// [`authenticate`], and in "many accounts" mode also the application derived
/// from `account` ([`crate::derived_client_id`], [`crate::derived_client_secret`]).
pub(super) fn authenticate_app<'a>(
    s: &'a Shared,
    account: &str,
    p: &Params,
) -> Result<std::borrow::Cow<'a, MockClient>, Response> {
    if s.config.many_accounts {
        let id = param(p, "client_id")?.unwrap_or_default();
        let secret = param(p, "client_secret")?.unwrap_or_default();
        if id == crate::derived_client_id(account)
            && ring_eq(
                secret.as_bytes(),
                crate::derived_client_secret(account).as_bytes(),
            )
        {
            return Ok(std::borrow::Cow::Owned(MockClient {
                id: id.to_owned(),
                secret: String::new(),
                redirect_uris: Vec::new(),
            }));
        }
    }
    authenticate(s, p).map(std::borrow::Cow::Borrowed)
}

/// Equality without an early exit on the first differing byte.
pub(super) fn ring_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
