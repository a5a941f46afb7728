//! Every response parser: the protocol reference's examples, and each error class.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use http::{Response, StatusCode};
use sentinel_proto::{
    AccountId, BodyError, DomainApi, Error, Host, JsonErrorKind, MAX_BODY_BYTES, OAuthErrorCode,
    RetryAfter, Scheme, UnixTime, parse_app_token_response, parse_consumer_jws_response,
    parse_revoke_response, parse_token_response, success_body,
};

fn resp(status: u16, body: &[u8]) -> Response<Vec<u8>> {
    Response::builder()
        .status(status)
        .body(body.to_vec())
        .unwrap()
}

fn invalid_reason(e: Error) -> BodyError {
    match e {
        Error::InvalidBody { reason, .. } => reason,
        other => panic!("expected InvalidBody, got {other:?}"),
    }
}

#[test]
fn token_answer_with_unknown_fields() {
    let t = parse_token_response(&resp(
        200,
        include_bytes!("../testdata/responses/token.json"),
    ))
    .unwrap();
    assert!(t.access_token.secret().starts_with("eyJ"));
    assert_eq!(t.refresh_token.unwrap().secret(), "4a5b6c7d-refresh");
    assert!(t.id_token.unwrap().secret().starts_with("eyJ"));
    assert_eq!(t.expires_in, Some(Duration::from_secs(3600)));
}

#[test]
fn token_answer_without_expires_in_and_lowercase_bearer() {
    let t = parse_token_response(&resp(
        200,
        include_bytes!("../testdata/responses/token-legacy.json"),
    ))
    .unwrap();
    assert_eq!(t.expires_in, None);
    assert_eq!(t.access_token.secret(), "at-legacy");
}

#[test]
fn refresh_answer_with_string_expires_in_and_uppercase_bearer() {
    let t = parse_token_response(&resp(
        200,
        include_bytes!("../testdata/responses/refresh.json"),
    ))
    .unwrap();
    assert_eq!(t.expires_in, Some(Duration::from_secs(1800)));
    assert!(t.id_token.is_none());
}

#[test]
fn app_token_answer() {
    let t = parse_app_token_response(&resp(
        200,
        include_bytes!("../testdata/responses/app-token.json"),
    ))
    .unwrap();
    assert!(t.access_token.secret().starts_with("eyJ"));
    assert_eq!(t.expires_in, None);
}

#[test]
fn consumer_answer() {
    let t = parse_consumer_jws_response(&resp(
        200,
        include_bytes!("../testdata/responses/consumer.json"),
    ))
    .unwrap();
    assert_eq!(t.secret().split('.').count(), 3);
}

