//! Validation tables: Host, RedirectUri, AccountId, ClientId and State, accepted
//! and rejected cases, with the variant of every rejection.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use sentinel_proto::{
    AccountId, ClientId, Host, Scheme,
    error::InputError,
    user::{RedirectUri, State},
};

// ---- Host -----------------------------------------------------------------------

#[test]
fn hosts_accepted() {
    // input, scheme, authority, loopback
    let cases: &[(&str, Scheme, &str, bool)] = &[
        (
            "va.sentinel.liveperson.net",
            Scheme::Https,
            "va.sentinel.liveperson.net",
            false,
        ),
        (
            "VA.Sentinel.LivePerson.NET",
            Scheme::Https,
            "va.sentinel.liveperson.net",
            false,
        ),
        (
            "https://va.sentinel.liveperson.net",
            Scheme::Https,
            "va.sentinel.liveperson.net",
            false,
        ),
        (
            "https://va.sentinel.liveperson.net/",
            Scheme::Https,
            "va.sentinel.liveperson.net",
            false,
        ),
        ("https://host/", Scheme::Https, "host", false),
        (
            "va.sentinel.liveperson.net:8443",
            Scheme::Https,
            "va.sentinel.liveperson.net:8443",
            false,
        ),
        ("https://host:443", Scheme::Https, "host", false),
        ("host:65535", Scheme::Https, "host:65535", false),
        ("host:1", Scheme::Https, "host:1", false),
        ("my-host.example", Scheme::Https, "my-host.example", false),
        ("xn--wgv71a.jp", Scheme::Https, "xn--wgv71a.jp", false),
        ("10.0.0.1", Scheme::Https, "10.0.0.1", false),
        (
            "[2001:db8::1]:444",
            Scheme::Https,
            "[2001:db8::1]:444",
            false,
        ),
        ("[2001:DB8:0:0::1]", Scheme::Https, "[2001:db8::1]", false),
        ("localhost", Scheme::Https, "localhost", true),
        ("127.0.0.1:8080", Scheme::Https, "127.0.0.1:8080", true),
        ("[::1]:8443", Scheme::Https, "[::1]:8443", true),
        ("https://[::1]:8443/", Scheme::Https, "[::1]:8443", true),
        // Plain http, loopback only.
        (
            "http://localhost:8080",
            Scheme::Http,
            "localhost:8080",
            true,
        ),
        (
            "http://LOCALHOST:8080/",
            Scheme::Http,
            "localhost:8080",
            true,
        ),
        ("http://localhost", Scheme::Http, "localhost", true),
        ("http://localhost:80", Scheme::Http, "localhost", true),
        ("http://127.0.0.1", Scheme::Http, "127.0.0.1", true),
        ("http://127.0.0.2", Scheme::Http, "127.0.0.2", true),
        (
            "http://127.255.255.254:1",
            Scheme::Http,
            "127.255.255.254:1",
            true,
        ),
        ("http://[::1]", Scheme::Http, "[::1]", true),
        ("http://[::1]:8080", Scheme::Http, "[::1]:8080", true),
        (
            "http://[0:0:0:0:0:0:0:1]:8080",
            Scheme::Http,
            "[::1]:8080",
            true,
        ),
    ];
    for (input, scheme, authority, loopback) in cases {
        let h = Host::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(h.scheme(), *scheme, "{input}");
        assert_eq!(h.authority(), *authority, "{input}");
        assert_eq!(h.is_loopback(), *loopback, "{input}");
        let base = format!("{}://{authority}", scheme.as_str());
        assert_eq!(h.base_url(), base, "{input}");
        assert_eq!(h.to_string(), base, "{input}");
        // What was accepted re-parses from its own URL to the same host.
        assert_eq!(Host::parse(h.base_url()).unwrap(), h, "{input}");
        assert_eq!(input.parse::<Host>().unwrap(), h, "{input}");
    }
}

