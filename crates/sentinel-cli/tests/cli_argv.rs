//! Secrets stay off the command line and out of argument-parser errors:
//! `exchange` reads the code from stdin (`--code -`) or SENTINEL_CODE and refuses
//! one on argv; a token or code typed by mistake is never echoed by a usage
//! error, human or `--json`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use assert_cmd::Command;
use sentinel_mock::{Endpoint, MockHandle};
use sentinel_testkit::cli::{self, Run, sentinel};
use sentinel_testkit::mock;

const SECRET: &str = "CLI-ARGV-SECRET-MARKER-2f4a";
/// Stands for a token or code given on argv; must never be printed.
const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.ARGV-TOKEN-MARKER.c2ln";
const TOKEN2: &str = "ARGV-CODE-MARKER-Zk93";

fn mock() -> MockHandle {
    mock::marked_blocking("cli-client", SECRET)
}

/// Runs; fails if a marker is anywhere in the output.
fn run(c: &mut Command) -> Run {
    cli::run(c, &[SECRET, "ARGV-TOKEN-MARKER", "ARGV-CODE-MARKER"])
}

/// A usage error: exit 2, nothing on stdout; with `--json` one JSON object.
fn usage_error(r: &Run, json: bool) {
    r.usage_error(json);
}

fn app(m: &MockHandle, args: &[&str]) -> Command {
    cli::with_app(m, SECRET, args)
}

#[test]
fn exchange_refuses_a_code_on_argv_without_echoing_it() {
    let m = mock();
    let eq = format!("--code={TOKEN2}");
    for args in [
        vec!["exchange", "--code", TOKEN2],
        vec!["exchange", eq.as_str()],
        vec!["exchange", "--code", TOKEN],
    ] {
        for json in [false, true] {
            let mut c = app(&m, &args);
            if json {
                c.arg("--json");
            }
            let r = run(&mut c);
            usage_error(&r, json);
            assert!(r.stderr.contains("SENTINEL_CODE"), "{r:#?}");
            assert!(r.stderr.contains("--code"), "{r:#?}");
        }
    }
    assert_eq!(m.count(Endpoint::Token), 0);
}

#[test]
fn exchange_code_sources() {
    let m = mock();
    // Neither stdin nor the environment.
    let r = run(&mut app(&m, &["exchange"]));
    usage_error(&r, false);
    assert!(r.stderr.contains("no authorization code"), "{r:#?}");
    // `--code -` with nothing on stdin.
    let mut c = app(&m, &["exchange", "--code", "-"]);
    c.write_stdin("");
    let r = run(&mut c);
    usage_error(&r, false);
    assert!(
        r.stderr.contains("no authorization code on stdin"),
        "{r:#?}"
    );
    // stdin already carries the client secret.
    let mut c = app(&m, &["exchange", "--code", "-", "--client-secret-stdin"]);
    c.env_remove("SENTINEL_CLIENT_SECRET").write_stdin(SECRET);
    let r = run(&mut c);
    usage_error(&r, false);
    assert!(r.stderr.contains("SENTINEL_CODE"), "{r:#?}");
    assert_eq!(m.count(Endpoint::Token), 0);

    // Both sources reach the server (a made-up code: invalid_grant, not echoed).
    let mut c = app(&m, &["exchange", "--code", "-"]);
    c.write_stdin(format!("{TOKEN2}\n"));
    let r = run(&mut c);
    assert_eq!(r.code, 3, "{r:#?}");
    assert!(r.stderr.contains("invalid_grant"), "{r:#?}");
    let mut c = app(&m, &["exchange", "--json"]);
    c.env("SENTINEL_CODE", TOKEN2);
    let r = run(&mut c);
    assert_eq!(r.code, 3, "{r:#?}");
    assert!(r.stderr.contains("invalid_grant"), "{r:#?}");
    // The secret on stdin, the code in the environment.
    let mut c = app(&m, &["exchange", "--client-secret-stdin"]);
    c.env_remove("SENTINEL_CLIENT_SECRET")
        .env("SENTINEL_CODE", TOKEN2)
        .write_stdin(SECRET);
    let r = run(&mut c);
    assert_eq!(r.code, 3, "{r:#?}");
    assert!(r.stderr.contains("invalid_grant"), "{r:#?}");
    assert_eq!(m.count(Endpoint::Token), 3);
}

