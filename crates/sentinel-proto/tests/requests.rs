//! Every request builder, byte for byte, against the protocol reference.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use http::Method;
use sentinel_proto::{
    AccountId, ApiVersion, AppJwt, AppJwtVersion, AuthorizationCode, ClientId, ClientSecret,
    DomainApi, Host, RedirectUri, RefreshToken, Sentinel, State, USER_AGENT, consumer_jws_request,
};

/// Values that exercise every encoding rule: reserved, space, plus, percent, non-ASCII.
const NASTY: &str = "a&b=c+d%e f/é日本?#";
const NASTY_ENC: &str = "a%26b%3Dc%2Bd%25e+f%2F%C3%A9%E6%97%A5%E6%9C%AC%3F%23";
/// Client ids may not contain whitespace; everything else applies.
const NASTY_ID: &str = "a&b=c+d%e/é日本?#";
const NASTY_ID_ENC: &str = "a%26b%3Dc%2Bd%25e%2F%C3%A9%E6%97%A5%E6%9C%AC%3F%23";

fn sentinel(client_id: &str, secret: &str) -> Sentinel {
    Sentinel::new(
        Host::parse("va.sentinel.liveperson.net").unwrap(),
        AccountId::new("123456").unwrap(),
        ClientId::new(client_id).unwrap(),
        ClientSecret::new(secret),
    )
}

fn pairs(body: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(body).unwrap()
}