#[test]
fn hosts_rejected() {
    let long = format!("{}.example", "a".repeat(300));
    let cases: &[&str] = &[
        "",
        "https://",
        "http://",
        "https:///",
        // plain http to anything but loopback
        "http://10.0.0.1",
        "http://192.168.1.1:8080",
        "http://0.0.0.0",
        "http://example.com",
        "http://va.sentinel.liveperson.net",
        "http://localhost.evil.example",
        "http://127.0.0.1.nip.io",
        "http://[::ffff:127.0.0.1]",
        "http://[::]",
        // other schemes
        "ftp://host",
        "wss://host",
        "file:///etc/passwd",
        "//host",
        // paths, userinfo, query, fragment
        "https://host/path",
        "https://host//",
        "host/",
        "host/path",
        "user@host",
        "user:pw@host",
        "https://user@host",
        "https://user:pw@host/",
        "host@evil.example",
        "host?x=1",
        "https://host?x=1",
        "host#frag",
        "host\\evil",
        // ports
        "host:",
        "https://host:",
        "[::1]:",
        "host:99999",
        "host:65536",
        "host:-1",
        "host:abc",
        "host:80:80",
        // names
        "a..b",
        ".host",
        "host.",
        "http://localhost.",
        "日本.jp",
        "bücher.de",
        "xn--bcher-kva.de\u{0}",
        "::1",
        "[::1",
        "::1]",
        "[127.0.0.1]",
        // whitespace and percent signs
        " host",
        "host ",
        "ho st",
        "host\n",
        "host\t",
        "host%2Ecom",
        "%68ost",
        "[::1%25lo]",
        &long,
    ];
    for input in cases {
        match Host::parse(input) {
            Err(InputError::Host(reason)) => assert!(!reason.is_empty()),
            other => panic!("{input:?}: {other:?}"),
        }
    }
}

#[test]
fn known_hosts_are_what_parsing_their_names_gives() {
    for (known, name) in [
        (Host::americas(), "va.sentinel.liveperson.net"),
        (Host::emea(), "lo.sentinel.liveperson.net"),
        (Host::apac(), "sy.sentinel.liveperson.net"),
        (Host::csds(), "api.liveperson.net"),
    ] {
        assert_eq!(known, Host::parse(name).unwrap());
        assert_eq!(known.base_url(), format!("https://{name}"));
        assert!(!known.is_loopback());
    }
}

#[test]
fn scheme_names() {
    assert_eq!(Scheme::Https.as_str(), "https");
    assert_eq!(Scheme::Http.as_str(), "http");
}

// ---- AccountId ------------------------------------------------------------------

#[test]
fn account_ids() {
    let max = "9".repeat(64);
    for ok in ["123456", "1", "le81823118", "test_acct-1", "ABC", &max] {
        assert_eq!(AccountId::new(ok).unwrap().as_str(), ok);
        assert_eq!(AccountId::new(ok).unwrap().to_string(), ok);
    }
    let too_long = "9".repeat(65);
    for bad in [
        "", &too_long, "12/34", "..", ".", "12.34", "12 34", " 123", "123\n", "12%34", "12?x",
        "12#x", "12&x=1", "é", "١٢٣", "12\\34", "12@34", "12+34",
    ] {
        match AccountId::new(bad) {
            Err(InputError::AccountId(_)) => {}
            other => panic!("{bad:?}: {other:?}"),
        }
    }
}

// ---- ClientId -------------------------------------------------------------------

#[test]
fn client_ids() {
    let max = "c".repeat(256);
    let max_multibyte = "é".repeat(128);
    for ok in [
        "4b3c2d1e-0000-4000-8000-00000000c1d0",
        "x",
        "cid&x=1+2%3é日本",
        "a/b?c#d@e",
        &max,
        &max_multibyte,
    ] {
        assert_eq!(ClientId::new(ok).unwrap().as_str(), ok);
    }
    let too_long = "c".repeat(257);
    let too_long_multibyte = format!("{max_multibyte}a");
    for bad in [
        "",
        &too_long,
        &too_long_multibyte,
        "a b",
        " a",
        "a\tb",
        "a\nb",
        "a\rb",
        "a\u{0}b",
        "a\u{7f}b",
        "a\u{85}b",
        "a\u{a0}b",
        "a\u{2028}b",
        "a\u{3000}b",
    ] {
        match ClientId::new(bad) {
            Err(InputError::ClientId(_)) => {}
            other => panic!("{bad:?}: {other:?}"),
        }
    }
}

