//! Authorize, code exchange, ID token, refresh rotation, revoke.

use serde_json::Value;

use crate::util::{
    CLIENT, CLIENT2, REDIRECT, REDIRECT2, SECRET, T, assert_oauth_error, decode, location, query_of,
};

#[tokio::test]
async fn authorize_redirects_with_code_and_state() {
    let t = T::new().await;
    let r = t
        .authorize(&[
            ("v", "1.0"),
            ("response_type", "code"),
            ("client_id", CLIENT),
            ("redirect_uri", REDIRECT),
            ("state", "a b&c=d"),
        ])
        .await;
    assert_eq!(r.status(), 302);
    let loc = location(&r);
    assert!(loc.starts_with("http://127.0.0.1/callback?"), "{loc}");
    let q = query_of(&loc);
    assert!(q.iter().any(|(k, v)| k == "code" && !v.is_empty()));
    assert!(q.iter().any(|(k, v)| k == "state" && v == "a b&c=d"));
}

#[tokio::test]
async fn authorize_redirect_rules() {
    let t = T::new().await;
    // One registered: optional.
    let r = t
        .authorize(&[("response_type", "code"), ("client_id", CLIENT)])
        .await;
    assert_eq!(r.status(), 302);
    assert!(location(&r).starts_with(REDIRECT));
    // Two registered: required, and the chosen one is used (query kept).
    let r = t
        .authorize(&[("response_type", "code"), ("client_id", CLIENT2)])
        .await;
    assert_eq!(r.status(), 400);
    assert!(r.headers().get("location").is_none());
    let r = t
        .authorize(&[
            ("response_type", "code"),
            ("client_id", CLIENT2),
            ("redirect_uri", REDIRECT2),
            ("state", "s"),
        ])
        .await;
    assert_eq!(r.status(), 302);
    let loc = location(&r);
    assert!(
        loc.starts_with("http://localhost:8765/cb?x=1&code="),
        "{loc}"
    );
}

#[tokio::test]
async fn authorize_never_redirects_to_an_unverified_uri() {
    let t = T::new().await;
    for pairs in [
        vec![("response_type", "code"), ("client_id", "unknown-client")],
        vec![("response_type", "code")],
        vec![
            ("response_type", "code"),
            ("client_id", CLIENT),
            ("redirect_uri", "https://evil.example/cb"),
        ],
        vec![
            ("response_type", "code"),
            ("client_id", CLIENT),
            ("redirect_uri", "http://127.0.0.1/callback/"),
        ],
        // An unverified redirect wins over a bad response_type.
        vec![
            ("response_type", "token"),
            ("client_id", CLIENT),
            ("redirect_uri", "https://evil.example/cb"),
        ],
    ] {
        let r = t.authorize(&pairs).await;
        assert_eq!(r.status(), 400, "{pairs:?}");
        assert!(r.headers().get("location").is_none(), "{pairs:?}");
        let ct = r.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(ct.starts_with("text/html"), "{ct}");
    }
}

