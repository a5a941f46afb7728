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
/// use sentinel_proto::{Error, success_body};
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
    if body.len() > MAX_BODY_BYTES {
        return Err(Error::BodyTooLarge {
            limit: MAX_BODY_BYTES,
        });
    }
    let status = resp.status();
    if status.is_success() {
        return Ok(body);
    }
    Err(error_from_response(status, resp.headers(), body))
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
