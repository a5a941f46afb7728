//! The `sentinel` binary, run as a user would, against the emulator.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command as StdCommand, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use assert_cmd::Command;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use sentinel_mock::{Endpoint, Fault, MockClient, MockConfig, MockHandle, MockServer};

const SECRET: &str = "CLI-SECRET-MARKER-51d2";
const TEST_KEY: &[u8] =
    include_bytes!("../../sentinel-proto/testdata/jwt/test-only-rsa2048-a.pk8.der");
const TEST_PUB_PEM: &str = "../sentinel-proto/testdata/jwt/test-only-rsa2048-a.pub.pem";

fn mock() -> MockHandle {
    let config = MockConfig {
        clients: vec![MockClient {
            id: "cli-client".into(),
            secret: SECRET.into(),
            redirect_uris: vec!["http://127.0.0.1/callback".into()],
        }],
        ..MockConfig::default()
    };
    MockServer::builder()
        .config(config)
        .start_blocking()
        .unwrap()
}

fn sentinel() -> Command {
    let mut c = Command::cargo_bin("sentinel").unwrap();
    c.env_remove("SENTINEL_CLIENT_SECRET")
        .env_remove("SENTINEL_REFRESH_TOKEN")
        .env_remove("RUST_LOG")
        .timeout(Duration::from_secs(60));
    c
}

/// `sentinel <args> --account .. --client-id .. --csds <mock>` with the secret in env.
fn with_app(m: &MockHandle, args: &[&str]) -> Command {
    let mut c = sentinel();
    c.args(args)
        .args([
            "--account",
            m.account(),
            "--client-id",
            m.client_id(),
            "--csds",
            &m.base_url(),
        ])
        .env("SENTINEL_CLIENT_SECRET", SECRET);
    c
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(c: &mut Command) -> Run {
    let out = c.output().unwrap();
    let r = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        !r.stdout.contains(SECRET) && !r.stderr.contains(SECRET),
        "secret in output:\n{}\n{}",
        r.stdout,
        r.stderr
    );
    r
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A token signed with the committed test-only key.
fn sign(header: &str, claims: &str) -> String {
    let key = RsaKeyPair::from_pkcs8(TEST_KEY).unwrap();
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims)
    );
    let mut sig = vec![0; key.public().modulus_len()];
    key.sign(
        &RSA_PKCS1_SHA256,
        &ring::rand::SystemRandom::new(),
        input.as_bytes(),
        &mut sig,
    )
    .unwrap();
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig))
}

fn good_claims() -> String {
    format!(
        r#"{{"iss":"Sentinel","aud":"le123456","iat":{},"exp":{}}}"#,
        now() - 10,
        now() + 3600
    )
}

const RS256: &str = r#"{"alg":"RS256","typ":"JWT"}"#;

#[test]
fn demo_succeeds_with_a_line_per_step() {
    let r = run(sentinel().arg("demo"));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    for step in [
        "discover the Sentinel host",
        "get an AppJWT (V1)",
        "get an AppJWT (V2)",
        "reuse the cached AppJWT",
        "exchange the code",
        "verify the ID token",
        "refresh the user tokens",
        "revoke the refresh token",
        "the revoked refresh token is refused",
        "ConsumerJWS",
    ] {
        assert!(
            r.stdout.contains(step),
            "missing step {step:?}:\n{}",
            r.stdout
        );
    }
    assert!(!r.stdout.contains("FAIL"));
}

#[test]
fn demo_json_is_one_object_per_line() {
    let r = run(sentinel().args(["demo", "--json"]));
    assert_eq!(r.code, 0);
    let lines: Vec<_> = r.stdout.lines().collect();
    assert!(lines.len() >= 10);
    for l in lines {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        assert_eq!(v["ok"], true, "{l}");
    }
}

