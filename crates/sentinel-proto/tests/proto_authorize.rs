//! The authorize step (protocol reference §2.1): the callback parsed into a code or
//! a typed error, the CSRF state checked, and the URL/callback round trip.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use sentinel_proto::{
    AccountId, ClientId, ClientSecret, Error, Host, Sentinel,
    error::OAuthErrorCode,
    user::{CallbackError, RedirectUri, State, parse_callback},
};

const STATE: &str = "0123456789abcdef-STATE";
const CODE: &str = "CODE-MARKER-456";
const SECRET: &str = "SECRET-MARKER-123";

fn state() -> State {
    State::new(STATE).unwrap()
}

/// Parses, and checks that no error shows the code (or the state).
fn parse(callback: &str) -> Result<String, CallbackError> {
    parse_callback(callback, &state())
        .map(|c| {
            assert_eq!(format!("{c:?}"), "AuthorizationCode([redacted])");
            c.secret().to_owned()
        })
        .inspect_err(|e| {
            let wrapped = Error::from(e.clone());
            for shown in [
                e.to_string(),
                format!("{e:?}"),
                wrapped.to_string(),
                format!("{wrapped:?}"),
            ] {
                assert!(!shown.contains(CODE), "{shown}");
                assert!(!shown.contains(STATE), "{shown}");
            }
        })
}

fn authorization_error(callback: &str) -> sentinel_proto::error::OAuthError {
    match parse(callback) {
        Err(CallbackError::Authorization(e)) => e,
        other => panic!("{callback}: {other:?}"),
    }
}

#[test]
fn code_and_state() {
    for cb in [
        format!("https://app.example/cb?code={CODE}&state={STATE}"),
        format!("https://app.example/cb?state={STATE}&code={CODE}"),
        format!("https://app.example:8443/cb/deep?x=1&code={CODE}&session_state=zz&state={STATE}"),
        format!("http://localhost:3000/callback?code={CODE}&state={STATE}"),
        format!("com.example.app://oauth/cb?code={CODE}&state={STATE}"),
        // Path and query only, as a web framework hands it over.
        format!("/cb?code={CODE}&state={STATE}"),
        format!("/?code={CODE}&state={STATE}"),
        format!("?code={CODE}&state={STATE}"),
        // A fragment is not the query.
        format!("https://app.example/cb?code={CODE}&state={STATE}#code=other&state=other"),
    ] {
        assert_eq!(parse(&cb).unwrap(), CODE, "{cb}");
    }
}

#[test]
fn percent_encoded_values_are_decoded() {
    let state = State::new("st&at=e+%x0123456789").unwrap();
    let cb = "https://app.example/cb?code=a%26b%3Dc%2Bd%25e+f%20%C3%A9%E6%97%A5%E6%9C%AC\
              &state=st%26at%3De%2B%25x0123456789";
    assert_eq!(
        parse_callback(cb, &state).unwrap().secret(),
        "a&b=c+d%e f é日本"
    );
    // An encoded parameter name is the same parameter.
    assert_eq!(
        parse(&format!("/cb?%63ode={CODE}&st%61te={STATE}")).unwrap(),
        CODE
    );
    // A raw '+' in the state is a space, so it does not match.
    assert_eq!(
        parse_callback("/cb?code=c&state=st%26at%3De+%25x0123456789", &state).unwrap_err(),
        CallbackError::StateMismatch
    );
}

#[test]
fn state_mismatch() {
    for cb in [
        format!("/cb?code={CODE}&state=forged-state-value-123"),
        format!("/cb?code={CODE}&state=0123456789abcdef-STATF"),
        format!("/cb?code={CODE}&state=0123456789abcdef-state"),
        format!("/cb?code={CODE}&state=0123456789abcdef-STAT"),
        format!("/cb?code={CODE}&state={STATE}x"),
        format!("/cb?code={CODE}&state="),
        format!("/cb?code={CODE}&state"),
        format!("/cb?code={CODE}&state=%20{STATE}"),
    ] {
        assert_eq!(
            parse(&cb).unwrap_err(),
            CallbackError::StateMismatch,
            "{cb}"
        );
    }
}

