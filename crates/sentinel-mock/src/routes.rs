//! The endpoints, as LivePerson documents them.
// Handlers short-circuit with a ready `Response` as the error; boxing it would buy
// nothing in a test server.
#![allow(clippy::result_large_err)]

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::config::MockClient;
use crate::keys::{Named, opaque, verify};
use crate::state::{CodeGrant, RefreshGrant, Shared, V2Key, lock};

/// Per-request token faults, set by the fault layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokenFault {
    UnknownKey,
    Expired,
}

type St = State<Arc<Shared>>;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(
            "/api/account/{account}/service/baseURI.json",
            get(all_services),
        )
        .route(
            "/api/account/{account}/service/{service}/baseURI.json",
            get(one_service),
        )
        .route("/api/account/{account}/consumer", post(consumer))
        .route("/sentinel/api/account/{account}/authorize", get(authorize))
        .route("/sentinel/api/account/{account}/token", post(token))
        .route("/sentinel/api/account/{account}/token/revoke", post(revoke))
        .route(
            "/sentinel/api/account/{account}/app/token",
            post(app_token_v1),
        )
        .route(
            "/sentinel/api/v2/account/{account}/app/token",
            post(app_token_v2),
        )
        .route("/sentinel/well-known/jwks", get(jwks))
        .fallback(|| async { html(StatusCode::NOT_FOUND, "Not Found") })
        .with_state(shared)
}

// ---- answers -------------------------------------------------------------

fn json_ok(v: Value) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        v.to_string(),
    )
        .into_response()
}

fn oauth_error(status: StatusCode, code: &str, description: &str) -> Response {
    let mut r = (
        status,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        json!({"error": code, "error_description": description}).to_string(),
    )
        .into_response();
    if status == StatusCode::UNAUTHORIZED {
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"sentinel\""),
        );
    }
    r
}

pub(crate) fn html(status: StatusCode, msg: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        format!("<!DOCTYPE html><html><head><title>{status}</title></head><body><h1>{msg}</h1></body></html>"),
    )
        .into_response()
}

fn invalid_request(desc: &str) -> Response {
    oauth_error(StatusCode::BAD_REQUEST, "invalid_request", desc)
}

// ---- request parts -------------------------------------------------------

/// Query or form pairs, duplicates kept.
type Params = Vec<(String, String)>;

fn parse_pairs(raw: &[u8]) -> Option<Params> {
    serde_urlencoded::from_bytes(raw).ok()
}

/// The single value of `name`; `Err` if it appears more than once.
fn param<'a>(p: &'a Params, name: &str) -> Result<Option<&'a str>, Response> {
    let mut found = p.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let first = found.next();
    if found.next().is_some() {
        return Err(invalid_request(&format!("parameter {name} repeated")));
    }
    Ok(first)
}

fn required<'a>(p: &'a Params, name: &str) -> Result<&'a str, Response> {
    match param(p, name)? {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(invalid_request(&format!("missing parameter {name}"))),
    }
}

/// The form body of a POST, after checking its content type.
fn form(headers: &HeaderMap, body: &Bytes) -> Result<Params, Response> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let media = ct.split(';').next().unwrap_or("").trim();
    if !media.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        return Err(invalid_request(
            "Content-Type must be application/x-www-form-urlencoded",
        ));
    }
    parse_pairs(body).ok_or_else(|| invalid_request("malformed form body"))
}

fn check_account(s: &Shared, account: &str) -> Result<(), Response> {
    if s.config.accounts.iter().any(|a| a == account) {
        Ok(())
    } else {
        Err(html(StatusCode::NOT_FOUND, "Unknown account"))
    }
}

/// The form body of a POST, or nothing when there is neither body nor content
/// type (the legacy V1 AppJWT form carries everything in the query string).
fn form_or_empty(headers: &HeaderMap, body: &Bytes) -> Result<Params, Response> {
    if body.is_empty() && !headers.contains_key(header::CONTENT_TYPE) {
        return Ok(Params::new());
    }
    form(headers, body)
}

