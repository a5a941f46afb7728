//! `OAuthError::from_json` on any body, and `success_body` on a 4xx/5xx answer.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sentinel_fuzz::{checks, response};
use sentinel_proto::{
    Error,
    error::OAuthError,
    response::{MAX_BODY_BYTES, success_body},
};

fuzz_target!(|data: &[u8]| {
    let Some(mut resp) = response::from_input(data) else {
        return;
    };
    let s = resp.status().as_u16();
    if !(400..600).contains(&s) {
        // Error statuses only: 400-599.
        *resp.status_mut() = http::StatusCode::from_u16(400 + s % 200).unwrap();
    }
    let parsed = OAuthError::from_json(resp.body());
    checks::check_oauth_body(resp.body(), &parsed);
    let err = success_body(&resp).expect_err("an error status");
    checks::check_error(&resp, &err);
    if resp.body().len() <= MAX_BODY_BYTES {
        assert_eq!(matches!(err, Error::OAuth { .. }), parsed.is_some());
    }
});
