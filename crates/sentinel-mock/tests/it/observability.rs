//! Counters and the request log.

use serde_json::Value;

use sentinel_mock::Endpoint;

use crate::util::{CLIENT, REDIRECT, SECRET, T};

#[tokio::test]
async fn counters_count_per_endpoint() {
    let t = T::new().await;
    for e in Endpoint::ALL {
        assert_eq!(t.m.count(e), 0);
    }
    t.app_token_v1().await;
    t.app_token_v1().await;
    t.app_token_v2().await;
    t.jwks().await;
    t.get(&t.url("/nowhere")).await;
    assert_eq!(t.m.count(Endpoint::AppTokenV1), 2);
    assert_eq!(t.m.count(Endpoint::AppTokenV2), 1);
    assert_eq!(t.m.count(Endpoint::Jwks), 1);
    assert_eq!(t.m.count(Endpoint::Other), 1);
    assert_eq!(t.m.count(Endpoint::Token), 0);
    t.m.reset_counters();
    assert_eq!(t.m.count(Endpoint::AppTokenV1), 0);
    assert!(t.m.request_log().is_empty());
}

#[tokio::test]
async fn the_request_log_has_names_never_values() {
    let t = T::new().await;
    // Every secret-bearing request there is, including the legacy query form.
    let app = t.app_jwt_v1().await;
    let q = serde_urlencoded::to_string([
        ("v", "1.0"),
        ("grant_type", "client_credentials"),
        ("client_id", CLIENT),
        ("client_secret", SECRET),
    ])
    .unwrap();
    t.http
        .post(t.sentinel(&format!("/app/token?{q}")))
        .send()
        .await
        .unwrap();
    let code = t.code(true).await;
    let v: Value = t
        .exchange(&code, Some(REDIRECT))
        .await
        .json()
        .await
        .unwrap();
    let rt = v["refresh_token"].as_str().unwrap().to_owned();
    let v: Value = t.refresh(&rt).await.json().await.unwrap();
    let rt2 = v["refresh_token"].as_str().unwrap().to_owned();
    t.post_form(
        &t.sentinel("/token/revoke?v=1.0"),
        &[
            ("token", &rt2),
            ("client_id", CLIENT),
            ("client_secret", SECRET),
        ],
    )
    .await;
    t.http
        .post(t.url("/api/account/123456/consumer?v=1.0"))
        .header("authorization", format!("Bearer {app}"))
        .json(&serde_json::json!({"ext_consumer_id": "consumer-secret-ish"}))
        .send()
        .await
        .unwrap();

    // Refused requests: a wrong secret, and credentials in the V2 query string
    // (which the V2 path does not read, but the log sees).
    t.post_form(
        &t.sentinel("/app/token?v=1.0"),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT),
            ("client_secret", "WRONG-SECRET-5c1d"),
        ],
    )
    .await;
    t.http
        .post(t.url(&format!("/sentinel/api/v2/account/123456/app/token?{q}")))
        .send()
        .await
        .unwrap();

    let log = t.m.request_log();
    assert_eq!(log.len(), 9);
    let secrets = [
        SECRET,
        &app,
        &code,
        &rt,
        &rt2,
        "consumer-secret-ish",
        "st-123",
        "WRONG-SECRET-5c1d",
        "client_credentials",
        "authorization_code",
        "refresh_token=",
    ];
    // Every field of every entry, one by one, then the whole Debug form.
    for e in &log {
        let fields = [e.method.as_str(), e.path.as_str(), e.endpoint.as_str()]
            .into_iter()
            .chain(e.params.iter().map(String::as_str));
        for f in fields {
            for secret in secrets {
                assert!(!f.contains(secret), "leaked {secret:.12}… in {e:?}");
            }
        }
    }
    let dump = format!("{log:?}");
    for secret in secrets {
        assert!(!dump.contains(secret), "leaked {secret:.12}…: {dump}");
    }
    let legacy = log
        .iter()
        .find(|e| {
            e.endpoint == Endpoint::AppTokenV1
                && e.params.contains(&"client_secret".into())
                && e.params.contains(&"v".into())
        })
        .unwrap();
    assert_eq!(legacy.method, "POST");
    assert_eq!(legacy.path, "/sentinel/api/account/123456/app/token");
    assert!(!legacy.path.contains('?'));
    let token = log.iter().find(|e| e.endpoint == Endpoint::Token).unwrap();
    assert_eq!(
        token.params,
        [
            "v",
            "grant_type",
            "code",
            "client_id",
            "client_secret",
            "redirect_uri"
        ]
    );
    let authorize = log
        .iter()
        .find(|e| e.endpoint == Endpoint::Authorize)
        .unwrap();
    assert_eq!(authorize.method, "GET");
    assert!(authorize.params.contains(&"state".into()));
}

#[tokio::test]
async fn long_names_and_many_params_are_bounded() {
    let t = T::new().await;
    let long = "x".repeat(200);
    let many: String = (0..500).map(|i| format!("p{i}=v&")).collect();
    t.get(&t.url(&format!("/nowhere?{long}=1&{many}"))).await;
    let log = t.m.request_log();
    let e = &log[0];
    assert_eq!(e.params[0], "<long>");
    assert!(e.params.len() <= 32);
}

#[tokio::test]
async fn requests_are_counted_where_they_are_routed() {
    let t = T::new().await;
    // Near misses of an endpoint's path are 404s: counted under Other, and a
    // fault queued for the endpoint waits for a real request to it.
    t.m.fault(Endpoint::Jwks, sentinel_mock::Fault::Status(503), 1);
    for path in [
        "//sentinel/well-known/jwks",
        "/sentinel/well-known/jwks/",
        "/sentinel/well-known/jwks/x",
        "/sentinel//well-known/jwks",
        "/Sentinel/well-known/jwks",
    ] {
        let r = t.get(&t.url(path)).await;
        assert_eq!(r.status(), 404, "{path}");
    }
    assert_eq!(t.m.count(Endpoint::Jwks), 0);
    assert_eq!(t.m.count(Endpoint::Other), 5);
    assert_eq!(
        t.get(&t.url("/sentinel/well-known/jwks")).await.status(),
        503
    );
    assert_eq!(t.m.count(Endpoint::Jwks), 1);
    let log = t.m.request_log();
    assert_eq!(log.len(), 6);
    assert!(log[..5].iter().all(|e| e.endpoint == Endpoint::Other));
    assert_eq!(log[5].path, "/sentinel/well-known/jwks");
}
