//! The endpoints, as LivePerson documents them, one module per API.

mod answer;
mod app_token;
mod domain;
mod idp;
mod oauth;
mod pkce;
mod request;
mod token_fault;

use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};

pub(crate) use answer::{html, plain};
pub(crate) use token_fault::TokenFault;

use crate::state::Shared;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(
            "/api/account/{account}/service/baseURI.json",
            get(domain::all_services),
        )
        .route(
            "/api/account/{account}/service/{service}/baseURI.json",
            get(domain::one_service),
        )
        .route("/api/account/{account}/consumer", post(idp::consumer))
        .route(
            "/sentinel/api/account/{account}/authorize",
            get(oauth::authorize),
        )
        .route("/sentinel/api/account/{account}/token", post(oauth::token))
        .route(
            "/sentinel/api/account/{account}/token/revoke",
            post(oauth::revoke),
        )
        .route(
            "/sentinel/api/account/{account}/app/token",
            post(app_token::app_token_v1),
        )
        .route(
            "/sentinel/api/v2/account/{account}/app/token",
            post(app_token::app_token_v2),
        )
        .route("/sentinel/well-known/jwks", get(app_token::jwks))
        .fallback(|| async { html(StatusCode::NOT_FOUND, "Not Found") })
        .with_state(shared)
}
