//! Response parsing: the protocol reference's example answers, and every error
//! class matched on the enum — OAuth error bodies, statuses without a usable body,
//! unusable success bodies, oversized bodies, `Retry-After` and `is_transient()`.
//! Every error produced here is also checked for the marker strings of the bodies.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::time::{Duration, UNIX_EPOCH};

use http::{Response, StatusCode};
use sentinel_proto::{
    AccountId, Error, Host, Redactor, UnixTime,
    app_token::parse_app_token_response,
    consumer::parse_consumer_jws_response,
    domain::DomainApi,
    error::{
        BodyError, JsonErrorKind, OAuthErrorCode, RetryAfter, TransportError, TransportErrorKind,
    },
    response::{BodyLimit, MAX_BODY_BYTES, success_body},
    user::{parse_revoke_response, parse_token_response},
};

const TOKEN: &[u8] = include_bytes!("../testdata/responses/token.json");
const TOKEN_LEGACY: &[u8] = include_bytes!("../testdata/responses/token-legacy.json");
const TOKEN_EXPIRES_STRING: &[u8] =
    include_bytes!("../testdata/responses/token-expires-string.json");
const REFRESH: &[u8] = include_bytes!("../testdata/responses/refresh.json");
const APP_TOKEN: &[u8] = include_bytes!("../testdata/responses/app-token.json");
const APP_TOKEN_EXPIRES: &[u8] = include_bytes!("../testdata/responses/app-token-expires.json");
const CONSUMER: &[u8] = include_bytes!("../testdata/responses/consumer.json");
const REVOKE_IGNORABLE: &[u8] = include_bytes!("../testdata/responses/revoke-ignorable.json");
const OAUTH_400: &[u8] = include_bytes!("../testdata/responses/oauth-error-400.json");
const OAUTH_401: &[u8] = include_bytes!("../testdata/responses/oauth-error-401.json");
const PAGE_500: &[u8] = include_bytes!("../testdata/responses/error-page-500.html");
const PAGE_500_ECHO: &[u8] = include_bytes!("../testdata/responses/error-page-500-echo.html");

/// Strings that appear in bodies below and must never appear in an error.
const MARKERS: &[&str] = &[
    "SECRET-MARKER-123",
    "CODE-MARKER-456",
    "REFRESH-MARKER-789",
    "ACCESS-MARKER-abc",
];

fn resp(status: u16, body: &[u8]) -> Response<Vec<u8>> {
    Response::builder()
        .status(status)
        .body(body.to_vec())
        .unwrap()
}

