//! Domain API answers (protocol reference §1): the example answers, every bad
//! `baseURI` refused (it becomes the host of requests that carry the client secret),
//! wrong service or account, and the loopback-http inheritance rule.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use http::{Response, StatusCode};
use sentinel_proto::{
    AccountId, Error, Host, Scheme,
    domain::DomainApi,
    error::{BodyError, InputError, JsonErrorKind},
};

const ONE: &[u8] = include_bytes!("../testdata/responses/domain-one.json");
const ALL: &[u8] = include_bytes!("../testdata/responses/domain-all.json");

const MARKER: &str = "SECRET-MARKER-123";

fn ok(body: &[u8]) -> Response<Vec<u8>> {
    Response::builder().status(200).body(body.to_vec()).unwrap()
}

fn api() -> DomainApi {
    DomainApi::new(Host::csds(), AccountId::new("123456").unwrap())
}

fn api_at(csds: &str) -> DomainApi {
    DomainApi::new(
        Host::parse(csds).unwrap(),
        AccountId::new("123456").unwrap(),
    )
}

/// `{"service":..,"account":"123456","baseURI":<json>}`.
fn entry(service: &str, base_uri_json: &str) -> String {
    format!(r#"{{"service":"{service}","account":"123456","baseURI":{base_uri_json}}}"#)
}

fn single(api: &DomainApi, base_uri_json: &str) -> Result<Host, Error> {
    api.parse_service(&ok(entry("sentinel", base_uri_json).as_bytes()), "sentinel")
}

/// The host of `sentinel` in an all-services answer where another service is
/// listed first; an error whether the list or the lookup refuses it.
fn from_all(api: &DomainApi, base_uri_json: &str) -> Result<Host, Error> {
    let body = format!(
        r#"{{"baseURIs":[{},{}]}}"#,
        entry("agentVep", r#""va.agentvep.liveperson.net""#),
        entry("sentinel", base_uri_json)
    );
    let list = api.parse_all_services(&ok(body.as_bytes()))?;
    // The good entry next to the bad one stays usable.
    assert_eq!(
        list.host("agentVep").unwrap().base_url(),
        "https://va.agentvep.liveperson.net"
    );
    list.host("sentinel")
}

fn shown(e: &Error) -> String {
    let s = format!("{e} / {e:?}");
    assert!(!s.contains(MARKER), "{s}");
    s
}

#[test]
fn single_service_example_answer() {
    let host = api().parse_service(&ok(ONE), "sentinel").unwrap();
    assert_eq!(host.scheme(), Scheme::Https);
    assert_eq!(host.authority(), "va.sentinel.liveperson.net");
    assert_eq!(host.base_url(), "https://va.sentinel.liveperson.net");
    assert_eq!(host, Host::americas());
}

#[test]
fn all_services_example_answer() {
    let list = api().parse_all_services(&ok(ALL)).unwrap();
    assert_eq!(
        list.services().collect::<Vec<_>>(),
        ["agentVep", "sentinel", "idp", "asyncMessagingEnt"]
    );
    assert_eq!(list.host("sentinel").unwrap(), Host::americas());
    assert_eq!(
        list.host("idp").unwrap().base_url(),
        "https://va.idp.liveperson.net"
    );
    assert_eq!(
        list.host("agentVep").unwrap().base_url(),
        "https://va.agentvep.liveperson.net"
    );
    // The default port of https is dropped.
    assert_eq!(
        list.host("asyncMessagingEnt").unwrap().base_url(),
        "https://va.msg.liveperson.net"
    );
    // Names are exact.
    for missing in ["Sentinel", "SENTINEL", "sentinel ", "idp2", ""] {
        match list.host(missing).unwrap_err() {
            Error::InvalidBody {
                status,
                reason: BodyError::ServiceNotFound(s),
            } => {
                assert_eq!(status, StatusCode::OK);
                assert_eq!(s, missing);
            }
            other => panic!("{missing:?}: {other:?}"),
        }
    }
}

#[test]
fn ports_and_ip_literals_are_bare_hosts_too() {
    for (base_uri, url) in [
        (
            "va.sentinel.liveperson.net:8443",
            "https://va.sentinel.liveperson.net:8443",
        ),
        (
            "VA.Sentinel.LivePerson.net",
            "https://va.sentinel.liveperson.net",
        ),
        ("10.1.2.3", "https://10.1.2.3"),
        ("[2001:db8::1]:444", "https://[2001:db8::1]:444"),
        ("xn--wgv71a.jp", "https://xn--wgv71a.jp"),
    ] {
        let json = format!("\"{base_uri}\"");
        // Hosts outside liveperson.net must be allowed first (tests/proto_allowlist.rs).
        let api = api().with_allowed_domains(["10.1.2.3", "2001:db8::1", "xn--wgv71a.jp"]);
        assert_eq!(single(&api, &json).unwrap().base_url(), url);
        assert_eq!(from_all(&api, &json).unwrap().base_url(), url);
    }
}

#[test]
fn every_bad_base_uri_is_an_error_never_a_url() {
    let long = format!("\"{}.example\"", "a".repeat(300));
    let cases = [
        // scheme
        r#""https://va.sentinel.liveperson.net""#,
        r#""http://va.sentinel.liveperson.net""#,
        r#""http://127.0.0.1:8080""#,
        r#""ftp://va.sentinel.liveperson.net""#,
        r#""//va.sentinel.liveperson.net""#,
        // path
        r#""va.sentinel.liveperson.net/""#,
        r#""va.sentinel.liveperson.net/sentinel""#,
        r#""evil.example/va.sentinel.liveperson.net""#,
        r#""va.sentinel.liveperson.net\u002fpath""#,
        r#""va.sentinel.liveperson.net\\evil.example""#,
        // userinfo
        r#""user@va.sentinel.liveperson.net""#,
        r#""user:SECRET-MARKER-123@va.sentinel.liveperson.net""#,
        r#""va.sentinel.liveperson.net@evil.example""#,
        r#""va.sentinel.liveperson.net\u0040evil.example""#,
        // query, fragment
        r#""va.sentinel.liveperson.net?x=1""#,
        r#""va.sentinel.liveperson.net#x""#,
        // whitespace, controls
        r#"" va.sentinel.liveperson.net""#,
        r#""va.sentinel.liveperson.net ""#,
        r#""va.sentinel .liveperson.net""#,
        r#""va.sentinel.liveperson.net\n""#,
        r#""va.sentinel.liveperson.net\t""#,
        r#""va.sentinel.liveperson.net\u0000""#,
        // percent signs
        r#""va%2Esentinel.liveperson.net""#,
        r#""%76a.sentinel.liveperson.net""#,
        r#""va.sentinel.liveperson.net%2F""#,
        r#""[::1%25eth0]""#,
        // malformed hosts and ports
        r#""va..sentinel.liveperson.net""#,
        r#"".va.sentinel.liveperson.net""#,
        r#""va.sentinel.liveperson.net.""#,
        r#""va.sentinel.liveperson.net:""#,
        r#""va.sentinel.liveperson.net:99999""#,
        r#""va.sentinel.liveperson.net:abc""#,
        r#""::1""#,
        r#""[::1""#,
        r#""日本.jp""#,
        r#""va.séntinel.liveperson.net""#,
        &long,
    ];
    for json in cases {
        for (how, result) in [
            ("single", single(&api(), json)),
            ("all", from_all(&api(), json)),
        ] {
            let e = result.expect_err(json);
            shown(&e);
            match e {
                Error::InvalidBody {
                    status,
                    reason:
                        BodyError::InvalidBaseUri {
                            service,
                            reason: InputError::Host(_),
                        },
                } => {
                    assert_eq!(status, StatusCode::OK);
                    assert_eq!(service, "sentinel");
                }
                other => panic!("{how} {json}: {other:?}"),
            }
        }
    }
}

#[test]
fn empty_or_non_string_base_uris_are_errors() {
    for (json, want) in [
        (
            r#""""#,
            BodyError::InvalidField {
                field: "baseURI",
                expected: "a non-empty string",
            },
        ),
        (
            "42",
            BodyError::InvalidField {
                field: "baseURI",
                expected: "a string",
            },
        ),
        (
            "true",
            BodyError::InvalidField {
                field: "baseURI",
                expected: "a string",
            },
        ),
        (
            r#"["va.sentinel.liveperson.net"]"#,
            BodyError::InvalidField {
                field: "baseURI",
                expected: "a string",
            },
        ),
        (
            r#"{"host":"va.sentinel.liveperson.net"}"#,
            BodyError::InvalidField {
                field: "baseURI",
                expected: "a string",
            },
        ),
        ("null", BodyError::MissingField("baseURI")),
    ] {
        for (how, result) in [
            ("single", single(&api(), json)),
            ("all", from_all(&api(), json)),
        ] {
            match result {
                Err(Error::InvalidBody { status, reason }) => {
                    assert_eq!(status, StatusCode::OK);
                    assert_eq!(reason, want, "{how} {json}");
                }
                other => panic!("{how} {json}: {other:?}"),
            }
        }
    }
    let absent = br#"{"service":"sentinel","account":"123456"}"#;
    assert!(matches!(
        api().parse_service(&ok(absent), "sentinel"),
        Err(Error::InvalidBody {
            reason: BodyError::MissingField("baseURI"),
            ..
        })
    ));
}

#[test]
fn a_single_answer_for_another_service_or_account_is_refused() {
    for body in [
        // Another service.
        r#"{"service":"idp","account":"123456","baseURI":"va.idp.liveperson.net"}"#,
        r#"{"service":"Sentinel","account":"123456","baseURI":"va.sentinel.liveperson.net"}"#,
        // Another account, as a string or a number.
        r#"{"service":"sentinel","account":"654321","baseURI":"va.sentinel.liveperson.net"}"#,
        r#"{"service":"sentinel","account":"1234567","baseURI":"va.sentinel.liveperson.net"}"#,
        r#"{"service":"sentinel","account":" 123456","baseURI":"va.sentinel.liveperson.net"}"#,
        r#"{"service":"sentinel","account":654321,"baseURI":"va.sentinel.liveperson.net"}"#,
    ] {
        match api().parse_service(&ok(body.as_bytes()), "sentinel") {
            Err(Error::InvalidBody {
                status,
                reason: BodyError::ServiceNotFound(s),
            }) => {
                assert_eq!(status, StatusCode::OK);
                assert_eq!(s, "sentinel");
            }
            other => panic!("{body}: {other:?}"),
        }
    }
}

#[test]
fn the_account_may_be_absent_or_a_number() {
    for body in [
        r#"{"service":"sentinel","baseURI":"va.sentinel.liveperson.net"}"#,
        r#"{"service":"sentinel","account":123456,"baseURI":"va.sentinel.liveperson.net"}"#,
        r#"{"service":"sentinel","account":null,"baseURI":"va.sentinel.liveperson.net"}"#,
        r#"{"baseURI":"va.sentinel.liveperson.net","account":"123456","service":"sentinel","x":1}"#,
    ] {
        assert_eq!(
            api()
                .parse_service(&ok(body.as_bytes()), "sentinel")
                .unwrap(),
            Host::americas(),
            "{body}"
        );
    }
    for body in [
        r#"{"service":"sentinel","account":true,"baseURI":"va.sentinel.liveperson.net"}"#,
        r#"{"service":"sentinel","account":-1,"baseURI":"va.sentinel.liveperson.net"}"#,
        r#"{"service":"sentinel","account":{},"baseURI":"va.sentinel.liveperson.net"}"#,
    ] {
        assert!(
            matches!(
                api().parse_service(&ok(body.as_bytes()), "sentinel"),
                Err(Error::InvalidBody {
                    reason: BodyError::InvalidField {
                        field: "account",
                        ..
                    },
                    ..
                })
            ),
            "{body}"
        );
    }
}

#[test]
fn entries_of_another_account_are_not_listed() {
    let body = br#"{"baseURIs":[
        {"service":"sentinel","account":"999","baseURI":"evil.example"},
        {"service":"idp","account":"123456","baseURI":"va.idp.liveperson.net"}]}"#;
    let list = api().parse_all_services(&ok(body)).unwrap();
    assert!(matches!(
        list.host("sentinel"),
        Err(Error::InvalidBody {
            reason: BodyError::ServiceNotFound(_),
            ..
        })
    ));
    assert_eq!(
        list.host("idp").unwrap().authority(),
        "va.idp.liveperson.net"
    );
    assert!(!list.services().any(|s| s == "sentinel"));
}