/// RFC 8252 §7.3: a registered loopback IP redirect matches on any port, and
/// the exchange must repeat the URI sent, port included; nothing else is loosened.
#[tokio::test]
async fn loopback_redirects_match_on_any_port_only() {
    let t = T::new().await;
    let sent = "http://127.0.0.1:53117/callback";
    let r = t
        .authorize(&[
            ("response_type", "code"),
            ("client_id", CLIENT),
            ("redirect_uri", sent),
            ("state", "s"),
        ])
        .await;
    assert_eq!(r.status(), 302);
    let loc = location(&r);
    assert!(
        loc.starts_with("http://127.0.0.1:53117/callback?code="),
        "{loc}"
    );
    let code = query_of(&loc)
        .into_iter()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1;
    // The registered form (no port) is not the URI that was sent.
    let r = t.exchange(&code, Some(REDIRECT)).await;
    assert_oauth_error(r, 400, "invalid_grant").await;
    for refused in [
        "http://127.0.0.1:53117/callback/",
        "http://127.0.0.1:53117/other",
        "http://127.0.0.1:53117/callback?x=1",
        "http://127.0.0.1:53117/./callback",
        "https://127.0.0.1:53117/callback",
        "http://localhost:53117/callback",
        "http://127.0.0.2:53117/callback",
        "http://user@127.0.0.1:53117/callback",
    ] {
        let r = t
            .authorize(&[
                ("response_type", "code"),
                ("client_id", CLIENT),
                ("redirect_uri", refused),
            ])
            .await;
        assert_eq!(r.status(), 400, "{refused}");
        assert!(r.headers().get("location").is_none(), "{refused}");
    }
    // A registered URI that is not a loopback IP matches exactly.
    let r = t
        .authorize(&[
            ("response_type", "code"),
            ("client_id", CLIENT2),
            ("redirect_uri", "http://localhost:8766/cb?x=1"),
        ])
        .await;
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn authorize_bad_response_type_is_an_oauth_redirect() {
    let t = T::new().await;
    // RFC 6749 4.1.2.1: an unsupported value is unsupported_response_type, a
    // missing one invalid_request.
    for (rt, error) in [
        (Some("token"), "unsupported_response_type"),
        (Some(""), "invalid_request"),
        (None, "invalid_request"),
    ] {
        let mut p = vec![("client_id", CLIENT), ("state", "xyz")];
        if let Some(rt) = rt {
            p.push(("response_type", rt));
        }
        let r = t.authorize(&p).await;
        assert_eq!(r.status(), 302);
        let loc = location(&r);
        assert!(loc.starts_with(REDIRECT), "{loc}");
        let q = query_of(&loc);
        assert!(q.contains(&("error".into(), error.into())), "{rt:?}: {q:?}");
        assert!(q.iter().any(|(k, _)| k == "error_description"));
        assert!(q.contains(&("state".into(), "xyz".into())));
        assert!(!q.iter().any(|(k, _)| k == "code"));
    }
}

#[tokio::test]
async fn code_exchange_returns_tokens_and_a_signed_id_token() {
    let t = T::new().await;
    let code = t.code(true).await;
    let r = t.exchange(&code, Some(REDIRECT)).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/json");
    assert_eq!(r.headers()["cache-control"], "no-store", "RFC 6749 5.1");
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["expires_in"], 3600);
    let at = v["access_token"].as_str().unwrap();
    let rt = v["refresh_token"].as_str().unwrap();
    assert!(at.len() >= 32 && rt.len() >= 32 && at != rt);
    assert!(!at.contains('.'), "opaque, not a JWT");

    let id = decode(v["id_token"].as_str().unwrap());
    id.assert_header(sentinel_mock::ID_TOKEN_KID);
    assert!(sentinel_mock::ID_TOKEN_KID.starts_with("idtoken-"));
    assert!(id.verifies_with_jwks(&t.jwks().await));
    let c = &id.claims;
    assert_eq!(c["sub"], "demo-user-1");
    assert_eq!(c["aud"], CLIENT);
    assert_eq!(c["iss"], "sentinel");
    assert_eq!(c["is_admin"], false);
    assert_eq!(c["is_lpa"], true);
    let now = t.m.now();
    let iat = c["iat"].as_u64().unwrap();
    assert!(iat.abs_diff(now) <= 2);
    assert_eq!(c["exp"].as_u64().unwrap(), iat + 600);
}

#[tokio::test]
async fn configured_user_and_lifetimes_are_used() {
    use std::time::Duration;
    let t = T::with(
        sentinel_mock::MockServer::builder()
            .config(crate::util::config())
            .user(sentinel_mock::MockUser {
                id: "u-42".into(),
                is_admin: true,
                is_lpa: false,
            })
            .lifetimes(sentinel_mock::Lifetimes {
                access_token: Duration::from_secs(120),
                id_token: Duration::from_secs(30),
                ..Default::default()
            }),
    )
    .await;
    let code = t.code(false).await;
    let v: Value = t.exchange(&code, None).await.json().await.unwrap();
    assert_eq!(v["expires_in"], 120);
    let id = decode(v["id_token"].as_str().unwrap());
    assert_eq!(id.claims["sub"], "u-42");
    assert_eq!(id.claims["is_admin"], true);
    assert_eq!(id.claims["is_lpa"], false);
    assert_eq!(
        id.claims["exp"].as_u64().unwrap() - id.claims["iat"].as_u64().unwrap(),
        30
    );
}

