//! The `sentinel` binary, run as a user would, against the emulator.
//!
//! Every emulator is in-process on port 0; every command is the built binary.
//! `run` fails any test whose output (stdout or stderr) contains the client secret
//! marker, so every invocation below is also a secrecy check.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStdout, Command as StdCommand, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use assert_cmd::Command;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use sentinel_mock::{DEFAULT_CLIENT_SECRET, Endpoint, Fault, MockHandle};
use sentinel_testkit::cli::{self, Run, sentinel};
use sentinel_testkit::jwt::{
    Hash, KEY_A_DER as PUB_A_DER, KEY_A_PK8 as KEY_A, KEY_B_PK8 as KEY_B, b64,
    fixture as jwt_fixture, sign_input, unix_now as now,
};
use sentinel_testkit::{browser, mock};
use serde_json::Value;

/// The client secret the tests' emulators accept: it must never be printed.
const SECRET: &str = "CLI-SECRET-MARKER-51d2";

fn pub_a_pem() -> String {
    jwt_fixture("test-only-rsa2048-a.pub.pem")
}

/// An emulator whose one client has the secret marker as its secret.
fn mock() -> MockHandle {
    mock_with_secret(SECRET)
}

fn mock_with_secret(secret: &str) -> MockHandle {
    mock::marked_blocking("cli-client", secret)
}

/// `sentinel <args> --account .. --client-id .. --csds <mock>` with the secret
/// marker in SENTINEL_CLIENT_SECRET.
fn with_app(m: &MockHandle, args: &[&str]) -> Command {
    cli::with_app(m, SECRET, args)
}

/// Runs the command; fails if the secret marker is anywhere in its output.
fn run(c: &mut Command) -> Run {
    cli::run(c, &[SECRET])
}

/// An RS256 token signed with test key A.
fn sign(header: &str, claims: &str) -> String {
    sign_input(
        KEY_A,
        Hash::Sha256,
        &format!("{}.{}", b64(header), b64(claims)),
    )
}

/// An HS256 token whose HMAC key is `key` (the public key, in the classic attack).
fn hs256(key: &[u8], claims: &str) -> String {
    let input = format!("{}.{}", b64(r#"{"alg":"HS256","typ":"JWT"}"#), b64(claims));
    let tag = ring::hmac::sign(
        &ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key),
        input.as_bytes(),
    );
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
}

fn good_claims() -> String {
    format!(
        r#"{{"iss":"Sentinel","aud":"le123456","iat":{},"exp":{}}}"#,
        now() - 10,
        now() + 3600
    )
}

/// Standard base64 with `=` padding (a trailing space keeps the JSON valid).
fn padded(json: &str) -> String {
    let mut json = json.to_owned();
    if json.len().is_multiple_of(3) {
        json.push(' ');
    }
    let encoded = STANDARD.encode(json);
    assert!(encoded.ends_with('='));
    encoded
}

const RS256: &str = r#"{"alg":"RS256","typ":"JWT"}"#;

/// A loopback port nothing listens on (just released).
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// The header of a JWT, decoded.
fn jwt_header(token: &str) -> Value {
    let segments: Vec<&str> = token.split('.').collect();
    assert_eq!(segments.len(), 3, "not a JWT: {token}");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(segments[0]).unwrap()).unwrap()
}

// ---------------------------------------------------------------------------
// demo

#[test]
fn demo_prints_one_line_per_step_and_no_secret() {
    let r = run(sentinel().arg("demo"));
    r.ok();
    let steps: Vec<&str> = r.stdout.lines().filter(|l| l.starts_with('[')).collect();
    assert!(steps.len() >= 12, "{}", r.stdout);
    assert!(
        steps.iter().all(|l| l.starts_with("[ ok ]")),
        "{}",
        r.stdout
    );
    for step in [
        "start the Sentinel emulator on loopback",
        "discover the Sentinel host through the Domain API",
        "get an AppJWT (V1) and verify it against the V1 key",
        "get an AppJWT (V2) and verify it against the JWKS",
        "reuse the cached AppJWT",
        "follow the emulator's redirect as a browser would",
        "exchange the code",
        "verify the ID token",
        "refresh the user tokens",
        "revoke the refresh token",
        "the revoked refresh token is refused",
        "ConsumerJWS",
    ] {
        assert_eq!(
            steps.iter().filter(|l| l.contains(step)).count(),
            1,
            "step {step:?} once:\n{}",
            r.stdout
        );
    }
    assert!(
        steps
            .last()
            .unwrap()
            .ends_with("every step did what it should")
    );
    assert!(!r.stdout.contains("FAIL"));
    // No ANSI colour when stdout is not a terminal.
    assert!(!r.stdout.contains('\x1b'));
    for line in r.stdout.lines().chain(r.stderr.lines()) {
        assert!(
            !line.contains(DEFAULT_CLIENT_SECRET),
            "the emulator's secret is printed: {line}"
        );
    }
    // The callback's code is shown redacted.
    assert!(r.stdout.contains("code=[redacted]"), "{}", r.stdout);
}

#[test]
fn demo_json_is_one_ok_object_per_step() {
    let r = run(sentinel().args(["demo", "--json", "--verbose"]));
    r.ok();
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert!(lines.len() >= 12, "{}", r.stdout);
    for l in &lines {
        let v: Value = serde_json::from_str(l).unwrap();
        assert_eq!(v["ok"], true, "{l}");
        assert!(v["step"].as_str().is_some_and(|s| !s.is_empty()), "{l}");
        assert!(v["ms"].as_f64().is_some_and(|ms| ms >= 0.0), "{l}");
    }
    assert!(!r.stdout.contains(DEFAULT_CLIENT_SECRET));
    assert!(!r.stderr.contains(DEFAULT_CLIENT_SECRET), "{}", r.stderr);
}

// ---------------------------------------------------------------------------
// domain

