//! Every request builder, byte for byte, against the protocol reference
//! (/work/shared/sentinel-protocol.md §1-§3): method, full URI, every header and the
//! body, with values that exercise every form-encoding rule, and no secret in any URL
//! except in the explicitly legacy AppJWT form.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use http::{Method, Request};
use sentinel_proto::{
    AccountId, ApiVersion, AppJwt, AuthorizationCode, ClientId, ClientSecret, Error, Host,
    RefreshToken, Sentinel,
    app_token::AppJwtVersion,
    consumer::Idp,
    domain::DomainApi,
    error::InputError,
    request::{FORM_CONTENT_TYPE, USER_AGENT},
    user::{RedirectUri, State},
};

const HOST: &str = "va.sentinel.liveperson.net";
const BASE: &str = "https://va.sentinel.liveperson.net/sentinel/api/account/123456";

const SECRET: &str = "SECRET-MARKER-123";
const CODE: &str = "CODE-MARKER-456";
const REFRESH: &str = "REFRESH-MARKER-789";

/// Values carrying every character the form encoding must escape: `&`, `=`, `+`,
/// `%`, space and non-ASCII. Client ids may not hold whitespace.
const NASTY_CLIENT_ID: &str = "cid&x=1+2%3é日本";
const NASTY_SECRET: &str = "s e&c=r+e%t é日本";
const NASTY_CODE: &str = "c o&d=e+1%2 é日本";
const NASTY_REFRESH: &str = "r t&k=n+1%2 é日本";
/// Redirect URIs may not hold whitespace either.
const NASTY_REDIRECT: &str = "https://app.example/cb?next=/a&b=c+d%20é日本";
/// States are printable ASCII.
const NASTY_STATE: &str = "st&at=e+%x0123456789";

/// The WHATWG `application/x-www-form-urlencoded` byte serializer, written out
/// independently of the crate so the expected bytes are not computed by the code
/// under test.
fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn sentinel_with(host: &str, client_id: &str, secret: &str) -> Sentinel {
    Sentinel::new(
        Host::parse(host).unwrap(),
        AccountId::new("123456").unwrap(),
        ClientId::new(client_id).unwrap(),
        ClientSecret::new(secret),
    )
}

fn sentinel(client_id: &str, secret: &str) -> Sentinel {
    sentinel_with(HOST, client_id, secret)
}

fn decode(bytes: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(bytes).unwrap()
}

fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn header<'a>(req: &'a Request<Vec<u8>>, name: &str) -> &'a str {
    let all: Vec<_> = req.headers().get_all(name).iter().collect();
    assert_eq!(all.len(), 1, "exactly one {name} header");
    all[0].to_str().unwrap()
}