#[tokio::test]
async fn a_code_is_single_use_even_after_a_failed_exchange() {
    let t = T::new().await;
    let code = t.code(true).await;
    assert_eq!(t.exchange(&code, Some(REDIRECT)).await.status(), 200);
    assert_oauth_error(
        t.exchange(&code, Some(REDIRECT)).await,
        400,
        "invalid_grant",
    )
    .await;

    let code = t.code(true).await;
    // Wrong redirect: fails, and burns the code.
    assert_oauth_error(
        t.exchange(&code, Some(REDIRECT2)).await,
        400,
        "invalid_grant",
    )
    .await;
    assert_oauth_error(
        t.exchange(&code, Some(REDIRECT)).await,
        400,
        "invalid_grant",
    )
    .await;
    assert_oauth_error(t.exchange("made-up", None).await, 400, "invalid_grant").await;
}

#[tokio::test]
async fn redirect_uri_must_be_sent_iff_it_was_sent_to_authorize() {
    let t = T::new().await;
    let code = t.code(true).await;
    assert_oauth_error(t.exchange(&code, None).await, 400, "invalid_grant").await;
    let code = t.code(false).await;
    assert_oauth_error(
        t.exchange(&code, Some(REDIRECT)).await,
        400,
        "invalid_grant",
    )
    .await;
    let code = t.code(false).await;
    assert_eq!(t.exchange(&code, None).await.status(), 200);
}

#[tokio::test]
async fn codes_expire_on_the_mock_clock() {
    let t = T::new().await;
    let code = t.code(true).await;
    t.m.set_clock_offset(61);
    assert_eq!(t.m.clock_offset(), 61);
    assert_oauth_error(
        t.exchange(&code, Some(REDIRECT)).await,
        400,
        "invalid_grant",
    )
    .await;
    let code = t.code(true).await;
    // 58 s after issue, not 59: the wall clock may tick a second in between.
    t.m.set_clock_offset(61 + 58);
    assert_eq!(t.exchange(&code, Some(REDIRECT)).await.status(), 200);
}

#[tokio::test]
async fn a_code_belongs_to_its_client() {
    let t = T::new().await;
    let code = t.code(true).await;
    let r = t
        .post_form(
            &t.sentinel("/token?v=1.0"),
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
                ("client_id", CLIENT2),
                ("client_secret", SECRET),
            ],
        )
        .await;
    assert_oauth_error(r, 400, "invalid_grant").await;
}

#[tokio::test]
async fn token_endpoint_errors() {
    let t = T::new().await;
    let url = t.sentinel("/token?v=1.0");
    let code = t.code(true).await;
    // Client authentication.
    for (id, secret) in [
        (CLIENT, "wrong"),
        ("nobody", SECRET),
        (CLIENT, ""),
        ("", ""),
    ] {
        let r = t
            .post_form(
                &url,
                &[
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("redirect_uri", REDIRECT),
                    ("client_id", id),
                    ("client_secret", secret),
                ],
            )
            .await;
        assert_oauth_error(r, 401, "invalid_client").await;
    }
    let r = t
        .post_form(
            &url,
            &[("grant_type", "authorization_code"), ("code", &code)],
        )
        .await;
    assert_oauth_error(r, 401, "invalid_client").await;
    // Only the legacy V1 AppJWT form reads credentials from the query string.
    let q =
        serde_urlencoded::to_string([("client_id", CLIENT), ("client_secret", SECRET)]).unwrap();
    let r = t
        .post_form(
            &format!("{url}&{q}"),
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
            ],
        )
        .await;
    assert_oauth_error(r, 401, "invalid_client").await;
    // A failed client authentication does not burn the code.
    assert_eq!(t.exchange(&code, Some(REDIRECT)).await.status(), 200);

    let r = t
        .post_form(&url, &[("grant_type", "password"), ("client_id", CLIENT)])
        .await;
    assert_oauth_error(r, 400, "unsupported_grant_type").await;
    let r = t.post_form(&url, &[("client_id", CLIENT)]).await;
    assert_oauth_error(r, 400, "invalid_request").await;
    let r = t
        .post_form(
            &url,
            &[
                ("grant_type", "authorization_code"),
                ("client_id", CLIENT),
                ("client_secret", SECRET),
            ],
        )
        .await;
    assert_oauth_error(r, 400, "invalid_request").await;
    let r = t
        .post_form(
            &url,
            &[
                ("grant_type", "authorization_code"),
                ("grant_type", "refresh_token"),
            ],
        )
        .await;
    assert_oauth_error(r, 400, "invalid_request").await;
}

