//! The `sentinel` binary against a hostile server that echoes everything it
//! receives back in its errors: the `error` member, `error_description`,
//! `error_uri`, an HTML page, a `Content-Type`, a retried 503. No secret the
//! command sent may appear on stdout or stderr, with or without `--json` and
//! `--verbose`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use assert_cmd::Command;
use sentinel_mock::{EchoMode, EchoServer};
use sentinel_testkit::{cli, leak};

/// Secrets with characters that encode differently in forms, URLs and JSON, so
/// that an echo in any of those forms is caught too.
const SECRET: &str = "Echo/Client+Secret=7f3a";
const REFRESH: &str = "Echo/Refresh+Token=91bc";
const CODE: &str = "Echo/Auth+Code=44d0";
const VERIFIER: &str = "Echo.Verifier~0123456789abcdefghijklmnopqrstuvwxyz";

fn sentinel(echo: &EchoServer, args: &[&str]) -> Command {
    let mut c = cli::sentinel();
    c.env("SENTINEL_CLIENT_SECRET", SECRET)
        .env("SENTINEL_REFRESH_TOKEN", REFRESH)
        .env("SENTINEL_CODE", CODE)
        .env("SENTINEL_CODE_VERIFIER", VERIFIER)
        .args(args)
        .args([
            "--account",
            "123456",
            "--client-id",
            "echo-client",
            "--domain",
            &echo.base_url(),
        ]);
    c
}

/// Runs `args` in every output mode against `echo` and checks no secret escapes.
fn check(echo: &EchoServer, args: &[&str]) {
    for flags in [
        &[][..],
        &["--json"][..],
        &["--verbose"][..],
        &["--json", "--verbose"][..],
    ] {
        let mut all: Vec<&str> = args.to_vec();
        all.extend_from_slice(flags);
        let out = sentinel(echo, &all).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{all:?}: {stdout}{stderr}");
        assert!(!stderr.is_empty(), "{all:?}: the failure is reported");
        let secrets = [SECRET, REFRESH, CODE, VERIFIER];
        leak::assert_clean(&format!("{all:?} stdout"), &stdout, &secrets);
        leak::assert_clean(&format!("{all:?} stderr"), &stderr, &secrets);
    }
}

fn every_command(echo: &EchoServer) {
    check(echo, &["app-token"]);
    check(echo, &["app-token", "--legacy-query"]);
    check(echo, &["app-token", "--v2"]);
    check(echo, &["refresh"]);
    check(echo, &["revoke"]);
    // The code from SENTINEL_CODE, the PKCE verifier from SENTINEL_CODE_VERIFIER.
    check(echo, &["exchange"]);
}

#[test]
fn secrets_in_the_description_are_never_printed() {
    let echo = EchoServer::start(EchoMode::Description).unwrap();
    every_command(&echo);
    assert!(echo.requests() > 0);
}

#[test]
fn secrets_in_the_error_member_are_never_printed() {
    let echo = EchoServer::start(EchoMode::ErrorMember).unwrap();
    every_command(&echo);
}

#[test]
fn secrets_in_an_html_page_and_its_content_type_are_never_printed() {
    let echo = EchoServer::start(EchoMode::HtmlPage).unwrap();
    every_command(&echo);
}

#[test]
fn secrets_in_retried_errors_are_never_logged() {
    let echo = EchoServer::start(EchoMode::Transient).unwrap();
    every_command(&echo);
}