#[test]
fn domain_prints_the_sentinel_host() {
    let m = mock();
    let args = ["domain", "--account", m.account(), "--csds", &m.base_url()];
    let r = run(sentinel().args(args));
    r.ok();
    assert_eq!(r.stdout, format!("{}\n", m.base_url()));
    assert!(r.stderr.is_empty(), "{}", r.stderr);

    let v = run(sentinel().args(args).arg("--json")).json();
    assert_eq!(v["host"], m.host());
    assert_eq!(v["base_url"], m.base_url());
    assert_eq!(v["service"], "sentinel");
    assert_eq!(v["account"], m.account());

    let v = run(sentinel().args(args).args(["--service", "idp", "--json"])).json();
    assert_eq!(v["host"], m.host());
    // Any service of the all-services list, not only Sentinel's and the IdP's.
    for service in ["asyncMessagingEnt", "agentVep"] {
        let v = run(sentinel().args(args).args(["--service", service, "--json"])).json();
        assert_eq!(v["service"], service);
        assert_eq!(v["host"], m.host());
    }
    assert_eq!(m.count(Endpoint::DomainApi), 5);
    // Each asked for the list, never a single service.
    assert!(
        m.request_log()
            .iter()
            .filter(|r| r.endpoint == Endpoint::DomainApi)
            .all(|r| r.path.ends_with("/service/baseURI.json")),
    );
}

#[test]
fn domain_failures_exit_3() {
    let m = mock();
    run(sentinel().args([
        "domain",
        "--account",
        m.account(),
        "--csds",
        &m.base_url(),
        "--service",
        "nope",
    ]))
    .fails(3, "the Domain API lists no service `nope`");
    run(sentinel().args(["domain", "--account", "999", "--csds", &m.base_url()])).fails(3, "404");

    // As JSON on stderr.
    let r = run(sentinel().args([
        "domain",
        "--account",
        m.account(),
        "--csds",
        &m.base_url(),
        "--service",
        "nope",
        "--json",
    ]));
    assert_eq!(r.code, 3);
    assert!(r.stdout.is_empty());
    let v: Value = serde_json::from_str(&r.stderr).unwrap();
    assert_eq!(v["error"], "remote");
    assert_eq!(v["exit_code"], 3);
}

// ---------------------------------------------------------------------------
// app-token

#[test]
fn app_token_v1_v2_and_legacy_query() {
    let m = mock();
    let r = run(&mut with_app(&m, &["app-token"]));
    r.ok();
    assert_eq!(r.stdout.lines().count(), 1);
    let v1 = r.stdout.trim();
    let h = jwt_header(v1);
    assert_eq!(h["alg"], "RS256");
    assert_ne!(h["kid"], m.current_v2_kid());
    assert_eq!(m.count(Endpoint::AppTokenV1), 1);
    // Credentials in the body, not the query string.
    let log = m.request_log();
    let entry = log
        .iter()
        .find(|e| e.endpoint == Endpoint::AppTokenV1)
        .unwrap();
    assert_eq!(entry.method, "POST");
    assert!(entry.params.iter().any(|p| p == "client_secret"));

    let r = run(&mut with_app(&m, &["app-token", "--v2"]));
    r.ok();
    assert_eq!(jwt_header(r.stdout.trim())["kid"], m.current_v2_kid());
    assert_eq!(m.count(Endpoint::AppTokenV2), 1);

    m.reset_counters();
    let v = run(&mut with_app(
        &m,
        &["app-token", "--legacy-query", "--json"],
    ))
    .json();
    assert_eq!(v["token_type"], "Bearer");
    assert!(v["expires_at"].as_u64().unwrap() > now());
    jwt_header(v["access_token"].as_str().unwrap());
    assert_eq!(m.count(Endpoint::AppTokenV1), 1);
}

#[test]
fn app_token_with_domain_skips_discovery() {
    let m = mock();
    let mut c = sentinel();
    c.args([
        "app-token",
        "--account",
        m.account(),
        "--client-id",
        m.client_id(),
        "--domain",
        &m.base_url(),
    ])
    .env("SENTINEL_CLIENT_SECRET", SECRET);
    let r = run(&mut c);
    r.ok();
    jwt_header(r.stdout.trim());
    assert_eq!(m.count(Endpoint::DomainApi), 0, "--domain skips discovery");
    assert_eq!(m.count(Endpoint::AppTokenV1), 1);
}

#[test]
fn app_token_client_secret_sources() {
    let m = mock();
    // Wrong secret: the server says invalid_client.
    let mut c = with_app(&m, &["app-token"]);
    c.env("SENTINEL_CLIENT_SECRET", "wrong");
    run(&mut c).fails(3, "invalid_client");

    // No secret at all: a usage error, before any request.
    m.reset_counters();
    let mut c = with_app(&m, &["app-token"]);
    c.env_remove("SENTINEL_CLIENT_SECRET");
    run(&mut c).fails(2, "SENTINEL_CLIENT_SECRET");
    let mut c = with_app(&m, &["app-token"]);
    c.env("SENTINEL_CLIENT_SECRET", "");
    run(&mut c).fails(2, "SENTINEL_CLIENT_SECRET");
    assert_eq!(m.count(Endpoint::AppTokenV1), 0);

    // From stdin, which wins over the environment.
    let mut c = with_app(&m, &["app-token", "--client-secret-stdin"]);
    c.env("SENTINEL_CLIENT_SECRET", "wrong")
        .write_stdin(format!("{SECRET}\n"));
    jwt_header(run(&mut c).ok().stdout.trim());
    let mut c = with_app(&m, &["app-token", "--client-secret-stdin"]);
    c.write_stdin("");
    run(&mut c).fails(2, "no client secret on stdin");
}

// ---------------------------------------------------------------------------
// authorize-url, exchange, refresh, revoke

