//! The emulator with a marked client secret, and client configurations for it.
//! A marker is a secret no output may show; each test binary picks its own, so a
//! leak names the test that let it out.

use sentinel_mock::{MockClient, MockConfig, MockHandle, MockServer};

/// The one redirect URI the marked client may use.
pub const REDIRECT: &str = "http://127.0.0.1/callback";

/// An emulator configuration whose one client is `client_id` with `secret`, and
/// [`REDIRECT`] as its redirect URI.
pub fn marked_config(client_id: &str, secret: &str) -> MockConfig {
    MockConfig {
        clients: vec![MockClient {
            id: client_id.into(),
            secret: secret.into(),
            redirect_uris: vec![REDIRECT.into()],
        }],
        ..MockConfig::default()
    }
}

/// [`marked_config`], started on the caller's tokio runtime.
pub async fn marked(client_id: &str, secret: &str) -> MockHandle {
    MockServer::builder()
        .config(marked_config(client_id, secret))
        .start()
        .await
        .unwrap()
}

/// [`marked_config`], started on a runtime of its own.
pub fn marked_blocking(client_id: &str, secret: &str) -> MockHandle {
    start_blocking(marked_config(client_id, secret))
}

/// `config`, started on a runtime of its own.
pub fn start_blocking(config: MockConfig) -> MockHandle {
    MockServer::builder()
        .config(config)
        .start_blocking()
        .unwrap()
}

#[cfg(feature = "adapters")]
pub use client_config::*;

#[cfg(feature = "adapters")]
mod client_config {
    use std::time::Duration;

    use sentinel_client::ClientConfig;
    use sentinel_mock::MockHandle;
    use sentinel_proto::jwt::{KeySet, RsaPublicKey};
    use sentinel_proto::{AccountId, ClientId, ClientSecret, Host, policy::RetryPolicy};

    /// Retries `delay` apart: the policy is tested in sentinel-proto; the
    /// adapters' tests check the wiring, fast.
    pub fn fast_retry(delay: Duration) -> RetryPolicy {
        RetryPolicy::default().with_base_delay(delay)
    }

    /// A configuration for the emulator `m`: its account, client and secret, its
    /// Domain API as CSDS, its V1 key, fast retries.
    pub fn config(m: &MockHandle) -> ClientConfig {
        let v1 = RsaPublicKey::from_spki_der(m.v1_public_key_spki_der())
            .unwrap()
            .with_kid(sentinel_mock::V1_KID);
        ClientConfig::new(
            AccountId::new(m.account()).unwrap(),
            ClientId::new(m.client_id()).unwrap(),
            ClientSecret::new(m.client_secret()),
        )
        .with_csds(Host::parse(&m.base_url()).unwrap())
        .with_v1_keys(KeySet::new().with(v1))
        .with_retry(fast_retry(Duration::from_millis(5)))
    }

    /// A configuration for account 123456 with `client_id` and `secret`, fast
    /// retries, and no emulator behind it.
    pub fn bare_config(client_id: &str, secret: &str) -> ClientConfig {
        ClientConfig::new(
            AccountId::new("123456").unwrap(),
            ClientId::new(client_id).unwrap(),
            ClientSecret::new(secret),
        )
        .with_retry(fast_retry(Duration::from_millis(5)))
    }

    /// [`bare_config`] pointed at `sentinel` for Sentinel and the IdP alike: no
    /// discovery.
    pub fn pointed_at(client_id: &str, secret: &str, sentinel: &Host) -> ClientConfig {
        bare_config(client_id, secret)
            .with_sentinel_host(sentinel.clone())
            .with_idp_host(sentinel.clone())
    }
}