fn owned(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn assert_form_post(req: &http::Request<Vec<u8>>, uri: &str) {
    assert_eq!(req.method(), Method::POST);
    assert_eq!(req.uri(), uri);
    let h = req.headers();
    assert_eq!(
        h["content-type"],
        "application/x-www-form-urlencoded;charset=UTF-8"
    );
    assert_eq!(h["accept"], "application/json");
    assert_eq!(h["user-agent"], USER_AGENT);
    assert!(USER_AGENT.starts_with("sentinel-rs/"));
    assert_eq!(h.len(), 3, "no other headers: {h:?}");
}

#[test]
fn code_exchange_without_redirect() {
    let req = sentinel("cid", "sec")
        .exchange_code_request(&AuthorizationCode::new("c0de"), None)
        .unwrap();
    assert_form_post(
        &req,
        "https://va.sentinel.liveperson.net/sentinel/api/account/123456/token?v=1.0",
    );
    assert_eq!(
        req.body(),
        b"grant_type=authorization_code&code=c0de&client_id=cid&client_secret=sec"
    );
}

#[test]
fn code_exchange_with_redirect_and_nasty_values() {
    let redirect = RedirectUri::new("https://app.example/cb?x=1&y=é").unwrap();
    let req = sentinel(NASTY_ID, NASTY)
        .exchange_code_request(&AuthorizationCode::new(NASTY), Some(&redirect))
        .unwrap();
    let expected = format!(
        "grant_type=authorization_code&code={NASTY_ENC}&redirect_uri=https%3A%2F%2Fapp.example%2Fcb%3Fx%3D1%26y%3D%C3%A9&client_id={NASTY_ID_ENC}&client_secret={NASTY_ENC}"
    );
    assert_eq!(String::from_utf8(req.body().clone()).unwrap(), expected);
    assert_eq!(
        pairs(req.body()),
        owned(&[
            ("grant_type", "authorization_code"),
            ("code", NASTY),
            ("redirect_uri", "https://app.example/cb?x=1&y=é"),
            ("client_id", NASTY_ID),
            ("client_secret", NASTY),
        ])
    );
    assert!(!req.uri().to_string().contains("code="));
}

#[test]
fn version_two_changes_only_v() {
    let s = sentinel("cid", "sec").with_version(ApiVersion::V2_0);
    let req = s.refresh_request(&RefreshToken::new("rt")).unwrap();
    assert_form_post(
        &req,
        "https://va.sentinel.liveperson.net/sentinel/api/account/123456/token?v=2.0",
    );
    let revoke = s.revoke_request(&RefreshToken::new("rt")).unwrap();
    assert_eq!(revoke.uri().query(), Some("v=2.0"));
}

#[test]
fn refresh() {
    let req = sentinel("cid", NASTY)
        .refresh_request(&RefreshToken::new(NASTY))
        .unwrap();
    assert_form_post(
        &req,
        "https://va.sentinel.liveperson.net/sentinel/api/account/123456/token?v=1.0",
    );
    assert_eq!(
        String::from_utf8(req.body().clone()).unwrap(),
        format!(
            "grant_type=refresh_token&refresh_token={NASTY_ENC}&client_id=cid&client_secret={NASTY_ENC}"
        )
    );
}

#[test]
fn revoke() {
    let req = sentinel("cid", "sec")
        .revoke_request(&RefreshToken::new("r t"))
        .unwrap();
    assert_form_post(
        &req,
        "https://va.sentinel.liveperson.net/sentinel/api/account/123456/token/revoke?v=1.0",
    );
    assert_eq!(req.body(), b"token=r+t&client_id=cid&client_secret=sec");
}

#[test]
fn app_token_v1_body() {
    let req = sentinel(NASTY_ID, NASTY)
        .app_token_request(AppJwtVersion::V1)
        .unwrap();
    assert_form_post(
        &req,
        "https://va.sentinel.liveperson.net/sentinel/api/account/123456/app/token?v=1.0",
    );
    assert_eq!(
        String::from_utf8(req.body().clone()).unwrap(),
        format!("grant_type=client_credentials&client_id={NASTY_ID_ENC}&client_secret={NASTY_ENC}")
    );
}

#[test]
fn app_token_v1_legacy_query_puts_everything_in_the_url() {
    let req = sentinel("cid", NASTY)
        .app_token_request_legacy_query()
        .unwrap();
    assert_form_post(
        &req,
        &format!(
            "https://va.sentinel.liveperson.net/sentinel/api/account/123456/app/token?v=1.0&grant_type=client_credentials&client_id=cid&client_secret={NASTY_ENC}"
        ),
    );
    assert!(req.body().is_empty());
}

#[test]
fn app_token_v2() {
    let req = sentinel("cid", "sec")
        .app_token_request(AppJwtVersion::V2)
        .unwrap();
    assert_form_post(
        &req,
        "https://va.sentinel.liveperson.net/sentinel/api/v2/account/123456/app/token",
    );
    assert_eq!(
        req.body(),
        b"grant_type=client_credentials&client_id=cid&client_secret=sec"
    );
}

#[test]
fn jwks() {
    let req = sentinel("cid", "sec").jwks_request().unwrap();
    assert_eq!(req.method(), Method::GET);
    assert_eq!(
        req.uri(),
        "https://va.sentinel.liveperson.net/sentinel/well-known/jwks"
    );
    assert_eq!(req.headers()["accept"], "application/json");
    assert_eq!(req.headers()["user-agent"], USER_AGENT);
    assert!(req.body().is_empty());
}

#[test]
fn domain_api_both_forms() {
    let api = DomainApi::new(Host::csds(), AccountId::new("123456").unwrap());
    let all = api.all_services_request().unwrap();
    assert_eq!(all.method(), Method::GET);
    assert_eq!(
        all.uri(),
        "https://api.liveperson.net/api/account/123456/service/baseURI.json?version=1.0"
    );
    let one = api.service_request("sentinel").unwrap();
    assert_eq!(
        one.uri(),
        "https://api.liveperson.net/api/account/123456/service/sentinel/baseURI.json?version=1.0"
    );
    assert!(api.service_request("sent/../inel").is_err());
    assert!(api.service_request("").is_err());
    let alt = DomainApi::new(
        Host::parse("adminlogin.liveperson.net").unwrap(),
        AccountId::new("9").unwrap(),
    );
    assert_eq!(
        alt.service_request("idp").unwrap().uri(),
        "https://adminlogin.liveperson.net/api/account/9/service/idp/baseURI.json?version=1.0"
    );
}

#[test]
fn consumer_jws() {
    let req = consumer_jws_request(
        &Host::parse("va.idp.liveperson.net").unwrap(),
        &AccountId::new("123456").unwrap(),
        &AppJwt::new("h.p.s"),
        "ext \"id\" é",
    )
    .unwrap();
    assert_eq!(req.method(), Method::POST);
    assert_eq!(
        req.uri(),
        "https://va.idp.liveperson.net/api/account/123456/consumer?v=1.0"
    );
    assert_eq!(req.headers()["authorization"], "h.p.s");
    assert!(req.headers()["authorization"].is_sensitive());
    assert_eq!(req.headers()["content-type"], "application/json");
    let body: serde_json::Value = serde_json::from_slice(req.body()).unwrap();
    assert_eq!(body, serde_json::json!({"ext_consumer_id": "ext \"id\" é"}));
    assert!(
        consumer_jws_request(
            &Host::parse("x.example").unwrap(),
            &AccountId::new("1").unwrap(),
            &AppJwt::new("bad\nheader"),
            "c"
        )
        .is_err()
    );
}

#[test]
fn authorize_url_encodes_every_value() {
    // A state must be printable ASCII without spaces.
    assert!(State::new(format!("{NASTY}-padding-to-16")).is_err());
    let state = State::new("st&te=+%/0123456789").unwrap();
    let redirect = RedirectUri::new("https://app.example/cb?a=1&b=é").unwrap();
    let url = sentinel(NASTY_ID, "sec")
        .authorize_url(Some(&redirect), &state)
        .unwrap();
    assert_eq!(
        url.as_str(),
        format!(
            "https://va.sentinel.liveperson.net/sentinel/api/account/123456/authorize?v=1.0&response_type=code&client_id={NASTY_ID_ENC}&redirect_uri=https%3A%2F%2Fapp.example%2Fcb%3Fa%3D1%26b%3D%C3%A9&state=st%26te%3D%2B%25%2F0123456789"
        )
    );
    let back: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    assert_eq!(
        back,
        owned(&[
            ("v", "1.0"),
            ("response_type", "code"),
            ("client_id", NASTY_ID),
            ("redirect_uri", "https://app.example/cb?a=1&b=é"),
            ("state", "st&te=+%/0123456789"),
        ])
    );
    assert!(
        !url.as_str().contains("sec"),
        "no secret in the authorize URL"
    );
}

#[test]
fn no_secret_code_or_refresh_token_in_any_url() {
    let secret = "SECRET-MARKER";
    let s = sentinel("cid", secret);
    let code = AuthorizationCode::new("CODE-MARKER");
    let rt = RefreshToken::new("RT-MARKER");
    let reqs = [
        s.exchange_code_request(&code, None).unwrap(),
        s.refresh_request(&rt).unwrap(),
        s.revoke_request(&rt).unwrap(),
        s.app_token_request(AppJwtVersion::V1).unwrap(),
        s.app_token_request(AppJwtVersion::V2).unwrap(),
        s.jwks_request().unwrap(),
    ];
    for r in reqs {
        let uri = r.uri().to_string();
        for marker in ["SECRET-MARKER", "CODE-MARKER", "RT-MARKER"] {
            assert!(!uri.contains(marker), "{marker} in {uri}");
        }
    }
}

#[test]
fn empty_code_and_refresh_token_are_input_errors() {
    let s = sentinel("cid", "sec");
    assert!(matches!(
        s.exchange_code_request(&AuthorizationCode::new(""), None),
        Err(sentinel_proto::Error::Input(_))
    ));
    assert!(s.refresh_request(&RefreshToken::new("")).is_err());
    assert!(s.revoke_request(&RefreshToken::new("")).is_err());
}

#[test]
fn loopback_http_hosts_keep_their_port() {
    let s = Sentinel::new(
        Host::parse("http://127.0.0.1:8080").unwrap(),
        AccountId::new("1").unwrap(),
        ClientId::new("c").unwrap(),
        ClientSecret::new("s"),
    );
    assert_eq!(
        s.jwks_request().unwrap().uri(),
        "http://127.0.0.1:8080/sentinel/well-known/jwks"
    );
}
