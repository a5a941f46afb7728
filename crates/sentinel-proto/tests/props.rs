//! Property tests: form bodies round-trip, builders keep secrets out of URLs, and
//! no parser panics on anything.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use sentinel_proto::{
    AccountId, AppJwtVersion, AuthorizationCode, ClientId, ClientSecret, DomainApi, Host,
    OAuthError, RedirectUri, RefreshToken, Sentinel, State, parse_app_token_response,
    parse_callback, parse_consumer_jws_response, parse_revoke_response, parse_token_response,
    success_body,
};

fn sentinel(client_id: &str, secret: &str) -> Option<Sentinel> {
    Some(Sentinel::new(
        Host::parse("va.sentinel.liveperson.net").ok()?,
        AccountId::new("123456").ok()?,
        ClientId::new(client_id).ok()?,
        ClientSecret::new(secret),
    ))
}

fn pairs(body: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(body).unwrap()
}

/// JSON-ish bodies: fragments of real answers glued together.
fn jsonish() -> impl Strategy<Value = Vec<u8>> {
    let atoms = prop_oneof![
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just("[".to_owned()),
        Just("]".to_owned()),
        Just(",".to_owned()),
        Just(":".to_owned()),
        Just("\"access_token\"".to_owned()),
        Just("\"token_type\"".to_owned()),
        Just("\"expires_in\"".to_owned()),
        Just("\"error\"".to_owned()),
        Just("\"baseURIs\"".to_owned()),
        Just("\"baseURI\"".to_owned()),
        Just("\"service\"".to_owned()),
        Just("\"token\"".to_owned()),
        Just("\"Bearer\"".to_owned()),
        Just("null".to_owned()),
        Just("-1".to_owned()),
        Just("1e308".to_owned()),
        Just("\"\\u0000\"".to_owned()),
        "\"[a-z0-9.:/@]{0,12}\"",
        "[0-9]{1,25}",
    ];
    proptest::collection::vec(atoms, 0..40).prop_map(|v| v.concat().into_bytes())
}

fn any_status() -> impl Strategy<Value = u16> {
    100u16..=599
}

fn check_all_parsers(status: u16, body: &[u8]) {
    let resp = http::Response::builder()
        .status(status)
        .header("retry-after", "3")
        .body(body.to_vec())
        .unwrap();
    let _ = parse_token_response(&resp);
    let _ = parse_app_token_response(&resp);
    let _ = parse_revoke_response(&resp);
    let _ = parse_consumer_jws_response(&resp);
    let _ = success_body(&resp);
    let _ = OAuthError::from_json(body);
    let api = DomainApi::new(Host::csds(), AccountId::new("123456").unwrap());
    let _ = api.parse_service(&resp, "sentinel");
    if let Ok(list) = api.parse_all_services(&resp) {
        for s in list.services().map(str::to_owned).collect::<Vec<_>>() {
            if let Ok(h) = list.host(&s) {
                assert!(!h.base_url().contains('@'));
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn form_bodies_round_trip(
        id in "[^\\s\\p{Cc}]{1,40}",
        secret in "\\PC{0,40}",
        code in "\\PC{1,40}",
        path in "[a-z0-9/._~-]{0,20}",
    ) {
        let s = sentinel(&id, &secret).unwrap();
        let redirect = RedirectUri::new(format!("https://app.example/{path}")).unwrap();
        let req = s.exchange_code_request(&AuthorizationCode::new(code.clone()), Some(&redirect)).unwrap();
        let expected = vec![
            ("grant_type".to_owned(), "authorization_code".to_owned()),
            ("code".to_owned(), code.clone()),
            ("redirect_uri".to_owned(), redirect.as_str().to_owned()),
            ("client_id".to_owned(), id.clone()),
            ("client_secret".to_owned(), secret.clone()),
        ];
        prop_assert_eq!(pairs(req.body()), expected);

        let req = s.refresh_request(&RefreshToken::new(code.clone())).unwrap();
        prop_assert_eq!(pairs(req.body())[1].1.clone(), code.clone());
        let req = s.app_token_request(AppJwtVersion::V1).unwrap();
        prop_assert_eq!(pairs(req.body())[2].1.clone(), secret.clone());
    }

    #[test]
    fn no_secret_in_urls_unless_legacy(
        secret in "[A-Za-z0-9]{12,30}",
        code in "[A-Za-z0-9]{12,30}",
    ) {
        let s = sentinel("client", &secret).unwrap();
        let rt = RefreshToken::new(code.clone());
        let reqs = [
            s.exchange_code_request(&AuthorizationCode::new(code.clone()), None).unwrap(),
            s.refresh_request(&rt).unwrap(),
            s.revoke_request(&rt).unwrap(),
            s.app_token_request(AppJwtVersion::V1).unwrap(),
            s.app_token_request(AppJwtVersion::V2).unwrap(),
            s.jwks_request().unwrap(),
        ];
        for r in &reqs {
            let uri = r.uri().to_string();
            prop_assert!(!uri.contains(&secret));
            prop_assert!(!uri.contains(&code));
        }
        let state = State::generate().unwrap();
        prop_assert!(!s.authorize_url(None, &state).unwrap().as_str().contains(&secret));
        let legacy = s.app_token_request_legacy_query().unwrap();
        prop_assert!(legacy.uri().to_string().contains(&secret));
    }

    #[test]
    fn callback_never_panics(url in "\\PC{0,200}") {
        let state = State::new("expected-state-0123").unwrap();
        if let Ok(code) = parse_callback(&url, &state) {
            prop_assert!(!code.secret().is_empty());
        }
    }

    #[test]
    fn callback_structured(
        code in proptest::option::of("[a-zA-Z0-9%+ ]{0,10}"),
        st in proptest::option::of(prop_oneof![Just("expected-state-0123".to_owned()), "[a-z]{0,20}"]),
        err in proptest::option::of("[a-z_\"]{0,12}"),
    ) {
        let mut q = Vec::new();
        if let Some(c) = &code { q.push(format!("code={c}")); }
        if let Some(s) = &st { q.push(format!("state={s}")); }
        if let Some(e) = &err { q.push(format!("error={e}")); }
        let url = format!("https://a.example/cb?{}", q.join("&"));
        let state = State::new("expected-state-0123").unwrap();
        if parse_callback(&url, &state).is_ok() {
            prop_assert_eq!(st.as_deref(), Some("expected-state-0123"));
            prop_assert!(err.is_none());
        }
    }

    #[test]
    fn parsers_never_panic_on_bytes(status in any_status(), body in proptest::collection::vec(any::<u8>(), 0..512)) {
        check_all_parsers(status, &body);
    }

    #[test]
    fn parsers_never_panic_on_jsonish(status in prop_oneof![Just(200u16), Just(400), Just(401), Just(500), any_status()], body in jsonish()) {
        check_all_parsers(status, &body);
    }

    #[test]
    fn hosts_never_panic_and_reparse(input in "\\PC{0,60}") {
        if let Ok(h) = Host::parse(&input) {
            prop_assert_eq!(Host::parse(h.base_url()).unwrap(), h.clone());
            let rest = h.base_url().split_once("://").unwrap().1;
            prop_assert!(!rest.contains(['@', '/', '?', '#', ' ']));
            if h.scheme() == sentinel_proto::Scheme::Http {
                prop_assert!(h.is_loopback());
            }
        }
        let _ = Host::from_base_uri(&input, &Host::csds());
        let _ = RedirectUri::new(input.clone());
        let _ = AccountId::new(input.clone());
        let _ = ClientId::new(input);
    }
}
