//! AppJWT V1 and V2 (client credentials) and the JWKS that verifies V2.
// Handlers short-circuit with a ready `Response` as the error; boxing it would buy
// nothing in a test server.
#![allow(clippy::result_large_err)]

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::json;

use super::answer::{invalid_request, json_ok, oauth_error};
use super::request::{
    authenticate_app, check_account, form, form_or_empty, parse_pairs, required, version,
};
use super::token_fault::{TokenFault, signer, times};
use crate::config::MockClient;
use crate::keys::Named;
use crate::state::Shared;

type St = State<Arc<Shared>>;

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
    let client = authenticate_app(s, account, &p)?;
    if v2 {
        let key = s.current_v2();
        Ok(app_jwt(s, account, &client, key.named(), fault))
    } else {
        Ok(app_jwt(s, account, &client, s.keys.v1(), fault))
    }
}

pub(super) async fn app_token_v1(
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

pub(super) async fn app_token_v2(
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

pub(super) async fn jwks(State(s): St) -> Response {
    json_ok(s.jwks())
}
