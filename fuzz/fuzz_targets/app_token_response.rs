//! `parse_app_token_response` (AppJWT, V1 and V2) on a structured response.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sentinel_fuzz::{MARKER, checks, response};

fuzz_target!(|data: &[u8]| {
    let Some(resp) = response::from_input(data) else {
        return;
    };
    let result = sentinel_proto::app_token::parse_app_token_response(&resp);
    checks::check_outcome(&resp, &result);
    let expect =
        checks::expected_answer(&resp, checks::APP_TOKEN_FIELDS, "access_token", &[], true);
    if let Some(body) = expect.judge(result.is_ok())
        && let Ok(t) = &result
    {
        assert_eq!(body["access_token"], t.access_token.secret());
        assert_eq!(t.expires_in.map(|d| d.as_secs()), checks::expires_in(body));
    }
    if let Ok(t) = &result {
        assert!(!format!("{t:?}").contains(MARKER));
    }
});
