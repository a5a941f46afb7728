//! What every response parser does first: enforce the size limit, sort the status
//! into success or one of the error classes.

use http::{Response, StatusCode};

use crate::error::{Error, RawBody, RetryAfter};
use crate::oauth_error::OAuthError;

/// The default cap on a response body: 64 KiB. Sentinel's answers are a few KiB.
///
/// Adapters enforce it while reading, so a hostile server cannot make them buffer
/// more; the parsers check it again before touching the bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Returns the body of a 2xx response, or the error the response stands for.
///
/// ```
/// use sentinel_proto::{Error, response::success_body};
/// let ok = http::Response::new(b"{}".to_vec());
/// assert_eq!(success_body(&ok)?, b"{}");
///
/// let page = http::Response::builder().status(502).header("content-type", "text/html")
///     .body(b"<html>Bad gateway</html>".to_vec())?;
/// assert!(matches!(success_body(&page), Err(Error::Status { .. })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn success_body<B: AsRef<[u8]>>(resp: &Response<B>) -> Result<&[u8], Error> {
    let body = resp.body().as_ref();
    let status = resp.status();
    // The body is all here: its length counts, not the declared one.
    BodyLimit::of(status, resp.headers()).check(body.len())?;
    if status.is_success() {
        return Ok(body);
    }
    Err(error_from_response(status, resp.headers(), body))
}

/// The body-size limit, for HTTP clients that read bodies themselves: checks
/// the declared `Content-Length` before a body is read, then the length read so far,
/// and makes the [`Error::BodyTooLarge`] that keeps the status and `Retry-After`.
///
/// ```
/// use std::time::Duration;
/// use sentinel_proto::{Error, error::RetryAfter, response::{BodyLimit, MAX_BODY_BYTES}};
/// let resp = http::Response::builder().status(503).header("retry-after", "7")
///     .body(())?;
/// let limit = BodyLimit::new(resp.status(), resp.headers())?;
/// let mut read = 0;
/// for chunk in [&[b'x'; 40_000][..], &[b'x'; 40_000][..]] {
///     // Before the chunk is kept.
///     if let Err(e) = limit.check(read + chunk.len()) {
///         assert!(matches!(e, Error::BodyTooLarge { limit: MAX_BODY_BYTES, .. }));
///         assert!(e.is_transient(), "a 503 stays retryable");
///         assert_eq!(e.retry_after(), Some(RetryAfter::Delay(Duration::from_secs(7))));
///         break;
///     }
///     read += chunk.len();
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct BodyLimit {
    status: StatusCode,
    retry_after: Option<RetryAfter>,
}

impl BodyLimit {
    /// Starts a body of a response with this head; fails at once if its
    /// `Content-Length` is over [`MAX_BODY_BYTES`].
    pub fn new(status: StatusCode, headers: &http::HeaderMap) -> Result<Self, Error> {
        let limit = Self::of(status, headers);
        let declared = headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
            return Err(limit.error());
        }
        Ok(limit)
    }

    fn of(status: StatusCode, headers: &http::HeaderMap) -> Self {
        Self {
            status,
            retry_after: RetryAfter::from_headers(headers),
        }
    }

    /// `Ok` while `len` bytes are within [`MAX_BODY_BYTES`].
    pub fn check(&self, len: usize) -> Result<(), Error> {
        if len > MAX_BODY_BYTES {
            return Err(self.error());
        }
        Ok(())
    }

    fn error(&self) -> Error {
        Error::BodyTooLarge {
            status: self.status,
            limit: MAX_BODY_BYTES,
            retry_after: self.retry_after,
        }
    }
}

fn error_from_response(status: StatusCode, headers: &http::HeaderMap, body: &[u8]) -> Error {
    let retry_after = RetryAfter::from_headers(headers);
    // OAuth error bodies come with 4xx/5xx; a 3xx is a redirect we do not follow.
    if (status.is_client_error() || status.is_server_error())
        && let Some(error) = OAuthError::from_json(body)
    {
        return Error::OAuth {
            status,
            error,
            retry_after,
        };
    }
    let content_type = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    Error::Status {
        status,
        body: RawBody::new(body, content_type),
        retry_after,
    }
}

/// Wraps a body problem with the status it came with.
pub(crate) fn invalid<B>(resp: &Response<B>, reason: impl Into<crate::error::BodyError>) -> Error {
    Error::InvalidBody {
        status: resp.status(),
        reason: reason.into(),
    }
}
