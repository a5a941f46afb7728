//! Token injection end to end against the emulator's protected endpoints: the
//! reqwest middleware and the tower layer put the AppJWT (and ConsumerJWS) on
//! the user's own requests, renew once after a 401 and retry once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use http::StatusCode;
use reqwest_middleware::ClientWithMiddleware;
use sentinel_client::HttpClient;
use sentinel_mock::{Endpoint, Fault, MockHandle};
use sentinel_reqwest::auth::{AuthError, Authorizer, ExtConsumerId};
use sentinel_reqwest::tower::AuthLayer;
use sentinel_reqwest::{AuthMiddleware, ReqwestHttp, SentinelClient};
use serde_json::Value;
use tower::{Layer, Service, ServiceExt};

mod common;
use common::*;

fn api(c: &SentinelClient) -> ClientWithMiddleware {
    reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(AuthMiddleware::new(c))
        .build()
}

fn app_tokens(m: &MockHandle) -> u64 {
    m.count(Endpoint::AppTokenV1) + m.count(Endpoint::AppTokenV2)
}

async fn json(resp: reqwest::Response) -> Value {
    serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap()
}

#[tokio::test]
async fn the_middleware_authorises_requests_with_the_cached_app_jwt() {
    let m = mock().await;
    let c = client(&m);
    let api = api(&c);
    for _ in 0..3 {
        let resp = api.get(m.protected_url()).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(json(resp).await["client_id"], CLIENT_ID);
    }
    assert_eq!(app_tokens(&m), 1, "one AppJWT for every request");
    assert_eq!(m.count(Endpoint::Protected), 3);
}

#[tokio::test]
async fn after_a_401_the_middleware_renews_once_and_resends_the_same_body() {
    let m = mock().await;
    let c = client(&m);
    let api = api(&c);
    api.get(m.protected_url()).send().await.unwrap();
    m.fault(Endpoint::Protected, Fault::Status(401), 1);
    let resp = api
        .post(m.protected_url())
        .body("the body, byte for byte")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let v = json(resp).await;
    assert_eq!(v["body_bytes"], 23);
    assert_eq!(m.count(Endpoint::Protected), 3);
    assert_eq!(app_tokens(&m), 2, "renewed once");
    // The renewed token serves the next requests.
    api.get(m.protected_url()).send().await.unwrap();
    assert_eq!(app_tokens(&m), 2);
}

#[tokio::test]
async fn a_second_401_is_the_answer_never_a_loop() {
    let m = mock().await;
    let c = client(&m);
    m.fault(Endpoint::Protected, Fault::Status(401), 100);
    let resp = api(&c).get(m.protected_url()).send().await.unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(m.count(Endpoint::Protected), 2);
    assert_eq!(app_tokens(&m), 2);
}

#[tokio::test]
async fn a_streaming_body_is_not_resent() {
    let m = mock().await;
    let c = client(&m);
    m.fault(Endpoint::Protected, Fault::Status(401), 1);
    // Any http_body::Body is read once, as a stream: reqwest cannot clone it.
    let body = http_body_util::Full::new(hyper::body::Bytes::from_static(b"streamed"));
    let resp = api(&c)
        .post(m.protected_url())
        .body(reqwest::Body::wrap(body))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401, "the 401 stands: the body is gone");
    assert_eq!(m.count(Endpoint::Protected), 1);
}

#[tokio::test]
async fn the_send_api_gets_the_consumers_jws_in_x_lp_on_behalf() {
    let m = mock().await;
    let c = client(&m);
    let api = api(&c);
    for consumer in ["consumer-1", "consumer-2", "consumer-1"] {
        let resp = api
            .post(m.send_api_url())
            .with_extension(ExtConsumerId::new(consumer))
            .body(r#"{"kind":"req","body":{"type":"text","message":"hi"}}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(json(resp).await["consumer"], consumer);
    }
    assert_eq!(
        m.count(Endpoint::Consumer),
        2,
        "one ConsumerJWS per consumer"
    );
    // Without a consumer the Send API refuses, and the retry cannot help.
    let resp = api.post(m.send_api_url()).body("{}").send().await.unwrap();
    assert_eq!(resp.status(), 401);
}

#[tokio::test]
async fn no_token_is_a_middleware_error_and_nothing_is_sent() {
    let m = mock().await;
    let c =
        SentinelClient::new(config(&m).with_retry(sentinel_proto::policy::RetryPolicy::never()))
            .unwrap();
    m.fault(Endpoint::AppTokenV1, Fault::Status(500), 1);
    let err = api(&c).get(m.protected_url()).send().await.unwrap_err();
    assert!(
        matches!(err, reqwest_middleware::Error::Middleware(_)),
        "{err:?}"
    );
    assert_no_secret(&format!("{err} {err:?}"));
    assert_eq!(m.count(Endpoint::Protected), 0);
}

#[tokio::test]
async fn the_tower_layer_authorises_any_service_of_http_requests() {
    let m = mock().await;
    let c = client(&m);
    let http = ReqwestHttp::from_builder(reqwest::Client::builder()).unwrap();
    let inner = tower::service_fn(move |req: http::Request<Vec<u8>>| {
        let http = http.clone();
        async move { http.send(req).await }
    });
    let mut svc = AuthLayer::new(Authorizer::new(c.client().clone())).layer(inner);
    m.fault(Endpoint::Protected, Fault::Status(401), 1);
    let req = http::Request::post(m.protected_url())
        .body(b"payload".to_vec())
        .unwrap();
    let resp = svc.ready().await.unwrap().call(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let v: Value = serde_json::from_slice(resp.body()).unwrap();
    assert_eq!(v["body_bytes"], 7);
    assert_eq!(m.count(Endpoint::Protected), 2);
    assert_eq!(app_tokens(&m), 2);

    // No token: a typed error, and the service is not called.
    let before = m.count(Endpoint::Protected);
    c.invalidate_app_token();
    m.fault(Endpoint::AppTokenV1, Fault::Status(400), 10);
    let req = http::Request::get(m.protected_url())
        .body(Vec::new())
        .unwrap();
    let err = svc.ready().await.unwrap().call(req).await.unwrap_err();
    assert!(matches!(err, AuthError::Token(_)), "{err:?}");
    assert_eq!(m.count(Endpoint::Protected), before);
}

#[tokio::test]
async fn authorizer_send_uses_the_clients_own_http_client() {
    let m = mock().await;
    let c = client(&m);
    let auth = Authorizer::new(c.client().clone());
    m.fault(Endpoint::Protected, Fault::Status(401), 1);
    let req = http::Request::get(m.protected_url())
        .body(Vec::new())
        .unwrap();
    let resp = auth.send(req).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(m.count(Endpoint::Protected), 2);
}
