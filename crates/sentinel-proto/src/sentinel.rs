//! One registered application on one Sentinel host: the context every user-token
//! and AppJWT request is built from.

use crate::host::Host;
use crate::ids::{AccountId, ClientId};
use crate::request::ApiVersion;
use crate::secret::ClientSecret;

/// An application's view of Sentinel: host, account and client credentials.
///
/// Cheap to clone. `Debug` redacts the secret.
///
/// ```
/// use sentinel_proto::{AccountId, ClientId, ClientSecret, Host, Sentinel};
/// let s = Sentinel::new(
///     Host::parse("va.sentinel.liveperson.net")?,
///     AccountId::new("123456")?,
///     ClientId::new("my-client")?,
///     ClientSecret::new("my-secret"),
/// );
/// assert!(!format!("{s:?}").contains("my-secret"));
/// # Ok::<(), sentinel_proto::error::InputError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Sentinel {
    pub(crate) host: Host,
    pub(crate) account: AccountId,
    pub(crate) client_id: ClientId,
    /// `None` for a public context, which builds only the authorize URL and the
    /// JWKS request.
    pub(crate) client_secret: Option<ClientSecret>,
    pub(crate) version: ApiVersion,
}

impl Sentinel {
    /// The context for `client_id` of `account` on `host`, with API version 1.0.
    pub fn new(
        host: Host,
        account: AccountId,
        client_id: ClientId,
        client_secret: ClientSecret,
    ) -> Self {
        Self {
            host,
            account,
            client_id,
            client_secret: Some(client_secret),
            version: ApiVersion::default(),
        }
    }

    /// A context without the client secret, for what needs none: the authorize
    /// URL (built for a browser) and the JWKS request. The other builders refuse
    /// with [`InputError::Parameter`](crate::error::InputError::Parameter).
    ///
    /// ```
    /// use sentinel_proto::{AccountId, ClientId, Host, Sentinel};
    /// use sentinel_proto::app_token::AppJwtVersion;
    /// let s = Sentinel::public(Host::americas(), AccountId::new("123456")?, ClientId::new("cid")?);
    /// let state = sentinel_proto::user::State::from_random_bytes([1; 32]);
    /// assert!(s.authorize_url(None, &state).is_ok());
    /// assert!(s.app_token_request(AppJwtVersion::V1).is_err());
    /// # Ok::<(), sentinel_proto::error::InputError>(())
    /// ```
    pub fn public(host: Host, account: AccountId, client_id: ClientId) -> Self {
        Self {
            host,
            account,
            client_id,
            client_secret: None,
            version: ApiVersion::default(),
        }
    }

    /// The client secret, for the builders that send it.
    pub(crate) fn secret(&self) -> Result<&str, crate::Error> {
        match &self.client_secret {
            Some(s) => Ok(s.secret()),
            None => Err(crate::error::InputError::Parameter {
                name: "client_secret",
                reason: "this context has none (Sentinel::public)",
            }
            .into()),
        }
    }

    /// Uses `version` for the `v=` parameter of the user-token endpoints.
    #[must_use]
    pub fn with_version(mut self, version: ApiVersion) -> Self {
        self.version = version;
        self
    }

    /// The Sentinel host.
    pub fn host(&self) -> &Host {
        &self.host
    }

    /// The account.
    pub fn account(&self) -> &AccountId {
        &self.account
    }

    /// The client id.
    pub fn client_id(&self) -> &ClientId {
        &self.client_id
    }

    /// The API version of the user-token endpoints.
    pub fn version(&self) -> ApiVersion {
        self.version
    }

    /// `https://{host}/sentinel/api/account/{account}` — the prefix of most endpoints.
    pub(crate) fn account_base(&self) -> String {
        self.account_url("")
    }

    /// The account's base URL followed by `tail`, in one allocation (no
    /// formatting machinery on the request path).
    pub(crate) fn account_url(&self, tail: &str) -> String {
        const PATH: &str = "/sentinel/api/account/";
        let (base, account) = (self.host.base_url(), self.account.as_str());
        let mut url = String::with_capacity(base.len() + PATH.len() + account.len() + tail.len());
        url.push_str(base);
        url.push_str(PATH);
        url.push_str(account);
        url.push_str(tail);
        url
    }
}