/// The `v` query parameter: absent (meaning 1.0), `1.0` or `2.0`.
fn version(query: Option<&str>) -> Result<Option<&'static str>, Response> {
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
fn authenticate<'a>(s: &'a Shared, p: &Params) -> Result<&'a MockClient, Response> {
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

/// Equality without an early exit on the first differing byte.
fn ring_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

// ---- Domain API ----------------------------------------------------------

fn services(s: &Shared, account: &str) -> Vec<Value> {
    let entry = |service: &str, host: &str| json!({"service": service, "account": account, "baseURI": host});
    let own = s.config.advertised_host.as_deref().unwrap_or(&s.host);
    vec![
        entry("sentinel", own),
        entry("idp", own),
        entry("agentVep", "va.agentvep.liveperson.net"),
        entry("asyncMessagingEnt", "va.msg.liveperson.net"),
    ]
}

async fn all_services(State(s): St, Path(account): Path<String>) -> Response {
    if let Err(r) = check_account(&s, &account) {
        return r;
    }
    json_ok(json!({"baseURIs": services(&s, &account)}))
}

async fn one_service(State(s): St, Path((account, service)): Path<(String, String)>) -> Response {
    if let Err(r) = check_account(&s, &account) {
        return r;
    }
    match services(&s, &account)
        .into_iter()
        .find(|e| e["service"] == service.as_str())
    {
        Some(e) => json_ok(e),
        None => html(StatusCode::NOT_FOUND, "Unknown service"),
    }
}

// ---- authorize -----------------------------------------------------------

async fn authorize(State(s): St, Path(account): Path<String>, RawQuery(q): RawQuery) -> Response {
    let result = (|| -> Result<Response, Response> {
        check_account(&s, &account)?;
        let bad = |m: &str| html(StatusCode::BAD_REQUEST, m);
        let p =
            parse_pairs(q.unwrap_or_default().as_bytes()).ok_or_else(|| bad("Malformed query"))?;
        let one = |name: &str| param(&p, name).map_err(|_| bad("Repeated parameter"));
        let client_id = one("client_id")?.ok_or_else(|| bad("Missing client_id"))?;
        let client = s
            .config
            .clients
            .iter()
            .find(|c| c.id == client_id)
            .ok_or_else(|| bad("Unknown client"))?;
        let sent_redirect = one("redirect_uri")?;
        // An unverified redirect is never followed: a 400 page instead.
        let redirect = match sent_redirect {
            Some(r) if client.redirect_uris.iter().any(|u| u == r) => r.to_owned(),
            Some(_) => return Err(bad("redirect_uri is not registered for this client")),
            None => match client.redirect_uris.as_slice() {
                [only] => only.clone(),
                _ => return Err(bad("redirect_uri is required")),
            },
        };
        let state = one("state")?;
        let mut back = url::form_urlencoded::Serializer::new(String::new());
        let response_type = one("response_type")?.filter(|r| !r.is_empty());
        let pkce = pkce_challenge(one("code_challenge")?, one("code_challenge_method")?);
        if response_type.is_none() {
            back.append_pair("error", "invalid_request");
            back.append_pair("error_description", "missing parameter response_type");
        } else if response_type != Some("code") {
            back.append_pair("error", "unsupported_response_type");
            back.append_pair("error_description", "response_type must be code");
        } else if let Err(why) = pkce {
            back.append_pair("error", "invalid_request");
            back.append_pair("error_description", why);
        } else {
            let code = opaque("code-");
            lock(&s.codes).insert(
                code.clone(),
                CodeGrant {
                    account: account.clone(),
                    client_id: client.id.clone(),
                    redirect_uri: sent_redirect.map(str::to_owned),
                    expires_at: s.now() + s.config.lifetimes.code.as_secs(),
                    code_challenge: pkce.ok().flatten().map(str::to_owned),
                },
            );
            back.append_pair("code", &code);
        }
        if let Some(st) = state {
            back.append_pair("state", st);
        }
        let sep = if redirect.contains('?') { '&' } else { '?' };
        let location = format!("{redirect}{sep}{}", back.finish());
        Ok((StatusCode::FOUND, [(header::LOCATION, location)]).into_response())
    })();
    result.unwrap_or_else(|r| r)
}

