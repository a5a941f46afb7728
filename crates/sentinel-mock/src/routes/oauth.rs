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
use super::pkce;
use super::request::{authenticate, check_account, form, param, parse_pairs, required, version};
use super::token_fault::{TokenFault, signer, times};
use crate::config::MockClient;
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
        let pkce = pkce::challenge(one("code_challenge")?, one("code_challenge_method")?);
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