#[test]
fn malformed_answers() {
    let syntax = |k| matches!(k, JsonErrorKind::Syntax | JsonErrorKind::Eof);
    for (body, check) in [
        (&b"{}"[..], Some(BodyError::MissingField("baseURIs"))),
        (
            br#"{"baseURIs":null}"#,
            Some(BodyError::MissingField("baseURIs")),
        ),
        (
            br#"{"baseURIs":[{"account":"123456","baseURI":"a.example"}]}"#,
            Some(BodyError::MissingField("service")),
        ),
        (
            br#"{"baseURIs":[{"service":7,"baseURI":"a.example"}]}"#,
            Some(BodyError::InvalidField {
                field: "service",
                expected: "a string",
            }),
        ),
        (br#"{"baseURIs":{}}"#, None),
        (br#"{"baseURIs":"va.sentinel.liveperson.net"}"#, None),
        (
            br#"{"baseURIs":[["sentinel","123456","va.sentinel.liveperson.net"]]}"#,
            None,
        ),
        (
            br#"[{"service":"sentinel","baseURI":"va.sentinel.liveperson.net"}]"#,
            None,
        ),
        (b"<html/>", None),
        (b"", None),
    ] {
        match api().parse_all_services(&ok(body)) {
            Err(Error::InvalidBody { reason, .. }) => match (check, &reason) {
                (Some(want), r) => assert_eq!(r, &want),
                (None, BodyError::Json { kind, .. }) => {
                    assert!(syntax(*kind) || *kind == JsonErrorKind::Data);
                }
                (None, r) => panic!("{}: {r:?}", String::from_utf8_lossy(body)),
            },
            other => panic!("{}: {other:?}", String::from_utf8_lossy(body)),
        }
    }
    // The single-service endpoint reads objects only, too.
    assert!(matches!(
        api().parse_service(
            &ok(br#"["sentinel","123456","va.sentinel.liveperson.net"]"#),
            "sentinel"
        ),
        Err(Error::InvalidBody {
            reason: BodyError::Json {
                kind: JsonErrorKind::Data,
                ..
            },
            ..
        })
    ));
    // An all-services answer is not a single answer.
    assert!(matches!(
        api().parse_service(&ok(ALL), "sentinel"),
        Err(Error::InvalidBody {
            reason: BodyError::MissingField(_),
            ..
        })
    ));
}

#[test]
fn error_statuses_are_classified() {
    for (status, body) in [
        (404, &b"Not Found"[..]),
        (500, b"<html>oops</html>"),
        (302, b""),
    ] {
        let r = Response::builder()
            .status(status)
            .body(body.to_vec())
            .unwrap();
        assert!(matches!(
            api().parse_service(&r, "sentinel"),
            Err(Error::Status { .. })
        ));
        assert!(matches!(
            api().parse_all_services(&r),
            Err(Error::Status { .. })
        ));
    }
    let r = Response::builder()
        .status(401)
        .body(br#"{"error":"unauthorized"}"#.to_vec())
        .unwrap();
    assert!(matches!(
        api().parse_all_services(&r),
        Err(Error::OAuth { .. })
    ));
}

// ---- loopback http is inherited only from a loopback-http Domain API ------------

#[test]
fn loopback_http_is_inherited_only_from_a_loopback_http_csds() {
    let cases: &[(&str, &str, &str)] = &[
        // CSDS over loopback http: loopback answers stay http ...
        (
            "http://127.0.0.1:9000",
            "127.0.0.1:9001",
            "http://127.0.0.1:9001",
        ),
        ("http://127.0.0.1:9000", "127.0.0.2", "http://127.0.0.2"),
        (
            "http://127.0.0.1:9000",
            "localhost:9001",
            "http://localhost:9001",
        ),
        ("http://127.0.0.1:9000", "[::1]:9001", "http://[::1]:9001"),
        (
            "http://localhost:9000",
            "127.0.0.1:9001",
            "http://127.0.0.1:9001",
        ),
        ("http://[::1]:9000", "localhost", "http://localhost"),
        // ... anything else is https.
        (
            "http://127.0.0.1:9000",
            "va.sentinel.liveperson.net",
            "https://va.sentinel.liveperson.net",
        ),
        (
            "http://127.0.0.1:9000",
            "10.0.0.1:9001",
            "https://10.0.0.1:9001",
        ),
        (
            "http://127.0.0.1:9000",
            "localhost.evil.example",
            "https://localhost.evil.example",
        ),
        (
            "http://127.0.0.1:9000",
            "[::ffff:127.0.0.1]",
            "https://[::ffff:127.0.0.1]",
        ),
        // A CSDS over https, even a loopback one, gives https.
        (
            "https://127.0.0.1:9000",
            "127.0.0.1:9001",
            "https://127.0.0.1:9001",
        ),
        (
            "https://localhost:9000",
            "localhost:9001",
            "https://localhost:9001",
        ),
        (
            "api.liveperson.net",
            "127.0.0.1:9001",
            "https://127.0.0.1:9001",
        ),
        ("api.liveperson.net", "localhost", "https://localhost"),
    ];
    for (csds, base_uri, url) in cases {
        // The scheme is the subject here; whether the host is allowed at all is
        // tests/proto_allowlist.rs's, so the host is allowed explicitly.
        let name = Host::from_base_uri(base_uri, &Host::csds()).unwrap();
        let api = api_at(csds).with_allowed_domains([name.name()]);
        let json = format!("\"{base_uri}\"");
        for (how, host) in [
            ("single", single(&api, &json).unwrap()),
            ("all", from_all(&api, &json).unwrap()),
            (
                "from_base_uri",
                Host::from_base_uri(base_uri, &Host::parse(csds).unwrap()).unwrap(),
            ),
        ] {
            assert_eq!(host.base_url(), *url, "{how}: {csds} + {base_uri}");
            let expect = if url.starts_with("http://") {
                Scheme::Http
            } else {
                Scheme::Https
            };
            assert_eq!(host.scheme(), expect);
        }
    }
}

#[test]
fn a_loopback_csds_does_not_make_schemes_acceptable() {
    // Inheritance is of the scheme, never of what the answer may contain.
    let api = api_at("http://127.0.0.1:9000");
    for json in [
        r#""http://127.0.0.1:9001""#,
        r#""https://127.0.0.1:9001""#,
        r#""127.0.0.1:9001/""#,
        r#""user@127.0.0.1:9001""#,
    ] {
        assert!(single(&api, json).is_err(), "{json}");
        assert!(from_all(&api, json).is_err(), "{json}");
    }
}
