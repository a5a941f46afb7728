//! Every parser against a hostile server that echoes the request's secrets back in
//! the `error` member, `error_description`, `error_uri`, an HTML page and its
//! `Content-Type`: the server's text is withheld until the error is redacted with
//! the request's secrets, and the redacted error shows none of them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use http::{Request, Response};
use sentinel_proto::{
    AccountId, AppJwt, AuthorizationCode, ClientId, ClientSecret, Error, Host, Redactor,
    RefreshToken, Sentinel,
    app_token::{AppJwtVersion, parse_app_token_response},
    consumer::{Idp, parse_consumer_jws_response},
    domain::DomainApi,
    redact::REDACTED,
    user::{parse_revoke_response, parse_token_response},
};

const SECRET: &str = "Echo/Secret+42=x";
const CODE: &str = "Echo/Code+43=y";
const REFRESH: &str = "Echo/Refresh+44=z";
const APPJWT: &str = "eyJhbGciOiJSUzI1NiJ9.eyJhenAiOiJlY2hvIn0.c2lnbmF0dXJl";

fn forms(secret: &str) -> Vec<String> {
    let form: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    vec![
        secret.to_owned(),
        form.replace('+', "%20"),
        form.to_lowercase(),
        secret.replace('/', "\\/"),
        secret.get(..8).unwrap().to_owned(),
        form,
    ]
}

fn shown(e: &Error) -> String {
    let mut out = format!("{e}\n{e:?}\n{e:#?}\n");
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        out.push_str(&format!("{s}\n{s:?}\n"));
        source = s.source();
    }
    out
}

fn assert_clean(what: &str, text: &str) {
    for s in [SECRET, CODE, REFRESH, APPJWT] {
        for f in forms(s) {
            assert!(!text.contains(&f), "{what}: {f:?} shown:\n{text}");
        }
    }
}

/// What a hostile server answers to `req`: every way of echoing it.
fn echoes(req: &Request<Vec<u8>>) -> Vec<Response<Vec<u8>>> {
    let body = String::from_utf8_lossy(req.body()).into_owned();
    let auth = req
        .headers()
        .get("authorization")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let query = req.uri().query().unwrap_or("").to_owned();
    let decoded: Vec<String> = url::form_urlencoded::parse(body.as_bytes())
        .chain(url::form_urlencoded::parse(query.as_bytes()))
        .filter(|(k, _)| !["grant_type", "client_id", "redirect_uri", "v"].contains(&k.as_ref()))
        .map(|(_, v)| v.into_owned())
        .collect();
    let first = decoded.first().cloned().unwrap_or(auth.clone());
    let dump = format!("{body} {query} {auth} {}", decoded.join(" "));
    let json = |status: u16, v: serde_json::Value| {
        Response::builder()
            .status(status)
            .header("content-type", "application/json")
            .body(v.to_string().into_bytes())
            .unwrap()
    };
    // A secret straddling the 512 characters shown must not leave its start.
    let long = format!("{}{first}", "x".repeat(510));
    vec![
        json(
            401,
            serde_json::json!({"error": "invalid_client", "error_description": format!("Invalid credentials: {dump}")}),
        ),
        json(400, serde_json::json!({"error": first})),
        json(
            400,
            serde_json::json!({"error": "invalid_grant", "error_uri": format!("https://e.example/?{dump}")}),
        ),
        json(
            400,
            serde_json::json!({"error": "invalid_grant", "error_description": long}),
        ),
        json(
            503,
            serde_json::json!({"error": "temporarily_unavailable", "error_description": dump}),
        ),
        Response::builder()
            .status(500)
            .header(
                "content-type",
                format!("text/html; echo={}", first.replace(' ', "_")),
            )
            .body(format!("<html><pre>{dump}</pre></html>").into_bytes())
            .unwrap(),
    ]
}

fn check(req: Request<Vec<u8>>, parse: impl Fn(&Response<Vec<u8>>) -> Result<(), Error>) {
    let redactor = Redactor::from_request(&req);
    for resp in echoes(&req) {
        let e = parse(&resp).unwrap_err();
        assert_clean("unredacted", &shown(&e));
        let e = e.redact(&redactor);
        let text = shown(&e);
        assert_clean("redacted", &text);
        if let Error::Status { body, .. } = &e {
            assert_clean("kept body", &String::from_utf8_lossy(body.as_bytes()));
            assert!(body.is_redacted());
        }
        if let Error::OAuth { error, .. } = &e {
            assert_clean("description", error.description().unwrap_or(""));
            assert_clean("uri", error.uri().unwrap_or(""));
            assert_clean("code", error.code().as_str());
        }
        // Still useful: the echo is marked, or was past what is shown.
        assert!(
            text.contains(REDACTED) || text.contains("bytes") || text.contains("xxxxxxxx"),
            "{text}"
        );
    }
}

fn sentinel() -> Sentinel {
    Sentinel::new(
        Host::parse("va.sentinel.liveperson.net").unwrap(),
        AccountId::new("123456").unwrap(),
        ClientId::new("echo-client").unwrap(),
        ClientSecret::new(SECRET),
    )
}

#[test]
fn app_token_parsers() {
    let s = sentinel();
    for req in [
        s.app_token_request(AppJwtVersion::V1).unwrap(),
        s.app_token_request(AppJwtVersion::V2).unwrap(),
        s.app_token_request_legacy_query().unwrap(),
    ] {
        check(req, |r| parse_app_token_response(r).map(|_| ()));
    }
}

#[test]
fn user_token_parsers() {
    let s = sentinel();
    let rt = RefreshToken::new(REFRESH);
    check(
        s.exchange_code_request(&AuthorizationCode::new(CODE), None)
            .unwrap(),
        |r| parse_token_response(r).map(|_| ()),
    );
    check(s.refresh_request(&rt).unwrap(), |r| {
        parse_token_response(r).map(|_| ())
    });
    check(s.revoke_request(&rt).unwrap(), parse_revoke_response);
}

#[test]
fn consumer_jws_parser() {
    let req = Idp::new(
        Host::parse("idp.liveperson.net").unwrap().clone(),
        AccountId::new("123456").unwrap().clone(),
    )
    .consumer_jws_request(&AppJwt::new(APPJWT), "consumer-1")
    .unwrap();
    check(req, |r| parse_consumer_jws_response(r).map(|_| ()));
}

#[test]
fn domain_parsers_show_no_server_text_unredacted() {
    let api = DomainApi::new(Host::csds(), AccountId::new("123456").unwrap());
    let req = api.service_request("sentinel").unwrap();
    // The Domain API request carries no secret; its answers still never show a
    // token-shaped value.
    let redactor = Redactor::from_request(&req);
    let resp = Response::builder()
        .status(401)
        .body(
            format!(r#"{{"error":"invalid_client","error_description":"{APPJWT}"}}"#).into_bytes(),
        )
        .unwrap();
    let e = api
        .parse_service(&resp, "sentinel")
        .unwrap_err()
        .redact(&redactor);
    assert_clean("domain", &shown(&e));
    assert!(shown(&e).contains(REDACTED));
}
