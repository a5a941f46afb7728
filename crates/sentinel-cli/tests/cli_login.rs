//! `sentinel login` without a browser: the emulator in auto-consent mode, its
//! redirect followed as a third-party client would (no HTML page), and the
//! callbacks a browser could bring back written by hand. Then the token file of
//! `--save` through `refresh --from` and `revoke --from`. The same flow in a real
//! browser is in `cli_login_browser.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use sentinel_mock::{Endpoint, MockHandle};
use sentinel_testkit::browser::{follow_authorize, get, param};
use sentinel_testkit::cli::{self, Run, login, with_app};
use sentinel_testkit::mock;
use serde_json::Value;

const SECRET: &str = "CLI-LOGIN-SECRET-MARKER-9a4f";

fn mock() -> MockHandle {
    mock::marked_blocking("cli-login-client", SECRET)
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `sentinel <args>` against `m` with the secret; no output holds the secret.
fn run(m: &MockHandle, args: &[&str]) -> Run {
    cli::run(&mut with_app(m, SECRET, args), &[SECRET])
}

#[test]
fn login_follows_the_redirect_without_a_page_and_saves_the_tokens() {
    let m = mock();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tokens.json");
    let l = login(&m, SECRET, &["--json", "--save", file.to_str().unwrap()]);
    // The announcement under --json is JSON, on stderr.
    let announced: Value = serde_json::from_str(&l.first_line).unwrap();
    assert_eq!(announced["authorize_url"], l.url.as_str());
    assert_eq!(announced["timeout_secs"], 300);
    let redirect = l.redirect_uri();
    assert!(redirect.starts_with("http://127.0.0.1:"), "{redirect}");
    assert!(redirect.ends_with("/callback"), "{redirect}");
    assert_ne!(redirect, m.redirect_uri(), "a port of its own");
    assert_eq!(param(&l.url, "state").unwrap().len(), 43, "32 random bytes");
    assert_eq!(
        param(&l.url, "code_challenge"),
        None,
        "no PKCE unless asked"
    );

    let (callback, status, page) = follow_authorize(&l.url);
    let code = param(&callback, "code").unwrap();
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("logged in as <b>demo-user-1</b>"), "{page}");
    assert!(
        !page.contains(&code) && !page.contains(&l.state()),
        "{page}"
    );

    let r = l.finish(&[SECRET, &code]);
    let v = r.json();
    assert!(r.stderr.is_empty(), "{r:#?}");
    assert_eq!(v["claims"]["sub"], "demo-user-1");
    assert_eq!(v["claims"]["aud"], "cli-login-client");
    assert_eq!(v["claims"]["is_lpa"], true);
    assert_eq!(v["claims"]["is_admin"], false);
    assert_eq!(v["saved"], file.to_str().unwrap());
    let rt1 = v["tokens"]["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(v["tokens"]["token_type"], "Bearer");
    assert_eq!(m.count(Endpoint::Token), 1, "exchanged once");

    // The file: 0600, the same tokens, of this account and client.
    assert_eq!(mode(&file), 0o600);
    let saved = read_json(&file);
    assert_eq!(saved["format"], "sentinel-tokens/1");
    assert_eq!(saved["account"], m.account());
    assert_eq!(saved["client_id"], "cli-login-client");
    assert_eq!(saved["refresh_token"], rt1.as_str());
    assert_eq!(saved["access_token"], v["tokens"]["access_token"]);
    assert_eq!(saved["id_token"], v["tokens"]["id_token"]);
    assert!(saved["expires_at"].as_u64().unwrap() > sentinel_testkit::jwt::unix_now());

    // refresh --from: new tokens written back, the old refresh token refused.
    let before = dir.path().join("before-refresh.json");
    std::fs::copy(&file, &before).unwrap();
    let r = run(&m, &["refresh", "--from", file.to_str().unwrap()]);
    r.ok();
    assert!(
        r.stdout.starts_with("refreshed: tokens saved to "),
        "{r:#?}"
    );
    assert!(!r.stdout.contains(&rt1), "no token unless --json");
    let rt2 = read_json(&file)["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(rt2, rt1, "the emulator rotates refresh tokens");
    assert_eq!(mode(&file), 0o600);
    assert_eq!(read_json(&file)["id_token"], saved["id_token"], "kept");
    run(&m, &["refresh", "--from", before.to_str().unwrap()]).fails(3, "invalid_grant");

    // revoke --from: the refresh token is gone from the file and the server.
    let before = dir.path().join("before-revoke.json");
    std::fs::copy(&file, &before).unwrap();
    let r = run(&m, &["revoke", "--from", file.to_str().unwrap(), "--json"]);
    assert_eq!(r.json()["revoked"], true);
    assert!(read_json(&file).get("refresh_token").is_none());
    run(&m, &["refresh", "--from", file.to_str().unwrap()]).fails(2, "holds no refresh token");
    run(&m, &["refresh", "--from", before.to_str().unwrap()]).fails(3, "invalid_grant");
}

#[test]
fn login_with_pkce_sends_a_challenge_and_shows_the_claims() {
    let m = mock();
    let l = login(&m, SECRET, &["--pkce"]);
    assert!(
        l.first_line
            .starts_with("Open this URL in a browser to log in (waiting 300 s): http://127.0.0.1:"),
        "{}",
        l.first_line
    );
    assert_eq!(
        param(&l.url, "code_challenge_method").as_deref(),
        Some("S256")
    );
    assert_eq!(param(&l.url, "code_challenge").unwrap().len(), 43);
    let (callback, status, _) = follow_authorize(&l.url);
    assert_eq!(status, 200);
    let code = param(&callback, "code").unwrap();
    let r = l.finish(&[SECRET, &code]);
    r.ok();
    // Claims only: no token is printed or kept without --json or --save.
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "logged in as demo-user-1",
            "sub: demo-user-1",
            "aud: cli-login-client",
            "iss: sentinel",
            lines[4],
            "is_admin: false",
            "is_lpa: true",
            "tokens not kept: pass --save FILE (or --json) to keep them",
        ],
        "{r:#?}"
    );
    assert!(lines[4].starts_with("exp: "), "{r:#?}");
    assert!(!r.stdout.contains("eyJ"), "no JWT on stdout: {r:#?}");
}

