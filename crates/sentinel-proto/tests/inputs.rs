//! Validation tables for every input type, and the authorize callback.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sentinel_proto::{
    AccountId, CallbackError, ClientId, Host, InputError, OAuthErrorCode, RedirectUri, Scheme,
    State, parse_callback,
};

#[test]
fn hosts_accepted() {
    for (input, base, scheme, loopback) in [
        (
            "va.sentinel.liveperson.net",
            "https://va.sentinel.liveperson.net",
            Scheme::Https,
            false,
        ),
        (
            "VA.Sentinel.LivePerson.net",
            "https://va.sentinel.liveperson.net",
            Scheme::Https,
            false,
        ),
        ("host:8443", "https://host:8443", Scheme::Https, false),
        ("https://host/", "https://host", Scheme::Https, false),
        (
            "https://host:9443",
            "https://host:9443",
            Scheme::Https,
            false,
        ),
        (
            "http://localhost:8080",
            "http://localhost:8080",
            Scheme::Http,
            true,
        ),
        ("http://127.0.0.1", "http://127.0.0.1", Scheme::Http, true),
        (
            "http://127.0.0.2:1",
            "http://127.0.0.2:1",
            Scheme::Http,
            true,
        ),
        ("http://[::1]:8080", "http://[::1]:8080", Scheme::Http, true),
        ("[::1]:8443", "https://[::1]:8443", Scheme::Https, true),
        ("10.0.0.1", "https://10.0.0.1", Scheme::Https, false),
    ] {
        let h = Host::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(h.base_url(), base, "{input}");
        assert_eq!(h.scheme(), scheme, "{input}");
        assert_eq!(h.is_loopback(), loopback, "{input}");
        assert_eq!(Host::parse(h.base_url()).unwrap(), h, "{input} re-parses");
    }
}

#[test]
fn hosts_rejected() {
    for input in [
        "",
        "http://10.0.0.1",
        "http://example.com",
        "http://localhost.example.com",
        "ftp://host",
        "user@host",
        "https://user:pw@host",
        "host/path",
        "https://host/path",
        "host?x=1",
        "host#f",
        "host:",
        "host:99999",
        "host:port",
        "a..b",
        ".host",
        "host.",
        "hôst.example",
        "日本.jp",
        " host",
        "host ",
        "ho st",
        "host\t",
        "host%2ecom",
        "host\\evil",
        "[::1",
    ] {
        assert!(Host::parse(input).is_err(), "{input:?} accepted");
    }
    assert!(matches!(
        Host::parse(&"a".repeat(400)),
        Err(InputError::Host(_))
    ));
}

#[test]
fn known_hosts() {
    assert_eq!(
        Host::americas().base_url(),
        "https://va.sentinel.liveperson.net"
    );
    assert_eq!(
        Host::emea().base_url(),
        "https://lo.sentinel.liveperson.net"
    );
    assert_eq!(
        Host::apac().base_url(),
        "https://sy.sentinel.liveperson.net"
    );
    assert_eq!(Host::csds().authority(), "api.liveperson.net");
}

