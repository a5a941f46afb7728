//! Every fault kind, on every endpoint, for exactly N requests.

use std::time::{Duration, Instant};

use serde_json::Value;

use sentinel_mock::{Endpoint, Fault, FaultSpec, MockServer};

use crate::util::{CLIENT, SECRET, T, UNKNOWN_KEY_SPKI, config, decode};

/// One ordinary request to `e`; the response.
async fn hit(t: &T, e: Endpoint) -> Result<reqwest::Response, reqwest::Error> {
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", CLIENT),
        ("client_secret", SECRET),
    ];
    match e {
        Endpoint::DomainApi => {
            t.http
                .get(t.url("/api/account/123456/service/baseURI.json?version=1.0"))
                .send()
                .await
        }
        Endpoint::Authorize => {
            t.http
                .get(t.sentinel(&format!("/authorize?response_type=code&client_id={CLIENT}")))
                .send()
                .await
        }
        Endpoint::Login => {
            t.http
                .post(t.sentinel("/login"))
                .form(&[
                    ("username", "demo-user-1"),
                    ("password", sentinel_mock::DEMO_PASSWORD),
                    ("client_id", CLIENT),
                    ("response_type", "code"),
                ])
                .send()
                .await
        }
        Endpoint::Token => {
            t.http
                .post(t.sentinel("/token?v=1.0"))
                .form(&[("grant_type", "refresh_token"), ("refresh_token", "x")])
                .send()
                .await
        }
        Endpoint::Revoke => {
            t.http
                .post(t.sentinel("/token/revoke?v=1.0"))
                .form(&[
                    ("token", "x"),
                    ("client_id", CLIENT),
                    ("client_secret", SECRET),
                ])
                .send()
                .await
        }
        Endpoint::AppTokenV1 => {
            t.http
                .post(t.sentinel("/app/token?v=1.0"))
                .form(&form)
                .send()
                .await
        }
        Endpoint::AppTokenV2 => {
            t.http
                .post(t.url("/sentinel/api/v2/account/123456/app/token"))
                .form(&form)
                .send()
                .await
        }
        Endpoint::Jwks => t.http.get(t.url("/sentinel/well-known/jwks")).send().await,
        Endpoint::Consumer => {
            t.http
                .post(t.url("/api/account/123456/consumer?v=1.0"))
                .json(&serde_json::json!({"ext_consumer_id": "e"}))
                .send()
                .await
        }
        Endpoint::Protected => t.http.get(t.m.protected_url()).send().await,
        Endpoint::SendApi => t.http.post(t.m.send_api_url()).body("{}").send().await,
        Endpoint::Other => t.http.get(t.url("/elsewhere")).send().await,
    }
}

/// Every endpoint but `Other`.
const SERVED: [Endpoint; 11] = [
    Endpoint::DomainApi,
    Endpoint::Authorize,
    Endpoint::Login,
    Endpoint::Token,
    Endpoint::Revoke,
    Endpoint::AppTokenV1,
    Endpoint::AppTokenV2,
    Endpoint::Jwks,
    Endpoint::Consumer,
    Endpoint::Protected,
    Endpoint::SendApi,
];

#[tokio::test]
async fn a_status_fault_hits_exactly_n_requests_of_its_endpoint() {
    let t = T::new().await;
    for e in SERVED {
        t.m.fault(e, Fault::Status(503), 2);
    }
    for e in SERVED {
        for _ in 0..2 {
            let r = hit(&t, e).await.unwrap();
            assert_eq!(r.status(), 503, "{e:?}");
            assert_eq!(r.headers()["content-type"], "text/plain");
        }
        let r = hit(&t, e).await.unwrap();
        assert_ne!(r.status(), 503, "{e:?}");
        assert!(r.status().as_u16() < 500, "{e:?}: {}", r.status());
        assert_eq!(t.m.count(e), 3, "{e:?}");
    }
}

#[tokio::test]
async fn status_faults_and_clear() {
    let t = T::new().await;
    t.m.fault(Endpoint::AppTokenV1, Fault::Status(500), 1);
    t.m.fault(Endpoint::AppTokenV1, Fault::Status(400), 1);
    t.m.fault(Endpoint::AppTokenV1, Fault::Status(101), 1);
    assert_eq!(t.app_token_v1().await.status(), 500);
    let r = t.app_token_v1().await;
    assert_eq!(r.status(), 400);
    assert!(!r.text().await.unwrap().is_empty());
    assert_eq!(t.app_token_v1().await.status(), 500, "1xx becomes 500");
    t.m.fault(Endpoint::AppTokenV1, Fault::Status(500), 10);
    t.m.clear_faults();
    assert_eq!(t.app_token_v1().await.status(), 200);
}

