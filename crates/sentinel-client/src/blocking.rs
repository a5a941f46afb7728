//! The same client for blocking callers: every operation of [`Client`] under the
//! same name, without `.await`.

use std::ops::Deref;

use http::{Request, Response};
use sentinel_proto::jwt::{AppJwtClaims, IdTokenClaims, KeySet};
use std::sync::Arc;

use sentinel_proto::domain::ServiceList;
use sentinel_proto::policy::{Cached, Expiry};
use sentinel_proto::user::{PkceChallenge, RedirectUri, State, TokenResponse};
use sentinel_proto::{
    AppJwt, AuthorizationCode, CodeVerifier, ConsumerJws, Error, Host, IdToken, RefreshToken,
    Sentinel,
};

use crate::client::{CachedAppJwt, CachedConsumerJws, Client};
use crate::config::ClientConfig;
use crate::runtime::{HttpClient, Runtime, ThreadRuntime};

/// A [`Client`] driven to completion on the calling thread: for blocking HTTP
/// clients (isahc, ureq) on a [`ThreadRuntime`]. Cheap to clone; clones share
/// caches and may be used from many threads.
///
/// Every async operation of [`Client`] is here under the same name, blocking; the
/// others (`config`, `invalidate_app_token`, ...) are reached through `Deref`. The
/// list is written once, below, and a test checks it against [`Client`]'s.
///
/// ```
/// use sentinel_client::{BlockingClient, ClientConfig, ThreadRuntime};
/// use sentinel_proto::{AccountId, ClientId, ClientSecret, Host};
/// # use sentinel_proto::error::TransportError;
/// let http = |_: http::Request<Vec<u8>>| async {
///     Ok::<_, TransportError>(http::Response::new(
///         br#"{"access_token":"a.b.c","token_type":"Bearer","expires_in":3600}"#.to_vec(),
///     ))
/// };
/// let config = ClientConfig::new(AccountId::new("123456")?, ClientId::new("cid")?,
///     ClientSecret::new("secret")).with_sentinel_host(Host::americas());
/// let client = BlockingClient::new(config, http, ThreadRuntime);
/// assert_eq!(client.app_token()?.value().secret(), "a.b.c");
/// assert_eq!(client.config().account().as_str(), "123456"); // through Deref
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct BlockingClient<H, R = ThreadRuntime> {
    inner: Client<H, R>,
}

impl<H, R> Clone for BlockingClient<H, R> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

impl<H, R> std::fmt::Debug for BlockingClient<H, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("BlockingClient").field(&self.inner).finish()
    }
}

impl<H: HttpClient, R: Runtime> BlockingClient<H, R> {
    /// A client with `config`, sending through `http`, on `runtime`.
    pub fn new(config: ClientConfig, http: H, runtime: R) -> Self {
        Self::from_client(Client::new(config, http, runtime))
    }

    /// Wraps an async client (its HTTP client must complete its futures when
    /// called, as blocking ones do, or they are driven here).
    pub fn from_client(inner: Client<H, R>) -> Self {
        Self { inner }
    }

    /// The async client underneath.
    pub fn client(&self) -> &Client<H, R> {
        &self.inner
    }
}

impl<H, R> Deref for BlockingClient<H, R> {
    type Target = Client<H, R>;
    fn deref(&self) -> &Client<H, R> {
        &self.inner
    }
}

/// Runs a client future on this thread. With a blocking HTTP client and a
/// [`ThreadRuntime`] every future but a cache wait is complete when first
/// polled; a cache wait parks the thread until the renewal it waits for ends.
pub(crate) fn block_on<F: std::future::Future>(f: F) -> F::Output {
    // The common case first, with no waker to make: pollster's costs an
    // allocation, a mutex and a condition variable on every call, more than
    // the rest of a cached read. A future left pending has registered nothing
    // that matters (the no-op waker); pollster's next poll registers its own.
    let mut f = std::pin::pin!(f);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match f.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(v) => v,
        std::task::Poll::Pending => pollster::block_on(f),
    }
}