#[tokio::test]
async fn token_endpoint_content_type_and_version() {
    let t = T::new().await;
    let body = |code: &str| {
        serde_urlencoded::to_string([
            ("grant_type", "authorization_code"),
            ("code", code),
            ("client_id", CLIENT),
            ("client_secret", SECRET),
        ])
        .unwrap()
    };
    let send = |url: String, ct: Option<&'static str>, body: String| {
        let mut rb = t.http.post(url).body(body);
        if let Some(ct) = ct {
            rb = rb.header("content-type", ct);
        }
        rb.send()
    };
    for ct in [
        None,
        Some("application/json"),
        Some("text/plain"),
        Some("multipart/form-data"),
    ] {
        let code = t.code(false).await;
        let r = send(t.sentinel("/token?v=1.0"), ct, body(&code))
            .await
            .unwrap();
        assert_oauth_error(r, 400, "invalid_request").await;
    }
    for ct in [
        "application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded;charset=UTF-8",
        "application/x-www-form-urlencoded; charset=utf-8",
    ] {
        let code = t.code(false).await;
        let r = send(t.sentinel("/token?v=1.0"), Some(ct), body(&code))
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{ct}");
    }
    for (v, ok) in [("?v=2.0", true), ("", true), ("?v=3.0", false)] {
        let code = t.code(false).await;
        let r = send(
            t.sentinel(&format!("/token{v}")),
            Some("application/x-www-form-urlencoded"),
            body(&code),
        )
        .await
        .unwrap();
        if ok {
            assert_eq!(r.status(), 200, "{v}");
        } else {
            assert_oauth_error(r, 400, "invalid_request").await;
        }
    }
}

#[tokio::test]
async fn refresh_rotates_and_the_old_token_stops_working() {
    let t = T::new().await;
    let v = t.login().await;
    let rt1 = v["refresh_token"].as_str().unwrap().to_owned();
    let r = t.refresh(&rt1).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["expires_in"], 3600);
    assert!(v["access_token"].is_string());
    let rt2 = v["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(rt1, rt2);
    assert_oauth_error(t.refresh(&rt1).await, 400, "invalid_grant").await;
    assert_eq!(t.refresh(&rt2).await.status(), 200);
    assert_oauth_error(t.refresh("never-issued").await, 400, "invalid_grant").await;
}

#[tokio::test]
async fn a_refresh_token_belongs_to_its_client() {
    let t = T::new().await;
    let v = t.login().await;
    let rt = v["refresh_token"].as_str().unwrap();
    let r = t
        .post_form(
            &t.sentinel("/token?v=1.0"),
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", rt),
                ("client_id", CLIENT2),
                ("client_secret", SECRET),
            ],
        )
        .await;
    assert_oauth_error(r, 400, "invalid_grant").await;
    // Another client cannot spend it either, as it cannot revoke it.
    assert_eq!(t.refresh(rt).await.status(), 200, "still the owner's");
}

