//! Redaction: no error (`Display`, `Debug`, or anything in its `source()` chain)
//! and no `Debug` of a secret-bearing value shows the secret, a token, a code or a
//! refresh token — even when the server echoes them back.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use http::Response;
use sentinel_proto::{
    AccessToken, AccountId, AppJwt, AuthorizationCode, ClientId, ClientSecret, ConsumerJws, Error,
    Host, IdToken, RefreshToken, Sentinel,
    app_token::{AppJwtVersion, parse_app_token_response},
    consumer::{Idp, parse_consumer_jws_response},
    domain::DomainApi,
    response::success_body,
    user::{RedirectUri, State, parse_callback, parse_revoke_response, parse_token_response},
};

const SECRET: &str = "SECRET-MARKER-123";
const CODE: &str = "CODE-MARKER-456";
const REFRESH: &str = "REFRESH-MARKER-789";
const ACCESS: &str = "ACCESS-MARKER-abc";
const ID: &str = "IDTOKEN-MARKER-def";
const APPJWT: &str = "APPJWT-MARKER-ghi";
const CONSUMER: &str = "CONSUMERJWS-MARKER-jkl";
const STATE: &str = "STATE-MARKER-0123456789";
const MARKERS: &[&str] = &[SECRET, CODE, REFRESH, ACCESS, ID, APPJWT, CONSUMER, STATE];

const PAGE_500_ECHO: &[u8] = include_bytes!("../testdata/responses/error-page-500-echo.html");

fn assert_no_marker(what: &str, shown: &str) {
    for m in MARKERS {
        assert!(!shown.contains(m), "{what} shows {m}: {shown}");
    }
}