/// A form POST as Sentinel expects it: exactly these three headers.
fn assert_form_post(req: &Request<Vec<u8>>, uri: &str, body: &str) {
    assert_eq!(req.method(), Method::POST);
    assert_eq!(req.uri().to_string(), uri);
    assert_eq!(
        header(req, "content-type"),
        "application/x-www-form-urlencoded;charset=UTF-8"
    );
    assert_eq!(header(req, "accept"), "application/json");
    assert_eq!(
        header(req, "user-agent"),
        format!("sentinel-rs/{}", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(req.headers().len(), 3, "{:?}", req.headers().keys());
    assert_eq!(
        std::str::from_utf8(req.body()).unwrap(),
        body,
        "body of {uri}"
    );
}

/// A JSON GET: Accept and User-Agent only, empty body.
fn assert_get(req: &Request<Vec<u8>>, uri: &str) {
    assert_eq!(req.method(), Method::GET);
    assert_eq!(req.uri().to_string(), uri);
    assert_eq!(header(req, "accept"), "application/json");
    assert_eq!(header(req, "user-agent"), USER_AGENT);
    assert_eq!(req.headers().len(), 2, "{:?}", req.headers().keys());
    assert!(req.body().is_empty());
}

#[test]
fn exported_constants_are_the_documented_values() {
    assert_eq!(
        FORM_CONTENT_TYPE,
        "application/x-www-form-urlencoded;charset=UTF-8"
    );
    assert_eq!(
        USER_AGENT,
        format!("sentinel-rs/{}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn the_reference_encoder_matches_hand_written_bytes() {
    // Pins the oracle itself, so that a mistake in `enc` cannot hide one in the crate.
    assert_eq!(
        enc(NASTY_SECRET),
        "s+e%26c%3Dr%2Be%25t+%C3%A9%E6%97%A5%E6%9C%AC"
    );
    assert_eq!(
        enc(NASTY_CLIENT_ID),
        "cid%26x%3D1%2B2%253%C3%A9%E6%97%A5%E6%9C%AC"
    );
    assert_eq!(enc("https://a/b?c"), "https%3A%2F%2Fa%2Fb%3Fc");
    assert_eq!(enc("A-z_0.9*~"), "A-z_0.9*%7E");
}

// ---- 2.2 code exchange ----------------------------------------------------------

#[test]
fn code_exchange_without_redirect_uri() {
    let req = sentinel("cid", "sec")
        .exchange_code_request(&AuthorizationCode::new("c0de"), None)
        .unwrap();
    assert_form_post(
        &req,
        &format!("{BASE}/token?v=1.0"),
        "grant_type=authorization_code&code=c0de&client_id=cid&client_secret=sec",
    );
}

#[test]
fn code_exchange_with_redirect_uri() {
    let redirect = RedirectUri::new("https://app.example/cb").unwrap();
    let req = sentinel("cid", "sec")
        .exchange_code_request(&AuthorizationCode::new("c0de"), Some(&redirect))
        .unwrap();
    assert_form_post(
        &req,
        &format!("{BASE}/token?v=1.0"),
        "grant_type=authorization_code&code=c0de&redirect_uri=https%3A%2F%2Fapp.example%2Fcb\
         &client_id=cid&client_secret=sec",
    );
}

#[test]
fn code_exchange_encodes_every_value() {
    let redirect = RedirectUri::new(NASTY_REDIRECT).unwrap();
    let req = sentinel(NASTY_CLIENT_ID, NASTY_SECRET)
        .exchange_code_request(&AuthorizationCode::new(NASTY_CODE), Some(&redirect))
        .unwrap();
    let body = format!(
        "grant_type=authorization_code&code={}&redirect_uri={}&client_id={}&client_secret={}",
        enc(NASTY_CODE),
        enc(NASTY_REDIRECT),
        enc(NASTY_CLIENT_ID),
        enc(NASTY_SECRET)
    );
    assert_form_post(&req, &format!("{BASE}/token?v=1.0"), &body);
    assert_eq!(
        decode(req.body()),
        owned(&[
            ("grant_type", "authorization_code"),
            ("code", NASTY_CODE),
            ("redirect_uri", NASTY_REDIRECT),
            ("client_id", NASTY_CLIENT_ID),
            ("client_secret", NASTY_SECRET),
        ])
    );
}

#[test]
fn code_exchange_refuses_an_empty_code() {
    let err = sentinel("cid", "sec")
        .exchange_code_request(&AuthorizationCode::new(""), None)
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Input(InputError::Parameter { name: "code", .. })
        ),
        "{err:?}"
    );
}

// ---- 2.4 refresh ----------------------------------------------------------------

#[test]
fn refresh() {
    let req = sentinel("cid", "sec")
        .refresh_request(&RefreshToken::new("rt"))
        .unwrap();
    assert_form_post(
        &req,
        &format!("{BASE}/token?v=1.0"),
        "grant_type=refresh_token&refresh_token=rt&client_id=cid&client_secret=sec",
    );
}

#[test]
fn refresh_encodes_every_value() {
    let req = sentinel(NASTY_CLIENT_ID, NASTY_SECRET)
        .refresh_request(&RefreshToken::new(NASTY_REFRESH))
        .unwrap();
    let body = format!(
        "grant_type=refresh_token&refresh_token={}&client_id={}&client_secret={}",
        enc(NASTY_REFRESH),
        enc(NASTY_CLIENT_ID),
        enc(NASTY_SECRET)
    );
    assert_form_post(&req, &format!("{BASE}/token?v=1.0"), &body);
    assert_eq!(
        decode(req.body()),
        owned(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", NASTY_REFRESH),
            ("client_id", NASTY_CLIENT_ID),
            ("client_secret", NASTY_SECRET),
        ])
    );
}

#[test]
fn refresh_and_revoke_refuse_an_empty_token() {
    let s = sentinel("cid", "sec");
    for err in [
        s.refresh_request(&RefreshToken::new("")).unwrap_err(),
        s.revoke_request(&RefreshToken::new("")).unwrap_err(),
    ] {
        assert!(
            matches!(
                err,
                Error::Input(InputError::Parameter {
                    name: "refresh_token",
                    ..
                })
            ),
            "{err:?}"
        );
    }
}

// ---- 2.5 revoke -----------------------------------------------------------------

#[test]
fn revoke() {
    let req = sentinel("cid", "sec")
        .revoke_request(&RefreshToken::new("rt"))
        .unwrap();
    assert_form_post(
        &req,
        &format!("{BASE}/token/revoke?v=1.0"),
        "token=rt&client_id=cid&client_secret=sec",
    );
}

#[test]
fn revoke_encodes_every_value() {
    let req = sentinel(NASTY_CLIENT_ID, NASTY_SECRET)
        .revoke_request(&RefreshToken::new(NASTY_REFRESH))
        .unwrap();
    let body = format!(
        "token={}&client_id={}&client_secret={}",
        enc(NASTY_REFRESH),
        enc(NASTY_CLIENT_ID),
        enc(NASTY_SECRET)
    );
    assert_form_post(&req, &format!("{BASE}/token/revoke?v=1.0"), &body);
    assert_eq!(
        decode(req.body()),
        owned(&[
            ("token", NASTY_REFRESH),
            ("client_id", NASTY_CLIENT_ID),
            ("client_secret", NASTY_SECRET),
        ])
    );
}

// ---- 3 AppJWT -------------------------------------------------------------------

#[test]
fn app_jwt_v1_sends_credentials_in_the_body() {
    let req = sentinel("cid", "sec")
        .app_token_request(AppJwtVersion::V1)
        .unwrap();
    assert_form_post(
        &req,
        &format!("{BASE}/app/token?v=1.0"),
        "grant_type=client_credentials&client_id=cid&client_secret=sec",
    );
    assert_eq!(AppJwtVersion::default(), AppJwtVersion::V1);
}

#[test]
fn app_jwt_v2() {
    // The form LivePerson's shipped clients send.
    let req = sentinel("cid", "sec")
        .app_token_request(AppJwtVersion::V2)
        .unwrap();
    assert_form_post(
        &req,
        &format!("{BASE}/app/token?v=2.0"),
        "grant_type=client_credentials&client_id=cid&client_secret=sec",
    );
    // The form the docs page's text gives, as a named option.
    let req = sentinel("cid", "sec")
        .app_token_request(AppJwtVersion::V2Path)
        .unwrap();
    assert_form_post(
        &req,
        "https://va.sentinel.liveperson.net/sentinel/api/v2/account/123456/app/token",
        "grant_type=client_credentials&client_id=cid&client_secret=sec",
    );
    assert!(AppJwtVersion::V2.uses_jwks() && AppJwtVersion::V2Path.uses_jwks());
    assert!(!AppJwtVersion::V1.uses_jwks());
}

#[test]
fn app_jwt_encodes_every_value() {
    let s = sentinel(NASTY_CLIENT_ID, NASTY_SECRET);
    let body = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}",
        enc(NASTY_CLIENT_ID),
        enc(NASTY_SECRET)
    );
    let expected = owned(&[
        ("grant_type", "client_credentials"),
        ("client_id", NASTY_CLIENT_ID),
        ("client_secret", NASTY_SECRET),
    ]);
    for (version, uri) in [
        (AppJwtVersion::V1, format!("{BASE}/app/token?v=1.0")),
        (AppJwtVersion::V2, format!("{BASE}/app/token?v=2.0")),
        (
            AppJwtVersion::V2Path,
            "https://va.sentinel.liveperson.net/sentinel/api/v2/account/123456/app/token"
                .to_owned(),
        ),
    ] {
        let req = s.app_token_request(version).unwrap();
        assert_form_post(&req, &uri, &body);
        assert_eq!(decode(req.body()), expected);
    }
}

