//! # sentinel-reqwest
//!
//! An async LivePerson Sentinel client on [`reqwest`] and tokio: the
//! [`sentinel_client::Client`] over [`ReqwestHttp`] on [`TokioRuntime`]. Every
//! protocol decision (discovery, caching, single-flight renewal, retries) lives in
//! `sentinel-client` and `sentinel-proto`; this crate only moves bytes.
//!
//! Defaults: rustls, a 10 s connect and 30 s total timeout, redirects never
//! followed (also with [`SentinelClient::with_client_builder`]: a 3xx is an error,
//! never retried), response bodies capped at [`MAX_BODY_BYTES`](sentinel_proto::response::MAX_BODY_BYTES)
//! while they are read, `tracing` spans without secrets. Plain http to a loopback
//! host (127.0.0.0/8, `::1`, `localhost`) never goes through a proxy, whatever
//! `HTTP_PROXY`, `ALL_PROXY` or the builder say; https follows the proxy settings
//! (the tunnel is end to end, the proxy sees the host and port only). Those
//! loopback requests use a client of this crate's own, with the timeouts of
//! [`SentinelClient::with_timeouts`] (the defaults for a caller's builder).
//!
//! ## Logging
//!
//! No target carries a secret at any level, `TRACE` included, for the requests
//! this crate sends: `sentinel_proto` and `sentinel_reqwest` spans name the
//! operation, host, path and status; reqwest (which logs through `log`) and
//! hyper name connections and hosts, not paths, queries, headers or bodies.
//! The one reqwest setting that dumps the wire, `connection_verbose`
//! (`reqwest::connect::verbose` at TRACE), is forced off, for a caller's builder
//! too.
//!
//! ```no_run
//! use sentinel_client::ClientConfig;
//! use sentinel_proto::{AccountId, ClientId, ClientSecret};
//! use sentinel_reqwest::SentinelClient;
//!
//! # async fn run() -> Result<(), sentinel_proto::Error> {
//! let config = ClientConfig::new(
//!     AccountId::new("123456")?,
//!     ClientId::new("my-client-id")?,
//!     ClientSecret::new(std::env::var("SENTINEL_CLIENT_SECRET").unwrap_or_default()),
//! );
//! let client = SentinelClient::new(config)?;
//! // Discovers the Sentinel host, fetches an AppJWT, caches it:
//! let token = client.app_token().await?;
//! // ... use token.value().secret() in an Authorization header.
//! # let _ = token;
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod http;
mod runtime;

use std::ops::Deref;
use std::time::Duration;

use sentinel_client::{Client, ClientConfig, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT};
use sentinel_proto::Error;

pub use http::ReqwestHttp;
pub use runtime::TokioRuntime;

/// An async Sentinel client over reqwest. Cheap to clone; clones share caches.
///
/// Every operation is [`sentinel_client::Client`]'s, reached through `Deref`;
/// `sentinel_isahc::SentinelClient` has the same ones, blocking.
///
/// ```no_run
/// # use sentinel_proto::Error;
/// # use sentinel_proto::user::{RedirectUri, parse_callback};
/// # async fn run(client: sentinel_reqwest::SentinelClient) -> Result<(), Error> {
/// let state = sentinel_client::generate_state()?;
/// let redirect = RedirectUri::new("https://app.example/callback")?;
/// let url = client.authorize_url(Some(&redirect), &state).await?;
/// // ... the browser comes back to the redirect URI:
/// # let callback = String::new();
/// let code = parse_callback(&callback, &state)?;
/// let tokens = client.exchange_code(&code, Some(&redirect)).await?;
/// if let Some(rt) = &tokens.refresh_token {
///     let renewed = client.refresh(rt).await?;
///     client.revoke(renewed.refresh_token.as_ref().unwrap_or(rt)).await?;
/// }
/// # let _ = url; Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct SentinelClient {
    inner: Client<ReqwestHttp, TokioRuntime>,
}

impl SentinelClient {
    /// A client with its own reqwest client: rustls, default timeouts, no redirects.
    pub fn new(config: ClientConfig) -> Result<Self, Error> {
        Self::with_timeouts(config, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT)
    }

    /// A client with its own reqwest client and the given timeouts.
    pub fn with_timeouts(
        config: ClientConfig,
        connect_timeout: Duration,
        timeout: Duration,
    ) -> Result<Self, Error> {
        let builder = reqwest::Client::builder()
            .use_rustls_tls()
            .connect_timeout(connect_timeout)
            .timeout(timeout);
        let http =
            ReqwestHttp::from_builder(builder)?.with_loopback_timeouts(connect_timeout, timeout);
        Ok(Self {
            inner: Client::new(config, http, TokioRuntime),
        })
    }

    /// A client over a reqwest client built from the caller's `builder` (TLS roots,
    /// proxies, timeouts, user agent...), with redirects turned off whatever the
    /// builder said. A `reqwest::Client` cannot be taken as is: one that follows
    /// redirects re-sends a 307/308 body, credentials included, to the new host.
    ///
    /// ```no_run
    /// # fn run(config: sentinel_client::ClientConfig) -> Result<(), sentinel_proto::Error> {
    /// let builder = reqwest::Client::builder().user_agent("my-app/1.0");
    /// let client = sentinel_reqwest::SentinelClient::with_client_builder(config, builder)?;
    /// # let _ = client; Ok(()) }
    /// ```
    pub fn with_client_builder(
        config: ClientConfig,
        builder: reqwest::ClientBuilder,
    ) -> Result<Self, Error> {
        Ok(Self {
            inner: Client::new(config, ReqwestHttp::from_builder(builder)?, TokioRuntime),
        })
    }

    /// The client underneath.
    pub fn client(&self) -> &Client<ReqwestHttp, TokioRuntime> {
        &self.inner
    }
}

impl Deref for SentinelClient {
    type Target = Client<ReqwestHttp, TokioRuntime>;
    fn deref(&self) -> &Self::Target {
        &self.inner
    }
}
