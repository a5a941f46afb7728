//! The AppJWT, and a consumer's ConsumerJWS, on the caller's own requests to
//! LivePerson APIs: what the reqwest middleware (`sentinel-reqwest`, feature
//! `middleware`) and the tower layer ([`crate::tower`], feature `tower`) share.
//!
//! The order is LivePerson's retry guidance (protocol reference §3.5): after a
//! `401` from an API that took an AppJWT, get a new AppJWT once and retry once;
//! never loop.

use std::sync::Arc;

use arc_swap::ArcSwapOption;
use http::header::AUTHORIZATION;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use sentinel_proto::Error;
use sentinel_proto::error::InputError;

use crate::client::{CachedAppJwt, CachedConsumerJws, Client};
use crate::runtime::{HttpClient, Runtime};

/// The header that carries a consumer's ConsumerJWS to the Send API.
pub const ON_BEHALF: HeaderName = HeaderName::from_static("x-lp-on-behalf");

/// How the AppJWT is written in `Authorization`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthScheme {
    /// The token alone, as LivePerson's Send API and Connector API examples send it.
    #[default]
    Raw,
    /// `Bearer <token>` (RFC 6750), for APIs that ask for it.
    Bearer,
}

/// Which consumer a request is on behalf of: put it in the request's extensions
/// and the request also gets `X-LP-ON-BEHALF` with that consumer's ConsumerJWS.
///
/// ```
/// use sentinel_client::auth::ExtConsumerId;
/// let mut req = http::Request::new(Vec::<u8>::new());
/// req.extensions_mut().insert(ExtConsumerId::new("consumer-42"));
/// assert_eq!(req.extensions().get::<ExtConsumerId>().map(ExtConsumerId::as_str), Some("consumer-42"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ExtConsumerId(Arc<str>);

impl ExtConsumerId {
    /// The consumer `id` (your own identifier of the end user).
    pub fn new(id: impl Into<Arc<str>>) -> Self {
        Self(id.into())
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The tokens a request was sent with, to hand back to
/// [`Authorizer::rejected`] when the API refuses them. `Debug` shows no token.
#[derive(Clone)]
pub struct Credential {
    app: CachedAppJwt,
    consumer: Option<(ExtConsumerId, CachedConsumerJws)>,
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential")
            .field("app_jwt_expires_at", &self.app.expires_at())
            .field("consumer", &self.consumer.as_ref().map(|(id, _)| id))
            .finish()
    }
}

/// An error of an authorised request: getting a token failed, or the wrapped
/// client or service did.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError<E> {
    /// No AppJWT or ConsumerJWS could be had; the request was not sent.
    #[error("no token for the request: {0}")]
    Token(#[source] Error),
    /// The wrapped client or service failed.
    #[error(transparent)]
    Inner(E),
}

/// Puts the cached AppJWT in `Authorization` (and a ConsumerJWS in
/// `X-LP-ON-BEHALF`) and renews them once when an API answers `401`. Cheap to
/// clone; clones share the header cache.
///
/// The header value is built once per token and marked sensitive, so that
/// HTTP libraries leave it out of their logs.
///
/// ```
/// use sentinel_client::{Client, ClientConfig, ThreadRuntime, auth::Authorizer};
/// use sentinel_proto::{AccountId, ClientId, ClientSecret, Host};
/// # use sentinel_proto::error::TransportError;
/// let sentinel = |_: http::Request<Vec<u8>>| async {
///     Ok::<_, TransportError>(http::Response::new(
///         br#"{"access_token":"a.b.c","token_type":"Bearer","expires_in":3600}"#.to_vec()))
/// };
/// let config = ClientConfig::new(AccountId::new("123456")?, ClientId::new("cid")?,
///     ClientSecret::new("secret")).with_sentinel_host(Host::americas());
/// let auth = Authorizer::new(Client::new(config, sentinel, ThreadRuntime));
///
/// // Your own request to a LivePerson API, and your own way of sending it.
/// let send = |req: &http::Request<Vec<u8>>| {
///     assert_eq!(req.headers()["authorization"], "a.b.c");
///     assert!(req.headers()["authorization"].is_sensitive());
///     http::StatusCode::OK
/// };
/// pollster::block_on(async {
///     let request = http::Request::post("https://va.msg.liveperson.net/api/send").body(Vec::new())?;
///     let (request, retry) = auth.prepare(request).await?;
///     let status = send(&request);
///     if let Some(again) = auth.retry(status, retry).await? {
///         send(&again); // once, after a 401, with a new AppJWT
///     }
///     Ok::<(), Box<dyn std::error::Error>>(())
/// })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Authorizer<H, R> {
    inner: Arc<Inner<H, R>>,
}