#[test]
fn redirect_uris() {
    for ok in [
        "https://app.example/cb",
        "http://127.0.0.1/callback",
        "https://app.example/cb?x=1&y=2",
        "com.example.app:/oauth",
    ] {
        let r = RedirectUri::new(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
        assert_eq!(r.as_str(), ok, "kept exactly");
    }
    for bad in [
        "",
        "/relative",
        "app.example/cb",
        "https://app.example/cb#frag",
        "https://app.example/c b",
        "https://app.example/cb\n",
        "mailto:a@b",
    ] {
        assert!(RedirectUri::new(bad).is_err(), "{bad:?} accepted");
    }
    assert!(RedirectUri::new(format!("https://a.example/{}", "x".repeat(3000))).is_err());
}

#[test]
fn account_and_client_ids() {
    assert!(AccountId::new("123456").is_ok());
    assert!(AccountId::new("le-test_1").is_ok());
    for bad in ["", "12/34", "12?", "12 34", "é", "..", &"1".repeat(65)] {
        assert!(AccountId::new(bad).is_err(), "{bad:?}");
    }
    assert!(ClientId::new("4b3c2d1e-0000-4000-8000-00000000c1d0").is_ok());
    assert!(ClientId::new("a&b=c").is_ok());
    for bad in ["", "a b", "a\nb", "\t", &"x".repeat(257)] {
        assert!(ClientId::new(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn states() {
    let a = State::generate().unwrap();
    let b = State::generate().unwrap();
    assert_eq!(a.as_str().len(), 43);
    assert_ne!(a.as_str(), b.as_str());
    assert!(a.matches(a.as_str()));
    assert!(!a.matches(b.as_str()));
    assert!(!a.matches(""));
    assert_eq!(
        State::from_random_bytes([7; 32]).as_str(),
        State::from_random_bytes([7; 32]).as_str()
    );
    assert!(State::new("short").is_err());
    assert!(State::new("with space 0123456789").is_err());
    assert!(State::new("x".repeat(513)).is_err());
    assert_eq!(format!("{a:?}"), "State([redacted])");
}

fn state() -> State {
    State::new("expected-state-0123").unwrap()
}

#[test]
fn callback_success_full_url_and_path_only() {
    for url in [
        "https://app.example/cb?code=abc&state=expected-state-0123",
        "http://127.0.0.1/callback?state=expected-state-0123&code=abc&extra=1",
        "/cb?code=abc&state=expected-state-0123",
        "?code=abc&state=expected-state-0123",
    ] {
        assert_eq!(
            parse_callback(url, &state()).unwrap().secret(),
            "abc",
            "{url}"
        );
    }
    let code = parse_callback(
        "https://a.example/cb?code=a%2Bb%20c&state=expected-state-0123",
        &state(),
    )
    .unwrap();
    assert_eq!(code.secret(), "a+b c");
}

#[test]
fn callback_failures() {
    let s = state();
    let cases: &[(&str, CallbackError)] = &[
        (
            "https://a.example/cb?code=abc&state=other-state-000000",
            CallbackError::StateMismatch,
        ),
        ("https://a.example/cb?code=abc", CallbackError::MissingState),
        (
            "https://a.example/cb?state=expected-state-0123",
            CallbackError::MissingCode,
        ),
        (
            "https://a.example/cb?code=&state=expected-state-0123",
            CallbackError::MissingCode,
        ),
        (
            "https://a.example/cb?code=a&code=b&state=expected-state-0123",
            CallbackError::Duplicate("code"),
        ),
        (
            "https://a.example/cb?code=a&state=expected-state-0123&state=expected-state-0123",
            CallbackError::Duplicate("state"),
        ),
        (
            "https://a.example/cb?error=a&error=b",
            CallbackError::Duplicate("error"),
        ),
        (
            "https://a.example/cb?error=access_denied&state=forged-state-xxxxxx",
            CallbackError::StateMismatch,
        ),
        ("http://[broken/cb?code=a", CallbackError::InvalidUrl),
    ];
    for (url, expected) in cases {
        assert_eq!(&parse_callback(url, &s).unwrap_err(), expected, "{url}");
    }
    let long = format!(
        "https://a.example/cb?code={}&state=expected-state-0123",
        "a".repeat(20_000)
    );
    assert_eq!(
        parse_callback(&long, &s).unwrap_err(),
        CallbackError::InvalidUrl
    );
}

#[test]
fn callback_errors_surface_the_server_description() {
    // Sentinel's failure redirect carries no state.
    let e = parse_callback(
        "https://a.example/cb?error=access_denied&error_description=User%20said%20no",
        &state(),
    )
    .unwrap_err();
    let CallbackError::Authorization(err) = e else {
        panic!("{e:?}")
    };
    assert_eq!(err.code(), &OAuthErrorCode::AccessDenied);
    assert_eq!(err.description(), Some("User said no"));
    // With a matching state, the error still wins over any code.
    let e = parse_callback(
        "https://a.example/cb?error=server_error&code=abc&state=expected-state-0123",
        &state(),
    )
    .unwrap_err();
    assert!(matches!(e, CallbackError::Authorization(_)));
    assert!(!format!("{e} {e:?}").contains("abc"));
}

#[test]
fn callback_errors_never_hold_the_code() {
    let e = parse_callback(
        "https://a.example/cb?code=CODE-MARKER&state=wrong-state-0000000",
        &state(),
    )
    .unwrap_err();
    assert!(!format!("{e} {e:?}").contains("CODE-MARKER"));
}