fn resp_with(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Response<Vec<u8>> {
    let mut b = Response::builder().status(status);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(body.to_vec()).unwrap()
}

/// Neither the `Display` nor the `Debug` of `e` holds a marker.
fn clean(e: &Error) {
    let shown = format!("{e} / {e:?}");
    for m in MARKERS {
        assert!(!shown.contains(m), "{m} leaked: {shown}");
    }
}

/// Every parser that goes through `success_body` must classify `r` the same way.
fn every_parser(r: &Response<Vec<u8>>) -> Vec<Error> {
    let api = DomainApi::new(Host::csds(), AccountId::new("123456").unwrap());
    let errors = vec![
        parse_token_response(r).unwrap_err(),
        parse_app_token_response(r).unwrap_err(),
        parse_revoke_response(r).unwrap_err(),
        parse_consumer_jws_response(r).unwrap_err(),
        success_body(r).unwrap_err(),
        api.parse_service(r, "sentinel").unwrap_err(),
        api.parse_all_services(r).unwrap_err(),
    ];
    errors.iter().for_each(clean);
    errors
}

/// The `BodyError` of an `InvalidBody` from a 200.
fn body_error(e: Error) -> BodyError {
    clean(&e);
    match e {
        Error::InvalidBody { status, reason } => {
            assert_eq!(status, StatusCode::OK);
            reason
        }
        other => panic!("expected InvalidBody, got {other:?}"),
    }
}

fn json_kind(reason: &BodyError) -> JsonErrorKind {
    match reason {
        BodyError::Json { kind, line, column } => {
            assert!(*line >= 1 && *column <= 1000, "{reason:?}");
            *kind
        }
        other => panic!("expected a JSON error, got {other:?}"),
    }
}

// ---- the reference's example answers --------------------------------------------

#[test]
fn token_response_with_expires_in_and_unknown_fields() {
    let t = parse_token_response(&resp(200, TOKEN)).unwrap();
    assert_eq!(
        t.access_token.secret(),
        "eyJraWQiOiJ0ZXN0IiwiYWxnIjoiUlMyNTYifQ.e30.c2ln"
    );
    assert_eq!(
        t.refresh_token.as_ref().unwrap().secret(),
        "4a5b6c7d-refresh"
    );
    assert!(t.id_token.as_ref().unwrap().secret().starts_with("eyJ"));
    assert_eq!(t.expires_in, Some(Duration::from_secs(3600)));
}

#[test]
fn token_response_without_expires_in() {
    let t = parse_token_response(&resp(200, TOKEN_LEGACY)).unwrap();
    assert_eq!(t.access_token.secret(), "at-legacy");
    assert_eq!(t.refresh_token.unwrap().secret(), "rt-legacy");
    assert_eq!(t.id_token.unwrap().secret(), "a.b.c");
    assert_eq!(t.expires_in, None);
}

#[test]
fn token_response_with_expires_in_as_a_numeric_string() {
    let t = parse_token_response(&resp(200, TOKEN_EXPIRES_STRING)).unwrap();
    assert_eq!(t.access_token.secret(), "at-3");
    assert_eq!(t.expires_in, Some(Duration::from_secs(3600)));
}

#[test]
fn refresh_response_with_uppercase_token_type_and_string_expiry() {
    let t = parse_token_response(&resp(200, REFRESH)).unwrap();
    assert_eq!(t.access_token.secret(), "at-2");
    assert_eq!(t.refresh_token.unwrap().secret(), "rt-2");
    assert!(t.id_token.is_none());
    assert_eq!(t.expires_in, Some(Duration::from_secs(1800)));
}

#[test]
fn token_type_is_bearer_in_any_case_or_absent() {
    for tt in [
        r#","token_type":"Bearer""#,
        r#","token_type":"bearer""#,
        r#","token_type":"BEARER""#,
        r#","token_type":"bEaReR""#,
        r#","token_type":null"#,
        "",
    ] {
        let body = format!(r#"{{"access_token":"at"{tt}}}"#);
        let t = parse_token_response(&resp(200, body.as_bytes())).unwrap();
        assert_eq!(t.access_token.secret(), "at", "{body}");
        let a = parse_app_token_response(&resp(200, body.as_bytes())).unwrap();
        assert_eq!(a.access_token.secret(), "at", "{body}");
    }
}

#[test]
fn expires_in_as_number_or_digit_string() {
    for (value, secs) in [
        ("3600", Some(3600)),
        (r#""3600""#, Some(3600)),
        ("0", Some(0)),
        (r#""0""#, Some(0)),
        ("3600.0", Some(3600)),
        ("18446744073709551615", Some(u64::MAX)),
        ("null", None),
    ] {
        let body = format!(r#"{{"access_token":"at","token_type":"Bearer","expires_in":{value}}}"#);
        let t = parse_token_response(&resp(200, body.as_bytes())).unwrap();
        assert_eq!(t.expires_in, secs.map(Duration::from_secs), "{value}");
        let a = parse_app_token_response(&resp(200, body.as_bytes())).unwrap();
        assert_eq!(a.expires_in, secs.map(Duration::from_secs), "{value}");
    }
}

#[test]
fn strings_with_escapes_are_decoded() {
    let body =
        br#"{"access_token":"a\/b\u0041\"c","token_type":"Bearer","refresh_token":"r\u0020e~"}"#;
    let t = parse_token_response(&resp(200, body)).unwrap();
    assert_eq!(t.access_token.secret(), "a/bA\"c");
    assert_eq!(t.refresh_token.unwrap().secret(), "r e~");
}

/// RFC 6749 Appendix A: access, refresh and (as JWTs) ID tokens are `1*VSCHAR`,
/// `%x20-7E`, whether written plainly or escaped. Anything else could not travel in
/// an `Authorization` header anyway.
#[test]
fn tokens_must_be_visible_ascii() {
    for (field, value) in [
        ("access_token", r"r\u00e9"),
        ("access_token", "ré"),
        ("access_token", r"a\u0000b"),
        ("access_token", r"a\r\nX-Injected: 1"),
        ("access_token", r"tab\there"),
        ("refresh_token", r"\u007f"),
        ("refresh_token", "\u{1F600}"),
        ("id_token", r"a.b.c\ud800"),
    ] {
        let body = format!(r#"{{"access_token":"ok","{field}":"{value}"}}"#).replacen(
            r#""access_token":"ok","access_token""#,
            r#""access_token""#,
            1,
        );
        let err = parse_token_response(&resp(200, body.as_bytes())).unwrap_err();
        assert!(!err.to_string().contains(value), "{err}");
        let reason = body_error(err);
        assert!(
            matches!(reason, BodyError::InvalidField { field: f, .. } if f == field),
            "{body}: {reason:?}"
        );
    }
    let visible: String = (0x20u8..=0x7e).map(char::from).collect();
    let body = serde_json::json!({ "access_token": visible }).to_string();
    let t = parse_token_response(&resp(200, body.as_bytes())).unwrap();
    assert_eq!(t.access_token.secret(), visible);
}

/// A non-string token member is named, and its value is not quoted.
#[test]
fn token_member_of_another_type_is_named() {
    for (field, value) in [
        ("access_token", "12345678"),
        ("access_token", "true"),
        ("access_token", r#"{"secret":"s3cr3t"}"#),
        ("access_token", r#"["s3cr3t"]"#),
        ("refresh_token", "-98765.5"),
        ("id_token", "false"),
    ] {
        let body = if field == "access_token" {
            format!(r#"{{"access_token":{value}}}"#)
        } else {
            format!(r#"{{"access_token":"ok","{field}":{value}}}"#)
        };
        let err = parse_token_response(&resp(200, body.as_bytes())).unwrap_err();
        let shown = format!("{err} {err:?}");
        for secret in ["12345678", "s3cr3t", "98765"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        let reason = body_error(err);
        assert!(
            matches!(reason, BodyError::InvalidField { field: f, expected: "a string" } if f == field),
            "{body}: {reason:?}"
        );
    }
    // A syntax error inside a token member stays a syntax error.
    let err = parse_token_response(&resp(200, br#"{"access_token":"abc"#)).unwrap_err();
    assert!(matches!(body_error(err), BodyError::Json { .. }));
}

/// The AppJWT parser reads `access_token`, `token_type` and `expires_in` only: other
/// members, `id_token` included, are skipped whatever they hold; read members may
/// not repeat.
#[test]
fn app_token_reads_its_members_only() {
    let body = br#"{"access_token":"a.b.c","id_token":5,"refresh_token":{"x":1},"id_token":[]}"#;
    assert_eq!(
        parse_app_token_response(&resp(200, body))
            .unwrap()
            .access_token
            .secret(),
        "a.b.c"
    );
    for body in [
        &br#"{"access_token":"a.b.c","access_token":"d.e.f"}"#[..],
        br#"{"access_token":"a.b.c","token_type":null,"token_type":"Bearer"}"#,
        br#"{"access_token":null,"access_token":"a.b.c"}"#,
    ] {
        let err = parse_app_token_response(&resp(200, body)).unwrap_err();
        assert!(matches!(body_error(err), BodyError::Json { .. }));
        let err = parse_token_response(&resp(200, body)).unwrap_err();
        assert!(matches!(body_error(err), BodyError::Json { .. }));
    }
    let err = parse_token_response(&resp(200, &body[..])).unwrap_err();
    let reason = body_error(err);
    assert!(
        matches!(
            reason,
            BodyError::InvalidField {
                field: "id_token",
                ..
            }
        ),
        "{reason:?}"
    );
}

#[test]
fn app_token_response() {
    let t = parse_app_token_response(&resp(200, APP_TOKEN)).unwrap();
    assert!(
        t.access_token
            .secret()
            .starts_with("eyJraWQiOiJhcHBqd3QtMTMtMDUtMTci")
    );
    assert_eq!(t.access_token.secret().split('.').count(), 3);
    assert_eq!(t.expires_in, None);

    let t = parse_app_token_response(&resp(200, APP_TOKEN_EXPIRES)).unwrap();
    assert_eq!(t.expires_in, Some(Duration::from_secs(3600)));
    // A user-token answer is a valid AppJWT answer too: unknown fields are ignored.
    let t = parse_app_token_response(&resp(200, TOKEN)).unwrap();
    assert_eq!(t.expires_in, Some(Duration::from_secs(3600)));
}

#[test]
fn consumer_jws_response() {
    let t = parse_consumer_jws_response(&resp(200, CONSUMER)).unwrap();
    assert_eq!(
        t.secret(),
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjb25zdW1lciJ9.c2ln"
    );
    let t = parse_consumer_jws_response(&resp(200, br#"{"token":"x.y.z","extra":[1]}"#)).unwrap();
    assert_eq!(t.secret(), "x.y.z");
}

#[test]
fn revoke_success_with_empty_or_ignorable_body() {
    for (status, body) in [
        (200, &b""[..]),
        (200, REVOKE_IGNORABLE),
        (200, b"{}"),
        (200, b"OK"),
        (200, b"<html>logged out</html>"),
        (204, b""),
    ] {
        parse_revoke_response(&resp(status, body)).unwrap();
    }
}

#[test]
fn revoke_errors_are_classified_like_every_other_answer() {
    assert!(matches!(
        parse_revoke_response(&resp(400, OAUTH_400)),
        Err(Error::OAuth { .. })
    ));
    assert!(matches!(
        parse_revoke_response(&resp(500, PAGE_500)),
        Err(Error::Status { .. })
    ));
    assert!(matches!(
        parse_revoke_response(&resp(302, b"")),
        Err(Error::Status { .. })
    ));
}

// ---- HTTP status with an OAuth error body --------------------------------------

#[test]
fn status_400_invalid_grant_is_an_oauth_error() {
    for e in every_parser(&resp(400, OAUTH_400)) {
        match e {
            Error::OAuth {
                status,
                error,
                retry_after,
            } => {
                assert_eq!(status, StatusCode::BAD_REQUEST);
                assert_eq!(error.code(), &OAuthErrorCode::InvalidGrant);
                assert_eq!(error.code().as_str(), "invalid_grant");
                assert_eq!(
                    error.description(),
                    Some("The authorization code has expired")
                );
                assert_eq!(error.uri(), None);
                assert_eq!(retry_after, None);
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn status_401_invalid_client_with_description_and_uri() {
    for e in every_parser(&resp(401, OAUTH_401)) {
        assert_eq!(e.status(), Some(StatusCode::UNAUTHORIZED));
        assert!(!e.is_transient());
        match &e {
            Error::OAuth { error, .. } => {
                assert_eq!(error.code(), &OAuthErrorCode::InvalidClient);
                assert_eq!(error.description(), Some("Client authentication failed"));
                assert_eq!(
                    error.uri(),
                    Some("https://developers.liveperson.com/errors#invalid_client")
                );
            }
            other => panic!("{other:?}"),
        }
        // The description is server text: withheld until redacted.
        assert_eq!(
            e.to_string(),
            "HTTP 401 Unauthorized: invalid_client: [description withheld]"
        );
        assert_eq!(
            e.redact(&Redactor::new()).to_string(),
            "HTTP 401 Unauthorized: invalid_client: Client authentication failed"
        );
    }
}

#[test]
fn every_oauth_code_is_recognised() {
    for (status, code, expected) in [
        (400, "invalid_request", OAuthErrorCode::InvalidRequest),
        (401, "invalid_client", OAuthErrorCode::InvalidClient),
        (400, "invalid_grant", OAuthErrorCode::InvalidGrant),
        (
            403,
            "unauthorized_client",
            OAuthErrorCode::UnauthorizedClient,
        ),
        (
            400,
            "unsupported_grant_type",
            OAuthErrorCode::UnsupportedGrantType,
        ),
        (400, "invalid_scope", OAuthErrorCode::InvalidScope),
        (403, "access_denied", OAuthErrorCode::AccessDenied),
        (
            400,
            "unsupported_response_type",
            OAuthErrorCode::UnsupportedResponseType,
        ),
        (500, "server_error", OAuthErrorCode::ServerError),
        (
            503,
            "temporarily_unavailable",
            OAuthErrorCode::TemporarilyUnavailable,
        ),
        (
            429,
            "slow_down",
            OAuthErrorCode::Other("slow_down".to_owned()),
        ),
        (
            400,
            "Invalid_Grant",
            OAuthErrorCode::Other("Invalid_Grant".to_owned()),
        ),
    ] {
        let body = format!(r#"{{"error":"{code}","unknown":{{"a":[1,2]}}}}"#);
        match parse_token_response(&resp(status, body.as_bytes())).unwrap_err() {
            Error::OAuth {
                status: s, error, ..
            } => {
                assert_eq!(s.as_u16(), status);
                assert_eq!(error.code(), &expected);
                assert_eq!(error.code().as_str(), code);
                assert_eq!(error.description(), None);
                // An unregistered code is server text: shown once redacted.
                let shown = if matches!(expected, OAuthErrorCode::Other(_)) {
                    "[unregistered error code withheld]"
                } else {
                    code
                };
                assert_eq!(error.to_string(), shown);
                assert_eq!(error.clone().redact(&Redactor::new()).to_string(), code);
            }
            other => panic!("{code}: {other:?}"),
        }
    }
}

#[test]
fn oauth_description_is_sanitised_and_capped() {
    let long = "d".repeat(600);
    for (description, expected) in [
        (
            r#""line one\nline two\u0007\r""#.to_owned(),
            Some("line oneline two".to_owned()),
        ),
        (format!(r#""{long}""#), Some("d".repeat(512))),
        ("42".to_owned(), None),
        ("null".to_owned(), None),
        (r#""""#.to_owned(), None),
    ] {
        let body = format!(r#"{{"error":"invalid_request","error_description":{description}}}"#);
        match parse_token_response(&resp(400, body.as_bytes())).unwrap_err() {
            Error::OAuth { error, .. } => {
                assert_eq!(error.description(), expected.as_deref(), "{description}");
                let error = error.redact(&Redactor::new());
                assert_eq!(error.description(), expected.as_deref(), "{description}");
                assert!(!error.to_string().contains('\n'));
            }
            other => panic!("{other:?}"),
        }
    }
}

// ---- HTTP status without a usable body -----------------------------------------

#[test]
fn status_500_html_page() {
    let r = resp_with(
        500,
        &[("content-type", "text/html; charset=utf-8")],
        PAGE_500,
    );
    for e in every_parser(&r) {
        assert!(e.is_transient());
        assert_eq!(e.retry_after(), None);
        match &e {
            Error::Status {
                status,
                body,
                retry_after,
            } => {
                assert_eq!(*status, StatusCode::INTERNAL_SERVER_ERROR);
                assert_eq!(body.as_bytes(), PAGE_500);
                assert_eq!(body.len(), PAGE_500.len());
                assert!(!body.is_empty());
                assert_eq!(body.content_type(), Some("text/html; charset=utf-8"));
                assert_eq!(*retry_after, None);
            }
            other => panic!("{other:?}"),
        }
        // The page itself is not shown: only its size and type.
        assert!(!e.to_string().contains("Internal Server Error</h1>"));
        // The content type is server text too: shown once redacted.
        assert_eq!(
            e.to_string(),
            format!(
                "HTTP 500 Internal Server Error without a usable error body ({} bytes)",
                PAGE_500.len()
            )
        );
        assert_eq!(
            e.redact(&Redactor::new()).to_string(),
            format!(
                "HTTP 500 Internal Server Error without a usable error body ({} bytes of text/html; charset=utf-8)",
                PAGE_500.len()
            )
        );
    }
}

#[test]
fn status_500_page_echoing_the_request_leaks_nothing() {
    let r = resp_with(500, &[("content-type", "text/html")], PAGE_500_ECHO);
    for e in every_parser(&r) {
        assert!(matches!(e, Error::Status { .. }), "{e:?}");
        // `every_parser` already checked Display and Debug; the raw bytes are still
        // there for whoever asks for them explicitly.
        if let Error::Status { body, .. } = &e {
            assert!(
                std::str::from_utf8(body.as_bytes())
                    .unwrap()
                    .contains("SECRET-MARKER-123")
            );
        }
    }
}

#[test]
fn statuses_without_a_usable_body() {
    let long_code = format!(r#"{{"error":"{}"}}"#, "e".repeat(129));
    let cases: Vec<(u16, &[u8])> = vec![
        (502, b""),
        (503, b"Service Unavailable"),
        (400, b"\x00\xffgarbage\xfe"),
        (400, b"<html>bad request</html>"),
        (400, br#"{"message":"bad request","status":400}"#),
        (400, br#"{"error":""}"#),
        (400, br#"{"error":42}"#),
        (400, br#"{"error":null,"error_description":"x"}"#),
        (400, br#"{"error":{"code":"invalid_grant"}}"#),
        (400, br#"{"error":"bad\"code"}"#),
        (400, br#"{"error":"bad\\code"}"#),
        (400, br#"{"error":"caf\u00e9"}"#),
        (400, br#"{"error":"tab\there"}"#),
        (400, long_code.as_bytes()),
        (400, br#"["invalid_grant","expired"]"#),
        (400, br#"{"error":"invalid_grant""#),
        (401, b""),
        (404, b"Not Found"),
        // Redirects are never followed, and never read as OAuth errors.
        (301, OAUTH_400),
        (302, OAUTH_400),
        (302, b""),
        (303, b""),
        (307, b""),
        (308, b""),
        (100, b""),
    ];
    for (status, body) in cases {
        let r = resp_with(
            status,
            &[("location", "https://app.example/cb?code=CODE-MARKER-456")],
            body,
        );
        for e in every_parser(&r) {
            match &e {
                Error::Status {
                    status: s,
                    body: b,
                    retry_after,
                } => {
                    assert_eq!(s.as_u16(), status);
                    assert_eq!(b.as_bytes(), body, "{status}");
                    assert_eq!(b.is_empty(), body.is_empty());
                    assert_eq!(b.content_type(), None);
                    assert_eq!(*retry_after, None);
                }
                other => panic!("{status} {:?}: {other:?}", String::from_utf8_lossy(body)),
            }
        }
    }
}

#[test]
fn the_kept_body_is_capped() {
    let big = vec![b'x'; 10_000];
    match success_body(&resp(500, &big)).unwrap_err() {
        Error::Status { body, .. } => {
            assert_eq!(body.len(), 10_000);
            assert_eq!(body.as_bytes().len(), sentinel_proto::error::RawBody::MAX);
            assert_eq!(format!("{body}"), "10000 bytes");
            assert_eq!(format!("{body:?}"), "RawBody(10000 bytes)");
        }
        other => panic!("{other:?}"),
    }
    match success_body(&resp(502, b"")).unwrap_err() {
        Error::Status { body, .. } => assert_eq!(body.to_string(), "empty body"),
        other => panic!("{other:?}"),
    }
}

// ---- 200 with an unusable body --------------------------------------------------

#[test]
fn unusable_token_bodies() {
    use BodyError::{InvalidField, MissingField, UnsupportedTokenType};
    let string = |field| InvalidField {
        field,
        expected: "a string",
    };
    let non_empty = |field| InvalidField {
        field,
        expected: "a non-empty string",
    };
    let integer = InvalidField {
        field: "expires_in",
        expected: "a non-negative integer",
    };

    enum Want {
        Json(JsonErrorKind),
        Body(BodyError),
    }
    use Want::{Body, Json};

    let mut cases: Vec<(String, Want)> = vec![
        ("<html>oops</html>".into(), Json(JsonErrorKind::Syntax)),
        ("not json".into(), Json(JsonErrorKind::Syntax)),
        ("".into(), Json(JsonErrorKind::Eof)),
        ("   ".into(), Json(JsonErrorKind::Eof)),
        (
            r#"{"access_token":"ACCESS-MARKER-abc""#.into(),
            Json(JsonErrorKind::Eof),
        ),
        (
            r#"{"access_token":"ACCESS-MARKER-abc",}"#.into(),
            Json(JsonErrorKind::Syntax),
        ),
        (
            r#"{"access_token":"ACCESS-MARKER-abc"} trailing"#.into(),
            Json(JsonErrorKind::Syntax),
        ),
        (
            r#"{'access_token':'x'}"#.into(),
            Json(JsonErrorKind::Syntax),
        ),
        ("null".into(), Json(JsonErrorKind::Data)),
        ("3600".into(), Json(JsonErrorKind::Data)),
        (r#""ACCESS-MARKER-abc""#.into(), Json(JsonErrorKind::Data)),
        (
            r#"["ACCESS-MARKER-abc","Bearer"]"#.into(),
            Json(JsonErrorKind::Data),
        ),
        (
            r#"[{"access_token":"ACCESS-MARKER-abc"}]"#.into(),
            Json(JsonErrorKind::Data),
        ),
        (
            r#"{"access_token":"ACCESS-MARKER-abc","access_token":"x"}"#.into(),
            Json(JsonErrorKind::Data),
        ),
        (
            r#"{"token_type":"Bearer"}"#.into(),
            Body(MissingField("access_token")),
        ),
        ("{}".into(), Body(MissingField("access_token"))),
        (
            r#"{"access_token":null}"#.into(),
            Body(MissingField("access_token")),
        ),
        (
            r#"{"error":"invalid_grant","error_description":"200 with an error"}"#.into(),
            Body(MissingField("access_token")),
        ),
        (
            r#"{"access_token":42}"#.into(),
            Body(string("access_token")),
        ),
        (
            r#"{"access_token":true}"#.into(),
            Body(string("access_token")),
        ),
        (
            r#"{"access_token":["ACCESS-MARKER-abc"]}"#.into(),
            Body(string("access_token")),
        ),
        (
            r#"{"access_token":{"v":"ACCESS-MARKER-abc"}}"#.into(),
            Body(string("access_token")),
        ),
        (
            r#"{"access_token":""}"#.into(),
            Body(non_empty("access_token")),
        ),
        (
            r#"{"access_token":"ACCESS-MARKER-abc","token_type":"mac"}"#.into(),
            Body(UnsupportedTokenType),
        ),
        (
            r#"{"access_token":"ACCESS-MARKER-abc","token_type":"Bearer "}"#.into(),
            Body(UnsupportedTokenType),
        ),
        (
            r#"{"access_token":"ACCESS-MARKER-abc","token_type":"Basic"}"#.into(),
            Body(UnsupportedTokenType),
        ),
        (
            r#"{"access_token":"ACCESS-MARKER-abc","token_type":""}"#.into(),
            Body(non_empty("token_type")),
        ),
        (
            r#"{"access_token":"ACCESS-MARKER-abc","token_type":1}"#.into(),
            Body(string("token_type")),
        ),
    ];
    for expires in [
        "-1",
        "-3600",
        "3600.5",
        "0.5",
        "-0.5",
        "1e300",
        "18446744073709551616",
        "99999999999999999999",
        r#""3600s""#,
        r#""-5""#,
        r#""""#,
        r#"" 3600""#,
        r#""1e3""#,
        r#""3600.0""#,
        r#""0x10""#,
        r#""99999999999999999999""#,
        r#""123456789012345678901""#,
        "true",
        "[3600]",
        r#"{"s":3600}"#,
    ] {
        cases.push((
            format!(r#"{{"access_token":"ACCESS-MARKER-abc","token_type":"Bearer","expires_in":{expires}}}"#),
            Body(integer.clone()),
        ));
    }
    for (body, want) in cases {
        for e in [
            parse_token_response(&resp(200, body.as_bytes())).unwrap_err(),
            parse_app_token_response(&resp(200, body.as_bytes())).unwrap_err(),
        ] {
            assert!(!e.is_transient());
            assert_eq!(e.status(), Some(StatusCode::OK));
            let reason = body_error(e);
            match &want {
                Json(kind) => assert_eq!(json_kind(&reason), *kind, "{body}"),
                Body(expected) => assert_eq!(&reason, expected, "{body}"),
            }
        }
    }
}

#[test]
fn unusable_user_token_only_fields() {
    // refresh_token and id_token are read by the user-token parser only.
    for (body, field, expected) in [
        (
            r#"{"access_token":"at","refresh_token":5}"#,
            "refresh_token",
            "a string",
        ),
        (
            r#"{"access_token":"at","refresh_token":""}"#,
            "refresh_token",
            "a non-empty string",
        ),
        (
            r#"{"access_token":"at","id_token":true}"#,
            "id_token",
            "a string",
        ),
        (
            r#"{"access_token":"at","id_token":{}}"#,
            "id_token",
            "a string",
        ),
    ] {
        let reason = body_error(parse_token_response(&resp(200, body.as_bytes())).unwrap_err());
        assert_eq!(
            reason,
            BodyError::InvalidField { field, expected },
            "{body}"
        );
        parse_app_token_response(&resp(200, body.as_bytes())).unwrap();
    }
}

#[test]
fn unusable_consumer_bodies() {
    for (body, want) in [
        (&b"{}"[..], Some(BodyError::MissingField("token"))),
        (br#"{"token":null}"#, Some(BodyError::MissingField("token"))),
        (
            br#"{"token":""}"#,
            Some(BodyError::InvalidField {
                field: "token",
                expected: "a non-empty string",
            }),
        ),
        (
            br#"{"token":5}"#,
            Some(BodyError::InvalidField {
                field: "token",
                expected: "a string",
            }),
        ),
        (br#"["x.y.z"]"#, None),
        (b"x.y.z", None),
    ] {
        let reason = body_error(parse_consumer_jws_response(&resp(200, body)).unwrap_err());
        match want {
            Some(w) => assert_eq!(reason, w),
            None => {
                json_kind(&reason);
            }
        }
    }
}

#[test]
fn body_error_messages_name_the_problem() {
    let reason = body_error(
        parse_token_response(&resp(200, br#"{"access_token":"at","expires_in":-1}"#)).unwrap_err(),
    );
    assert_eq!(
        reason.to_string(),
        "field `expires_in`: a non-negative integer"
    );
    let e = parse_token_response(&resp(200, b"{}")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "HTTP 200 OK with an unusable body: missing field `access_token`"
    );
    let e = parse_token_response(&resp(200, b"<html>")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "HTTP 200 OK with an unusable body: not valid JSON at line 1, column 1"
    );
}

// ---- oversized bodies -----------------------------------------------------------

#[test]
fn bodies_over_64_kib_are_not_parsed() {
    assert_eq!(MAX_BODY_BYTES, 64 * 1024);
    let mut big = br#"{"access_token":"at","token_type":"Bearer"}"#.to_vec();
    big.resize(MAX_BODY_BYTES + 1, b' ');
    for status in [200, 400, 429, 500, 503] {
        for e in every_parser(&resp(status, &big)) {
            assert!(
                matches!(e, Error::BodyTooLarge { limit, .. } if limit == MAX_BODY_BYTES),
                "{status}: {e:?}"
            );
            // The status is kept: a 5xx or 429 with a large page stays retryable.
            assert_eq!(e.status().map(|s| s.as_u16()), Some(status));
            assert_eq!(e.is_transient(), status == 429 || status >= 500, "{status}");
        }
    }
    let page = Response::builder()
        .status(503)
        .header("retry-after", "120")
        .body(big.clone())
        .unwrap();
    let e = parse_app_token_response(&page).unwrap_err();
    assert!(matches!(e, Error::BodyTooLarge { .. }), "{e:?}");
    assert_eq!(
        e.retry_after(),
        Some(RetryAfter::Delay(Duration::from_secs(120)))
    );
    assert!(e.to_string().contains("503"), "{e}");
    // Exactly at the limit is still read.
    big.truncate(MAX_BODY_BYTES);
    assert_eq!(
        parse_token_response(&resp(200, &big))
            .unwrap()
            .access_token
            .secret(),
        "at"
    );
    assert_eq!(
        success_body(&resp(200, &big)).unwrap().len(),
        MAX_BODY_BYTES
    );
}

// ---- Retry-After and is_transient ----------------------------------------------

#[test]
fn retry_after_in_seconds() {
    let r = resp_with(429, &[("retry-after", "120")], br#"{"error":"slow_down"}"#);
    for e in every_parser(&r) {
        assert!(matches!(e, Error::OAuth { .. }), "{e:?}");
        assert_eq!(
            e.retry_after(),
            Some(RetryAfter::Delay(Duration::from_secs(120)))
        );
        assert!(e.is_transient());
    }
    let r = resp_with(503, &[("retry-after", " 30 ")], b"");
    for e in every_parser(&r) {
        match e {
            Error::Status { retry_after, .. } => {
                assert_eq!(
                    retry_after,
                    Some(RetryAfter::Delay(Duration::from_secs(30)))
                );
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn retry_after_as_an_http_date() {
    let r = resp_with(
        503,
        &[
            ("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT"),
            ("content-type", "text/html"),
        ],
        PAGE_500,
    );
    let at = UNIX_EPOCH + Duration::from_secs(1_445_412_480);
    for e in every_parser(&r) {
        assert!(matches!(e, Error::Status { .. }), "{e:?}");
        assert_eq!(e.retry_after(), Some(RetryAfter::At(at)));
        let ra = e.retry_after().unwrap();
        assert_eq!(
            ra.delay(UnixTime::from_secs(1_445_412_480 - 90)),
            Duration::from_secs(90)
        );
        assert_eq!(
            ra.delay(UnixTime::from_secs(1_445_412_480 + 5)),
            Duration::ZERO
        );
    }
    // The obsolete RFC 850 form is an HTTP-date too.
    let r = resp_with(
        429,
        &[("retry-after", "Wednesday, 21-Oct-15 07:28:00 GMT")],
        b"",
    );
    assert_eq!(
        success_body(&r).unwrap_err().retry_after(),
        Some(RetryAfter::At(at))
    );
}

#[test]
fn unreadable_or_absent_retry_after_is_none() {
    for value in ["soon", "-5", "1.5", "", "120s", "21 Oct 2015"] {
        let r = resp_with(429, &[("retry-after", value)], b"");
        assert_eq!(
            success_body(&r).unwrap_err().retry_after(),
            None,
            "{value:?}"
        );
    }
    assert_eq!(
        success_body(&resp(429, b"")).unwrap_err().retry_after(),
        None
    );
}

#[test]
fn is_transient_for_each_class() {
    for (status, transient) in [
        (429, true),
        (500, true),
        (502, true),
        (503, true),
        (504, true),
        (400, false),
        (401, false),
        (403, false),
        (404, false),
        (302, false),
    ] {
        for body in [&b""[..], OAUTH_400] {
            let e = parse_token_response(&resp(status, body)).unwrap_err();
            assert_eq!(e.is_transient(), transient, "{status}: {e:?}");
            assert_eq!(e.status().map(|s| s.as_u16()), Some(status));
        }
    }
    let invalid = parse_token_response(&resp(200, b"{}")).unwrap_err();
    assert!(!invalid.is_transient());
    for (kind, transient) in [
        (TransportErrorKind::Connect, true),
        (TransportErrorKind::Timeout, true),
        (TransportErrorKind::Io, true),
        (TransportErrorKind::Other, true),
        (TransportErrorKind::Tls, false),
    ] {
        let e = Error::from(TransportError::new(kind, "x"));
        assert_eq!(e.is_transient(), transient, "{kind:?}");
        assert_eq!(e.status(), None);
        assert_eq!(e.retry_after(), None);
    }
}

#[test]
fn retry_after_seconds_are_digits_only() {
    // RFC 9110: delay-seconds = 1*DIGIT; a sign or spaces inside are not a delay.
    for bad in ["+5", "-5", "5 5", "0x10", "5.0"] {
        let r = resp_with(429, &[("retry-after", bad)], b"");
        let e = parse_app_token_response(&r).unwrap_err();
        assert_eq!(e.retry_after(), None, "{bad}");
    }
    let r = resp_with(429, &[("retry-after", " 5 ")], b"");
    assert_eq!(
        parse_app_token_response(&r).unwrap_err().retry_after(),
        Some(sentinel_proto::error::RetryAfter::Delay(
            Duration::from_secs(5)
        )),
        "surrounding whitespace is trimmed (RFC 9110 field values)"
    );
}

/// What adapters use while reading: the declared length is checked first, then
/// every length read so far; the error keeps the head's status and `Retry-After`.
#[test]
fn body_limit_for_adapters() {
    let head = |len: &str| {
        let mut h = http::HeaderMap::new();
        h.insert("content-length", len.parse().unwrap());
        h.insert("retry-after", "3".parse().unwrap());
        h
    };
    let over = (MAX_BODY_BYTES + 1).to_string();
    let e = BodyLimit::new(StatusCode::BAD_GATEWAY, &head(&over)).unwrap_err();
    assert!(matches!(e, Error::BodyTooLarge { status, limit, .. }
        if status == StatusCode::BAD_GATEWAY && limit == MAX_BODY_BYTES));
    assert!(e.is_transient());
    assert_eq!(
        e.retry_after(),
        Some(RetryAfter::Delay(Duration::from_secs(3)))
    );
    // A length at the cap, or one that is not a number, is left to the reading.
    for len in [
        MAX_BODY_BYTES.to_string(),
        "lots".to_owned(),
        "-1".to_owned(),
    ] {
        let limit = BodyLimit::new(StatusCode::OK, &head(&len)).unwrap();
        assert!(limit.check(MAX_BODY_BYTES).is_ok());
        let e = limit.check(MAX_BODY_BYTES + 1).unwrap_err();
        assert_eq!(e.status(), Some(StatusCode::OK));
        assert!(!e.is_transient());
    }
    let limit = BodyLimit::new(StatusCode::OK, &http::HeaderMap::new()).unwrap();
    assert!(limit.check(0).is_ok());
    assert!(limit.check(usize::MAX).is_err());
}