#[test]
fn app_jwt_v1_legacy_query_puts_everything_in_the_query_and_nothing_in_the_body() {
    let req = sentinel("cid", "sec")
        .app_token_request_legacy_query()
        .unwrap();
    assert_form_post(
        &req,
        &format!(
            "{BASE}/app/token?v=1.0&grant_type=client_credentials&client_id=cid&client_secret=sec"
        ),
        "",
    );
}

#[test]
fn app_jwt_v1_legacy_query_encodes_every_value() {
    let req = sentinel(NASTY_CLIENT_ID, NASTY_SECRET)
        .app_token_request_legacy_query()
        .unwrap();
    let uri = format!(
        "{BASE}/app/token?v=1.0&grant_type=client_credentials&client_id={}&client_secret={}",
        enc(NASTY_CLIENT_ID),
        enc(NASTY_SECRET)
    );
    assert_form_post(&req, &uri, "");
    assert_eq!(
        decode(req.uri().query().unwrap().as_bytes()),
        owned(&[
            ("v", "1.0"),
            ("grant_type", "client_credentials"),
            ("client_id", NASTY_CLIENT_ID),
            ("client_secret", NASTY_SECRET),
        ])
    );
}

// ---- 3.2 JWKS, 1 Domain API, 3.4 ConsumerJWS ------------------------------------

