//! The host a request goes to: Sentinel's, the Domain API's or the IdP's.
//!
//! A host becomes the authority of requests that carry the client secret, so it is
//! validated strictly: a bare `host[:port]` (served over https), or an explicit
//! `https://host[:port]`, or `http://host[:port]` where the host is loopback.

use std::net::IpAddr;
use std::sync::Arc;

use crate::error::InputError;

/// How requests reach a [`Host`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// TLS; the only choice for anything but loopback.
    Https,
    /// Plain HTTP, only ever to a loopback address (tests, the emulator).
    Http,
}

impl Scheme {
    /// `"https"` or `"http"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Https => "https",
            Scheme::Http => "http",
        }
    }
}

/// A validated host with its scheme, e.g. `https://va.sentinel.liveperson.net`.
///
/// ```
/// use sentinel_proto::{Host, Scheme};
/// let h = Host::parse("va.sentinel.liveperson.net")?;
/// assert_eq!(h.base_url(), "https://va.sentinel.liveperson.net");
///
/// let local = Host::parse("http://127.0.0.1:8080")?;
/// assert_eq!(local.scheme(), Scheme::Http);
///
/// // Plain http to anything but loopback, userinfo, paths: all refused.
/// assert!(Host::parse("http://example.com").is_err());
/// assert!(Host::parse("user@example.com").is_err());
/// assert!(Host::parse("example.com/path").is_err());
/// # Ok::<(), sentinel_proto::error::InputError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Host {
    // Shared strings: a host is cloned into the context of every request and
    // into the cache key of every account, where a copy would allocate.
    scheme: Scheme,
    /// `host` or `host:port`, normalised (lowercase, brackets around IPv6).
    authority: Arc<str>,
    loopback: bool,
    /// `scheme://authority`, kept so request building does not format it each time.
    base_url: Arc<str>,
}

/// Longest host string we accept (a DNS name is at most 253 bytes).
const MAX_HOST: usize = 300;

impl Host {
    /// Parses a user-supplied host: `host[:port]`, `https://host[:port]`, or
    /// `http://host[:port]` on a loopback host. A trailing `/` is tolerated after a
    /// scheme; nothing else may follow the authority.
    pub fn parse(input: &str) -> Result<Self, InputError> {
        if let Some(rest) = input.strip_prefix("https://") {
            Self::from_parts(Scheme::Https, rest.strip_suffix('/').unwrap_or(rest))
        } else if let Some(rest) = input.strip_prefix("http://") {
            Self::from_parts(Scheme::Http, rest.strip_suffix('/').unwrap_or(rest))
        } else if input.contains("://") {
            Err(InputError::Host(
                "only https:// and loopback http:// are allowed",
            ))
        } else {
            Self::from_parts(Scheme::Https, input)
        }
    }

    /// Parses a `baseURI` from the Domain API: a bare `host[:port]`.
    ///
    /// It is served over https, except when the Domain API itself was reached over
    /// loopback http and the answer is loopback too (a local emulator).
    ///
    /// ```
    /// use sentinel_proto::{Host, Scheme};
    /// let csds = Host::parse("api.liveperson.net")?;
    /// let h = Host::from_base_uri("va.sentinel.liveperson.net", &csds)?;
    /// assert_eq!(h.scheme(), Scheme::Https);
    /// assert!(Host::from_base_uri("https://x.example", &csds).is_err());
    /// # Ok::<(), sentinel_proto::error::InputError>(())
    /// ```
    pub fn from_base_uri(base_uri: &str, discovered_via: &Host) -> Result<Self, InputError> {
        let https = Self::from_parts(Scheme::Https, base_uri)?;
        if discovered_via.scheme == Scheme::Http && https.loopback {
            Self::from_parts(Scheme::Http, base_uri)
        } else {
            Ok(https)
        }
    }

