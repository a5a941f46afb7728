//! IdP ConsumerJWS.

use std::time::Duration;

use serde_json::{Value, json};

use sentinel_mock::{Endpoint, Lifetimes, MockServer};

use crate::util::{T, config, decode};

impl T {
    async fn consumer(&self, auth: Option<&str>, body: &Value) -> reqwest::Response {
        let mut rb = self
            .http
            .post(self.url("/api/account/123456/consumer?v=1.0"))
            .json(body);
        if let Some(a) = auth {
            rb = rb.header("authorization", a);
        }
        rb.send().await.unwrap()
    }
}

#[tokio::test]
async fn a_valid_app_jwt_gets_a_consumer_jws() {
    let t = T::new().await;
    let app = t.app_jwt_v1().await;
    for auth in [
        app.clone(),
        format!("Bearer {app}"),
        format!("bearer {app}"),
    ] {
        let r = t
            .consumer(Some(&auth), &json!({"ext_consumer_id": "ext-77"}))
            .await;
        assert_eq!(r.status(), 201, "as LivePerson answers");
        let v: Value = r.json().await.unwrap();
        let jws = decode(v["token"].as_str().unwrap());
        assert_eq!(jws.header["alg"], "RS256");
        assert_eq!(jws.header["typ"], "JWT");
        assert_eq!(jws.claims["sub"], "ext-77");
        assert!(jws.claims["exp"].as_u64().unwrap() > t.m.now());
        assert!(jws.verifies_with_jwks(&t.jwks().await));
    }
    // A V2 AppJWT works too.
    let v: Value = t.app_token_v2().await.json().await.unwrap();
    let app2 = v["access_token"].as_str().unwrap();
    let r = t
        .consumer(Some(app2), &json!({"ext_consumer_id": "x"}))
        .await;
    assert_eq!(r.status(), 201);
    assert_eq!(t.m.count(Endpoint::Consumer), 4);
}

#[tokio::test]
async fn missing_or_bad_authorization_is_401() {
    let t = T::new().await;
    let body = json!({"ext_consumer_id": "ext-77"});
    assert_eq!(t.consumer(None, &body).await.status(), 401);
    assert_eq!(t.consumer(Some(""), &body).await.status(), 401);
    assert_eq!(t.consumer(Some("Bearer "), &body).await.status(), 401);
    assert_eq!(t.consumer(Some("garbage"), &body).await.status(), 401);
    assert_eq!(t.consumer(Some("a.b.c"), &body).await.status(), 401);
    // Tampered: claims changed, signature kept.
    let app = t.app_jwt_v1().await;
    let parts: Vec<&str> = app.split('.').collect();
    let forged = format!("{}.{}.{}", parts[0], parts[0], parts[2]);
    assert_eq!(t.consumer(Some(&forged), &body).await.status(), 401);
    // An ID token is not an AppJWT.
    let v = t.login().await;
    let id = v["id_token"].as_str().unwrap();
    assert_eq!(t.consumer(Some(id), &body).await.status(), 401);
    // Neither is a ConsumerJWS.
    let v: Value = t.consumer(Some(&app), &body).await.json().await.unwrap();
    let jws = v["token"].as_str().unwrap();
    assert_eq!(t.consumer(Some(jws), &body).await.status(), 401);
}

#[tokio::test]
async fn an_expired_app_jwt_is_401() {
    let t = T::new().await;
    let app = t.app_jwt_v1().await;
    let body = json!({"ext_consumer_id": "e"});
    // 3598, not 3599: the wall clock may tick a second between issue and use.
    t.m.set_clock_offset(3598);
    assert_eq!(t.consumer(Some(&app), &body).await.status(), 201);
    t.m.set_clock_offset(3601);
    assert_eq!(t.consumer(Some(&app), &body).await.status(), 401);
}

#[tokio::test]
async fn an_app_jwt_of_an_expired_v2_key_is_401() {
    let t = T::with(MockServer::builder().config(config()).lifetimes(Lifetimes {
        key_grace: Duration::from_secs(300),
        ..Lifetimes::default()
    }))
    .await;
    let v: Value = t.app_token_v2().await.json().await.unwrap();
    let app = v["access_token"].as_str().unwrap().to_owned();
    t.m.rotate_keys();
    let body = json!({"ext_consumer_id": "e"});
    assert_eq!(t.consumer(Some(&app), &body).await.status(), 201);
    t.m.set_clock_offset(3000); // beyond the 5 min grace, within the token's hour
    assert_eq!(t.consumer(Some(&app), &body).await.status(), 401);
}

#[tokio::test]
async fn bad_bodies_are_400() {
    let t = T::new().await;
    let app = t.app_jwt_v1().await;
    for body in [
        json!({}),
        json!({"ext_consumer_id": ""}),
        json!({"ext_consumer_id": 5}),
        json!([1]),
    ] {
        assert_eq!(t.consumer(Some(&app), &body).await.status(), 400, "{body}");
    }
    let post = |ct: &'static str, body: &'static str| {
        t.http
            .post(t.url("/api/account/123456/consumer?v=1.0"))
            .header("authorization", app.as_str())
            .header("content-type", ct)
            .body(body)
            .send()
    };
    assert_eq!(
        post("application/json", "{not json")
            .await
            .unwrap()
            .status(),
        400
    );
    assert_eq!(
        post("application/x-www-form-urlencoded", "ext_consumer_id=x")
            .await
            .unwrap()
            .status(),
        400
    );
    assert_eq!(
        post(
            "application/json; charset=utf-8",
            r#"{"ext_consumer_id":"x"}"#
        )
        .await
        .unwrap()
        .status(),
        201
    );
}

#[tokio::test]
async fn an_app_jwt_of_another_account_is_401() {
    let t = T::with(
        sentinel_mock::MockServer::builder()
            .config(crate::util::config())
            .account("777"),
    )
    .await;
    let app_123456 = t.app_jwt_v1().await;
    assert_eq!(decode(&app_123456).claims["aud"], "le123456");
    let r = t
        .post_form(
            &t.url("/sentinel/api/account/777/app/token?v=1.0"),
            &[
                ("grant_type", "client_credentials"),
                ("client_id", crate::util::CLIENT),
                ("client_secret", crate::util::SECRET),
            ],
        )
        .await;
    let v: Value = r.json().await.unwrap();
    let app_777 = v["access_token"].as_str().unwrap().to_owned();
    assert_eq!(decode(&app_777).claims["aud"], "le777");
    let post = |account: &str, app: &str| {
        t.http
            .post(t.url(&format!("/api/account/{account}/consumer?v=1.0")))
            .header("authorization", app)
            .json(&json!({"ext_consumer_id": "e"}))
            .send()
    };
    assert_eq!(post("777", &app_777).await.unwrap().status(), 201);
    assert_eq!(post("123456", &app_123456).await.unwrap().status(), 201);
    assert_eq!(post("777", &app_123456).await.unwrap().status(), 401);
    assert_eq!(post("123456", &app_777).await.unwrap().status(), 401);
}