#[test]
fn domain_lookup() {
    let m = mock();
    let r = run(sentinel().args(["domain", "--account", m.account(), "--csds", &m.base_url()]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout.trim(), m.base_url());
    let r = run(sentinel().args([
        "domain",
        "--account",
        m.account(),
        "--csds",
        &m.base_url(),
        "--json",
    ]));
    let v: serde_json::Value = serde_json::from_str(r.stdout.trim()).unwrap();
    assert_eq!(v["host"], m.host());
    let r = run(sentinel().args([
        "domain",
        "--account",
        m.account(),
        "--csds",
        &m.base_url(),
        "--service",
        "nope",
    ]));
    assert_eq!(r.code, 3, "{}", r.stderr);
}

#[test]
fn app_tokens() {
    let m = mock();
    let r = run(&mut with_app(&m, &["app-token"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout.trim().split('.').count(), 3);
    let r = run(&mut with_app(&m, &["app-token", "--v2"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run(&mut with_app(
        &m,
        &["app-token", "--legacy-query", "--json"],
    ));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(r.stdout.trim()).unwrap();
    assert_eq!(v["token_type"], "Bearer");
    assert!(m.request_log().iter().any(
        |e| e.endpoint == Endpoint::AppTokenV1 && e.params.iter().any(|p| p == "client_secret")
    ));

    let mut explicit = sentinel();
    explicit
        .args([
            "app-token",
            "--account",
            m.account(),
            "--client-id",
            m.client_id(),
        ])
        .args(["--domain", &m.base_url()])
        .env("SENTINEL_CLIENT_SECRET", SECRET);
    m.reset_counters();
    assert_eq!(run(&mut explicit).code, 0);
    assert_eq!(m.count(Endpoint::DomainApi), 0, "--domain skips discovery");
}

#[test]
fn app_token_secret_sources_and_failures() {
    let m = mock();
    let mut c = with_app(&m, &["app-token"]);
    c.env("SENTINEL_CLIENT_SECRET", "wrong");
    let r = run(&mut c);
    assert_eq!(r.code, 3);
    assert!(r.stderr.contains("invalid_client"), "{}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1);

    let mut c = with_app(&m, &["app-token"]);
    c.env_remove("SENTINEL_CLIENT_SECRET");
    let r = run(&mut c);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("SENTINEL_CLIENT_SECRET"), "{}", r.stderr);

    let mut c = with_app(&m, &["app-token", "--client-secret-stdin"]);
    c.env_remove("SENTINEL_CLIENT_SECRET")
        .write_stdin(format!("{SECRET}\n"));
    assert_eq!(run(&mut c).code, 0);

    m.fault(Endpoint::AppTokenV1, Fault::Status(500), 5);
    let r = run(&mut with_app(&m, &["app-token", "--verbose"]));
    assert_eq!(r.code, 3);
    assert!(r.stderr.contains("500"), "{}", r.stderr);
}

/// Follows the authorize redirect as a browser would; returns the code.
fn code_from_browser(m: &MockHandle) -> String {
    let r = run(sentinel().args([
        "authorize-url",
        "--account",
        m.account(),
        "--client-id",
        m.client_id(),
        "--csds",
        &m.base_url(),
        "--json",
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(r.stdout.trim()).unwrap();
    let url = v["url"].as_str().unwrap();
    let state = v["state"].as_str().unwrap();
    assert!(url.contains(&format!("state={state}")));
    let path = url.strip_prefix(&m.base_url()).unwrap();
    let mut s = std::net::TcpStream::connect(m.addr()).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        m.host()
    )
    .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    assert!(resp.starts_with("HTTP/1.1 302"), "{resp}");
    let location = resp
        .lines()
        .find_map(|l| l.strip_prefix("location: "))
        .unwrap()
        .trim();
    let query = location.split_once('?').unwrap().1;
    let code = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("code="))
        .unwrap();
    assert!(query.contains(&format!("state={state}")));
    code.to_owned()
}

#[test]
fn user_token_commands() {
    let m = mock();
    let code = code_from_browser(&m);
    let r = run(&mut with_app(&m, &["exchange", "--code", &code, "--json"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(r.stdout.trim()).unwrap();
    let rt = v["refresh_token"].as_str().unwrap().to_owned();
    assert!(v["id_token"].as_str().unwrap().starts_with("eyJ"));

    // The code is single use.
    assert_eq!(
        run(&mut with_app(&m, &["exchange", "--code", &code])).code,
        3
    );

    let mut c = with_app(&m, &["refresh", "--json"]);
    c.env("SENTINEL_REFRESH_TOKEN", &rt);
    let r = run(&mut c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(r.stdout.trim()).unwrap();
    let rt2 = v["refresh_token"].as_str().unwrap().to_owned();

    let mut c = with_app(&m, &["refresh", "--json"]);
    c.write_stdin(format!("{rt2}\n"));
    let r = run(&mut c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(r.stdout.trim()).unwrap();
    let rt3 = v["refresh_token"].as_str().unwrap().to_owned();

    let mut c = with_app(&m, &["revoke"]);
    c.env("SENTINEL_REFRESH_TOKEN", &rt3);
    assert_eq!(run(&mut c).code, 0);
    let mut c = with_app(&m, &["refresh"]);
    c.env("SENTINEL_REFRESH_TOKEN", &rt3);
    let r = run(&mut c);
    assert_eq!(r.code, 3);
    assert!(r.stderr.contains("invalid_grant"), "{}", r.stderr);
    assert!(!r.stderr.contains(&rt3));
}

#[test]
fn decode_marks_output_unverified() {
    let t = sign(RS256, &good_claims());
    let r = run(sentinel().args(["decode", &t]));
    assert_eq!(r.code, 0);
    assert!(r.stdout.starts_with("UNVERIFIED"));
    assert!(r.stdout.contains("\"iss\": \"Sentinel\""));
    let r = run(sentinel().args(["decode", "-", "--json"]).write_stdin(t));
    let v: serde_json::Value = serde_json::from_str(r.stdout.trim()).unwrap();
    assert_eq!(v["verified"], false);
    assert_eq!(run(sentinel().args(["decode", "not-a-jwt"])).code, 2);
}

fn verify(token: &str, extra: &[&str]) -> Run {
    run(sentinel()
        .args(["verify", token, "--key", TEST_PUB_PEM])
        .args(extra))
}

#[test]
fn verify_accepts_a_valid_token() {
    let t = sign(RS256, &good_claims());
    let r = verify(&t, &["--iss", "Sentinel", "--aud", "le123456"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["iss"], "Sentinel");
}

#[test]
fn verify_rejects_hostile_tokens_with_exit_1() {
    let n = now();
    let pem = std::fs::read(TEST_PUB_PEM).unwrap();
    let hs256 = {
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(good_claims())
        );
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &pem);
        let tag = ring::hmac::sign(&key, input.as_bytes());
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
    };
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#),
        URL_SAFE_NO_PAD.encode(good_claims())
    );
    let valid = sign(RS256, &good_claims());
    let mut segs: Vec<&str> = valid.split('.').collect();
    let two = format!("{}.{}", segs[0], segs[1]);
    let four = format!("{valid}.{}", segs[2]);
    segs[1] = "eyJpc3MiOiJTZW50aW5lbCIsImV4cCI6MX0=";
    let padded = segs.join(".");
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        ("alg none", none, vec![]),
        ("HS256 with the public key", hs256, vec![]),
        (
            "unknown kid",
            sign(r#"{"alg":"RS256","kid":"nope"}"#, &good_claims()),
            vec!["--jwks", "../sentinel-proto/testdata/jwt/jwks-mixed.json"],
        ),
        (
            "embedded jwk",
            sign(r#"{"alg":"RS256","jwk":{"kty":"RSA"}}"#, &good_claims()),
            vec![],
        ),
        (
            "jku",
            sign(
                r#"{"alg":"RS256","jku":"https://evil.example/jwks"}"#,
                &good_claims(),
            ),
            vec![],
        ),
        (
            "expired",
            sign(
                RS256,
                &format!(r#"{{"iss":"Sentinel","exp":{}}}"#, n - 3600),
            ),
            vec![],
        ),
        (
            "not yet valid",
            sign(
                RS256,
                &format!(
                    r#"{{"iss":"Sentinel","nbf":{},"exp":{}}}"#,
                    n + 3600,
                    n + 7200
                ),
            ),
            vec![],
        ),
        (
            "wrong iss",
            sign(RS256, &good_claims()),
            vec!["--iss", "sentinel"],
        ),
        (
            "wrong aud",
            sign(RS256, &good_claims()),
            vec!["--aud", "someone-else"],
        ),
        ("missing exp", sign(RS256, r#"{"iss":"Sentinel"}"#), vec![]),
        (
            "non-numeric exp",
            sign(RS256, r#"{"iss":"Sentinel","exp":"soon"}"#),
            vec![],
        ),
        ("bad base64", padded, vec![]),
        ("two segments", two, vec![]),
        ("four segments", four, vec![]),
        (
            "oversized",
            format!("{}.{}.{}", "a".repeat(20_000), "b", "c"),
            vec![],
        ),
    ];
    for (name, token, extra) in cases {
        let r = if extra.first() == Some(&"--jwks") {
            run(sentinel().args(["verify", &token]).args(&extra))
        } else {
            verify(&token, &extra)
        };
        assert_eq!(r.code, 1, "{name}: {}{}", r.stdout, r.stderr);
        assert_eq!(
            r.stderr.trim().lines().count(),
            1,
            "{name}: one-line reason: {}",
            r.stderr
        );
        assert!(r.stdout.is_empty(), "{name}");
    }
    // An expired token is accepted as of a time before its expiry.
    let expired = sign(
        RS256,
        &format!(r#"{{"iss":"Sentinel","exp":{}}}"#, n - 3600),
    );
    let before = (n - 7200).to_string();
    assert_eq!(verify(&expired, &["--now", &before]).code, 0);
}

#[test]
fn verify_key_sources() {
    let m = mock();
    let mut c = with_app(&m, &["app-token", "--v2"]);
    let v2 = run(&mut c).stdout.trim().to_owned();
    let jwks_url = format!("{}/sentinel/well-known/jwks", m.base_url());
    assert_eq!(
        run(sentinel().args(["verify", &v2, "--jwks", &jwks_url])).code,
        0
    );

    let dir = tempfile::tempdir().unwrap();
    let jwks_file = dir.path().join("jwks.json");
    std::fs::write(&jwks_file, m.jwks_json()).unwrap();
    let jwks_arg = jwks_file.to_str().unwrap();
    assert_eq!(
        run(sentinel().args(["verify", &v2, "--jwks", jwks_arg])).code,
        0
    );

    let v1 = run(&mut with_app(&m, &["app-token"]))
        .stdout
        .trim()
        .to_owned();
    let pem = format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        STANDARD.encode(m.v1_public_key_spki_der())
    );
    let pem_file = dir.path().join("v1.pem");
    std::fs::write(&pem_file, pem).unwrap();
    assert_eq!(
        run(sentinel().args([
            "verify",
            &v1,
            "--key",
            pem_file.to_str().unwrap(),
            "--iss",
            "Sentinel"
        ]))
        .code,
        0
    );
    // LivePerson's real V1 key did not sign the emulator's token.
    assert_eq!(run(sentinel().args(["verify", &v1, "--v1-key"])).code, 1);
}

#[test]
fn usage_errors_exit_2_with_a_message() {
    let t = sign(RS256, &good_claims());
    for args in [
        vec!["bogus"],
        vec!["app-token", "--client-id", "c"],
        vec!["verify", &t],
        vec!["verify", &t, "--jwks", "x.json", "--key", "k.pem"],
        vec!["verify", &t, "--v1-key", "--alg", "HS256"],
        vec!["verify", &t, "--key", "/nonexistent/key.pem"],
        vec!["domain", "--account", "1", "--csds", "http://example.com"],
        vec![
            "app-token",
            "--account",
            "1",
            "--client-id",
            "c",
            "--domain",
            "http://example.com",
        ],
        vec!["domain", "--account", "1/2"],
    ] {
        let mut c = sentinel();
        c.args(&args).env("SENTINEL_CLIENT_SECRET", SECRET);
        let r = run(&mut c);
        assert_eq!(r.code, 2, "{args:?}: {}{}", r.stdout, r.stderr);
        assert!(!r.stderr.trim().is_empty(), "{args:?}: no message");
    }
}

#[test]
fn help_on_every_command() {
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
        assert_eq!(r.code, 0, "{cmd}");
        assert!(r.stdout.contains("Usage: sentinel"), "{cmd}");
    }
}

#[test]
fn mock_command_prints_its_address_and_stops_on_sigterm() {
    let bin = assert_cmd::cargo::cargo_bin("sentinel");
    let mut child = StdCommand::new(bin)
        .args(["mock", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let port: u16 = first
        .strip_prefix("listening on http://127.0.0.1:")
        .unwrap_or_else(|| panic!("first line: {first}"))
        .parse()
        .unwrap();
    assert!(port > 0);
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
    let killed = StdCommand::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "{status:?}");
            break;
        }
        assert!(Instant::now() < deadline, "did not exit on SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    }
}