#[test]
fn jwks() {
    let req = sentinel("cid", "sec").jwks_request().unwrap();
    assert_get(
        &req,
        "https://va.sentinel.liveperson.net/sentinel/well-known/jwks",
    );
}

#[test]
fn domain_api_all_services() {
    let api = DomainApi::new(Host::csds(), AccountId::new("123456").unwrap());
    assert_get(
        &api.all_services_request().unwrap(),
        "https://api.liveperson.net/api/account/123456/service/baseURI.json?version=1.0",
    );
    let alt = DomainApi::new(
        Host::parse("adminlogin.liveperson.net").unwrap(),
        AccountId::new("le81823118").unwrap(),
    );
    assert_get(
        &alt.all_services_request().unwrap(),
        "https://adminlogin.liveperson.net/api/account/le81823118/service/baseURI.json?version=1.0",
    );
}

#[test]
fn domain_api_single_service() {
    let api = DomainApi::new(Host::csds(), AccountId::new("123456").unwrap());
    for service in ["sentinel", "idp", "asyncMessagingEnt", "a.b_c-d"] {
        assert_get(
            &api.service_request(service).unwrap(),
            &format!(
                "https://api.liveperson.net/api/account/123456/service/{service}/baseURI.json?version=1.0"
            ),
        );
    }
    assert_eq!(sentinel_proto::domain::SERVICE_SENTINEL, "sentinel");
    assert_eq!(sentinel_proto::domain::SERVICE_IDP, "idp");
}

#[test]
fn domain_api_refuses_service_names_that_change_the_path() {
    let api = DomainApi::new(Host::csds(), AccountId::new("123456").unwrap());
    let long = "s".repeat(65);
    for bad in [
        "", "a/b", "../x", ".", "..", "...", "a?b", "a#b", "a b", "a%2Fb", "é", "a&b", "a\n", &long,
    ] {
        let err = api.service_request(bad).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Input(InputError::Parameter {
                    name: "service",
                    ..
                })
            ),
            "{bad:?}: {err:?}"
        );
    }
    assert!(api.service_request(&"s".repeat(64)).is_ok());
}