#[test]
fn parser_errors_never_echo_a_token() {
    let eq_code = format!("--code={TOKEN}");
    let eq_bogus = format!("--bogus={TOKEN}");
    let dash = format!("-{TOKEN2}");
    let lower = "argv-code-marker-lowercase-only";
    let app = ["--account", "1", "--client-id", "c"];
    let cases: Vec<Vec<&str>> = vec![
        // A token where a command belongs.
        vec![TOKEN],
        vec![TOKEN2, "decode"],
        // Extra operands.
        vec!["decode", TOKEN, TOKEN2],
        vec!["decode", "x.y.z", TOKEN],
        vec!["decode", TOKEN, "extra"],
        vec!["verify", TOKEN, "--v1-key", TOKEN2],
        vec!["exchange", TOKEN2],
        [&["exchange"][..], &app, &[TOKEN]].concat(),
        [&["refresh"][..], &app, &[TOKEN2]].concat(),
        [&["app-token"][..], &app, &[lower]].concat(),
        // An unknown flag next to a token or a code.
        vec!["decode", TOKEN, "--bogus"],
        vec!["verify", TOKEN, "--v1-key", "--leway", "5"],
        vec!["exchange", "--code", TOKEN, "--bogus"],
        vec!["exchange", "--code", TOKEN2, "--account"],
        vec!["exchange", eq_code.as_str(), "--bogus"],
        vec!["decode", eq_bogus.as_str()],
        // A code that begins with a dash, read by clap as flags.
        vec!["exchange", "--code", dash.as_str()],
        [&["exchange", "--code", dash.as_str()][..], &app].concat(),
        vec!["decode", dash.as_str()],
        // A flag's value that is a secret, next to another error.
        vec!["mock", "--client-secret", TOKEN2, "--port", "70000"],
        vec!["mock", "--client-secret", TOKEN2, "--bogus"],
        // Everything after `--` is an operand.
        vec!["decode", "--", TOKEN, TOKEN2],
    ];
    for args in cases {
        for json in [false, true] {
            let mut c = sentinel();
            if json {
                // Before the arguments: after `--` it would be an operand.
                c.arg("--json");
            }
            c.args(&args);
            let r = run(&mut c);
            usage_error(&r, json);
            assert!(!r.stderr.contains(lower), "{args:?}: {r:#?}");
            assert!(!r.stderr.contains(&TOKEN2[..10]), "{args:?}: {r:#?}");
        }
    }
}

#[test]
fn parser_errors_still_name_what_is_not_secret() {
    for (args, want) in [
        (vec!["bogus"], "unrecognized subcommand 'bogus'"),
        (
            vec!["decode", TOKEN, "--bogus"],
            "unexpected argument '--bogus'",
        ),
        (
            vec!["decode", TOKEN, TOKEN2],
            "unexpected argument '[redacted]'",
        ),
        (
            vec!["verify", TOKEN, "--v1-key", "--leway", "5"],
            "'--leway'",
        ),
        (
            vec!["verify", TOKEN, "--v1-key", "--leeway", "99999"],
            "invalid value '99999' for '--leeway <SECONDS>'",
        ),
        (
            vec!["mock", "--client-secret", TOKEN2, "--port", "70000"],
            "--port",
        ),
    ] {
        for json in [false, true] {
            let mut c = sentinel();
            c.args(&args);
            if json {
                c.arg("--json");
            }
            let r = run(&mut c);
            usage_error(&r, json);
            assert!(r.stderr.contains(want), "{args:?}: want {want:?}: {r:#?}");
        }
    }
}
