//! The AppJWT on the requests of a `reqwest_middleware::ClientWithMiddleware`:
//! [`sentinel_client::auth::Authorizer`] as a [`reqwest_middleware::Middleware`].

use http::{Extensions, HeaderMap};
use reqwest::{Request, Response};
use reqwest_middleware::{Middleware, Next};
use sentinel_client::auth::{AuthScheme, Authorizer, ExtConsumerId, Resendable};

use crate::{ReqwestHttp, SentinelClient, TokioRuntime};

/// Sets `Authorization` to the cached AppJWT on every request (and
/// `X-LP-ON-BEHALF` to a ConsumerJWS when the request has an
/// [`ExtConsumerId`] extension); after a `401` renews them once and sends the
/// request once more, if its body can be cloned. Token failures are
/// `reqwest_middleware::Error::Middleware` holding the [`sentinel_proto::Error`].
///
/// ```no_run
/// # async fn run(sentinel: sentinel_reqwest::SentinelClient) -> Result<(), Box<dyn std::error::Error>> {
/// use sentinel_client::auth::ExtConsumerId;
/// let api = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
///     .with(sentinel_reqwest::AuthMiddleware::new(&sentinel))
///     .build();
/// let resp = api.post("https://va.msg.liveperson.net/api/account/123456/messaging/consumer/conversation/send?v=3")
///     .with_extension(ExtConsumerId::new("consumer-42"))
///     .body(r#"{"kind":"req"}"#)
///     .send().await?;
/// # let _ = resp; Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct AuthMiddleware {
    auth: Authorizer<ReqwestHttp, TokioRuntime>,
}

impl AuthMiddleware {
    /// With `sentinel`'s tokens, the AppJWT written raw (as LivePerson's APIs take it).
    pub fn new(sentinel: &SentinelClient) -> Self {
        Self::with_scheme(sentinel, AuthScheme::default())
    }

    /// With `sentinel`'s tokens, the AppJWT written as `scheme` says.
    pub fn with_scheme(sentinel: &SentinelClient, scheme: AuthScheme) -> Self {
        Self {
            auth: Authorizer::with_scheme(sentinel.client().clone(), scheme),
        }
    }
}

/// A reqwest request with the consumer its extensions named.
struct Outgoing(Request, Option<ExtConsumerId>);

impl Resendable for Outgoing {
    fn headers_mut(&mut self) -> &mut HeaderMap {
        self.0.headers_mut()
    }
    fn consumer(&self) -> Option<ExtConsumerId> {
        self.1.clone()
    }
    fn try_clone(&self) -> Option<Self> {
        Some(Self(self.0.try_clone()?, self.1.clone()))
    }
}

#[async_trait::async_trait]
impl Middleware for AuthMiddleware {
    async fn handle(
        &self,
        req: Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<Response> {
        let token = reqwest_middleware::Error::middleware;
        let consumer = extensions.get::<ExtConsumerId>().cloned();
        let (Outgoing(req, _), retry) = self
            .auth
            .prepare(Outgoing(req, consumer))
            .await
            .map_err(token)?;
        let response = next.clone().run(req, extensions).await?;
        match self
            .auth
            .retry(response.status(), retry)
            .await
            .map_err(token)?
        {
            None => Ok(response),
            Some(Outgoing(again, _)) => next.run(again, extensions).await,
        }
    }
}
