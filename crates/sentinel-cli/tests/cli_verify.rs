//! `sentinel verify --azp / --aud`: pinning a token to one application and one
//! account, run as the built binary (in the manner of `cli.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use assert_cmd::Command;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::signature::RSA_PKCS1_SHA256;
use sentinel_mock::{MockClient, MockConfig, MockHandle, MockServer};

const SECRET: &str = "CLI-VERIFY-SECRET-MARKER-93c1";

/// The committed TEST-ONLY signing key A of sentinel-proto's JWT tests.
const KEY_A: &[u8] =
    include_bytes!("../../sentinel-proto/testdata/jwt/test-only-rsa2048-a.pk8.der");

fn pub_a_pem() -> String {
    format!(
        "{}/../sentinel-proto/testdata/jwt/test-only-rsa2048-a.pub.pem",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn sentinel() -> Command {
    let mut c = Command::cargo_bin("sentinel").unwrap();
    c.env_remove("SENTINEL_CLIENT_SECRET")
        .env_remove("SENTINEL_REFRESH_TOKEN")
        .env_remove("RUST_LOG")
        .env_remove("NO_COLOR")
        .timeout(Duration::from_secs(60));
    c
}

#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    /// Exit `code`, nothing on stdout, one line on stderr containing `reason`.
    fn fails(&self, code: i32, reason: &str) {
        assert_eq!(self.code, code, "{self:#?}");
        assert!(self.stdout.is_empty(), "stdout on failure: {self:#?}");
        assert_eq!(self.stderr.lines().count(), 1, "{self:#?}");
        assert!(self.stderr.starts_with("sentinel: "), "{self:#?}");
        assert!(self.stderr.contains(reason), "want {reason:?}: {self:#?}");
    }

    fn json(&self) -> serde_json::Value {
        assert_eq!(self.code, 0, "{self:#?}");
        assert_eq!(self.stdout.lines().count(), 1, "{self:#?}");
        serde_json::from_str(&self.stdout).unwrap()
    }
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
        "secret in output: {r:#?}"
    );
    r
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// An RS256 token signed with test key A, with `members` added to valid AppJWT
/// times and issuer.
fn token(members: &str) -> String {
    let claims = format!(
        r#"{{"iss":"Sentinel","iat":{},"exp":{}{members}}}"#,
        now() - 10,
        now() + 3600
    );
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims)
    );
    let key = ring::signature::RsaKeyPair::from_pkcs8(KEY_A).unwrap();
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

fn verify(token: &str, extra: &[&str]) -> Run {
    run(sentinel()
        .args(["verify", token, "--key", &pub_a_pem()])
        .args(extra))
}

#[test]
fn verify_azp_pins_the_application() {
    let t = token(r#","aud":"le123456","azp":"my-client""#);
    let v = verify(&t, &["--azp", "my-client", "--json"]).json();
    assert_eq!(v["verified"], true);
    assert_eq!(v["claims"]["azp"], "my-client");
    verify(&t, &["--azp", "other-app"]).fails(
        1,
        r#"invalid token: wrong authorized party: expected "other-app", found "my-client""#,
    );
    // Exact match only.
    verify(&t, &["--azp", "MY-CLIENT"]).fails(1, "wrong authorized party");
    // Without --azp, azp is not looked at.
    verify(&t, &["--json"]).json();
    // Required when asked for.
    let no_azp = token(r#","aud":"le123456""#);
    verify(&no_azp, &["--azp", "my-client"]).fails(1, r#"required claim "azp" missing"#);
    let bad_azp = token(r#","aud":"le123456","azp":["my-client"]"#);
    verify(&bad_azp, &["--azp", "my-client"]).fails(1, r#"claim "azp" has an invalid value"#);
    // Both pins together: another account is refused even with the right azp.
    verify(&t, &["--aud", "le123456", "--azp", "my-client", "--json"]).json();
    verify(&t, &["--aud", "le999999", "--azp", "my-client"]).fails(1, "wrong audience");
}

#[test]
fn verify_aud_accepts_a_string_or_an_array() {
    let arr = token(r#","aud":["x","le123456"],"azp":"my-client""#);
    verify(&arr, &["--aud", "le123456", "--azp", "my-client", "--json"]).json();
    verify(&arr, &["--aud", "le12345"]).fails(1, "wrong audience");
    let none = token(r#","azp":"my-client""#);
    verify(&none, &["--aud", "le123456"]).fails(1, r#"required claim "aud" missing"#);
}

#[test]
fn verify_pins_an_emulator_app_jwt_to_its_account_and_client() {
    let config = MockConfig {
        clients: vec![MockClient {
            id: "pinned-client".into(),
            secret: SECRET.into(),
            redirect_uris: vec!["http://127.0.0.1/callback".into()],
        }],
        ..MockConfig::default()
    };
    let m: MockHandle = MockServer::builder()
        .config(config)
        .start_blocking()
        .unwrap();
    let t = run(sentinel()
        .args(["app-token", "--v2", "--account", m.account()])
        .args(["--client-id", m.client_id(), "--csds", &m.base_url()])
        .env("SENTINEL_CLIENT_SECRET", SECRET))
    .stdout
    .trim()
    .to_owned();
    assert_eq!(t.split('.').count(), 3, "{t}");
    let jwks = format!("{}/sentinel/well-known/jwks", m.base_url());
    let aud = format!("le{}", m.account());
    let v = run(sentinel().args([
        "verify",
        &t,
        "--jwks",
        &jwks,
        "--iss",
        "Sentinel",
        "--aud",
        &aud,
        "--azp",
        "pinned-client",
        "--json",
    ]))
    .json();
    assert_eq!(v["claims"]["azp"], "pinned-client");
    assert_eq!(v["claims"]["aud"], aud.as_str());
    run(sentinel().args(["verify", &t, "--jwks", &jwks, "--azp", "another-client"]))
        .fails(1, "wrong authorized party");
    run(sentinel().args(["verify", &t, "--jwks", &jwks, "--aud", "le1"]))
        .fails(1, "wrong audience");
}
