//! Domain API answers are allow-listed (protocol reference §1): a discovered host
//! must be under `liveperson.net`, or the Domain API's own host, or loopback next
//! to a loopback Domain API, or under a domain the caller added. Both parsers
//! apply it (the client's use is tested in sentinel-client).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use http::{Response, StatusCode};
use sentinel_proto::{
    AccountId, Error, Host,
    domain::{DomainApi, LIVEPERSON_DOMAIN},
    error::BodyError,
};

fn ok(body: &str) -> Response<Vec<u8>> {
    Response::builder()
        .status(200)
        .body(body.as_bytes().to_vec())
        .unwrap()
}

fn api_at(csds: &str) -> DomainApi {
    DomainApi::new(
        Host::parse(csds).unwrap(),
        AccountId::new("123456").unwrap(),
    )
}

/// The host of `sentinel` through both parsers, which must agree.
fn discover(api: &DomainApi, base_uri: &str) -> Result<Host, Error> {
    let one = format!(r#"{{"service":"sentinel","account":"123456","baseURI":"{base_uri}"}}"#);
    let single = api.parse_service(&ok(&one), "sentinel");
    let all = format!(
        r#"{{"baseURIs":[{{"service":"agentVep","baseURI":"va.agentvep.liveperson.net"}},{one}]}}"#
    );
    let list = api.parse_all_services(&ok(&all)).unwrap();
    // A refused entry does not spoil the others.
    assert!(list.host("agentVep").is_ok());
    let from_list = list.host("sentinel");
    assert_eq!(
        format!("{single:?}"),
        format!("{from_list:?}"),
        "{base_uri}"
    );
    if let Ok(h) = &single {
        assert!(api.allows(h));
    }
    single
}

fn assert_refused(api: &DomainApi, base_uri: &str) {
    match discover(api, base_uri) {
        Err(Error::InvalidBody {
            status,
            reason: BodyError::HostNotAllowed { service, host },
        }) => {
            assert_eq!(status, StatusCode::OK);
            assert_eq!(service, "sentinel");
            // The error names the host, normalised as a `Host` authority.
            let parsed = Host::from_base_uri(base_uri, api.csds()).unwrap();
            assert_eq!(host, parsed.authority());
            assert!(!api.allows(&parsed));
            let e = Error::InvalidBody {
                status,
                reason: BodyError::HostNotAllowed {
                    service,
                    host: host.clone(),
                },
            };
            assert!(e.to_string().contains(&host), "{e}");
            assert!(!e.is_transient());
        }
        other => panic!("{base_uri} via {}: {other:?}", api.csds()),
    }
}

#[test]
fn production_csds_allows_liveperson_net_at_a_dot_boundary_only() {
    assert_eq!(LIVEPERSON_DOMAIN, "liveperson.net");
    let api = DomainApi::new(Host::csds(), AccountId::new("123456").unwrap());
    for allowed in [
        "va.sentinel.liveperson.net",
        "VA.Sentinel.LivePerson.NET",
        "lo.sentinel.liveperson.net:8443",
        "sy.idp.liveperson.net",
        "liveperson.net",
        "a.b.c.d.liveperson.net",
        "api.liveperson.net",
    ] {
        let h = discover(&api, allowed).unwrap_or_else(|e| panic!("{allowed}: {e:?}"));
        assert!(h.name().ends_with("liveperson.net"));
    }
    for refused in [
        "evilliveperson.net",
        "liveperson.net.evil.com",
        "liveperson.network",
        "va.sentinel.liveperson.net.evil.com",
        "sentinel-liveperson.net",
        "liveperson.com",
        "evil.example",
        "liveperson.net-evil.com",
        "10.0.0.1",
        "8.8.8.8:443",
        "[2001:db8::1]",
        // Loopback only next to a loopback Domain API.
        "127.0.0.1:9001",
        "localhost",
        "[::1]",
    ] {
        assert_refused(&api, refused);
    }
}

#[test]
fn loopback_csds_allows_loopback_hosts() {
    for csds in [
        "http://127.0.0.1:9000",
        "http://localhost:9000",
        "http://[::1]:9000",
    ] {
        let api = api_at(csds);
        for allowed in [
            "127.0.0.1:9001",
            "127.0.0.2",
            "localhost:1",
            "[::1]:9001",
            "va.sentinel.liveperson.net",
        ] {
            discover(&api, allowed).unwrap_or_else(|e| panic!("{csds} {allowed}: {e:?}"));
        }
        for refused in [
            "10.0.0.1:9001",
            "192.168.1.1",
            "localhost.evil.example",
            "[::ffff:127.0.0.1]",
            "evil.example",
        ] {
            assert_refused(&api, refused);
        }
    }
}

#[test]
fn a_csds_allows_its_own_host_and_subdomains() {
    let api = api_at("csds.corp.example");
    for allowed in [
        "csds.corp.example",
        "csds.corp.example:8443",
        "sentinel.csds.corp.example",
    ] {
        discover(&api, allowed).unwrap_or_else(|e| panic!("{allowed}: {e:?}"));
    }
    // Its parent domain is not implied: that needs `with_allowed_domains`.
    for refused in [
        "sentinel.corp.example",
        "corp.example",
        "evilcsds.corp.example",
        "csds.corp.example.evil.com",
    ] {
        assert_refused(&api, refused);
    }
    // An IP-literal CSDS allows that address, nothing near it.
    let api = api_at("10.1.2.3:8080");
    discover(&api, "10.1.2.3:9000").unwrap();
    assert_refused(&api, "10.1.2.4");
}

#[test]
fn allowed_domains_widen_the_list() {
    let api = DomainApi::new(Host::csds(), AccountId::new("123456").unwrap())
        .with_allowed_domains(["Corp.Example.", "*.other.example", ""])
        .with_allowed_domains([".third.example", "10.9.8.7", "2001:DB8::1", "[2001:db8::2]"]);
    for allowed in [
        "sentinel.corp.example",
        "corp.example",
        "a.b.corp.example:8443",
        "x.other.example",
        "other.example",
        "third.example",
        "10.9.8.7:443",
        "[2001:db8::1]",
        "[2001:db8::2]:8443",
        // Still allowed: the default.
        "va.sentinel.liveperson.net",
    ] {
        discover(&api, allowed).unwrap_or_else(|e| panic!("{allowed}: {e:?}"));
    }
    for refused in [
        "evilcorp.example",
        "corp.example.evil.com",
        "example",
        "10.9.8.70",
        "110.9.8.7",
        "[2001:db8::3]",
        "localhost",
    ] {
        assert_refused(&api, refused);
    }
    // An IP entry never matches as a suffix.
    let api = DomainApi::new(Host::csds(), AccountId::new("123456").unwrap())
        .with_allowed_domains(["8.7"]);
    assert_refused(&api, "10.9.8.7");
}

#[test]
fn the_allowlist_comes_after_validation() {
    // A malformed baseURI is still InvalidBaseUri, whatever the list says.
    let api = DomainApi::new(Host::csds(), AccountId::new("123456").unwrap())
        .with_allowed_domains(["evil.example"]);
    for bad in [
        "https://evil.example",
        "evil.example/x",
        "user@evil.example",
    ] {
        assert!(
            matches!(
                discover(&api, bad),
                Err(Error::InvalidBody {
                    reason: BodyError::InvalidBaseUri { .. },
                    ..
                })
            ),
            "{bad}"
        );
    }
}
