//! `DomainApi::parse_service` and `DomainApi::parse_all_services` on structured
//! answers, for a production, loopback or fuzzed Domain API host.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sentinel_fuzz::domain;

fuzz_target!(|data: &[u8]| {
    let Some((ask, resp)) = domain::from_input(data) else {
        return;
    };
    let api = ask.api();
    let one = api.parse_service(&resp, ask.service());
    domain::check_service(&api, ask.service(), &resp, &one);
    let all = api.parse_all_services(&resp);
    domain::check_all(&api, &resp, &all);
});
