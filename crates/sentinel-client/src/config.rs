//! How a [`Client`](crate::Client) is set up.

use std::num::NonZeroUsize;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use sentinel_proto::ApiVersion;
use sentinel_proto::ClientSecret;
use sentinel_proto::Host;
use sentinel_proto::app_token::AppJwtVersion;
use sentinel_proto::domain::{SERVICE_IDP, SERVICE_SENTINEL};
use sentinel_proto::error::InputError;
use sentinel_proto::jwt::KeySet;
use sentinel_proto::policy::RefreshPolicy;
use sentinel_proto::policy::RetryPolicy;
use sentinel_proto::{AccountId, ClientId};

/// The settings of a [`Client`](crate::Client). Built with [`ClientConfig::new`]
/// and the `with_*` methods; `Debug` redacts the secret.
///
/// ```
/// use sentinel_proto::{AccountId, app_token::AppJwtVersion, ClientId, ClientSecret, Host};
/// use sentinel_client::ClientConfig;
/// let config = ClientConfig::new(
///     AccountId::new("123456")?,
///     ClientId::new("my-client")?,
///     ClientSecret::new("my-secret"),
/// )
/// .with_sentinel_host(Host::americas())      // skip discovery
/// .with_app_jwt_version(AppJwtVersion::V2);
/// assert!(!format!("{config:?}").contains("my-secret"));
/// # Ok::<(), sentinel_proto::error::InputError>(())
/// ```
#[derive(Clone)]
pub struct ClientConfig {
    pub(crate) account: AccountId,
    pub(crate) client_id: ClientId,
    pub(crate) client_secret: ClientSecret,
    /// Everything that is not the brand's own: clones share it, and a
    /// [`Brands`](crate::Brands) pool keeps one for all brands configured alike.
    pub(crate) s: Arc<Settings>,
}

/// The settings a [`ClientConfig`] does not take from its brand.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Settings {
    pub(crate) csds: Host,
    /// Hosts the caller chose per service, looked up before the Domain API.
    pub(crate) service_hosts: Vec<(String, Host)>,
    pub(crate) api_version: ApiVersion,
    pub(crate) app_jwt_version: AppJwtVersion,
    pub(crate) legacy_query: bool,
    pub(crate) retry: RetryPolicy,
    pub(crate) refresh: RefreshPolicy,
    pub(crate) domain_ttl: Duration,
    pub(crate) domain_max_stale: Duration,
    pub(crate) consumer_jws_ttl: Duration,
    pub(crate) consumer_jws_capacity: NonZeroUsize,
    pub(crate) allowed_domains: Vec<String>,
    pub(crate) jwt: crate::verify::VerifyConfig,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            csds: Host::csds(),
            service_hosts: Vec::new(),
            api_version: ApiVersion::default(),
            app_jwt_version: AppJwtVersion::default(),
            legacy_query: false,
            retry: RetryPolicy::default(),
            refresh: RefreshPolicy::default(),
            domain_ttl: Duration::from_secs(600),
            domain_max_stale: Duration::from_secs(3600),
            consumer_jws_ttl: Duration::from_secs(1800),
            consumer_jws_capacity: NonZeroUsize::new(10_000).unwrap_or(NonZeroUsize::MIN),
            allowed_domains: Vec::new(),
            jwt: crate::verify::VerifyConfig::default(),
        }
    }
}

impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = &*self.s;
        f.debug_struct("ClientConfig")
            .field("account", &self.account)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("csds", &s.csds)
            .field("service_hosts", &s.service_hosts)
            .field("api_version", &s.api_version)
            .field("app_jwt_version", &s.app_jwt_version)
            .field("legacy_query", &s.legacy_query)
            .field("retry", &s.retry)
            .field("refresh", &s.refresh)
            .field("domain_ttl", &s.domain_ttl)
            .field("domain_max_stale", &s.domain_max_stale)
            .field("consumer_jws_ttl", &s.consumer_jws_ttl)
            .field("consumer_jws_capacity", &s.consumer_jws_capacity)
            .field("allowed_domains", &s.allowed_domains)
            .field("jwt", &s.jwt)
            .finish()
    }
}