    fn from_parts(scheme: Scheme, authority: &str) -> Result<Self, InputError> {
        if authority.is_empty() {
            return Err(InputError::Host("empty host"));
        }
        if authority.len() > MAX_HOST {
            return Err(InputError::Host("host is too long"));
        }
        // Anything beyond these characters (userinfo '@', path '/', query, fragment,
        // backslash, percent-encoding, whitespace) could move the request elsewhere.
        if !authority
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
        {
            return Err(InputError::Host(
                "a host is host[:port] with no userinfo, path, query or whitespace",
            ));
        }
        let url = url::Url::parse(&format!("{}://{authority}", scheme.as_str()))
            .map_err(|_| InputError::Host("not a valid host[:port]"))?;
        let (host, loopback) = match url.host() {
            Some(url::Host::Domain(d)) => {
                if d.starts_with('.') || d.ends_with('.') || d.contains("..") {
                    return Err(InputError::Host("not a valid DNS name"));
                }
                (d.to_owned(), d == "localhost")
            }
            Some(url::Host::Ipv4(ip)) => (ip.to_string(), IpAddr::V4(ip).is_loopback()),
            Some(url::Host::Ipv6(ip)) => (format!("[{ip}]"), IpAddr::V6(ip).is_loopback()),
            None => return Err(InputError::Host("missing host")),
        };
        // The url crate drops a default port; an explicit ":" with nothing after it
        // is a typo we do not guess about.
        if authority.ends_with(':') {
            return Err(InputError::Host("empty port"));
        }
        if scheme == Scheme::Http && !loopback {
            return Err(InputError::Host(
                "plain http is allowed only to a loopback host (127.0.0.0/8, ::1, localhost)",
            ));
        }
        let authority = match url.port() {
            Some(p) => format!("{host}:{p}"),
            None => host,
        };
        let base_url = format!("{}://{authority}", scheme.as_str());
        Ok(Self {
            scheme,
            authority: authority.into(),
            loopback,
            base_url: base_url.into(),
        })
    }

    /// The scheme requests use.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// `host` or `host:port`.
    pub fn authority(&self) -> &str {
        &self.authority
    }

    /// The host without the port: a lowercase DNS name, an IPv4 address, or an
    /// IPv6 address in brackets.
    ///
    /// ```
    /// use sentinel_proto::Host;
    /// assert_eq!(Host::parse("VA.Sentinel.LivePerson.net:8443")?.name(), "va.sentinel.liveperson.net");
    /// assert_eq!(Host::parse("[::1]:80")?.name(), "[::1]");
    /// # Ok::<(), sentinel_proto::error::InputError>(())
    /// ```
    pub fn name(&self) -> &str {
        let a: &str = &self.authority;
        let end = match a.find(']') {
            Some(i) => i + 1,
            None => a.find(':').unwrap_or(a.len()),
        };
        a.get(..end).unwrap_or(a)
    }

    /// Whether the host is an IP address rather than a DNS name.
    pub(crate) fn is_ip(&self) -> bool {
        let n = self.name();
        n.starts_with('[') || n.parse::<std::net::Ipv4Addr>().is_ok()
    }

    /// Whether the host is loopback (127.0.0.0/8, ::1 or `localhost`).
    pub fn is_loopback(&self) -> bool {
        self.loopback
    }

    /// `scheme://authority`, with no trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Known production Sentinel host for the Americas.
    pub fn americas() -> Self {
        Self::known("va.sentinel.liveperson.net")
    }

    /// Known production Sentinel host for EMEA.
    pub fn emea() -> Self {
        Self::known("lo.sentinel.liveperson.net")
    }

    /// Known production Sentinel host for APAC.
    pub fn apac() -> Self {
        Self::known("sy.sentinel.liveperson.net")
    }

    /// LivePerson's Domain API (CSDS) host.
    ///
    /// ```
    /// assert_eq!(sentinel_proto::Host::csds().base_url(), "https://api.liveperson.net");
    /// ```
    pub fn csds() -> Self {
        Self::known("api.liveperson.net")
    }

    fn known(name: &str) -> Self {
        Self {
            scheme: Scheme::Https,
            authority: name.into(),
            loopback: false,
            base_url: format!("https://{name}").into(),
        }
    }
}

impl std::fmt::Display for Host {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.base_url)
    }
}

impl std::str::FromStr for Host {
    type Err = InputError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}