/// One blocking twin per async operation, from one list.
macro_rules! blocking {
    ($( $(#[$doc:meta])* fn $name:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty; )*) => {
        impl<H: HttpClient, R: Runtime> BlockingClient<H, R> {
            $(
                $(#[$doc])*
                pub fn $name(&self $(, $arg: $ty)*) -> $ret {
                    block_on(self.inner.$name($($arg),*))
                }
            )*
        }

        #[cfg(test)]
        const BLOCKING_OPERATIONS: &[&str] = &[$(stringify!($name)),*];
    };
}

blocking! {
    /// [`Client::send`], blocking.
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, Error>;
    /// [`Client::sentinel`], blocking.
    fn sentinel(&self) -> Result<Sentinel, Error>;
    /// [`Client::idp_host`], blocking.
    fn idp_host(&self) -> Result<Host, Error>;
    /// [`Client::service`], blocking.
    fn service(&self, service: &str) -> Result<Host, Error>;
    /// [`Client::services`], blocking.
    fn services(&self) -> Result<Arc<Cached<ServiceList>>, Error>;
    /// [`Client::app_token`], blocking.
    fn app_token(&self) -> Result<CachedAppJwt, Error>;
    /// [`Client::renew_app_token`], blocking.
    fn renew_app_token(&self) -> Result<CachedAppJwt, Error>;
    /// [`Client::fetch_app_token`], blocking.
    fn fetch_app_token(&self) -> Result<(AppJwt, Expiry), Error>;
    /// [`Client::authorize_url`], blocking.
    fn authorize_url(&self, redirect_uri: Option<&RedirectUri>, state: &State) -> Result<url::Url, Error>;
    /// [`Client::authorize_url_pkce`], blocking.
    fn authorize_url_pkce(&self, redirect_uri: Option<&RedirectUri>, state: &State, challenge: &PkceChallenge) -> Result<url::Url, Error>;
    /// [`Client::exchange_code`], blocking.
    fn exchange_code(&self, code: &AuthorizationCode, redirect_uri: Option<&RedirectUri>) -> Result<TokenResponse, Error>;
    /// [`Client::exchange_code_pkce`], blocking.
    fn exchange_code_pkce(&self, code: &AuthorizationCode, redirect_uri: Option<&RedirectUri>, verifier: &CodeVerifier) -> Result<TokenResponse, Error>;
    /// [`Client::refresh`], blocking.
    fn refresh(&self, refresh_token: &RefreshToken) -> Result<TokenResponse, Error>;
    /// [`Client::revoke`], blocking.
    fn revoke(&self, refresh_token: &RefreshToken) -> Result<(), Error>;
    /// [`Client::consumer_jws`], blocking.
    fn consumer_jws(&self, ext_consumer_id: &str) -> Result<CachedConsumerJws, Error>;
    /// [`Client::fetch_consumer_jws`], blocking.
    fn fetch_consumer_jws(&self, ext_consumer_id: &str) -> Result<(ConsumerJws, Expiry), Error>;
    /// [`Client::jwks`], blocking.
    fn jwks(&self) -> Result<KeySet, Error>;
    /// [`Client::verify_app_token`], blocking.
    fn verify_app_token(&self, token: &AppJwt) -> Result<AppJwtClaims, Error>;
    /// [`Client::verify_id_token`], blocking.
    fn verify_id_token(&self, token: &IdToken) -> Result<IdTokenClaims, Error>;
}

#[cfg(test)]
mod tests {
    use super::BLOCKING_OPERATIONS;

    /// Every `pub async fn` of the client has its blocking twin, and no twin is
    /// left over: the two surfaces cannot drift apart.
    #[test]
    fn every_async_operation_has_a_blocking_twin() {
        let sources = [
            include_str!("client.rs"),
            include_str!("verify.rs"),
            include_str!("pkce.rs"),
        ];
        let mut async_ops: Vec<&str> = sources
            .iter()
            .flat_map(|s| s.lines())
            .filter_map(|l| l.trim_start().strip_prefix("pub async fn "))
            .filter_map(|rest| rest.split(['(', '<']).next())
            .collect();
        async_ops.sort_unstable();
        let mut blocking = BLOCKING_OPERATIONS.to_vec();
        blocking.sort_unstable();
        assert_eq!(async_ops, blocking);
    }
}
