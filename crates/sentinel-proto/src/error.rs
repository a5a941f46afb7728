//! The crate's errors.
//!
//! One [`Error`] for every build/parse call, with nested `#[non_exhaustive]` enums
//! joined by `From`, in the manner of rustls. No variant ever holds a secret, a
//! token, a code or a refresh token: response bodies are kept as [`RawBody`], whose
//! `Debug` and `Display` show only its size.

use std::time::{Duration, SystemTime};

use http::StatusCode;

pub use crate::oauth_error::{OAuthError, OAuthErrorCode};
use crate::redact::Redactor;

/// Everything that can go wrong building a request or reading a response.
///
/// ```
/// use sentinel_proto::{Error, user::parse_token_response};
/// let resp = http::Response::builder()
///     .status(400)
///     .body(br#"{"error":"invalid_grant","error_description":"code expired"}"#.to_vec())?;
/// match parse_token_response(&resp) {
///     Err(Error::OAuth { status, error, .. }) => {
///         assert_eq!(status, 400);
///         assert_eq!(error.code().as_str(), "invalid_grant");
///     }
///     other => panic!("unexpected {other:?}"),
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request did not complete: DNS, connect, TLS, timeout, reset. Reported
    /// by the adapter that sent it.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// A value given to a builder was invalid. Never caused by network data.
    #[error("invalid input: {0}")]
    Input(#[from] InputError),
    /// The server answered an error status with an OAuth error body (RFC 6749 §5.2).
    #[error("HTTP {status}: {error}")]
    OAuth {
        /// The HTTP status.
        status: StatusCode,
        /// The parsed error.
        error: OAuthError,
        /// The server's `Retry-After`, if it sent one.
        retry_after: Option<RetryAfter>,
    },
    /// The server answered a non-success status without a usable body
    /// (an HTML page, an empty body, garbage), or a redirect, which is never followed.
    #[error("HTTP {status} without a usable error body ({body})")]
    Status {
        /// The HTTP status.
        status: StatusCode,
        /// The body, kept for diagnosis.
        body: RawBody,
        /// The server's `Retry-After`, if it sent one.
        retry_after: Option<RetryAfter>,
    },
    /// The server answered success, but the body is not what the endpoint returns.
    #[error("HTTP {status} with an unusable body: {reason}")]
    InvalidBody {
        /// The HTTP status.
        status: StatusCode,
        /// What was wrong with it.
        reason: BodyError,
    },
    /// The body is larger than the limit; it was not read to the end or not parsed.
    /// The status and `Retry-After` are kept: a 503 with a large error page is
    /// still worth retrying.
    #[error("HTTP {status}: response body is larger than the {limit}-byte limit")]
    BodyTooLarge {
        /// The HTTP status.
        status: StatusCode,
        /// The limit in bytes.
        limit: usize,
        /// The server's `Retry-After`.
        retry_after: Option<RetryAfter>,
    },
    /// The authorize callback was an error or did not match the request.
    #[error(transparent)]
    Callback(#[from] crate::user::authorize::CallbackError),
    /// A JWT failed decoding or verification.
    #[cfg(feature = "jwt")]
    #[error(transparent)]
    Jwt(#[from] crate::jwt::JwtError),
}

impl Error {
    /// Cuts every secret `redactor` knows (and anything shaped like a JWT) out of
    /// whatever server text this error keeps: an OAuth error's code, description
    /// and URI, a kept body, a transport message. From then on that text is shown
    /// by `Display` and `Debug`; before, it is withheld.
    ///
    /// The `sentinel_client::Client` does this with the secrets of the request
    /// that failed ([`Redactor::from_request`]). Do the same when you send
    /// requests yourself:
    ///
    /// ```
    /// use sentinel_proto::{*, app_token::*, error::*};
    /// let sentinel = Sentinel::new(Host::parse("va.sentinel.liveperson.net")?,
    ///     AccountId::new("123456")?, ClientId::new("cid")?, ClientSecret::new("s3cr3t"));
    /// let request = sentinel.app_token_request(AppJwtVersion::V1)?;
    /// let redactor = Redactor::from_request(&request);
    /// // ... send it; a hostile server echoes the secret:
    /// let response = http::Response::builder().status(401)
    ///     .body(br#"{"error":"invalid_client","error_description":"bad: s3cr3t"}"#.to_vec())?;
    /// let err = parse_app_token_response(&response).unwrap_err();
    /// assert!(!err.to_string().contains("s3cr3t"));          // withheld...
    /// let err = err.redact(&redactor);
    /// assert_eq!(err.to_string(), "HTTP 401 Unauthorized: invalid_client: bad: [redacted]");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn redact(self, redactor: &Redactor) -> Self {
        match self {
            Error::OAuth {
                status,
                error,
                retry_after,
            } => Error::OAuth {
                status,
                error: error.redact(redactor),
                retry_after,
            },
            Error::Status {
                status,
                body,
                retry_after,
            } => Error::Status {
                status,
                body: body.redact(redactor),
                retry_after,
            },
            Error::InvalidBody { status, reason } => Error::InvalidBody {
                status,
                reason: reason.redact(redactor),
            },
            Error::Transport(t) => Error::Transport(t.redact(redactor)),
            Error::Callback(c) => Error::Callback(c.redact(redactor)),
            #[cfg(feature = "jwt")]
            Error::Jwt(j) => Error::Jwt(j.redact(redactor)),
            other => other,
        }
    }

    /// The HTTP status of the response this error came from, if any.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::OAuth { status, .. }
            | Error::Status { status, .. }
            | Error::InvalidBody { status, .. }
            | Error::BodyTooLarge { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The server's `Retry-After`, if it sent one.
    pub fn retry_after(&self) -> Option<RetryAfter> {
        match self {
            Error::OAuth { retry_after, .. }
            | Error::Status { retry_after, .. }
            | Error::BodyTooLarge { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Whether repeating the same request may succeed: transport failures other than
    /// TLS, 429 and 5xx answers.
    ///
    /// This says nothing about whether repeating is *safe*: a code exchange must
    /// never be repeated, whatever this returns.
    pub fn is_transient(&self) -> bool {
        if let Error::Transport(t) = self {
            return t.kind() != TransportErrorKind::Tls;
        }
        match self.status() {
            Some(s) => s == StatusCode::TOO_MANY_REQUESTS || s.is_server_error(),
            None => false,
        }
    }
}

/// An invalid value given to a builder or constructor.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// The account id.
    #[error("account id: {0}")]
    AccountId(&'static str),
    /// The client id.
    #[error("client id: {0}")]
    ClientId(&'static str),
    /// A host.
    #[error("host: {0}")]
    Host(&'static str),
    /// The redirect URI.
    #[error("redirect URI: {0}")]
    RedirectUri(&'static str),
    /// The CSRF state.
    #[error("state: {0}")]
    State(&'static str),
    /// Some other parameter, named.
    #[error("{name}: {reason}")]
    Parameter {
        /// The parameter.
        name: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The operating system's random generator failed.
    #[error("the system random number generator failed")]
    Random,
}

/// What was wrong with a success body.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BodyError {
    /// The body is not JSON of the expected shape. Values are never echoed.
    #[error("{kind} at line {line}, column {column}")]
    Json {
        /// What kind of JSON error.
        kind: JsonErrorKind,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// A required field is absent (or `null`).
    #[error("missing field `{0}`")]
    MissingField(&'static str),
    /// A field has the wrong JSON type or an impossible value.
    #[error("field `{field}`: {expected}")]
    InvalidField {
        /// The field.
        field: &'static str,
        /// What it should have been.
        expected: &'static str,
    },
    /// The token is already expired on arrival (`expires_in` of 0, or an `exp`
    /// in the past): it cannot be used, and caching it would renew it on every call.
    #[error("the token is already expired (expires_in 0 or exp in the past)")]
    AlreadyExpired,
    /// `token_type` is not `Bearer`.
    #[error("token_type is not Bearer")]
    UnsupportedTokenType,
    /// A Domain API `baseURI` is not a bare host.
    #[error("baseURI of service `{service}` is not a valid host: {reason}")]
    InvalidBaseUri {
        /// The service it was given for.
        service: String,
        /// Why it is not a host.
        reason: InputError,
    },
    /// The Domain API answer does not list the service asked for.
    #[error("the Domain API lists no service `{0}`")]
    ServiceNotFound(String),
    /// A Domain API `baseURI` is a valid host, but not under an allowed domain
    /// (`liveperson.net`, the Domain API's own host, or one the caller added).
    #[error("baseURI of service `{service}` is `{host}`, which is not under an allowed domain")]
    HostNotAllowed {
        /// The service it was given for.
        service: String,
        /// The host, `host[:port]` (a host name is not a secret).
        host: String,
    },
}

impl BodyError {
    fn redact(self, redactor: &Redactor) -> Self {
        match self {
            BodyError::InvalidBaseUri { service, reason } => BodyError::InvalidBaseUri {
                service: redactor.scrub(&service).into_owned(),
                reason,
            },
            BodyError::ServiceNotFound(s) => {
                BodyError::ServiceNotFound(redactor.scrub(&s).into_owned())
            }
            other => other,
        }
    }
}

/// The category of a JSON error (serde_json's, without its message, which may echo
/// a value from the body).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum JsonErrorKind {
    /// Not syntactically JSON.
    Syntax,
    /// The body ended early.
    Eof,
    /// Valid JSON of the wrong shape (wrong type, duplicate field, ...).
    Data,
}

impl std::fmt::Display for JsonErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            JsonErrorKind::Syntax => "not valid JSON",
            JsonErrorKind::Eof => "JSON ended early",
            JsonErrorKind::Data => "JSON of the wrong shape",
        })
    }
}

impl From<serde_json::Error> for BodyError {
    fn from(e: serde_json::Error) -> Self {
        let kind = match e.classify() {
            serde_json::error::Category::Eof => JsonErrorKind::Eof,
            serde_json::error::Category::Data => JsonErrorKind::Data,
            serde_json::error::Category::Syntax | serde_json::error::Category::Io => {
                JsonErrorKind::Syntax
            }
        };
        BodyError::Json {
            kind,
            line: e.line(),
            column: e.column(),
        }
    }
}

/// A response body kept for diagnosis, capped at [`RawBody::MAX`] bytes.
///
/// `Debug` and `Display` show only its length (and, once redacted, its content
/// type), because an error page may echo what was sent. Read it with
/// [`RawBody::as_bytes`] when you need to.
#[derive(Clone, PartialEq, Eq)]
pub struct RawBody {
    bytes: Vec<u8>,
    total_len: usize,
    content_type: Option<String>,
    redacted: bool,
}

impl RawBody {
    /// How much of a body is kept.
    pub const MAX: usize = 4096;

    pub(crate) fn new(bytes: &[u8], content_type: Option<&str>) -> Self {
        let kept = bytes.get(..Self::MAX).unwrap_or(bytes);
        Self {
            bytes: kept.to_vec(),
            total_len: bytes.len(),
            content_type: content_type
                .map(|c| crate::redact::sanitize(c, 100).0)
                .filter(|c| !c.is_empty()),
            redacted: false,
        }
    }

    /// Cuts every secret `redactor` knows out of the kept bytes and the content type.
    #[must_use]
    pub fn redact(mut self, redactor: &Redactor) -> Self {
        let cut = self.total_len > self.bytes.len();
        self.bytes = redactor.scrub_bytes(&self.bytes, cut);
        self.content_type = self.content_type.map(|c| redactor.scrub_truncated(&c));
        self.redacted = true;
        self
    }

    /// The first [`RawBody::MAX`] bytes of the body.
    ///
    /// # Security
    /// An error page may echo the request, secrets included: unless
    /// [`is_redacted`](Self::is_redacted), do not log this blindly.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Whether [`redact`](Self::redact) has run.
    pub fn is_redacted(&self) -> bool {
        self.redacted
    }

    /// The length of the whole body.
    pub fn len(&self) -> usize {
        self.total_len
    }

    /// Whether the body was empty.
    pub fn is_empty(&self) -> bool {
        self.total_len == 0
    }

    /// The response's `Content-Type`, if any (server text: see
    /// [`as_bytes`](Self::as_bytes)).
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }
}

impl std::fmt::Display for RawBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.content_type, self.total_len) {
            (_, 0) => f.write_str("empty body"),
            (Some(ct), n) if self.redacted => write!(f, "{n} bytes of {ct}"),
            (_, n) => write!(f, "{n} bytes"),
        }
    }
}

impl std::fmt::Debug for RawBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RawBody({self})")
    }
}