// ---- RedirectUri ----------------------------------------------------------------

#[test]
fn redirect_uris() {
    let path = "p".repeat(2048 - "https://app.example/".len());
    let max = format!("https://app.example/{path}");
    assert_eq!(max.len(), 2048);
    for ok in [
        "https://app.example/cb",
        "https://app.example",
        "https://app.example/cb?x=1&y=2",
        "https://app.example/cb?next=/a&b=c+d%20é日本",
        "https://app.example:8443/é/日本",
        "http://localhost:3000/callback",
        "http://127.0.0.1/cb",
        "com.example.app://oauth/cb",
        &max,
    ] {
        // Kept byte for byte: the exchange must send the identical value.
        assert_eq!(RedirectUri::new(ok).unwrap().as_str(), ok);
        assert_eq!(RedirectUri::new(ok).unwrap().to_string(), ok);
    }
    let too_long = format!("{max}p");
    for bad in [
        "",
        &too_long,
        "/cb",
        "cb",
        "app.example/cb",
        "//app.example/cb",
        "https://app.example/cb#frag",
        "https://app.example/cb#",
        "https://app .example/cb",
        "https://app.example/c b",
        " https://app.example/cb",
        "https://app.example/cb\n",
        "https://app.example/cb\t",
        "https://app.example/\u{0}",
        "https://app.example/\u{a0}",
        "javascript:alert(1)",
        "mailto:a@b.example",
        "urn:ietf:wg:oauth:2.0:oob",
        "data:text/html,x",
        "https://[::1/cb",
        "https://app.example:99999/cb",
    ] {
        match RedirectUri::new(bad) {
            Err(InputError::RedirectUri(_)) => {}
            other => panic!("{bad:?}: {other:?}"),
        }
    }
}

// ---- State ----------------------------------------------------------------------

#[test]
fn caller_made_states() {
    let max = "s".repeat(512);
    for ok in [
        "0123456789abcdef",
        "st&at=e+%x0123456789",
        "!\"#$%&'()*+,-./0123456789:;<=>?@[\\]^_`{|}~",
        &max,
    ] {
        let s = State::new(ok).unwrap();
        assert_eq!(s.as_str(), ok);
        assert!(s.matches(ok));
    }
    let too_long = "s".repeat(513);
    for bad in [
        "",
        "0123456789abcde",
        &too_long,
        "0123456789 abcdef",
        "0123456789abcdef\n",
        "\t0123456789abcdef",
        "éééééééééééééééé",
        "0123456789abcdef\u{7f}",
        "日本日本日本日本日本日本",
    ] {
        match State::new(bad) {
            Err(InputError::State(_)) => {}
            other => panic!("{bad:?}: {other:?}"),
        }
    }
}

#[test]
fn states_from_given_bytes_are_deterministic() {
    let zero = State::from_random_bytes([0; 32]);
    assert_eq!(zero.as_str(), "A".repeat(43));
    let ones = State::from_random_bytes([0xff; 32]);
    assert_eq!(ones.as_str(), format!("{}8", "_".repeat(42)));
    let mut bytes = [0u8; 32];
    bytes[0] = 0xfb;
    bytes[1] = 0xff;
    assert!(State::from_random_bytes(bytes).as_str().starts_with("-_8A"));
    assert_eq!(
        State::from_random_bytes(bytes).as_str(),
        State::from_random_bytes(bytes).as_str()
    );
}

#[test]
fn state_matches_only_the_identical_value() {
    let s = State::new("0123456789abcdef").unwrap();
    assert!(s.matches("0123456789abcdef"));
    for other in [
        "",
        "0123456789abcde",
        "0123456789abcdef0",
        "0123456789ABCDEF",
        "0123456789abcdeF",
        " 0123456789abcdef",
        "1123456789abcdef",
        "0123456789abcdef\0",
    ] {
        assert!(!s.matches(other), "{other:?}");
    }
}
