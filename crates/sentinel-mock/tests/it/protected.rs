//! The protected endpoints: an API taking an AppJWT, and the Send API taking an
//! AppJWT and a ConsumerJWS.

use serde_json::{Value, json};

use sentinel_mock::{Endpoint, Fault, MockServer};

use crate::util::{CLIENT, SECRET, T, config, decode};

const SEND_PATH: &str = "/messaging/consumer/conversation/send";

impl T {
    /// A V2 AppJWT (the `/sentinel/api/v2/...` form).
    async fn app_jwt_v2(&self) -> String {
        let r = self.app_token_v2().await;
        assert_eq!(r.status(), 200);
        let v: Value = r.json().await.unwrap();
        v["access_token"].as_str().unwrap().to_owned()
    }

    /// A ConsumerJWS for `ext` from the emulator's IdP endpoint.
    async fn consumer_jws(&self, app: &str, ext: &str) -> String {
        let r = self
            .http
            .post(self.url(&format!("/api/account/{}/consumer?v=1.0", self.m.account())))
            .header("authorization", app)
            .json(&json!({"ext_consumer_id": ext}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let v: Value = r.json().await.unwrap();
        v["token"].as_str().unwrap().to_owned()
    }

    /// POST `body` to the protected endpoint with this `Authorization`.
    async fn protected_post(&self, auth: Option<&str>, body: &str) -> reqwest::Response {
        let mut rb = self.http.post(self.m.protected_url()).body(body.to_owned());
        if let Some(a) = auth {
            rb = rb.header("authorization", a);
        }
        rb.send().await.unwrap()
    }

    async fn protected_get(&self, auth: Option<&str>) -> reqwest::Response {
        let mut rb = self.http.get(self.m.protected_url());
        if let Some(a) = auth {
            rb = rb.header("authorization", a);
        }
        rb.send().await.unwrap()
    }

    /// POST `body` to the Send API with these `Authorization` and
    /// `X-LP-ON-BEHALF`.
    async fn send(&self, auth: Option<&str>, on_behalf: Option<&str>) -> reqwest::Response {
        let mut rb = self
            .http
            .post(self.m.send_api_url())
            .header("content-type", "application/json")
            .body(r#"{"kind":"req","type":"ms.PublishEvent"}"#);
        if let Some(a) = auth {
            rb = rb.header("authorization", a);
        }
        if let Some(c) = on_behalf {
            rb = rb.header("x-lp-on-behalf", c);
        }
        rb.send().await.unwrap()
    }
}

/// A 401 as the protected endpoints answer it: a `WWW-Authenticate: Bearer`
/// challenge, a short JSON body naming `what` and `why` and none of `secrets`.
async fn assert_401(r: reqwest::Response, what: &str, why: &str, secrets: &[&str]) {
    assert_eq!(r.status(), 401);
    let challenge = r.headers()["www-authenticate"].to_str().unwrap().to_owned();
    assert!(
        challenge.starts_with("Bearer realm=\"liveperson\""),
        "{challenge}"
    );
    assert_eq!(
        challenge.contains("error=\"invalid_token\""),
        why != "missing",
        "{challenge}"
    );
    assert_eq!(r.headers()["content-type"], "application/json");
    let body = r.text().await.unwrap();
    assert!(body.len() < 200, "short: {body}");
    for s in secrets.iter().filter(|s| !s.is_empty()) {
        assert!(!body.contains(s), "{body} names a token");
        assert!(!challenge.contains(s), "{challenge} names a token");
        // Nor any of its three parts.
        for part in s.split('.').filter(|p| p.len() > 8) {
            assert!(!body.contains(part), "{body} names part of a token");
        }
    }
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["error"], "unauthorized");
    assert_eq!(v["error_description"], format!("{what} {why}"));
}

#[tokio::test]
async fn valid_v1_and_v2_app_jwts_raw_or_bearer_are_200() {
    let t = T::new().await;
    let v1 = t.app_jwt_v1().await;
    let v2 = t.app_jwt_v2().await;
    assert_eq!(decode(&v1).header["kid"], sentinel_mock::V1_KID);
    assert_eq!(decode(&v2).header["kid"], t.m.current_v2_kid());
    let mut n = 0;
    for app in [&v1, &v2] {
        for auth in [
            app.clone(),
            format!("Bearer {app}"),
            format!("bearer {app}"),
        ] {
            let r = t.protected_get(Some(&auth)).await;
            assert_eq!(r.status(), 200);
            assert_eq!(r.headers()["content-type"], "application/json");
            assert_eq!(r.headers()["cache-control"], "no-store");
            let v: Value = r.json().await.unwrap();
            assert_eq!(v["account"], "123456");
            assert_eq!(v["client_id"], CLIENT);
            assert_eq!(v["method"], "GET");
            assert_eq!(v["body_bytes"], 0);

            let r = t.protected_post(Some(&auth), "hello=world").await;
            assert_eq!(r.status(), 200);
            let v: Value = r.json().await.unwrap();
            assert_eq!(v["method"], "POST");
            assert_eq!(v["body_bytes"], 11);
            assert_eq!(
                v["body_sha256"],
                "3d011e09502a84552a0f8ae112d024cc2c115597e3a577d5f49007902c221dc5"
            );
            n += 2;
        }
    }
    assert_eq!(t.m.count(Endpoint::Protected), n);
}

#[tokio::test]
async fn the_same_body_has_the_same_digest_and_another_body_another() {
    let t = T::new().await;
    let app = t.app_jwt_v1().await;
    let digest = |r: reqwest::Response| async move {
        let v: Value = r.json().await.unwrap();
        (v["body_bytes"].as_u64().unwrap(), v["body_sha256"].clone())
    };
    let body = r#"{"kind":"req","id":"1"}"#;
    let a = digest(t.protected_post(Some(&app), body).await).await;
    let b = digest(t.protected_post(Some(&app), body).await).await;
    let c = digest(
        t.protected_post(Some(&app), r#"{"kind":"req","id":"2"}"#)
            .await,
    )
    .await;
    assert_eq!(a, b);
    assert_eq!(a.0, c.0, "same length");
    assert_ne!(a.1, c.1, "other bytes");
    // The digest is SHA-256 of the bytes: that of the empty body is well known.
    let v: Value = t.protected_get(Some(&app)).await.json().await.unwrap();
    assert_eq!(
        v["body_sha256"],
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
}

#[tokio::test]
async fn missing_garbage_or_foreign_tokens_are_401() {
    let t = T::new().await;
    let app = t.app_jwt_v1().await;
    assert_401(t.protected_get(None).await, "AppJWT", "missing", &[]).await;
    assert_401(t.protected_post(None, "x").await, "AppJWT", "missing", &[]).await;
    assert_401(t.protected_get(Some("")).await, "AppJWT", "missing", &[]).await;
    assert_401(
        t.protected_get(Some("Bearer ")).await,
        "AppJWT",
        "missing",
        &[],
    )
    .await;
    for garbage in ["garbage", "a.b.c", "Bearer Bearer x", "...."] {
        let r = t.protected_get(Some(garbage)).await;
        assert_401(r, "AppJWT", "not signed by a published key", &[]).await;
    }
    // Tampered: claims changed, signature kept.
    let parts: Vec<&str> = app.split('.').collect();
    let forged = format!("{}.{}.{}", parts[0], parts[0], parts[2]);
    let r = t.protected_post(Some(&forged), "x").await;
    assert_401(r, "AppJWT", "not signed by a published key", &[&forged]).await;
    // An ID token is not an AppJWT (its key is not one of the AppJWT keys).
    let v = t.login().await;
    let id = v["id_token"].as_str().unwrap().to_owned();
    let r = t.protected_get(Some(&id)).await;
    assert_401(r, "AppJWT", "not signed by a published key", &[&id]).await;
    // Nor is a ConsumerJWS, though a V2 key signed it.
    let jws = t.consumer_jws(&app, "ext-1").await;
    let r = t.protected_get(Some(&jws)).await;
    assert_401(r, "AppJWT", "wrong issuer", &[&jws]).await;
    // The AppJWT still works, and every request was counted.
    assert_eq!(t.protected_get(Some(&app)).await.status(), 200);
    assert_eq!(t.m.count(Endpoint::Protected), 12);
}

#[tokio::test]
async fn an_expired_app_jwt_is_401() {
    let t = T::new().await;
    let v1 = t.app_jwt_v1().await;
    let v2 = t.app_jwt_v2().await;
    // 3598, not 3599: the wall clock may tick a second between issue and use.
    t.m.set_clock_offset(3598);
    for app in [&v1, &v2] {
        assert_eq!(t.protected_get(Some(app)).await.status(), 200);
    }
    t.m.set_clock_offset(3601);
    for app in [&v1, &v2] {
        let r = t.protected_post(Some(app), "x").await;
        assert_401(r, "AppJWT", "expired", &[app]).await;
    }
    // A token issued on the moved clock is fine.
    let fresh = t.app_jwt_v1().await;
    assert_eq!(t.protected_get(Some(&fresh)).await.status(), 200);
}

#[tokio::test]
async fn an_expired_token_of_the_expired_fault_is_401() {
    let t = T::new().await;
    t.m.fault(Endpoint::AppTokenV1, Fault::ExpiredToken, 1);
    let app = t.app_jwt_v1().await;
    assert_401(
        t.protected_get(Some(&app)).await,
        "AppJWT",
        "expired",
        &[&app],
    )
    .await;
    t.m.fault(Endpoint::AppTokenV2, Fault::UnknownKey, 1);
    let app = t.app_jwt_v2().await;
    let r = t.protected_get(Some(&app)).await;
    assert_401(r, "AppJWT", "not signed by a published key", &[&app]).await;
}

#[tokio::test]
async fn an_app_jwt_of_another_account_is_401_and_an_unknown_account_404() {
    let t = T::with(MockServer::builder().config(config()).account("777")).await;
    let app_123456 = t.app_jwt_v1().await;
    let r = t
        .post_form(
            &t.url("/sentinel/api/account/777/app/token?v=1.0"),
            &[
                ("grant_type", "client_credentials"),
                ("client_id", CLIENT),
                ("client_secret", SECRET),
            ],
        )
        .await;
    let v: Value = r.json().await.unwrap();
    let app_777 = v["access_token"].as_str().unwrap().to_owned();
    let get = |account: &str, app: &str| {
        t.http
            .get(t.url(&format!("/api/account/{account}/app/protected")))
            .header("authorization", app)
            .send()
    };
    let r = get("777", &app_777).await.unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["account"], "777");
    assert_eq!(get("123456", &app_123456).await.unwrap().status(), 200);
    let r = get("777", &app_123456).await.unwrap();
    assert_401(r, "AppJWT", "wrong audience", &[&app_123456]).await;
    let r = get("123456", &app_777).await.unwrap();
    assert_401(r, "AppJWT", "wrong audience", &[&app_777]).await;
    // Not served at all.
    assert_eq!(get("999", &app_777).await.unwrap().status(), 404);
    assert_eq!(t.m.count(Endpoint::Protected), 5);
}

#[tokio::test]
async fn the_send_api_takes_an_app_jwt_and_a_consumer_jws() {
    let t = T::new().await;
    let app = t.app_jwt_v1().await;
    let jws = t.consumer_jws(&app, "ext-77").await;
    for on_behalf in [jws.clone(), format!("Bearer {jws}")] {
        let r = t.send(Some(&app), Some(&on_behalf)).await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["cache-control"], "no-store");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["consumer"], "ext-77");
        assert_eq!(v["body_bytes"], 39);
        assert_eq!(v["body_sha256"].as_str().unwrap().len(), 64);
    }
    // With a V2 AppJWT, in the Bearer form, and without `?v=3`.
    let v2 = t.app_jwt_v2().await;
    let r = t
        .http
        .post(t.url(&format!("/api/account/123456{SEND_PATH}")))
        .header("authorization", format!("Bearer {v2}"))
        .header("x-lp-on-behalf", jws.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["consumer"], "ext-77");
    assert_eq!(v["body_bytes"], 0);
    assert_eq!(t.m.count(Endpoint::SendApi), 3);
    assert_eq!(t.m.count(Endpoint::Consumer), 1);
    assert_eq!(t.m.count(Endpoint::Protected), 0);
}

#[tokio::test]
async fn the_send_api_without_a_valid_consumer_jws_is_401() {
    let t = T::new().await;
    let app = t.app_jwt_v1().await;
    let jws = t.consumer_jws(&app, "ext-77").await;
    let all = [app.as_str(), jws.as_str()];
    assert_401(
        t.send(Some(&app), None).await,
        "ConsumerJWS",
        "missing",
        &all,
    )
    .await;
    assert_401(
        t.send(Some(&app), Some("")).await,
        "ConsumerJWS",
        "missing",
        &all,
    )
    .await;
    let r = t.send(Some(&app), Some("garbage")).await;
    assert_401(r, "ConsumerJWS", "not signed by a published key", &all).await;
    // The AppJWT is not a ConsumerJWS: V1 is not a ConsumerJWS key, and a V2 one
    // has the wrong issuer.
    let r = t.send(Some(&app), Some(&app)).await;
    assert_401(r, "ConsumerJWS", "not signed by a published key", &all).await;
    let v2 = t.app_jwt_v2().await;
    let r = t.send(Some(&app), Some(&v2)).await;
    assert_401(r, "ConsumerJWS", "wrong issuer", &[&app, &v2]).await;
    // Tampered.
    let parts: Vec<&str> = jws.split('.').collect();
    let forged = format!("{}.{}.{}", parts[0], parts[0], parts[2]);
    let r = t.send(Some(&app), Some(&forged)).await;
    assert_401(
        r,
        "ConsumerJWS",
        "not signed by a published key",
        &[&forged],
    )
    .await;
    // A ConsumerJWS signed by a key the JWKS does not have.
    t.m.fault(Endpoint::Consumer, Fault::UnknownKey, 1);
    let unknown = t.consumer_jws(&app, "ext-77").await;
    let r = t.send(Some(&app), Some(&unknown)).await;
    assert_401(
        r,
        "ConsumerJWS",
        "not signed by a published key",
        &[&unknown],
    )
    .await;
    // The ConsumerJWS alone is not enough: the AppJWT is checked first.
    assert_401(t.send(None, Some(&jws)).await, "AppJWT", "missing", &all).await;
    let r = t.send(Some(&jws), Some(&jws)).await;
    assert_401(r, "AppJWT", "wrong issuer", &all).await;
    // And the pair still works.
    assert_eq!(t.send(Some(&app), Some(&jws)).await.status(), 200);
    assert_eq!(t.m.count(Endpoint::SendApi), 10);
}

#[tokio::test]
async fn an_expired_consumer_jws_is_401() {
    let t = T::new().await;
    let app = t.app_jwt_v1().await;
    let jws = t.consumer_jws(&app, "ext-77").await;
    t.m.set_clock_offset(3598);
    assert_eq!(t.send(Some(&app), Some(&jws)).await.status(), 200);
    t.m.set_clock_offset(3601);
    // A fresh AppJWT, so that only the ConsumerJWS has expired.
    let fresh = t.app_jwt_v1().await;
    let r = t.send(Some(&fresh), Some(&jws)).await;
    assert_401(r, "ConsumerJWS", "expired", &[&jws, &fresh]).await;
    let renewed = t.consumer_jws(&fresh, "ext-77").await;
    assert_eq!(t.send(Some(&fresh), Some(&renewed)).await.status(), 200);
    // The expired fault's ConsumerJWS is refused too.
    t.m.fault(Endpoint::Consumer, Fault::ExpiredToken, 1);
    let expired = t.consumer_jws(&fresh, "ext-77").await;
    let r = t.send(Some(&fresh), Some(&expired)).await;
    assert_401(r, "ConsumerJWS", "expired", &[&expired]).await;
}

#[tokio::test]
async fn a_consumer_jws_of_another_account_is_401() {
    let t = T::with(MockServer::builder().config(config()).account("777")).await;
    let app_123456 = t.app_jwt_v1().await;
    let jws_123456 = t.consumer_jws(&app_123456, "ext-77").await;
    assert_eq!(decode(&jws_123456).claims["aud"], "123456");
    let r = t
        .post_form(
            &t.url("/sentinel/api/account/777/app/token?v=1.0"),
            &[
                ("grant_type", "client_credentials"),
                ("client_id", CLIENT),
                ("client_secret", SECRET),
            ],
        )
        .await;
    let v: Value = r.json().await.unwrap();
    let app_777 = v["access_token"].as_str().unwrap().to_owned();
    let r = t
        .http
        .post(t.url(&format!("/api/account/777{SEND_PATH}?v=3")))
        .header("authorization", app_777.as_str())
        .header("x-lp-on-behalf", jws_123456.as_str())
        .send()
        .await
        .unwrap();
    assert_401(r, "ConsumerJWS", "wrong audience", &[&app_777, &jws_123456]).await;
}

#[tokio::test]
async fn a_401_fault_with_count_1_answers_401_once_then_200() {
    let t = T::new().await;
    let app = t.app_jwt_v1().await;
    let jws = t.consumer_jws(&app, "ext-77").await;
    t.m.fault(Endpoint::Protected, Fault::Status(401), 1);
    t.m.fault(Endpoint::SendApi, Fault::Status(401), 1);
    let r = t.protected_post(Some(&app), "retry me").await;
    assert_eq!(r.status(), 401);
    assert!(!r.text().await.unwrap().contains(&app));
    let r = t.protected_post(Some(&app), "retry me").await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["body_bytes"], 8);
    assert_eq!(t.send(Some(&app), Some(&jws)).await.status(), 401);
    assert_eq!(t.send(Some(&app), Some(&jws)).await.status(), 200);
    // Counted where they belong, faulty ones included.
    assert_eq!(t.m.count(Endpoint::Protected), 2);
    assert_eq!(t.m.count(Endpoint::SendApi), 2);
    assert_eq!(t.m.count(Endpoint::Consumer), 1);
    assert_eq!(t.m.count(Endpoint::AppTokenV1), 1);
    assert_eq!(t.m.count(Endpoint::Other), 0);
}