/// Display, Debug and every `source()` of `e`.
fn assert_clean(e: &(dyn std::error::Error + 'static)) {
    let mut next = Some(e);
    while let Some(e) = next {
        assert_no_marker("error", &format!("{e}"));
        assert_no_marker("error", &format!("{e:?}"));
        assert_no_marker("error", &format!("{e:#?}"));
        next = e.source();
    }
}

fn resp(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Response<Vec<u8>> {
    let mut b = Response::builder().status(status);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(body.to_vec()).unwrap()
}

fn sentinel() -> Sentinel {
    Sentinel::new(
        Host::parse("va.sentinel.liveperson.net").unwrap(),
        AccountId::new("123456").unwrap(),
        ClientId::new("cid").unwrap(),
        ClientSecret::new(SECRET),
    )
}

/// Every parser's error for `r` (those that succeed are skipped).
fn all_parser_errors(r: &Response<Vec<u8>>) -> Vec<Error> {
    let api = DomainApi::new(Host::csds(), AccountId::new("123456").unwrap());
    [
        parse_token_response(r).err(),
        parse_app_token_response(r).err(),
        parse_revoke_response(r).err(),
        parse_consumer_jws_response(r).err(),
        success_body(r).err(),
        api.parse_service(r, "sentinel").err(),
        api.parse_all_services(r).err(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

#[test]
fn a_500_page_echoing_the_request_is_not_shown() {
    // The fixture holds the secret, the code, the refresh token and an access token.
    let page = std::str::from_utf8(PAGE_500_ECHO).unwrap();
    for m in [SECRET, CODE, REFRESH, ACCESS] {
        assert!(page.contains(m), "fixture lacks {m}");
    }
    let r = resp(500, &[("content-type", "text/html")], PAGE_500_ECHO);
    let errors = all_parser_errors(&r);
    assert_eq!(errors.len(), 7);
    for e in &errors {
        assert!(matches!(e, Error::Status { .. }), "{e:?}");
        assert_clean(e);
    }
}

#[test]
fn error_bodies_echoing_secrets_are_not_shown() {
    let garbage = format!("\u{0}\u{1}{SECRET}\u{2}{CODE}").into_bytes();
    let no_error = format!(r#"{{"message":"bad secret {SECRET}","code":"{CODE}"}}"#);
    let bad_code = format!(r#"{{"error":"bad\"{SECRET}","error_description":"x"}}"#);
    let long_code = format!(r#"{{"error":"{}{SECRET}"}}"#, "e".repeat(120));
    let extra = format!(
        r#"{{"error":"invalid_client","client_secret":"{SECRET}","refresh_token":"{REFRESH}","code":"{CODE}"}}"#
    );
    let location = format!("https://app.example/cb?code={CODE}&state={STATE}");
    let redirect_body = format!(r#"{{"error":"access_denied","code":"{CODE}"}}"#);
    type Case<'a> = (u16, Vec<(&'a str, &'a str)>, Vec<u8>);
    let cases: Vec<Case<'_>> = vec![
        (
            502,
            vec![("content-type", "text/plain")],
            format!("upstream said {SECRET}").into_bytes(),
        ),
        (400, vec![], garbage),
        (400, vec![], no_error.into_bytes()),
        (400, vec![], bad_code.into_bytes()),
        (400, vec![], long_code.into_bytes()),
        (401, vec![], extra.into_bytes()),
        (
            302,
            vec![("location", &location)],
            redirect_body.into_bytes(),
        ),
        (
            429,
            vec![("retry-after", "5")],
            format!("slow down {ACCESS}").into_bytes(),
        ),
    ];
    for (status, headers, body) in cases {
        let errors = all_parser_errors(&resp(status, &headers, &body));
        assert_eq!(errors.len(), 7, "{status}");
        for e in &errors {
            assert!(
                matches!(e, Error::Status { .. } | Error::OAuth { .. }),
                "{e:?}"
            );
            assert_clean(e);
        }
    }
}

#[test]
fn unusable_success_bodies_are_not_shown() {
    let bodies = [
        format!(r#"{{"access_token":"{ACCESS}","token_type":"mac","refresh_token":"{REFRESH}"}}"#),
        format!(r#"{{"access_token":"{ACCESS}","expires_in":"{SECRET}"}}"#),
        format!(r#"{{"access_token":"{ACCESS}","expires_in":-1,"id_token":"{ID}"}}"#),
        format!(r#"{{"access_token":"{ACCESS}","refresh_token":{{"x":"{REFRESH}"}}}}"#),
        format!(r#"{{"access_token":"{ACCESS}","id_token":["{ID}"]}}"#),
        format!(r#"{{"access_token":"{ACCESS}","token_type":"{SECRET}"}}"#),
        format!(r#"{{"access_token":"{ACCESS}","access_token":"{ACCESS}"}}"#),
        format!(r#"{{"access_token":"{ACCESS}"{SECRET}"#),
        format!(r#"{{"access_token":"{ACCESS}""#),
        format!(r#"{{"{ACCESS}":1,"access_token":{SECRET}}}"#),
        format!(r#""{ACCESS}""#),
        format!(r#"["{ACCESS}","Bearer","{REFRESH}"]"#),
        format!(r#"{{"token":"{CONSUMER}","token":"{CONSUMER}"}}"#),
        format!(r#"["{CONSUMER}"]"#),
        format!(r#"{{"token":{{"{CONSUMER}":1}}}}"#),
        format!(
            r#"{{"service":"sentinel","account":"123456","baseURI":"user:{SECRET}@evil.example"}}"#
        ),
        format!(
            r#"{{"service":"sentinel","account":"123456","baseURI":"https://evil.example/{SECRET}"}}"#
        ),
        format!(r#"{{"service":"sentinel","account":"{SECRET}","baseURI":"a.example"}}"#),
        format!(r#"{{"service":"sentinel","account":"123456","baseURI":["{SECRET}"]}}"#),
        format!(r#"{{"baseURIs":[{{"service":"sentinel","baseURI":"{SECRET} evil"}}]}}"#),
        format!(r#"{{"baseURIs":[{{"service":"{SECRET}","baseURI":7}}]}}"#),
        format!(r#"{{"baseURIs":"{SECRET}"}}"#),
    ];
    let api = DomainApi::new(Host::csds(), AccountId::new("123456").unwrap());
    let mut seen = 0;
    for body in &bodies {
        let r = resp(200, &[], body.as_bytes());
        for e in all_parser_errors(&r) {
            assert!(matches!(e, Error::InvalidBody { .. }), "{body}: {e:?}");
            assert_clean(&e);
            seen += 1;
        }
        if let Ok(list) = api.parse_all_services(&r)
            && let Err(e) = list.host("sentinel")
        {
            assert_clean(&e);
            seen += 1;
        }
    }
    assert!(seen > bodies.len() * 3, "{seen}");
}

#[test]
fn oversized_bodies_are_not_shown() {
    let mut body =
        format!(r#"{{"access_token":"{ACCESS}","refresh_token":"{REFRESH}"}}"#).into_bytes();
    body.resize(70_000, b' ');
    for status in [200, 500] {
        for e in all_parser_errors(&resp(status, &[], &body)) {
            assert!(matches!(e, Error::BodyTooLarge { .. }));
            assert_clean(&e);
        }
    }
}

#[test]
fn input_errors_do_not_echo_their_input() {
    let s = sentinel();
    let idp = Host::parse("va.idp.liveperson.net").unwrap();
    let account = AccountId::new("123456").unwrap();
    let errors: Vec<Box<dyn std::error::Error>> = vec![
        Box::new(
            s.exchange_code_request(&AuthorizationCode::new(""), None)
                .unwrap_err(),
        ),
        Box::new(s.refresh_request(&RefreshToken::new("")).unwrap_err()),
        Box::new(s.revoke_request(&RefreshToken::new("")).unwrap_err()),
        Box::new(
            Idp::new(idp.clone(), account.clone())
                .consumer_jws_request(&AppJwt::new(format!("{APPJWT}\r\nX: {SECRET}")), "c")
                .unwrap_err(),
        ),
        Box::new(
            Idp::new(idp.clone(), account.clone())
                .consumer_jws_request(&AppJwt::new(APPJWT), &CONSUMER.repeat(60))
                .unwrap_err(),
        ),
        Box::new(Host::parse(&format!("user:{SECRET}@host")).unwrap_err()),
        Box::new(Host::parse(&format!("https://{SECRET}@host/")).unwrap_err()),
        Box::new(Host::parse(&format!("http://{SECRET}.example")).unwrap_err()),
        Box::new(Host::parse(&format!("host/{SECRET}")).unwrap_err()),
        Box::new(RedirectUri::new(format!("https://app.example/cb#{CODE}")).unwrap_err()),
        Box::new(RedirectUri::new(format!("https://app.example/{SECRET} x")).unwrap_err()),
        Box::new(State::new(format!("{STATE} x")).unwrap_err()),
        Box::new(State::new(format!("{STATE}é")).unwrap_err()),
        Box::new(ClientId::new(format!("{SECRET} x")).unwrap_err()),
        Box::new(AccountId::new(format!("{SECRET}/..")).unwrap_err()),
        Box::new(
            DomainApi::new(Host::csds(), account.clone())
                .service_request(&format!("{SECRET}/.."))
                .unwrap_err(),
        ),
    ];
    for e in &errors {
        assert_clean(e.as_ref());
    }
    // The same, wrapped in the crate's error.
    let wrapped = Error::from(Host::parse(&format!("user:{SECRET}@host")).unwrap_err());
    assert_clean(&wrapped);
}

#[test]
fn callback_errors_do_not_show_code_or_state() {
    let state = State::new(STATE).unwrap();
    for cb in [
        format!("/cb?code={CODE}&state=forged-state-value"),
        format!("/cb?code={CODE}"),
        format!("/cb?code={CODE}&code={CODE}&state={STATE}"),
        format!("/cb?code={CODE}&state={STATE}&state={SECRET}"),
        format!("/cb?code={CODE}&error=access_denied&state={STATE}"),
        format!("/cb?error=a%22{SECRET}&code={CODE}"),
        format!("/cb?state={STATE}&error_description={CODE}"),
        format!("http://[{CODE}/cb?code={CODE}"),
    ] {
        let e = parse_callback(&cb, &state).unwrap_err();
        assert_clean(&e);
        assert_clean(&Error::from(e));
    }
}

#[test]
fn debug_of_every_secret_bearing_value_is_redacted() {
    let s = sentinel();
    let shown = format!("{s:?} {s:#?}");
    assert_no_marker("Sentinel", &shown);
    assert!(shown.contains("ClientSecret([redacted])"), "{shown}");
    assert!(
        shown.contains("cid"),
        "the client id is not a secret: {shown}"
    );

    let body = format!(
        r#"{{"access_token":"{ACCESS}","token_type":"Bearer","refresh_token":"{REFRESH}","id_token":"{ID}","expires_in":60}}"#
    );
    let t = parse_token_response(&resp(200, &[], body.as_bytes())).unwrap();
    assert_eq!(t.access_token.secret(), ACCESS);
    assert_no_marker("TokenResponse", &format!("{t:?} {t:#?}"));

    let body = format!(r#"{{"access_token":"{APPJWT}","token_type":"Bearer"}}"#);
    let a = parse_app_token_response(&resp(200, &[], body.as_bytes())).unwrap();
    assert_eq!(a.access_token.secret(), APPJWT);
    assert_no_marker("AppTokenResponse", &format!("{a:?} {a:#?}"));

    let body = format!(r#"{{"token":"{CONSUMER}"}}"#);
    let c = parse_consumer_jws_response(&resp(200, &[], body.as_bytes())).unwrap();
    assert_eq!(c.secret(), CONSUMER);
    assert_no_marker("ConsumerJws", &format!("{c:?}"));

    let state = State::new(STATE).unwrap();
    assert_eq!(format!("{state:?}"), "State([redacted])");

    for (shown, expected) in [
        (
            format!("{:?}", ClientSecret::new(SECRET)),
            "ClientSecret([redacted])",
        ),
        (
            format!("{:?}", AccessToken::new(ACCESS)),
            "AccessToken([redacted])",
        ),
        (
            format!("{:?}", RefreshToken::new(REFRESH)),
            "RefreshToken([redacted])",
        ),
        (format!("{:?}", IdToken::new(ID)), "IdToken([redacted])"),
        (format!("{:?}", AppJwt::new(APPJWT)), "AppJwt([redacted])"),
        (
            format!("{:?}", AuthorizationCode::new(CODE)),
            "AuthorizationCode([redacted])",
        ),
        (
            format!("{:?}", ConsumerJws::new(CONSUMER)),
            "ConsumerJws([redacted])",
        ),
    ] {
        assert_eq!(shown, expected);
    }

    let code = parse_callback(&format!("/cb?code={CODE}&state={STATE}"), &state).unwrap();
    assert_no_marker("AuthorizationCode", &format!("{code:?}"));
}

#[test]
fn the_consumer_request_marks_the_app_jwt_sensitive() {
    let req = Idp::new(
        Host::parse("va.idp.liveperson.net").unwrap().clone(),
        AccountId::new("123456").unwrap().clone(),
    )
    .consumer_jws_request(&AppJwt::new(APPJWT), "consumer-1")
    .unwrap();
    assert_no_marker("headers", &format!("{:?}", req.headers()));
    assert_eq!(req.headers()["authorization"], APPJWT);
}

#[test]
fn request_uris_and_headers_hold_no_secret() {
    // Debug of a request shows its URI and headers as text (the body only as
    // numbers): neither may hold the secret, code or refresh token.
    let s = sentinel();
    let redirect = RedirectUri::new("https://app.example/cb").unwrap();
    for req in [
        s.exchange_code_request(&AuthorizationCode::new(CODE), Some(&redirect))
            .unwrap(),
        s.refresh_request(&RefreshToken::new(REFRESH)).unwrap(),
        s.revoke_request(&RefreshToken::new(REFRESH)).unwrap(),
        s.app_token_request(AppJwtVersion::V1).unwrap(),
        s.app_token_request(AppJwtVersion::V2).unwrap(),
        s.jwks_request().unwrap(),
    ] {
        assert_no_marker("uri", &req.uri().to_string());
        assert_no_marker("headers", &format!("{:?}", req.headers()));
    }
}