/// A server's `Retry-After` (RFC 9110 §10.2.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryAfter {
    /// Wait this long.
    Delay(Duration),
    /// Wait until then.
    At(SystemTime),
}

impl RetryAfter {
    /// Reads the header value; `None` when absent or unreadable.
    pub(crate) fn from_headers(headers: &http::HeaderMap) -> Option<Self> {
        let v = headers
            .get(http::header::RETRY_AFTER)?
            .to_str()
            .ok()?
            .trim();
        // delay-seconds is 1*DIGIT (RFC 9110): `u64::from_str` would also take "+5".
        if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
            return v
                .parse::<u64>()
                .ok()
                .map(|secs| RetryAfter::Delay(Duration::from_secs(secs)));
        }
        httpdate::parse_http_date(v).ok().map(RetryAfter::At)
    }

    /// How long to wait from `now`; zero for a date in the past.
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use sentinel_proto::{UnixTime, error::RetryAfter};
    /// let at = RetryAfter::At(UNIX_EPOCH + Duration::from_secs(100));
    /// assert_eq!(at.delay(UnixTime::from_secs(70)), Duration::from_secs(30));
    /// assert_eq!(RetryAfter::Delay(Duration::from_secs(5)).delay(UnixTime::from_secs(0)), Duration::from_secs(5));
    /// ```
    pub fn delay(self, now: crate::UnixTime) -> Duration {
        match self {
            RetryAfter::Delay(d) => d,
            RetryAfter::At(t) => crate::UnixTime::from(t).duration_since(now),
        }
    }
}

