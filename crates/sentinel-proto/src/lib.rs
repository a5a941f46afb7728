//! # sentinel-proto
//!
//! The sans-IO core of a client for LivePerson's Sentinel identity broker: it builds
//! every request as an [`http::Request<Vec<u8>>`], parses every answer from an
//! [`http::Response`] of bytes, verifies JWTs, and decides when to retry and when
//! to renew — without sockets, an async runtime, a clock or a random number
//! generator. Time and randomness are arguments ([`UnixTime`], `random: u64`,
//! `from_random_bytes`); nothing here blocks, locks, logs or spawns.
//!
//! Bring your own HTTP stack, or use `sentinel-client` (discovery, caches,
//! retries, JWKS, once for every runtime) through `sentinel-reqwest` (async) or
//! `sentinel-isahc` (blocking).
//!
//! Data flows one way: build a request, send it however you like, parse the
//! response into a typed result or a typed [`Error`]:
//!
//! ```
//! use sentinel_proto::{AccountId, ClientId, ClientSecret, Host, Redactor, Sentinel};
//! use sentinel_proto::app_token::{AppJwtVersion, parse_app_token_response};
//!
//! let sentinel = Sentinel::new(
//!     Host::parse("va.sentinel.liveperson.net")?,
//!     AccountId::new("123456")?,
//!     ClientId::new("my-client-id")?,
//!     ClientSecret::new("my-secret"),
//! );
//! let request = sentinel.app_token_request(AppJwtVersion::V1)?;
//! assert_eq!(request.method(), http::Method::POST);
//! let redactor = Redactor::from_request(&request); // before sending: see "Errors"
//! // ... send it with any client, then:
//! let response = http::Response::builder()
//!     .status(200)
//!     .body(br#"{"access_token":"eyJ...","token_type":"Bearer","expires_in":3600}"#.to_vec())?;
//! let token = parse_app_token_response(&response).map_err(|e| e.redact(&redactor))?;
//! assert_eq!(token.expires_in, Some(std::time::Duration::from_secs(3600)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Contents
//!
//! | module | what it holds |
//! |---|---|
//! | [`app_token`] | AppJWT (client credentials, V1 and V2): [`Sentinel::app_token_request`] (or [`Sentinel::prepare_app_token_request`], built once and sent many times), [`app_token::parse_app_token_response`] |
//! | [`user`] | a person's login: [`Sentinel::authorize_url`], [`user::parse_callback`] and its [`user::State`], [`Sentinel::exchange_code_request`], [`Sentinel::refresh_request`], [`Sentinel::revoke_request`], PKCE, [`user::parse_token_response`] |
//! | [`domain`] | LivePerson's Domain API: [`domain::DomainApi`] finds the hosts, allow-listed |
//! | [`consumer`] | ConsumerJWS from the Identity Provider: [`consumer::Idp`] |
//! | [`jwt`] | RS256 verification of AppJWTs and ID tokens, key sets, the JWKS policy |
//! | [`policy`] | when to retry ([`policy::RetryPolicy`]) and when to renew ([`policy::RefreshPolicy`]) |
//! | [`error`] | [`Error`] and its nested kinds, OAuth errors |
//! | [`redact`] | cutting echoed secrets out of server text ([`Redactor`]) |
//! | [`request`], [`response`] | what every request and answer shares: headers, the body cap |
//!
//! At the root: the context every request is built from ([`Sentinel`]), the
//! validated names ([`Host`], [`AccountId`], [`ClientId`]), the secret types
//! ([`ClientSecret`], [`AppJwt`], [`AccessToken`], [`RefreshToken`], [`IdToken`],
//! [`AuthorizationCode`], [`CodeVerifier`], [`ConsumerJws`]), [`UnixTime`],
//! [`Error`] and [`Redactor`].
//!
//! ## Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `jwt` | yes | the [`jwt`] module; needs one backend below, or the build stops with a `compile_error!` saying so |
//! | `aws-lc-rs` | yes | `jwt`, signatures checked with aws-lc-rs (what rustls and reqwest 0.13 build by default) |
//! | `ring` | no | `jwt`, signatures checked with ring |
//! | `sha2` | no | the PKCE S256 challenge without a backend (pure-Rust `sha2`); with a backend on, its SHA-256 is used |
//!
//! Features are additive: with both backends on (as `--all-features` does),
//! aws-lc-rs verifies and ring is unused; `jwt::CRYPTO_BACKEND` names the one in
//! use. The two give the same answers (the JWT tests run on both). Without `jwt`
//! and `sha2` the crate has no crypto dependency at all (and no PKCE challenge).
//!
//! ## Errors
//!
//! Every parser returns an [`Error`] that says what was wrong without echoing a
//! value. Server text it keeps (an OAuth `error_description`, an error page) is
//! withheld from `Display` and `Debug` until [`Error::redact`] has cut out the
//! secrets of the request that caused it: a hostile server may echo them.
//!
//! ## Security properties
//!
//! Secrets and tokens are types whose `Debug` is redacted and that have no
//! `Display`; errors never contain them; client credentials go in request bodies
//! (the query-string form is a named legacy option); plain http is accepted only to
//! loopback hosts; hosts named by the Domain API are allow-listed; response bodies
//! are capped before parsing.
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

pub mod app_token;
mod body_json;
pub mod consumer;
mod ct;
pub mod domain;
pub mod error;
mod host;
mod ids;
#[cfg(feature = "jwt")]
pub mod jwt;
mod oauth_error;
pub mod policy;
pub mod redact;
pub mod request;
pub mod response;
mod secret;
mod sentinel;
#[cfg(any(feature = "aws-lc-rs", feature = "ring", feature = "sha2"))]
mod sha256;
mod time;
pub mod user;

pub use error::Error;
pub use host::{Host, Scheme};
pub use ids::{AccountId, ClientId};
pub use redact::Redactor;
pub use request::ApiVersion;
pub use secret::{
    AccessToken, AppJwt, AuthorizationCode, ClientSecret, CodeVerifier, ConsumerJws, IdToken,
    RefreshToken,
};
pub use sentinel::Sentinel;
pub use time::UnixTime;

pub use http;
pub use url;
