//! Domain API, 404 and 405.

use serde_json::Value;

use crate::util::T;

#[tokio::test]
async fn all_services_point_sentinel_and_idp_at_the_mock() {
    let t = T::new().await;
    let r = t
        .get(&t.url("/api/account/123456/service/baseURI.json?version=1.0"))
        .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    let all = v["baseURIs"].as_array().unwrap();
    for service in ["sentinel", "idp"] {
        let e = all.iter().find(|e| e["service"] == service).unwrap();
        assert_eq!(e["account"], "123456");
        assert_eq!(e["baseURI"], t.m.host().as_str());
    }
    assert!(t.m.host().starts_with("127.0.0.1:"));
    assert!(!t.m.host().contains('/'), "a bare host:port");
}

/// The services LivePerson's clients read from the all-services list.
const SERVICES: [&str; 4] = ["sentinel", "idp", "asyncMessagingEnt", "agentVep"];

#[tokio::test]
async fn all_services_list_every_service_at_the_mock_and_one_service_agrees() {
    let t = T::new().await;
    let r = t
        .get(&t.url("/api/account/123456/service/baseURI.json?version=1.0"))
        .await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let v: Value = r.json().await.unwrap();
    let all = v["baseURIs"].as_array().unwrap();
    let listed: Vec<&str> = all.iter().map(|e| e["service"].as_str().unwrap()).collect();
    assert_eq!(listed, SERVICES, "each once, in this order");
    for e in all {
        assert_eq!(e.as_object().unwrap().len(), 3, "{e}");
        assert_eq!(e["account"], "123456");
        // No production host: a user's own calls stay on loopback.
        assert_eq!(e["baseURI"], t.m.host().as_str(), "{e}");
        let service = e["service"].as_str().unwrap();
        let r = t
            .get(&t.url(&format!(
                "/api/account/123456/service/{service}/baseURI.json?version=1.0"
            )))
            .await;
        assert_eq!(r.status(), 200, "{service}");
        let one: Value = r.json().await.unwrap();
        assert_eq!(&one, e, "the single-service answer is the list's entry");
    }
    // Names are case-sensitive, as the Domain API's are.
    let r = t
        .get(&t.url("/api/account/123456/service/asyncmessagingent/baseURI.json?version=1.0"))
        .await;
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn one_service_and_unknown_service() {
    let t = T::new().await;
    let r = t
        .get(&t.url("/api/account/123456/service/sentinel/baseURI.json?version=1.0"))
        .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v,
        serde_json::json!({"service":"sentinel","account":"123456","baseURI":t.m.host()})
    );
    let r = t
        .get(&t.url("/api/account/123456/service/idp/baseURI.json?version=1.0"))
        .await;
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["baseURI"], t.m.host().as_str());
    let r = t
        .get(&t.url("/api/account/123456/service/nope/baseURI.json?version=1.0"))
        .await;
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn unknown_account_is_404_everywhere() {
    let t = T::new().await;
    assert_eq!(
        t.get(&t.url("/api/account/999/service/baseURI.json?version=1.0"))
            .await
            .status(),
        404
    );
    assert_eq!(
        t.get(&t.url("/api/account/999/service/sentinel/baseURI.json"))
            .await
            .status(),
        404
    );
    for path in [
        "/sentinel/api/account/999/token?v=1.0",
        "/sentinel/api/account/999/token/revoke?v=1.0",
        "/sentinel/api/account/999/app/token?v=1.0",
        "/sentinel/api/v2/account/999/app/token",
    ] {
        let r = t
            .post_form(
                &t.url(path),
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", crate::util::CLIENT),
                    ("client_secret", crate::util::SECRET),
                ],
            )
            .await;
        assert_eq!(r.status(), 404, "{path}");
    }
    let r = t
        .get(&t.url(&format!(
            "/sentinel/api/account/999/authorize?response_type=code&client_id={}",
            crate::util::CLIENT
        )))
        .await;
    assert_eq!(r.status(), 404);
    assert!(r.headers().get("location").is_none());
}

#[tokio::test]
async fn extra_accounts_are_served() {
    let t = T::with(
        sentinel_mock::MockServer::builder()
            .config(crate::util::config())
            .account("777"),
    )
    .await;
    let r = t
        .get(&t.url("/api/account/777/service/sentinel/baseURI.json"))
        .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["account"], "777");
}

#[tokio::test]
async fn unknown_path_is_404_wrong_method_is_405() {
    let t = T::new().await;
    assert_eq!(t.get(&t.url("/nope")).await.status(), 404);
    assert_eq!(
        t.get(&t.url("/sentinel/api/account/123456/nope"))
            .await
            .status(),
        404
    );
    let r = t.get(&t.sentinel("/token?v=1.0")).await;
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "POST");
    assert_eq!(
        t.get(&t.sentinel("/token/revoke?v=1.0")).await.status(),
        405
    );
    assert_eq!(t.get(&t.sentinel("/app/token?v=1.0")).await.status(), 405);
    assert_eq!(
        t.get(&t.url("/sentinel/api/v2/account/123456/app/token"))
            .await
            .status(),
        405
    );
    assert_eq!(
        t.get(&t.url("/api/account/123456/consumer")).await.status(),
        405
    );
    let post = |u: String| t.http.post(u).send();
    assert_eq!(
        post(t.url("/sentinel/well-known/jwks"))
            .await
            .unwrap()
            .status(),
        405
    );
    assert_eq!(post(t.sentinel("/authorize")).await.unwrap().status(), 405);
    assert_eq!(
        post(t.url("/api/account/123456/service/baseURI.json"))
            .await
            .unwrap()
            .status(),
        405
    );
}
