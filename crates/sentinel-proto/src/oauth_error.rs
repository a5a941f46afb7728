//! OAuth 2.0 error responses (RFC 6749 §4.1.2.1 and §5.2).

use serde::Deserialize;

use crate::body_json::{Field, MapOnly};
use crate::redact::{Redactor, sanitize};

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
/// The description, the URI and an unregistered code are the server's text, and a
/// server may echo what it was sent (`Invalid credentials: <the secret>`). So they
/// appear in `Display` and `Debug` only once the error has been
/// [redacted](OAuthError::redact) with the secrets of the request that caused it
/// (the `sentinel_client::Client` always does this); before, they are withheld.
/// Control, bidi and format characters are removed from them in any case.
///
/// ```
/// use sentinel_proto::{Redactor, error::{OAuthError, OAuthErrorCode}};
/// let e = OAuthError::from_json(br#"{"error":"invalid_client","error_description":"bad secret s3cr3t"}"#)
///     .expect("an OAuth error body");
/// assert_eq!(e.code(), &OAuthErrorCode::InvalidClient);
/// assert_eq!(e.to_string(), "invalid_client: [description withheld]");
///
/// let e = e.redact(&Redactor::new().with_secret("s3cr3t"));
/// assert_eq!(e.description(), Some("bad secret [redacted]"));
/// assert_eq!(e.to_string(), "invalid_client: bad secret [redacted]");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct OAuthError {
    code: OAuthErrorCode,
    description: Option<String>,
    uri: Option<String>,
    /// Whether the description and the URI were longer than [`MAX_KEPT`]
    /// characters and were cut.
    cut: (bool, bool),
    redacted: bool,
}

/// How much of a description is kept until it is redacted: more than is shown, so
/// that a secret straddling the shown length is still found whole.
const MAX_KEPT: usize = 4096;

impl OAuthError {
    /// Builds an error from its parts, validating the code's characters
    /// (RFC 6749: printable ASCII without `"` and `\`). Returns `None` if invalid.
    /// The parts count as server text: see the type's documentation.
    pub fn new(code: &str, description: Option<&str>, uri: Option<&str>) -> Option<Self> {
        if code.is_empty()
            || code.len() > MAX_CODE
            || !code
                .bytes()
                .all(|b| (0x20..=0x7e).contains(&b) && b != b'"' && b != b'\\')
        {
            return None;
        }
        let (description, cut) = match description.map(|d| sanitize(d, MAX_KEPT)) {
            Some((d, cut)) if !d.is_empty() => (Some(d), cut),
            _ => (None, false),
        };
        let (uri, uri_cut) = match uri.map(|u| sanitize(u, MAX_KEPT)) {
            Some((u, cut)) if !u.is_empty() => (Some(u), cut),
            _ => (None, false),
        };
        Some(Self {
            code: OAuthErrorCode::from_str(code),
            description,
            uri,
            cut: (cut, uri_cut),
            redacted: false,
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

    /// Cuts every secret `redactor` knows (and anything shaped like a JWT) out of
    /// the server's text, which from then on is shown by `Display` and `Debug`.
    #[must_use]
    pub fn redact(mut self, redactor: &Redactor) -> Self {
        if let OAuthErrorCode::Other(c) = &mut self.code {
            *c = redactor.scrub(c).into_owned();
        }
        let scrub = |text: &mut Option<String>, cut: bool| {
            if let Some(t) = text {
                let scrubbed = if cut {
                    redactor.scrub_truncated(t)
                } else {
                    redactor.scrub(t).into_owned()
                };
                *t = cap_whole_markers(&scrubbed, MAX_DESCRIPTION).to_owned();
            }
        };
        scrub(&mut self.description, self.cut.0);
        scrub(&mut self.uri, self.cut.1);
        self.cut = (false, false);
        self.redacted = true;
        self
    }

    /// Whether [`redact`](Self::redact) has run, so that the server's text is shown.
    pub fn is_redacted(&self) -> bool {
        self.redacted
    }

    /// The error code.
    pub fn code(&self) -> &OAuthErrorCode {
        &self.code
    }

    /// `error_description`, control, bidi and format characters removed, cut to
    /// 512 characters.
    ///
    /// # Security
    /// Before [`redact`](Self::redact) this is the server's text as sent, which may
    /// echo a secret of the request: do not log it unredacted.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref().map(|d| cap(d, MAX_DESCRIPTION))
    }

    /// `error_uri`, if given (same caveat as [`description`](Self::description)).
    pub fn uri(&self) -> Option<&str> {
        self.uri.as_deref().map(|u| cap(u, MAX_DESCRIPTION))
    }

    /// The code as it may be shown: a registered code always; any other only once
    /// redacted.
    fn shown_code(&self) -> &str {
        match (&self.code, self.redacted) {
            (OAuthErrorCode::Other(_), false) => "[unregistered error code withheld]",
            (c, _) => c.as_str(),
        }
    }
}

/// The first `max` characters of `s`.
fn cap(s: &str, max: usize) -> &str {
    s.char_indices()
        .nth(max)
        .map_or(s, |(i, _)| s.get(..i).unwrap_or(s))
}

/// [`cap`], but never ending in a cut-off [`REDACTED`](crate::REDACTED) marker.
fn cap_whole_markers(s: &str, max: usize) -> &str {
    let capped = cap(s, max);
    if capped.len() == s.len() {
        return capped;
    }
    let marker = crate::redact::REDACTED;
    match capped.rfind('[') {
        Some(i) if marker.starts_with(capped.get(i..).unwrap_or("")) => {
            capped.get(..i).unwrap_or(capped)
        }
        _ => capped,
    }
}

impl std::fmt::Display for OAuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.shown_code())?;
        match (&self.description, self.redacted) {
            (Some(d), true) => write!(f, ": {d}"),
            (Some(_), false) => f.write_str(": [description withheld]"),
            (None, _) => Ok(()),
        }
    }
}

impl std::fmt::Debug for OAuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let withheld = |v: &Option<String>| match (v, self.redacted) {
            (Some(v), true) => Some(v.clone()),
            (Some(_), false) => Some("[withheld]".to_owned()),
            (None, _) => None,
        };
        f.debug_struct("OAuthError")
            .field("code", &self.shown_code())
            .field("description", &withheld(&self.description))
            .field("uri", &withheld(&self.uri))
            .field("redacted", &self.redacted)
            .finish()
    }
}

impl std::error::Error for OAuthError {}
