//! `sentinel authorize-url --pkce` and `sentinel exchange` with
//! SENTINEL_CODE_VERIFIER, end to end against the embedded emulator.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use assert_cmd::Command;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sentinel_mock::{Endpoint, MockHandle};
use sentinel_testkit::browser::{self, param};
use sentinel_testkit::cli::{self, Run, located};
use sentinel_testkit::mock;
use serde_json::Value;

const SECRET: &str = "CLI-PKCE-SECRET-MARKER-7c1e";

fn mock() -> MockHandle {
    mock::marked_blocking("cli-client", SECRET)
}

/// Runs; no output ever contains the client secret, and stderr never any of
/// `hidden`.
fn run(c: &mut Command, hidden: &[&str]) -> Run {
    let r = cli::run(c, &[SECRET]);
    for h in hidden {
        assert!(!r.stderr.contains(h), "{h} on stderr: {}", r.stderr);
    }
    r
}

fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(ring::digest::digest(
        &ring::digest::SHA256,
        verifier.as_bytes(),
    ))
}

/// `authorize-url --pkce --json`: (url, state, verifier).
fn authorize_pkce(m: &MockHandle) -> (String, String, String) {
    let mut c = located(m, &["authorize-url", "--pkce", "--json"]);
    let r = run(&mut c, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    (
        v["url"].as_str().unwrap().to_owned(),
        v["state"].as_str().unwrap().to_owned(),
        v["code_verifier"].as_str().unwrap().to_owned(),
    )
}

/// Follows the authorize URL as a browser; the callback's code.
fn code_from_browser(m: &MockHandle, url: &str) -> String {
    browser::code_from(m, url)
}

fn exchange(m: &MockHandle, code: &str, verifier: Option<&str>, json: bool) -> Run {
    let mut c = located(m, &["exchange", "--code", "-"]);
    c.env("SENTINEL_CLIENT_SECRET", SECRET)
        .write_stdin(format!("{code}\n"));
    if json {
        c.arg("--json");
    }
    if let Some(v) = verifier {
        c.env("SENTINEL_CODE_VERIFIER", v);
    }
    let mut hidden = vec![code];
    hidden.extend(verifier);
    run(&mut c, &hidden)
}

#[test]
fn authorize_url_pkce_prints_the_verifier_and_puts_its_challenge_in_the_url() {
    let m = mock();
    let mut c = located(&m, &["authorize-url", "--pkce"]);
    let r = run(&mut c, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", r.stdout);
    let state = lines[1].strip_prefix("state: ").unwrap();
    let verifier = lines[2].strip_prefix("code_verifier: ").unwrap();
    assert_eq!(verifier.len(), 43);
    let url = lines[0];
    assert!(!url.contains(verifier), "{url}");
    assert_eq!(param(url, "state").as_deref(), Some(state));
    assert_eq!(param(url, "code_challenge"), Some(s256(verifier)));
    assert_eq!(param(url, "code_challenge_method").as_deref(), Some("S256"));

    // JSON: the same three, and a new verifier every time.
    let (url, _, v1) = authorize_pkce(&m);
    let (_, _, v2) = authorize_pkce(&m);
    assert_ne!(v1, v2);
    assert_ne!(v1, verifier);
    assert_eq!(param(&url, "code_challenge"), Some(s256(&v1)));

    // Off by default.
    let mut c = located(&m, &["authorize-url", "--json"]);
    let r = run(&mut c, &[]);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(v.get("code_verifier").is_none(), "{v}");
    assert_eq!(param(v["url"].as_str().unwrap(), "code_challenge"), None);
}

#[test]
fn exchange_with_the_right_verifier_gets_tokens() {
    let m = mock();
    let (url, _, verifier) = authorize_pkce(&m);
    let code = code_from_browser(&m, &url);
    let r = exchange(&m, &code, Some(&verifier), true);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["token_type"], "Bearer");
    assert!(v["id_token"].is_string());
    // Human output too.
    let (url, _, verifier) = authorize_pkce(&m);
    let code = code_from_browser(&m, &url);
    let r = exchange(&m, &code, Some(&verifier), false);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.starts_with("access_token: "));
    assert!(!r.stdout.contains(&verifier));
}

#[test]
fn exchange_with_a_wrong_or_missing_verifier_fails_without_echoing_it() {
    let m = mock();
    let (_, _, other) = authorize_pkce(&m);
    for verifier in [Some(other.as_str()), None] {
        for json in [false, true] {
            let (url, _, _) = authorize_pkce(&m);
            let code = code_from_browser(&m, &url);
            let r = exchange(&m, &code, verifier, json);
            assert_eq!(r.code, 3, "{verifier:?}: {}", r.stderr);
            assert!(r.stdout.is_empty());
            assert!(r.stderr.contains("invalid_grant"), "{}", r.stderr);
            assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
        }
    }
    // A verifier for a code issued without a challenge is refused too.
    let mut c = located(&m, &["authorize-url", "--json"]);
    let r = run(&mut c, &[]);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let code = code_from_browser(&m, v["url"].as_str().unwrap());
    let r = exchange(&m, &code, Some(&other), false);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("invalid_grant"), "{}", r.stderr);
}

#[test]
fn a_malformed_verifier_is_a_usage_error_and_nothing_is_sent() {
    let m = mock();
    let before = m.count(Endpoint::Token);
    for bad in [
        "VERIFIER-MARKER-too-short",
        "VERIFIER-MARKER+with+plus+signs+is+not+unreserved+at+all",
    ] {
        for json in [false, true] {
            let r = exchange(&m, "some-code", Some(bad), json);
            assert_eq!(r.code, 2, "{}", r.stderr);
            assert!(r.stderr.contains("SENTINEL_CODE_VERIFIER"), "{}", r.stderr);
            assert!(!r.stderr.contains("VERIFIER-MARKER"), "{}", r.stderr);
        }
    }
    assert_eq!(m.count(Endpoint::Token), before);
}
