//! What can go wrong when a store is made. Operations fail with
//! [`sentinel_client::StoreError`] instead, which the pool handles.

/// Why a [`RedisTokenStore`](crate::RedisTokenStore) or an
/// [`EncryptionKey`](crate::EncryptionKey) could not be made. Never carries
/// the URL (it may hold a password) nor key bytes.
///
/// ```
/// use sentinel_redis::{EncryptionKey, KeyError, RedisStoreError};
/// let e = EncryptionKey::from_bytes(&[0u8; 16]).unwrap_err();
/// assert!(matches!(e, KeyError::WrongLength { len: 16 }));
/// let e: RedisStoreError = e.into();
/// assert_eq!(e.to_string(), "encryption key: 16 bytes, want 32");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RedisStoreError {
    /// The Redis URL could not be used (its text is not repeated: it may
    /// hold a password).
    #[error("redis URL unusable ({0})")]
    Url(&'static str),
    /// Not called from within a tokio runtime (the connection's tasks need one).
    #[error("sentinel-redis needs a tokio runtime: make the store inside one")]
    NoRuntime,
    /// The key prefix was refused.
    #[error("key prefix: {0}")]
    Prefix(#[from] PrefixError),
    /// The encryption key was refused.
    #[error("encryption key: {0}")]
    Key(#[from] KeyError),
}

/// Why a key prefix was refused.
///
/// ```
/// use sentinel_redis::{PrefixError, RedisStoreConfig};
/// assert_eq!(RedisStoreConfig::new().with_prefix("a{b}:").validate().unwrap_err().to_string(),
///     "key prefix: holds `{` or `}`, which would move the hash tag");
/// # let _: Option<PrefixError> = None;
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PrefixError {
    /// Longer than [`MAX_PREFIX_LEN`](crate::MAX_PREFIX_LEN) bytes.
    #[error("{len} bytes, at most {max}")]
    TooLong {
        /// Its length.
        len: usize,
        /// The most allowed.
        max: usize,
    },
    /// It holds a brace: Redis Cluster hashes the first `{...}` of a key, and
    /// the store's own hash tag must be that one.
    #[error("holds `{{` or `}}`, which would move the hash tag")]
    Brace,
}

/// Why an encryption key was refused.
///
/// ```
/// use sentinel_redis::{EncryptionKey, KeyError};
/// assert_eq!(EncryptionKey::from_bytes(b"short").unwrap_err(), KeyError::WrongLength { len: 5 });
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// Not 32 bytes (AES-256).
    #[error("{len} bytes, want 32")]
    WrongLength {
        /// The length given.
        len: usize,
    },
    /// The crypto library refused it.
    #[error("refused by the crypto library")]
    Refused,
}
