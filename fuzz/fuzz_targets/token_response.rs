//! `parse_token_response` (code exchange, refresh) on a structured response.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sentinel_fuzz::{MARKER, checks, response::FuzzResponse};

fuzz_target!(|input: FuzzResponse| {
    let resp = input.build();
    let result = sentinel_proto::parse_token_response(&resp);
    checks::check_outcome(&resp, &result);
    let expected =
        checks::expected_answer(&resp, "access_token", &["refresh_token", "id_token"], true);
    assert_eq!(result.is_ok(), expected.is_some(), "{result:?}");
    if let (Ok(t), Some(body)) = (&result, &expected) {
        assert_eq!(body["access_token"], t.access_token.secret());
        let text = |n: &str| body.get(n).and_then(|v| v.as_str());
        assert_eq!(t.refresh_token.as_ref().map(|r| r.secret()), text("refresh_token"));
        assert_eq!(t.id_token.as_ref().map(|r| r.secret()), text("id_token"));
        assert_eq!(t.expires_in.map(|d| d.as_secs()), checks::expires_in(body));
        assert!(!format!("{t:?}").contains(MARKER));
    }
});
