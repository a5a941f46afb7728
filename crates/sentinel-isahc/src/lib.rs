//! # sentinel-isahc
//!
//! A blocking LivePerson Sentinel client on [`isahc`]: the
//! [`sentinel_proto::Client`] driven by an isahc transport, each call blocking the
//! calling thread until done. Every protocol decision (discovery, caching,
//! single-flight renewal across threads, retries) lives in `sentinel-proto`; this
//! crate only moves bytes.
//!
//! Defaults: a 10 s connect and 30 s total timeout, redirects never followed,
//! response bodies capped at [`sentinel_proto::MAX_BODY_BYTES`] while they are read.
//!
//! Logging: this crate's spans name the operation, host and path, never a secret.
//! isahc's own spans (which carry the full request URI) are silenced for the
//! requests this client sends. isahc also dumps every byte on the wire, request
//! bodies and so client secrets included, at `TRACE` under the target
//! `isahc::wire`, from its own thread; no client can filter that, so keep that
//! target off in production (`RUST_LOG=...,isahc::wire=off`).
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
    AppJwt, AuthorizationCode, CachedAppJwt, Client, ClientConfig, ConsumerJws,
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, Error, Expiry, Host, IdToken, RedirectUri,
    RefreshToken, Sentinel, State, TokenResponse,
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
    /// A client with its own isahc client: default timeouts, no redirects.
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

    /// A client over the caller's own `isahc::HttpClient`. Build it with
    /// `RedirectPolicy::None`: a redirect is a way to send credentials elsewhere.
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
