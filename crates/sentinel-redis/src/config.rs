//! The settings of a store: key prefix, encryption key, time bounds, value cap.

use std::sync::Arc;
use std::time::Duration;

use aws_lc_rs::aead::{AES_256_GCM, RandomizedNonceKey};

use crate::error::{KeyError, PrefixError};

/// The default key prefix.
pub const DEFAULT_PREFIX: &str = "sentinel-rs:";
/// The longest key prefix accepted, in bytes.
pub const MAX_PREFIX_LEN: usize = 128;
/// How long connecting to Redis may take by default.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_millis(1000);
/// How long Redis may take to answer one command by default.
pub const DEFAULT_RESPONSE_TIMEOUT: Duration = Duration::from_millis(500);
/// The largest stored value read back by default, in bytes (an AppJWT is
/// about 1 KiB).
pub const DEFAULT_MAX_VALUE_LEN: usize = 16 * 1024;

/// The AES-256-GCM key that seals the tokens a store writes, shared by every
/// instance of the fleet. `Debug` shows nothing of it.
///
/// ```
/// use sentinel_redis::EncryptionKey;
/// // In production: 32 random bytes from your secret manager, the same for
/// // every instance.
/// let key = EncryptionKey::from_bytes(&[7u8; 32])?;
/// assert_eq!(format!("{key:?}"), "EncryptionKey(..)");
/// # Ok::<(), sentinel_redis::KeyError>(())
/// ```
#[derive(Clone)]
pub struct EncryptionKey(pub(crate) Arc<RandomizedNonceKey>);

impl EncryptionKey {
    /// A key from its 32 bytes (the caller keeps, and should wipe, its copy).
    ///
    /// ```
    /// use sentinel_redis::{EncryptionKey, KeyError};
    /// assert!(EncryptionKey::from_bytes(&[1u8; 32]).is_ok());
    /// assert_eq!(EncryptionKey::from_bytes(&[1u8; 31]).unwrap_err(), KeyError::WrongLength { len: 31 });
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        if bytes.len() != 32 {
            return Err(KeyError::WrongLength { len: bytes.len() });
        }
        RandomizedNonceKey::new(&AES_256_GCM, bytes)
            .map(|k| Self(Arc::new(k)))
            .map_err(|_| KeyError::Refused)
    }
}

impl std::fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EncryptionKey(..)")
    }
}

/// How a [`RedisTokenStore`](crate::RedisTokenStore) names, seals and bounds
/// what it does. `Debug` says whether a key is set, never the key.
///
/// ```
/// use std::time::Duration;
/// use sentinel_redis::{EncryptionKey, RedisStoreConfig};
/// let config = RedisStoreConfig::new()
///     .with_prefix("connector-prod:")
///     .with_encryption_key(EncryptionKey::from_bytes(&[7u8; 32])?)
///     .with_timeouts(Duration::from_millis(500), Duration::from_millis(200));
/// assert!(config.validate().is_ok());
/// assert!(format!("{config:?}").contains("encrypted: true"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct RedisStoreConfig {
    pub(crate) prefix: String,
    pub(crate) key: Option<EncryptionKey>,
    pub(crate) connect_timeout: Duration,
    pub(crate) response_timeout: Duration,
    pub(crate) max_value_len: usize,
}

impl Default for RedisStoreConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for RedisStoreConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStoreConfig")
            .field("prefix", &self.prefix)
            .field("encrypted", &self.key.is_some())
            .field("connect_timeout", &self.connect_timeout)
            .field("response_timeout", &self.response_timeout)
            .field("max_value_len", &self.max_value_len)
            .finish()
    }
}