#[test]
fn missing_state() {
    for cb in [
        format!("/cb?code={CODE}"),
        format!("https://app.example/cb?code={CODE}&State={STATE}"),
        "https://app.example/cb".to_owned(),
        "/cb?".to_owned(),
        String::new(),
    ] {
        assert_eq!(parse(&cb).unwrap_err(), CallbackError::MissingState, "{cb}");
    }
}

#[test]
fn missing_or_empty_code() {
    for cb in [
        format!("/cb?state={STATE}"),
        format!("/cb?state={STATE}&code="),
        format!("/cb?code&state={STATE}"),
        format!("/cb?Code={CODE}&state={STATE}"),
        format!("/cb?state={STATE}#code={CODE}"),
    ] {
        assert_eq!(parse(&cb).unwrap_err(), CallbackError::MissingCode, "{cb}");
    }
}

#[test]
fn duplicate_parameters() {
    for (cb, name) in [
        (format!("/cb?code={CODE}&code=other&state={STATE}"), "code"),
        (format!("/cb?code={CODE}&code={CODE}&state={STATE}"), "code"),
        (
            format!("/cb?code={CODE}&state={STATE}&state={STATE}"),
            "state",
        ),
        (
            format!("/cb?code={CODE}&state={STATE}&state=forged-state-value"),
            "state",
        ),
        (
            format!("/cb?code={CODE}&state=forged-state-value&state={STATE}"),
            "state",
        ),
        (
            "/cb?error=access_denied&error=server_error".to_owned(),
            "error",
        ),
        (
            "/cb?error=access_denied&error_description=a&error_description=b".to_owned(),
            "error_description",
        ),
        (
            "/cb?error=access_denied&error_uri=a&error_uri=b".to_owned(),
            "error_uri",
        ),
        (format!("/cb?code={CODE}&%63ode=x&state={STATE}"), "code"),
    ] {
        assert_eq!(
            parse(&cb).unwrap_err(),
            CallbackError::Duplicate(name),
            "{cb}"
        );
    }
}

#[test]
fn error_callback_without_state_is_the_servers_error() {
    // Sentinel sends no state on an error redirect.
    let e = authorization_error(
        "https://app.example/cb?error=access_denied&error_description=User%20denied+access",
    );
    assert_eq!(e.code(), &OAuthErrorCode::AccessDenied);
    assert_eq!(e.description(), Some("User denied access"));
    assert_eq!(e.uri(), None);
    assert_eq!(e.to_string(), "access_denied: User denied access");

    let e = authorization_error("/cb?error=server_error");
    assert_eq!(e.code(), &OAuthErrorCode::ServerError);
    assert_eq!(e.description(), None);

    let e = authorization_error(
        "/cb?error=invalid_request&error_description=bad%0Aline&error_uri=https%3A%2F%2Fdocs.example%2Fe",
    );
    assert_eq!(e.code(), &OAuthErrorCode::InvalidRequest);
    // Control characters are removed from server text.
    assert_eq!(e.description(), Some("badline"));
    assert_eq!(e.uri(), Some("https://docs.example/e"));
}

#[test]
fn error_callback_with_matching_state() {
    let e = authorization_error(&format!(
        "/cb?error=temporarily_unavailable&error_description=try%20later&state={STATE}"
    ));
    assert_eq!(e.code(), &OAuthErrorCode::TemporarilyUnavailable);
    assert_eq!(e.description(), Some("try later"));
    // An error wins over a code sent with it.
    let e = authorization_error(&format!(
        "/cb?code={CODE}&error=access_denied&state={STATE}"
    ));
    assert_eq!(e.code(), &OAuthErrorCode::AccessDenied);
    let e = authorization_error(&format!("/cb?error=access_denied&code={CODE}"));
    assert_eq!(e.code(), &OAuthErrorCode::AccessDenied);
}

