//! Regression tests for what the fuzz targets in `fuzz/` found. Each input is in
//! `testdata/fuzz/`; see `fuzz/README.md` for the campaigns.
//!
//! A test marked `#[ignore = "..."]` documents a bug that is reported and not yet
//! fixed: it fails today and must pass once the bug is fixed (then drop the
//! `ignore`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use sentinel_proto::{
    AccountId, Error, Host, app_token::parse_app_token_response,
    consumer::parse_consumer_jws_response, domain::DomainApi, error::OAuthError,
    response::success_body, user::parse_token_response,
};

fn ok(body: &[u8]) -> http::Response<Vec<u8>> {
    http::Response::new(body.to_vec())
}

/// The parse failed as an unusable body (`Error::InvalidBody`).
#[track_caller]
fn assert_unusable<T>(r: &Result<T, Error>) {
    match r {
        Err(Error::InvalidBody { .. }) => {}
        Err(e) => panic!("expected InvalidBody, got {e:?}"),
        Ok(_) => panic!("accepted"),
    }
}

fn status(code: u16, body: &[u8]) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(code)
        .body(body.to_vec())
        .unwrap()
}

/// An answer that is a JSON array instead of an object must be rejected as an
/// unusable body. serde's derived `Deserialize` for structs also accepts a JSON
/// array, matched by position (`jwt::de::MapOnly` guards against this for JWT
/// headers and claims, but the response parsers do not use it), so
/// `["tok"]` is read as `{"token":"tok"}`.
///
/// Found by `fuzz/fuzz_targets/consumer_response.rs` (its body, minimised).
#[test]

fn consumer_jws_answer_that_is_an_array_is_rejected() {
    let body = include_bytes!("../testdata/fuzz/consumer-jws-top-level-array.json");
    let r = parse_consumer_jws_response(&ok(body));
    assert_unusable(&r);
}

/// Same root cause in the token endpoint parsers (`RawToken`): `["at","Bearer",..]`
/// (one element per field) is a token answer with `access_token` "at". Input
/// written by hand after the `consumer_response` crash; the fuzz oracles now skip
/// array bodies until this is fixed.
#[test]

fn token_answer_that_is_an_array_is_rejected() {
    let body = include_bytes!("../testdata/fuzz/token-response-top-level-array.json");
    let t = parse_token_response(&ok(body));
    assert_unusable(&t);
    let a = parse_app_token_response(&ok(body));
    assert_unusable(&a);
}

/// Same bug in `OAuthError::from_json`: `["invalid_grant","code expired"]` becomes
/// an OAuth error, although RFC 6749 §5.2 defines a JSON object. Input written by
/// hand (same root cause as above).
#[test]

fn oauth_error_that_is_an_array_is_not_an_oauth_error() {
    let body = include_bytes!("../testdata/fuzz/oauth-error-top-level-array.json");
    assert_eq!(OAuthError::from_json(body), None);
    let e = success_body(&status(400, body)).unwrap_err();
    assert!(matches!(e, Error::Status { .. }), "{e:?}");
}

/// Same bug in the Domain API parsers (`RawEntry`, and the all-services wrapper):
/// an entry given as `["sentinel","123456","va.sentinel.liveperson.net"]` is read
/// as `{"service":..,"account":..,"baseURI":..}`. Input written by hand (same root
/// cause as above).
#[test]

fn domain_api_entries_that_are_arrays_are_rejected() {
    let api = DomainApi::new(Host::csds(), AccountId::new("123456").unwrap());
    let one = include_bytes!("../testdata/fuzz/domain-service-top-level-array.json");
    let r = api.parse_service(&ok(one), "sentinel");
    assert!(matches!(r, Err(Error::InvalidBody { .. })), "{r:?}");
    let all = include_bytes!("../testdata/fuzz/domain-all-entry-array.json");
    let r = api.parse_all_services(&ok(all));
    assert!(matches!(r, Err(Error::InvalidBody { .. })), "{r:?}");
}

/// A member name with raw control characters (here NUL, and a tab) is not JSON
/// (RFC 8259 §7). Reading member names as bytes (7b8a203) skipped serde_json's
/// check of them, so this answer was accepted.
///
/// Found by `fuzz/fuzz_targets/token_response.rs` and `app_token_response.rs`
/// (the token body of the seed with NULs spliced into `refresh_token`'s name).
#[test]
fn token_answer_with_control_characters_in_a_name_is_rejected() {
    for body in [
        &include_bytes!("../testdata/fuzz/token-response-raw-nul-in-name.json")[..],
        include_bytes!("../testdata/fuzz/token-response-raw-tab-in-name.json"),
    ] {
        let t = parse_token_response(&ok(body));
        assert_unusable(&t);
        let a = parse_app_token_response(&ok(body));
        assert_unusable(&a);
    }
    // The same names without the control characters are fine.
    let clean = br#"{"access_token":"at","token_type":"Bearer","ignoredname":1}"#;
    assert!(parse_token_response(&ok(clean)).is_ok());
}