#[tokio::test]
async fn rate_limited_has_retry_after() {
    let t = T::new().await;
    t.m.fault(Endpoint::Token, Fault::RateLimited(7), 1);
    let r = hit(&t, Endpoint::Token).await.unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "7");
}

#[tokio::test]
async fn delay_then_a_normal_answer() {
    let t = T::new().await;
    t.m.fault(Endpoint::Jwks, Fault::Delay(Duration::from_millis(150)), 1);
    let start = Instant::now();
    let r = hit(&t, Endpoint::Jwks).await.unwrap();
    assert!(start.elapsed() >= Duration::from_millis(150));
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert!(v["keys"].is_array());
}

#[tokio::test]
async fn truncated_announces_more_than_it_sends() {
    let t = T::new().await;
    t.m.fault(Endpoint::AppTokenV1, Fault::Truncated, 1);
    let r = t.app_token_v1().await;
    assert_eq!(r.status(), 200);
    let announced = r.content_length().unwrap();
    assert!(announced > 100);
    assert!(r.bytes().await.is_err(), "the body is cut short");
    // An empty answer (a redirect) is cut short too.
    t.m.fault(Endpoint::Authorize, Fault::Truncated, 1);
    let r = hit(&t, Endpoint::Authorize).await.unwrap();
    assert_eq!(r.status(), 302);
    assert!(r.content_length().unwrap() > 0);
    assert!(r.bytes().await.is_err());
    // The next request is served normally.
    assert_eq!(t.app_token_v1().await.status(), 200);
}

#[tokio::test]
async fn truncated_at_the_socket_level() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let t = T::new().await;
    t.m.fault(Endpoint::Jwks, Fault::Truncated, 1);
    let mut s = tokio::net::TcpStream::connect(t.m.addr()).await.unwrap();
    s.write_all(b"GET /sentinel/well-known/jwks HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut raw = Vec::new();
    // The server closes (or resets) the connection: read to the end.
    let _ = s.read_to_end(&mut raw).await;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let len: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length: ")
                .map(|v| v.trim().parse().unwrap())
        })
        .unwrap();
    assert!(body.len() < len, "{} of {len}", body.len());
}

#[tokio::test]
async fn oversized_body() {
    let t = T::new().await;
    t.m.fault(Endpoint::AppTokenV2, Fault::Oversized, 1);
    let r = t.app_token_v2().await;
    assert_eq!(r.status(), 200);
    let b = r.bytes().await.unwrap();
    assert!(b.len() > 2 * 1024 * 1024 - 1, "{}", b.len());
    assert!(b.starts_with(b"{\"access_token\":\""));
}

#[tokio::test]
async fn oversized_unavailable_page() {
    let t = T::new().await;
    t.m.fault(Endpoint::AppTokenV2, Fault::OversizedUnavailable, 1);
    let r = t.app_token_v2().await;
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "1");
    assert!(r.content_length().is_none(), "chunked");
    let b = r.bytes().await.unwrap();
    assert!(b.len() > 2 * 1024 * 1024 - 64 * 1024, "{}", b.len());
    assert_eq!(t.app_token_v2().await.status(), 200, "one request only");
}

#[tokio::test]
async fn dropped_connection_has_no_response() {
    let t = T::new().await;
    t.m.fault(Endpoint::DomainApi, Fault::Drop, 1);
    let e = hit(&t, Endpoint::DomainApi).await.unwrap_err();
    assert!(!e.is_status());
    assert_eq!(
        t.m.count(Endpoint::DomainApi),
        1,
        "not retried by the client"
    );
    assert_eq!(hit(&t, Endpoint::DomainApi).await.unwrap().status(), 200);
}

#[tokio::test]
async fn html_error_page() {
    let t = T::new().await;
    t.m.fault(Endpoint::Token, Fault::HtmlError, 1);
    let r = hit(&t, Endpoint::Token).await.unwrap();
    assert_eq!(r.status(), 502);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(r.text().await.unwrap().contains("<html>"));
}

#[tokio::test]
async fn invalid_json_with_200() {
    let t = T::new().await;
    t.m.fault(Endpoint::AppTokenV1, Fault::InvalidJson, 1);
    let r = t.app_token_v1().await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/json");
    let b = r.bytes().await.unwrap();
    assert!(serde_json::from_slice::<Value>(&b).is_err());
}

