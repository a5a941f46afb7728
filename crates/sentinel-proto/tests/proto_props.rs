//! Properties: form bodies round-trip for arbitrary values, secrets stay out of
//! URLs, the callback parser agrees with a model of it, no parser panics on any
//! bytes or JSON-ish body under any status (and each sorts the answer into the
//! right error class), and `Host::parse` accepts only what re-parses to itself.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use http::Response;
use proptest::prelude::*;
use sentinel_proto::{
    AccountId, ApiVersion, AuthorizationCode, ClientId, ClientSecret, Error, Host, RefreshToken,
    Scheme, Sentinel,
    app_token::{AppJwtVersion, parse_app_token_response},
    consumer::parse_consumer_jws_response,
    domain::DomainApi,
    error::OAuthError,
    response::{MAX_BODY_BYTES, success_body},
    user::{
        CallbackError, RedirectUri, State, parse_callback, parse_revoke_response,
        parse_token_response,
    },
};

const CASES: u32 = 256;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: CASES,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---- strategies -----------------------------------------------------------------

/// Arbitrary text, weighted towards the characters form encoding must escape.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~]{0,24}",
        "[&=+% #?/a-zé日本\u{0}\n]{0,16}",
    ]
}

fn client_id() -> impl Strategy<Value = String> {
    text().prop_filter("a valid client id", |s| ClientId::new(s.as_str()).is_ok())
}

fn redirect() -> impl Strategy<Value = String> {
    (
        prop_oneof![
            Just("https://app.example/"),
            Just("http://localhost:3000/cb?"),
            Just("com.example.app://cb/")
        ],
        "[!-~é日本]{0,24}",
    )
        .prop_map(|(base, rest)| format!("{base}{rest}"))
        .prop_filter("a valid redirect URI", |s| {
            RedirectUri::new(s.as_str()).is_ok()
        })
}

fn state() -> impl Strategy<Value = String> {
    "[!-~]{16,40}"
}

fn version() -> impl Strategy<Value = ApiVersion> {
    prop_oneof![Just(ApiVersion::V1_0), Just(ApiVersion::V2_0)]
}

fn any_status() -> impl Strategy<Value = u16> {
    prop_oneof![100u16..=999, Just(200u16), Just(400u16), Just(500u16)]
}

