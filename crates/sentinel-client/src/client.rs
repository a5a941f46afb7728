//! The client: discovery, the cached AppJWT with single-flight renewal and
//! refresh-ahead, user-token calls, ConsumerJWS, and the retry loop that runs
//! every request. It decides; an [`HttpClient`] carries bytes and a [`Runtime`]
//! gives it time, timers, tasks and randomness.

use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use http::{Request, Response};
use sentinel_proto::app_token::{AppJwtVersion, parse_app_token_response};
use sentinel_proto::consumer::{Idp, parse_consumer_jws_response};
use sentinel_proto::domain::{DomainApi, SERVICE_IDP, SERVICE_SENTINEL, ServiceList};
use sentinel_proto::error::BodyError;
use sentinel_proto::policy::{Cached, Expiry, Operation};
use sentinel_proto::request::PreparedRequest;
use sentinel_proto::user::{
    RedirectUri, State, TokenResponse, parse_revoke_response, parse_token_response,
};
use sentinel_proto::{
    AppJwt, AuthorizationCode, ConsumerJws, Error, Host, Redactor, RefreshToken, Sentinel,
};
use tracing::Instrument;

use crate::cache::{Outcome, Poll, Renewal, RenewingCache};
use crate::config::ClientConfig;
use crate::consumers::ConsumerCache;
use crate::discovery::DomainCache;
use crate::runtime::{HttpClient, Runtime, os_random_u64};
use crate::verify;

/// Where a renewed AppJWT came from.
pub(crate) enum Fetched {
    /// Fetched now from Sentinel.
    New(AppJwt, Expiry),
    /// Fetched by another instance at `obtained_at`.
    Adopted {
        token: AppJwt,
        obtained_at: sentinel_proto::UnixTime,
        expires_at: sentinel_proto::UnixTime,
    },
}

/// A cached AppJWT with its lifetime.
pub type CachedAppJwt = Arc<Cached<AppJwt>>;

/// A cached ConsumerJWS with its lifetime.
pub type CachedConsumerJws = Arc<Cached<ConsumerJws>>;

/// A Sentinel client over an [`HttpClient`] on a [`Runtime`]. Cheap to clone;
/// clones share caches.
///
/// Adapters wrap it: `sentinel_reqwest::SentinelClient` (async, tokio) and
/// `sentinel_isahc::SentinelClient` (blocking, through
/// [`BlockingClient`](crate::BlockingClient)). Or bring both yourself:
///
/// ```
/// use sentinel_client::{Client, ClientConfig, ThreadRuntime};
/// use sentinel_proto::{AccountId, ClientId, ClientSecret, Host};
/// # use sentinel_proto::error::TransportError;
/// // Any closure from request to response is an HTTP client.
/// let http = |req: http::Request<Vec<u8>>| async move {
///     assert!(req.uri().path().ends_with("/app/token"));
///     Ok::<_, TransportError>(http::Response::new(
///         br#"{"access_token":"a.b.c","token_type":"Bearer","expires_in":3600}"#.to_vec(),
///     ))
/// };
/// let config = ClientConfig::new(AccountId::new("123456")?, ClientId::new("cid")?,
///     ClientSecret::new("secret")).with_sentinel_host(Host::americas());
/// let client = Client::new(config, http, ThreadRuntime);
/// let token = pollster::block_on(client.app_token())?;
/// assert_eq!(token.value().secret(), "a.b.c");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Client<H, R> {
    pub(crate) inner: Arc<Inner<H, R>>,
}

impl<H, R> Clone for Client<H, R> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<H, R> std::fmt::Debug for Client<H, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

pub(crate) struct Inner<H, R> {
    pub(crate) http: H,
    pub(crate) runtime: R,
    pub(crate) config: ClientConfig,
    services: RenewingCache<ServiceList, Error>,
    pub(crate) app_jwt: RenewingCache<AppJwt, Error>,
    /// The AppJWT request of the last host fetched from: made once rather
    /// than on every renewal.
    app_request: Mutex<Option<Arc<(Host, PreparedRequest)>>>,
    // The two below are made on first use: most clients of a pool of many
    // brands never ask for a ConsumerJWS or verify a token, and each would
    // cost hundreds of bytes (and the key set two OS random draws) per brand.
    consumers: OnceLock<Box<ConsumerCache>>,
    keys: OnceLock<Box<verify::Keys>>,
    pub(crate) jwks_sets: verify::JwksSets,
}

