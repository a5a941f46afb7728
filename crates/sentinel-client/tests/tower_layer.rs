//! The tower layer and the `Authorizer` under it: the AppJWT (and ConsumerJWS)
//! on every request, one renewal and one retry after a 401, never a loop.
#![cfg(feature = "tower")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use http::{Request, Response, StatusCode};
use sentinel_client::auth::{AuthError, AuthScheme, Authorizer, ExtConsumerId};
use sentinel_client::tower::AuthLayer;
use sentinel_client::{Client, ClientConfig};
use sentinel_proto::{AccountId, ClientId, ClientSecret, Host};
use sentinel_testkit::fake::{Fake, json};
use tower::{Layer, Service, ServiceExt};

/// Sentinel and the IdP: every AppJWT and ConsumerJWS a new one.
fn sentinel() -> Fake {
    let serial = AtomicU64::new(0);
    Fake::new(move |req| {
        let n = serial.fetch_add(1, Ordering::SeqCst);
        if req.uri().path().ends_with("/consumer") {
            return json(201, &format!(r#"{{"token":"jws.{n}.x"}}"#));
        }
        json(
            200,
            &format!(r#"{{"access_token":"app.{n}.x","token_type":"Bearer","expires_in":3600}}"#),
        )
    })
}

fn authorizer(fake: &Fake, scheme: AuthScheme) -> Authorizer<Fake, Fake> {
    let config = ClientConfig::new(
        AccountId::new("123456").unwrap(),
        ClientId::new("cid").unwrap(),
        ClientSecret::new("s"),
    )
    .with_sentinel_host(Host::americas())
    .with_idp_host(Host::parse("va.idp.liveperson.net").unwrap());
    Authorizer::with_scheme(Client::new(config, fake.clone(), fake.clone()), scheme)
}

/// What the API saw of one request.
#[derive(Clone, Debug)]
struct Seen {
    authorization: String,
    sensitive: bool,
    on_behalf: Option<String>,
    body: String,
}

/// An API that records requests and answers 401 to the first `refusals`.
type Api = tower::util::BoxCloneService<Request<String>, Response<String>, Infallible>;

fn api(refusals: usize) -> (Api, Arc<Mutex<Vec<Seen>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let refused = Arc::new(AtomicUsize::new(0));
    let svc = tower::service_fn(move |req: Request<String>| {
        let log = Arc::clone(&log);
        let refused = Arc::clone(&refused);
        async move {
            let auth = &req.headers()["authorization"];
            log.lock().unwrap().push(Seen {
                authorization: auth.to_str().unwrap().to_owned(),
                sensitive: auth.is_sensitive(),
                on_behalf: req
                    .headers()
                    .get("x-lp-on-behalf")
                    .map(|v| v.to_str().unwrap().to_owned()),
                body: req.body().clone(),
            });
            let status = if refused.fetch_add(1, Ordering::SeqCst) < refusals {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::OK
            };
            let mut resp = Response::new(String::new());
            *resp.status_mut() = status;
            Ok::<_, Infallible>(resp)
        }
    });
    (Api::new(svc), seen)
}

fn call<S>(svc: &mut S, req: Request<String>) -> Result<Response<String>, S::Error>
where
    S: Service<Request<String>, Response = Response<String>>,
{
    pollster::block_on(async { svc.ready().await?.call(req).await })
}

#[test]
fn every_request_carries_the_cached_app_jwt_raw_and_sensitive() {
    let fake = sentinel();
    let (inner, seen) = api(0);
    let mut svc = AuthLayer::new(authorizer(&fake, AuthScheme::Raw)).layer(inner);
    for _ in 0..3 {
        assert_eq!(
            call(&mut svc, Request::new("x".into())).unwrap().status(),
            200
        );
    }
    let seen = seen.lock().unwrap();
    assert!(
        seen.iter()
            .all(|s| s.authorization == "app.0.x" && s.sensitive)
    );
    assert!(seen.iter().all(|s| s.on_behalf.is_none()));
    assert_eq!(fake.count("/app/token"), 1);
}

#[test]
fn bearer_is_an_option() {
    let fake = sentinel();
    let (inner, seen) = api(0);
    let mut svc = AuthLayer::new(authorizer(&fake, AuthScheme::Bearer)).layer(inner);
    call(&mut svc, Request::new(String::new())).unwrap();
    assert_eq!(seen.lock().unwrap()[0].authorization, "Bearer app.0.x");
}

#[test]
fn a_401_renews_the_app_jwt_once_and_retries_once_with_the_same_body() {
    let fake = sentinel();
    let (inner, seen) = api(1);
    let mut svc = AuthLayer::new(authorizer(&fake, AuthScheme::Raw)).layer(inner);
    let resp = call(&mut svc, Request::new("payload".into())).unwrap();
    assert_eq!(resp.status(), 200);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].authorization, "app.0.x");
    assert_eq!(seen[1].authorization, "app.1.x", "a new AppJWT");
    assert_eq!(seen[1].body, "payload");
    assert_eq!(fake.count("/app/token"), 2);
}

#[test]
fn a_second_401_is_the_answer_never_a_loop() {
    let fake = sentinel();
    let (inner, seen) = api(usize::MAX);
    let mut svc = AuthLayer::new(authorizer(&fake, AuthScheme::Raw)).layer(inner);
    let resp = call(&mut svc, Request::new(String::new())).unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(seen.lock().unwrap().len(), 2);
    assert_eq!(fake.count("/app/token"), 2);
}

#[test]
fn requests_refused_with_one_token_renew_it_once() {
    let fake = sentinel();
    let auth = authorizer(&fake, AuthScheme::Raw);
    pollster::block_on(async {
        // Three requests prepared with the same token, all refused.
        let mut retries = Vec::new();
        for _ in 0..3 {
            let (_, retry) = auth.prepare(Request::new(String::new())).await.unwrap();
            retries.push(retry);
        }
        let mut tokens = Vec::new();
        for retry in retries {
            let again = auth.retry(StatusCode::UNAUTHORIZED, retry).await.unwrap();
            tokens.push(again.unwrap().headers()["authorization"].clone());
        }
        assert!(tokens.iter().all(|t| t == "app.1.x"), "{tokens:?}");
    });
    assert_eq!(fake.count("/app/token"), 2);
}

#[test]
fn a_consumer_request_carries_its_consumer_jws_and_renews_it_on_401() {
    let fake = sentinel();
    let (inner, seen) = api(1);
    let mut svc = AuthLayer::new(authorizer(&fake, AuthScheme::Raw)).layer(inner);
    let mut req = Request::new("hi".to_owned());
    req.extensions_mut()
        .insert(ExtConsumerId::new("consumer-7"));
    assert_eq!(call(&mut svc, req).unwrap().status(), 200);
    let seen = seen.lock().unwrap();
    assert_eq!(seen[0].on_behalf.as_deref(), Some("jws.1.x"));
    assert_eq!(seen[1].on_behalf.as_deref(), Some("jws.3.x"), "renewed");
    assert_eq!(fake.count("/consumer"), 2);
}

#[test]
fn no_token_means_no_request_and_a_typed_error() {
    let fake = Fake::new(|_| json(400, r#"{"error":"invalid_client"}"#));
    let (inner, seen) = api(0);
    let mut svc = AuthLayer::new(authorizer(&fake, AuthScheme::Raw)).layer(inner);
    let err = call(&mut svc, Request::new(String::new())).unwrap_err();
    assert!(matches!(err, AuthError::Token(ref e) if e.status().map(|s| s.as_u16()) == Some(400)));
    assert!(seen.lock().unwrap().is_empty());
}