struct Inner<H, R> {
    client: Client<H, R>,
    scheme: AuthScheme,
    /// The `Authorization` value of the last AppJWT, with that token.
    built: ArcSwapOption<(CachedAppJwt, HeaderValue)>,
}

impl<H, R> Clone for Authorizer<H, R> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<H, R> std::fmt::Debug for Authorizer<H, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authorizer")
            .field("scheme", &self.inner.scheme)
            .finish_non_exhaustive()
    }
}

impl<H: HttpClient, R: Runtime> Authorizer<H, R> {
    /// Authorises requests with `client`'s AppJWT, written [`AuthScheme::Raw`].
    pub fn new(client: Client<H, R>) -> Self {
        Self::with_scheme(client, AuthScheme::default())
    }

    /// Authorises requests with `client`'s AppJWT, written as `scheme` says.
    pub fn with_scheme(client: Client<H, R>, scheme: AuthScheme) -> Self {
        Self {
            inner: Arc::new(Inner {
                client,
                scheme,
                built: ArcSwapOption::empty(),
            }),
        }
    }

    /// The client the tokens come from.
    pub fn client(&self) -> &Client<H, R> {
        &self.inner.client
    }

    /// Sets `Authorization` (and, for `consumer`, `X-LP-ON-BEHALF`) in
    /// `headers`; returns the tokens used.
    pub async fn authorize(
        &self,
        headers: &mut HeaderMap,
        consumer: Option<&ExtConsumerId>,
    ) -> Result<Credential, Error> {
        let app = self.inner.client.app_token().await?;
        headers.insert(AUTHORIZATION, self.header_for(&app)?);
        let consumer = match consumer {
            None => None,
            Some(id) => {
                let jws = self.inner.client.consumer_jws(id.as_str()).await?;
                headers.insert(ON_BEHALF, sensitive(jws.value().secret())?);
                Some((id.clone(), jws))
            }
        };
        Ok(Credential { app, consumer })
    }

    /// An API refused a request sent with `used` (a `401`): its tokens are
    /// dropped, unless already renewed, so the next [`Authorizer::authorize`]
    /// gets new ones.
    pub fn rejected(&self, used: &Credential) {
        let client = &self.inner.client;
        let app = client.invalidate_app_token_if(&used.app);
        let consumer = used
            .consumer
            .as_ref()
            .is_some_and(|(id, jws)| client.invalidate_consumer_jws_if(id.as_str(), jws));
        tracing::debug!(
            app_jwt_dropped = app,
            consumer_jws_dropped = consumer,
            "401 from the API"
        );
    }

    /// Authorises `request` (for its [`Resendable::consumer`], if any); returns
    /// it, ready to send, and what [`Authorizer::retry`] needs if the answer is
    /// a `401`.
    pub async fn prepare<Q: Resendable>(&self, mut request: Q) -> Result<(Q, Retry<Q>), Error> {
        let consumer = request.consumer();
        let again = request.try_clone();
        let used = self
            .authorize(request.headers_mut(), consumer.as_ref())
            .await?;
        Ok((
            request,
            Retry {
                again,
                used,
                consumer,
            },
        ))
    }

    /// After the answer to a [`prepare`](Authorizer::prepare)d request: for a
    /// `401`, the tokens are renewed and the request comes back authorised
    /// anew, to be sent once more — if it could be cloned. Otherwise `None`:
    /// the answer stands. A retried request's answer is final (never loop).
    pub async fn retry<Q: Resendable>(
        &self,
        status: StatusCode,
        retry: Retry<Q>,
    ) -> Result<Option<Q>, Error> {
        if status != StatusCode::UNAUTHORIZED {
            return Ok(None);
        }
        let Some(mut again) = retry.again else {
            tracing::debug!("401 from the API; the request cannot be cloned, so it is not retried");
            return Ok(None);
        };
        self.rejected(&retry.used);
        self.authorize(again.headers_mut(), retry.consumer.as_ref())
            .await?;
        Ok(Some(again))
    }

