//! Following the authorize redirect as a browser would: one GET, no redirect
//! followed, the code taken from the callback in `Location`.

use std::io::{Read as _, Write as _};

use sentinel_mock::MockHandle;

/// The value of query parameter `name` of `url`, decoded.
pub fn param(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// GETs the authorize `url` of the emulator `m` over plain HTTP/1.1 (no client
/// library, nothing followed) and returns the code of the callback. Fails unless
/// the answer is a 302 or 303 to `m`'s redirect URI carrying the `state` of
/// `url`.
pub fn code_from(m: &MockHandle, url: &str) -> String {
    let path = url.strip_prefix(&m.base_url()).unwrap();
    let mut s = std::net::TcpStream::connect(m.addr()).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        m.host()
    )
    .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    let status = resp.split(' ').nth(1).unwrap_or_default();
    assert!(matches!(status, "302" | "303"), "{resp}");
    let location = resp
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("location")
                .then(|| value.trim().to_owned())
        })
        .unwrap_or_else(|| panic!("no location: {resp}"));
    let (target, _) = location.split_once('?').unwrap();
    assert_eq!(target, m.redirect_uri());
    assert_eq!(param(&location, "state"), param(url, "state"), "{location}");
    param(&location, "code").unwrap_or_else(|| panic!("no code in {location}"))
}

/// One GET of `url` (plain http on loopback, HTTP/1.1 by hand, nothing
/// followed): the status, the `Location` header if any, and the body.
pub fn get(url: &str) -> (u16, Option<String>, String) {
    let u = url::Url::parse(url).unwrap();
    assert_eq!(u.scheme(), "http", "{url}");
    let host = u.host_str().unwrap();
    let port = u.port_or_known_default().unwrap();
    let path = match u.query() {
        Some(q) => format!("{}?{q}", u.path()),
        None => u.path().to_owned(),
    };
    let mut s = std::net::TcpStream::connect((host, port)).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    let (head, body) = resp.split_once("\r\n\r\n").unwrap_or((&resp, ""));
    let status = head.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap();
    let location = head.lines().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.eq_ignore_ascii_case("location")
            .then(|| value.trim().to_owned())
    });
    (status, location, body.to_owned())
}

/// Follows an authorize `url` of the emulator in auto-consent mode as a
/// third-party browser would, without any HTML page: its 302, then one GET of
/// the callback it names. Fails unless authorize redirected with the `state`
/// of `url`; returns the callback URL and the callback's answer (status, body).
pub fn follow_authorize(url: &str) -> (String, u16, String) {
    let (status, location, body) = get(url);
    assert!(matches!(status, 302 | 303), "{status}: {body}");
    let location = location.unwrap_or_else(|| panic!("no location: {body}"));
    assert_eq!(param(&location, "state"), param(url, "state"), "{location}");
    let (status, _, body) = get(&location);
    (location, status, body)
}

#[cfg(feature = "adapters")]
pub use with_client::*;

#[cfg(feature = "adapters")]
mod with_client {
    use sentinel_client::{Client, HttpClient, Runtime};
    use sentinel_proto::AuthorizationCode;
    use sentinel_proto::user::{RedirectUri, parse_callback};

    /// Follows authorize through the client's own `send` (which never follows a
    /// redirect) and returns the code of the callback.
    pub async fn login<H: HttpClient, R: Runtime>(
        c: &Client<H, R>,
        redirect: &RedirectUri,
    ) -> AuthorizationCode {
        let state = sentinel_client::generate_state().unwrap();
        let url = c.authorize_url(Some(redirect), &state).await.unwrap();
        let req = http::Request::get(url.as_str()).body(Vec::new()).unwrap();
        let resp = c.send(req).await.unwrap();
        assert_eq!(resp.status(), 302, "redirect returned, not followed");
        let location = resp.headers()["location"].to_str().unwrap();
        parse_callback(location, &state).unwrap()
    }

    /// Runs a client future to completion on this thread: for the blocking
    /// adapter, whose futures are complete when first polled.
    pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
        pollster::block_on(f)
    }
}