impl ClientConfig {
    /// Settings for `client_id` of `account`: hosts discovered through LivePerson's
    /// Domain API (its all-services list, fetched once and kept 10 minutes, then
    /// up to an hour more while it cannot be renewed), AppJWT V1, API version
    /// 1.0, default retry and refresh policies.
    pub fn new(account: AccountId, client_id: ClientId, client_secret: ClientSecret) -> Self {
        // One set of defaults per process: a config that changes nothing else
        // costs no allocation of its own.
        static DEFAULTS: OnceLock<Arc<Settings>> = OnceLock::new();
        Self {
            account,
            client_id,
            client_secret,
            s: Arc::clone(DEFAULTS.get_or_init(Arc::default)),
        }
    }

    fn s_mut(&mut self) -> &mut Settings {
        Arc::make_mut(&mut self.s)
    }

    /// Settings from variables named as in the `sentinel` command's
    /// environment: `SENTINEL_ACCOUNT`, `SENTINEL_CLIENT_ID` and
    /// `SENTINEL_CLIENT_SECRET` (required), `SENTINEL_CSDS` (the Domain API
    /// host, optional). `var` reads one; [`ClientConfig::from_env`] reads the
    /// process environment. The error names the variable, never its value.
    ///
    /// ```
    /// use sentinel_client::ClientConfig;
    /// use sentinel_proto::error::InputError;
    /// let vars = [("SENTINEL_ACCOUNT", "123456"), ("SENTINEL_CLIENT_ID", "app"),
    ///     ("SENTINEL_CLIENT_SECRET", "s3cret"), ("SENTINEL_CSDS", "http://127.0.0.1:8080")];
    /// let read = |n: &str| vars.iter().find(|(k, _)| *k == n).map(|(_, v)| v.to_string());
    /// let config = ClientConfig::from_vars(read)?;
    /// assert_eq!(config.account().as_str(), "123456");
    /// let missing = ClientConfig::from_vars(|n| (n != "SENTINEL_CLIENT_SECRET").then(|| read(n)).flatten());
    /// assert!(matches!(missing, Err(InputError::Parameter { name: "SENTINEL_CLIENT_SECRET", .. })));
    /// # Ok::<(), InputError>(())
    /// ```
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, InputError> {
        let need = |name: &'static str| {
            var(name).ok_or(InputError::Parameter {
                name,
                reason: "not set",
            })
        };
        let config = Self::new(
            AccountId::new(need("SENTINEL_ACCOUNT")?)?,
            ClientId::new(need("SENTINEL_CLIENT_ID")?)?,
            ClientSecret::new(need("SENTINEL_CLIENT_SECRET")?),
        );
        match var("SENTINEL_CSDS") {
            Some(csds) => Ok(config.with_csds(Host::parse(&csds)?)),
            None => Ok(config),
        }
    }

    /// [`ClientConfig::from_vars`] on the process environment.
    ///
    /// ```no_run
    /// let config = sentinel_client::ClientConfig::from_env()?;
    /// # Ok::<(), sentinel_proto::error::InputError>(())
    /// ```
    pub fn from_env() -> Result<Self, InputError> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// Discovers hosts through the Domain API at `csds` instead of LivePerson's.
    #[must_use]
    pub fn with_csds(mut self, csds: Host) -> Self {
        self.s_mut().csds = csds;
        self
    }

    /// Uses this Sentinel host instead of discovering it: the same as
    /// `with_service_host("sentinel", host)`.
    #[must_use]
    pub fn with_sentinel_host(self, host: Host) -> Self {
        self.with_service_host(SERVICE_SENTINEL, host)
    }

    /// Uses this Identity Provider host (ConsumerJWS) instead of discovering it:
    /// the same as `with_service_host("idp", host)`.
    #[must_use]
    pub fn with_idp_host(self, host: Host) -> Self {
        self.with_service_host(SERVICE_IDP, host)
    }

    /// Uses `host` for `service` instead of asking the Domain API (vanity
    /// domains, private deployments, a service the account's list lacks). A
    /// second call for the same service replaces the first. When every service
    /// a client needs has a host, it never calls the Domain API.
    ///
    /// ```
    /// use sentinel_proto::{AccountId, ClientId, ClientSecret, Host};
    /// use sentinel_client::ClientConfig;
    /// let config = ClientConfig::new(AccountId::new("123456")?, ClientId::new("c")?,
    ///     ClientSecret::new("s"))
    ///     .with_service_host("asyncMessagingEnt", Host::parse("msg.corp.example")?);
    /// assert_eq!(config.service_host("asyncMessagingEnt").map(Host::authority), Some("msg.corp.example"));
    /// assert_eq!(config.service_host("sentinel"), None);
    /// # Ok::<(), sentinel_proto::error::InputError>(())
    /// ```
    #[must_use]
    pub fn with_service_host(mut self, service: impl Into<String>, host: Host) -> Self {
        let service = service.into();
        self.s_mut().service_hosts.retain(|(s, _)| *s != service);
        self.s_mut().service_hosts.push((service, host));
        self
    }

    /// The host chosen for `service` with [`ClientConfig::with_service_host`].
    pub fn service_host(&self, service: &str) -> Option<&Host> {
        self.s
            .service_hosts
            .iter()
            .find(|(s, _)| s == service)
            .map(|(_, h)| h)
    }

    /// The `v=` of the user-token endpoints.
    #[must_use]
    pub fn with_api_version(mut self, version: ApiVersion) -> Self {
        self.s_mut().api_version = version;
        self
    }

    /// Which AppJWT endpoint (and so which keys) to use.
    #[must_use]
    pub fn with_app_jwt_version(mut self, version: AppJwtVersion) -> Self {
        self.s_mut().app_jwt_version = version;
        self
    }

    /// Sends AppJWT V1 credentials in the query string, as old servers require.
    ///
    /// # Security
    /// The secret then appears in URLs, and so in proxy and server logs.
    #[must_use]
    pub fn with_legacy_query_credentials(mut self, on: bool) -> Self {
        self.s_mut().legacy_query = on;
        self
    }

    /// Retries of safe operations.
    #[must_use]
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.s_mut().retry = retry;
        self
    }

    /// When the AppJWT is renewed ahead of expiry.
    #[must_use]
    pub fn with_refresh_policy(mut self, refresh: RefreshPolicy) -> Self {
        self.s_mut().refresh = refresh;
        self
    }

    /// How long the Domain API's all-services list is used before it is renewed
    /// (default 10 minutes, as LivePerson's own clients keep it).
    #[must_use]
    pub fn with_domain_ttl(mut self, ttl: Duration) -> Self {
        self.s_mut().domain_ttl = ttl;
        self
    }

    /// How long past its TTL the all-services list is still served while it
    /// cannot be renewed (default 1 hour); after that, callers get the Domain
    /// API's error. Renewal happens in the background on first use after the
    /// TTL, so callers do not wait for it.
    #[must_use]
    pub fn with_domain_max_stale(mut self, max_stale: Duration) -> Self {
        self.s_mut().domain_max_stale = max_stale;
        self
    }

    /// How long a ConsumerJWS without an earlier `exp` is used (default 30
    /// minutes; renewed ahead, at half that).
    ///
    /// LivePerson's sample ConsumerJWS has no `exp` and its pages give no
    /// lifetime, so this is a choice: half the AppJWT's hour, short enough that a
    /// token LivePerson stopped accepting is not kept long, long enough that a
    /// consumer sending a message a minute costs two requests an hour. A token
    /// with an `exp` is used until the earlier of the two. The ConsumerJWS is not
    /// tied to the AppJWT it was made with (nothing LivePerson publishes links
    /// them, and the emulator's stays valid across AppJWT renewals), so renewing
    /// the AppJWT does not drop it.
    #[must_use]
    pub fn with_consumer_jws_ttl(mut self, ttl: Duration) -> Self {
        self.s_mut().consumer_jws_ttl = ttl;
        self
    }

    /// How many consumers' ConsumerJWS tokens are kept (default 10 000); beyond
    /// that the least recently used is dropped.
    #[must_use]
    pub fn with_consumer_jws_capacity(mut self, capacity: NonZeroUsize) -> Self {
        self.s_mut().consumer_jws_capacity = capacity;
        self
    }

    /// Also accepts discovered hosts under these domains (private deployments).
    ///
    /// By default a host the Domain API names must be under `liveperson.net`, or
    /// be the Domain API's own host or a subdomain of it, or be loopback when the
    /// Domain API is (a local emulator); see
    /// [`DomainApi::with_allowed_domains`](sentinel_proto::domain::DomainApi::with_allowed_domains)
    /// for how entries match. Hosts given with [`ClientConfig::with_service_host`]
    /// (and its shorthands) are not checked: they are the caller's own choice.
    ///
    /// ```
    /// use sentinel_proto::{AccountId, ClientId, ClientSecret, Host};
    /// use sentinel_client::ClientConfig;
    /// let config = ClientConfig::new(
    ///     AccountId::new("123456")?,
    ///     ClientId::new("my-client")?,
    ///     ClientSecret::new("my-secret"),
    /// )
    /// .with_csds(Host::parse("csds.corp.example")?)
    /// .with_allowed_domains(["corp.example"]);
    /// assert_eq!(config.allowed_domains(), ["corp.example"]);
    /// # Ok::<(), sentinel_proto::error::InputError>(())
    /// ```
    #[must_use]
    pub fn with_allowed_domains<I, S>(mut self, domains: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.s_mut()
            .allowed_domains
            .extend(domains.into_iter().map(|d| d.as_ref().to_owned()));
        self
    }

    /// The domains added with [`ClientConfig::with_allowed_domains`], as given.
    pub fn allowed_domains(&self) -> &[String] {
        &self.s.allowed_domains
    }

    /// The account.
    pub fn account(&self) -> &AccountId {
        &self.account
    }

    /// The client id.
    pub fn client_id(&self) -> &ClientId {
        &self.client_id
    }

    /// The Domain API host.
    pub fn csds(&self) -> &Host {
        &self.s.csds
    }

    /// The AppJWT version in use.
    pub fn app_jwt_version(&self) -> AppJwtVersion {
        self.s.app_jwt_version
    }

    /// The AppJWT's renewal policy.
    pub fn refresh_policy(&self) -> RefreshPolicy {
        self.s.refresh
    }
}

