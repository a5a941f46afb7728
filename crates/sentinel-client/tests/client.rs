//! The generic client driven by an in-memory transport: no sockets, virtual time.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use http::{Request, Response};
use sentinel_client::{Client, ClientConfig, Runtime};
use sentinel_proto::{
    AccountId, AuthorizationCode, ClientId, ClientSecret, Error, Host, RefreshToken,
    error::{TransportError, TransportErrorKind},
    policy::RetryPolicy,
};
use sentinel_testkit::fake::{Fake, json};

fn config() -> ClientConfig {
    ClientConfig::new(
        AccountId::new("123456").unwrap(),
        ClientId::new("cid").unwrap(),
        ClientSecret::new("SECRET-MARKER"),
    )
    .with_retry(RetryPolicy::default().with_max_attempts(3))
}

const DOMAIN: &str = r#"{"baseURIs":[
    {"service":"sentinel","account":"123456","baseURI":"va.sentinel.liveperson.net"}]}"#;
const APP: &str = r#"{"access_token":"a.b.c","token_type":"Bearer","expires_in":3600}"#;

fn normal(req: &Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
    match req.uri().path() {
        "/api/account/123456/service/baseURI.json" => json(200, DOMAIN),
        "/sentinel/api/account/123456/app/token" => json(200, APP),
        p => panic!("unexpected request to {p}"),
    }
}

#[test]
fn discovers_then_caches_host_and_token() {
    let fake = Fake::new(normal);
    let client = Client::new(config(), fake.clone(), fake.clone());
    let t1 = pollster::block_on(client.app_token()).unwrap();
    let t2 = pollster::block_on(client.app_token()).unwrap();
    assert_eq!(t1.value().secret(), "a.b.c");
    assert!(Arc::ptr_eq(&t1, &t2), "second call served from the cache");
    assert_eq!(
        fake.paths(),
        [
            "/api/account/123456/service/baseURI.json",
            "/sentinel/api/account/123456/app/token"
        ]
    );
}

#[test]
fn refresh_ahead_renews_and_keeps_serving() {
    let fake = Fake::new(normal);
    let client = Client::new(config(), fake.clone(), fake.clone());
    pollster::block_on(client.app_token()).unwrap();
    fake.advance(3600 - 300); // inside the last half
    pollster::block_on(client.app_token()).unwrap();
    let token_requests = fake
        .paths()
        .iter()
        .filter(|p| p.ends_with("/app/token"))
        .count();
    assert_eq!(token_requests, 2);
    fake.advance(1000); // past the first token's expiry, not the renewed one's renewal
    pollster::block_on(client.app_token()).unwrap();
    let token_requests = fake
        .paths()
        .iter()
        .filter(|p| p.ends_with("/app/token"))
        .count();
    assert_eq!(token_requests, 2, "renewed token still fresh");
}

#[test]
fn transient_failures_are_retried_for_app_tokens() {
    let calls = Arc::new(AtomicU64::new(0));
    let c = Arc::clone(&calls);
    let fake = Fake::new(move |req| {
        if req.uri().path().ends_with("/app/token") && c.fetch_add(1, Ordering::SeqCst) < 2 {
            return json(503, "<html>busy</html>");
        }
        normal(req)
    });
    let client = Client::new(config(), fake.clone(), fake.clone());
    pollster::block_on(client.app_token()).unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    assert_eq!(fake.slept.lock().unwrap().len(), 2);
}

