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
use super::request::check_account;
use super::token_fault::{TokenFault, signer, times};
use crate::keys::verify;
use crate::state::{KidKey, Shared};

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
        let keys = v2.iter().map(KidKey::named).chain([s.keys.v1()]);
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
        Ok(json_created(
            json!({"token": signer(&s, key.named(), fault).sign(&jws)}),
        ))
    })();
    result.unwrap_or_else(|r| r)
}
