//! LivePerson's Domain API ("CSDS"): which host serves a service for an account.

use std::sync::Arc;

use http::{Request, Response, StatusCode};
use serde::Deserialize;

use crate::body_json::{Field, MapOnly, required};
use crate::error::{BodyError, Error, InputError};
use crate::host::Host;
use crate::ids::AccountId;
use crate::request::get_json;
use crate::response::{invalid, success_body};

/// The Domain API's name for Sentinel.
pub const SERVICE_SENTINEL: &str = "sentinel";
/// The Domain API's name for the Identity Provider (ConsumerJWS).
pub const SERVICE_IDP: &str = "idp";

/// Longest service name accepted.
const MAX_SERVICE: usize = 64;

/// The domain every discovered host may be under: LivePerson's.
pub const LIVEPERSON_DOMAIN: &str = "liveperson.net";

/// The Domain API of one account.
///
/// A `baseURI` becomes the host of requests that carry the client secret, so
/// beyond being a bare host it must be *allowed*: under `liveperson.net`
/// (`va.sentinel.liveperson.net`, not `evilliveperson.net` nor
/// `liveperson.net.evil.com`), or the Domain API's own host or a subdomain of it,
/// or — when the Domain API is on loopback, as a local emulator — a loopback
/// host. Anything else is [`BodyError::HostNotAllowed`] unless
/// [`DomainApi::with_allowed_domains`] added its domain.
///
/// ```
/// use sentinel_proto::{AccountId, Host, domain::DomainApi};
/// let api = DomainApi::new(Host::csds(), AccountId::new("123456")?);
/// let req = api.service_request("sentinel")?;
/// assert_eq!(req.uri(), "https://api.liveperson.net/api/account/123456/service/sentinel/baseURI.json?version=1.0");
///
/// let resp = http::Response::new(
///     br#"{"service":"sentinel","account":"123456","baseURI":"va.sentinel.liveperson.net"}"#.to_vec());
/// let host = api.parse_service(&resp, "sentinel")?;
/// assert_eq!(host.base_url(), "https://va.sentinel.liveperson.net");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DomainApi {
    csds: Host,
    account: AccountId,
    /// Domains added to the default list, normalised (see `normalise_domain`).
    allowed: Arc<[String]>,
}

impl DomainApi {
    /// The Domain API at `csds` for `account`, with the default allow-list.
    pub fn new(csds: Host, account: AccountId) -> Self {
        Self {
            csds,
            account,
            allowed: Arc::from([]),
        }
    }