impl RedisStoreConfig {
    /// The defaults: prefix [`DEFAULT_PREFIX`], no encryption key (tokens
    /// are stored in clear), [`DEFAULT_CONNECT_TIMEOUT`],
    /// [`DEFAULT_RESPONSE_TIMEOUT`], [`DEFAULT_MAX_VALUE_LEN`].
    ///
    /// ```
    /// let config = sentinel_redis::RedisStoreConfig::new();
    /// assert!(!config.is_encrypted());
    /// assert!(format!("{config:?}").contains("\"sentinel-rs:\""));
    /// ```
    pub fn new() -> Self {
        Self {
            prefix: DEFAULT_PREFIX.to_owned(),
            key: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            response_timeout: DEFAULT_RESPONSE_TIMEOUT,
            max_value_len: DEFAULT_MAX_VALUE_LEN,
        }
    }

    /// Keys start with `prefix` (at most [`MAX_PREFIX_LEN`] bytes, no braces;
    /// checked when the store is made): separate fleets, or environments
    /// sharing one Redis, take different prefixes.
    ///
    /// ```
    /// use sentinel_redis::RedisStoreConfig;
    /// assert!(RedisStoreConfig::new().with_prefix("staging:").validate().is_ok());
    /// assert!(RedisStoreConfig::new().with_prefix("x".repeat(129)).validate().is_err());
    /// ```
    #[must_use]
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Seals every token with `key` (AES-256-GCM, a random nonce per value,
    /// bound to the brand's account and client id) and refuses any value
    /// not sealed with it. Every instance of the fleet needs the same key.
    ///
    /// ```
    /// use sentinel_redis::{EncryptionKey, RedisStoreConfig};
    /// let config = RedisStoreConfig::new().with_encryption_key(EncryptionKey::from_bytes(&[3u8; 32])?);
    /// assert!(config.is_encrypted());
    /// # Ok::<(), sentinel_redis::KeyError>(())
    /// ```
    #[must_use]
    pub fn with_encryption_key(mut self, key: EncryptionKey) -> Self {
        self.key = Some(key);
        self
    }

    /// Connecting may take `connect`, each command `response` once
    /// connected: an operation returns within `connect + response` (as
    /// [`StoreError::Timeout`](sentinel_client::StoreError::Timeout) past it).
    ///
    /// ```
    /// use std::time::Duration;
    /// let config = sentinel_redis::RedisStoreConfig::new()
    ///     .with_timeouts(Duration::from_millis(200), Duration::from_millis(100));
    /// assert!(format!("{config:?}").contains("response_timeout: 100ms"));
    /// ```
    #[must_use]
    pub fn with_timeouts(mut self, connect: Duration, response: Duration) -> Self {
        self.connect_timeout = connect;
        self.response_timeout = response;
        self
    }

    /// Reads back at most `len` bytes of a stored value; a longer one is
    /// refused as corrupt without being read whole.
    ///
    /// ```
    /// let config = sentinel_redis::RedisStoreConfig::new().with_max_value_len(4096);
    /// assert!(format!("{config:?}").contains("max_value_len: 4096"));
    /// ```
    #[must_use]
    pub fn with_max_value_len(mut self, len: usize) -> Self {
        self.max_value_len = len;
        self
    }

    /// Whether a key is set.
    ///
    /// ```
    /// assert!(!sentinel_redis::RedisStoreConfig::default().is_encrypted());
    /// ```
    pub fn is_encrypted(&self) -> bool {
        self.key.is_some()
    }

    /// Checks what is checked when a store is made (the prefix).
    ///
    /// ```
    /// use sentinel_redis::{PrefixError, RedisStoreConfig, RedisStoreError};
    /// let e = RedisStoreConfig::new().with_prefix("{tag}").validate().unwrap_err();
    /// assert!(matches!(e, RedisStoreError::Prefix(PrefixError::Brace)));
    /// ```
    pub fn validate(&self) -> Result<(), crate::RedisStoreError> {
        if self.prefix.len() > MAX_PREFIX_LEN {
            return Err(PrefixError::TooLong {
                len: self.prefix.len(),
                max: MAX_PREFIX_LEN,
            }
            .into());
        }
        if self.prefix.contains(['{', '}']) {
            return Err(PrefixError::Brace.into());
        }
        Ok(())
    }
}