/// A 200 whose body is cut short or is a proxy's page is retried for the
/// requests that change nothing on the server (the Domain API, the AppJWT),
/// never for a refresh, whose refresh token the server may have spent.
#[test]
fn an_unreadable_success_is_retried_where_repeating_is_safe() {
    let calls = Arc::new(AtomicU64::new(0));
    let c = Arc::clone(&calls);
    let fake = Fake::new(move |req| {
        let path = req.uri().path();
        if (path.ends_with("/app/token") || path.ends_with("baseURI.json"))
            && c.fetch_add(1, Ordering::SeqCst).is_multiple_of(2)
        {
            return json(200, r#"{"access_token":"a.b"#);
        }
        if path.ends_with("/account/123456/token") {
            c.fetch_add(1, Ordering::SeqCst);
            return json(200, "<html>proxy</html>");
        }
        normal(req)
    });
    let client = Client::new(config(), fake.clone(), fake.clone());
    pollster::block_on(client.app_token()).unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 4, "{:?}", fake.paths());
    let err = pollster::block_on(client.refresh(&RefreshToken::new("rt"))).unwrap_err();
    assert!(
        matches!(err, Error::InvalidBody { status, .. } if status == 200),
        "{err:?}"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 5);
}

#[test]
fn retry_gives_up_after_max_attempts_with_the_last_error() {
    let fake = Fake::new(|req| {
        if req.uri().path().ends_with("/app/token") {
            return Err(TransportError::new(TransportErrorKind::Connect, "refused"));
        }
        normal(req)
    });
    let client = Client::new(config(), fake.clone(), fake.clone());
    let err = pollster::block_on(client.app_token()).unwrap_err();
    assert!(matches!(err, Error::Transport(ref t) if t.kind() == TransportErrorKind::Connect));
    let n = fake
        .paths()
        .iter()
        .filter(|p| p.ends_with("/app/token"))
        .count();
    assert_eq!(n, 3);
}

#[test]
fn code_exchange_is_never_retried() {
    let fake = Fake::new(|req| match req.uri().path() {
        "/sentinel/api/account/123456/token" => json(503, ""),
        _ => normal(req),
    });
    let client = Client::new(config(), fake.clone(), fake.clone());
    let err = pollster::block_on(client.exchange_code(&AuthorizationCode::new("c"), None));
    assert!(matches!(err, Err(Error::Status { status, .. }) if status == 503));
    let n = fake
        .paths()
        .iter()
        .filter(|p| p.ends_with("/token"))
        .count();
    assert_eq!(n, 1);
}

