//! `success_body` and `parse_revoke_response` with any status, headers (`Retry-After`,
//! `Content-Type`) and body.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sentinel_fuzz::{checks, response};
use sentinel_proto::{
    response::{MAX_BODY_BYTES, success_body},
    user::parse_revoke_response,
};

fuzz_target!(|data: &[u8]| {
    let Some(resp) = response::from_input(data) else {
        return;
    };
    let result = success_body(&resp);
    checks::check_outcome(&resp, &result);
    let ok = resp.status().is_success() && resp.body().len() <= MAX_BODY_BYTES;
    assert_eq!(result.is_ok(), ok);
    if let Ok(body) = result {
        assert_eq!(body, &resp.body()[..]);
    }
    let revoke = parse_revoke_response(&resp);
    assert_eq!(revoke.is_ok(), ok);
    checks::check_outcome(&resp, &revoke);
});
