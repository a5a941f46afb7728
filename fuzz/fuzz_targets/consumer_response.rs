//! `parse_consumer_jws_response` (`{"token":"<ConsumerJWS>"}`) on a structured response.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sentinel_fuzz::{MARKER, checks, response};

fuzz_target!(|data: &[u8]| {
    let Some(resp) = response::from_input(data) else {
        return;
    };
    let result = sentinel_proto::consumer::parse_consumer_jws_response(&resp);
    checks::check_outcome(&resp, &result);
    let expect = checks::expected_answer(&resp, &["token"], "token", &[], false);
    if let Some(body) = expect.judge(result.is_ok())
        && let Ok(t) = &result
    {
        assert_eq!(body["token"], t.secret());
    }
    if let Ok(t) = &result {
        assert!(!format!("{t:?}").contains(MARKER));
    }
});
