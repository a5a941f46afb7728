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
    pub(crate) client_secret: ClientSecret,
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
            client_secret,
            version: ApiVersion::default(),
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
        format!(
            "{}/sentinel/api/account/{}",
            self.host.base_url(),
            self.account.as_str()
        )
    }
}
