//! AppJWT V1 and V2, JWKS and key rotation.

use std::time::Duration;

use serde_json::Value;

use sentinel_mock::{Endpoint, Lifetimes, MockServer, V1_KID};

use crate::util::{CLIENT, SECRET, T, assert_oauth_error, config, decode};

fn assert_app_claims(c: &Value, now: u64, life: u64) {
    assert_eq!(c["aud"], "le123456");
    assert_eq!(c["azp"], CLIENT);
    assert_eq!(c["scope"], "msg.consumer");
    assert_eq!(c["iss"], "Sentinel");
    let iat = c["iat"].as_u64().unwrap();
    assert!(iat.abs_diff(now) <= 2);
    assert_eq!(c["exp"].as_u64().unwrap(), iat + life);
}

#[tokio::test]
async fn v1_token_in_the_form_body_verifies_with_the_spki_key() {
    let t = T::new().await;
    let r = t.app_token_v1().await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["expires_in"], 3600);
    let jwt = decode(v["access_token"].as_str().unwrap());
    jwt.assert_header(V1_KID);
    assert_eq!(V1_KID, "appjwt-13-05-17");
    assert!(jwt.verifies_with_spki(t.m.v1_public_key_spki_der()));
    assert_app_claims(&jwt.claims, t.m.now(), 3600);
    // Not in the JWKS: V1 keys are published out of band.
    let jwks = t.jwks().await;
    assert!(!jwt.verifies_with_jwks(&jwks));
    assert!(!jwt.verifies_with_any_jwks_key(&jwks));
    assert_eq!(t.m.count(Endpoint::AppTokenV1), 1);
}