impl<H: HttpClient, R: Runtime> Client<H, R> {
    /// A client with `config`, sending through `http`, on `runtime`.
    pub fn new(config: ClientConfig, http: H, runtime: R) -> Self {
        let domains = DomainCache::new(config.s.domain_ttl, config.s.domain_max_stale);
        Self::with_domain_cache(config, http, runtime, &domains)
    }

    /// A client that keeps its account's Domain API answer in `domains`, shared
    /// with the other clients given it (their TTLs are the cache's, not their
    /// configs').
    ///
    /// ```
    /// use sentinel_client::{Client, ClientConfig, DomainCache, ThreadRuntime};
    /// use sentinel_proto::{AccountId, ClientId, ClientSecret};
    /// # use sentinel_proto::error::TransportError;
    /// let requests = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    /// let count = requests.clone();
    /// let http = move |req: http::Request<Vec<u8>>| {
    ///     count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    ///     assert_eq!(req.uri().path(), "/api/account/123456/service/baseURI.json");
    ///     async { Ok::<_, TransportError>(http::Response::new(br#"{"baseURIs":[
    ///         {"service":"sentinel","account":"123456","baseURI":"va.sentinel.liveperson.net"}]}"#.to_vec())) }
    /// };
    /// let domains = DomainCache::default();
    /// let config = |id| Ok::<_, sentinel_proto::error::InputError>(ClientConfig::new(
    ///     AccountId::new("123456")?, ClientId::new(id)?, ClientSecret::new("secret")));
    /// let a = Client::with_domain_cache(config("app-a")?, http.clone(), ThreadRuntime, &domains);
    /// let b = Client::with_domain_cache(config("app-b")?, http, ThreadRuntime, &domains);
    /// pollster::block_on(a.service("sentinel"))?;
    /// pollster::block_on(b.service("sentinel"))?;
    /// assert_eq!(requests.load(std::sync::atomic::Ordering::SeqCst), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_domain_cache(
        config: ClientConfig,
        http: H,
        runtime: R,
        domains: &DomainCache,
    ) -> Self {
        Self::with_shared_caches(config, http, runtime, domains, &verify::JwksSets::new())
    }

    /// A client sharing `domains` (as [`with_domain_cache`](Self::with_domain_cache))
    /// and its Sentinel host's JWKS in `jwks` with the other clients given them:
    /// a key rotation then costs one JWKS fetch for all of them.
    ///
    /// ```
    /// use sentinel_client::{Client, ClientConfig, DomainCache, JwksSets, ThreadRuntime};
    /// use sentinel_proto::{AccountId, ClientId, ClientSecret};
    /// # use sentinel_proto::error::TransportError;
    /// let http = |_: http::Request<Vec<u8>>| async {
    ///     Err::<http::Response<Vec<u8>>, _>(TransportError::new(
    ///         sentinel_proto::error::TransportErrorKind::Connect, "offline"))
    /// };
    /// let (domains, jwks) = (DomainCache::default(), JwksSets::new());
    /// let config = ClientConfig::new(
    ///     AccountId::new("123456")?, ClientId::new("app")?, ClientSecret::new("secret"));
    /// let client = Client::with_shared_caches(config, http, ThreadRuntime, &domains, &jwks);
    /// # let _ = client;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_shared_caches(
        config: ClientConfig,
        http: H,
        runtime: R,
        domains: &DomainCache,
        jwks: &verify::JwksSets,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                services: domains.list(&config.s.csds, &config.account),
                app_jwt: RenewingCache::new(config.s.refresh),
                app_request: Mutex::new(None),
                consumers: OnceLock::new(),
                keys: OnceLock::new(),
                jwks_sets: jwks.clone(),
                http,
                runtime,
                config,
            }),
        }
    }

    /// The key state, made on first use.
    pub(crate) fn keys(&self) -> &verify::Keys {
        self.inner.keys.get_or_init(|| {
            // The hash key of the verified-token caches is a secret: from the OS.
            let hash_keys = (os_random_u64(), os_random_u64());
            Box::new(verify::Keys::new(&self.inner.config.s.jwt, hash_keys))
        })
    }

    fn consumers(&self) -> &ConsumerCache {
        self.inner.consumers.get_or_init(|| {
            let cfg = &self.inner.config.s;
            Box::new(ConsumerCache::new(cfg.refresh, cfg.consumer_jws_capacity))
        })
    }

    /// The settings.
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// The HTTP client.
    pub fn http(&self) -> &H {
        &self.inner.http
    }

    /// The runtime.
    pub fn runtime(&self) -> &R {
        &self.inner.runtime
    }

    /// Sends any request built with this crate, without retries, and returns the
    /// raw response for the matching `parse_*` function.
    pub async fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, Error> {
        Ok(self.inner.http.send(request).await?)
    }

    /// The Sentinel context (host, account, credentials) on the host of
    /// [`Client::service`]`("sentinel")`.
    pub async fn sentinel(&self) -> Result<Sentinel, Error> {
        Ok(self.sentinel_at(self.service(SERVICE_SENTINEL).await?))
    }

    /// The AppJWT request for `host`, prepared on the first fetch there and
    /// kept until discovery names another host.
    fn prepared_app_token_request(
        &self,
        host: Host,
        version: AppJwtVersion,
    ) -> Result<Arc<(Host, PreparedRequest)>, Error> {
        let mut slot = self
            .inner
            .app_request
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(p) = slot.as_ref().filter(|p| p.0 == host) {
            return Ok(p.clone());
        }
        let prepared = self
            .sentinel_at(host.clone())
            .prepare_app_token_request(version)?;
        let p = Arc::new((host, prepared));
        *slot = Some(p.clone());
        Ok(p)
    }

    fn sentinel_at(&self, host: Host) -> Sentinel {
        let cfg = &self.inner.config;
        Sentinel::new(
            host,
            cfg.account.clone(),
            cfg.client_id.clone(),
            cfg.client_secret.clone(),
        )
        .with_version(cfg.s.api_version)
    }

    /// The Identity Provider host: [`Client::service`]`("idp")`.
    pub async fn idp_host(&self) -> Result<Host, Error> {
        self.service(SERVICE_IDP).await
    }

    /// The host of any service of the account (`sentinel`, `idp`,
    /// `asyncMessagingEnt`, `agentVep`, ...): the one configured with
    /// [`ClientConfig::with_service_host`], else the one the account's
    /// all-services list names ([`Client::services`]). A service the list lacks
    /// is [`BodyError::ServiceNotFound`]; a host outside the allow-list,
    /// [`BodyError::HostNotAllowed`].
    pub async fn service(&self, service: &str) -> Result<Host, Error> {
        if let Some(h) = self.inner.config.service_host(service) {
            return Ok(h.clone());
        }
        self.services().await?.value().host(service)
    }

    /// The account's all-services list from the Domain API: one request, cached
    /// for the Domain API TTL and renewed in the background after it; served
    /// stale while renewals fail, up to the configured bound (see
    /// [`ClientConfig::with_domain_max_stale`]). Hosts are checked against the
    /// allow-list when read.
    pub async fn services(&self) -> Result<Arc<Cached<ServiceList>>, Error> {
        self.cached(&self.inner.services, |c| async move {
            // Built per request (rare: once per TTL), not kept per client.
            let cfg = &c.inner.config;
            let domain = &DomainApi::new(cfg.s.csds.clone(), cfg.account.clone())
                .with_allowed_domains(&cfg.s.allowed_domains);
            let list = c
                .execute(
                    Operation::DomainApi,
                    || domain.all_services_request(),
                    |r| domain.parse_all_services(r),
                )
                .await?;
            Ok((list, Expiry::default()))
        })
        .await
    }

    /// The AppJWT: served from the cache while fresh, renewed in the background
    /// shortly before expiry, fetched when missing. However many callers ask at
    /// once, one request is in flight and they all share its result or its error.
    ///
    /// After a failed renewal no new request starts for a cool-down (see
    /// [`RefreshPolicy`](sentinel_proto::policy::RefreshPolicy)): callers get the cached token while it is valid, else
    /// the last error. A token that arrives already expired is refused
    /// ([`BodyError::AlreadyExpired`]) rather than renewed on every call.
    pub async fn app_token(&self) -> Result<CachedAppJwt, Error> {
        self.cached(&self.inner.app_jwt, Self::fetch_unexpired_app_token)
            .await
    }

    /// The cached AppJWT if it is usable now, without a request and without
    /// starting a renewal. Takes no lock.
    pub fn cached_app_token(&self) -> Option<CachedAppJwt> {
        self.inner.app_jwt.get(self.inner.runtime.now_coarse())
    }

    /// Renews the AppJWT now, even while the cached one is fresh, and returns
    /// the new one; if a renewal is already in flight, its outcome. During a
    /// failure cool-down it returns the still-valid cached token (or the last
    /// error) without a request. Callers of [`app_token`](Self::app_token) are
    /// served the current token meanwhile. What a scheduler such as
    /// [`Brands`](crate::Brands) calls ahead of the refresh-ahead point.
    pub async fn renew_app_token(&self) -> Result<CachedAppJwt, Error> {
        let renewed = self
            .renew_app_token_via(|c, _| async move {
                c.fetch_unexpired_app_token()
                    .await
                    .map(|(t, e)| Fetched::New(t, e))
            })
            .await?;
        Ok(renewed.0)
    }

    /// [`renew_app_token`](Self::renew_app_token) with the token coming from
    /// `source` (given the client and the time the renewal started), which
    /// may fetch it or take one another instance fetched. Also says whether
    /// the token came from elsewhere.
    pub(crate) async fn renew_app_token_via<F, Fut>(
        &self,
        source: F,
    ) -> Result<(CachedAppJwt, bool), Error>
    where
        F: FnOnce(Self, sentinel_proto::UnixTime) -> Fut,
        Fut: std::future::Future<Output = Result<Fetched, Error>>,
    {
        let mut source = Some(source);
        loop {
            match self.inner.app_jwt.renew_now(self.inner.runtime.now()) {
                Poll::Renew(ticket) => {
                    let Some(source) = source.take() else {
                        return Err(Error::InvalidBody {
                            status: http::StatusCode::OK,
                            reason: BodyError::AlreadyExpired,
                        });
                    };
                    return match source(self.clone(), ticket.started()).await {
                        Ok(Fetched::New(t, e)) => {
                            self.settle(ticket, Ok((t, e))).map(|c| (c, false))
                        }
                        Ok(Fetched::Adopted {
                            token,
                            obtained_at,
                            expires_at,
                        }) => Ok((
                            ticket.complete_obtained(
                                token,
                                obtained_at,
                                Expiry::new(None, Some(expires_at)),
                            ),
                            true,
                        )),
                        Err(e) => self.settle(ticket, Err(e)).map(|c| (c, false)),
                    };
                }
                Poll::Ready(c) | Poll::RefreshAhead(c, _) => return Ok((c, false)),
                Poll::Failed(e) => return Err(e),
                Poll::Wait(w) => match w.wait().await {
                    Outcome::Ready(c) => return Ok((c, false)),
                    Outcome::Failed(e) => return Err(e),
                    Outcome::Retry => {}
                },
            }
        }
    }

    /// Drops every cached token of the client at once (AppJWT and ConsumerJWS):
    /// the cache's references go, so a token no caller holds is zeroized now.
    pub(crate) fn drop_tokens(&self) {
        self.inner.app_jwt.clear();
        if let Some(c) = self.inner.consumers.get() {
            c.clear();
        }
    }

    /// A new AppJWT, refused if it arrives already expired (it would be renewed
    /// by every call: refusing it lets the cache's failure cool-down apply).
    pub(crate) async fn fetch_unexpired_app_token(self) -> Result<(AppJwt, Expiry), Error> {
        let (token, expiry) = self.fetch_app_token().await?;
        let now = self.inner.runtime.now();
        if expiry.expires_at(now, self.inner.config.s.refresh.fallback_lifetime()) <= now {
            return Err(Error::InvalidBody {
                status: http::StatusCode::OK,
                reason: BodyError::AlreadyExpired,
            });
        }
        Ok((token, expiry))
    }

    /// Forgets the cached AppJWT (e.g. after a service refused it).
    pub fn invalidate_app_token(&self) {
        self.inner.app_jwt.invalidate();
    }

    /// Forgets the cached AppJWT if it is still `refused`, and says whether it
    /// did: many requests refused with one token renew it once.
    pub fn invalidate_app_token_if(&self, refused: &CachedAppJwt) -> bool {
        self.inner.app_jwt.invalidate_if(refused)
    }

    /// Requests a new AppJWT, bypassing the cache.
    pub async fn fetch_app_token(&self) -> Result<(AppJwt, Expiry), Error> {
        let host = self.service(SERVICE_SENTINEL).await?;
        let cfg = &self.inner.config;
        let resp = match (cfg.s.app_jwt_version, cfg.s.legacy_query) {
            (AppJwtVersion::V1, true) => {
                let s = self.sentinel_at(host);
                let build = || s.app_token_request_legacy_query();
                self.execute(Operation::AppToken, build, parse_app_token_response)
                    .await?
            }
            (v, _) => {
                let prepared = self.prepared_app_token_request(host, v)?;
                let build = || Ok(prepared.1.request());
                self.execute(Operation::AppToken, build, parse_app_token_response)
                    .await?
            }
        };
        let exp = verify::unverified_exp(resp.access_token.secret());
        Ok((resp.access_token, Expiry::new(resp.expires_in, exp)))
    }

    /// The URL to send the user's browser to (the host may need discovery).
    pub async fn authorize_url(
        &self,
        redirect_uri: Option<&RedirectUri>,
        state: &State,
    ) -> Result<url::Url, Error> {
        self.sentinel().await?.authorize_url(redirect_uri, state)
    }

    /// Exchanges an authorization code. Never retried: a code is single use.
    pub async fn exchange_code(
        &self,
        code: &AuthorizationCode,
        redirect_uri: Option<&RedirectUri>,
    ) -> Result<TokenResponse, Error> {
        let s = self.sentinel().await?;
        self.execute(
            Operation::CodeExchange,
            || s.exchange_code_request(code, redirect_uri),
            parse_token_response,
        )
        .await
    }

    /// Refreshes user tokens.
    ///
    /// Retried only where the refresh token cannot have been used: the connection
    /// failed before anything was sent, or the server answered 429 or 503. After a
    /// timeout or a reset once the request was out, or another 5xx, it is not sent
    /// again: a server that rotates refresh tokens may take the replay of a spent
    /// one for theft and revoke them all (protocol reference §2.4).
    ///
    /// Keep `refresh_token` until this returns a new one: on failure it is
    /// untouched, and an answer without a `refresh_token` means it stays valid.
    pub async fn refresh(&self, refresh_token: &RefreshToken) -> Result<TokenResponse, Error> {
        let s = self.sentinel().await?;
        self.execute(
            Operation::Refresh,
            || s.refresh_request(refresh_token),
            parse_token_response,
        )
        .await
    }

    /// Revokes a refresh token (logout).
    pub async fn revoke(&self, refresh_token: &RefreshToken) -> Result<(), Error> {
        let s = self.sentinel().await?;
        self.execute(
            Operation::Revoke,
            || s.revoke_request(refresh_token),
            parse_revoke_response,
        )
        .await
    }

    /// A ConsumerJWS for `ext_consumer_id`, authorised by the cached AppJWT, and
    /// cached per consumer as the AppJWT is: one request in flight per consumer,
    /// renewed ahead of expiry, the cached one served while renewals fail. It
    /// lives for the configured TTL ([`ClientConfig::with_consumer_jws_ttl`]),
    /// or to its own `exp` if earlier; beyond the configured number of consumers
    /// the least recently used is dropped. Renewing the AppJWT keeps it: the
    /// two are not tied (see [`ClientConfig::with_consumer_jws_ttl`]).
    pub async fn consumer_jws(&self, ext_consumer_id: &str) -> Result<CachedConsumerJws, Error> {
        let cache = self.consumers().entry(ext_consumer_id);
        let id: Arc<str> = Arc::from(ext_consumer_id);
        self.cached(&cache, move |c| {
            let id = Arc::clone(&id);
            async move { c.fetch_consumer_jws(&id).await }
        })
        .await
    }

    /// Forgets the cached ConsumerJWS of `ext_consumer_id` (e.g. after a service
    /// refused it).
    pub fn invalidate_consumer_jws(&self, ext_consumer_id: &str) {
        if let Some(c) = self.inner.consumers.get() {
            c.remove(ext_consumer_id);
        }
    }

    /// Forgets `ext_consumer_id`'s cached ConsumerJWS if it is still `refused`,
    /// and says whether it did.
    pub fn invalidate_consumer_jws_if(
        &self,
        ext_consumer_id: &str,
        refused: &CachedConsumerJws,
    ) -> bool {
        self.inner
            .consumers
            .get()
            .and_then(|c| c.get(ext_consumer_id))
            .is_some_and(|c| c.invalidate_if(refused))
    }

    /// Requests a new ConsumerJWS for `ext_consumer_id`, bypassing its cache (the
    /// AppJWT still comes from the cache).
    pub async fn fetch_consumer_jws(
        &self,
        ext_consumer_id: &str,
    ) -> Result<(ConsumerJws, Expiry), Error> {
        let app = self.app_token().await?;
        let idp = Idp::new(self.idp_host().await?, self.inner.config.account.clone());
        let jws = self
            .execute(
                Operation::ConsumerJws,
                || idp.consumer_jws_request(app.value(), ext_consumer_id),
                parse_consumer_jws_response,
            )
            .await?;
        let exp = verify::unverified_exp(jws.secret());
        Ok((
            jws,
            Expiry::new(Some(self.inner.config.s.consumer_jws_ttl), exp),
        ))
    }

    /// Sends what `build` makes and parses it with `parse`, retrying transient
    /// failures of retryable operations as the retry policy says. `build` is a
    /// pure request builder: called again, it makes the same request.
    pub(crate) async fn execute<T>(
        &self,
        op: Operation,
        build: impl Fn() -> Result<Request<Vec<u8>>, Error>,
        parse: impl Fn(&Response<Vec<u8>>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let http = &self.inner.http;
        let runtime = &self.inner.runtime;
        let policy = self.inner.config.s.retry;
        let mut attempt = 1;
        loop {
            let request = build()?;
            let span = tracing::debug_span!(
                "sentinel",
                op = op.as_str(),
                attempt,
                host = request.uri().host().unwrap_or(""),
                path = request.uri().path(),
            );
            let result = async {
                let response = http.send(request).await?;
                tracing::debug!(status = response.status().as_u16(), "response");
                parse(&response)
            }
            .instrument(span)
            .await;
            let err = match result {
                Ok(v) => return Ok(v),
                Err(e) => e.redact(&self.redactor(&build)),
            };
            match policy.backoff(op, attempt, &err, runtime.now(), runtime.random()) {
                Some(delay) => {
                    tracing::warn!(op = op.as_str(), attempt, ?delay, error = %err, "retrying");
                    runtime.sleep(delay).await;
                    attempt += 1;
                }
                None => {
                    tracing::debug!(op = op.as_str(), attempt, error = %err, "failed");
                    return Err(err);
                }
            }
        }
    }

    /// The secrets of the request `build` makes (rebuilt, as the one sent is
    /// gone), and the client secret: whatever the server said back is cut of
    /// them before anyone can display or log it. Only failures pay for this.
    fn redactor(&self, build: impl Fn() -> Result<Request<Vec<u8>>, Error>) -> Redactor {
        let from_request = build()
            .map(|r| Redactor::from_request(&r))
            .unwrap_or_default();
        from_request.with_secret(self.inner.config.client_secret.secret())
    }

    /// Serves `cache`, renewing it through `fetch` by one caller at a time.
    async fn cached<V, F, Fut>(
        &self,
        cache: &RenewingCache<V, Error>,
        fetch: F,
    ) -> Result<Arc<Cached<V>>, Error>
    where
        V: Send + Sync + 'static,
        F: Fn(Self) -> Fut,
        Fut: std::future::Future<Output = Result<(V, Expiry), Error>> + Send + 'static,
    {
        // The cheap clock for the read of a fresh value; a renewal starts on
        // the fine one, since the new value's lifetime counts from its start.
        if let Some(c) = cache.fresh(self.inner.runtime.now_coarse()) {
            return Ok(c);
        }
        loop {
            match cache.poll(self.inner.runtime.now()) {
                Poll::Ready(c) => return Ok(c),
                Poll::RefreshAhead(c, ticket) => {
                    let fut = fetch(self.clone());
                    let client = self.clone();
                    self.inner.runtime.spawn(Box::pin(async move {
                        if let Err(e) = client.settle(ticket, fut.await) {
                            tracing::warn!(error = %e, "background renewal failed");
                        }
                    }));
                    return Ok(c);
                }
                Poll::Renew(ticket) => return self.settle(ticket, fetch(self.clone()).await),
                Poll::Failed(e) => return Err(e),
                Poll::Wait(w) => match w.wait().await {
                    Outcome::Ready(c) => return Ok(c),
                    Outcome::Failed(e) => return Err(e),
                    Outcome::Retry => {}
                },
            }
        }
    }
}

impl<H: HttpClient, R: Runtime> Client<H, R> {
    /// Completes a renewal: stores the value, or starts the cool-down with the
    /// server's `Retry-After` and a random jitter.
    fn settle<V>(
        &self,
        ticket: Renewal<V, Error>,
        result: Result<(V, Expiry), Error>,
    ) -> Result<Arc<Cached<V>>, Error> {
        match result {
            Ok(v) => ticket.complete(Ok(v)),
            Err(e) => {
                let now = self.inner.runtime.now();
                let retry_after = e.retry_after().map(|ra| ra.delay(now));
                Err(ticket.fail(e, now, retry_after, self.inner.runtime.random()))
            }
        }
    }
}
