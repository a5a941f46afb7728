//! Domain API inputs and an independent reading of its answers.

use arbitrary::Arbitrary;
use http::Response;
use sentinel_proto::{
    AccountId, Error, Host, Scheme,
    domain::{DomainApi, ServiceList},
};

use crate::checks::check_host;
use crate::json::{Shape, shape};

/// Which Domain API is asked.
#[derive(Arbitrary, Clone, Debug)]
pub enum Csds {
    Production,
    /// A local emulator over plain http.
    Loopback,
    Custom(String),
}

/// A Domain API question: where it goes, for which account and service.
#[derive(Arbitrary, Clone, Debug)]
pub struct Ask {
    pub csds: Csds,
    pub account: Option<String>,
    pub service: Option<String>,
    pub idp: bool,
}

impl Ask {
    pub fn api(&self) -> DomainApi {
        let csds = match &self.csds {
            Csds::Production => Host::csds(),
            Csds::Loopback => Host::parse("http://127.0.0.1:8080").expect("loopback"),
            Csds::Custom(s) => Host::parse(s).unwrap_or_else(|_| Host::csds()),
        };
        let account = self
            .account
            .as_deref()
            .and_then(|a| AccountId::new(a).ok())
            .unwrap_or_else(|| AccountId::new("123456").expect("account"));
        DomainApi::new(csds, account)
    }

    pub fn service(&self) -> &str {
        match (&self.service, self.idp) {
            (Some(s), _) => s,
            (None, true) => "idp",
            (None, false) => "sentinel",
        }
    }
}

/// `(service, account, baseURI)` of an entry, if each has a usable type.
fn entry(v: &serde_json::Value) -> Option<(String, Option<String>, String)> {
    let o = v.as_object()?;
    let text = |n: &str| {
        o.get(n)?
            .as_str()
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let account = match o.get("account") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(n) => Some(n.as_u64()?.to_string()),
    };
    Some((text("service")?, account, text("baseURI")?))
}

/// Checks `parse_service` against an independent reading of the answer.
pub fn check_service(
    api: &DomainApi,
    service: &str,
    resp: &Response<Vec<u8>>,
    r: &Result<Host, Error>,
) {
    crate::checks::check_outcome(resp, r);
    let expected = (|| {
        if !resp.status().is_success()
            || resp.body().len() > sentinel_proto::response::MAX_BODY_BYTES
        {
            return None;
        }
        let body = match shape(resp.body(), &["service", "account", "baseURI"]) {
            Shape::Object(body) => body,
            Shape::Array => return None,
            Shape::Invalid => return None,
        };
        let (s, account, base) = entry(&serde_json::Value::Object(body))?;
        if s != service || account.is_some_and(|a| a != api.account().as_str()) {
            return None;
        }
        let host = Host::from_base_uri(&base, api.csds()).ok()?;
        // A valid host outside the allow-list is refused too.
        if !api.allows(&host) {
            return None;
        }
        Some(Some(host))
    })();
    match (r, expected) {
        (Ok(h), Some(Some(e))) => assert_eq!(h, &e),
        (Err(e), Some(Some(_))) => panic!("a valid answer was rejected: {e}"),
        (Ok(h), None) => panic!("an invalid answer was accepted: {h:?}"),
        _ => {}
    }
    if let Ok(h) = r {
        check_host(h);
        if h.scheme() == Scheme::Http {
            assert_eq!(api.csds().scheme(), Scheme::Http);
        }
    }
}

/// Checks `parse_all_services`: an accepted list holds exactly this account's
/// entries, in order, each host validated like a single answer's.
pub fn check_all(api: &DomainApi, resp: &Response<Vec<u8>>, r: &Result<ServiceList, Error>) {
    crate::checks::check_outcome(resp, r);
    let Ok(list) = r else { return };
    // Entries may hold invalid UTF-8 in members the parser skips unchecked, which
    // serde_json cannot capture as a raw value: read such a body lossily (this
    // check only judges accepted answers, so that is sound).
    let lossy = String::from_utf8_lossy(resp.body());
    let Shape::Object(body) = shape(lossy.as_bytes(), &["baseURIs"]) else {
        panic!("accepted a body that is not an object");
    };
    let list_of = match &body["baseURIs"] {
        serde_json::Value::Array(a) => a,
        // Holds a string serde_json skipped unchecked; not judged.
        serde_json::Value::Object(o) if o.contains_key("unreadable composite") => return,
        other => panic!("accepted baseURIs {other:?}"),
    };
    assert!(
        !list_of.iter().any(|e| e.is_array()),
        "accepted an entry that is an array"
    );
    let entries: Vec<_> = list_of
        .iter()
        .map(|e| entry(e).expect("every entry is usable"))
        .filter(|(_, a, _)| a.as_ref().is_none_or(|a| a == api.account().as_str()))
        .collect();
    let names: Vec<&str> = list.services().collect();
    assert_eq!(
        names,
        entries.iter().map(|e| e.0.as_str()).collect::<Vec<_>>()
    );
    for name in &names {
        let first = entries.iter().find(|e| e.0 == *name).expect("listed");
        let expected = Host::from_base_uri(&first.2, api.csds())
            .ok()
            .filter(|h| api.allows(h))
            .ok_or(());
        match list.host(name) {
            Ok(h) => {
                assert_eq!(Ok(&h), expected.as_ref());
                check_host(&h);
            }
            Err(e) => {
                assert!(expected.is_err(), "{e}");
                crate::checks::check_error(resp, &e);
            }
        }
    }
    if !names.contains(&"not-listed") {
        assert!(list.host("not-listed").is_err());
    }
}

/// The question and answer a target input stands for: the seed format of
/// [`crate::response::parse_text`], where the words after the status are the
/// service (default `sentinel`) and optionally `loopback` (ask a local emulator
/// over http); or structured input.
pub fn from_input(data: &[u8]) -> Option<(Ask, Response<Vec<u8>>)> {
    if data.starts_with(b"HTTP ") {
        let (resp, words) = crate::response::parse_text(data);
        let ask = Ask {
            csds: if words.iter().any(|w| w == "loopback") {
                Csds::Loopback
            } else {
                Csds::Production
            },
            account: None,
            service: words.first().filter(|w| *w != "loopback").cloned(),
            idp: false,
        };
        return Some((ask, resp));
    }
    let mut u = arbitrary::Unstructured::new(data);
    let ask = Ask::arbitrary(&mut u).ok()?;
    let resp = crate::response::FuzzResponse::arbitrary_take_rest(u).ok()?;
    Some((ask, resp.build()))
}