/// JSON values built from the members the parsers read and the values that test
/// them, nested a little.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::{Value, json};
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        prop_oneof![
            Just("Bearer"),
            Just("bearer"),
            Just("mac"),
            Just(""),
            Just("3600"),
            Just("-1"),
            Just("sentinel"),
            Just("idp"),
            Just("123456"),
            Just("invalid_grant"),
            Just("va.sentinel.liveperson.net"),
            Just("127.0.0.1:8080"),
            Just("https://evil.example/x"),
            Just("user@host"),
        ]
        .prop_map(|s| Value::String(s.to_owned())),
        text().prop_map(Value::String),
    ];
    let key = prop_oneof![
        Just("access_token"),
        Just("token_type"),
        Just("refresh_token"),
        Just("id_token"),
        Just("expires_in"),
        Just("token"),
        Just("error"),
        Just("error_description"),
        Just("error_uri"),
        Just("service"),
        Just("account"),
        Just("baseURI"),
        Just("baseURIs"),
        Just("x"),
    ]
    .prop_map(str::to_owned);
    leaf.prop_recursive(3, 24, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// JSON-ish bytes: a JSON value, possibly cut short or with a byte changed.
fn jsonish() -> impl Strategy<Value = Vec<u8>> {
    (
        json_value(),
        any::<prop::sample::Index>(),
        0u8..4,
        any::<u8>(),
    )
        .prop_map(|(v, at, how, byte)| {
            let mut b = serde_json::to_vec(&v).unwrap();
            if !b.is_empty() {
                let i = at.index(b.len());
                match how {
                    0 => b.truncate(i),
                    1 => b[i] = byte,
                    _ => {}
                }
            }
            b
        })
}

// ---- helpers --------------------------------------------------------------------

fn sentinel(client_id: &str, secret: &str, version: ApiVersion) -> Sentinel {
    Sentinel::new(
        Host::parse("va.sentinel.liveperson.net").unwrap(),
        AccountId::new("123456").unwrap(),
        ClientId::new(client_id).unwrap(),
        ClientSecret::new(secret),
    )
    .with_version(version)
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

fn form_enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// `value` in neither the raw URI nor its decoded query.
fn absent_from_uri(uri: &str, value: &str) -> Result<(), TestCaseError> {
    prop_assert!(!uri.contains(value), "{value:?} in {uri}");
    prop_assert!(!uri.contains(&form_enc(value)), "{value:?} in {uri}");
    let query = uri.split_once('?').map_or("", |(_, q)| q);
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        prop_assert!(
            !k.contains(value) && !v.contains(value),
            "{value:?} in {uri}"
        );
    }
    Ok(())
}

fn check_parsers(status: u16, body: &[u8]) -> Result<(), TestCaseError> {
    let resp = Response::builder()
        .status(status)
        .header("retry-after", "7")
        .body(body.to_vec())
        .unwrap();
    let success = resp.status().is_success();
    let too_large = body.len() > MAX_BODY_BYTES;
    let api = DomainApi::new(Host::csds(), AccountId::new("123456").unwrap());

    // success_body: the bytes exactly when 2xx and small enough.
    match success_body(&resp) {
        Ok(b) => {
            prop_assert!(success && !too_large);
            prop_assert_eq!(b, body);
        }
        Err(e) => prop_assert!(!success || too_large, "{e:?}"),
    }
    prop_assert_eq!(parse_revoke_response(&resp).is_ok(), success && !too_large);

    let mut errors = Vec::new();
    match parse_token_response(&resp) {
        Ok(t) => {
            prop_assert!(success);
            prop_assert!(!t.access_token.secret().is_empty());
            prop_assert!(t.refresh_token.is_none_or(|r| !r.secret().is_empty()));
            prop_assert!(t.id_token.is_none_or(|r| !r.secret().is_empty()));
        }
        Err(e) => errors.push(e),
    }
    match parse_app_token_response(&resp) {
        Ok(t) => {
            prop_assert!(success);
            prop_assert!(!t.access_token.secret().is_empty());
        }
        Err(e) => errors.push(e),
    }
    match parse_consumer_jws_response(&resp) {
        Ok(t) => {
            prop_assert!(success);
            prop_assert!(!t.secret().is_empty());
        }
        Err(e) => errors.push(e),
    }
    match api.parse_service(&resp, "sentinel") {
        Ok(h) => {
            prop_assert!(success);
            prop_assert_eq!(h.scheme(), Scheme::Https);
            prop_assert_eq!(Host::parse(h.base_url()).unwrap(), h);
        }
        Err(e) => errors.push(e),
    }
    match api.parse_all_services(&resp) {
        Ok(list) => {
            prop_assert!(success);
            let names: Vec<String> = list.services().map(str::to_owned).collect();
            for name in names.iter().map(String::as_str).chain(["sentinel", "nope"]) {
                match list.host(name) {
                    Ok(h) => {
                        prop_assert_eq!(h.scheme(), Scheme::Https);
                        prop_assert_eq!(Host::parse(h.base_url()).unwrap(), h);
                    }
                    Err(e) => errors.push(e),
                }
            }
        }
        Err(e) => errors.push(e),
    }
    for e in &errors {
        let _ = (e.to_string(), format!("{e:?}"), e.is_transient());
        let class_ok = match e {
            Error::BodyTooLarge { status: s, .. } => too_large && s.as_u16() == status,
            _ if too_large => false,
            Error::InvalidBody { status: s, .. } => success && s.as_u16() == status,
            Error::OAuth {
                status: s,
                retry_after,
                ..
            } => {
                (s.is_client_error() || s.is_server_error())
                    && s.as_u16() == status
                    && retry_after.is_some()
            }
            Error::Status {
                status: s,
                body: b,
                retry_after,
            } => {
                !success
                    && s.as_u16() == status
                    && b.len() == body.len()
                    && retry_after.is_some()
                    // An OAuth error body at 4xx/5xx would have been an OAuth error.
                    && (s.is_redirection()
                        || s.is_informational()
                        || s.as_u16() >= 600
                        || OAuthError::from_json(body).is_none())
            }
            _ => false,
        };
        prop_assert!(
            class_ok,
            "{status} {:?}: {e:?}",
            String::from_utf8_lossy(body)
        );
    }
    Ok(())
}

// ---- properties -----------------------------------------------------------------

proptest! {
    #![proptest_config(config())]

    #[test]
    fn form_bodies_round_trip(
        cid in client_id(),
        secret in text(),
        code in text(),
        refresh in text(),
        redirect in proptest::option::of(redirect()),
        version in version(),
    ) {
        let s = sentinel(&cid, &secret, version);
        let redirect = redirect.map(|r| RedirectUri::new(r).unwrap());

        if code.is_empty() {
            prop_assert!(s.exchange_code_request(&AuthorizationCode::new(""), None).is_err());
        } else {
            let req = s
                .exchange_code_request(&AuthorizationCode::new(code.as_str()), redirect.as_ref())
                .unwrap();
            let mut want = vec![("grant_type", "authorization_code"), ("code", code.as_str())];
            if let Some(r) = &redirect {
                want.push(("redirect_uri", r.as_str()));
            }
            want.extend([("client_id", cid.as_str()), ("client_secret", secret.as_str())]);
            prop_assert_eq!(decode(req.body()), owned(&want));
        }

        if refresh.is_empty() {
            prop_assert!(s.refresh_request(&RefreshToken::new("")).is_err());
            prop_assert!(s.revoke_request(&RefreshToken::new("")).is_err());
        } else {
            let rt = RefreshToken::new(refresh.as_str());
            prop_assert_eq!(
                decode(s.refresh_request(&rt).unwrap().body()),
                owned(&[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", &refresh),
                    ("client_id", &cid),
                    ("client_secret", &secret),
                ])
            );
            prop_assert_eq!(
                decode(s.revoke_request(&rt).unwrap().body()),
                owned(&[("token", &refresh), ("client_id", &cid), ("client_secret", &secret)])
            );
        }

        let creds = owned(&[
            ("grant_type", "client_credentials"),
            ("client_id", &cid),
            ("client_secret", &secret),
        ]);
        for v in [AppJwtVersion::V1, AppJwtVersion::V2, AppJwtVersion::V2Path] {
            prop_assert_eq!(&decode(s.app_token_request(v).unwrap().body()), &creds);
        }
        let legacy = s.app_token_request_legacy_query().unwrap();
        prop_assert!(legacy.body().is_empty());
        let mut legacy_want = owned(&[("v", "1.0")]);
        legacy_want.extend(creds);
        prop_assert_eq!(decode(legacy.uri().query().unwrap().as_bytes()), legacy_want);
    }

    #[test]
    fn authorize_url_round_trips(
        cid in client_id(),
        st in state(),
        redirect in proptest::option::of(redirect()),
        version in version(),
    ) {
        let s = sentinel(&cid, "sec", version);
        let state = State::new(st.as_str()).unwrap();
        let redirect = redirect.map(|r| RedirectUri::new(r).unwrap());
        let url = s.authorize_url(redirect.as_ref(), &state).unwrap();
        let mut want = vec![
            ("v", version.as_str()),
            ("response_type", "code"),
            ("client_id", cid.as_str()),
        ];
        if let Some(r) = &redirect {
            want.push(("redirect_uri", r.as_str()));
        }
        want.push(("state", st.as_str()));
        let got: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        prop_assert_eq!(got, owned(&want));
        prop_assert_eq!(
            url.as_str().split_once('?').unwrap().0,
            "https://va.sentinel.liveperson.net/sentinel/api/account/123456/authorize"
        );
    }

    #[test]
    fn no_secret_code_or_refresh_token_in_any_url(
        cid in client_id(),
        secret in text(),
        code in text(),
        refresh in text(),
        st in state(),
        version in version(),
    ) {
        // Prefixes make the values long enough not to occur in a URL by chance.
        let secret = format!("S3CR3T~{secret}");
        let code = format!("C0D3~{code}");
        let refresh = format!("R3FR3SH~{refresh}");
        let s = sentinel(&cid, &secret, version);
        let state = State::new(st.as_str()).unwrap();
        let redirect = RedirectUri::new("https://app.example/cb").unwrap();
        let uris = [
            s.exchange_code_request(&AuthorizationCode::new(code.as_str()), Some(&redirect))
                .unwrap().uri().to_string(),
            s.refresh_request(&RefreshToken::new(refresh.as_str())).unwrap().uri().to_string(),
            s.revoke_request(&RefreshToken::new(refresh.as_str())).unwrap().uri().to_string(),
            s.app_token_request(AppJwtVersion::V1).unwrap().uri().to_string(),
            s.app_token_request(AppJwtVersion::V2).unwrap().uri().to_string(),
            s.app_token_request(AppJwtVersion::V2Path).unwrap().uri().to_string(),
            s.jwks_request().unwrap().uri().to_string(),
            s.authorize_url(Some(&redirect), &state).unwrap().to_string(),
        ];
        for uri in &uris {
            for value in [&secret, &code, &refresh] {
                absent_from_uri(uri, value)?;
            }
        }
    }

    #[test]
    fn parse_callback_never_panics(cb in any::<String>(), st in state()) {
        let state = State::new(st.as_str()).unwrap();
        if let Ok(code) = parse_callback(&cb, &state) {
            prop_assert!(!code.secret().is_empty());
        }
        let _ = parse_callback(&format!("https://app.example/cb?{cb}"), &state);
        let _ = parse_callback(&format!("/cb?state={st}&{cb}"), &state);
    }

    /// The parser agrees with a model of the rules on callbacks built from the
    /// parameters that matter, in any order, repeated or not.
    #[test]
    fn parse_callback_agrees_with_its_model(
        st in state(),
        params in prop::collection::vec(
            (
                prop_oneof![
                    Just("code"), Just("state"), Just("error"),
                    Just("error_description"), Just("error_uri"), Just("other"),
                ],
                prop_oneof![
                    3 => Just(None),
                    1 => text().prop_map(Some),
                ],
            ),
            0..6,
        ),
        prefix in prop_oneof![
            Just("https://app.example/cb?"),
            Just("/cb?"),
            Just("com.example.app://cb?x=1&"),
        ],
    ) {
        let state = State::new(st.as_str()).unwrap();
        // `None` stands for the expected state, or a fixed good value.
        let pairs: Vec<(&str, String)> = params
            .iter()
            .map(|(k, v)| {
                let v = v.clone().unwrap_or_else(|| match *k {
                    "state" => st.clone(),
                    "error" => "access_denied".to_owned(),
                    _ => "value-1".to_owned(),
                });
                (*k, v)
            })
            .collect();
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())))
            .finish();
        let got = parse_callback(&format!("{prefix}{query}"), &state);

        // The model.
        let mut seen: Vec<&str> = Vec::new();
        let mut duplicate = None;
        for (k, _) in &pairs {
            if *k == "other" {
                continue;
            }
            if seen.contains(k) {
                duplicate = Some(*k);
                break;
            }
            seen.push(k);
        }
        let get = |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str());
        match (duplicate, get("state"), get("error"), get("code")) {
            (Some(d), ..) => prop_assert_eq!(got.unwrap_err(), CallbackError::Duplicate(d)),
            (None, Some(s), ..) if s != st => {
                prop_assert_eq!(got.unwrap_err(), CallbackError::StateMismatch);
            }
            (None, _, Some(_), _) => {
                prop_assert!(matches!(got, Err(CallbackError::Authorization(_))), "{got:?}");
            }
            (None, None, None, _) => prop_assert_eq!(got.unwrap_err(), CallbackError::MissingState),
            (None, Some(_), None, Some(c)) if !c.is_empty() => {
                let code = got.unwrap();
                prop_assert_eq!(code.secret(), c);
            }
            (None, Some(_), None, _) => prop_assert_eq!(got.unwrap_err(), CallbackError::MissingCode),
        }
    }

    #[test]
    fn parsers_never_panic_on_bytes(
        status in any_status(),
        body in prop::collection::vec(any::<u8>(), 0..512),
    ) {
        check_parsers(status, &body)?;
    }

    #[test]
    fn parsers_never_panic_on_jsonish_bodies(status in any_status(), body in jsonish()) {
        check_parsers(status, &body)?;
    }

    #[test]
    fn parsers_handle_bodies_around_the_cap(
        status in any_status(),
        extra in 0usize..3,
        json in json_value(),
    ) {
        let mut body = serde_json::to_vec(&json).unwrap();
        body.resize(MAX_BODY_BYTES - 1 + extra, b' ');
        check_parsers(status, &body)?;
    }

    #[test]
    fn host_parse_never_panics_and_what_it_accepts_reparses(input in any::<String>()) {
        check_host(&input)?;
    }

    #[test]
    fn host_like_strings(
        scheme in prop_oneof![
            Just(""), Just("https://"), Just("http://"), Just("HTTP://"),
            Just("ftp://"), Just("//"),
        ],
        host in prop_oneof![
            "[a-zA-Z0-9.\\-]{0,20}",
            "[0-9.]{0,16}",
            "\\[[0-9a-fA-F:.]{0,20}\\]",
            "(localhost|127\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}|\\[::1\\])",
            "[a-z0-9.:\\[\\]@%/?# \\\\-]{0,24}",
        ],
        port in prop_oneof![
            Just(String::new()),
            Just(":".to_owned()),
            (0u32..100_000).prop_map(|p| format!(":{p}")),
        ],
        tail in prop_oneof![Just(""), Just("/"), Just("//"), Just("/x"), Just("?"), Just("@x")],
    ) {
        check_host(&format!("{scheme}{host}{port}{tail}"))?;
    }
}