#[test]
fn error_callback_with_mismatched_state_is_a_state_mismatch() {
    for cb in [
        "/cb?error=access_denied&state=forged-state-value",
        "/cb?error=access_denied&error_description=x&state=",
        "/cb?state=forged-state-value&error=server_error",
    ] {
        assert_eq!(parse(cb).unwrap_err(), CallbackError::StateMismatch, "{cb}");
    }
}

#[test]
fn malformed_error_codes_become_invalid_request() {
    for cb in [
        "/cb?error=&error_description=x",
        "/cb?error=caf%C3%A9",
        "/cb?error=a%22b",
        "/cb?error=a%0Ab",
    ] {
        let e = authorization_error(cb);
        assert_eq!(e.code(), &OAuthErrorCode::InvalidRequest, "{cb}");
        assert_eq!(e.description(), Some("malformed error code"));
    }
    let e = authorization_error("/cb?error=some_custom_error");
    assert_eq!(
        e.code(),
        &OAuthErrorCode::Other("some_custom_error".to_owned())
    );
}

#[test]
fn invalid_callbacks() {
    let long = format!(
        "/cb?code={CODE}&state={STATE}&pad={}",
        "x".repeat(17 * 1024)
    );
    for cb in [
        "http://[::1",
        "https://app.example:99999/cb?code=c",
        "http://",
        &long,
    ] {
        assert_eq!(
            parse(cb).unwrap_err(),
            CallbackError::InvalidUrl,
            "{cb:.40}"
        );
    }
}

#[test]
fn callback_errors_wrap_into_the_crate_error() {
    let e = Error::from(CallbackError::StateMismatch);
    assert!(matches!(e, Error::Callback(CallbackError::StateMismatch)));
    assert_eq!(
        e.to_string(),
        "the callback's state does not match the one sent"
    );
    assert!(!e.is_transient());
    assert_eq!(e.status(), None);
    assert_eq!(
        CallbackError::Duplicate("code").to_string(),
        "the callback repeats the parameter `code`"
    );
}

// ---- round trip: authorize URL -> server redirect -> callback ---------------------

fn sentinel() -> Sentinel {
    Sentinel::new(
        Host::parse("va.sentinel.liveperson.net").unwrap(),
        AccountId::new("123456").unwrap(),
        ClientId::new("cid&x=1+2%3é日本").unwrap(),
        ClientSecret::new(SECRET),
    )
}

/// What Sentinel does on success: redirect to `redirect_uri` with `code` and the
/// `state` it received, appended to the redirect URI's own query.
fn server_redirect(authorize: &url::Url, code: &str) -> String {
    let pairs: Vec<(String, String)> = authorize.query_pairs().into_owned().collect();
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let mut back = url::Url::parse(&get("redirect_uri").unwrap()).unwrap();
    back.query_pairs_mut()
        .append_pair("code", code)
        .append_pair("state", &get("state").unwrap());
    back.to_string()
}

#[test]
fn authorize_then_callback_round_trip() {
    let s = sentinel();
    for state in [
        sentinel_testkit::random_state(),
        State::new("st&at=e+%x0123456789").unwrap(),
        State::new("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~").unwrap(),
    ] {
        for redirect in [
            "https://app.example/cb",
            "https://app.example/cb?next=/a&b=c+d%20é日本",
        ] {
            let redirect = RedirectUri::new(redirect).unwrap();
            let url = s.authorize_url(Some(&redirect), &state).unwrap();
            assert!(!url.as_str().contains(SECRET));
            for code in [CODE, "a&b=c+d%e f é日本"] {
                let cb = server_redirect(&url, code);
                assert_eq!(parse_callback(&cb, &state).unwrap().secret(), code, "{cb}");
                // The same callback against another state is refused.
                let other = sentinel_testkit::random_state();
                assert_eq!(
                    parse_callback(&cb, &other).unwrap_err(),
                    CallbackError::StateMismatch
                );
            }
        }
    }
}
