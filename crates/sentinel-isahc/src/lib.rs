//! # sentinel-isahc
//!
//! A blocking LivePerson Sentinel client on [`isahc`]: the
//! [`sentinel_client::BlockingClient`] over [`IsahcHttp`] on a
//! [`ThreadRuntime`](sentinel_client::ThreadRuntime), each call blocking the
//! calling thread until done. Every protocol decision (discovery, caching,
//! single-flight renewal across threads, retries) lives in `sentinel-client` and
//! `sentinel-proto`; this crate only moves bytes.
//!
//! Defaults: a 10 s connect and 30 s total timeout, response bodies capped at
//! [`MAX_BODY_BYTES`](sentinel_proto::response::MAX_BODY_BYTES) while they are read. Whatever `HttpClient`
//! sends them (this crate's or one given to [`SentinelClient::with_http_client`]),
//! the requests of this crate are configured one by one: redirects are never
//! followed (a 3xx is an error, never retried), HTTP/1.1 is the only version
//! negotiated, and no proxy is used for a loopback host (127.0.0.0/8, `::1`,
//! `localhost`), whatever `http_proxy`, `HTTPS_PROXY` or `ALL_PROXY` say.
//!
//! ## Logging
//!
//! What each target may carry, for the requests this crate sends, with `tracing`'s
//! `log` feature on or off:
//!
//! | target | levels | carries |
//! |---|---|---|
//! | `sentinel_client`, `sentinel_isahc` | all | operation, host, path, attempt, status; never a secret |
//! | `isahc::handler` | DEBUG | curl's verbose text: hosts, ports, TLS version, ALPN, byte counts |
//! | other `isahc::*` | all | agent and connection life; isahc's request spans (which record the full URI) are disabled for these requests |
//! | **`isahc::wire`** | **TRACE** | **every byte sent and received: request line, headers (`Authorization`), bodies (client secret, code, refresh token) and the tokens in the answers** |
//!
//! So any level is safe for every target except `isahc::wire` at TRACE:
//! `RUST_LOG=debug` is safe, and so is `RUST_LOG=trace,isahc::wire=off`;
//! `RUST_LOG=trace` is not.
//!
//! Why HTTP/1.1: when `tracing`'s `log` feature is on anywhere in the build (tower,
//! and so axum, turn it on), isahc 2 turns on curl's verbose mode for every
//! request, and no client setting turns it off. Over HTTP/2 curl's verbose text,
//! which isahc logs at DEBUG under `isahc::handler`, lists the full URL (a legacy
//! request has the client secret in its query) and every request header
//! (`Authorization: <AppJWT>` on a ConsumerJWS request). Over HTTP/1.1 headers
//! and bodies appear only in the `isahc::wire` dump.
//!
//! To keep isahc's spans off, each request is sent under a thread-scoped `tracing`
//! dispatcher that enables nothing. A side effect: once a scoped dispatcher has
//! existed, `tracing` no longer forwards its events to the `log` crate (that
//! fallback only runs while no dispatcher was ever set), so an application that
//! logs only through `log`, with no `tracing` subscriber, stops seeing `tracing`
//! events from any crate after the first request. Install a `tracing` subscriber
//! (with `tracing-log` for `log` records) instead.
//!
//! ```no_run
//! use sentinel_client::ClientConfig;
//! use sentinel_proto::{AccountId, ClientId, ClientSecret};
//! use sentinel_isahc::SentinelClient;
//!
//! let config = ClientConfig::new(
//!     AccountId::new("123456")?,
//!     ClientId::new("my-client-id")?,
//!     ClientSecret::new(std::env::var("SENTINEL_CLIENT_SECRET").unwrap_or_default()),
//! );
//! let client = SentinelClient::new(config)?;
//! let token = client.app_token()?; // cached; one request however many threads ask
//! # let _ = token;
//! # Ok::<(), sentinel_proto::Error>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod http;

use std::ops::Deref;
use std::time::Duration;

use sentinel_client::{
    BlockingClient, ClientConfig, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, ThreadRuntime,
};
use sentinel_proto::Error;

pub use http::IsahcHttp;

/// A blocking Sentinel client over isahc. Cheap to clone; clones share caches and
/// can be used from many threads.
///
/// Every operation is [`BlockingClient`]'s, reached through `Deref`: the same
/// names as `sentinel_reqwest::SentinelClient`'s, without `.await`.
///
/// ```no_run
/// # use sentinel_proto::Error;
/// # use sentinel_proto::user::parse_callback;
/// # fn run(client: sentinel_isahc::SentinelClient) -> Result<(), Error> {
/// let state = sentinel_client::generate_state()?;
/// let url = client.authorize_url(None, &state)?;
/// // ... the browser comes back to the redirect URI:
/// # let callback = String::new();
/// let code = parse_callback(&callback, &state)?;
/// let tokens = client.exchange_code(&code, None)?;
/// if let Some(rt) = &tokens.refresh_token {
///     client.revoke(rt)?;
/// }
/// # let _ = url; Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct SentinelClient {
    inner: BlockingClient<IsahcHttp, ThreadRuntime>,
}

impl SentinelClient {
    /// A client with its own isahc client: default timeouts, no redirects, system
    /// proxies except to loopback hosts.
    pub fn new(config: ClientConfig) -> Result<Self, Error> {
        Self::with_timeouts(config, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT)
    }

    /// A client with its own isahc client and the given timeouts.
    pub fn with_timeouts(
        config: ClientConfig,
        connect_timeout: Duration,
        timeout: Duration,
    ) -> Result<Self, Error> {
        let http = IsahcHttp::new(connect_timeout, timeout)?;
        Ok(Self {
            inner: BlockingClient::new(config, http, ThreadRuntime),
        })
    }

    /// A client over the caller's own `isahc::HttpClient`, which keeps its TLS,
    /// timeout and proxy settings except for the three every request of this
    /// crate overrides: no redirect, HTTP/1.1 only, no proxy to a loopback host.
    pub fn with_http_client(config: ClientConfig, http: isahc::HttpClient) -> Self {
        Self {
            inner: BlockingClient::new(config, IsahcHttp::with_http_client(http), ThreadRuntime),
        }
    }

    /// The client underneath.
    pub fn client(&self) -> &BlockingClient<IsahcHttp, ThreadRuntime> {
        &self.inner
    }
}

impl Deref for SentinelClient {
    type Target = BlockingClient<IsahcHttp, ThreadRuntime>;
    fn deref(&self) -> &Self::Target {
        &self.inner
    }
}
