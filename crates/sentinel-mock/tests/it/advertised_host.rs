//! `MockConfig::advertised_host`: the Domain API names another host.

use serde_json::Value;

use crate::util::{T, config};

#[tokio::test]
async fn the_domain_api_names_the_advertised_host() {
    let mut c = config();
    c.advertised_host = Some("sentinel.corp.example:8443".into());
    let t = T::with(sentinel_mock::MockServer::builder().config(c)).await;
    let v: Value = t
        .get(&t.url("/api/account/123456/service/baseURI.json?version=1.0"))
        .await
        .json()
        .await
        .unwrap();
    for service in ["sentinel", "idp", "asyncMessagingEnt", "agentVep"] {
        let e = v["baseURIs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["service"] == service)
            .unwrap();
        assert_eq!(e["baseURI"], "sentinel.corp.example:8443");
    }
    let v: Value = t
        .get(&t.url("/api/account/123456/service/idp/baseURI.json?version=1.0"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["baseURI"], "sentinel.corp.example:8443");
    // The emulator itself still listens where it did.
    assert!(t.m.host().starts_with("127.0.0.1:"));
}
