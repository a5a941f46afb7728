//! Cutting echoed secrets out of what a server says.
//!
//! A hostile or careless server may put what it received into its answer: an
//! `error_description` of `Invalid credentials: <the secret>`, an `error` member
//! holding the refresh token, an HTML page dumping the request. Errors keep such
//! text for diagnosis, so before it can reach a `Display`, a log line or a
//! terminal, every secret the request carried is cut out of it (in the forms a
//! server is likely to echo it: raw, form- and percent-encoded, JSON- and
//! HTML-escaped), and so is anything shaped like a JWT.
//!
//! Server text that has not been through a [`Redactor`] is never shown: see
//! [`Error::redact`](crate::Error::redact).

use std::borrow::Cow;

use http::Request;
use secrecy::{ExposeSecret, SecretString};

/// What replaces a secret in server text.
pub const REDACTED: &str = "[redacted]";

/// Form and query members whose values are public; every other value a request
/// carries is treated as a secret. A list of what is *public*, so that a member
/// added later is secret unless someone decides otherwise.
const PUBLIC_MEMBERS: &[&str] = &[
    "grant_type",
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "code_challenge_method",
    "v",
    "version",
    "ext_consumer_id",
];

/// Headers that carry no credential; every other request header's value is scrubbed.
const PUBLIC_HEADERS: &[http::HeaderName] = &[
    http::header::ACCEPT,
    http::header::CONTENT_TYPE,
    http::header::CONTENT_LENGTH,
    http::header::USER_AGENT,
    http::header::HOST,
];

/// The secrets one request carried, in every form a server might echo them.
///
/// Built from the request itself ([`Redactor::from_request`]): every form-body,
/// query and JSON-body value except the public ones (`grant_type`, `client_id`,
/// `redirect_uri`, ...), and every header value except the public ones
/// (`Accept`, `Content-Type`, `User-Agent`, ...), `Authorization` in full and
/// without its scheme. More can be added ([`Redactor::with_secret`]). `Debug`
/// shows only how many secrets it holds; the values are zeroized on drop.
///
/// ```
/// use sentinel_proto::{Redactor, redact::REDACTED};
/// let request = http::Request::post("https://sentinel.example/token")
///     .body(b"grant_type=refresh_token&refresh_token=rt%2B1&client_id=c&client_secret=s3cr3t".to_vec())?;
/// let r = Redactor::from_request(&request);
/// assert_eq!(r.scrub("bad secret s3cr3t for rt+1"), format!("bad secret {REDACTED} for {REDACTED}"));
/// assert_eq!(r.scrub("echo: rt%2B1"), format!("echo: {REDACTED}"));
/// assert_eq!(r.scrub("client c"), "client c"); // client_id is public
/// # Ok::<(), http::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct Redactor {
    /// Every form of every secret, longest first, so that a longer form is cut
    /// whole before a shorter one could leave its tail behind.
    needles: Vec<SecretString>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} forms)", self.needles.len())
    }
}

impl Redactor {
    /// A redactor that knows no secret yet (it still cuts JWT-shaped text).
    pub fn new() -> Self {
        Self::default()
    }