/// The PKCE challenge of an authorize request (RFC 7636 §4.3), if any. Only S256
/// is supported: `plain`, an absent method (which means `plain`) or any other is
/// refused (§4.4.1), and so is a challenge that is not 43 base64url characters.
fn pkce_challenge<'a>(
    challenge: Option<&'a str>,
    method: Option<&str>,
) -> Result<Option<&'a str>, &'static str> {
    match (challenge, method) {
        (None, None) => Ok(None),
        (None, Some(_)) => Err("code_challenge_method without code_challenge"),
        (Some(_), m) if m != Some("S256") => {
            Err("code_challenge_method must be S256 (plain is not supported)")
        }
        (Some(c), _)
            if c.len() == 43
                && c.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            Ok(Some(c))
        }
        (Some(_), _) => Err("code_challenge must be 43 base64url characters"),
    }
}

/// Checks the code exchange's `code_verifier` against the authorize challenge
/// (RFC 7636 §4.6). A verifier sent for a code issued without a challenge is
/// refused too (RFC 9700 §2.1.1: no PKCE downgrade).
fn pkce_verify(challenge: Option<&str>, verifier: Option<&str>) -> Result<(), &'static str> {
    match (challenge, verifier) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err("code_verifier sent but authorize had no code_challenge"),
        (Some(_), None) => Err("missing code_verifier"),
        (Some(c), Some(v)) => {
            let shape = (43..=128).contains(&v.len())
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
            let digest = ring::digest::digest(&ring::digest::SHA256, v.as_bytes());
            let computed = URL_SAFE_NO_PAD.encode(digest.as_ref());
            if shape && ring_eq(computed.as_bytes(), c.as_bytes()) {
                Ok(())
            } else {
                Err("code_verifier does not match code_challenge")
            }
        }
    }
}

// ---- token, refresh, revoke ----------------------------------------------

fn user_tokens(
    s: &Shared,
    account: &str,
    client: &MockClient,
    id_token: bool,
    fault: Option<TokenFault>,
) -> Response {
    let now = s.now();
    let refresh_token = opaque("rt-");
    lock(&s.refresh).insert(
        refresh_token.clone(),
        RefreshGrant {
            account: account.to_owned(),
            client_id: client.id.clone(),
        },
    );
    let life = s.config.lifetimes;
    let mut body = json!({
        "access_token": opaque("at-"),
        "token_type": "Bearer",
        "refresh_token": refresh_token,
        "expires_in": life.access_token.as_secs(),
    });
    if id_token {
        let u = &s.config.user;
        let (iat, exp) = times(now, life.id_token.as_secs(), fault);
        let claims = json!({
            "sub": u.id, "aud": client.id, "iss": "sentinel",
            "iat": iat, "exp": exp, "is_admin": u.is_admin, "is_lpa": u.is_lpa,
        });
        body["id_token"] = Value::String(signer(s, s.keys.id_token(), fault).sign(&claims));
    }
    json_ok(body)
}

fn times(now: u64, life: u64, fault: Option<TokenFault>) -> (u64, u64) {
    if fault == Some(TokenFault::Expired) {
        (now.saturating_sub(7200), now.saturating_sub(3600))
    } else {
        (now, now + life)
    }
}

fn signer<'a>(s: &'a Shared, key: Named<'a>, fault: Option<TokenFault>) -> Named<'a> {
    if fault == Some(TokenFault::UnknownKey) {
        s.keys.unknown()
    } else {
        key
    }
}

