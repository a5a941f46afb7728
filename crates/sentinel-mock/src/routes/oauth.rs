//! The user's OAuth flow: authorize, the token endpoint (code exchange and
//! refresh) and revoke.
// Handlers short-circuit with a ready `Response` as the error; boxing it would buy
// nothing in a test server.
#![allow(clippy::result_large_err)]

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::answer::{html, json_ok, oauth_error};
use super::request::{
    Params, authenticate, check_account, form, param, parse_pairs, required, version,
};
use super::token_fault::{TokenFault, signer, times};
use super::{login, pkce};
use crate::config::{LoginMode, MockClient};
use crate::keys::opaque;
use crate::state::{CodeGrant, RefreshGrant, Shared, lock};

type St = State<Arc<Shared>>;

pub(super) async fn authorize(
    State(s): St,
    Path(account): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let result = (|| -> Result<Response, Response> {
        check_account(&s, &account)?;
        let p = parse_pairs(q.unwrap_or_default().as_bytes())
            .ok_or_else(|| html(StatusCode::BAD_REQUEST, "Malformed query"))?;
        let grant = check_authorize(&s, &p)?;
        Ok(match s.config.login {
            LoginMode::AutoConsent => grant.consent(&s, &account),
            LoginMode::Form => login::page(&grant.client().id, &p, None),
        })
    })();
    result.unwrap_or_else(|r| r)
}

/// A valid authorize request, to which a code may be issued once the user has
/// consented.
pub(super) struct Grant<'a> {
    client: &'a MockClient,
    /// Where the callback goes.
    redirect: String,
    /// The `redirect_uri` sent, which the exchange must repeat.
    sent_redirect: Option<&'a str>,
    state: Option<&'a str>,
    code_challenge: Option<&'a str>,
}

impl Grant<'_> {
    /// The client asking.
    pub(super) fn client(&self) -> &MockClient {
        self.client
    }

    /// Issues a code and redirects to the callback with it and the `state`.
    pub(super) fn consent(&self, s: &Shared, account: &str) -> Response {
        let code = opaque("code-");
        lock(&s.codes).insert(
            code.clone(),
            CodeGrant {
                account: account.to_owned(),
                client_id: self.client.id.clone(),
                redirect_uri: self.sent_redirect.map(str::to_owned),
                expires_at: s.now() + s.config.lifetimes.code.as_secs(),
                code_challenge: self.code_challenge.map(str::to_owned),
            },
        );
        callback(&self.redirect, &[("code", &code)], self.state)
    }
}

/// A 302 to `redirect` with `pairs` and the `state` added to its query.
fn callback(redirect: &str, pairs: &[(&str, &str)], state: Option<&str>) -> Response {
    let mut back = url::form_urlencoded::Serializer::new(String::new());
    back.extend_pairs(pairs);
    if let Some(st) = state {
        back.append_pair("state", st);
    }
    let sep = if redirect.contains('?') { '&' } else { '?' };
    let location = format!("{redirect}{sep}{}", back.finish());
    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
}

/// Whether the redirect URI `sent` to authorize is the `registered` one:
/// identical, or (RFC 8252 §7.3, native apps) both `http` on the same loopback
/// IP literal (`127.0.0.1`, `[::1]`) with the same path and query, on any port.
fn redirect_matches(registered: &str, sent: &str) -> bool {
    if registered == sent {
        return true;
    }
    let (Ok(reg), Ok(mut got)) = (url::Url::parse(registered), url::Url::parse(sent)) else {
        return false;
    };
    let loopback_ip = matches!(
        reg.host(),
        Some(url::Host::Ipv4(ip)) if ip.is_loopback()
    ) || matches!(reg.host(), Some(url::Host::Ipv6(ip)) if ip.is_loopback());
    // `sent` must be written as the URL parser writes it, so that the port is
    // the only difference allowed (no `/./`, no case games).
    if reg.scheme() != "http" || !loopback_ip || got.as_str() != sent {
        return false;
    }
    got.set_port(reg.port()).is_ok() && got == reg
}

/// Checks the parameters of an authorize request (from its query, or carried
/// through the login form): a valid one is a [`Grant`]; otherwise the answer,
/// an HTML 400 where the client or redirect cannot be trusted (an unverified
/// redirect is never followed), else a redirect with the OAuth error.
pub(super) fn check_authorize<'a>(s: &'a Shared, p: &'a Params) -> Result<Grant<'a>, Response> {
    let bad = |m: &str| html(StatusCode::BAD_REQUEST, m);
    let one = |name: &str| param(p, name).map_err(|_| bad("Repeated parameter"));
    let client_id = one("client_id")?.ok_or_else(|| bad("Missing client_id"))?;
    let client = s
        .config
        .clients
        .iter()
        .find(|c| c.id == client_id)
        .ok_or_else(|| bad("Unknown client"))?;
    let sent_redirect = one("redirect_uri")?;
    let redirect = match sent_redirect {
        Some(r) if client.redirect_uris.iter().any(|u| redirect_matches(u, r)) => r.to_owned(),
        Some(_) => return Err(bad("redirect_uri is not registered for this client")),
        None => match client.redirect_uris.as_slice() {
            [only] => only.clone(),
            _ => return Err(bad("redirect_uri is required")),
        },
    };
    let state = one("state")?;
    let response_type = one("response_type")?.filter(|r| !r.is_empty());
    let pkce = pkce::challenge(one("code_challenge")?, one("code_challenge_method")?);
    let error = |code: &str, description: &str| {
        callback(
            &redirect,
            &[("error", code), ("error_description", description)],
            state,
        )
    };
    if response_type.is_none() {
        return Err(error("invalid_request", "missing parameter response_type"));
    }
    if response_type != Some("code") {
        return Err(error(
            "unsupported_response_type",
            "response_type must be code",
        ));
    }
    let code_challenge = pkce.map_err(|why| error("invalid_request", why))?;
    Ok(Grant {
        client,
        redirect,
        sent_redirect,
        state,
        code_challenge,
    })
}

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
        let key = s.current_id_token();
        body["id_token"] = Value::String(signer(s, key.named(), fault).sign(&claims));
    }
    json_ok(body)
}

pub(super) async fn token(
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
            pkce::verify(grant.code_challenge.as_deref(), param(&p, "code_verifier")?)
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

pub(super) async fn revoke(
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
