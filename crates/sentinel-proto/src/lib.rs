//! # sentinel-proto
//!
//! The sans-IO core of a client for LivePerson's Sentinel identity broker: it builds
//! every request as an [`http::Request<Vec<u8>>`], parses every answer from an
//! [`http::Response`] of bytes, verifies JWTs, and keeps token lifetimes — without
//! sockets, an async runtime or a clock. Time is a parameter ([`UnixTime`]);
//! randomness is drawn only for [`State`] and the opt-in PKCE [`CodeVerifier`], and
//! can be injected (`from_random_bytes`).
//!
//! Bring your own HTTP stack, or use `sentinel-reqwest` (async) or
//! `sentinel-isahc` (blocking), which drive this crate.
//!
//! Data flows one way: build a request, send it however you like, parse the
//! response into a typed result or a typed [`Error`].
//!
//! ```
//! use sentinel_proto::*;
//!
//! let sentinel = Sentinel::new(
//!     Host::parse("va.sentinel.liveperson.net")?,
//!     AccountId::new("123456")?,
//!     ClientId::new("my-client-id")?,
//!     ClientSecret::new("my-secret"),
//! );
//! let request = sentinel.app_token_request(AppJwtVersion::V1)?;
//! assert_eq!(request.method(), http::Method::POST);
//! // ... send it with any client, then:
//! let response = http::Response::builder()
//!     .status(200)
//!     .body(br#"{"access_token":"eyJ...","token_type":"Bearer","expires_in":3600}"#.to_vec())?;
//! let token = parse_app_token_response(&response)?;
//! assert_eq!(token.expires_in, Some(std::time::Duration::from_secs(3600)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Security properties: secrets and tokens are types whose `Debug` is redacted and
//! that have no `Display`; errors never contain them; client credentials go in
//! request bodies (the query-string form is a named legacy option); plain http is
//! accepted only to loopback hosts; response bodies are capped before parsing.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    warn(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

mod app_token;
mod authorize;
mod cache;
mod client;
mod consumer;
mod ct;
mod domain;
mod error;
mod host;
mod ids;
mod json;
mod oauth_error;
mod redact;
mod redirect;
mod request;
mod response;
mod retry;
mod revoke;
mod secret;
mod sentinel;
mod time;
mod token;
mod well_known;

#[cfg(feature = "jwt")]
pub mod jwt;

pub use app_token::{AppJwtVersion, AppTokenResponse, parse_app_token_response};
pub use authorize::{CallbackError, PkceChallenge, State, parse_callback};
pub use cache::{
    Cached, Expiry, Freshness, Outcome, Poll, RefreshPolicy, Renewal, RenewingCache, Waiter,
};
pub use client::{
    BackgroundTask, CachedAppJwt, Client, ClientConfig, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT,
    Transport,
};
pub use consumer::{consumer_jws_request, parse_consumer_jws_response};
pub use domain::{DomainApi, LIVEPERSON_DOMAIN, SERVICE_IDP, SERVICE_SENTINEL, ServiceList};
pub use error::{
    BodyError, Error, InputError, JsonErrorKind, RawBody, RetryAfter, TransportError,
    TransportErrorKind,
};
pub use host::{Host, Scheme};
pub use ids::{AccountId, ClientId};
pub use oauth_error::{OAuthError, OAuthErrorCode};
pub use redact::{REDACTED, Redactor};
pub use redirect::RedirectUri;
pub use request::{ApiVersion, FORM_CONTENT_TYPE, USER_AGENT};
pub use response::{BodyLimit, MAX_BODY_BYTES, success_body};
pub use retry::{Operation, RetryPolicy, jitter_seed};
pub use revoke::parse_revoke_response;
pub use secret::{
    AccessToken, AppJwt, AuthorizationCode, ClientSecret, CodeVerifier, ConsumerJws, IdToken,
    RefreshToken,
};
pub use sentinel::Sentinel;
pub use time::UnixTime;
pub use token::{TokenResponse, parse_token_response};

pub use http;
pub use url;

#[cfg(feature = "jwt")]
pub use well_known::parse_jwks_response;