#[test]
fn consumer_jws() {
    let idp = Host::parse("va.idp.liveperson.net").unwrap();
    let account = AccountId::new("123456").unwrap();
    let req = Idp::new(idp.clone(), account.clone())
        .consumer_jws_request(&AppJwt::new("a.b.c"), "consumer-1")
        .unwrap();
    assert_eq!(req.method(), Method::POST);
    assert_eq!(
        req.uri().to_string(),
        "https://va.idp.liveperson.net/api/account/123456/consumer?v=1.0"
    );
    assert_eq!(header(&req, "authorization"), "a.b.c");
    assert!(req.headers()["authorization"].is_sensitive());
    assert_eq!(header(&req, "content-type"), "application/json");
    assert_eq!(header(&req, "accept"), "application/json");
    assert_eq!(header(&req, "user-agent"), USER_AGENT);
    assert_eq!(req.headers().len(), 4, "{:?}", req.headers().keys());
    assert_eq!(req.body(), br#"{"ext_consumer_id":"consumer-1"}"#);
}

#[test]
fn consumer_jws_escapes_the_consumer_id_as_json() {
    let idp = Host::parse("va.idp.liveperson.net").unwrap();
    let account = AccountId::new("123456").unwrap();
    let id = "ext \"q\" \\ &=+% é日本\n\u{1}</script>";
    let req = Idp::new(idp.clone(), account.clone())
        .consumer_jws_request(&AppJwt::new("a.b.c"), id)
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(req.body()).unwrap();
    assert_eq!(v, serde_json::json!({ "ext_consumer_id": id }));
    // Nothing of the id reaches the URL.
    assert_eq!(
        req.uri().to_string(),
        "https://va.idp.liveperson.net/api/account/123456/consumer?v=1.0"
    );
}

#[test]
fn consumer_jws_refuses_bad_inputs() {
    let idp = Host::parse("va.idp.liveperson.net").unwrap();
    let account = AccountId::new("123456").unwrap();
    let jwt = AppJwt::new("a.b.c");
    for id in [String::new(), "x".repeat(1025)] {
        let err = Idp::new(idp.clone(), account.clone())
            .consumer_jws_request(&jwt, &id)
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::Input(InputError::Parameter {
                    name: "ext_consumer_id",
                    ..
                })
            ),
            "{err:?}"
        );
    }
    assert!(
        Idp::new(idp.clone(), account.clone())
            .consumer_jws_request(&jwt, &"x".repeat(1024))
            .is_ok()
    );
    // A token that would split the header.
    for bad in ["a.b\r\nX-Injected: 1", "a.b\nc", "a\u{0}b"] {
        let err = Idp::new(idp.clone(), account.clone())
            .consumer_jws_request(&AppJwt::new(bad), "c")
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::Input(InputError::Parameter {
                    name: "app_jwt",
                    ..
                })
            ),
            "{err:?}"
        );
    }
}

// ---- 2.1 authorize --------------------------------------------------------------

#[test]
fn authorize_url_with_and_without_redirect_uri() {
    let s = sentinel("cid", "sec");
    let state = State::new("0123456789abcdef").unwrap();
    assert_eq!(
        s.authorize_url(None, &state).unwrap().as_str(),
        format!("{BASE}/authorize?v=1.0&response_type=code&client_id=cid&state=0123456789abcdef")
    );
    let redirect = RedirectUri::new("https://app.example/cb").unwrap();
    assert_eq!(
        s.authorize_url(Some(&redirect), &state).unwrap().as_str(),
        format!(
            "{BASE}/authorize?v=1.0&response_type=code&client_id=cid\
             &redirect_uri=https%3A%2F%2Fapp.example%2Fcb&state=0123456789abcdef"
        )
    );
}

#[test]
fn authorize_url_encodes_every_value() {
    let s = sentinel(NASTY_CLIENT_ID, NASTY_SECRET);
    let state = State::new(NASTY_STATE).unwrap();
    let redirect = RedirectUri::new(NASTY_REDIRECT).unwrap();
    let url = s.authorize_url(Some(&redirect), &state).unwrap();
    assert_eq!(
        url.as_str(),
        format!(
            "{BASE}/authorize?v=1.0&response_type=code&client_id={}&redirect_uri={}&state={}",
            enc(NASTY_CLIENT_ID),
            enc(NASTY_REDIRECT),
            enc(NASTY_STATE)
        )
    );
    assert_eq!(
        decode(url.query().unwrap().as_bytes()),
        owned(&[
            ("v", "1.0"),
            ("response_type", "code"),
            ("client_id", NASTY_CLIENT_ID),
            ("redirect_uri", NASTY_REDIRECT),
            ("state", NASTY_STATE),
        ])
    );
}

// ---- ApiVersion::V2_0 ------------------------------------------------------------