#[tokio::test]
async fn faults_from_the_command_line_syntax_apply() {
    let spec: sentinel_mock::FaultSpec = "protected=401:1".parse().unwrap();
    let send: sentinel_mock::FaultSpec = "send=503:2".parse().unwrap();
    let mut b = MockServer::builder().config(config());
    for s in [spec, send] {
        b = b.fault(s.endpoint, s.fault, s.count);
    }
    let t = T::with(b).await;
    let app = t.app_jwt_v1().await;
    let jws = t.consumer_jws(&app, "e").await;
    assert_eq!(t.protected_get(Some(&app)).await.status(), 401);
    assert_eq!(t.protected_get(Some(&app)).await.status(), 200);
    assert_eq!(t.send(Some(&app), Some(&jws)).await.status(), 503);
    assert_eq!(t.send(Some(&app), Some(&jws)).await.status(), 503);
    assert_eq!(t.send(Some(&app), Some(&jws)).await.status(), 200);
}

#[tokio::test]
async fn counted_and_logged_per_endpoint_without_tokens() {
    let t = T::new().await;
    let app = t.app_jwt_v1().await;
    let jws = t.consumer_jws(&app, "ext-77").await;
    t.m.reset_counters();
    t.protected_get(Some(&app)).await;
    t.protected_post(Some(&app), "x").await;
    t.protected_get(None).await;
    t.send(Some(&app), Some(&jws)).await;
    // Near misses are Other.
    t.get(&t.url("/api/account/123456/app/protected/x")).await;
    t.get(&t.url("/api/account/123456/messaging/consumer/conversation"))
        .await;
    assert_eq!(t.m.count(Endpoint::Protected), 3);
    assert_eq!(t.m.count(Endpoint::SendApi), 1);
    assert_eq!(t.m.count(Endpoint::Other), 2);
    let log = t.m.request_log();
    let endpoints: Vec<Endpoint> = log.iter().map(|e| e.endpoint).collect();
    assert_eq!(
        endpoints,
        [
            Endpoint::Protected,
            Endpoint::Protected,
            Endpoint::Protected,
            Endpoint::SendApi,
            Endpoint::Other,
            Endpoint::Other,
        ]
    );
    assert_eq!(log[3].method, "POST");
    assert_eq!(log[3].path, format!("/api/account/123456{SEND_PATH}"));
    assert_eq!(log[3].params, ["v"]);
    let dump = format!("{log:?}");
    assert!(!dump.contains(&app) && !dump.contains(&jws));
}

#[tokio::test]
async fn other_methods_are_405() {
    let t = T::new().await;
    let app = t.app_jwt_v1().await;
    let r = t
        .http
        .put(t.m.protected_url())
        .header("authorization", app.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    let r = t
        .http
        .get(t.m.send_api_url())
        .header("authorization", app.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(t.m.count(Endpoint::Protected), 1);
    assert_eq!(t.m.count(Endpoint::SendApi), 1);
}
