//! # sentinel-isahc
//!
//! A blocking LivePerson Sentinel client on [`isahc`]: the
//! [`sentinel_proto::Client`] driven by an isahc transport, each call blocking the
//! calling thread until done. Every protocol decision (discovery, caching,
//! single-flight renewal across threads, retries) lives in `sentinel-proto`; this
//! crate only moves bytes.
//!
//! Defaults: a 10 s connect and 30 s total timeout, response bodies capped at
//! [`sentinel_proto::MAX_BODY_BYTES`] while they are read. Whatever `HttpClient`
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
//! | `sentinel_proto`, `sentinel_isahc` | all | operation, host, path, attempt, status; never a secret |
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
//! use sentinel_proto::{AccountId, ClientConfig, ClientId, ClientSecret};
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

mod transport;

use std::time::Duration;

use http::{Request, Response};
use sentinel_proto::jwt::{AppJwtClaims, IdTokenClaims, KeySet};
use sentinel_proto::{
    AppJwt, AuthorizationCode, CachedAppJwt, Client, ClientConfig, CodeVerifier, ConsumerJws,
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, Error, Expiry, Host, IdToken, PkceChallenge,
    RedirectUri, RefreshToken, Sentinel, State, TokenResponse,
};

pub use transport::IsahcTransport;

/// A blocking Sentinel client over isahc. Cheap to clone; clones share caches and
/// can be used from many threads.
///
/// ```no_run
/// # use sentinel_proto::*;
/// # fn run(client: sentinel_isahc::SentinelClient) -> Result<(), Error> {
/// let state = State::generate()?;
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
    inner: Client<IsahcTransport>,
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
        Ok(Self {
            inner: Client::new(config, IsahcTransport::new(connect_timeout, timeout)?),
        })
    }

    /// A client over the caller's own `isahc::HttpClient`, which keeps its TLS,
    /// timeout and proxy settings except for the three every request of this
    /// crate overrides: no redirect, HTTP/1.1 only, no proxy to a loopback host.
    pub fn with_http_client(config: ClientConfig, http: isahc::HttpClient) -> Self {
        Self {
            inner: Client::new(config, IsahcTransport::with_http_client(http)),
        }
    }

    /// The protocol client underneath.
    pub fn client(&self) -> &Client<IsahcTransport> {
        &self.inner
    }

    /// The Sentinel context, discovering the host if needed.
    pub fn sentinel(&self) -> Result<Sentinel, Error> {
        block_on(self.inner.sentinel())
    }

    /// The Identity Provider host, discovering it if needed.
    pub fn idp_host(&self) -> Result<Host, Error> {
        block_on(self.inner.idp_host())
    }

    /// The cached AppJWT; see [`Client::app_token`].
    pub fn app_token(&self) -> Result<CachedAppJwt, Error> {
        block_on(self.inner.app_token())
    }

    /// Requests a new AppJWT, bypassing the cache; see [`Client::fetch_app_token`].
    pub fn fetch_app_token(&self) -> Result<(AppJwt, Expiry), Error> {
        block_on(self.inner.fetch_app_token())
    }

    /// Forgets the cached AppJWT.
    pub fn invalidate_app_token(&self) {
        self.inner.invalidate_app_token();
    }

    /// Verifies an AppJWT; see [`Client::verify_app_token`].
    pub fn verify_app_token(&self, token: &AppJwt) -> Result<AppJwtClaims, Error> {
        block_on(self.inner.verify_app_token(token))
    }

    /// Verifies an ID token; see [`Client::verify_id_token`].
    pub fn verify_id_token(&self, token: &IdToken) -> Result<IdTokenClaims, Error> {
        block_on(self.inner.verify_id_token(token))
    }

    /// Sentinel's JWKS, cached; see [`Client::jwks`].
    pub fn jwks(&self) -> Result<KeySet, Error> {
        block_on(self.inner.jwks())
    }

    /// The authorize URL; see [`Client::authorize_url`].
    pub fn authorize_url(
        &self,
        redirect_uri: Option<&RedirectUri>,
        state: &State,
    ) -> Result<url::Url, Error> {
        block_on(self.inner.authorize_url(redirect_uri, state))
    }

    /// The authorize URL with a PKCE challenge; see [`Client::authorize_url_pkce`].
    pub fn authorize_url_pkce(
        &self,
        redirect_uri: Option<&RedirectUri>,
        state: &State,
        challenge: &PkceChallenge,
    ) -> Result<url::Url, Error> {
        block_on(
            self.inner
                .authorize_url_pkce(redirect_uri, state, challenge),
        )
    }

    /// Exchanges a PKCE code, never retried; see [`Client::exchange_code_pkce`].
    pub fn exchange_code_pkce(
        &self,
        code: &AuthorizationCode,
        redirect_uri: Option<&RedirectUri>,
        verifier: &CodeVerifier,
    ) -> Result<TokenResponse, Error> {
        block_on(self.inner.exchange_code_pkce(code, redirect_uri, verifier))
    }

    /// Exchanges a code, never retried; see [`Client::exchange_code`].
    pub fn exchange_code(
        &self,
        code: &AuthorizationCode,
        redirect_uri: Option<&RedirectUri>,
    ) -> Result<TokenResponse, Error> {
        block_on(self.inner.exchange_code(code, redirect_uri))
    }

    /// Refreshes user tokens; see [`Client::refresh`].
    pub fn refresh(&self, refresh_token: &RefreshToken) -> Result<TokenResponse, Error> {
        block_on(self.inner.refresh(refresh_token))
    }

    /// Revokes a refresh token; see [`Client::revoke`].
    pub fn revoke(&self, refresh_token: &RefreshToken) -> Result<(), Error> {
        block_on(self.inner.revoke(refresh_token))
    }

    /// A ConsumerJWS; see [`Client::consumer_jws`].
    pub fn consumer_jws(&self, ext_consumer_id: &str) -> Result<ConsumerJws, Error> {
        block_on(self.inner.consumer_jws(ext_consumer_id))
    }

    /// Sends any `sentinel-proto` request once and returns the raw response.
    pub fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, Error> {
        block_on(self.inner.send(request))
    }
}

/// Runs a core future on this thread. The transport completes its I/O before
/// returning each future, so only cache waits ever park the thread.
fn block_on<F: std::future::Future>(f: F) -> F::Output {
    pollster::block_on(f)
}