#[test]
fn a_port_in_use_is_exit_8() {
    let m = mock();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    run(&m, &["login", "--no-open", "--port", &port]).fails(8, "the port is in use");
}

#[test]
fn a_fixed_port_is_the_redirect_uri_port() {
    let m = mock();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let l = login(
        &m,
        SECRET,
        &[
            "--port",
            &port.to_string(),
            "--redirect-path",
            "/cb/sentinel",
        ],
    );
    assert_eq!(
        l.redirect_uri(),
        format!("http://127.0.0.1:{port}/cb/sentinel")
    );
    // Any other path of the listener is a 404 and does not end the wait.
    let (status, _, _) = get(&format!("http://127.0.0.1:{port}/favicon.ico"));
    assert_eq!(status, 404);
    // The emulator registers /callback only: its refusal is an HTML 400, not a
    // redirect; the login then times out (not waited for here).
    let (status, location, _) = get(&l.url);
    assert_eq!((status, location), (400, None));
    let mut l = l;
    l.kill();
}

#[test]
fn no_callback_before_the_timeout_is_exit_5_and_the_port_is_closed() {
    let m = mock();
    let l = login(&m, SECRET, &["--timeout", "1"]);
    let redirect = l.redirect_uri();
    let r = l.finish(&[SECRET]);
    r.fails(5, "no callback from the browser within 1 s");
    assert!(
        std::net::TcpStream::connect(
            redirect
                .trim_start_matches("http://")
                .trim_end_matches("/callback")
        )
        .is_err(),
        "listener closed"
    );
    assert_eq!(m.count(Endpoint::Token), 0);
}

#[test]
fn an_error_callback_is_exit_6_and_nothing_is_exchanged() {
    let m = mock();
    // The emulator's own error redirect: an unsupported response_type.
    let l = login(&m, SECRET, &[]);
    let url = l.url.replace("response_type=code", "response_type=token");
    let (_, status, page) = follow_authorize(&url);
    assert_eq!(status, 400);
    assert!(page.contains("Login failed"), "{page}");
    assert!(page.contains("unsupported_response_type"), "{page}");
    l.finish(&[SECRET]).fails(6, "login refused: ");

    // A denial as a server sends it, with a description.
    let l = login(&m, SECRET, &[]);
    let cb = format!(
        "{}?error=access_denied&error_description=the+user+said+no&state={}",
        l.redirect_uri(),
        l.state()
    );
    let (status, _, page) = get(&cb);
    assert_eq!(status, 400);
    assert!(page.contains("access_denied"), "{page}");
    l.finish(&[SECRET])
        .fails(6, "access_denied: the user said no");
    assert_eq!(m.count(Endpoint::Token), 0);
}

