//! `parse_app_token_response` (AppJWT, V1 and V2) on a structured response.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sentinel_fuzz::{MARKER, checks, response::FuzzResponse};

fuzz_target!(|input: FuzzResponse| {
    let resp = input.build();
    let result = sentinel_proto::parse_app_token_response(&resp);
    checks::check_outcome(&resp, &result);
    let expected = checks::expected_answer(&resp, "access_token", &[], true);
    assert_eq!(result.is_ok(), expected.is_some(), "{result:?}");
    if let (Ok(t), Some(body)) = (&result, &expected) {
        assert_eq!(body["access_token"], t.access_token.secret());
        assert_eq!(t.expires_in.map(|d| d.as_secs()), checks::expires_in(body));
        assert!(!format!("{t:?}").contains(MARKER));
    }
});