impl ClientConfig {
    // Verification settings.

    /// Remembers up to `capacity` verified tokens of each kind (AppJWTs, ID
    /// tokens), so that a token seen again costs a hash and a lookup, not an
    /// RSA verification (off by default).
    ///
    /// A token is found by a keyed 128-bit hash of its bytes (the token itself
    /// is not kept), and only while a fresh verification would accept it: inside
    /// its `nbf`/`iat`..`exp` window with the leeway, and with the key that
    /// verified it still in the key set the client verifies with (the JWKS is
    /// consulted as for a fresh verification, so a rotation that drops the key
    /// drops its tokens). The claims come back as first verified. The least
    /// recently used token goes first.
    ///
    /// ```
    /// use std::num::NonZeroUsize;
    /// use sentinel_proto::{AccountId, ClientId, ClientSecret};
    /// use sentinel_client::ClientConfig;
    /// let config = ClientConfig::new(AccountId::new("123456")?, ClientId::new("c")?,
    ///     ClientSecret::new("s"))
    ///     .with_verified_token_cache(NonZeroUsize::new(10_000).unwrap());
    /// # Ok::<(), sentinel_proto::error::InputError>(())
    /// ```
    #[must_use]
    pub fn with_verified_token_cache(mut self, capacity: NonZeroUsize) -> Self {
        self.s_mut().jwt.verified_cache = Some(capacity);
        self
    }