    /// Sends `request` (to a LivePerson API of yours) through the client's own
    /// [`HttpClient`], authorised, and once more after a `401` with renewed
    /// tokens. Redirects are not followed (no adapter follows one, so no token
    /// goes where you did not send it), and the answer's body is capped at
    /// [`MAX_BODY_BYTES`](sentinel_proto::response::MAX_BODY_BYTES), as every answer the client reads is.
    pub async fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, Error> {
        let http = self.inner.client.http();
        let (request, retry) = self.prepare(request).await?;
        let response = http.send(request).await?;
        match self.retry(response.status(), retry).await? {
            None => Ok(response),
            Some(again) => Ok(http.send(again).await?),
        }
    }

    /// [`Authorizer::send`], blocking: for a blocking [`HttpClient`] (such as
    /// sentinel-isahc's), whose futures are complete when first polled.
    pub fn send_blocking(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, Error> {
        crate::blocking::block_on(self.send(request))
    }

    /// The `Authorization` value of `app`: the one built for it before, or a
    /// new one, kept for the next caller.
    fn header_for(&self, app: &CachedAppJwt) -> Result<HeaderValue, Error> {
        if let Some(built) = &*self.inner.built.load()
            && Arc::ptr_eq(&built.0, app)
        {
            return Ok(built.1.clone());
        }
        let token = app.value().secret();
        let value = match self.inner.scheme {
            AuthScheme::Raw => sensitive(token)?,
            AuthScheme::Bearer => sensitive(&format!("Bearer {token}"))?,
        };
        self.inner
            .built
            .store(Some(Arc::new((Arc::clone(app), value.clone()))));
        Ok(value)
    }
}

/// What [`Authorizer::retry`] needs: a copy of the request, the tokens it was
/// sent with. `Debug` shows no token.
pub struct Retry<Q> {
    again: Option<Q>,
    used: Credential,
    consumer: Option<ExtConsumerId>,
}

impl<Q> std::fmt::Debug for Retry<Q> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Retry")
            .field("resendable", &self.again.is_some())
            .field("used", &self.used)
            .finish()
    }
}

/// A request [`Authorizer::prepare`] can authorise and send again.
pub trait Resendable: Sized {
    /// Its headers, where the tokens go.
    fn headers_mut(&mut self) -> &mut HeaderMap;
    /// The consumer it is on behalf of, if any.
    fn consumer(&self) -> Option<ExtConsumerId>;
    /// A copy to send again after a `401`, or `None` if it cannot be copied
    /// (a streaming body).
    fn try_clone(&self) -> Option<Self>;
}

/// Any `http::Request` with a body that can be cloned (`Vec<u8>`, `String`,
/// `Bytes`, `http_body_util::Full`...); its consumer is its [`ExtConsumerId`]
/// extension. A copy keeps method, URI, version, headers, body and that one
/// extension (extensions are not `Clone`).
impl<B: Clone> Resendable for http::Request<B> {
    fn headers_mut(&mut self) -> &mut HeaderMap {
        http::Request::headers_mut(self)
    }

    fn consumer(&self) -> Option<ExtConsumerId> {
        self.extensions().get::<ExtConsumerId>().cloned()
    }

    fn try_clone(&self) -> Option<Self> {
        let mut again = http::Request::new(self.body().clone());
        *again.method_mut() = self.method().clone();
        *again.uri_mut() = self.uri().clone();
        *again.version_mut() = self.version();
        *again.headers_mut() = self.headers().clone();
        if let Some(id) = self.consumer() {
            again.extensions_mut().insert(id);
        }
        Some(again)
    }
}

fn sensitive(value: &str) -> Result<HeaderValue, Error> {
    let mut v = HeaderValue::from_str(value).map_err(|_| InputError::Parameter {
        name: "token",
        reason: "is not a valid header value",
    })?;
    v.set_sensitive(true);
    Ok(v)
}