/// A request that did not complete.
///
/// Adapters build it from their HTTP client's error, after removing the URL (which
/// may carry a legacy query-string secret).
///
/// ```
/// use sentinel_proto::error::{TransportError, TransportErrorKind};
/// let e = TransportError::new(TransportErrorKind::Timeout, "no answer within 30s");
/// assert_eq!(e.to_string(), "timed out: no answer within 30s");
/// ```
#[derive(Clone, Debug, thiserror::Error)]
#[error("{kind}: {message}")]
pub struct TransportError {
    kind: TransportErrorKind,
    message: String,
    #[source]
    source: Option<std::sync::Arc<dyn std::error::Error + Send + Sync>>,
}

impl TransportError {
    /// An error of `kind` described by `message` (which must hold no secret).
    pub fn new(kind: TransportErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            source: None,
        }
    }

    /// Keeps the underlying error as the `source()`; its `Display` must hold no secret.
    #[must_use]
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(std::sync::Arc::new(source));
        self
    }

    fn redact(mut self, redactor: &Redactor) -> Self {
        self.message = redactor.scrub(&self.message).into_owned();
        self
    }

    /// What failed.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }
}

/// What part of the exchange failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// Name resolution or connection: nothing of the request was sent. Adapters
    /// report a connect timeout as this, and nothing that may have happened after
    /// the request went out (the retry policy relies on it: a refresh is repeated
    /// only after this).
    Connect,
    /// The TLS handshake or certificate check.
    Tls,
    /// No answer in time, once connected: the server may have acted on the request.
    Timeout,
    /// The connection broke while sending or receiving (reset, truncated body).
    Io,
    /// Anything else the client reported.
    Other,
}

impl std::fmt::Display for TransportErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TransportErrorKind::Connect => "connection failed",
            TransportErrorKind::Tls => "TLS failed",
            TransportErrorKind::Timeout => "timed out",
            TransportErrorKind::Io => "connection broken",
            TransportErrorKind::Other => "request failed",
        })
    }
}