    /// Also allows discovered hosts under these domains (private deployments):
    /// each entry is a DNS name, matched with its subdomains at a dot boundary
    /// (`corp.example` allows `sentinel.corp.example`, not `evilcorp.example`),
    /// or an IP address, matched exactly. Case, a leading `*.` or `.` and a
    /// trailing `.` are ignored; empty entries are skipped. Adds to the list:
    /// `liveperson.net` stays allowed.
    ///
    /// ```
    /// use sentinel_proto::{AccountId, Error, Host, domain::DomainApi, error::BodyError};
    /// let resp = http::Response::new(
    ///     br#"{"service":"sentinel","baseURI":"sentinel.corp.example"}"#.to_vec());
    /// let api = DomainApi::new(Host::csds(), AccountId::new("123456")?);
    /// assert!(matches!(api.parse_service(&resp, "sentinel"),
    ///     Err(Error::InvalidBody { reason: BodyError::HostNotAllowed { .. }, .. })));
    /// let api = api.with_allowed_domains(["corp.example"]);
    /// assert_eq!(api.parse_service(&resp, "sentinel")?.authority(), "sentinel.corp.example");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_allowed_domains<I, S>(mut self, domains: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut all: Vec<String> = self.allowed.to_vec();
        all.extend(
            domains
                .into_iter()
                .filter_map(|d| normalise_domain(d.as_ref())),
        );
        self.allowed = all.into();
        self
    }

    /// Whether a host named by this Domain API would be accepted (see the
    /// type's documentation).
    ///
    /// ```
    /// use sentinel_proto::{AccountId, Host, domain::DomainApi};
    /// let api = DomainApi::new(Host::csds(), AccountId::new("123456")?);
    /// assert!(api.allows(&Host::parse("va.sentinel.liveperson.net")?));
    /// assert!(!api.allows(&Host::parse("evilliveperson.net")?));
    /// assert!(!api.allows(&Host::parse("liveperson.net.evil.com")?));
    /// # Ok::<(), sentinel_proto::error::InputError>(())
    /// ```
    pub fn allows(&self, host: &Host) -> bool {
        allowed(&self.csds, &self.allowed, host)
    }

    /// The Domain API host.
    pub fn csds(&self) -> &Host {
        &self.csds
    }

    /// The account.
    pub fn account(&self) -> &AccountId {
        &self.account
    }

    /// `GET /api/account/{account}/service/baseURI.json?version=1.0`: every service.
    pub fn all_services_request(&self) -> Result<Request<Vec<u8>>, Error> {
        get_json(format!(
            "{}/api/account/{}/service/baseURI.json?version=1.0",
            self.csds.base_url(),
            self.account.as_str()
        ))
    }

    /// `GET /api/account/{account}/service/{service}/baseURI.json?version=1.0`.
    pub fn service_request(&self, service: &str) -> Result<Request<Vec<u8>>, Error> {
        check_service(service)?;
        get_json(format!(
            "{}/api/account/{}/service/{service}/baseURI.json?version=1.0",
            self.csds.base_url(),
            self.account.as_str()
        ))
    }

    /// Parses the single-service answer and returns the service's host.
    ///
    /// The answer must name `service` (and this account, when it names one), and
    /// its `baseURI` must be a bare `host[:port]`.
    pub fn parse_service<B: AsRef<[u8]>>(
        &self,
        resp: &Response<B>,
        service: &str,
    ) -> Result<Host, Error> {
        let body = success_body(resp)?;
        let entry: RawEntry<'_> = serde_json::from_slice::<MapOnly<_>>(body)
            .map_err(|e| invalid(resp, BodyError::from(e)))?
            .0;
        let entry = entry.check().map_err(|e| invalid(resp, e))?;
        if entry.service != service || !self.same_account(entry.account.as_deref()) {
            return Err(invalid(
                resp,
                BodyError::ServiceNotFound(service.to_owned()),
            ));
        }
        self.host_of(resp.status(), &entry)
    }

    /// Parses the all-services answer.
    ///
    /// ```
    /// use sentinel_proto::{AccountId, Host, domain::DomainApi};
    /// let api = DomainApi::new(Host::csds(), AccountId::new("123456")?);
    /// let resp = http::Response::new(br#"{"baseURIs":[
    ///   {"service":"sentinel","account":"123456","baseURI":"va.sentinel.liveperson.net"},
    ///   {"service":"bad","account":"123456","baseURI":"https://evil.example/x"}]}"#.to_vec());
    /// let list = api.parse_all_services(&resp)?;
    /// assert_eq!(list.host("sentinel")?.authority(), "va.sentinel.liveperson.net");
    /// assert!(list.host("bad").is_err());
    /// assert!(list.host("idp").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn parse_all_services<B: AsRef<[u8]>>(
        &self,
        resp: &Response<B>,
    ) -> Result<ServiceList, Error> {
        #[derive(Deserialize)]
        struct All<'a> {
            #[serde(rename = "baseURIs", borrow)]
            base_uris: Option<Vec<MapOnly<RawEntry<'a>>>>,
        }
        let body = success_body(resp)?;
        let all: All<'_> = serde_json::from_slice::<MapOnly<_>>(body)
            .map_err(|e| invalid(resp, BodyError::from(e)))?
            .0;
        let raw = all
            .base_uris
            .ok_or_else(|| invalid(resp, BodyError::MissingField("baseURIs")))?;
        let mut entries = Vec::with_capacity(raw.len());
        for MapOnly(e) in raw {
            let e = e.check().map_err(|e| invalid(resp, e))?;
            if !self.same_account(e.account.as_deref()) {
                continue;
            }
            entries.push((e.service, e.base_uri));
        }
        Ok(ServiceList {
            status: resp.status(),
            csds: self.csds.clone(),
            allowed: Arc::clone(&self.allowed),
            entries,
        })
    }

    fn same_account(&self, account: Option<&str>) -> bool {
        account.is_none_or(|a| a == self.account.as_str())
    }

    fn host_of(&self, status: StatusCode, e: &Entry) -> Result<Host, Error> {
        checked_host(status, &self.csds, &self.allowed, &e.service, &e.base_uri)
    }
}

/// A `baseURI` as a host: valid, then allowed.
fn checked_host(
    status: StatusCode,
    csds: &Host,
    extra: &[String],
    service: &str,
    base_uri: &str,
) -> Result<Host, Error> {
    let invalid = |reason| Error::InvalidBody { status, reason };
    let host = Host::from_base_uri(base_uri, csds).map_err(|reason| {
        invalid(BodyError::InvalidBaseUri {
            service: service.to_owned(),
            reason,
        })
    })?;
    if !allowed(csds, extra, &host) {
        return Err(invalid(BodyError::HostNotAllowed {
            service: service.to_owned(),
            host: host.authority().to_owned(),
        }));
    }
    Ok(host)
}

