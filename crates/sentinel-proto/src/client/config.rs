//! How a [`Client`](crate::Client) is set up.

use std::time::Duration;

use crate::app_token::AppJwtVersion;
use crate::cache::RefreshPolicy;
use crate::host::Host;
use crate::ids::{AccountId, ClientId};
use crate::request::ApiVersion;
use crate::retry::RetryPolicy;
use crate::secret::ClientSecret;

/// The settings of a [`Client`](crate::Client). Built with [`ClientConfig::new`]
/// and the `with_*` methods; `Debug` redacts the secret.
///
/// ```
/// use sentinel_proto::{AccountId, AppJwtVersion, ClientConfig, ClientId, ClientSecret, Host};
/// let config = ClientConfig::new(
///     AccountId::new("123456")?,
///     ClientId::new("my-client")?,
///     ClientSecret::new("my-secret"),
/// )
/// .with_sentinel_host(Host::americas())      // skip discovery
/// .with_app_jwt_version(AppJwtVersion::V2);
/// assert!(!format!("{config:?}").contains("my-secret"));
/// # Ok::<(), sentinel_proto::InputError>(())
/// ```
#[derive(Clone, Debug)]
pub struct ClientConfig {
    pub(crate) account: AccountId,
    pub(crate) client_id: ClientId,
    pub(crate) client_secret: ClientSecret,
    pub(crate) csds: Host,
    pub(crate) sentinel_host: Option<Host>,
    pub(crate) idp_host: Option<Host>,
    pub(crate) api_version: ApiVersion,
    pub(crate) app_jwt_version: AppJwtVersion,
    pub(crate) legacy_query: bool,
    pub(crate) retry: RetryPolicy,
    pub(crate) refresh: RefreshPolicy,
    pub(crate) domain_ttl: Duration,
    pub(crate) allowed_domains: Vec<String>,
    #[cfg(feature = "jwt")]
    pub(crate) jwt: crate::client::verify::VerifyConfig,
}

impl ClientConfig {
    /// Settings for `client_id` of `account`: hosts discovered through LivePerson's
    /// Domain API, AppJWT V1, API version 1.0, default retry and refresh policies,
    /// Domain API answers cached for 10 minutes.
    pub fn new(account: AccountId, client_id: ClientId, client_secret: ClientSecret) -> Self {
        Self {
            account,
            client_id,
            client_secret,
            csds: Host::csds(),
            sentinel_host: None,
            idp_host: None,
            api_version: ApiVersion::default(),
            app_jwt_version: AppJwtVersion::default(),
            legacy_query: false,
            retry: RetryPolicy::default(),
            refresh: RefreshPolicy::default(),
            domain_ttl: Duration::from_secs(600),
            allowed_domains: Vec::new(),
            #[cfg(feature = "jwt")]
            jwt: crate::client::verify::VerifyConfig::default(),
        }
    }

    /// Discovers hosts through the Domain API at `csds` instead of LivePerson's.
    #[must_use]
    pub fn with_csds(mut self, csds: Host) -> Self {
        self.csds = csds;
        self
    }

    /// Uses this Sentinel host instead of discovering it.
    #[must_use]
    pub fn with_sentinel_host(mut self, host: Host) -> Self {
        self.sentinel_host = Some(host);
        self
    }

    /// Uses this Identity Provider host (ConsumerJWS) instead of discovering it.
    #[must_use]
    pub fn with_idp_host(mut self, host: Host) -> Self {
        self.idp_host = Some(host);
        self
    }

    /// The `v=` of the user-token endpoints.
    #[must_use]
    pub fn with_api_version(mut self, version: ApiVersion) -> Self {
        self.api_version = version;
        self
    }

    /// Which AppJWT endpoint (and so which keys) to use.
    #[must_use]
    pub fn with_app_jwt_version(mut self, version: AppJwtVersion) -> Self {
        self.app_jwt_version = version;
        self
    }

    /// Sends AppJWT V1 credentials in the query string, as old servers require.
    ///
    /// # Security
    /// The secret then appears in URLs, and so in proxy and server logs.
    #[must_use]
    pub fn with_legacy_query_credentials(mut self, on: bool) -> Self {
        self.legacy_query = on;
        self
    }

    /// Retries of safe operations.
    #[must_use]
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// When the AppJWT is renewed ahead of expiry.
    #[must_use]
    pub fn with_refresh_policy(mut self, refresh: RefreshPolicy) -> Self {
        self.refresh = refresh;
        self
    }

    /// How long a Domain API answer is kept.
    #[must_use]
    pub fn with_domain_ttl(mut self, ttl: Duration) -> Self {
        self.domain_ttl = ttl;
        self
    }

    /// Also accepts discovered hosts under these domains (private deployments).
    ///
    /// By default a host the Domain API names must be under `liveperson.net`, or
    /// be the Domain API's own host or a subdomain of it, or be loopback when the
    /// Domain API is (a local emulator); see
    /// [`DomainApi::with_allowed_domains`](crate::DomainApi::with_allowed_domains)
    /// for how entries match. Hosts given with `with_sentinel_host` and
    /// `with_idp_host` are not checked: they are the caller's own choice.
    ///
    /// ```
    /// use sentinel_proto::{AccountId, ClientConfig, ClientId, ClientSecret, Host};
    /// let config = ClientConfig::new(
    ///     AccountId::new("123456")?,
    ///     ClientId::new("my-client")?,
    ///     ClientSecret::new("my-secret"),
    /// )
    /// .with_csds(Host::parse("csds.corp.example")?)
    /// .with_allowed_domains(["corp.example"]);
    /// assert_eq!(config.allowed_domains(), ["corp.example"]);
    /// # Ok::<(), sentinel_proto::InputError>(())
    /// ```
    #[must_use]
    pub fn with_allowed_domains<I, S>(mut self, domains: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.allowed_domains
            .extend(domains.into_iter().map(|d| d.as_ref().to_owned()));
        self
    }

    /// The domains added with [`ClientConfig::with_allowed_domains`], as given.
    pub fn allowed_domains(&self) -> &[String] {
        &self.allowed_domains
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
        &self.csds
    }

    /// The AppJWT version in use.
    pub fn app_jwt_version(&self) -> AppJwtVersion {
        self.app_jwt_version
    }
}