fn check_host(input: &str) -> Result<(), TestCaseError> {
    let Ok(h) = Host::parse(input) else {
        return Ok(());
    };
    let again = Host::parse(h.base_url());
    prop_assert_eq!(again.as_ref(), Ok(&h), "{}", input);
    prop_assert_eq!(
        h.base_url(),
        format!("{}://{}", h.scheme().as_str(), h.authority())
    );
    prop_assert_eq!(h.to_string(), h.base_url());
    prop_assert!(
        h.authority()
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b)),
        "{}",
        h.authority()
    );
    prop_assert!(!h.authority().is_empty());
    if h.scheme() == Scheme::Http {
        prop_assert!(h.is_loopback(), "{}", input);
    }
    // The same authority given as a Domain API baseURI is the same host, with the
    // scheme inherited from a loopback-http CSDS only.
    let https = Host::from_base_uri(h.authority(), &Host::csds()).unwrap();
    prop_assert_eq!(https.scheme(), Scheme::Https);
    prop_assert_eq!(https.authority(), h.authority());
    let local = Host::parse("http://127.0.0.1:1").unwrap();
    let via_local = Host::from_base_uri(h.authority(), &local).unwrap();
    prop_assert_eq!(via_local.authority(), h.authority());
    prop_assert_eq!(via_local.scheme() == Scheme::Http, h.is_loopback());
    Ok(())
}