#[test]
fn refresh_is_retried_but_not_on_4xx() {
    let calls = Arc::new(AtomicU64::new(0));
    let c = Arc::clone(&calls);
    let fake = Fake::new(move |req| match req.uri().path() {
        "/sentinel/api/account/123456/token" => {
            c.fetch_add(1, Ordering::SeqCst);
            json(400, r#"{"error":"invalid_grant"}"#)
        }
        _ => normal(req),
    });
    let client = Client::new(config(), fake.clone(), fake.clone());
    let err = pollster::block_on(client.refresh(&RefreshToken::new("rt"))).unwrap_err();
    assert!(matches!(err, Error::OAuth { .. }));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[test]
fn retry_after_longer_than_allowed_is_reported_not_waited() {
    let fake = Fake::new(|req| {
        if req.uri().path().ends_with("/app/token") {
            return Ok(Response::builder()
                .status(429)
                .header("retry-after", "3600")
                .body(Vec::new())
                .unwrap());
        }
        normal(req)
    });
    let client = Client::new(config(), fake.clone(), fake.clone());
    let err = pollster::block_on(client.app_token()).unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
    assert!(fake.slept.lock().unwrap().is_empty());
}

#[test]
fn explicit_host_skips_discovery() {
    let fake = Fake::new(normal);
    let client = Client::new(
        config().with_sentinel_host(Host::parse("va.sentinel.liveperson.net").unwrap()),
        fake.clone(),
        fake.clone(),
    );
    pollster::block_on(client.app_token()).unwrap();
    assert_eq!(fake.paths(), ["/sentinel/api/account/123456/app/token"]);
}

#[test]
fn errors_never_show_the_secret() {
    let fake = Fake::new(|req| {
        let body = String::from_utf8_lossy(req.body()).into_owned();
        json(500, &format!("<html>echo: {body}</html>"))
    });
    let client = Client::new(config(), fake.clone(), fake);
    let err = pollster::block_on(client.app_token()).unwrap_err();
    assert!(!format!("{err} {err:?}").contains("SECRET-MARKER"));
    assert!(!format!("{client:?}").contains("SECRET-MARKER"));
}

/// A scripted refresh endpoint failing with `fail`, counting attempts.
fn refresh_attempts(fail: fn() -> Result<Response<Vec<u8>>, TransportError>) -> u64 {
    let calls = Arc::new(AtomicU64::new(0));
    let c = Arc::clone(&calls);
    let fake = Fake::new(move |req| match req.uri().path() {
        "/sentinel/api/account/123456/token" => {
            c.fetch_add(1, Ordering::SeqCst);
            fail()
        }
        _ => normal(req),
    });
    let client = Client::new(config(), fake.clone(), fake);
    pollster::block_on(client.refresh(&RefreshToken::new("rt"))).unwrap_err();
    calls.load(Ordering::SeqCst)
}

#[test]
fn refresh_is_not_resent_after_the_request_may_have_arrived() {
    // Sentinel may rotate refresh tokens: a replay of a spent one can revoke the
    // family. After a timeout, a reset, or a 500/502/504, the request may have
    // been processed: one attempt only.
    for kind in [TransportErrorKind::Timeout, TransportErrorKind::Io] {
        let fail = match kind {
            TransportErrorKind::Timeout => {
                || Err(TransportError::new(TransportErrorKind::Timeout, "t"))
            }
            _ => || Err(TransportError::new(TransportErrorKind::Io, "reset")),
        };
        assert_eq!(refresh_attempts(fail), 1, "{kind:?}");
    }
    assert_eq!(refresh_attempts(|| json(500, "{}")), 1);
    assert_eq!(refresh_attempts(|| json(502, "{}")), 1);
    assert_eq!(refresh_attempts(|| json(504, "{}")), 1);
}

#[test]
fn refresh_is_retried_when_the_token_cannot_have_been_used() {
    // Nothing was sent, or the server said it did not take it.
    let refused = || Err(TransportError::new(TransportErrorKind::Connect, "refused"));
    assert_eq!(refresh_attempts(refused), 3);
    assert_eq!(refresh_attempts(|| json(503, "{}")), 3);
    assert_eq!(refresh_attempts(|| json(429, "{}")), 3);
}

/// AppJWT requests a fake has seen.
fn app_requests(fake: &Fake) -> usize {
    fake.paths()
        .iter()
        .filter(|p| p.ends_with("/app/token"))
        .count()
}

/// A Sentinel whose AppJWT endpoint answers `outage` while `down` is set.
fn flapping(
    down: Arc<std::sync::atomic::AtomicBool>,
    outage: fn() -> Result<Response<Vec<u8>>, TransportError>,
) -> Fake {
    Fake::new(move |req| {
        if req.uri().path().ends_with("/app/token") && down.load(Ordering::SeqCst) {
            return outage();
        }
        normal(req)
    })
}

#[test]
fn a_ten_minute_outage_costs_a_bounded_number_of_requests() {
    // Documented bound (RefreshPolicy): at most 7 + T/60 renewals in an outage of
    // T seconds, each up to max_attempts (3) requests: 3 × (7 + 10) = 51 for 600 s.
    let down = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let fake = flapping(Arc::clone(&down), || json(503, "<html>down</html>"));
    let client = Client::new(config(), fake.clone(), fake.clone());
    for i in 0..10_000u32 {
        if i % 16 == 15 {
            fake.advance(1); // 10 000 calls over 625 s
        }
        let err = pollster::block_on(client.app_token()).unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    }
    let during = app_requests(&fake);
    assert!(during <= 3 * (7 + 11), "{during} requests in the outage");
    assert!(during >= 3 * 7, "it kept trying: {during}");
    // Sentinel is back: within the longest cool-down, callers get a token.
    down.store(false, Ordering::SeqCst);
    fake.advance(61);
    pollster::block_on(client.app_token()).unwrap();
}

#[test]
fn an_outage_while_a_token_is_valid_fails_no_caller() {
    let down = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let fake = flapping(Arc::clone(&down), || {
        Err(TransportError::new(TransportErrorKind::Connect, "refused"))
    });
    let client = Client::new(config(), fake.clone(), fake.clone());
    pollster::block_on(client.app_token()).unwrap();
    let first_expiry = pollster::block_on(client.app_token()).unwrap().expires_at();
    // Into the refresh-ahead window (the last 360 s), then 4 minutes down, then
    // calls until 48 s before the first token expires.
    fake.advance(3240);
    down.store(true, Ordering::SeqCst);
    for i in 0..10_000u32 {
        if i % 32 == 31 {
            fake.advance(1); // 312 s
        }
        if i == 7_680 {
            down.store(false, Ordering::SeqCst); // after 240 s
        }
        let token = pollster::block_on(client.app_token()).unwrap();
        assert!(
            token.expires_at() > fake.now(),
            "an expired token was served"
        );
    }
    let requests = app_requests(&fake);
    assert!(requests <= 1 + 3 * (7 + 5), "{requests}");
    // Within the longest cool-down after the outage the renewal went through,
    // before the first token expired.
    let current = pollster::block_on(client.app_token()).unwrap();
    assert!(current.expires_at() > first_expiry, "renewed before expiry");
}

#[test]
fn an_expired_token_is_not_fetched_per_call() {
    let exp_past = format!(
        r#"{{"access_token":"eyJhbGciOiJSUzI1NiJ9.{}.c2ln","token_type":"Bearer"}}"#,
        base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            br#"{"exp":1000}"#
        )
    );
    let exp_past: &'static str = Box::leak(exp_past.into_boxed_str());
    for body in [
        r#"{"access_token":"a.b.c","token_type":"Bearer","expires_in":0}"#,
        exp_past,
    ] {
        let fake = Fake::new(move |req| {
            if req.uri().path().ends_with("/app/token") {
                return json(200, body);
            }
            normal(req)
        });
        let client = Client::new(config(), fake.clone(), fake.clone());
        for _ in 0..10_000 {
            let err = pollster::block_on(client.app_token()).unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::InvalidBody {
                        reason: sentinel_proto::error::BodyError::AlreadyExpired,
                        ..
                    }
                ),
                "{err}"
            );
        }
        assert_eq!(app_requests(&fake), 1, "{body}");
    }
}