#[test]
fn version_2_0_changes_the_user_token_endpoints_only() {
    let s = sentinel("cid", "sec").with_version(ApiVersion::V2_0);
    assert_eq!(s.version(), ApiVersion::V2_0);
    assert_eq!(sentinel("cid", "sec").version(), ApiVersion::V1_0);
    let redirect = RedirectUri::new("https://app.example/cb").unwrap();

    assert_form_post(
        &s.exchange_code_request(&AuthorizationCode::new("c0de"), Some(&redirect))
            .unwrap(),
        &format!("{BASE}/token?v=2.0"),
        "grant_type=authorization_code&code=c0de&redirect_uri=https%3A%2F%2Fapp.example%2Fcb\
         &client_id=cid&client_secret=sec",
    );
    assert_form_post(
        &s.refresh_request(&RefreshToken::new("rt")).unwrap(),
        &format!("{BASE}/token?v=2.0"),
        "grant_type=refresh_token&refresh_token=rt&client_id=cid&client_secret=sec",
    );
    assert_form_post(
        &s.revoke_request(&RefreshToken::new("rt")).unwrap(),
        &format!("{BASE}/token/revoke?v=2.0"),
        "token=rt&client_id=cid&client_secret=sec",
    );
    let state = State::new("0123456789abcdef").unwrap();
    assert_eq!(
        s.authorize_url(None, &state).unwrap().as_str(),
        format!("{BASE}/authorize?v=2.0&response_type=code&client_id=cid&state=0123456789abcdef")
    );

    // AppJWT and JWKS have their own versioning: unchanged.
    assert_form_post(
        &s.app_token_request(AppJwtVersion::V1).unwrap(),
        &format!("{BASE}/app/token?v=1.0"),
        "grant_type=client_credentials&client_id=cid&client_secret=sec",
    );
    assert_form_post(
        &s.app_token_request(AppJwtVersion::V2).unwrap(),
        &format!("{BASE}/app/token?v=2.0"),
        "grant_type=client_credentials&client_id=cid&client_secret=sec",
    );
    assert_form_post(
        &s.app_token_request(AppJwtVersion::V2Path).unwrap(),
        "https://va.sentinel.liveperson.net/sentinel/api/v2/account/123456/app/token",
        "grant_type=client_credentials&client_id=cid&client_secret=sec",
    );
    assert_form_post(
        &s.app_token_request_legacy_query().unwrap(),
        &format!(
            "{BASE}/app/token?v=1.0&grant_type=client_credentials&client_id=cid&client_secret=sec"
        ),
        "",
    );
    assert_get(
        &s.jwks_request().unwrap(),
        "https://va.sentinel.liveperson.net/sentinel/well-known/jwks",
    );
}

// ---- hosts ----------------------------------------------------------------------

#[test]
fn requests_go_to_the_normalised_host() {
    for (input, base) in [
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://localhost:9", "http://localhost:9"),
        ("[::1]:8443", "https://[::1]:8443"),
        (
            "https://LO.Sentinel.LivePerson.NET/",
            "https://lo.sentinel.liveperson.net",
        ),
        (
            "sy.sentinel.liveperson.net:443",
            "https://sy.sentinel.liveperson.net",
        ),
    ] {
        let s = sentinel_with(input, "cid", "sec");
        let req = s.refresh_request(&RefreshToken::new("rt")).unwrap();
        assert_eq!(
            req.uri().to_string(),
            format!("{base}/sentinel/api/account/123456/token?v=1.0"),
            "{input}"
        );
        assert_eq!(
            s.jwks_request().unwrap().uri().to_string(),
            format!("{base}/sentinel/well-known/jwks")
        );
    }
    for (host, expected) in [
        (Host::americas(), "va"),
        (Host::emea(), "lo"),
        (Host::apac(), "sy"),
    ] {
        let s = Sentinel::new(
            host,
            AccountId::new("123456").unwrap(),
            ClientId::new("cid").unwrap(),
            ClientSecret::new("sec"),
        );
        assert_eq!(
            s.app_token_request(AppJwtVersion::V1)
                .unwrap()
                .uri()
                .to_string(),
            format!(
                "https://{expected}.sentinel.liveperson.net/sentinel/api/account/123456/app/token?v=1.0"
            )
        );
    }
}

// ---- no secret in any URL -------------------------------------------------------

/// Every spelling in which `value` could show up in a URL.
fn spellings(value: &str) -> Vec<String> {
    let mut v = vec![value.to_owned(), enc(value), enc(value).replace('+', "%20")];
    v.dedup();
    v
}

