//! Typed arguments: a bad account id, client id, host or redirect URI, a refused
//! `--alg` or AppJWT version is a usage error of the argument parser (exit 2,
//! JSON with `--json`) that names the flag and the reason, before anything is
//! read or sent; the defaults and the old spellings still hold.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use assert_cmd::Command;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sentinel_mock::{Endpoint, MockHandle};
use sentinel_testkit::cli::{self, Run};
use sentinel_testkit::jwt::b64;
use sentinel_testkit::mock;
use serde_json::Value;

/// The client secret of the tests' emulator: never printed.
const SECRET: &str = "CLI-ARGS-SECRET-MARKER-7c3e";

/// Every command that takes `--account`, `--client-id`, `--domain` and `--csds`.
const APP_COMMANDS: [&str; 5] = [
    "app-token",
    "authorize-url",
    "exchange",
    "refresh",
    "revoke",
];

fn mock() -> MockHandle {
    mock::marked_blocking("cli-client", SECRET)
}

/// The binary with a clean environment and the secret marker in
/// SENTINEL_CLIENT_SECRET (so that a command that got past the parser would
/// have gone on to the network).
fn sentinel() -> Command {
    let mut c = cli::sentinel();
    c.env("SENTINEL_CLIENT_SECRET", SECRET);
    c
}

/// Runs; fails if the secret marker is anywhere in the output.
fn run(c: &mut Command) -> Run {
    cli::run(c, &[SECRET])
}

/// `args` is refused by the argument parser with `message` (clap's first line,
/// without `error: `): human, and as one JSON object with `--json`.
fn parser_refuses(args: &[&str], message: &str) {
    let r = run(sentinel().args(args));
    assert_eq!(r.code, 2, "{args:?}: {r:#?}");
    assert!(r.stdout.is_empty(), "{args:?}: {r:#?}");
    let first = r.stderr.lines().next().unwrap_or_default();
    assert_eq!(first, format!("error: {message}"), "{args:?}: {r:#?}");
    assert!(r.stderr.contains("For more information, try '--help'."));

    let v = run(sentinel().args(args).arg("--json")).json_usage_error();
    // The same message; a refused choice adds what is allowed.
    let got = v["message"].as_str().unwrap();
    assert!(
        got == message || got.starts_with(&format!("{message} [possible values: ")),
        "{args:?} --json: want {message:?}, got {got:?}"
    );
}

#[test]
fn a_bad_account_client_id_or_host_is_exit_2_naming_the_flag() {
    let m = mock();
    let csds = m.base_url();
    let cases: [(&str, &str, &str, &str); 8] = [
        (
            "--account",
            "12/../34",
            "<A>",
            "account id: only letters, digits, '-' and '_' are allowed",
        ),
        (
            "--account",
            "",
            "<A>",
            "account id: must be 1 to 64 characters",
        ),
        (
            "--client-id",
            "my client",
            "<C>",
            "client id: must not contain whitespace or control characters",
        ),
        (
            "--client-id",
            "",
            "<C>",
            "client id: must be 1 to 256 bytes",
        ),
        (
            "--domain",
            "http://example.com",
            "<HOST>",
            "host: plain http is allowed only to a loopback host (127.0.0.0/8, ::1, localhost)",
        ),
        (
            "--domain",
            "ftp://127.0.0.1",
            "<HOST>",
            "host: only https:// and loopback http:// are allowed",
        ),
        (
            "--csds",
            "http://example.com",
            "<HOST>",
            "host: plain http is allowed only to a loopback host (127.0.0.0/8, ::1, localhost)",
        ),
        (
            "--csds",
            "example.com/path",
            "<HOST>",
            "host: a host is host[:port] with no userinfo, path, query or whitespace",
        ),
    ];
    for command in APP_COMMANDS {
        for (flag, bad, value_name, reason) in cases {
            let or_bad = |f: &str, good: &'static str| if f == flag { bad } else { good };
            let mut args = vec![
                command,
                "--account",
                or_bad("--account", "1"),
                "--client-id",
                or_bad("--client-id", "c"),
            ];
            // `--domain` conflicts with an explicit `--csds`: the emulator goes
            // in only when neither host is the bad value.
            match flag {
                "--domain" | "--csds" => args.extend([flag, bad]),
                _ => args.extend(["--csds", &csds]),
            }
            let message = format!("invalid value '{bad}' for '{flag} {value_name}': {reason}");
            parser_refuses(&args, &message);
        }
    }
    // `domain` takes an account and a Domain API, no client id or Sentinel host.
    parser_refuses(
        &["domain", "--account", "1/2", "--csds", &csds],
        "invalid value '1/2' for '--account <A>': account id: only letters, digits, '-' and '_' are allowed",
    );
    parser_refuses(
        &["domain", "--account", "1", "--csds", "http://example.com"],
        "invalid value 'http://example.com' for '--csds <HOST>': host: plain http is allowed only to a loopback host (127.0.0.0/8, ::1, localhost)",
    );
    // Refused before the secret, the code or the refresh token was read, and
    // before anything was sent.
    for e in Endpoint::ALL {
        assert_eq!(m.count(e), 0, "{e:?}");
    }
}

