//! PKCE (RFC 7636, S256): the challenge stored with the code, the verifier
//! checked at the exchange, every wrong shape refused.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use crate::util::{CLIENT, REDIRECT, SECRET, T, assert_oauth_error, location, query_of};

/// RFC 7636 Appendix B.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// Authorize for CLIENT with these extra pairs; the callback's query.
async fn authorize(t: &T, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut p = vec![
        ("response_type", "code"),
        ("client_id", CLIENT),
        ("redirect_uri", REDIRECT),
        ("state", "st-pkce"),
    ];
    p.extend_from_slice(extra);
    let r = t.authorize(&p).await;
    assert_eq!(r.status(), 302);
    let loc = location(&r);
    assert!(loc.starts_with(REDIRECT), "{loc}");
    query_of(&loc)
}

async fn code_with_challenge(t: &T, challenge: &str) -> String {
    let q = authorize(
        t,
        &[
            ("code_challenge", challenge),
            ("code_challenge_method", "S256"),
        ],
    )
    .await;
    q.into_iter().find(|(k, _)| k == "code").unwrap().1
}

async fn exchange(t: &T, code: &str, verifier: Option<&str>) -> reqwest::Response {
    let mut f = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT),
        ("client_id", CLIENT),
        ("client_secret", SECRET),
    ];
    if let Some(v) = verifier {
        f.push(("code_verifier", v));
    }
    t.post_form(&t.sentinel("/token?v=1.0"), &f).await
}

/// S256 computed here with ring, independently of the client crates.
fn s256(verifier: &str) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes());
    URL_SAFE_NO_PAD.encode(d.as_ref())
}

#[tokio::test]
async fn the_right_verifier_gets_tokens() {
    let t = T::new().await;
    assert_eq!(s256(VERIFIER), CHALLENGE);
    let code = code_with_challenge(&t, CHALLENGE).await;
    let r = exchange(&t, &code, Some(VERIFIER)).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert!(v["access_token"].is_string() && v["id_token"].is_string());
    // Any verifier of the allowed alphabet and length works, up to 128.
    let long = format!("{}-._~", "Ab9".repeat(41));
    assert_eq!(long.len(), 127);
    let code = code_with_challenge(&t, &s256(&long)).await;
    assert_eq!(exchange(&t, &code, Some(&long)).await.status(), 200);
}

#[tokio::test]
async fn a_wrong_or_missing_verifier_is_invalid_grant_and_uses_up_the_code() {
    let t = T::new().await;
    let wrong_len = "a".repeat(42);
    let bad_char = format!("{}+", &VERIFIER[..43]);
    for verifier in [
        None,
        Some(""),
        Some("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK"),
        Some(CHALLENGE),
        Some(wrong_len.as_str()),
        Some(bad_char.as_str()),
    ] {
        let code = code_with_challenge(&t, CHALLENGE).await;
        let r = exchange(&t, &code, verifier).await;
        assert_eq!(r.status(), 400, "{verifier:?}");
        let body = r.text().await.unwrap();
        assert!(!body.contains(VERIFIER), "{body}");
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["error"], "invalid_grant", "{verifier:?}: {v}");
        // Single use: the right verifier is too late now.
        assert_oauth_error(
            exchange(&t, &code, Some(VERIFIER)).await,
            400,
            "invalid_grant",
        )
        .await;
    }
}

#[tokio::test]
async fn a_verifier_for_a_code_without_challenge_is_refused() {
    let t = T::new().await;
    let code = t.code(true).await;
    assert_oauth_error(
        exchange(&t, &code, Some(VERIFIER)).await,
        400,
        "invalid_grant",
    )
    .await;
    // Without PKCE on either side the flow is as before.
    let code = t.code(true).await;
    assert_eq!(exchange(&t, &code, None).await.status(), 200);
}

#[tokio::test]
async fn methods_other_than_s256_and_malformed_challenges_are_invalid_request() {
    let t = T::new().await;
    let short = &CHALLENGE[..42];
    let padded = format!("{CHALLENGE}=");
    for extra in [
        vec![("code_challenge", CHALLENGE)],
        vec![
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "plain"),
        ],
        vec![
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "s256"),
        ],
        vec![
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S512"),
        ],
        vec![("code_challenge", CHALLENGE), ("code_challenge_method", "")],
        vec![("code_challenge_method", "S256")],
        vec![("code_challenge", short), ("code_challenge_method", "S256")],
        vec![
            ("code_challenge", &padded),
            ("code_challenge_method", "S256"),
        ],
        vec![("code_challenge", ""), ("code_challenge_method", "S256")],
    ] {
        let q = authorize(&t, &extra).await;
        let get = |name: &str| q.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        assert_eq!(get("error"), Some("invalid_request"), "{extra:?}: {q:?}");
        assert_eq!(get("code"), None, "{extra:?}");
        assert_eq!(get("state"), Some("st-pkce"), "{extra:?}");
    }
}