#[test]
fn a_callback_with_another_state_is_exit_7_and_its_code_is_not_exchanged() {
    let m = mock();
    let l = login(&m, SECRET, &[]);
    let forged = "forged-state-0123456789-abcdefghijklmnopqrs";
    let cb = format!("{}?code=stolen-code-xyz&state={forged}", l.redirect_uri());
    let (status, _, page) = get(&cb);
    assert_eq!(status, 400);
    assert!(page.contains("does not match"), "{page}");
    assert!(
        !page.contains("stolen-code-xyz") && !page.contains(forged),
        "{page}"
    );
    let r = l.finish(&[SECRET, "stolen-code-xyz", forged]);
    r.fails(7, "state does not match the one sent (possible CSRF)");
    assert_eq!(m.count(Endpoint::Token), 0);

    // No state at all, and no code: exit 7 too.
    let l = login(&m, SECRET, &[]);
    let (status, _, _) = get(&format!("{}?code=c", l.redirect_uri()));
    assert_eq!(status, 400);
    l.finish(&[SECRET])
        .fails(7, "bad callback: the callback has no state");
    let l = login(&m, SECRET, &[]);
    get(&format!("{}?state={}", l.redirect_uri(), l.state()));
    l.finish(&[SECRET]).fails(7, "neither a code nor an error");
    assert_eq!(m.count(Endpoint::Token), 0);
}

#[cfg(unix)]
#[test]
fn token_files_open_to_others_are_refused_before_anything_starts() {
    use std::os::unix::fs::PermissionsExt as _;
    let m = mock();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.json");
    std::fs::write(&file, "{}").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let f = file.to_str().unwrap();
    run(&m, &["login", "--no-open", "--save", f]).fails(2, "open to group or others (mode 0644)");
    run(&m, &["refresh", "--from", f]).fails(2, "open to group or others");
    run(&m, &["revoke", "--from", f]).fails(2, "open to group or others");
    assert_eq!(m.count(Endpoint::Authorize), 0);
    let missing = dir.path().join("no-such-dir").join("t.json");
    run(
        &m,
        &["login", "--no-open", "--save", missing.to_str().unwrap()],
    )
    .fails(2, "is not a directory");
    // A private file of another client is refused too.
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::write(
        &file,
        r#"{"format":"sentinel-tokens/1","account":"123456","client_id":"other","token_type":"Bearer","access_token":"a","refresh_token":"r"}"#,
    )
    .unwrap();
    run(&m, &["refresh", "--from", f])
        .fails(2, "not of --account 123456 --client-id cli-login-client");
    assert_eq!(m.count(Endpoint::Token), 0);
}

#[test]
fn login_without_a_secret_is_a_usage_error() {
    let m = mock();
    let mut c = cli::located(&m, &["login", "--no-open"]);
    cli::run(&mut c, &[SECRET]).fails(2, "no client secret");
}

#[test]
fn login_help_documents_flags_file_format_and_exit_codes() {
    let mut c = cli::sentinel();
    c.args(["login", "--help"]);
    let r = cli::run(&mut c, &[]);
    r.ok();
    for needle in [
        "--port <PORT>",
        "--redirect-path <PATH>",
        "--pkce",
        "--no-open",
        "--timeout <SECONDS>",
        "--save <FILE>",
        "--json",
        "sentinel-tokens/1",
        "mode 0600",
        "refresh --from FILE",
        "Exit codes:",
        "5 no callback came before --timeout",
        "6 Sentinel sent an error callback",
        "7 the callback does not match the request",
        "8 cannot listen on 127.0.0.1:<port>",
        "its last word",
    ] {
        assert!(
            r.stdout.contains(needle),
            "{needle} not in --help:\n{}",
            r.stdout
        );
    }
}