#[test]
fn retry_after_is_honoured_across_calls() {
    let down = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let fake = flapping(Arc::clone(&down), || {
        Ok(Response::builder()
            .status(429)
            .header("retry-after", "120")
            .body(Vec::new())
            .unwrap())
    });
    let client = Client::new(config(), fake.clone(), fake.clone());
    pollster::block_on(client.app_token()).unwrap_err();
    assert_eq!(
        app_requests(&fake),
        1,
        "a 120 s Retry-After is not waited in the call"
    );
    down.store(false, Ordering::SeqCst);
    for _ in 0..119 {
        fake.advance(1);
        let err = pollster::block_on(client.app_token()).unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
    }
    assert_eq!(
        app_requests(&fake),
        1,
        "no request before the server's time"
    );
    fake.advance(1);
    pollster::block_on(client.app_token()).unwrap();
    assert_eq!(app_requests(&fake), 2);
}

#[test]
fn app_jwt_v2_is_requested_as_livepersons_own_clients_do() {
    // `?v=2.0` by default (faas-client-node, faas-client-jdk); the `/api/v2/`
    // path form as a named option.
    for (version, path, query) in [
        (
            sentinel_proto::app_token::AppJwtVersion::V2,
            "/sentinel/api/account/123456/app/token",
            Some("v=2.0"),
        ),
        (
            sentinel_proto::app_token::AppJwtVersion::V2Path,
            "/sentinel/api/v2/account/123456/app/token",
            None,
        ),
    ] {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s = Arc::clone(&seen);
        let fake = Fake::new(move |req| {
            s.lock().unwrap().push((
                req.uri().path().to_owned(),
                req.uri().query().map(str::to_owned),
            ));
            json(200, APP)
        });
        let client = Client::new(
            config()
                .with_sentinel_host(Host::parse("va.sentinel.liveperson.net").unwrap())
                .with_app_jwt_version(version),
            fake.clone(),
            fake,
        );
        pollster::block_on(client.fetch_app_token()).unwrap();
        assert_eq!(
            *seen.lock().unwrap(),
            [(path.to_owned(), query.map(str::to_owned))]
        );
    }
}

