//! `OAuthError::from_json` on any body, and `success_body` on a 4xx/5xx answer.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sentinel_fuzz::{checks, response::FuzzResponse};
use sentinel_proto::{Error, OAuthError, success_body};

fuzz_target!(|input: (u8, FuzzResponse)| {
    let (status, mut input) = input;
    // Error statuses only: 400-499 and 500-599.
    input.status = sentinel_fuzz::response::Status::Any(300 + u16::from(status % 200));
    let resp = input.build();
    let parsed = OAuthError::from_json(resp.body());
    if let Some(e) = &parsed {
        checks::check_oauth_error(e);
        let body = sentinel_fuzz::json::unique_object(resp.body()).expect("an object");
        assert_eq!(body["error"], e.code().as_str());
    }
    let err = success_body(&resp).expect_err("an error status");
    checks::check_error(&resp, &err);
    if resp.body().len() <= sentinel_proto::MAX_BODY_BYTES {
        assert_eq!(matches!(err, Error::OAuth { .. }), parsed.is_some());
    }
});