    /// The secrets `request` carries: see the type's documentation.
    pub fn from_request<B: AsRef<[u8]>>(request: &Request<B>) -> Self {
        let mut r = Self::new();
        for (name, value) in request.headers() {
            if PUBLIC_HEADERS.contains(name) {
                continue;
            }
            if let Ok(v) = value.to_str() {
                r.add(v);
                // `Bearer <token>`: the token alone is what a server echoes.
                if let Some((_, token)) = v.split_once(' ') {
                    r.add(token.trim());
                }
            }
        }
        if let Some(query) = request.uri().query() {
            r.add_form(query.as_bytes());
        }
        let body = request.body().as_ref();
        let is_json = request
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("json"));
        if is_json {
            r.add_json(body);
        } else {
            r.add_form(body);
        }
        r
    }

    /// Adds a secret (ignored when empty).
    #[must_use]
    pub fn with_secret(mut self, secret: &str) -> Self {
        self.add(secret);
        self
    }

    /// Adds a secret (ignored when empty).
    pub fn add(&mut self, secret: &str) {
        if secret.is_empty() {
            return;
        }
        for form in forms(secret) {
            if !self.needles.iter().any(|n| n.expose_secret() == form) {
                self.needles.push(SecretString::from(form));
            }
        }
        self.needles
            .sort_by_key(|n| std::cmp::Reverse(n.expose_secret().len()));
    }

    fn add_form(&mut self, bytes: &[u8]) {
        for (k, v) in url::form_urlencoded::parse(bytes) {
            if !PUBLIC_MEMBERS.contains(&k.as_ref()) {
                self.add(&v);
            }
        }
    }

    fn add_json(&mut self, bytes: &[u8]) {
        let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(bytes) else {
            return;
        };
        for (k, v) in map {
            if let serde_json::Value::String(s) = v
                && !PUBLIC_MEMBERS.contains(&k.as_str())
            {
                self.add(&s);
            }
        }
    }

    /// `text` with every known secret and every JWT-shaped run replaced by
    /// [`REDACTED`].
    pub fn scrub<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(text);
        for n in &self.needles {
            let n = n.expose_secret();
            if out.contains(n) {
                out = Cow::Owned(out.replace(n, REDACTED));
            }
        }
        match cut_jwts(&out) {
            Some(cut) => Cow::Owned(cut),
            None => out,
        }
    }

    /// Like [`scrub`](Self::scrub) for text that was cut short: a secret that
    /// straddled the cut leaves its beginning at the end of the text, so any such
    /// tail is cut too.
    pub fn scrub_truncated(&self, text: &str) -> String {
        let mut out = self.scrub(text).into_owned();
        for n in &self.needles {
            let n = n.expose_secret();
            let cut = (1..n.len())
                .rev()
                .filter(|&k| n.is_char_boundary(k))
                .find(|&k| n.get(..k).is_some_and(|p| out.ends_with(p)));
            if let Some(k) = cut {
                out.truncate(out.len() - k);
                out.push_str(REDACTED);
            }
        }
        out
    }

    /// [`scrub`](Self::scrub) for a body that may not be UTF-8: secrets are found
    /// as bytes.
    pub fn scrub_bytes(&self, bytes: &[u8], truncated: bool) -> Vec<u8> {
        // Lossy (and borrowed when the bytes are UTF-8): every ASCII secret stays
        // findable, and the replaced bytes were not text anyway.
        let text = String::from_utf8_lossy(bytes);
        if truncated {
            self.scrub_truncated(&text).into_bytes()
        } else {
            self.scrub(&text).into_owned().into_bytes()
        }
    }
}

impl crate::user::authorize::CallbackError {
    pub(crate) fn redact(self, redactor: &Redactor) -> Self {
        match self {
            Self::Authorization(e) => Self::Authorization(e.redact(redactor)),
            other => other,
        }
    }
}

/// The forms in which a server may echo `secret`.
fn forms(secret: &str) -> Vec<String> {
    let form: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    let percent = form.replace('+', "%20");
    let json = serde_json::to_string(secret).unwrap_or_default();
    let json = json
        .strip_prefix('"')
        .and_then(|j| j.strip_suffix('"'))
        .unwrap_or(secret)
        .to_owned();
    let mut out = vec![
        secret.to_owned(),
        lowercase_hex(&form),
        lowercase_hex(&percent),
        // Java's JSON writers escape `/`.
        json.replace('/', "\\/"),
        html_escape(secret),
        json,
        form,
        percent,
    ];
    out.retain(|f| !f.is_empty());
    out.dedup();
    out
}