    /// Verifies V1 AppJWTs with these keys instead of LivePerson's published V1
    /// key (e.g. an emulator's).
    #[must_use]
    pub fn with_v1_keys(mut self, keys: KeySet) -> Self {
        self.s_mut().jwt.v1_keys = keys;
        self
    }

    /// How long a fetched JWKS is fresh; a stale one keeps verifying while it is
    /// refreshed in the background (default 1 h, [`DEFAULT_JWKS_TTL`](sentinel_proto::jwt::DEFAULT_JWKS_TTL)).
    #[must_use]
    pub fn with_jwks_ttl(mut self, ttl: Duration) -> Self {
        self.s_mut().jwt.jwks_ttl = ttl;
        self
    }

    /// The least time between two JWKS fetches forced by unknown `kid`s, and the
    /// first back-off after a failed fetch (default 60 s,
    /// [`DEFAULT_MIN_REFETCH_INTERVAL`](sentinel_proto::jwt::DEFAULT_MIN_REFETCH_INTERVAL)).
    #[must_use]
    pub fn with_min_jwks_refetch(mut self, interval: Duration) -> Self {
        self.s_mut().jwt.min_refetch = interval;
        self
    }

    /// How long past its TTL the last good JWKS keeps verifying while it cannot
    /// be refreshed (default 24 h, [`DEFAULT_JWKS_MAX_STALE`](sentinel_proto::jwt::DEFAULT_JWKS_MAX_STALE)); past it,
    /// verification fails with
    /// [`JwtError::JwksUnavailable`](sentinel_proto::jwt::JwtError::JwksUnavailable).
    #[must_use]
    pub fn with_jwks_max_stale(mut self, max_stale: Duration) -> Self {
        self.s_mut().jwt.max_stale = max_stale;
        self
    }

