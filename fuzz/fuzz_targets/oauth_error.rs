//! `OAuthError::from_json` on any body, and `success_body` on a 4xx/5xx answer.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sentinel_fuzz::json::Shape;
use sentinel_fuzz::{checks, response};
use sentinel_proto::{Error, OAuthError, success_body};

fuzz_target!(|data: &[u8]| {
    let Some(mut resp) = response::from_input(data) else { return };
    let s = resp.status().as_u16();
    if !(400..600).contains(&s) {
        // Error statuses only: 400-599.
        *resp.status_mut() = http::StatusCode::from_u16(400 + s % 200).unwrap();
    }
    let parsed = OAuthError::from_json(resp.body());
    parsed.iter().for_each(checks::check_oauth_error);
    let read = ["error", "error_description", "error_uri"];
    match (sentinel_fuzz::json::shape(resp.body(), &read), &parsed) {
        (Shape::Object(body), _) => {
            // RFC 6749 §5.2: `error` is a string of printable ASCII but `"` and `\`.
            let code = body.get("error").and_then(|c| c.as_str());
            let valid = code.is_some_and(|c| {
                (1..=128).contains(&c.len()) && c.bytes().all(|b| (0x20..=0x7e).contains(&b) && b != b'"' && b != b'\\')
            });
            assert!(parsed.is_none() || valid);
            assert!(parsed.is_some() || !valid, "a valid OAuth error was not recognised");
            assert_eq!(parsed.as_ref().map(|e| e.code().as_str()), code.filter(|_| valid));
        }
        (Shape::Array, _) => {} // known bug, see tests/fuzz_regressions.rs
        (Shape::Invalid, p) => assert!(p.is_none(), "an OAuth error from a body that is not an object"),
    }
    let err = success_body(&resp).expect_err("an error status");
    checks::check_error(&resp, &err);
    if resp.body().len() <= sentinel_proto::MAX_BODY_BYTES {
        assert_eq!(matches!(err, Error::OAuth { .. }), parsed.is_some());
    }
});
