#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(not(any(feature = "rustls", feature = "native-tls")))]
compile_error!(
    "sentinel-reqwest needs a TLS backend: enable `rustls` (the default) or `native-tls`"
);

mod http;
#[cfg(feature = "middleware")]
mod middleware;

use std::ops::Deref;
use std::time::Duration;

use sentinel_client::{Client, ClientConfig, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT};
use sentinel_proto::Error;

pub use http::ReqwestHttp;
#[cfg(feature = "middleware")]
pub use middleware::AuthMiddleware;
pub use sentinel_client::TokioRuntime;
pub use sentinel_client::auth;
#[cfg(feature = "tower")]
pub use sentinel_client::tower;

/// An async Sentinel client over reqwest. Cheap to clone; clones share caches.
///
/// Every operation is [`sentinel_client::Client`]'s, reached through `Deref`;
/// `sentinel_isahc::SentinelClient` has the same ones, blocking.
///
/// ```no_run
/// # async fn run(client: sentinel_reqwest::SentinelClient) -> Result<(), sentinel_proto::Error> {
/// let token = client.app_token().await?; // cached, renewed ahead of expiry
/// let claims = client.verify_app_token(token.value()).await?;
/// # let _ = claims; Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct SentinelClient {
    inner: Client<ReqwestHttp, TokioRuntime>,
}

impl SentinelClient {
    /// A client with its own reqwest client: rustls (or native-tls when only that
    /// feature is on), default timeouts, no redirects.
    pub fn new(config: ClientConfig) -> Result<Self, Error> {
        Self::with_timeouts(config, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT)
    }

    /// A client with its own reqwest client and the given timeouts.
    pub fn with_timeouts(
        config: ClientConfig,
        connect_timeout: Duration,
        timeout: Duration,
    ) -> Result<Self, Error> {
        let builder = reqwest::Client::builder();
        #[cfg(feature = "rustls")]
        let builder = builder.tls_backend_rustls();
        #[cfg(all(feature = "native-tls", not(feature = "rustls")))]
        let builder = builder.tls_backend_native();
        let builder = builder.connect_timeout(connect_timeout).timeout(timeout);
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

    /// The client underneath (to clone, or to pass where a `Client` is taken).
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
