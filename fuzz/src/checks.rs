//! Invariants shared by the targets.

use std::net::IpAddr;

use http::{Response, StatusCode, header};
use sentinel_proto::{
    Error, Host, Scheme, UnixTime,
    error::{BodyError, OAuthError, RetryAfter},
    response::MAX_BODY_BYTES,
};

use crate::{NOW, has_marker, shown};

/// What every response parser's result must satisfy, whatever the endpoint:
/// the status sorting of `success_body`, the size cap, `Retry-After`, and errors
/// that never echo the body.
pub fn check_outcome<T>(resp: &Response<Vec<u8>>, result: &Result<T, Error>) {
    let status = resp.status();
    let too_large = resp.body().len() > MAX_BODY_BYTES;
    match result {
        Ok(_) => assert!(status.is_success() && !too_large, "accepted {status}"),
        Err(e) => check_error(resp, e),
    }
}

/// Checks an error produced from `resp`.
pub fn check_error(resp: &Response<Vec<u8>>, e: &Error) {
    let status = resp.status();
    let too_large = resp.body().len() > MAX_BODY_BYTES;
    match e {
        Error::BodyTooLarge {
            status: s, limit, ..
        } => {
            // Any status: the cap is checked first, and the status is kept.
            assert!(too_large && *limit == MAX_BODY_BYTES && *s == status);
        }
        Error::OAuth {
            status: s, error, ..
        } => {
            assert!(!too_large && *s == status);
            assert!(status.is_client_error() || status.is_server_error());
            // The error is exactly what from_json makes of the body.
            assert_eq!(OAuthError::from_json(resp.body()).as_ref(), Some(error));
            check_oauth_error(error);
        }
        Error::Status {
            status: s, body, ..
        } => {
            assert!(!too_large && *s == status && !status.is_success());
            assert_eq!(body.len(), resp.body().len());
            let kept = resp.body().len().min(sentinel_proto::error::RawBody::MAX);
            assert_eq!(body.as_bytes(), &resp.body()[..kept]);
            if status.is_client_error() || status.is_server_error() {
                assert!(OAuthError::from_json(resp.body()).is_none());
            }
        }
        Error::InvalidBody { status: s, .. } => {
            assert!(!too_large && *s == status && status.is_success());
        }
        other => panic!("a response parser returned {other:?}"),
    }
    if let Some(s) = e.status() {
        assert_eq!(
            e.is_transient(),
            s == StatusCode::TOO_MANY_REQUESTS || s.is_server_error()
        );
    }
    check_retry_after(resp, e);
    // Only an OAuth error's code and description come from the body (and the
    // Domain API's service names, which are not secret). Header values can be
    // shown (the content type), so skip the check if one carries the marker.
    let echoes_body = matches!(
        e,
        Error::OAuth { .. }
            | Error::InvalidBody {
                reason: BodyError::InvalidBaseUri { .. } | BodyError::ServiceNotFound(_),
                ..
            }
    );
    let header_marker = resp
        .headers()
        .values()
        .any(|v| has_marker(&String::from_utf8_lossy(v.as_bytes())));
    if !echoes_body && !header_marker {
        assert!(!has_marker(&shown(e)), "error echoes a secret: {e}");
    }
    let text = e.to_string();
    // An OAuth description is cleaned by the parser (checked above); a service
    // name is the caller's own string.
    if !echoes_body {
        // Content types are header values (visible ASCII); nothing else is free text.
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\t'),
            "{text:?}"
        );
    }
}

/// `Retry-After` is taken from the first such header, as seconds or an HTTP date.
fn check_retry_after(resp: &Response<Vec<u8>>, e: &Error) {
    let first = resp
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim);
    let expected = match e {
        // delay-seconds is 1*DIGIT (RFC 9110), else an HTTP date.
        Error::OAuth { .. } | Error::Status { .. } | Error::BodyTooLarge { .. } => {
            first.and_then(|v| {
                if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
                    v.parse::<u64>()
                        .ok()
                        .map(|s| RetryAfter::Delay(std::time::Duration::from_secs(s)))
                } else {
                    httpdate::parse_http_date(v).ok().map(RetryAfter::At)
                }
            })
        }
        _ => None,
    };
    assert_eq!(e.retry_after(), expected);
    if let Some(r) = e.retry_after() {
        let d = r.delay(UnixTime::from_secs(NOW));
        if let RetryAfter::Delay(x) = r {
            assert_eq!(d, x);
        }
    }
}