#[test]
fn a_rejected_redirect_uri_names_the_flag_but_not_the_value() {
    // A callback URL pasted in place of the redirect URI: its fragment is
    // refused, and it may carry tokens, so it is not echoed.
    let pasted = "https://app.example/cb#access_token=PASTED-TOKEN-MARKER";
    for command in ["authorize-url", "exchange"] {
        let args = [
            command,
            "--account",
            "1",
            "--client-id",
            "c",
            "--redirect-uri",
            pasted,
        ];
        parser_refuses(
            &args,
            "invalid value '[redacted]' for '--redirect-uri <U>': redirect URI: must not contain a fragment",
        );
        for json in [false, true] {
            let mut c = sentinel();
            c.args(args);
            if json {
                c.arg("--json");
            }
            let r = run(&mut c);
            assert!(!r.stderr.contains("PASTED-TOKEN-MARKER"), "{r:#?}");
        }
    }
}

#[test]
fn alg_hmac_and_none_are_refused_by_the_parser() {
    let token = format!(
        "{}.{}.",
        b64(r#"{"alg":"HS256","typ":"JWT"}"#),
        b64(r#"{"iss":"x"}"#)
    );
    // `--jwks` names a file that does not exist: a refusal that came from the
    // command instead of the parser would be about the file.
    for alg in [
        "HS256", "HS384", "HS512", "none", "None", "NONE", "rs256", "ES256",
    ] {
        parser_refuses(
            &[
                "verify",
                &token,
                "--jwks",
                "/nonexistent/jwks.json",
                "--alg",
                "RS256",
                "--alg",
                alg,
            ],
            &format!("invalid value '{alg}' for '--alg <ALG>'"),
        );
        // The JSON message says what is allowed, as the human one does.
        let r = run(sentinel().args([
            "--json",
            "verify",
            &token,
            "--v1-key",
            &format!("--alg={alg}"),
        ]));
        let v: Value = serde_json::from_str(&r.stderr).unwrap();
        assert_eq!(
            v["message"],
            format!(
                "invalid value '{alg}' for '--alg <ALG>' [possible values: RS256, RS384, RS512]"
            ),
            "{r:#?}"
        );
        let r = run(sentinel().args(["verify", &token, "--v1-key", "--alg", alg]));
        assert!(
            r.stderr
                .contains("  [possible values: RS256, RS384, RS512]\n"),
            "{r:#?}"
        );
    }
    // The help says so too.
    let r = run(sentinel().args(["verify", "--help"]));
    assert_eq!(r.code, 0, "{r:#?}");
    assert!(
        r.stdout.contains("[possible values: RS256, RS384, RS512]"),
        "{r:#?}"
    );
    assert!(r.stdout.contains("HMAC and none are never allowed"));
}

#[test]
fn every_rsa_alg_is_accepted_by_the_parser() {
    // Past the parser: the token is then judged (exit 1), not the arguments.
    let token = format!(
        "{}.{}.c2ln",
        b64(r#"{"alg":"RS512","typ":"JWT"}"#),
        b64(r#"{"iss":"x"}"#)
    );
    let r = run(sentinel().args([
        "verify", &token, "--v1-key", "--alg", "RS256", "--alg", "RS384", "--alg", "RS512",
    ]));
    assert_eq!(r.code, 1, "{r:#?}");
    assert!(r.stderr.starts_with("sentinel: invalid token"), "{r:#?}");
}

#[test]
fn the_default_csds_is_api_liveperson_net() {
    for command in ["domain"].into_iter().chain(APP_COMMANDS) {
        // `-h`: one line per flag, the default on it.
        let r = run(sentinel().args([command, "-h"]));
        assert_eq!(r.code, 0, "{r:#?}");
        let line = r
            .stdout
            .lines()
            .find(|l| l.trim_start().starts_with("--csds <HOST>"))
            .unwrap_or_else(|| panic!("{command}: no --csds in {}", r.stdout));
        assert!(
            line.ends_with("[default: api.liveperson.net]"),
            "{command}: {line}"
        );
    }
}

#[test]
fn v2_still_works_and_so_does_app_jwt_version() {
    let m = mock();
    let coordinates = cli::coordinates(&m);
    let app: Vec<&str> = coordinates.iter().map(String::as_str).collect();
    let kid = |r: &Run| -> Value {
        assert_eq!(r.code, 0, "{r:#?}");
        let header = r.stdout.trim().split('.').next().unwrap();
        let header = URL_SAFE_NO_PAD.decode(header).unwrap();
        serde_json::from_slice::<Value>(&header).unwrap()["kid"].clone()
    };
    let v2_kid = Value::from(m.current_v2_kid());
    let v1_kid = Value::from(sentinel_mock::V1_KID);

    for (flags, want, endpoint) in [
        (vec!["--v2"], &v2_kid, Endpoint::AppTokenV2),
        (
            vec!["--app-jwt-version", "v2"],
            &v2_kid,
            Endpoint::AppTokenV2,
        ),
        (vec!["--app-jwt-version=V2"], &v2_kid, Endpoint::AppTokenV2),
        (
            vec!["--app-jwt-version", "v1"],
            &v1_kid,
            Endpoint::AppTokenV1,
        ),
        (vec![], &v1_kid, Endpoint::AppTokenV1),
    ] {
        m.reset_counters();
        let r = run(sentinel().arg("app-token").args(&app).args(&flags));
        assert_eq!(&kid(&r), want, "{flags:?}: {r:#?}");
        assert_eq!(m.count(endpoint), 1, "{flags:?}");
    }

    m.reset_counters();
    parser_refuses(
        &[&["app-token"][..], &app[..], &["--app-jwt-version", "v3"]].concat(),
        "invalid value 'v3' for '--app-jwt-version <VERSION>'",
    );
    for flags in [
        &["--v2", "--app-jwt-version", "v1"][..],
        &["--v2", "--legacy-query"],
    ] {
        let r = run(sentinel().arg("app-token").args(&app).args(flags));
        assert_eq!(r.code, 2, "{flags:?}: {r:#?}");
        assert!(
            r.stderr.contains("cannot be used with"),
            "{flags:?}: {r:#?}"
        );
    }
    // The value conflict clap cannot see is refused by the command, as a usage
    // error, before the secret goes anywhere.
    let r = run(sentinel().arg("app-token").args(&app).args([
        "--app-jwt-version",
        "v2",
        "--legacy-query",
    ]));
    assert_eq!(r.code, 2, "{r:#?}");
    assert_eq!(
        r.stderr.trim_end(),
        "sentinel: --legacy-query is for AppJWT v1; it cannot be used with --app-jwt-version v2"
    );
    for e in Endpoint::ALL {
        assert_eq!(m.count(e), 0, "{e:?}");
    }
}

#[test]
fn the_shared_flags_keep_their_names_and_conflicts() {
    // `--domain` still conflicts with an explicit `--csds`, in every command
    // that takes both; with the default `--csds` it is fine (no conflict).
    for command in APP_COMMANDS {
        let r = run(sentinel().args([
            command,
            "--account",
            "1",
            "--client-id",
            "c",
            "--domain",
            "127.0.0.1:1",
            "--csds",
            "127.0.0.1:2",
        ]));
        assert_eq!(r.code, 2, "{command}: {r:#?}");
        assert!(
            r.stderr
                .contains("the argument '--domain <HOST>' cannot be used with '--csds <HOST>'"),
            "{command}: {r:#?}"
        );
        let r = run(sentinel().args([command, "--help"]));
        for flag in [
            "--account <A>",
            "--client-id <C>",
            "--domain <HOST>",
            "--csds <HOST>",
            "--allow-domain <DOMAIN>",
        ] {
            assert!(r.stdout.contains(flag), "{command}: {flag}: {}", r.stdout);
        }
    }
    // `domain` asks the Domain API: no client id, no Sentinel host to skip to.
    let r = run(sentinel().args(["domain", "--help"]));
    for flag in ["--account <A>", "--csds <HOST>", "--allow-domain <DOMAIN>"] {
        assert!(r.stdout.contains(flag), "domain: {flag}: {}", r.stdout);
    }
    for flag in ["--client-id", "--domain <HOST>", "--client-secret-stdin"] {
        assert!(!r.stdout.contains(flag), "domain: {flag}: {}", r.stdout);
    }
    // `authorize-url` takes no secret.
    let r = run(sentinel().args(["authorize-url", "--help"]));
    assert!(!r.stdout.contains("--client-secret-stdin"), "{}", r.stdout);
}
