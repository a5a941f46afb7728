//! The shapes of the emulator's answers: JSON, OAuth errors, HTML pages, plain
//! text.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// A 200 with a JSON body, never cached (tokens are in it).
pub(super) fn json_ok(v: Value) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        v.to_string(),
    )
        .into_response()
}

/// A 201 with a JSON body, never cached: what LivePerson's IdP answers a
/// ConsumerJWS request with.
pub(super) fn json_created(v: Value) -> Response {
    (StatusCode::CREATED, json_ok(v)).into_response()
}

/// An RFC 6749 §5.2 error; a 401 carries the `WWW-Authenticate` the RFC asks for.
pub(super) fn oauth_error(status: StatusCode, code: &str, description: &str) -> Response {
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

pub(super) fn invalid_request(desc: &str) -> Response {
    oauth_error(StatusCode::BAD_REQUEST, "invalid_request", desc)
}

/// An HTML error page, as Sentinel's front end answers outside OAuth.
pub(crate) fn html(status: StatusCode, msg: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        format!("<!DOCTYPE html><html><head><title>{status}</title></head><body><h1>{msg}</h1></body></html>"),
    )
        .into_response()
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