#[test]
fn a_25_minute_outage_from_minute_31_fails_no_caller() {
    // LivePerson renews a 1-hour AppJWT 30 minutes ahead and keeps using the old
    // one while renewals fail: Sentinel down from minute 31 to minute 56 must go
    // unnoticed by every caller.
    let down = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let fake = flapping(Arc::clone(&down), || json(503, "<html>down</html>"));
    let client = Client::new(config(), fake.clone(), fake.clone());
    let first = pollster::block_on(client.app_token()).unwrap();
    fake.advance(31 * 60);
    down.store(true, Ordering::SeqCst);
    for minute in 31..=70 {
        if minute == 56 {
            down.store(false, Ordering::SeqCst);
        }
        for _ in 0..60 {
            let token = pollster::block_on(client.app_token()).unwrap();
            assert!(
                token.expires_at() > fake.now(),
                "an expired token at minute {minute}"
            );
            fake.advance(1);
        }
    }
    let now = pollster::block_on(client.app_token()).unwrap();
    assert!(
        now.expires_at() > first.expires_at(),
        "renewed after the outage"
    );
}

#[test]
fn renewing_at_half_life_outlasts_an_outage_longer_than_the_old_margin() {
    // Callers every second from issue; Sentinel down from minute 31 to minute 66,
    // past the first token's expiry. Renewed at minute 30 (half its life), the
    // token in use outlives the outage; renewed in its last 10 %, it would not.
    let down = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let fake = flapping(Arc::clone(&down), || json(503, "<html>down</html>"));
    let client = Client::new(config(), fake.clone(), fake.clone());
    for second in 0..70 * 60 {
        down.store((31 * 60..66 * 60).contains(&second), Ordering::SeqCst);
        let token = pollster::block_on(client.app_token())
            .unwrap_or_else(|e| panic!("a caller failed at second {second}: {e}"));
        assert!(token.expires_at() > fake.now());
        fake.advance(1);
    }
}

/// A runtime whose coarse clock reads as far ahead as `now_coarse` may (a
/// second): only the fast path of a read may use it.
#[derive(Clone)]
struct CoarseAhead(Fake);

impl Runtime for CoarseAhead {
    fn now(&self) -> sentinel_proto::UnixTime {
        self.0.now()
    }
    fn now_coarse(&self) -> sentinel_proto::UnixTime {
        self.0
            .now()
            .saturating_add(std::time::Duration::from_secs(1))
    }
    fn sleep(&self, d: std::time::Duration) -> impl Future<Output = ()> + Send {
        self.0.sleep(d)
    }
    fn spawn(&self, task: sentinel_client::BackgroundTask) {
        self.0.spawn(task);
    }
}

/// A value's lifetime counts from when its request was made, on the fine
/// clock: a coarse reading a second ahead would let a token that only has
/// `expires_in` be served a second past its end.
#[test]
fn a_renewal_starts_on_the_fine_clock_not_the_coarse_one() {
    let fake = Fake::new(normal);
    let t0 = fake.now().as_secs();
    let client = Client::new(config(), fake.clone(), CoarseAhead(fake.clone()));
    let t = pollster::block_on(client.app_token()).unwrap();
    assert_eq!(t.obtained_at().as_secs(), t0);
    assert_eq!(t.expires_at().as_secs(), t0 + 3_600);
    // Refresh-ahead, later, also starts from the fine clock.
    fake.advance(3_600 - 300);
    pollster::block_on(client.app_token()).unwrap();
    let t = client.cached_app_token().unwrap();
    assert_eq!(t.obtained_at().as_secs(), t0 + 3_300);
}
