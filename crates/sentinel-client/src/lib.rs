//! # sentinel-client
//!
//! The LivePerson Sentinel client, written once for every runtime: host discovery
//! through the Domain API, the AppJWT cached with single-flight renewal,
//! refresh-ahead and a failure cool-down, the user-token calls, ConsumerJWS, JWKS
//! verification with stale-while-revalidate, and the retry loop. It drives the
//! pure [`sentinel_proto`] (which builds requests, parses answers and decides) and
//! is generic over two small traits:
//!
//! - [`HttpClient`]: send one `http::Request<Vec<u8>>`, return the response or a
//!   `TransportError` (a closure is one);
//! - [`Runtime`]: the clock, timers, background tasks, random numbers.
//!
//! `sentinel-reqwest` supplies an `HttpClient` for reqwest, run on `TokioRuntime`;
//! `sentinel-isahc` one for isahc, run by the [`BlockingClient`] on a
//! [`ThreadRuntime`].
//!
//! ## Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `aws-lc-rs` | yes | JWT signatures checked with aws-lc-rs (`sentinel-proto`'s backend feature) |
//! | `ring` | no | JWT signatures checked with ring; with both on, aws-lc-rs wins |
//! | `tokio` | no | `TokioRuntime`: the [`Runtime`] of a tokio application |
//! | `tower` | no | `tower::AuthLayer`: the AppJWT (and ConsumerJWS) on the requests of any tower service |
//!
//! Verification needs one backend: without `aws-lc-rs` or `ring` here, some other
//! crate of the build must turn one on in `sentinel-proto`, or the build stops
//! with a message saying so.
//!
//! ```
//! use sentinel_client::{Client, ClientConfig, ThreadRuntime};
//! use sentinel_proto::{AccountId, ClientId, ClientSecret, Host};
//! # use sentinel_proto::error::TransportError;
//! let http = |_: http::Request<Vec<u8>>| async {
//!     Ok::<_, TransportError>(http::Response::new(
//!         br#"{"access_token":"a.b.c","token_type":"Bearer","expires_in":3600}"#.to_vec(),
//!     ))
//! };
//! let config = ClientConfig::new(AccountId::new("123456")?, ClientId::new("cid")?,
//!     ClientSecret::new("secret")).with_sentinel_host(Host::americas());
//! let client = Client::new(config, http, ThreadRuntime);
//! let first = pollster::block_on(client.app_token())?;
//! let again = pollster::block_on(client.app_token())?; // from the cache
//! assert!(std::sync::Arc::ptr_eq(&first, &again));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Contents
//!
//! | item | what it is |
//! |---|---|
//! | [`Client`] | every operation, async |
//! | [`BlockingClient`] | the same operations, blocking |
//! | [`ClientConfig`] | account, credentials, hosts, policies |
//! | [`DomainCache`] | the Domain API's all-services lists, per account, shareable |
//! | [`JwksSets`] | the JWKS of each Sentinel host, shareable: one fetch per rotation for many brands |
//! | [`Brands`] | many brands in one process: a client per (account, client id), one scheduler renewing them all |
//! | [`TokenStore`] | tokens shared by a fleet (one renewal per brand for all instances); [`MemoryTokenStore`], and `sentinel-redis` |
//! | [`HttpClient`], [`Runtime`], [`ThreadRuntime`], `TokioRuntime` | what the client runs on |
//! | [`auth`] | [`auth::Authorizer`]: the AppJWT (and ConsumerJWS) on your own requests, renewed once on a 401 |
//! | [`cache`] | [`RenewingCache`]: one value, renewed by one caller at a time |
//! | [`generate_state`], [`generate_code_verifier`] | values from the OS CSPRNG |
//!
//! Logging goes through `tracing`: spans name the operation, host, path and
//! attempt; events the status and retries; never a secret (errors are redacted
//! before they are logged or returned, see [`sentinel_proto::Error::redact`]).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod auth;
mod blocking;
pub mod brands;
pub mod cache;
mod client;
mod config;
mod consumers;
mod discovery;
mod pkce;
mod random;
mod runtime;
mod store;
#[cfg(feature = "tokio")]
mod tokio_runtime;
#[cfg(feature = "tower")]
pub mod tower;
mod verified;
mod verify;

pub use blocking::BlockingClient;
pub use brands::{
    BrandHandle, BrandKey, Brands, BrandsConfig, BrandsError, CredentialsMap, CredentialsSource,
    RunReport,
};
pub use cache::RenewingCache;
pub use client::{CachedAppJwt, CachedConsumerJws, Client};
pub use config::ClientConfig;
pub use discovery::DomainCache;
pub use random::{generate_code_verifier, generate_state};
pub use runtime::{
    BackgroundTask, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, HttpClient, Runtime, ThreadRuntime,
};
pub use store::{Lease, MemoryTokenStore, StoreError, StoreFuture, StoredToken, TokenStore};
#[cfg(feature = "tokio")]
pub use tokio_runtime::TokioRuntime;
pub use verify::JwksSets;

/// The workspace README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;