/// An OAuth error's parts are clean and it rebuilds from them.
pub fn check_oauth_error(e: &OAuthError) {
    let code = e.code().as_str();
    assert!(!code.is_empty() && code.len() <= 128);
    assert!(
        code.bytes()
            .all(|b| (0x20..=0x7e).contains(&b) && b != b'"' && b != b'\\')
    );
    for part in [e.description(), e.uri()].into_iter().flatten() {
        assert!(!part.is_empty() && part.chars().count() <= 512);
        assert!(!part.chars().any(char::is_control), "{part:?}");
        assert!(
            !part.chars().any(|c| matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')),
            "{part:?}"
        );
    }
    // Unredacted, the server's text is withheld: a registered code and markers only.
    let display = e.to_string();
    assert!(!display.chars().any(char::is_control));
    let registered = !matches!(e.code(), sentinel_proto::error::OAuthErrorCode::Other(_));
    let shown_code = if registered {
        code
    } else {
        "[unregistered error code withheld]"
    };
    match (e.description(), e.is_redacted()) {
        (Some(d), true) => assert_eq!(display, format!("{code}: {d}")),
        (None, true) => assert_eq!(display, code),
        (Some(_), false) => assert_eq!(display, format!("{shown_code}: [description withheld]")),
        (None, false) => assert_eq!(display, shown_code),
    }
    // Redacted (no secret known: only JWT shapes cut), it shows its parts.
    let r = e.clone().redact(&sentinel_proto::Redactor::new());
    let display = r.to_string();
    assert!(!display.chars().any(char::is_control));
    match r.description() {
        Some(d) => assert_eq!(display, format!("{}: {d}", r.code().as_str())),
        None => assert_eq!(display, r.code().as_str()),
    }
    // Parse, take apart, build again: the same parts.
    let rebuilt = OAuthError::new(code, e.description(), e.uri()).expect("rebuilds");
    assert_eq!(rebuilt.code(), e.code());
    assert_eq!(rebuilt.description(), e.description());
    assert_eq!(rebuilt.uri(), e.uri());
}

/// A validated host cannot smuggle anything into a URL, re-parses from its base
/// URL to itself, and uses plain http only to loopback.
pub fn check_host(h: &Host) {
    let base = h.base_url();
    let (scheme, rest) = base.split_once("://").expect("scheme");
    assert_eq!(scheme, h.scheme().as_str());
    assert_eq!(rest, h.authority());
    assert!(!rest.is_empty());
    assert!(
        rest.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']')),
        "{base:?}"
    );
    assert!(!rest.contains(['@', '/', '?', '#', '\\', '%', ' ']));
    assert_eq!(rest, rest.to_ascii_lowercase());
    if h.scheme() == Scheme::Http {
        assert!(h.is_loopback(), "plain http to {base}");
    }
    assert_eq!(h.is_loopback(), is_loopback_authority(rest), "{base}");
    assert_eq!(Host::parse(base).as_ref(), Ok(h), "{base}");
    assert_eq!(h.to_string(), base);
    if h.scheme() == Scheme::Https {
        assert_eq!(Host::parse(rest).as_ref(), Ok(h));
    }
    let url = url::Url::parse(base).expect("base_url is a URL");
    assert_eq!(url.path(), "/");
    assert!(url.username().is_empty() && url.password().is_none());
    assert!(url.query().is_none() && url.fragment().is_none());
}

fn is_loopback_authority(a: &str) -> bool {
    let host = if let Some(v6) = a.strip_prefix('[') {
        v6.split(']').next().unwrap_or_default()
    } else {
        a.split(':').next().unwrap_or_default()
    };
    host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// What an independent reader says a parser must do with a body.
pub enum Expect {
    /// Accept; the parsed values must match this object.
    Accept(serde_json::Map<String, serde_json::Value>),
    Reject,
}

impl Expect {
    /// Asserts that `accepted` agrees; returns the object to compare values with.
    pub fn judge(&self, accepted: bool) -> Option<&serde_json::Map<String, serde_json::Value>> {
        match self {
            Expect::Accept(m) => {
                assert!(accepted, "a valid answer was rejected");
                Some(m)
            }
            Expect::Reject => {
                assert!(!accepted, "an invalid answer was accepted");
                None
            }
        }
    }
}

/// An independent reading of a token-style success answer (RFC 6749 §5.1 as the
/// protocol reference describes it).
///
/// `required` must be a non-empty string; each of `optional` absent, `null` or a
/// non-empty string; with `bearer_expiry` (an RFC 6749 §5.1 answer), those strings
/// are tokens, `1*VSCHAR` (Appendix A: `%x20-7E` only), `token_type` is absent,
/// `null` or Bearer in any case, and `expires_in` absent, `null` or a non-negative
/// integer (as a number, an integral float, or a string of at most 20 digits).
/// `read` are the members the parser reads (none may be duplicated); unknown members
/// are ignored. With `bearer_expiry`, a member name with a control character, even
/// escaped, is refused (the parser reads names as bytes, where escaped and raw look
/// alike; see `Member::from_name` in sentinel-proto's token.rs).
pub fn expected_answer(
    resp: &Response<Vec<u8>>,
    read: &[&str],
    required: &str,
    optional: &[&str],
    bearer_expiry: bool,
) -> Expect {
    use serde_json::Value;
    if !resp.status().is_success() || resp.body().len() > MAX_BODY_BYTES {
        return Expect::Reject;
    }
    if bearer_expiry && crate::json::control_in_name(resp.body()) {
        return Expect::Reject;
    }
    let obj = match crate::json::shape(resp.body(), read) {
        crate::json::Shape::Object(m) => m,
        crate::json::Shape::Array => return Expect::Reject,
        crate::json::Shape::Invalid => return Expect::Reject,
    };
    let vschar = |s: &str| !bearer_expiry || s.bytes().all(|b| (0x20..=0x7e).contains(&b));
    let non_empty = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty() && vschar(s))
    };
    let opt = |name: &str| {
        obj.get(name)
            .is_none_or(|v| v.is_null() || non_empty(Some(v)))
    };
    let mut valid = non_empty(obj.get(required)) && optional.iter().all(|n| opt(n));
    if bearer_expiry {
        let tt = obj.get("token_type");
        valid &= tt.is_none_or(|v| {
            v.is_null() || v.as_str().is_some_and(|s| s.eq_ignore_ascii_case("bearer"))
        });
        valid &= obj.get("expires_in").is_none_or(|v| v.is_null()) || expires_in(&obj).is_some();
    }
    if valid {
        Expect::Accept(obj)
    } else {
        Expect::Reject
    }
}

