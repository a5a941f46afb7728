//! The IdP's ConsumerJWS: an AppJWT-authenticated request for a consumer's
//! token.
// Handlers short-circuit with a ready `Response` as the error; boxing it would buy
// nothing in a test server.
#![allow(clippy::result_large_err)]

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

use super::answer::{html, json_created};
use super::auth;
use super::request::check_account;
use super::token_fault::{TokenFault, signer, times};
use crate::state::Shared;

pub(super) async fn consumer(
    State(s): State<Arc<Shared>>,
    Path(account): Path<String>,
    fault: Option<axum::Extension<TokenFault>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fault = fault.map(|f| f.0);
    let result = (|| -> Result<Response, Response> {
        check_account(&s, &account)?;
        // The IdP's own 401 is an HTML page; why goes to the debug log only.
        auth::app_jwt(&s, &account, &headers).map_err(|why| {
            tracing::debug!(token = "AppJWT", reason = why.as_str(), "refused");
            html(StatusCode::UNAUTHORIZED, "Unauthorized")
        })?;
        let now = s.now();
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
        let jws = json!({"sub": ext, "aud": account, "iss": auth::CONSUMER_JWS_ISSUER, "iat": iat, "exp": exp});
        let key = s.current_v2();
        Ok(json_created(
            json!({"token": signer(&s, key.named(), fault).sign(&jws)}),
        ))
    })();
    result.unwrap_or_else(|r| r)
}