#[test]
fn authorize_url_prints_the_url_and_the_state() {
    let m = mock();
    let r = run(&mut cli::located(&m, &["authorize-url"]));
    r.ok();
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", r.stdout);
    let state = lines[1].strip_prefix("state: ").unwrap();
    assert!(state.len() >= 32, "{state}");
    assert!(
        lines[0].starts_with(&format!(
            "{}/sentinel/api/account/{}/authorize?",
            m.base_url(),
            m.account()
        )),
        "{}",
        lines[0]
    );
    assert!(lines[0].contains("response_type=code"));
    assert!(lines[0].contains(&format!("client_id={}", m.client_id())));
    assert!(lines[0].contains(&format!("state={state}")));
    assert!(!lines[0].contains("secret"));

    // A new state every time.
    let (_, other) = authorize(&m, &[]);
    assert_ne!(other, state);
    let (url, _) = authorize(&m, &["--redirect-uri", m.redirect_uri()]);
    assert!(
        url.contains("redirect_uri=http%3A%2F%2F127.0.0.1%2Fcallback"),
        "{url}"
    );
}

/// `authorize-url --json`: (url, state).
fn authorize(m: &MockHandle, extra: &[&str]) -> (String, String) {
    let v = run(sentinel()
        .args([
            "authorize-url",
            "--account",
            m.account(),
            "--client-id",
            m.client_id(),
            "--csds",
            &m.base_url(),
            "--json",
        ])
        .args(extra))
    .json();
    (
        v["url"].as_str().unwrap().to_owned(),
        v["state"].as_str().unwrap().to_owned(),
    )
}

/// Follows the authorize redirect as a browser would (plain HTTP/1.1, no
/// redirect following); returns the code of the callback.
fn code_from_browser(m: &MockHandle) -> String {
    let (url, state) = authorize(m, &[]);
    assert!(url.contains(&format!("state={state}")));
    browser::code_from(m, &url)
}

#[test]
fn exchange_refresh_revoke() {
    let m = mock();
    let code = code_from_browser(&m);
    // The code on stdin (never on the command line: cli_argv.rs).
    let mut c = with_app(&m, &["exchange", "--code", "-", "--json"]);
    c.write_stdin(format!("{code}\n"));
    let v = run(&mut c).json();
    assert_eq!(v["token_type"], "Bearer");
    assert!(!v["access_token"].as_str().unwrap().is_empty());
    assert!(v["expires_in"].as_u64().unwrap() > 0);
    let id = v["id_token"].as_str().unwrap();
    assert_eq!(jwt_header(id)["kid"], sentinel_mock::ID_TOKEN_KID);
    let rt1 = v["refresh_token"].as_str().unwrap().to_owned();

    // The ID token verifies against the emulator's JWKS as issuer `sentinel`.
    let jwks = format!("{}/sentinel/well-known/jwks", m.base_url());
    let claims =
        run(sentinel().args(["verify", id, "--jwks", &jwks, "--iss", "sentinel", "--json"])).json();
    assert_eq!(claims["verified"], true);

    // A code is single use (here from the environment).
    let mut c = with_app(&m, &["exchange"]);
    c.env("SENTINEL_CODE", &code);
    run(&mut c).fails(3, "invalid_grant");

    // Refresh, token from the environment; human output.
    let mut c = with_app(&m, &["refresh"]);
    c.env("SENTINEL_REFRESH_TOKEN", &rt1);
    let r = run(&mut c);
    r.ok();
    assert!(r.stdout.starts_with("access_token: "), "{}", r.stdout);
    let rt2 = r
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("refresh_token: "))
        .unwrap()
        .to_owned();
    assert_ne!(rt2, rt1, "refresh tokens rotate");
    assert!(r.stdout.contains("\nexpires_in: "));

    // Refresh, token from stdin.
    let mut c = with_app(&m, &["refresh", "--json"]);
    c.write_stdin(format!("{rt2}\n"));
    let v = run(&mut c).json();
    let rt3 = v["refresh_token"].as_str().unwrap().to_owned();

    // The rotated-out token is refused, and not echoed.
    let mut c = with_app(&m, &["refresh"]);
    c.env("SENTINEL_REFRESH_TOKEN", &rt2);
    let r = run(&mut c);
    r.fails(3, "invalid_grant");
    assert!(!r.stderr.contains(&rt2));

    // Revoke from stdin; then refreshing it fails.
    let mut c = with_app(&m, &["revoke"]);
    c.write_stdin(rt3.clone());
    assert_eq!(run(&mut c).ok().stdout, "revoked\n");
    assert_eq!(m.count(Endpoint::Revoke), 1);
    let mut c = with_app(&m, &["refresh", "--verbose"]);
    c.env("SENTINEL_REFRESH_TOKEN", &rt3);
    let r = run(&mut c);
    assert_eq!(r.code, 3, "{r:#?}");
    assert!(r.stdout.is_empty());
    assert!(r.stderr.contains("invalid_grant"), "{}", r.stderr);
    assert!(!r.stderr.contains(&rt3), "{}", r.stderr);

    // Revoke as JSON, from the environment (an unknown token is not an error).
    let mut c = with_app(&m, &["revoke", "--json"]);
    c.env("SENTINEL_REFRESH_TOKEN", &rt3);
    assert_eq!(run(&mut c).json()["revoked"], true);
}