/// The allow-list rule of [`DomainApi`].
fn allowed(csds: &Host, extra: &[String], host: &Host) -> bool {
    let name = host.name();
    let under = |domain: &str| {
        name == domain
            || (!host.is_ip()
                && name
                    .strip_suffix(domain)
                    .is_some_and(|rest| rest.ends_with('.')))
    };
    under(LIVEPERSON_DOMAIN)
        || under(csds.name())
        || (csds.is_loopback() && host.is_loopback())
        || extra.iter().any(|d| under(d))
}

/// An allow-list entry as compared: lowercase, no `*.`/`.` prefix, no trailing
/// dot, IPv6 in brackets; `None` if nothing is left.
fn normalise_domain(d: &str) -> Option<String> {
    let d = d.trim().to_ascii_lowercase();
    let d = d.strip_prefix("*.").unwrap_or(&d);
    let d = d.trim_start_matches('.').trim_end_matches('.');
    if d.is_empty() {
        return None;
    }
    Some(match d.parse::<std::net::Ipv6Addr>() {
        Ok(ip) => format!("[{ip}]"),
        Err(_) => match d
            .strip_prefix('[')
            .and_then(|x| x.strip_suffix(']'))
            .and_then(|x| x.parse::<std::net::Ipv6Addr>().ok())
        {
            Some(ip) => format!("[{ip}]"),
            None => d.to_owned(),
        },
    })
}

fn check_service(service: &str) -> Result<(), InputError> {
    if service.is_empty()
        || service.len() > MAX_SERVICE
        || !service
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        // `.` and `..` are path segments a server or proxy resolves: `..` would turn
        // this into the all-services request.
        || service.bytes().all(|b| b == b'.')
    {
        return Err(InputError::Parameter {
            name: "service",
            reason: "1 to 64 characters from [A-Za-z0-9._-], not only dots",
        });
    }
    Ok(())
}

/// Every service of an account, each host validated when asked for (an answer
/// lists dozens of services; a client needs one or two).
#[derive(Clone, Debug)]
pub struct ServiceList {
    status: StatusCode,
    /// Decides the scheme of loopback answers, as in [`Host::from_base_uri`], and
    /// which hosts are allowed.
    csds: Host,
    /// The domains the [`DomainApi`] added to the allow-list.
    allowed: Arc<[String]>,
    /// Service name and raw `baseURI`.
    entries: Vec<(String, String)>,
}

impl ServiceList {
    /// The host of `service`: an error if it is not listed, its `baseURI` is not
    /// a bare host, or the host is not allowed (see [`DomainApi`]).
    pub fn host(&self, service: &str) -> Result<Host, Error> {
        let (name, base_uri) = self
            .entries
            .iter()
            .find(|(name, _)| name == service)
            .ok_or_else(|| Error::InvalidBody {
                status: self.status,
                reason: BodyError::ServiceNotFound(service.to_owned()),
            })?;
        checked_host(self.status, &self.csds, &self.allowed, name, base_uri)
    }

    /// The names of the listed services.
    pub fn services(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(n, _)| n.as_str())
    }
}

#[derive(Deserialize)]
struct RawEntry<'a> {
    #[serde(borrow)]
    service: Option<Field<'a>>,
    #[serde(borrow)]
    account: Option<Field<'a>>,
    #[serde(rename = "baseURI", borrow)]
    base_uri: Option<Field<'a>>,
}

struct Entry {
    service: String,
    account: Option<String>,
    base_uri: String,
}

impl RawEntry<'_> {
    fn check(self) -> Result<Entry, BodyError> {
        let account = match self.account {
            None => None,
            Some(Field::Str(s)) => Some(s.into_owned()),
            // Accounts are digits; some answers may carry them as numbers.
            Some(Field::U64(n)) => Some(n.to_string()),
            Some(_) => {
                return Err(BodyError::InvalidField {
                    field: "account",
                    expected: "a string",
                });
            }
        };
        Ok(Entry {
            service: required(self.service, "service")?
                .into_string("service")?
                .into_owned(),
            account,
            base_uri: required(self.base_uri, "baseURI")?
                .into_string("baseURI")?
                .into_owned(),
        })
    }
}
