//! `Host::parse`, `Host::from_base_uri`, `RedirectUri::new`, `AccountId::new`,
//! `ClientId::new`: an accepted host re-parses from `base_url()` to itself, cannot
//! carry userinfo, path, query or fragment, and is plain http only to loopback.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sentinel_fuzz::checks::check_host;
use sentinel_proto::{AccountId, ClientId, Host, RedirectUri, Scheme};

fuzz_target!(|s: &str| {
    let parsed = Host::parse(s);
    parsed.iter().for_each(check_host);
    let via_https = Host::from_base_uri(s, &Host::csds());
    let via_http = Host::from_base_uri(s, &Host::parse("http://localhost:1").unwrap());
    for (h, http) in [(&via_https, false), (&via_http, true)] {
        let Ok(h) = h else { continue };
        check_host(h);
        assert!(!s.contains("://"));
        assert_eq!(h.scheme() == Scheme::Http, http && h.is_loopback());
    }
    // A bare host[:port] means the same thing to both.
    if !s.contains("://") {
        assert_eq!(via_https, parsed);
    }
    assert_eq!(via_https.is_ok(), via_http.is_ok());
    if let Ok(r) = RedirectUri::new(s) {
        assert_eq!(r.as_str(), s);
        let url = url::Url::parse(s).expect("absolute");
        assert!(url.fragment().is_none() && !s.chars().any(|c| c.is_whitespace() || c.is_control()));
    }
    if let Ok(a) = AccountId::new(s) {
        assert!(a.as_str().bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    }
    if let Ok(c) = ClientId::new(s) {
        assert!(!c.as_str().is_empty() && !c.as_str().chars().any(char::is_whitespace));
    }
});