async fn token(
    State(s): St,
    Path(account): Path<String>,
    RawQuery(q): RawQuery,
    fault: Option<axum::Extension<TokenFault>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fault = fault.map(|f| f.0);
    let result = (|| -> Result<Response, Response> {
        check_account(&s, &account)?;
        version(q.as_deref())?;
        let p = form(&headers, &body)?;
        let grant = required(&p, "grant_type")?;
        if grant != "authorization_code" && grant != "refresh_token" {
            return Err(oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "grant_type must be authorization_code or refresh_token",
            ));
        }
        let client = authenticate(&s, &p)?;
        let invalid_grant = |m: &str| oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", m);
        if grant == "authorization_code" {
            let code = required(&p, "code")?;
            // Single use: removed whatever the outcome.
            let grant = lock(&s.codes)
                .remove(code)
                .ok_or_else(|| invalid_grant("unknown or used code"))?;
            if grant.client_id != client.id || grant.account != account {
                return Err(invalid_grant("code issued to another client"));
            }
            if s.now() >= grant.expires_at {
                return Err(invalid_grant("code expired"));
            }
            if param(&p, "redirect_uri")? != grant.redirect_uri.as_deref() {
                return Err(invalid_grant("redirect_uri does not match authorize"));
            }
            pkce_verify(grant.code_challenge.as_deref(), param(&p, "code_verifier")?)
                .map_err(invalid_grant)?;
            Ok(user_tokens(&s, &account, client, true, fault))
        } else {
            let rt = required(&p, "refresh_token")?;
            // Rotation: a refresh token works once; the answer carries the next.
            // Another client's attempt leaves it alone (as revoke does).
            let mut refresh = lock(&s.refresh);
            let grant = refresh
                .get(rt)
                .ok_or_else(|| invalid_grant("unknown, used or revoked refresh token"))?;
            if grant.client_id != client.id || grant.account != account {
                return Err(invalid_grant("refresh token issued to another client"));
            }
            refresh.remove(rt);
            drop(refresh);
            Ok(user_tokens(&s, &account, client, false, fault))
        }
    })();
    result.unwrap_or_else(|r| r)
}

async fn revoke(
    State(s): St,
    Path(account): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = (|| -> Result<Response, Response> {
        check_account(&s, &account)?;
        version(q.as_deref())?;
        let p = form(&headers, &body)?;
        let client = authenticate(&s, &p)?;
        let token = required(&p, "token")?;
        let mut refresh = lock(&s.refresh);
        // RFC 7009: an unknown token is not an error; another client's, or
        // another account's, is left alone.
        if refresh
            .get(token)
            .is_some_and(|g| g.client_id == client.id && g.account == account)
        {
            refresh.remove(token);
        }
        Ok(StatusCode::OK.into_response())
    })();
    result.unwrap_or_else(|r| r)
}

// ---- AppJWT and JWKS -----------------------------------------------------

fn app_jwt(
    s: &Shared,
    account: &str,
    client: &MockClient,
    key: Named<'_>,
    fault: Option<TokenFault>,
) -> Response {
    let life = s.config.lifetimes.app_jwt.as_secs();
    let (iat, exp) = times(s.now(), life, fault);
    let claims = json!({
        "aud": format!("le{account}"), "azp": client.id, "scope": "msg.consumer",
        "iss": "Sentinel", "iat": iat, "exp": exp,
    });
    json_ok(json!({
        "access_token": signer(s, key, fault).sign(&claims),
        "token_type": "Bearer",
        "expires_in": life,
    }))
}