/// `%2F` → `%2f`: both spellings are the same octet (RFC 3986 §2.1).
fn lowercase_hex(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut hex_left = 0;
    for c in s.chars() {
        if c == '%' {
            hex_left = 2;
            out.push(c);
        } else if hex_left > 0 {
            hex_left -= 1;
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Replaces every JWT-shaped run (`eyJ` and base64url, with two or more dots) by
/// [`REDACTED`]; `None` when there is none. A server may echo a token nobody told
/// the redactor about (one it issued earlier, one from another request).
fn cut_jwts(text: &str) -> Option<String> {
    let is_b64 = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.';
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while let Some(found) = text.get(i..).and_then(|t| t.find("eyJ")) {
        let start = i + found;
        let end = bytes.get(start..).map_or(start, |rest| {
            start + rest.iter().position(|&b| !is_b64(b)).unwrap_or(rest.len())
        });
        let run = text.get(start..end).unwrap_or("");
        if run.bytes().filter(|&b| b == b'.').count() >= 2 {
            let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
            o.push_str(text.get(copied..start).unwrap_or(""));
            o.push_str(REDACTED);
            copied = end;
        }
        i = end.max(start + 3);
    }
    let mut o = out?;
    o.push_str(text.get(copied..).unwrap_or(""));
    Some(o)
}

/// Characters removed from any server text before it is kept: controls (they
/// forge log lines) and bidi and format characters (they reorder or hide what a
/// reader sees: U+061C, U+200B–U+200F, U+202A–U+202E, U+2060–U+2069, U+FEFF).
pub(crate) fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2069}'
                | '\u{FEFF}'
        )
}

/// `s` without [`is_unsafe_char`] characters, at most `max` characters; and
/// whether it was cut.
pub(crate) fn sanitize(s: &str, max: usize) -> (String, bool) {
    let mut out = String::with_capacity(s.len().min(max));
    for (kept, c) in s.chars().filter(|&c| !is_unsafe_char(c)).enumerate() {
        if kept == max {
            return (out, true);
        }
        out.push(c);
    }
    (out, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_is_cut() {
        let r = Redactor::new().with_secret("a/b c&d\"e");
        for echoed in [
            "a/b c&d\"e",
            "a%2Fb+c%26d%22e",
            "a%2Fb%20c%26d%22e",
            "a%2fb+c%26d%22e",
            "a\\/b c&d\\\"e",
            "a/b c&amp;d&quot;e",
        ] {
            let s = r.scrub(echoed);
            assert_eq!(s, REDACTED, "{echoed}");
        }
    }

    #[test]
    fn jwt_shapes_are_cut() {
        let r = Redactor::new();
        assert_eq!(
            r.scrub("token eyJhbGciOi.eyJzdWIi.c2ln! and eyJnot-a-jwt"),
            format!("token {REDACTED}! and eyJnot-a-jwt")
        );
    }

    #[test]
    fn a_cut_secret_leaves_no_prefix() {
        let r = Redactor::new().with_secret("supersecret");
        assert_eq!(r.scrub_truncated("x: supers"), format!("x: {REDACTED}"));
        assert_eq!(r.scrub_truncated("x: y"), "x: y");
    }

    #[test]
    fn request_secrets() {
        let req = Request::post("https://h/p?client_secret=q%2Fs&v=1.0")
            .header("authorization", "Bearer eyJx")
            .header("x-lp-on-behalf", "cjws")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(b"code=c0de&client_id=cid&redirect_uri=https%3A%2F%2Fa".to_vec())
            .unwrap();
        let r = Redactor::from_request(&req);
        let s = r.scrub("q/s eyJx cjws c0de cid https://a 1.0 Bearer");
        assert_eq!(
            s,
            format!("{REDACTED} {REDACTED} {REDACTED} {REDACTED} cid https://a 1.0 Bearer")
        );
    }

    #[test]
    fn sanitize_strips_bidi_and_controls() {
        let (s, cut) = sanitize("a\u{202E}b\u{2066}c\u{200B}d\ne\u{FEFF}", 100);
        assert_eq!(s, "abcde");
        assert!(!cut);
        assert_eq!(sanitize("abcdef", 3), ("abc".to_owned(), true));
    }
}
