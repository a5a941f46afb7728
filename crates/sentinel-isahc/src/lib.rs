#![doc = include_str!("../README.md")]
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
/// # fn run(client: sentinel_isahc::SentinelClient) -> Result<(), sentinel_proto::Error> {
/// let token = client.app_token()?; // blocks this thread; cached for all threads
/// let claims = client.verify_app_token(token.value())?;
/// # let _ = claims; Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct SentinelClient {
    inner: BlockingClient<IsahcHttp, ThreadRuntime>,
}

impl SentinelClient {
    /// A client over the caller's own `isahc::HttpClient`, which keeps its TLS,
    /// timeout and proxy settings except for the three every request of this
    /// crate overrides: no redirect, HTTP/1.1 only, no proxy to a loopback host.
    pub fn with_http_client(config: ClientConfig, http: isahc::HttpClient) -> Self {
        Self::over(config, IsahcHttp::with_http_client(http))
    }

    /// A client with its own isahc client and the given timeouts.
    pub fn with_timeouts(
        config: ClientConfig,
        connect_timeout: Duration,
        timeout: Duration,
    ) -> Result<Self, Error> {
        Ok(Self::over(
            config,
            IsahcHttp::new(connect_timeout, timeout)?,
        ))
    }

    /// A client with its own isahc client: default timeouts, no redirects, system
    /// proxies except to loopback hosts.
    pub fn new(config: ClientConfig) -> Result<Self, Error> {
        Self::with_timeouts(config, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT)
    }

    fn over(config: ClientConfig, http: IsahcHttp) -> Self {
        let inner = BlockingClient::new(config, http, ThreadRuntime);
        Self { inner }
    }
}

impl Deref for SentinelClient {
    type Target = BlockingClient<IsahcHttp, ThreadRuntime>;
    fn deref(&self) -> &Self::Target {
        &self.inner
    }
}