/// The members the code-exchange and refresh parser reads.
pub const TOKEN_FIELDS: &[&str] = &[
    "access_token",
    "token_type",
    "refresh_token",
    "id_token",
    "expires_in",
];

/// The members the AppJWT parser reads; it skips `refresh_token` and `id_token`.
pub const APP_TOKEN_FIELDS: &[&str] = &["access_token", "token_type", "expires_in"];

/// `expires_in` of an answer, as [`expected_answer`] reads it.
pub fn expires_in(obj: &serde_json::Map<String, serde_json::Value>) -> Option<u64> {
    let v = obj.get("expires_in")?;
    if let Some(n) = v.as_u64() {
        return Some(n);
    }
    if let Some(s) = v.as_str() {
        return (!s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten();
    }
    if v.is_i64() {
        return None;
    }
    let f = v.as_f64()?;
    (f >= 0.0 && f.fract() == 0.0 && f < 1.8e19).then_some(f as u64)
}

/// `OAuthError::from_json(body)` is `parsed`: recognised iff the body is an object
/// whose `error` is a valid RFC 6749 §5.2 code (printable ASCII but `"` and `\`).
pub fn check_oauth_body(body: &[u8], parsed: &Option<OAuthError>) {
    use crate::json::{Shape, shape};
    parsed.iter().for_each(check_oauth_error);
    match shape(body, &["error", "error_description", "error_uri"]) {
        Shape::Object(obj) => {
            let code = obj.get("error").and_then(|c| c.as_str());
            let valid = code.is_some_and(|c| {
                (1..=128).contains(&c.len())
                    && c.bytes()
                        .all(|b| (0x20..=0x7e).contains(&b) && b != b'"' && b != b'\\')
            });
            assert!(parsed.is_some() == valid, "valid code {code:?}: {parsed:?}");
            assert_eq!(
                parsed.as_ref().map(|e| e.code().as_str()),
                code.filter(|_| valid)
            );
        }
        Shape::Array => assert!(parsed.is_none(), "an OAuth error from an array"),
        Shape::Invalid => assert!(parsed.is_none(), "an OAuth error from a non-object"),
    }
}

/// `Host::from_base_uri(s, csds)` for an https and a loopback-http CSDS, against
/// `Host::parse(s)`: a bare `host[:port]` means the same to both, the https CSDS
/// never yields http, the http one yields http exactly for loopback hosts.
pub fn check_base_uri(s: &str, parsed: &Result<Host, sentinel_proto::error::InputError>) {
    let via_https = Host::from_base_uri(s, &Host::csds());
    let local = Host::parse("http://localhost:1").expect("loopback");
    let via_http = Host::from_base_uri(s, &local);
    for (h, http) in [(&via_https, false), (&via_http, true)] {
        let Ok(h) = h else { continue };
        check_host(h);
        assert!(!s.contains("://"));
        assert_eq!(h.scheme() == Scheme::Http, http && h.is_loopback());
    }
    if !s.contains("://") {
        assert_eq!(&via_https, parsed);
    }
    assert_eq!(via_https.is_ok(), via_http.is_ok());
}

/// Accepted ids and redirect URIs keep their documented character sets.
pub fn check_ids(
    s: &str,
    redirect: Option<sentinel_proto::user::RedirectUri>,
    account: Option<sentinel_proto::AccountId>,
    client: Option<sentinel_proto::ClientId>,
) {
    if let Some(r) = redirect {
        assert_eq!(r.as_str(), s);
        let url = url::Url::parse(s).expect("absolute");
        assert!(url.fragment().is_none() && !url.cannot_be_a_base());
        assert!(!s.chars().any(|c| c.is_whitespace() || c.is_control()));
    }
    if let Some(a) = account {
        let ok = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
        assert!(a.as_str().bytes().all(ok) && (1..=64).contains(&a.as_str().len()));
    }
    if let Some(c) = client {
        assert!(!c.as_str().is_empty() && !c.as_str().chars().any(char::is_whitespace));
    }
}

/// The string member `name` of `obj`.
pub fn text<'a>(
    obj: &'a serde_json::Map<String, serde_json::Value>,
    name: &str,
) -> Option<&'a str> {
    obj.get(name).and_then(|v| v.as_str())
}
