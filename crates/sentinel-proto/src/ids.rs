//! Validated identifiers: account id and client id.
//!
//! Both are shared strings: a pool of many brands copies each id into its key,
//! its client's settings and its requests' context, and a clone is then a
//! reference count, not an allocation.

use std::sync::Arc;

use crate::error::InputError;

/// Longest account id we accept; LivePerson's are a handful of digits.
const MAX_ACCOUNT_ID: usize = 64;
/// Longest client id we accept.
const MAX_CLIENT_ID: usize = 256;

/// A LivePerson account id ("site ID"), e.g. `123456`.
///
/// LivePerson's are digits; letters, `-` and `_` are accepted too so that test
/// accounts of other deployments work, but nothing that would change the URL path.
///
/// ```
/// use sentinel_proto::AccountId;
/// assert_eq!(AccountId::new("123456")?.as_str(), "123456");
/// assert!(AccountId::new("12/../34").is_err());
/// # Ok::<(), sentinel_proto::error::InputError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AccountId(Arc<str>);

impl AccountId {
    /// Validates `value`: 1 to 64 characters from `[A-Za-z0-9_-]`.
    pub fn new(value: impl Into<String>) -> Result<Self, InputError> {
        let value = value.into();
        if value.is_empty() || value.len() > MAX_ACCOUNT_ID {
            return Err(InputError::AccountId("must be 1 to 64 characters"));
        }
        if !value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(InputError::AccountId(
                "only letters, digits, '-' and '_' are allowed",
            ));
        }
        Ok(Self(Arc::from(value)))
    }

    /// The id as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for AccountId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The application's client id ("installation id") from registration.
///
/// ```
/// use sentinel_proto::ClientId;
/// let id = ClientId::new("4b3c2d1e-0000-4000-8000-00000000c1d0")?;
/// assert_eq!(id.as_str(), "4b3c2d1e-0000-4000-8000-00000000c1d0");
/// assert!(ClientId::new("").is_err());
/// # Ok::<(), sentinel_proto::error::InputError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ClientId(Arc<str>);

impl ClientId {
    /// Validates `value`: 1 to 256 bytes, no control characters or spaces.
    pub fn new(value: impl Into<String>) -> Result<Self, InputError> {
        let value = value.into();
        if value.is_empty() || value.len() > MAX_CLIENT_ID {
            return Err(InputError::ClientId("must be 1 to 256 bytes"));
        }
        if value.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(InputError::ClientId(
                "must not contain whitespace or control characters",
            ));
        }
        Ok(Self(Arc::from(value)))
    }

    /// The id as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ClientId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