#[test]
fn revoke_answers() {
    assert!(parse_revoke_response(&resp(200, b"")).is_ok());
    assert!(parse_revoke_response(&resp(200, b"{\"whatever\":1}")).is_ok());
    assert!(parse_revoke_response(&resp(204, b"")).is_ok());
    assert!(matches!(
        parse_revoke_response(&resp(400, br#"{"error":"invalid_request"}"#)),
        Err(Error::OAuth { .. })
    ));
}

#[test]
fn domain_answers() {
    let api = DomainApi::new(Host::csds(), AccountId::new("123456").unwrap());
    let one = api
        .parse_service(
            &resp(200, include_bytes!("../testdata/responses/domain-one.json")),
            "sentinel",
        )
        .unwrap();
    assert_eq!(one.base_url(), "https://va.sentinel.liveperson.net");
    let all = api
        .parse_all_services(&resp(
            200,
            include_bytes!("../testdata/responses/domain-all.json"),
        ))
        .unwrap();
    assert_eq!(
        all.host("idp").unwrap().authority(),
        "va.idp.liveperson.net"
    );
    // The default https port is normalised away.
    assert_eq!(
        all.host("asyncMessagingEnt").unwrap().authority(),
        "va.msg.liveperson.net"
    );
    assert_eq!(all.services().count(), 4);
}

#[test]
fn oauth_error_bodies_on_4xx() {
    let e = parse_token_response(&resp(
        400,
        include_bytes!("../testdata/responses/oauth-error-400.json"),
    ))
    .unwrap_err();
    match &e {
        Error::OAuth { status, error, .. } => {
            assert_eq!(*status, StatusCode::BAD_REQUEST);
            assert_eq!(error.code(), &OAuthErrorCode::InvalidGrant);
            assert_eq!(
                error.description(),
                Some("The authorization code has expired")
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(!e.is_transient());

    let e = parse_app_token_response(&resp(
        401,
        include_bytes!("../testdata/responses/oauth-error-401.json"),
    ))
    .unwrap_err();
    match e {
        Error::OAuth { status, error, .. } => {
            assert_eq!(status, 401);
            assert_eq!(error.code(), &OAuthErrorCode::InvalidClient);
            assert_eq!(
                error.uri(),
                Some("https://developers.liveperson.com/errors#invalid_client")
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn unknown_oauth_codes_are_kept() {
    let e = parse_token_response(&resp(400, br#"{"error":"slow_down"}"#)).unwrap_err();
    assert!(
        matches!(e, Error::OAuth { ref error, .. } if error.code() == &OAuthErrorCode::Other("slow_down".into()))
    );
}

#[test]
fn statuses_without_usable_bodies() {
    for (status, body) in [
        (
            500,
            &include_bytes!("../testdata/responses/error-page-500.html")[..],
        ),
        (502, b""),
        (400, b"garbage \x00\xff"),
        (400, br#"{"message":"no error member"}"#),
        (400, br#"{"error":42}"#),
        (400, br#"{"error":"bad\"quote"}"#),
        (302, b""),
        (503, br#"["invalid_grant"]"#),
    ] {
        let e = parse_token_response(&resp(status, body)).unwrap_err();
        match &e {
            Error::Status {
                status: s,
                body: raw,
                ..
            } => {
                assert_eq!(s.as_u16(), status);
                assert_eq!(raw.len(), body.len());
            }
            other => panic!("{status} {body:?}: {other:?}"),
        }
    }
}

#[test]
fn raw_body_is_kept_capped_and_not_displayed() {
    let mut page = b"<html>".to_vec();
    page.extend(std::iter::repeat_n(b'x', 10_000));
    let r = Response::builder()
        .status(500)
        .header("content-type", "text/html")
        .body(page.clone())
        .unwrap();
    let Error::Status { body, .. } = success_body(&r).unwrap_err() else {
        panic!()
    };
    assert_eq!(body.len(), page.len());
    assert_eq!(body.as_bytes().len(), sentinel_proto::RawBody::MAX);
    assert_eq!(body.content_type(), Some("text/html"));
    assert_eq!(body.to_string(), "10006 bytes of text/html");
    assert!(!format!("{body:?}").contains("xxx"));
}

#[test]
fn unusable_success_bodies() {
    let cases: &[(&[u8], BodyError)] = &[
        (
            br#"{"token_type":"Bearer"}"#,
            BodyError::MissingField("access_token"),
        ),
        (
            br#"{"access_token":null}"#,
            BodyError::MissingField("access_token"),
        ),
        (
            br#"{"access_token":""}"#,
            BodyError::InvalidField {
                field: "access_token",
                expected: "a non-empty string",
            },
        ),
        (
            br#"{"access_token":42}"#,
            BodyError::InvalidField {
                field: "access_token",
                expected: "a string",
            },
        ),
        (
            br#"{"access_token":"a","token_type":"mac"}"#,
            BodyError::UnsupportedTokenType,
        ),
        (
            br#"{"access_token":"a","expires_in":-5}"#,
            BodyError::InvalidField {
                field: "expires_in",
                expected: "a non-negative integer",
            },
        ),
        (
            br#"{"access_token":"a","expires_in":3600.5}"#,
            BodyError::InvalidField {
                field: "expires_in",
                expected: "a non-negative integer",
            },
        ),
        (
            br#"{"access_token":"a","expires_in":"99999999999999999999999"}"#,
            BodyError::InvalidField {
                field: "expires_in",
                expected: "a non-negative integer",
            },
        ),
        (
            br#"{"access_token":"a","expires_in":"12a"}"#,
            BodyError::InvalidField {
                field: "expires_in",
                expected: "a non-negative integer",
            },
        ),
        (
            br#"{"access_token":"a","refresh_token":{}}"#,
            BodyError::InvalidField {
                field: "refresh_token",
                expected: "a string",
            },
        ),
    ];
    for (body, expected) in cases {
        let e = parse_token_response(&resp(200, body)).unwrap_err();
        assert_eq!(
            &invalid_reason(e),
            expected,
            "{}",
            String::from_utf8_lossy(body)
        );
    }
}

#[test]
fn not_json_and_not_objects() {
    for (body, kind) in [
        (&b"<html>ok</html>"[..], JsonErrorKind::Syntax),
        (b"{\"access_token\":\"a\"", JsonErrorKind::Eof),
        (b"", JsonErrorKind::Eof),
        (br#"["a","Bearer"]"#, JsonErrorKind::Data),
        (br#""just a string""#, JsonErrorKind::Data),
        (
            br#"{"access_token":"a","access_token":"b"}"#,
            JsonErrorKind::Data,
        ),
    ] {
        let e = parse_token_response(&resp(200, body)).unwrap_err();
        match invalid_reason(e) {
            BodyError::Json { kind: k, .. } => assert_eq!(k, kind, "{body:?}"),
            other => panic!("{body:?}: {other:?}"),
        }
    }
}

#[test]
fn json_errors_never_echo_values() {
    let e = parse_token_response(&resp(
        200,
        br#"{"access_token":"a","expires_in":"TOPSECRET"}"#,
    ))
    .unwrap_err();
    assert!(!format!("{e} {e:?}").contains("TOPSECRET"));
    let e = parse_token_response(&resp(
        200,
        br#"{"access_token":"TOPSECRET","refresh_token":1"#,
    ))
    .unwrap_err();
    assert!(!format!("{e} {e:?}").contains("TOPSECRET"));
}

#[test]
fn oversized_bodies_are_rejected_before_parsing() {
    let big = vec![b' '; MAX_BODY_BYTES + 1];
    for status in [200, 500] {
        assert!(matches!(
            parse_token_response(&resp(status, &big)),
            Err(Error::BodyTooLarge {
                limit: MAX_BODY_BYTES
            })
        ));
    }
    let mut at_limit = br#"{"access_token":"a"}"#.to_vec();
    at_limit.resize(MAX_BODY_BYTES, b' ');
    assert!(parse_token_response(&resp(200, &at_limit)).is_ok());
}

#[test]
fn retry_after_seconds_and_dates() {
    let r = Response::builder()
        .status(429)
        .header("retry-after", "7")
        .body(Vec::new())
        .unwrap();
    let e = parse_app_token_response(&r).unwrap_err();
    assert!(e.is_transient());
    assert_eq!(
        e.retry_after(),
        Some(RetryAfter::Delay(Duration::from_secs(7)))
    );

    let r = Response::builder()
        .status(503)
        .header("retry-after", "Sun, 06 Nov 1994 08:49:37 GMT")
        .body(br#"{"error":"temporarily_unavailable"}"#.to_vec())
        .unwrap();
    let e = parse_app_token_response(&r).unwrap_err();
    assert!(matches!(e, Error::OAuth { .. }));
    let ra = e.retry_after().unwrap();
    assert_eq!(
        ra.delay(UnixTime::from_secs(784111777 - 10)),
        Duration::from_secs(10)
    );

    let r = Response::builder()
        .status(503)
        .header("retry-after", "soon")
        .body(Vec::new())
        .unwrap();
    assert_eq!(
        parse_app_token_response(&r).unwrap_err().retry_after(),
        None
    );
}

#[test]
fn bad_base_uris_are_errors_never_urls() {
    let api = DomainApi::new(Host::csds(), AccountId::new("123456").unwrap());
    for base in [
        "\"https://va.sentinel.liveperson.net\"",
        "\"va.sentinel.liveperson.net/path\"",
        "\"user@va.sentinel.liveperson.net\"",
        "\"va.sentinel.liveperson.net?x=1\"",
        "\"va.sentinel.liveperson.net \"",
        "\"va.sentinel%2eliveperson.net\"",
        "\"\"",
        "42",
        "null",
    ] {
        let body = format!(r#"{{"service":"sentinel","account":"123456","baseURI":{base}}}"#);
        let e = api
            .parse_service(&resp(200, body.as_bytes()), "sentinel")
            .unwrap_err();
        assert!(matches!(e, Error::InvalidBody { .. }), "{base}: {e:?}");
        let body = format!(
            r#"{{"baseURIs":[{{"service":"sentinel","account":"123456","baseURI":{base}}}]}}"#
        );
        let outcome = api
            .parse_all_services(&resp(200, body.as_bytes()))
            .and_then(|l| l.host("sentinel"));
        assert!(outcome.is_err(), "{base}");
    }
}

#[test]
fn domain_answer_for_another_service_or_account_is_refused() {
    let api = DomainApi::new(Host::csds(), AccountId::new("123456").unwrap());
    let other_service =
        br#"{"service":"idp","account":"123456","baseURI":"va.idp.liveperson.net"}"#;
    assert!(matches!(
        api.parse_service(&resp(200, other_service), "sentinel"),
        Err(Error::InvalidBody {
            reason: BodyError::ServiceNotFound(_),
            ..
        })
    ));
    let other_account = br#"{"service":"sentinel","account":"999","baseURI":"evil.example"}"#;
    assert!(
        api.parse_service(&resp(200, other_account), "sentinel")
            .is_err()
    );
    let list = br#"{"baseURIs":[{"service":"sentinel","account":"999","baseURI":"evil.example"}]}"#;
    assert!(
        api.parse_all_services(&resp(200, list))
            .unwrap()
            .host("sentinel")
            .is_err()
    );
    assert!(matches!(
        api.parse_all_services(&resp(200, br#"{"other":[]}"#)),
        Err(Error::InvalidBody {
            reason: BodyError::MissingField("baseURIs"),
            ..
        })
    ));
}

#[test]
fn loopback_http_is_inherited_only_from_a_loopback_http_csds() {
    let body = br#"{"service":"sentinel","account":"1","baseURI":"127.0.0.1:9000"}"#;
    let local = DomainApi::new(
        Host::parse("http://127.0.0.1:9000").unwrap(),
        AccountId::new("1").unwrap(),
    );
    assert_eq!(
        local
            .parse_service(&resp(200, body), "sentinel")
            .unwrap()
            .scheme(),
        Scheme::Http
    );
    let remote = DomainApi::new(Host::csds(), AccountId::new("1").unwrap());
    assert_eq!(
        remote
            .parse_service(&resp(200, body), "sentinel")
            .unwrap()
            .scheme(),
        Scheme::Https
    );
    let public = br#"{"service":"sentinel","account":"1","baseURI":"example.com:9000"}"#;
    assert_eq!(
        local
            .parse_service(&resp(200, public), "sentinel")
            .unwrap()
            .scheme(),
        Scheme::Https,
        "a loopback CSDS never downgrades a public host"
    );
}

#[test]
fn errors_from_an_echoing_server_do_not_show_the_secret() {
    let echo = b"<html>you sent client_secret=SECRET-MARKER-1 and code=CODE-MARKER-2</html>";
    for status in [200, 400, 500] {
        let e = parse_token_response(&resp(status, echo)).unwrap_err();
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains("SECRET-MARKER"), "{shown}");
        assert!(!shown.contains("CODE-MARKER"), "{shown}");
    }
    let t = parse_token_response(&resp(
        200,
        br#"{"access_token":"AT-MARKER","refresh_token":"RT-MARKER","id_token":"ID-MARKER"}"#,
    ))
    .unwrap();
    let shown = format!("{t:?}");
    for m in ["AT-MARKER", "RT-MARKER", "ID-MARKER"] {
        assert!(!shown.contains(m), "{shown}");
    }
}
