//! A [`tower`](https://docs.rs/tower) layer that authorises every request of
//! any `tower::Service<http::Request<B>>` (hyper's client, tonic, tower-based
//! HTTP clients) with the AppJWT, and the ConsumerJWS of the request's
//! [`ExtConsumerId`](crate::auth::ExtConsumerId) extension if it has one; on a
//! `401` the tokens are renewed once and the request is sent once more.

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::{Context, Poll};

use tower_layer::Layer;
use tower_service::Service;

use crate::auth::{AuthError, Authorizer};
use crate::runtime::{HttpClient, Runtime};

/// Wraps services in [`AuthService`].
///
/// ```
/// use sentinel_client::{Client, ClientConfig, ThreadRuntime, auth::Authorizer, tower::AuthLayer};
/// use sentinel_proto::{AccountId, ClientId, ClientSecret, Host};
/// use tower_layer::Layer;
/// use tower_service::Service;
/// # use sentinel_proto::error::TransportError;
/// let sentinel = |_: http::Request<Vec<u8>>| async {
///     Ok::<_, TransportError>(http::Response::new(
///         br#"{"access_token":"a.b.c","token_type":"Bearer","expires_in":3600}"#.to_vec()))
/// };
/// let config = ClientConfig::new(AccountId::new("123456")?, ClientId::new("cid")?,
///     ClientSecret::new("secret")).with_sentinel_host(Host::americas());
/// let layer = AuthLayer::new(Authorizer::new(Client::new(config, sentinel, ThreadRuntime)));
///
/// // Any service of `http::Request`s: here one that checks the header.
/// let api = tower::service_fn(|req: http::Request<String>| async move {
///     assert_eq!(req.headers()["authorization"], "a.b.c");
///     Ok::<_, std::convert::Infallible>(http::Response::new(String::new()))
/// });
/// let mut api = layer.layer(api);
/// let resp = pollster::block_on(api.call(http::Request::new("hello".to_owned())))?;
/// assert_eq!(resp.status(), 200);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct AuthLayer<H, R> {
    auth: Authorizer<H, R>,
}

impl<H, R> AuthLayer<H, R> {
    /// A layer authorising with `auth`.
    pub fn new(auth: Authorizer<H, R>) -> Self {
        Self { auth }
    }
}

impl<H, R> Clone for AuthLayer<H, R> {
    fn clone(&self) -> Self {
        Self {
            auth: self.auth.clone(),
        }
    }
}

impl<H, R> std::fmt::Debug for AuthLayer<H, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthLayer").finish_non_exhaustive()
    }
}

impl<S, H, R> Layer<S> for AuthLayer<H, R> {
    type Service = AuthService<S, H, R>;

    fn layer(&self, inner: S) -> Self::Service {
        AuthService {
            inner,
            auth: self.auth.clone(),
        }
    }
}

/// A service whose requests carry the AppJWT (see [`AuthLayer`]). Its errors
/// are [`AuthError`]: no token could be had, or the inner service failed.
pub struct AuthService<S, H, R> {
    inner: S,
    auth: Authorizer<H, R>,
}

impl<S: Clone, H, R> Clone for AuthService<S, H, R> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            auth: self.auth.clone(),
        }
    }
}

impl<S, H, R> std::fmt::Debug for AuthService<S, H, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthService").finish_non_exhaustive()
    }
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S, B, RB, H, R> Service<http::Request<B>> for AuthService<S, H, R>
where
    S: Service<http::Request<B>, Response = http::Response<RB>> + Clone + Send + 'static,
    S::Future: Send,
    S::Error: Send,
    B: Clone + Send + 'static,
    RB: Send + 'static,
    H: HttpClient,
    R: Runtime,
{
    type Response = http::Response<RB>;
    type Error = AuthError<S::Error>;
    type Future = BoxFuture<Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(AuthError::Inner)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        // The service that was polled ready goes with this call; a clone stays
        // for the next (tower's documented pattern).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let auth = self.auth.clone();
        Box::pin(async move {
            let (request, retry) = auth.prepare(request).await.map_err(AuthError::Token)?;
            let response = inner.call(request).await.map_err(AuthError::Inner)?;
            let again = auth
                .retry(response.status(), retry)
                .await
                .map_err(AuthError::Token)?;
            match again {
                None => Ok(response),
                Some(again) => {
                    drop(response);
                    poll_fn(|cx| inner.poll_ready(cx))
                        .await
                        .map_err(AuthError::Inner)?;
                    inner.call(again).await.map_err(AuthError::Inner)
                }
            }
        })
    }
}