#[tokio::test]
async fn unknown_key_tokens_fail_verification() {
    let t = T::new().await;
    t.m.fault(Endpoint::AppTokenV2, Fault::UnknownKey, 1);
    t.m.fault(Endpoint::AppTokenV1, Fault::UnknownKey, 1);
    t.m.fault(Endpoint::Token, Fault::UnknownKey, 1);
    let jwks = t.jwks().await;

    let v: Value = t.app_token_v2().await.json().await.unwrap();
    let jwt = decode(v["access_token"].as_str().unwrap());
    jwt.assert_header("unknown-key");
    assert!(!jwt.verifies_with_jwks(&jwks));
    // Not merely an unknown kid: no published key made the signature, yet it is
    // a real RS256 signature by the emulator's unpublished key.
    assert!(!jwt.verifies_with_any_jwks_key(&jwks));
    assert!(jwt.verifies_with_spki(UNKNOWN_KEY_SPKI));
    assert_app_ok(&jwt.claims, &t);

    let v: Value = t.app_token_v1().await.json().await.unwrap();
    let jwt = decode(v["access_token"].as_str().unwrap());
    assert!(!jwt.verifies_with_spki(t.m.v1_public_key_spki_der()));
    assert!(!jwt.verifies_with_any_jwks_key(&jwks));
    assert!(jwt.verifies_with_spki(UNKNOWN_KEY_SPKI));

    let v = t.login().await;
    let id = decode(v["id_token"].as_str().unwrap());
    assert!(!id.verifies_with_jwks(&jwks));
    assert!(!id.verifies_with_any_jwks_key(&jwks));
    assert!(id.verifies_with_spki(UNKNOWN_KEY_SPKI));
    assert_eq!(id.claims["iss"], "sentinel", "only the key is wrong");

    // The AppJWT signed by the unknown key is refused by the IdP.
    t.m.fault(Endpoint::AppTokenV1, Fault::UnknownKey, 1);
    let bad = t.app_jwt_v1().await;
    let r = t
        .http
        .post(t.url("/api/account/123456/consumer?v=1.0"))
        .header("authorization", bad)
        .json(&serde_json::json!({"ext_consumer_id": "e"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // Then all is well again.
    let v: Value = t.app_token_v2().await.json().await.unwrap();
    assert!(decode(v["access_token"].as_str().unwrap()).verifies_with_jwks(&jwks));
    let jwt = decode(&t.app_jwt_v1().await);
    assert!(jwt.verifies_with_spki(t.m.v1_public_key_spki_der()));
    assert!(!jwt.verifies_with_spki(UNKNOWN_KEY_SPKI));
}

#[tokio::test]
async fn a_consumer_jws_fault_signs_with_the_unknown_key() {
    let t = T::new().await;
    let app = t.app_jwt_v1().await;
    t.m.fault(Endpoint::Consumer, Fault::UnknownKey, 1);
    let post = || {
        t.http
            .post(t.url("/api/account/123456/consumer?v=1.0"))
            .header("authorization", app.as_str())
            .json(&serde_json::json!({"ext_consumer_id": "e"}))
            .send()
    };
    let jwks = t.jwks().await;
    let v: Value = post().await.unwrap().json().await.unwrap();
    let jws = decode(v["token"].as_str().unwrap());
    assert!(!jws.verifies_with_any_jwks_key(&jwks));
    assert!(jws.verifies_with_spki(UNKNOWN_KEY_SPKI));
    let v: Value = post().await.unwrap().json().await.unwrap();
    assert!(decode(v["token"].as_str().unwrap()).verifies_with_jwks(&jwks));
}

#[tokio::test]
async fn token_faults_elsewhere_answer_normally_and_are_used_up() {
    let t = T::new().await;
    // The JWKS and the Domain API issue no tokens: the fault changes nothing
    // there but still takes its request.
    t.m.fault(Endpoint::Jwks, Fault::UnknownKey, 1);
    t.m.fault(Endpoint::DomainApi, Fault::ExpiredToken, 1);
    let jwks = t.jwks().await;
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert!(!kids.contains(&"unknown-key"), "{kids:?}");
    let r = hit(&t, Endpoint::DomainApi).await.unwrap();
    assert_eq!(r.status(), 200);
    // Used up: a status fault queued now is the next thing served.
    t.m.fault(Endpoint::Jwks, Fault::Status(503), 1);
    assert_eq!(hit(&t, Endpoint::Jwks).await.unwrap().status(), 503);
}

fn assert_app_ok(c: &Value, t: &T) {
    assert_eq!(c["azp"], CLIENT);
    assert!(c["exp"].as_u64().unwrap() > t.m.now());
}

#[tokio::test]
async fn expired_tokens_are_well_signed_but_expired() {
    let t = T::new().await;
    t.m.fault(Endpoint::AppTokenV2, Fault::ExpiredToken, 1);
    t.m.fault(Endpoint::Token, Fault::ExpiredToken, 1);
    t.m.fault(Endpoint::Consumer, Fault::ExpiredToken, 1);
    let jwks = t.jwks().await;
    let now = t.m.now();

    let v: Value = t.app_token_v2().await.json().await.unwrap();
    let jwt = decode(v["access_token"].as_str().unwrap());
    assert!(jwt.verifies_with_jwks(&jwks));
    assert!(jwt.claims["exp"].as_u64().unwrap() < now);
    assert!(jwt.claims["iat"].as_u64().unwrap() < jwt.claims["exp"].as_u64().unwrap());

    let v = t.login().await;
    let id = decode(v["id_token"].as_str().unwrap());
    assert!(id.verifies_with_jwks(&jwks));
    assert!(id.claims["exp"].as_u64().unwrap() < now);

    let app = t.app_jwt_v1().await;
    let r = t
        .http
        .post(t.url("/api/account/123456/consumer?v=1.0"))
        .header("authorization", app)
        .json(&serde_json::json!({"ext_consumer_id": "e"}))
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    let jws = decode(v["token"].as_str().unwrap());
    assert!(jws.verifies_with_jwks(&jwks));
    assert!(jws.claims["exp"].as_u64().unwrap() < now);
}

#[tokio::test]
async fn faults_set_on_the_builder() {
    let t = T::with(MockServer::builder().config(config()).fault(
        Endpoint::Jwks,
        Fault::Status(503),
        1,
    ))
    .await;
    assert_eq!(hit(&t, Endpoint::Jwks).await.unwrap().status(), 503);
    assert_eq!(hit(&t, Endpoint::Jwks).await.unwrap().status(), 200);
}

#[test]
fn fault_specs_parse_as_on_the_command_line() {
    let p = |s: &str| s.parse::<FaultSpec>();
    let ok = |s: &str, e: Endpoint, f: Fault, n: usize| {
        assert_eq!(
            p(s).unwrap(),
            FaultSpec {
                endpoint: e,
                fault: f,
                count: n
            },
            "{s}"
        );
    };
    ok("token=503:2", Endpoint::Token, Fault::Status(503), 2);
    ok("domain=500", Endpoint::DomainApi, Fault::Status(500), 1);
    ok("authorize=400", Endpoint::Authorize, Fault::Status(400), 1);
    ok("revoke=429=30", Endpoint::Revoke, Fault::RateLimited(30), 1);
    ok(
        "app-token-v1=429:3",
        Endpoint::AppTokenV1,
        Fault::RateLimited(1),
        3,
    );
    ok(
        "app-token-v2=delay=250",
        Endpoint::AppTokenV2,
        Fault::Delay(Duration::from_millis(250)),
        1,
    );
    ok("jwks=truncated", Endpoint::Jwks, Fault::Truncated, 1);
    ok(
        "consumer=oversized",
        Endpoint::Consumer,
        Fault::Oversized,
        1,
    );
    ok(
        "app-token-v1=oversized-503:2",
        Endpoint::AppTokenV1,
        Fault::OversizedUnavailable,
        2,
    );
    ok(
        "protected=401:1",
        Endpoint::Protected,
        Fault::Status(401),
        1,
    );
    ok("send=503", Endpoint::SendApi, Fault::Status(503), 1);
    ok("token=drop:5", Endpoint::Token, Fault::Drop, 5);
    ok("token=html", Endpoint::Token, Fault::HtmlError, 1);
    ok("token=invalid-json", Endpoint::Token, Fault::InvalidJson, 1);
    ok(
        "app-token-v2=unknown-key",
        Endpoint::AppTokenV2,
        Fault::UnknownKey,
        1,
    );
    ok(
        "app-token-v1=expired",
        Endpoint::AppTokenV1,
        Fault::ExpiredToken,
        1,
    );
    for bad in [
        "",
        "token",
        "nowhere=500",
        "token=teapot",
        "token=500:x",
        "token=99",
        "token=delay=x",
    ] {
        assert!(p(bad).is_err(), "{bad}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exactly_n_faults_when_requests_race() {
    let t = T::new().await;
    t.m.fault(Endpoint::Jwks, Fault::Status(503), 3);
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..12 {
        let (http, url) = (t.http.clone(), t.url("/sentinel/well-known/jwks"));
        set.spawn(async move { http.get(url).send().await.unwrap().status().as_u16() });
    }
    let mut statuses = set.join_all().await;
    statuses.sort_unstable();
    assert_eq!(statuses, [[200; 9].as_slice(), &[503; 3]].concat());
    assert_eq!(t.m.count(Endpoint::Jwks), 12);
}