#[tokio::test]
async fn v1_token_with_everything_in_the_query_string() {
    let t = T::new().await;
    let q = serde_urlencoded::to_string([
        ("v", "1.0"),
        ("grant_type", "client_credentials"),
        ("client_id", CLIENT),
        ("client_secret", SECRET),
    ])
    .unwrap();
    // No body at all, and an empty form body: both accepted.
    let r = t
        .http
        .post(t.sentinel(&format!("/app/token?{q}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = t
        .http
        .post(t.sentinel(&format!("/app/token?{q}")))
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    let jwt = decode(v["access_token"].as_str().unwrap());
    assert!(jwt.verifies_with_spki(t.m.v1_public_key_spki_der()));
    // Mixed: grant type in the query, credentials in the body.
    let r = t
        .post_form(
            &t.sentinel("/app/token?v=1.0&grant_type=client_credentials"),
            &[("client_id", CLIENT), ("client_secret", SECRET)],
        )
        .await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn app_token_errors() {
    let t = T::new().await;
    for url in [
        t.sentinel("/app/token?v=1.0"),
        t.url("/sentinel/api/v2/account/123456/app/token"),
    ] {
        let r = t
            .post_form(
                &url,
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", CLIENT),
                    ("client_secret", "nope"),
                ],
            )
            .await;
        assert_oauth_error(r, 401, "invalid_client").await;
        let r = t
            .post_form(
                &url,
                &[("grant_type", "client_credentials"), ("client_id", CLIENT)],
            )
            .await;
        assert_oauth_error(r, 401, "invalid_client").await;
        let r = t
            .post_form(
                &url,
                &[
                    ("grant_type", "password"),
                    ("client_id", CLIENT),
                    ("client_secret", SECRET),
                ],
            )
            .await;
        assert_oauth_error(r, 400, "unsupported_grant_type").await;
        let r = t
            .post_form(&url, &[("client_id", CLIENT), ("client_secret", SECRET)])
            .await;
        assert_oauth_error(r, 400, "invalid_request").await;
        let r = t
            .http
            .post(&url)
            .header("content-type", "application/json")
            .body(r#"{"grant_type":"client_credentials"}"#)
            .send()
            .await
            .unwrap();
        assert_oauth_error(r, 400, "invalid_request").await;
    }
    // The V2 path takes nothing from the query string.
    let r = t
        .http
        .post(t.url(&format!(
            "/sentinel/api/v2/account/123456/app/token?grant_type=client_credentials&client_id={CLIENT}&client_secret={SECRET}"
        )))
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .await
        .unwrap();
    assert_oauth_error(r, 400, "invalid_request").await;
    let r = t
        .post_form(
            &t.sentinel("/app/token?v=9"),
            &[
                ("grant_type", "client_credentials"),
                ("client_id", CLIENT),
                ("client_secret", SECRET),
            ],
        )
        .await;
    assert_oauth_error(r, 400, "invalid_request").await;
}

#[tokio::test]
async fn v2_tokens_verify_with_the_served_jwks_on_both_paths() {
    let t = T::new().await;
    let jwks = t.jwks().await;
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2, "current V2 key and the ID-token key: {jwks}");
    assert!(keys.iter().any(|k| k["kid"] == sentinel_mock::ID_TOKEN_KID));

    let r = t.app_token_v2().await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["expires_in"], 3600);
    let jwt = decode(v["access_token"].as_str().unwrap());
    jwt.assert_header(&t.m.current_v2_kid());
    assert!(jwt.verifies_with_jwks(&jwks));
    assert!(!jwt.verifies_with_spki(t.m.v1_public_key_spki_der()));
    assert_app_claims(&jwt.claims, t.m.now(), 3600);

    let r = t
        .post_form(
            &t.sentinel("/app/token?v=2.0"),
            &[
                ("grant_type", "client_credentials"),
                ("client_id", CLIENT),
                ("client_secret", SECRET),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    let jwt = decode(v["access_token"].as_str().unwrap());
    jwt.assert_header(&t.m.current_v2_kid());
    assert!(jwt.verifies_with_jwks(&jwks));
    assert_eq!(t.m.count(Endpoint::AppTokenV2), 2);
    assert_eq!(t.m.count(Endpoint::AppTokenV1), 0);
    assert_eq!(
        serde_json::from_str::<Value>(&t.m.jwks_json()).unwrap(),
        jwks
    );
}

#[tokio::test]
async fn rotation_publishes_a_new_kid_and_keeps_the_old_for_the_grace_period() {
    let t = T::with(MockServer::builder().config(config()).lifetimes(Lifetimes {
        key_grace: Duration::from_secs(100),
        ..Lifetimes::default()
    }))
    .await;
    let v: Value = t.app_token_v2().await.json().await.unwrap();
    let old = decode(v["access_token"].as_str().unwrap());
    let old_kid = t.m.current_v2_kid();

    let new_kid = t.m.rotate_keys();
    assert_ne!(new_kid, old_kid);
    assert_eq!(t.m.current_v2_kid(), new_kid);
    let v: Value = t.app_token_v2().await.json().await.unwrap();
    let new = decode(v["access_token"].as_str().unwrap());
    new.assert_header(&new_kid);
    let jwks = t.jwks().await;
    assert!(old.verifies_with_jwks(&jwks), "old kid kept during grace");
    assert!(new.verifies_with_jwks(&jwks));

    // Several rotations: every kid is new, all in grace are published.
    let third = t.m.rotate_keys();
    let fourth = t.m.rotate_keys();
    let fifth = t.m.rotate_keys();
    let kids = [&old_kid, &new_kid, &third, &fourth, &fifth];
    let mut unique: Vec<_> = kids.to_vec();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 5);
    let jwks = t.jwks().await;
    for kid in kids {
        assert!(
            jwks["keys"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k["kid"] == kid.as_str())
        );
    }

    // Just inside the grace period (one second spare for a wall-clock tick).
    t.m.set_clock_offset(98);
    let jwks = t.jwks().await;
    assert!(old.verifies_with_jwks(&jwks), "old kid kept until the end");
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 6);

    t.m.set_clock_offset(101);
    let jwks = t.jwks().await;
    let served: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(served, [fifth.as_str(), sentinel_mock::ID_TOKEN_KID]);
    assert!(!old.verifies_with_jwks(&jwks), "old kid gone after grace");
}

#[tokio::test]
async fn app_jwt_lifetime_is_configurable() {
    let t = T::with(MockServer::builder().config(config()).lifetimes(Lifetimes {
        app_jwt: Duration::from_secs(90),
        ..Lifetimes::default()
    }))
    .await;
    let v: Value = t.app_token_v1().await.json().await.unwrap();
    assert_eq!(v["expires_in"], 90);
    let jwt = decode(v["access_token"].as_str().unwrap());
    assert_app_claims(&jwt.claims, t.m.now(), 90);
}

#[tokio::test]
async fn clock_offset_moves_iat() {
    let t = T::with(MockServer::builder().config(config()).clock_offset(-86_400)).await;
    let v: Value = t.app_token_v1().await.json().await.unwrap();
    let jwt = decode(v["access_token"].as_str().unwrap());
    let sys = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let iat = jwt.claims["iat"].as_u64().unwrap();
    assert!(iat.abs_diff(sys - 86_400) <= 2);
}

#[tokio::test]
async fn many_accounts_mode_serves_any_account_with_derived_credentials() {
    use sentinel_mock::{derived_client_id, derived_client_secret};
    let t = T::with(MockServer::builder().config(config()).many_accounts()).await;
    for account in ["987654", "1", "brand_x-9"] {
        let url = t.url(&format!("/sentinel/api/account/{account}/app/token?v=1.0"));
        let (id, secret) = (derived_client_id(account), derived_client_secret(account));
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", &id),
            ("client_secret", &secret),
        ];
        let r = t.post_form(&url, &form).await;
        assert_eq!(r.status(), 200, "{account}");
        let v: Value = r.json().await.unwrap();
        let jwt = decode(v["access_token"].as_str().unwrap());
        assert_eq!(jwt.claims["aud"], format!("le{account}"));
        assert_eq!(jwt.claims["azp"], id.as_str());
        // The Domain API lists the account too.
        let r = t
            .get(&t.url(&format!(
                "/api/account/{account}/service/baseURI.json?version=1.0"
            )))
            .await;
        assert_eq!(r.status(), 200);
    }
    // Another account's derived credentials, or a wrong secret: refused.
    let url = t.url("/sentinel/api/account/111/app/token?v=1.0");
    let other = [
        ("grant_type", "client_credentials"),
        ("client_id", "brand-222"),
        ("client_secret", "sentinel-demo-secret-222"),
    ];
    assert_oauth_error(t.post_form(&url, &other).await, 401, "invalid_client").await;
    let wrong = [
        ("grant_type", "client_credentials"),
        ("client_id", "brand-111"),
        ("client_secret", "sentinel-demo-secret-112"),
    ];
    assert_oauth_error(t.post_form(&url, &wrong).await, 401, "invalid_client").await;
    // An id the mode cannot serve.
    let r = t
        .get(&t.url("/api/account/a.b/service/baseURI.json?version=1.0"))
        .await;
    assert_eq!(r.status(), 404);
    // The configured clients still work.
    assert_eq!(t.app_token_v1().await.status(), 200);
}

#[tokio::test]
async fn without_many_accounts_mode_derived_credentials_are_refused() {
    let t = T::new().await;
    let url = t.url("/sentinel/api/account/123456/app/token?v=1.0");
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", "brand-123456"),
        ("client_secret", "sentinel-demo-secret-123456"),
    ];
    assert_oauth_error(t.post_form(&url, &form).await, 401, "invalid_client").await;
    let r = t
        .get(&t.url("/api/account/987654/service/baseURI.json?version=1.0"))
        .await;
    assert_eq!(r.status(), 404);
}