    /// The longest pause between JWKS fetch attempts while they fail (default
    /// 10 min, [`DEFAULT_JWKS_MAX_BACKOFF`](sentinel_proto::jwt::DEFAULT_JWKS_MAX_BACKOFF)).
    #[must_use]
    pub fn with_jwks_max_backoff(mut self, max_backoff: Duration) -> Self {
        self.s_mut().jwt.max_backoff = max_backoff;
        self
    }

    /// Clock leeway for `exp`, `nbf` and `iat` (default 60 s).
    #[must_use]
    pub fn with_leeway(mut self, leeway: Duration) -> Self {
        self.s_mut().jwt.leeway = leeway;
        self
    }

    /// Whether [`Client::verify_app_token`](crate::Client::verify_app_token) requires the AppJWT to be this
    /// client's: `aud` = `le{account}` and `azp` = the client id (default `true`).
    /// Turn it off only to verify tokens of other tenants on purpose.
    ///
    /// ```
    /// use sentinel_proto::{AccountId, ClientId, ClientSecret};
    /// use sentinel_client::ClientConfig;
    /// let config = ClientConfig::new(
    ///     AccountId::new("123456")?,
    ///     ClientId::new("my-client")?,
    ///     ClientSecret::new("my-secret"),
    /// )
    /// .with_app_jwt_tenant_check(false);
    /// # Ok::<(), sentinel_proto::error::InputError>(())
    /// ```
    #[must_use]
    pub fn with_app_jwt_tenant_check(mut self, on: bool) -> Self {
        self.s_mut().jwt.pin_app_jwt_tenant = on;
        self
    }

    /// Accepts ID tokens only with this `iss`, instead of either documented
    /// spelling ([`ID_TOKEN_ISSUERS`](sentinel_proto::jwt::ID_TOKEN_ISSUERS):
    /// LivePerson's pages disagree on the case).
    ///
    /// ```
    /// # use sentinel_client::ClientConfig;
    /// # use sentinel_proto::{AccountId, ClientId, ClientSecret};
    /// let config = ClientConfig::new(AccountId::new("123456")?, ClientId::new("c")?,
    ///     ClientSecret::new("s")).with_id_token_issuer("sentinel");
    /// # let _ = config;
    /// # Ok::<(), sentinel_proto::error::InputError>(())
    /// ```
    #[must_use]
    pub fn with_id_token_issuer(mut self, issuer: impl Into<String>) -> Self {
        self.s_mut().jwt.id_token_issuer = Some(issuer.into());
        self
    }
}
