//! `Host::parse`, `Host::from_base_uri`, `RedirectUri::new`, `AccountId::new`,
//! `ClientId::new`: an accepted host re-parses from `base_url()` to itself, cannot
//! carry userinfo, path, query or fragment, and is plain http only to loopback.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sentinel_fuzz::checks::{check_base_uri, check_host, check_ids};
use sentinel_proto::{AccountId, ClientId, Host, user::RedirectUri};

fuzz_target!(|s: &str| {
    let parsed = Host::parse(s);
    parsed.iter().for_each(check_host);
    check_base_uri(s, &parsed);
    let redirect = RedirectUri::new(s).ok();
    check_ids(s, redirect, AccountId::new(s).ok(), ClientId::new(s).ok());
});
