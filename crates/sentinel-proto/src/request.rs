//! Request plumbing shared by every endpoint: headers, form bodies, query strings.

use http::{HeaderMap, HeaderValue, Method, Request, Uri, header};
use secrecy::{ExposeSecret, SecretBox};

use crate::error::{Error, InputError};

/// The `User-Agent` every request carries.
pub const USER_AGENT: &str = concat!("sentinel-rs/", env!("CARGO_PKG_VERSION"));

/// The form content type Sentinel documents, charset included.
pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded;charset=UTF-8";

/// The `v=` query parameter of Sentinel's versioned endpoints.
///
/// ```
/// use sentinel_proto::ApiVersion;
/// assert_eq!(ApiVersion::default().as_str(), "1.0");
/// assert_eq!(ApiVersion::V2_0.as_str(), "2.0");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiVersion {
    /// `v=1.0`, the documented default.
    #[default]
    V1_0,
    /// `v=2.0`, shown on some pages.
    V2_0,
}

impl ApiVersion {
    /// The value of `v=`.
    pub fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V1_0 => "1.0",
            ApiVersion::V2_0 => "2.0",
        }
    }
}

/// `application/x-www-form-urlencoded` of `pairs`, in order.
///
/// Byte for byte what `url::form_urlencoded::Serializer` writes (the
/// WHATWG serializer: `*-._` and ASCII alphanumerics as they are, space as
/// `+`, anything else `%XX`), without its per-byte iterator chain, which cost
/// more than the rest of building a request.
pub(crate) fn form_encode(pairs: &[(&str, &str)]) -> String {
    let len: usize = pairs.iter().map(|(k, v)| k.len() + v.len() + 2).sum();
    let mut out = Vec::with_capacity(len);
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push(b'&');
        }
        form_encode_into(&mut out, k.as_bytes());
        out.push(b'=');
        form_encode_into(&mut out, v.as_bytes());
    }
    // Every byte written is ASCII (kept bytes, `+`, `%XX`): this never fails.
    String::from_utf8(out).unwrap_or_default()
}

/// The bytes the form serializer writes as they are: `*-._` and ASCII
/// alphanumerics. (Indexed by a byte: always in range.)
#[allow(clippy::indexing_slicing)]
const KEEP: [bool; 256] = {
    let mut keep = [false; 256];
    let mut b = 0;
    while b < 256 {
        keep[b] =
            matches!(b as u8, b'*' | b'-' | b'.' | b'_' | b'0'..=b'9' | b'A'..=b'Z' | b'a'..=b'z');
        b += 1;
    }
    keep
};

fn form_encode_into(out: &mut Vec<u8>, mut rest: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    loop {
        // One table look-up per byte; a run that stays as it is is copied whole.
        let run = rest
            .iter()
            .position(|&b| !KEEP.get(usize::from(b)).copied().unwrap_or(false))
            .unwrap_or(rest.len());
        let (kept, tail) = rest.split_at(run);
        out.extend_from_slice(kept);
        let Some((&b, next)) = tail.split_first() else {
            return;
        };
        if b == b' ' {
            out.push(b'+');
        } else {
            // Both indices are below 16, the table's length.
            #[allow(clippy::indexing_slicing)]
            out.extend_from_slice(&[b'%', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
        }
        rest = next;
    }
}

/// A POST with a form body and the headers Sentinel expects.
pub(crate) fn form_post(uri: String, body: String) -> Result<Request<Vec<u8>>, Error> {
    request(
        Method::POST,
        uri,
        body.into_bytes(),
        Some(CONTENT_TYPE_FORM),
    )
}

/// A GET of a JSON resource.
pub(crate) fn get_json(uri: String) -> Result<Request<Vec<u8>>, Error> {
    request(Method::GET, uri, Vec::new(), None)
}

// Checked once, at compile time: `Request::builder` checked each header's name
// and value on every request, and grew its map twice.
const CONTENT_TYPE_FORM: HeaderValue = HeaderValue::from_static(FORM_CONTENT_TYPE);
const ACCEPT_JSON: HeaderValue = HeaderValue::from_static("application/json");
const USER_AGENT_VALUE: HeaderValue = HeaderValue::from_static(USER_AGENT);

/// A request with our `Accept` and `User-Agent` headers, and `content_type` if any.
fn request(
    method: Method,
    uri: String,
    body: Vec<u8>,
    content_type: Option<HeaderValue>,
) -> Result<Request<Vec<u8>>, Error> {
    let mut req = Request::new(body);
    *req.method_mut() = method;
    *req.uri_mut() = Uri::try_from(uri).map_err(|_| bad_uri())?;
    *req.headers_mut() = headers(content_type);
    Ok(req)
}

fn headers(content_type: Option<HeaderValue>) -> HeaderMap {
    let mut headers = HeaderMap::with_capacity(3);
    if let Some(content_type) = content_type {
        headers.insert(header::CONTENT_TYPE, content_type);
    }
    headers.insert(header::ACCEPT, ACCEPT_JSON);
    headers.insert(header::USER_AGENT, USER_AGENT_VALUE);
    headers
}

/// A form POST built once to be sent many times: its URI parsed and its form
/// encoded when it is prepared, so that each [`PreparedRequest::request`] only
/// copies them. A client that fetches the same AppJWT for the life of a
/// process parsed the same URI and encoded the same secret on every renewal.
///
/// The body holds the client secret: it is wiped when the prepared request is
/// dropped, and `Debug` shows the URI only (the secret is never in it: the
/// legacy form with the secret in the query string is not prepared).
///
/// ```
/// # use sentinel_proto::{*, app_token::*};
/// let s = Sentinel::new(Host::parse("va.sentinel.liveperson.net")?, AccountId::new("123456")?,
///     ClientId::new("cid")?, ClientSecret::new("sec"));
/// let prepared = s.prepare_app_token_request(AppJwtVersion::V1)?;
/// let req = prepared.request();
/// assert_eq!(req.body().as_slice(), b"grant_type=client_credentials&client_id=cid&client_secret=sec");
/// let fresh = s.app_token_request(AppJwtVersion::V1)?;
/// assert_eq!((req.uri(), req.headers(), req.body()), (fresh.uri(), fresh.headers(), fresh.body()));
/// assert!(!format!("{prepared:?}").contains("sec"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct PreparedRequest {
    uri: Uri,
    // Cloned, not built, per request: a copy of the map costs half the
    // inserts into a new one.
    headers: HeaderMap,
    // A `Vec` in its box, not a boxed slice: turning the encoder's `Vec` into
    // a slice could move it and leave the old buffer unwiped.
    body: SecretBox<Vec<u8>>,
}

impl PreparedRequest {
    pub(crate) fn form_post(uri: String, body: String) -> Result<Self, Error> {
        // Boxed first: an early return must not drop the body unwiped.
        let body = SecretBox::new(Box::new(body.into_bytes()));
        let uri = Uri::try_from(uri).map_err(|_| bad_uri())?;
        Ok(Self {
            uri,
            headers: headers(Some(CONTENT_TYPE_FORM)),
            body,
        })
    }

    /// A copy to send: the URI shares the prepared one's bytes, the body is
    /// copied.
    pub fn request(&self) -> Request<Vec<u8>> {
        let mut req = Request::new(self.body.expose_secret().clone());
        *req.method_mut() = Method::POST;
        *req.uri_mut() = self.uri.clone();
        *req.headers_mut() = self.headers.clone();
        req
    }

    /// Where it is sent.
    pub fn uri(&self) -> &Uri {
        &self.uri
    }
}

impl std::fmt::Debug for PreparedRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedRequest")
            .field("uri", &self.uri)
            .field("body", &"[redacted]")
            .finish()
    }
}

