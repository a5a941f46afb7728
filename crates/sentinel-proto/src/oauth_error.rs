//! OAuth 2.0 error responses (RFC 6749 §4.1.2.1 and §5.2).

use serde::Deserialize;

use crate::json::{Field, MapOnly};

/// Longest `error_description` kept; the rest is cut.
const MAX_DESCRIPTION: usize = 512;
/// Longest `error` code accepted as an OAuth error.
const MAX_CODE: usize = 128;

/// An OAuth error code.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OAuthErrorCode {
    /// `invalid_request`
    InvalidRequest,
    /// `invalid_client`
    InvalidClient,
    /// `invalid_grant`: the code or refresh token is invalid, expired or revoked.
    InvalidGrant,
    /// `unauthorized_client`
    UnauthorizedClient,
    /// `unsupported_grant_type`
    UnsupportedGrantType,
    /// `invalid_scope`
    InvalidScope,
    /// `access_denied` (authorize)
    AccessDenied,
    /// `unsupported_response_type` (authorize)
    UnsupportedResponseType,
    /// `server_error` (authorize)
    ServerError,
    /// `temporarily_unavailable` (authorize)
    TemporarilyUnavailable,
    /// Any other code.
    Other(String),
}

impl OAuthErrorCode {
    fn from_str(s: &str) -> Self {
        match s {
            "invalid_request" => Self::InvalidRequest,
            "invalid_client" => Self::InvalidClient,
            "invalid_grant" => Self::InvalidGrant,
            "unauthorized_client" => Self::UnauthorizedClient,
            "unsupported_grant_type" => Self::UnsupportedGrantType,
            "invalid_scope" => Self::InvalidScope,
            "access_denied" => Self::AccessDenied,
            "unsupported_response_type" => Self::UnsupportedResponseType,
            "server_error" => Self::ServerError,
            "temporarily_unavailable" => Self::TemporarilyUnavailable,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The code as the server sent it.
    pub fn as_str(&self) -> &str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope => "invalid_scope",
            Self::AccessDenied => "access_denied",
            Self::UnsupportedResponseType => "unsupported_response_type",
            Self::ServerError => "server_error",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
            Self::Other(s) => s,
        }
    }
}

/// An OAuth error: code, optional description and URI.
///
/// ```
/// use sentinel_proto::{OAuthError, OAuthErrorCode};
/// let e = OAuthError::from_json(br#"{"error":"invalid_client","error_description":"bad secret"}"#)
///     .expect("an OAuth error body");
/// assert_eq!(e.code(), &OAuthErrorCode::InvalidClient);
/// assert_eq!(e.description(), Some("bad secret"));
/// assert_eq!(e.to_string(), "invalid_client: bad secret");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OAuthError {
    code: OAuthErrorCode,
    description: Option<String>,
    uri: Option<String>,
}

impl OAuthError {
    /// Builds an error from its parts, validating the code's characters
    /// (RFC 6749: printable ASCII without `"` and `\`). Returns `None` if invalid.
    pub fn new(code: &str, description: Option<&str>, uri: Option<&str>) -> Option<Self> {
        if code.is_empty()
            || code.len() > MAX_CODE
            || !code
                .bytes()
                .all(|b| (0x20..=0x7e).contains(&b) && b != b'"' && b != b'\\')
        {
            return None;
        }
        Some(Self {
            code: OAuthErrorCode::from_str(code),
            description: description.map(sanitize).filter(|d| !d.is_empty()),
            uri: uri.map(sanitize).filter(|u| !u.is_empty()),
        })
    }

    /// Parses an RFC 6749 §5.2 JSON body; `None` if it is not one.
    pub fn from_json(body: &[u8]) -> Option<Self> {
        #[derive(Deserialize)]
        struct Body<'a> {
            #[serde(borrow)]
            error: Option<Field<'a>>,
            #[serde(borrow)]
            error_description: Option<Field<'a>>,
            #[serde(borrow)]
            error_uri: Option<Field<'a>>,
        }
        let b: Body<'_> = serde_json::from_slice::<MapOnly<_>>(body).ok()?.0;
        let text = |f: Option<Field<'_>>| match f {
            Some(Field::Str(s)) => Some(s.into_owned()),
            _ => None,
        };
        let code = match b.error? {
            Field::Str(s) => s,
            _ => return None,
        };
        Self::new(
            &code,
            text(b.error_description).as_deref(),
            text(b.error_uri).as_deref(),
        )
    }

    /// The error code.
    pub fn code(&self) -> &OAuthErrorCode {
        &self.code
    }

    /// `error_description`, control characters removed and cut to 512 characters.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// `error_uri`, if given.
    pub fn uri(&self) -> Option<&str> {
        self.uri.as_deref()
    }
}

/// Server text goes into error messages and logs: strip what could forge log lines.
fn sanitize(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control())
        .take(MAX_DESCRIPTION)
        .collect()
}

impl std::fmt::Display for OAuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code.as_str())?;
        if let Some(d) = &self.description {
            write!(f, ": {d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for OAuthError {}