#[tokio::test]
async fn revoke_then_refresh_fails() {
    let t = T::new().await;
    let v = t.login().await;
    let rt = v["refresh_token"].as_str().unwrap();
    assert_eq!(t.m.live_refresh_tokens(), [rt]);
    let url = t.sentinel("/token/revoke?v=1.0");
    let form = [
        ("token", rt),
        ("client_id", CLIENT),
        ("client_secret", SECRET),
    ];
    let r = t.post_form(&url, &form).await;
    assert_eq!(r.status(), 200);
    assert!(r.bytes().await.unwrap().is_empty());
    assert!(t.m.live_refresh_tokens().is_empty());
    assert_oauth_error(t.refresh(rt).await, 400, "invalid_grant").await;
    // Revoking again, or an unknown token, is fine (RFC 7009).
    assert_eq!(t.post_form(&url, &form).await.status(), 200);
}

#[tokio::test]
async fn revoke_errors() {
    let t = T::new().await;
    let v = t.login().await;
    let rt = v["refresh_token"].as_str().unwrap();
    let url = t.sentinel("/token/revoke?v=1.0");
    let r = t
        .post_form(
            &url,
            &[("token", rt), ("client_id", CLIENT), ("client_secret", "x")],
        )
        .await;
    assert_oauth_error(r, 401, "invalid_client").await;
    let r = t
        .post_form(&url, &[("client_id", CLIENT), ("client_secret", SECRET)])
        .await;
    assert_oauth_error(r, 400, "invalid_request").await;
    let r = t
        .http
        .post(&url)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_oauth_error(r, 400, "invalid_request").await;
    // Another client cannot revoke it.
    let r = t
        .post_form(
            &url,
            &[
                ("token", rt),
                ("client_id", CLIENT2),
                ("client_secret", SECRET),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(t.refresh(rt).await.status(), 200, "still valid");
}

#[tokio::test]
async fn user_tokens_belong_to_their_account() {
    let t = T::with(
        sentinel_mock::MockServer::builder()
            .config(crate::util::config())
            .account("777"),
    )
    .await;
    let code = t.code(true).await;
    let token_777 = t.url("/sentinel/api/account/777/token?v=1.0");
    let exchange = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("client_id", CLIENT),
        ("client_secret", SECRET),
    ];
    // A code of account 123456 is no good at account 777 (and is spent).
    assert_oauth_error(
        t.post_form(&token_777, &exchange).await,
        400,
        "invalid_grant",
    )
    .await;
    let v = t.login().await;
    let rt = v["refresh_token"].as_str().unwrap();
    let refresh = [
        ("grant_type", "refresh_token"),
        ("refresh_token", rt),
        ("client_id", CLIENT),
        ("client_secret", SECRET),
    ];
    assert_oauth_error(
        t.post_form(&token_777, &refresh).await,
        400,
        "invalid_grant",
    )
    .await;
    // Revoking it at account 777 leaves it alone, as refreshing there did.
    let r = t
        .post_form(
            &t.url("/sentinel/api/account/777/token/revoke?v=1.0"),
            &[
                ("token", rt),
                ("client_id", CLIENT),
                ("client_secret", SECRET),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(t.refresh(rt).await.status(), 200, "still valid at 123456");
}

async fn code2(t: &T) -> String {
    let r = t
        .authorize(&[
            ("response_type", "code"),
            ("client_id", CLIENT2),
            ("redirect_uri", REDIRECT2),
        ])
        .await;
    let q = query_of(&location(&r));
    q.into_iter().find(|(k, _)| k == "code").unwrap().1
}

async fn exchange2(t: &T, code: &str, redirect: &str) -> reqwest::Response {
    t.post_form(
        &t.sentinel("/token?v=1.0"),
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect),
            ("client_id", CLIENT2),
            ("client_secret", SECRET),
        ],
    )
    .await
}

#[tokio::test]
async fn the_id_token_audience_is_the_client_that_logged_in() {
    let t = T::new().await;
    // Identical, not merely registered: the client's other URI is refused.
    let r = exchange2(&t, &code2(&t).await, REDIRECT).await;
    assert_oauth_error(r, 400, "invalid_grant").await;
    let r = exchange2(&t, &code2(&t).await, REDIRECT2).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    let id = decode(v["id_token"].as_str().unwrap());
    assert_eq!(id.claims["aud"], CLIENT2);
    assert!(id.verifies_with_jwks(&t.jwks().await));
}
