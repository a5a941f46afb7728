//! `parse_token_response` (code exchange, refresh) on a structured response.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sentinel_fuzz::checks::{TOKEN_FIELDS, check_outcome, expected_answer, expires_in, text};
use sentinel_fuzz::{MARKER, response};

fuzz_target!(|data: &[u8]| {
    let Some(resp) = response::from_input(data) else {
        return;
    };
    let result = sentinel_proto::user::parse_token_response(&resp);
    check_outcome(&resp, &result);
    let optional = ["refresh_token", "id_token"];
    let expect = expected_answer(&resp, TOKEN_FIELDS, "access_token", &optional, true);
    if let (Some(body), Ok(t)) = (expect.judge(result.is_ok()), &result) {
        assert_eq!(text(body, "access_token"), Some(t.access_token.secret()));
        let refresh = t.refresh_token.as_ref().map(|r| r.secret());
        assert_eq!(refresh, text(body, "refresh_token"));
        assert_eq!(
            t.id_token.as_ref().map(|r| r.secret()),
            text(body, "id_token")
        );
        assert_eq!(t.expires_in.map(|d| d.as_secs()), expires_in(body));
        assert!(!format!("{t:?}").contains(MARKER));
    }
});
