//! The redirect URI registered for the application.

use crate::error::InputError;

/// Longest redirect URI we accept.
const MAX_REDIRECT_URI: usize = 2048;

/// An absolute redirect URI without a fragment (RFC 6749 §3.1.2).
///
/// The string is kept exactly as given, because the code exchange must send the
/// identical value that went to authorize.
///
/// ```
/// use sentinel_proto::user::RedirectUri;
/// let r = RedirectUri::new("https://app.example/callback?x=1")?;
/// assert_eq!(r.as_str(), "https://app.example/callback?x=1");
/// assert!(RedirectUri::new("/relative").is_err());
/// assert!(RedirectUri::new("https://app.example/cb#frag").is_err());
/// # Ok::<(), sentinel_proto::error::InputError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RedirectUri(String);

impl RedirectUri {
    /// Validates `value` as an absolute URI with no fragment and no whitespace.
    pub fn new(value: impl Into<String>) -> Result<Self, InputError> {
        let value = value.into();
        if value.is_empty() || value.len() > MAX_REDIRECT_URI {
            return Err(InputError::RedirectUri("must be 1 to 2048 bytes"));
        }
        if value.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(InputError::RedirectUri(
                "must not contain whitespace or control characters",
            ));
        }
        let url =
            url::Url::parse(&value).map_err(|_| InputError::RedirectUri("not an absolute URI"))?;
        if url.fragment().is_some() {
            return Err(InputError::RedirectUri("must not contain a fragment"));
        }
        if url.cannot_be_a_base() {
            return Err(InputError::RedirectUri("not a hierarchical URI"));
        }
        Ok(Self(value))
    }

    /// The URI exactly as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for RedirectUri {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