fn assert_not_in_uri(uri: &str, values: &[&str]) {
    let decoded: String = url::form_urlencoded::parse(uri.as_bytes())
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    for value in values {
        for s in spellings(value) {
            assert!(!uri.contains(&s), "{s:?} in {uri}");
            assert!(!decoded.contains(&s), "{s:?} in decoded {decoded}");
        }
    }
}

#[test]
fn no_secret_code_or_refresh_token_in_any_url() {
    for (secret, code, refresh) in [
        (SECRET, CODE, REFRESH),
        (NASTY_SECRET, NASTY_CODE, NASTY_REFRESH),
    ] {
        for version in [ApiVersion::V1_0, ApiVersion::V2_0] {
            let s = sentinel(NASTY_CLIENT_ID, secret).with_version(version);
            let redirect = RedirectUri::new(NASTY_REDIRECT).unwrap();
            let code = AuthorizationCode::new(code);
            let rt = RefreshToken::new(refresh);
            let state = State::new(NASTY_STATE).unwrap();
            let uris = [
                s.exchange_code_request(&code, None)
                    .unwrap()
                    .uri()
                    .to_string(),
                s.exchange_code_request(&code, Some(&redirect))
                    .unwrap()
                    .uri()
                    .to_string(),
                s.refresh_request(&rt).unwrap().uri().to_string(),
                s.revoke_request(&rt).unwrap().uri().to_string(),
                s.app_token_request(AppJwtVersion::V1)
                    .unwrap()
                    .uri()
                    .to_string(),
                s.app_token_request(AppJwtVersion::V2)
                    .unwrap()
                    .uri()
                    .to_string(),
                s.jwks_request().unwrap().uri().to_string(),
                s.authorize_url(Some(&redirect), &state)
                    .unwrap()
                    .to_string(),
                s.authorize_url(None, &state).unwrap().to_string(),
            ];
            for uri in &uris {
                assert_not_in_uri(uri, &[secret, code.secret(), rt.secret()]);
            }
            // The one exception, and only the secret.
            let legacy = s.app_token_request_legacy_query().unwrap();
            let q = legacy.uri().query().unwrap();
            assert!(q.contains(&format!("client_secret={}", enc(secret))), "{q}");
            assert!(legacy.body().is_empty());
        }
    }
}

#[test]
fn the_secret_goes_into_the_body_of_every_credentialed_request() {
    // The other half of "no secret in the URL": it still reaches the server.
    let s = sentinel("cid", SECRET);
    let code = AuthorizationCode::new(CODE);
    let rt = RefreshToken::new(REFRESH);
    for req in [
        s.exchange_code_request(&code, None).unwrap(),
        s.refresh_request(&rt).unwrap(),
        s.revoke_request(&rt).unwrap(),
        s.app_token_request(AppJwtVersion::V1).unwrap(),
        s.app_token_request(AppJwtVersion::V2).unwrap(),
    ] {
        let pairs = decode(req.body());
        assert!(
            pairs.contains(&("client_secret".to_owned(), SECRET.to_owned())),
            "{}",
            req.uri()
        );
        assert!(pairs.contains(&("client_id".to_owned(), "cid".to_owned())));
    }
}

#[test]
fn a_public_context_builds_what_needs_no_secret_and_refuses_the_rest() {
    let s = Sentinel::public(
        Host::parse("va.sentinel.liveperson.net").unwrap(),
        AccountId::new("123456").unwrap(),
        ClientId::new("cid").unwrap(),
    );
    let state = State::new("0123456789abcdef").unwrap();
    assert!(s.authorize_url(None, &state).is_ok());
    assert!(s.jwks_request().is_ok());
    let no_secret = |r: Result<http::Request<Vec<u8>>, Error>| {
        assert!(
            matches!(
                r,
                Err(Error::Input(InputError::Parameter {
                    name: "client_secret",
                    ..
                }))
            ),
            "{r:?}"
        );
    };
    no_secret(s.app_token_request(AppJwtVersion::V1));
    no_secret(s.app_token_request_legacy_query());
    no_secret(s.exchange_code_request(&AuthorizationCode::new("c"), None));
    no_secret(s.refresh_request(&RefreshToken::new("r")));
    no_secret(s.revoke_request(&RefreshToken::new("r")));
}
