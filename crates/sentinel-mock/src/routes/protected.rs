//! Stand-ins for the LivePerson APIs that take an AppJWT, for testing the
//! clients and middleware that attach one: a generic protected resource and
//! the Messaging Send API, which also takes a ConsumerJWS. They check the
//! tokens exactly as the IdP does and echo what they saw of the request (its
//! method, the size and digest of its body), never a token.

use std::fmt::Write as _;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method};
use axum::response::Response;
use serde_json::json;

use super::answer::json_ok;
use super::auth::{self, unauthorized};
use super::request::check_account;
use crate::state::Shared;

/// The SHA-256 of `body`, lower-case hex: a retried request can be checked for
/// the very same body.
fn sha256_hex(body: &[u8]) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, body);
    digest
        .as_ref()
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// `GET` or `POST /api/account/{account}/app/protected`: 200 with
/// `{"account","client_id","method","body_bytes","body_sha256"}` for a valid
/// AppJWT of the account, else 401.
pub(super) async fn protected(
    State(s): State<Arc<Shared>>,
    Path(account): Path<String>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(r) = check_account(&s, &account) {
        return r;
    }
    let claims = match auth::app_jwt(&s, &account, &headers) {
        Ok(c) => c,
        Err(why) => return unauthorized("AppJWT", why),
    };
    // V1 and V2 AppJWTs name the client in `azp`; `sub` for any that would not.
    let client_id = claims["azp"]
        .as_str()
        .or_else(|| claims["sub"].as_str())
        .unwrap_or("");
    json_ok(json!({
        "account": account,
        "client_id": client_id,
        "method": method.as_str(),
        "body_bytes": body.len(),
        "body_sha256": sha256_hex(&body),
    }))
}

/// `POST /api/account/{account}/messaging/consumer/conversation/send`: 200 with
/// `{"consumer","body_bytes","body_sha256"}` for a valid AppJWT of the account
/// in `Authorization` and a valid ConsumerJWS of it in `X-LP-ON-BEHALF`, else
/// 401. The body is not parsed and the query (`v=3`) not checked.
pub(super) async fn send(
    State(s): State<Arc<Shared>>,
    Path(account): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(r) = check_account(&s, &account) {
        return r;
    }
    if let Err(why) = auth::app_jwt(&s, &account, &headers) {
        return unauthorized("AppJWT", why);
    }
    let consumer = match auth::consumer_jws(&s, &account, &headers) {
        Ok(c) => c,
        Err(why) => return unauthorized("ConsumerJWS", why),
    };
    json_ok(json!({
        "consumer": consumer["sub"],
        "body_bytes": body.len(),
        "body_sha256": sha256_hex(&body),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_hex_is_the_known_digest() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