/// Only reachable if a validated part still made an invalid URI.
pub(crate) fn bad_uri() -> Error {
    Error::Input(InputError::Parameter {
        name: "uri",
        reason: "the parts do not make a valid URI",
    })
}

pub(crate) fn non_empty(value: &str, name: &'static str) -> Result<(), Error> {
    if value.is_empty() {
        return Err(InputError::Parameter {
            name,
            reason: "must not be empty",
        }
        .into());
    }
    Ok(())
}

/// Whether `uri` names a loopback host (127.0.0.0/8, `::1`, `localhost`): for
/// HTTP clients, which send such requests past any proxy (plain http there would
/// show the credentials to the proxy, which cannot reach this machine's loopback
/// anyway).
///
/// ```
/// use sentinel_proto::request::is_loopback;
/// assert!(is_loopback(&"http://127.0.0.2:8080/x".parse()?));
/// assert!(is_loopback(&"http://[::1]/".parse()?));
/// assert!(is_loopback(&"http://LocalHost/".parse()?));
/// assert!(!is_loopback(&"https://va.sentinel.liveperson.net/".parse()?));
/// # Ok::<(), http::uri::InvalidUri>(())
/// ```
pub fn is_loopback(uri: &http::Uri) -> bool {
    let Some(host) = uri.host() else {
        return false;
    };
    let ip = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    match ip.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    }
}

#[cfg(test)]
mod form_tests {
    use proptest::prelude::*;

    proptest! {
        /// Any text, any pair: byte for byte the WHATWG serializer's output.
        #[test]
        fn form_encode_equals_the_url_serializer(k in ".{0,12}", v in ".{0,40}") {
            let mut expected = url::form_urlencoded::Serializer::new(String::new());
            expected.append_pair(&k, &v).append_pair("client_secret", &v);
            prop_assert_eq!(
                super::form_encode(&[(&k, &v), ("client_secret", &v)]),
                expected.finish()
            );
        }
    }

    #[test]
    fn form_encode_writes_what_the_whatwg_serializer_writes() {
        let values = [
            "",
            "plain",
            "a b",
            "a+b&c=d",
            "100%",
            "ünïcödé ✓",
            "~!@#$^()[]{}|\\;:'\",<>/?`",
            "*-._",
            "\u{0}\u{7f}\t\n",
            "AZaz09",
        ];
        for k in values {
            for v in values {
                let mut expected = url::form_urlencoded::Serializer::new(String::new());
                expected.append_pair(k, v).append_pair("grant_type", v);
                assert_eq!(
                    super::form_encode(&[(k, v), ("grant_type", v)]),
                    expected.finish(),
                    "{k:?}={v:?}"
                );
            }
        }
    }
}
