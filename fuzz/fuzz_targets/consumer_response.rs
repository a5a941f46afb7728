//! `parse_consumer_jws_response` (`{"token":"<ConsumerJWS>"}`) on a structured response.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sentinel_fuzz::{MARKER, checks, response::FuzzResponse};

fuzz_target!(|input: FuzzResponse| {
    let resp = input.build();
    let result = sentinel_proto::parse_consumer_jws_response(&resp);
    checks::check_outcome(&resp, &result);
    let expected = checks::expected_answer(&resp, "token", &[], false);
    assert_eq!(result.is_ok(), expected.is_some(), "{result:?}");
    if let (Ok(t), Some(body)) = (&result, &expected) {
        assert_eq!(body["token"], t.secret());
        assert!(!format!("{t:?}").contains(MARKER));
    }
});
