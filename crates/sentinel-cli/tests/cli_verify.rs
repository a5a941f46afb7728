//! `sentinel verify --azp / --aud`: pinning a token to one application and one
//! account, run as the built binary (in the manner of `cli.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use assert_cmd::Command;
use sentinel_testkit::cli::{self, Run, sentinel};
use sentinel_testkit::jwt::{self, Hash, KEY_A_PK8, b64, unix_now as now};
use sentinel_testkit::mock;

const SECRET: &str = "CLI-VERIFY-SECRET-MARKER-93c1";

fn run(c: &mut Command) -> Run {
    cli::run(c, &[SECRET])
}

/// An RS256 token signed with test key A, with `members` added to valid AppJWT
/// times and issuer.
fn token(members: &str) -> String {
    let claims = format!(
        r#"{{"iss":"Sentinel","iat":{},"exp":{}{members}}}"#,
        now() - 10,
        now() + 3600
    );
    let input = format!("{}.{}", b64(r#"{"alg":"RS256","typ":"JWT"}"#), b64(claims));
    jwt::sign_input(KEY_A_PK8, Hash::Sha256, &input)
}

fn verify(token: &str, extra: &[&str]) -> Run {
    run(&mut cli::verify_with_key_a(token, extra))
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
    let m = mock::marked_blocking("pinned-client", SECRET);
    let t = run(&mut cli::with_app(&m, SECRET, &["app-token", "--v2"]))
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
