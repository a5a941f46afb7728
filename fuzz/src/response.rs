//! HTTP responses from structured input: status, headers, body.

use arbitrary::Arbitrary;
use http::{HeaderName, HeaderValue, Response, StatusCode, header};
use sentinel_proto::response::MAX_BODY_BYTES;

use crate::json::Doc;

/// The status line.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum Status {
    Ok,
    Success(u8),
    ClientError(u8),
    ServerError(u8),
    TooManyRequests,
    Redirect(u8),
    Any(u16),
}

impl Status {
    pub fn code(self) -> StatusCode {
        let n = match self {
            Status::Ok => 200,
            Status::Success(n) => 200 + u16::from(n % 100),
            Status::ClientError(n) => 400 + u16::from(n % 100),
            Status::ServerError(n) => 500 + u16::from(n % 100),
            Status::TooManyRequests => 429,
            Status::Redirect(n) => 300 + u16::from(n % 100),
            Status::Any(n) => 100 + n % 900,
        };
        StatusCode::from_u16(n).unwrap_or(StatusCode::OK)
    }
}

/// A header name.
#[derive(Arbitrary, Clone, Debug)]
pub enum Name {
    RetryAfter,
    ContentType,
    Other(String),
}

/// A header value.
#[derive(Arbitrary, Clone, Debug)]
pub enum HValue {
    Seconds(u64),
    /// An HTTP date this many seconds after the epoch.
    Date(u32),
    Text(String),
    Bytes(Vec<u8>),
}

/// The body.
#[derive(Arbitrary, Clone, Debug)]
pub enum Body {
    Json(Doc),
    Raw(Vec<u8>),
    /// `MAX_BODY_BYTES + n` bytes: over the cap.
    Oversized(u8),
    Empty,
}

/// A whole response.
#[derive(Arbitrary, Clone, Debug)]
pub struct FuzzResponse {
    pub status: Status,
    pub headers: Vec<(Name, HValue)>,
    pub body: Body,
}

impl FuzzResponse {
    /// Builds the `http::Response`; headers that are not valid HTTP are dropped.
    pub fn build(&self) -> Response<Vec<u8>> {
        let body = match &self.body {
            Body::Json(doc) => doc.text().into_bytes(),
            Body::Raw(b) => b.clone(),
            Body::Oversized(n) => {
                let mut b = br#"{"access_token":"x"}"#.to_vec();
                b.resize(MAX_BODY_BYTES + 1 + usize::from(*n), b' ');
                b
            }
            Body::Empty => Vec::new(),
        };
        let mut resp = Response::new(body);
        *resp.status_mut() = self.status.code();
        for (name, value) in &self.headers {
            let name = match name {
                Name::RetryAfter => header::RETRY_AFTER,
                Name::ContentType => header::CONTENT_TYPE,
                Name::Other(s) => match HeaderName::from_bytes(s.as_bytes()) {
                    Ok(n) => n,
                    Err(_) => continue,
                },
            };
            let value = match value {
                HValue::Seconds(s) => HeaderValue::from_str(&s.to_string()),
                HValue::Date(t) => HeaderValue::from_str(&httpdate::fmt_http_date(
                    std::time::UNIX_EPOCH + std::time::Duration::from_secs(u64::from(*t)),
                )),
                HValue::Text(s) => HeaderValue::from_str(s),
                HValue::Bytes(b) => HeaderValue::from_bytes(b),
            };
            if let Ok(v) = value {
                resp.headers_mut().append(name, v);
            }
        }
        resp
    }
}

/// The response a target input stands for. Input starting with `HTTP ` is a
/// readable response (the seed format, see [`parse_text`]); anything else is
/// decoded as a structured [`FuzzResponse`].
pub fn from_input(data: &[u8]) -> Option<Response<Vec<u8>>> {
    let resp = if data.starts_with(b"HTTP ") {
        parse_text(data).0
    } else {
        let u = arbitrary::Unstructured::new(data);
        FuzzResponse::arbitrary_take_rest(u).ok()?.build()
    };
    if crate::debug() {
        eprintln!("{resp:?}\nbody: {:?}", String::from_utf8_lossy(resp.body()));
    }
    Some(resp)
}

/// Parses the seed format: `HTTP <status>[ <words>...]`, then `Name: value` header
/// lines, an empty line, and the body (every line ends with `\n`; a `\r` before
/// it is dropped). Unusable lines are skipped; an unusable status is 200.
/// Returns the response and the words after the status.
pub fn parse_text(data: &[u8]) -> (Response<Vec<u8>>, Vec<String>) {
    let mut rest = data;
    let mut line = || -> Option<&[u8]> {
        let end = rest.iter().position(|&b| b == b'\n')?;
        let l = &rest[..end];
        rest = &rest[end + 1..];
        Some(l.strip_suffix(b"\r").unwrap_or(l))
    };
    let first = String::from_utf8_lossy(line().unwrap_or_default()).into_owned();
    let mut words = first.split_ascii_whitespace().skip(1).map(str::to_owned);
    let status = words
        .next()
        .and_then(|s| s.parse::<u16>().ok())
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    let mut headers = Vec::new();
    while let Some(l) = line() {
        if l.is_empty() {
            break;
        }
        if let Some(colon) = l.iter().position(|&b| b == b':') {
            let value = l[colon + 1..].strip_prefix(b" ").unwrap_or(&l[colon + 1..]);
            headers.push((l[..colon].to_vec(), value.to_vec()));
        }
    }
    let mut resp = Response::new(rest.to_vec());
    *resp.status_mut() = status;
    for (n, v) in headers {
        if let (Ok(n), Ok(v)) = (HeaderName::from_bytes(&n), HeaderValue::from_bytes(&v)) {
            resp.headers_mut().append(n, v);
        }
    }
    (resp, words.collect())
}