#[test]
fn refresh_token_sources() {
    let m = mock();
    // Nothing in the environment and nothing on stdin.
    let mut c = with_app(&m, &["refresh"]);
    c.write_stdin("");
    run(&mut c).fails(2, "no refresh token on stdin");
    // stdin already carries the client secret.
    let mut c = with_app(&m, &["revoke", "--client-secret-stdin"]);
    c.write_stdin(format!("{SECRET}\n"));
    run(&mut c).fails(2, "SENTINEL_REFRESH_TOKEN");
    assert_eq!(m.count(Endpoint::Token) + m.count(Endpoint::Revoke), 0);

    // Both from the right places: secret on stdin, token in the environment.
    let code = code_from_browser(&m);
    let mut c = with_app(&m, &["exchange", "--json"]);
    c.env("SENTINEL_CODE", &code);
    let rt = run(&mut c).json()["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut c = with_app(&m, &["refresh", "--client-secret-stdin", "--json"]);
    c.env_remove("SENTINEL_CLIENT_SECRET")
        .env("SENTINEL_REFRESH_TOKEN", &rt)
        .write_stdin(SECRET);
    assert!(run(&mut c).json()["refresh_token"].is_string());
}

// ---------------------------------------------------------------------------
// decode

#[test]
fn decode_marks_output_unverified() {
    let t = sign(r#"{"alg":"RS256","kid":"k1","typ":"JWT"}"#, &good_claims());
    for r in [
        run(sentinel().args(["decode", &t])),
        run(sentinel()
            .args(["decode", "-"])
            .write_stdin(format!("{t}\n"))),
    ] {
        r.ok();
        assert!(
            r.stdout
                .starts_with("UNVERIFIED: the signature was not checked"),
            "{}",
            r.stdout
        );
        assert!(r.stdout.contains("\"kid\": \"k1\""), "{}", r.stdout);
        assert!(r.stdout.contains("\"iss\": \"Sentinel\""), "{}", r.stdout);
    }
    let v = run(sentinel().args(["decode", "-", "--json"]).write_stdin(t)).json();
    assert_eq!(v["verified"], false);
    assert_eq!(v["header"]["alg"], "RS256");
    assert_eq!(v["claims"]["aud"], "le123456");

    // decode does not check signatures: an unsigned token decodes, UNVERIFIED.
    let none = format!("{}.{}.", b64(r#"{"alg":"none"}"#), b64(good_claims()));
    let r = run(sentinel().args(["decode", &none]));
    assert!(r.ok().stdout.starts_with("UNVERIFIED"));
}

#[test]
fn decode_garbage_exits_2() {
    run(sentinel().args(["decode", "not-a-jwt"])).fails(2, "not a decodable JWT");
    run(sentinel().args(["decode", "a.b.c"])).fails(2, "not a decodable JWT");
    run(sentinel().args(["decode", "-"]).write_stdin("")).fails(2, "no token on stdin");
    let r = run(sentinel().args(["decode", "garbage", "--json"]));
    assert_eq!(r.code, 2);
    let v: Value = serde_json::from_str(&r.stderr).unwrap();
    assert_eq!(v["error"], "usage");
    assert_eq!(v["exit_code"], 2);
}

// ---------------------------------------------------------------------------
// verify

fn verify(token: &str, extra: &[&str]) -> Run {
    run(&mut cli::verify_with_key_a(token, extra))
}

#[test]
fn verify_accepts_a_valid_token() {
    let t = sign(RS256, &good_claims());
    let r = verify(&t, &["--iss", "Sentinel", "--aud", "le123456"]);
    r.ok();
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    let claims: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(claims["iss"], "Sentinel");

    let v = verify(&t, &["--json"]).json();
    assert_eq!(v["verified"], true);
    assert_eq!(v["claims"]["aud"], "le123456");

    // From stdin; PKCS#1 PEM; a JWKS file by kid.
    verify("-", &[]).fails(2, "no token on stdin");
    run(sentinel()
        .args(["verify", "-", "--key", &pub_a_pem()])
        .write_stdin(format!("{t}\n")))
    .ok();
    run(sentinel().args([
        "verify",
        &t,
        "--key",
        &jwt_fixture("test-only-rsa2048-a.pkcs1.pub.pem"),
    ]))
    .ok();
    let with_kid = sign(r#"{"alg":"RS256","kid":"test-a"}"#, &good_claims());
    run(sentinel().args([
        "verify",
        &with_kid,
        "--jwks",
        &jwt_fixture("jwks-mixed.json"),
    ]))
    .ok();

    // --alg allows another RSA algorithm, with a key that does not pin one.
    let rs384 = sign_input(
        KEY_B,
        Hash::Sha384,
        &format!(
            "{}.{}",
            b64(r#"{"alg":"RS384","kid":"test-b"}"#),
            b64(good_claims())
        ),
    );
    let jwks = jwt_fixture("jwks-mixed.json");
    run(sentinel().args(["verify", &rs384, "--jwks", &jwks, "--alg", "RS384"])).ok();
    run(sentinel().args(["verify", &rs384, "--jwks", &jwks]))
        .fails(1, r#"algorithm "RS384" is not allowed"#);
}

#[test]
fn verify_time_checks_and_now() {
    let n = now();
    let expired = sign(
        RS256,
        &format!(r#"{{"iss":"Sentinel","exp":{}}}"#, n - 3600),
    );
    verify(&expired, &[]).fails(1, "invalid token: token expired at");
    verify(&expired, &["--now", &(n - 7200).to_string()]).ok();
    // Within the leeway, and outside a smaller one.
    let just = sign(RS256, &format!(r#"{{"iss":"Sentinel","exp":{}}}"#, n - 30));
    verify(&just, &["--now", &n.to_string()]).ok();
    verify(&just, &["--now", &n.to_string(), "--leeway", "0"]).fails(1, "token expired at");

    let early = sign(
        RS256,
        &format!(
            r#"{{"iss":"Sentinel","nbf":{},"exp":{}}}"#,
            n + 3600,
            n + 7200
        ),
    );
    verify(&early, &[]).fails(1, "not valid before");
    verify(&early, &["--now", &(n + 3700).to_string()]).ok();
}

#[test]
fn verify_rejects_hostile_tokens_with_exit_1() {
    let pem = std::fs::read(pub_a_pem()).unwrap();
    let claims = good_claims();
    let valid = sign(RS256, &claims);
    let segs: Vec<&str> = valid.split('.').collect();
    let jwks = jwt_fixture("jwks-mixed.json");

    let cases: Vec<(&str, String, Vec<&str>, &str)> = vec![
        (
            "alg none",
            format!("{}.{}.", b64(r#"{"alg":"none","typ":"JWT"}"#), b64(&claims)),
            vec![],
            r#"unsigned token (alg "none") rejected"#,
        ),
        (
            "alg none, with --alg RS256",
            format!("{}.{}.", b64(r#"{"alg":"none"}"#), b64(&claims)),
            vec!["--alg", "RS256"],
            r#"alg "none""#,
        ),
        (
            "HS256 keyed with the public key PEM",
            hs256(&pem, &claims),
            vec![],
            r#"HMAC algorithm "HS256" rejected"#,
        ),
        (
            "HS256 keyed with the public key DER",
            hs256(PUB_A_DER, &claims),
            vec![],
            r#"HMAC algorithm "HS256" rejected"#,
        ),
        (
            "unknown kid",
            sign(r#"{"alg":"RS256","kid":"nope"}"#, &claims),
            vec!["--jwks", &jwks],
            r#"no key with kid "nope""#,
        ),
        (
            "kid of a key pinned to another algorithm",
            sign_input(
                KEY_A,
                Hash::Sha384,
                &format!(
                    "{}.{}",
                    b64(r#"{"alg":"RS384","kid":"test-a"}"#),
                    b64(&claims)
                ),
            ),
            vec!["--jwks", &jwks, "--alg", "RS384"],
            "key is for RS256, token says RS384",
        ),
        (
            "signed by another key",
            sign_input(
                KEY_B,
                Hash::Sha256,
                &format!("{}.{}", b64(RS256), b64(&claims)),
            ),
            vec![],
            "signature verification failed",
        ),
        (
            "signed by another key, under a trusted kid",
            sign_input(
                KEY_B,
                Hash::Sha256,
                &format!(
                    "{}.{}",
                    b64(r#"{"alg":"RS256","kid":"test-a"}"#),
                    b64(&claims)
                ),
            ),
            vec!["--jwks", &jwks],
            "signature verification failed",
        ),
        (
            "tampered claims",
            format!(
                "{}.{}.{}",
                segs[0],
                b64(claims.replace("le123456", "le999999")),
                segs[2]
            ),
            vec![],
            "signature verification failed",
        ),
        (
            "embedded jwk",
            sign(
                &format!(
                    r#"{{"alg":"RS256","jwk":{{"kty":"RSA","e":"AQAB","n":"{}"}}}}"#,
                    b64("n")
                ),
                &claims,
            ),
            vec![],
            r#"header parameter "jwk" is not trusted"#,
        ),
        (
            "jku",
            sign(
                r#"{"alg":"RS256","jku":"https://evil.example/jwks"}"#,
                &claims,
            ),
            vec![],
            r#"header parameter "jku" is not trusted"#,
        ),
        (
            "x5u",
            sign(
                r#"{"alg":"RS256","x5u":"https://evil.example/cert"}"#,
                &claims,
            ),
            vec![],
            r#""x5u""#,
        ),
        (
            "x5c",
            sign(r#"{"alg":"RS256","x5c":["MIIB"]}"#, &claims),
            vec![],
            r#""x5c""#,
        ),
        (
            "critical extension",
            sign(r#"{"alg":"RS256","crit":["exp2"],"exp2":1}"#, &claims),
            vec![],
            r#"critical header extension "exp2""#,
        ),
        (
            "wrong iss",
            valid.clone(),
            vec!["--iss", "sentinel"],
            r#"wrong issuer: expected "sentinel", found "Sentinel""#,
        ),
        (
            "wrong aud",
            valid.clone(),
            vec!["--aud", "someone-else"],
            "wrong audience",
        ),
        (
            "aud required, token has none",
            sign(
                RS256,
                &format!(r#"{{"iss":"Sentinel","exp":{}}}"#, now() + 60),
            ),
            vec!["--aud", "le123456"],
            r#"required claim "aud" missing"#,
        ),
        (
            "missing exp",
            sign(RS256, r#"{"iss":"Sentinel","aud":"le123456"}"#),
            vec![],
            r#"required claim "exp" missing"#,
        ),
        (
            "non-numeric exp",
            sign(RS256, r#"{"iss":"Sentinel","exp":"soon"}"#),
            vec![],
            r#"claim "exp" has an invalid value"#,
        ),
        (
            // Correctly signed over the padded text: only the encoding is wrong.
            "padded base64",
            sign_input(
                KEY_A,
                Hash::Sha256,
                &format!("{}.{}", segs[0], padded(&claims)),
            ),
            vec![],
            "not valid unpadded base64url",
        ),
        (
            "characters outside base64url",
            sign_input(KEY_A, Hash::Sha256, &format!("{}.e*yJ9", segs[0])),
            vec![],
            "not valid unpadded base64url",
        ),
        (
            "claims not JSON",
            sign_input(
                KEY_A,
                Hash::Sha256,
                &format!("{}.{}", segs[0], b64("not json")),
            ),
            vec![],
            "not valid JSON",
        ),
        (
            "two segments",
            format!("{}.{}", segs[0], segs[1]),
            vec![],
            "malformed token: fewer than three",
        ),
        (
            "four segments",
            format!("{valid}.{}", segs[2]),
            vec![],
            "malformed token: more than three",
        ),
        (
            "empty signature",
            format!("{}.{}.", segs[0], segs[1]),
            vec![],
            "signature verification failed",
        ),
        (
            // Properly signed, but over the 16 KiB limit.
            "oversized",
            sign(
                RS256,
                &format!(
                    r#"{{"iss":"Sentinel","exp":{},"pad":"{}"}}"#,
                    now() + 3600,
                    "x".repeat(17_000)
                ),
            ),
            vec![],
            "over the 16384-byte limit",
        ),
    ];
    for (name, token, extra, reason) in cases {
        let r = if extra.first() == Some(&"--jwks") {
            run(sentinel().args(["verify", &token]).args(&extra))
        } else {
            verify(&token, &extra)
        };
        assert_eq!(r.code, 1, "{name}: {r:#?}");
        assert!(r.stdout.is_empty(), "{name}: {r:#?}");
        assert_eq!(r.stderr.lines().count(), 1, "{name}: one line: {r:#?}");
        assert!(
            r.stderr.starts_with("sentinel: invalid token: "),
            "{name}: {r:#?}"
        );
        assert!(r.stderr.contains(reason), "{name}: want {reason:?}: {r:#?}");
    }

    // The same verdict as JSON on stderr.
    let r = verify(&hs256(&pem, &claims), &["--json"]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.is_empty());
    let v: Value = serde_json::from_str(&r.stderr).unwrap();
    assert_eq!(v["error"], "invalid_token");
    assert_eq!(v["exit_code"], 1);
    assert!(v["message"].as_str().unwrap().contains("HMAC"));
}

#[test]
fn verify_key_sources_against_the_emulator() {
    let m = mock();
    let v2 = run(&mut with_app(&m, &["app-token", "--v2"]))
        .ok()
        .stdout
        .trim()
        .to_owned();
    let v1 = run(&mut with_app(&m, &["app-token"]))
        .ok()
        .stdout
        .trim()
        .to_owned();

    // --jwks URL: the emulator's JWKS.
    let jwks_url = format!("{}/sentinel/well-known/jwks", m.base_url());
    let v = run(sentinel().args([
        "verify", &v2, "--jwks", &jwks_url, "--iss", "Sentinel", "--aud", "le123456", "--json",
    ]))
    .json();
    assert_eq!(v["claims"]["azp"], "cli-client");
    assert_eq!(m.count(Endpoint::Jwks), 1);
    // The V1 token's key is not in the JWKS.
    run(sentinel().args(["verify", &v1, "--jwks", &jwks_url])).fails(1, "no key with kid");

    // --jwks FILE.
    let dir = tempfile::tempdir().unwrap();
    let jwks_file = dir.path().join("jwks.json");
    std::fs::write(&jwks_file, m.jwks_json()).unwrap();
    let jwks_arg = jwks_file.to_str().unwrap();
    run(sentinel().args(["verify", &v2, "--jwks", jwks_arg])).ok();
    // After a rotation the old kid stays (grace), the new token verifies against
    // a fresh JWKS but not against the saved one.
    let new_kid = m.rotate_keys();
    let v2b = run(&mut with_app(&m, &["app-token", "--v2"]))
        .ok()
        .stdout
        .trim()
        .to_owned();
    assert_eq!(jwt_header(&v2b)["kid"], new_kid);
    run(sentinel().args(["verify", &v2b, "--jwks", jwks_arg])).fails(1, "no key with kid");
    run(sentinel().args(["verify", &v2b, "--jwks", &jwks_url])).ok();

    // --key PEM: the emulator's V1 key, from its SPKI DER.
    let body = STANDARD.encode(m.v1_public_key_spki_der());
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let pem = format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        lines.join("\n")
    );
    let pem_file = dir.path().join("v1.pem");
    std::fs::write(&pem_file, pem).unwrap();
    let pem_arg = pem_file.to_str().unwrap();
    run(sentinel().args(["verify", &v1, "--key", pem_arg, "--iss", "Sentinel"])).ok();
    // The V1 key did not sign the V2 token.
    run(sentinel().args(["verify", &v2, "--key", pem_arg]))
        .fails(1, "signature verification failed");

    // --v1-key: LivePerson's real key did not sign the emulator's tokens.
    run(sentinel().args(["verify", &v1, "--v1-key"])).fails(1, "invalid token: ");
    run(sentinel().args(["verify", &v2, "--v1-key"])).fails(1, "invalid token: ");
}

#[test]
fn verify_jwks_url_failures_exit_3() {
    let m = mock();
    let t = sign(RS256, &good_claims());
    let jwks_url = format!("{}/sentinel/well-known/jwks", m.base_url());
    m.fault(Endpoint::Jwks, Fault::Status(404), 1);
    run(sentinel().args(["verify", &t, "--jwks", &jwks_url])).fails(3, "404");
    // A 2 MiB answer is cut off at the body cap.
    m.fault(Endpoint::Jwks, Fault::Oversized, 1);
    let r = run(sentinel().args(["verify", &t, "--jwks", &jwks_url]));
    assert_eq!(r.code, 3, "{r:#?}");
    assert!(r.stdout.is_empty());
    // Not a JWKS. (Exit 2 today, as for a bad file; 3 would fit "server failure"
    // as well, so either is accepted here.)
    let r = run(sentinel().args([
        "verify",
        &t,
        "--jwks",
        &format!(
            "{}/api/account/{}/service/baseURI.json",
            m.base_url(),
            m.account()
        ),
    ]));
    assert!(matches!(r.code, 2 | 3), "{r:#?}");
    assert!(r.stderr.contains("not a usable JWKS"), "{r:#?}");
    // Nothing listening.
    let closed = closed_port();
    run(sentinel().args([
        "verify",
        &t,
        "--jwks",
        &format!("http://127.0.0.1:{closed}/jwks"),
    ]))
    .fails(3, "");
}

// ---------------------------------------------------------------------------
// usage errors

/// With `--json`, a usage error (found by the argument parser) is one JSON object
/// on stderr too; without it, clap's own message with the usage.
#[test]
fn usage_errors_are_json_with_json() {
    for args in [
        &["app-token", "--json", "--account", "1"][..],
        &["--json", "bogus"],
        &["verify", "x.y.z", "--v1-key", "--leeway", "99999", "--json"],
    ] {
        let v = run(sentinel().args(args)).json_usage_error();
        let message = v["message"].as_str().unwrap();
        assert!(
            !message.is_empty() && !message.starts_with("error:"),
            "{message}"
        );
    }
    // `--json` after `--` is an operand, not the flag.
    let r = run(sentinel().args(["decode", "--", "--json", "extra"]));
    assert_eq!(r.code, 2, "{r:#?}");
    assert!(r.stderr.starts_with("error: "), "{r:#?}");
    // Help still goes to stdout with exit 0.
    let r = run(sentinel().args(["--json", "--help"]));
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("Usage: sentinel"));
}

#[test]
fn usage_errors_exit_2_with_a_helpful_message() {
    let t = sign(RS256, &good_claims());
    let dir = tempfile::tempdir().unwrap();
    let not_pem = dir.path().join("not.pem");
    std::fs::write(&not_pem, "hello").unwrap();
    let not_pem = not_pem.to_str().unwrap();
    let dir_path = dir.path().to_str().unwrap();
    let pem = pub_a_pem();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec![], "Usage: sentinel"),
        (vec!["bogus"], "unrecognized subcommand 'bogus'"),
        (vec!["app-token", "--client-id", "c"], "--account"),
        (vec!["app-token", "--account", "1"], "--client-id"),
        (
            vec!["exchange", "--account", "1", "--client-id", "c"],
            "--code",
        ),
        (vec!["domain"], "--account"),
        (vec!["decode"], "<TOKEN|->"),
        (vec!["verify", &t], "--jwks"),
        (
            vec!["verify", &t, "--jwks", "x.json", "--key", "k.pem"],
            "cannot be used with",
        ),
        (
            vec!["verify", &t, "--key", &pem, "--v1-key"],
            "cannot be used with",
        ),
        (
            vec!["verify", &t, "--v1-key", "--alg", "HS256"],
            "invalid value 'HS256' for '--alg <ALG>'\n  [possible values: RS256, RS384, RS512]",
        ),
        (
            vec!["verify", &t, "--v1-key", "--alg", "none"],
            "invalid value 'none' for '--alg <ALG>'\n  [possible values: RS256, RS384, RS512]",
        ),
        (vec!["verify", &t, "--v1-key", "--now", "soon"], "--now"),
        (
            vec!["verify", &t, "--v1-key", "--leeway", "3601"],
            "3601 is not in 0..=3600",
        ),
        (
            vec!["verify", &t, "--v1-key", "--leeway=-1"],
            "invalid value '-1' for '--leeway <SECONDS>'",
        ),
        (
            vec!["verify", &t, "--key", "/nonexistent/key.pem"],
            "/nonexistent/key.pem",
        ),
        (vec!["verify", &t, "--key", dir_path], dir_path),
        (vec!["verify", &t, "--key", not_pem], "unusable key"),
        (vec!["verify", &t, "--jwks", not_pem], "not a usable JWKS"),
        (
            vec!["verify", &t, "--jwks", "/nonexistent/jwks.json"],
            "/nonexistent/jwks.json",
        ),
        (
            vec!["verify", &t, "--jwks", "http://example.com/jwks"],
            "loopback",
        ),
        (
            vec![
                "app-token",
                "--account",
                "1",
                "--client-id",
                "c",
                "--v2",
                "--legacy-query",
            ],
            "cannot be used with",
        ),
        (
            vec![
                "app-token",
                "--account",
                "1",
                "--client-id",
                "c",
                "--domain",
                "127.0.0.1:1",
                "--csds",
                "127.0.0.1:2",
            ],
            "cannot be used with",
        ),
        (
            vec![
                "app-token",
                "--account",
                "1",
                "--client-id",
                "c",
                "--domain",
                "http://example.com",
            ],
            "invalid value 'http://example.com' for '--domain <HOST>': host: plain http is allowed only to a loopback host",
        ),
        (
            vec!["domain", "--account", "1", "--csds", "http://example.com"],
            "invalid value 'http://example.com' for '--csds <HOST>': host: plain http",
        ),
        (
            vec![
                "domain",
                "--account",
                "1",
                "--csds",
                "https://u:p@example.com",
            ],
            "--csds",
        ),
        (vec!["domain", "--account", "1/2"], "account id"),
        (
            vec![
                "authorize-url",
                "--account",
                "1",
                "--client-id",
                "c",
                "--redirect-uri",
                "not a uri",
            ],
            "redirect",
        ),
        (vec!["mock", "--port", "70000"], "--port"),
    ];
    for (args, message) in cases {
        let mut c = sentinel();
        c.args(&args).env("SENTINEL_CLIENT_SECRET", SECRET);
        let r = run(&mut c);
        assert_eq!(r.code, 2, "{args:?}: {r:#?}");
        assert!(r.stdout.is_empty(), "{args:?}: {r:#?}");
        assert!(
            r.stderr.contains(message),
            "{args:?}: want {message:?}: {r:#?}"
        );
    }
}

#[test]
fn key_files_are_size_capped() {
    let t = sign(RS256, &good_claims());
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.json");
    std::fs::write(&big, vec![b' '; 2 << 20]).unwrap();
    let big = big.to_str().unwrap();
    run(sentinel().args(["verify", &t, "--jwks", big])).fails(2, "larger than");
    run(sentinel().args(["verify", &t, "--key", big])).fails(2, "larger than");
    // Pipes and devices have no length up front; the cap holds all the same.
    run(sentinel()
        .args(["verify", &t, "--jwks", "/dev/stdin"])
        .write_stdin(vec![b' '; 2 << 20]))
    .fails(2, "larger than");
    #[cfg(target_os = "linux")]
    for flag in ["--jwks", "--key"] {
        run(sentinel().args(["verify", &t, flag, "/dev/zero"])).fails(2, "larger than");
    }
    // A key through a pipe is fine when it is small.
    run(sentinel()
        .args(["verify", &t, "--key", "/dev/stdin"])
        .write_stdin(std::fs::read(pub_a_pem()).unwrap()))
    .ok();
}

#[test]
fn help_and_version_exit_0_on_stdout() {
    for cmd in [
        "demo",
        "domain",
        "app-token",
        "authorize-url",
        "exchange",
        "refresh",
        "revoke",
        "decode",
        "verify",
        "mock",
    ] {
        let r = run(sentinel().args([cmd, "--help"]));
        r.ok();
        assert!(
            r.stdout.contains(&format!("Usage: sentinel {cmd}")),
            "{cmd}: {}",
            r.stdout
        );
        assert!(r.stdout.contains("--json"), "{cmd}: global flags");
        assert!(r.stderr.is_empty());
    }
    let r = run(sentinel().arg("--help"));
    assert!(r.ok().stdout.contains("Exit codes"));
    let r = run(sentinel().arg("--version"));
    assert!(r.ok().stdout.starts_with("sentinel "));
}

// ---------------------------------------------------------------------------
// secrets

#[test]
fn secret_never_printed_on_success_or_verbose() {
    let m = mock();
    for args in [
        &["app-token", "--verbose"][..],
        &["app-token", "--v2", "--verbose"],
        &["app-token", "--legacy-query", "--verbose"],
        &["app-token", "--legacy-query", "--verbose", "--json"],
    ] {
        // `run` checks that the marker is nowhere in stdout or stderr.
        let r = run(&mut with_app(&m, args));
        let token = if args.contains(&"--json") {
            r.json()["access_token"].as_str().unwrap().to_owned()
        } else {
            r.ok().stdout.trim().to_owned()
        };
        jwt_header(&token);
        assert!(!r.stderr.is_empty(), "{args:?}: --verbose logs");
        assert!(!r.stderr.contains('\x1b'), "{args:?}: no colour in a pipe");
    }
    let code = code_from_browser(&m);
    let mut c = with_app(&m, &["exchange", "--verbose"]);
    c.env("SENTINEL_CODE", &code);
    run(&mut c).ok();
}

#[test]
fn secret_never_printed_on_error_paths() {
    // The marker is the wrong secret here: the server refuses it.
    let m = mock_with_secret("the-right-secret");
    run(&mut with_app(&m, &["app-token", "--verbose"])).fails_after_logs(3, "invalid_client");
    run(&mut with_app(
        &m,
        &["app-token", "--legacy-query", "--verbose"],
    ))
    .fails_after_logs(3, "invalid_client");
    run(&mut with_app(&m, &["app-token", "--v2", "--verbose"]))
        .fails_after_logs(3, "invalid_client");
    let r = run(&mut with_app(&m, &["app-token", "--json"]));
    assert_eq!(r.code, 3);
    assert!(r.stderr.contains("invalid_client"));
    let mut c = with_app(&m, &["exchange", "--verbose"]);
    c.env("SENTINEL_CODE", "made-up");
    run(&mut c).fails_after_logs(3, "invalid_client");
    let mut c = with_app(&m, &["refresh", "--verbose"]);
    c.env("SENTINEL_REFRESH_TOKEN", "made-up");
    run(&mut c).fails_after_logs(3, "invalid_client");

    // Server errors, retried then reported.
    let m = mock();
    for (endpoint, args) in [
        (Endpoint::AppTokenV1, &["app-token", "--verbose"][..]),
        (
            Endpoint::AppTokenV1,
            &["app-token", "--legacy-query", "--verbose"],
        ),
        (
            Endpoint::AppTokenV2,
            &["app-token", "--v2", "--verbose", "--json"],
        ),
    ] {
        m.fault(endpoint, Fault::Status(500), 5);
        let r = run(&mut with_app(&m, args));
        assert_eq!(r.code, 3, "{args:?}: {r:#?}");
        assert!(r.stdout.is_empty());
        assert!(r.stderr.contains("500"), "{args:?}: {r:#?}");
        m.clear_faults();
    }

    // Transport errors: the legacy query puts the secret in the URL, which an
    // HTTP client's error message would show.
    m.fault(Endpoint::AppTokenV1, Fault::Drop, 5);
    let r = run(&mut with_app(
        &m,
        &["app-token", "--legacy-query", "--verbose"],
    ));
    assert_eq!(r.code, 3, "{r:#?}");
    m.clear_faults();
    let closed = closed_port();
    let mut c = sentinel();
    c.args([
        "app-token",
        "--account",
        m.account(),
        "--client-id",
        m.client_id(),
        "--legacy-query",
        "--verbose",
        "--domain",
        &format!("http://127.0.0.1:{closed}"),
    ])
    .env("SENTINEL_CLIENT_SECRET", SECRET);
    let r = run(&mut c);
    assert_eq!(r.code, 3, "{r:#?}");
    assert!(r.stdout.is_empty());
}

// ---------------------------------------------------------------------------
// mock

/// `sentinel mock --port 0`, its stdout after the first line, and its port.
fn spawn_mock() -> (Child, BufReader<ChildStdout>, u16) {
    let bin = assert_cmd::cargo::cargo_bin("sentinel");
    let mut child = StdCommand::new(bin)
        .args(["mock", "--port", "0"])
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let port: u16 = first
        .strip_suffix('\n')
        .and_then(|l| l.strip_prefix("listening on http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("first line: {first:?}"))
        .parse()
        .unwrap();
    assert_ne!(port, 0);
    (child, stdout, port)
}

/// Sends `signal` (`-TERM`, `-INT`) and waits, at most 10 s, for the exit.
fn stop(child: Child, signal: &str) -> std::process::ExitStatus {
    let pid = child.id().to_string();
    let killed = StdCommand::new("kill")
        .args([signal, &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let (tx, rx) = mpsc::channel();
    let mut child = child;
    std::thread::spawn(move || {
        let _ = tx.send(child.wait());
    });
    match rx.recv_timeout(Duration::from_secs(10)) {
        Ok(status) => status.unwrap(),
        Err(_) => {
            let _ = StdCommand::new("kill").args(["-KILL", &pid]).status();
            panic!("sentinel mock did not exit on {signal}");
        }
    }
}

#[test]
fn mock_command_prints_its_address_serves_and_stops_on_sigterm() {
    let (child, mut stdout, port) = spawn_mock();

    // It serves what it announces, with the default credentials.
    let mut c = sentinel();
    c.args([
        "app-token",
        "--account",
        sentinel_mock::DEFAULT_ACCOUNT,
        "--client-id",
        sentinel_mock::DEFAULT_CLIENT_ID,
        "--csds",
        &format!("http://127.0.0.1:{port}"),
    ])
    .env("SENTINEL_CLIENT_SECRET", DEFAULT_CLIENT_SECRET);
    jwt_header(run(&mut c).ok().stdout.trim());

    let status = stop(child, "-TERM");
    assert!(status.success(), "{status:?}");
    // The rest of stdout: the credentials, then end of file.
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert!(rest.starts_with("account:       123456\n"), "{rest}");
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
}

#[test]
fn mock_command_stops_on_sigint() {
    let (child, _stdout, port) = spawn_mock();
    let status = stop(child, "-INT");
    assert!(status.success(), "{status:?}");
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
}

#[test]
fn mock_command_port_in_use_fails() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let r = run(sentinel().args(["mock", "--port", &port]));
    assert_ne!(r.code, 0, "{r:#?}");
    assert!(!r.stdout.contains("listening on"), "{r:#?}");
    assert!(r.stderr.contains("cannot run the emulator"), "{r:#?}");
}