/// Both AppJWT endpoints. `v2_path`: the `/sentinel/api/v2/...` form; the V1
/// path with `?v=2.0` is V2 too. Only the V1 path takes parameters from the
/// query string (the legacy form).
fn app_token(
    s: &Shared,
    account: &str,
    headers: &HeaderMap,
    body: &Bytes,
    query: Option<&str>,
    v2_path: bool,
    fault: Option<TokenFault>,
) -> Result<Response, Response> {
    check_account(s, account)?;
    let v = version(query)?;
    let v2 = v2_path || v == Some("2.0");
    let mut p = if v2_path {
        form(headers, body)?
    } else {
        form_or_empty(headers, body)?
    };
    if !v2_path {
        let q = parse_pairs(query.unwrap_or_default().as_bytes())
            .ok_or_else(|| invalid_request("malformed query"))?;
        p.extend(q.into_iter().filter(|(k, _)| k != "v"));
    }
    if required(&p, "grant_type")? != "client_credentials" {
        return Err(oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant_type must be client_credentials",
        ));
    }
    let client = authenticate(s, &p)?;
    if v2 {
        let key = s.current_v2();
        Ok(app_jwt(s, account, client, key.named(), fault))
    } else {
        Ok(app_jwt(s, account, client, s.keys.v1(), fault))
    }
}

async fn app_token_v1(
    State(s): St,
    Path(account): Path<String>,
    RawQuery(q): RawQuery,
    fault: Option<axum::Extension<TokenFault>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fault = fault.map(|f| f.0);
    app_token(&s, &account, &headers, &body, q.as_deref(), false, fault).unwrap_or_else(|r| r)
}

async fn app_token_v2(
    State(s): St,
    Path(account): Path<String>,
    RawQuery(q): RawQuery,
    fault: Option<axum::Extension<TokenFault>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fault = fault.map(|f| f.0);
    app_token(&s, &account, &headers, &body, q.as_deref(), true, fault).unwrap_or_else(|r| r)
}

async fn jwks(State(s): St) -> Response {
    json_ok(s.jwks())
}

// ---- IdP -----------------------------------------------------------------

async fn consumer(
    State(s): St,
    Path(account): Path<String>,
    fault: Option<axum::Extension<TokenFault>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fault = fault.map(|f| f.0);
    let result = (|| -> Result<Response, Response> {
        check_account(&s, &account)?;
        let unauthorized = || html(StatusCode::UNAUTHORIZED, "Unauthorized");
        let auth = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(unauthorized)?;
        let jwt = match auth.get(..7) {
            Some(p) if p.eq_ignore_ascii_case("bearer ") => auth.get(7..).unwrap_or(""),
            _ => auth,
        };
        let v2 = s.published_v2();
        let keys = v2.iter().map(V2Key::named).chain([s.keys.v1()]);
        let claims = verify(jwt.trim(), keys).ok_or_else(unauthorized)?;
        let now = s.now();
        if claims["exp"].as_u64().is_none_or(|exp| exp <= now)
            || claims["iss"] != "Sentinel"
            || claims["aud"] != format!("le{account}").as_str()
        {
            return Err(unauthorized());
        }
        let ct = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !ct.starts_with("application/json") {
            return Err(html(
                StatusCode::BAD_REQUEST,
                "Content-Type must be application/json",
            ));
        }
        let req: Value = serde_json::from_slice(&body)
            .map_err(|_| html(StatusCode::BAD_REQUEST, "Malformed JSON"))?;
        let ext = req["ext_consumer_id"]
            .as_str()
            .filter(|e| !e.is_empty())
            .ok_or_else(|| html(StatusCode::BAD_REQUEST, "Missing ext_consumer_id"))?;
        let (iat, exp) = times(now, 3600, fault);
        let jws = json!({"sub": ext, "aud": account, "iss": "https://idp.liveperson.net", "iat": iat, "exp": exp});
        let key = s.current_v2();
        Ok(json_ok(
            json!({"token": signer(&s, key.named(), fault).sign(&jws)}),
        ))
    })();
    result.unwrap_or_else(|r| r)
}

/// An empty-bodied response of `status`, for the fault layer.
pub(crate) fn plain(status: StatusCode, text: &'static str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain")],
        Body::from(text),
    )
        .into_response()
}
