//! sentinel-isahc end to end against the emulator over real loopback HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Barrier};
use std::time::Duration;

use sentinel_isahc::SentinelClient;
use sentinel_mock::{Endpoint, Fault};
use sentinel_proto::{
    Error,
    app_token::AppJwtVersion,
    error::OAuthErrorCode,
    policy::{RefreshPolicy, RetryPolicy},
    user::RedirectUri,
};

use sentinel_testkit::browser::block_on;
use sentinel_testkit::scenario;

mod common;
use common::*;

#[test]
fn every_operation_end_to_end() {
    let m = mock();
    let c = client(&m);
    assert_eq!(c.sentinel().unwrap().host().authority(), m.host());
    let t = c.app_token().unwrap();
    assert_eq!(c.verify_app_token(t.value()).unwrap().iss, "Sentinel");

    let redirect = RedirectUri::new(REDIRECT).unwrap();
    let code = login(&c, &redirect);
    let tokens = c.exchange_code(&code, Some(&redirect)).unwrap();
    let id = c
        .verify_id_token(tokens.id_token.as_ref().unwrap())
        .unwrap();
    assert_eq!(id.sub, "demo-user-1");
    let rt = tokens.refresh_token.unwrap();
    let rt2 = c.refresh(&rt).unwrap().refresh_token.unwrap();
    c.revoke(&rt2).unwrap();
    let err = c.refresh(&rt2).unwrap_err();
    assert!(
        matches!(&err, Error::OAuth { error, .. } if *error.code() == OAuthErrorCode::InvalidGrant)
    );
    assert_clean(&err);
    assert_eq!(
        c.consumer_jws("consumer-1")
            .unwrap()
            .value()
            .secret()
            .split('.')
            .count(),
        3
    );
}

#[test]
fn v2_tokens_verify_against_the_jwks() {
    let m = mock();
    let c = SentinelClient::new(config(&m).with_app_jwt_version(AppJwtVersion::V2)).unwrap();
    let t = c.app_token().unwrap();
    c.verify_app_token(t.value()).unwrap();
}

#[test]
fn token_is_reused_from_the_cache() {
    let m = mock();
    let c = client(&m);
    let a = c.app_token().unwrap();
    let b = c.app_token().unwrap();
    assert!(Arc::ptr_eq(&a, &b));
    assert_eq!(m.count(Endpoint::AppTokenV1), 1);
}

#[test]
fn sixty_four_threads_at_expiry_make_one_request() {
    let m = mock();
    // No failure cool-down: this is about single flight, not backoff.
    let c = SentinelClient::new(config(&m).with_refresh_policy(
        RefreshPolicy::default().with_failure_backoff(Duration::ZERO, Duration::ZERO),
    ))
    .unwrap();
    // The first token is born expired: refused, never served.
    m.fault(Endpoint::AppTokenV1, Fault::ExpiredToken, 1);
    c.app_token().unwrap_err();
    m.fault(
        Endpoint::AppTokenV1,
        Fault::Delay(Duration::from_millis(300)),
        1,
    );
    let barrier = Arc::new(Barrier::new(64));
    let threads: Vec<_> = (0..64)
        .map(|_| {
            let c = c.clone();
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                barrier.wait();
                c.app_token().unwrap().expires_at()
            })
        })
        .collect();
    let expiries: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert!(expiries.iter().all(|e| *e == expiries[0]));
    assert_eq!(
        m.count(Endpoint::AppTokenV1),
        2,
        "exactly one renewal request"
    );
}

#[test]
fn faults_map_to_typed_errors_and_retries() {
    let m = mock();
    let c = client(&m);
    m.fault(Endpoint::AppTokenV1, Fault::Status(503), 1);
    m.fault(Endpoint::AppTokenV1, Fault::Drop, 1);
    c.app_token().unwrap();
    assert_eq!(m.count(Endpoint::AppTokenV1), 3);
    // A 503 whose page is over the body cap is still retried.
    m.reset_counters();
    m.fault(Endpoint::AppTokenV1, Fault::OversizedUnavailable, 1);
    c.fetch_app_token().unwrap();
    assert_eq!(m.count(Endpoint::AppTokenV1), 2);

    let once = SentinelClient::new(config(&m).with_retry(RetryPolicy::never())).unwrap();
    type Check = fn(&Error) -> bool;
    let cases: [(Fault, Check); 7] = [
        (
            Fault::Status(500),
            |e| matches!(e, Error::Status { status, .. } if *status == 500),
        ),
        (
            Fault::HtmlError,
            |e| matches!(e, Error::Status { status, .. } if *status == 502),
        ),
        (Fault::InvalidJson, |e| {
            matches!(e, Error::InvalidBody { .. })
        }),
        (Fault::Oversized, |e| {
            matches!(e, Error::BodyTooLarge { status, .. } if *status == 200) && !e.is_transient()
        }),
        (Fault::OversizedUnavailable, |e| {
            matches!(e, Error::BodyTooLarge { status, .. } if *status == 503)
                && e.is_transient()
                && e.retry_after().is_some()
        }),
        (Fault::Truncated, |e| matches!(e, Error::Transport(_))),
        (Fault::RateLimited(7), |e| {
            e.status().is_some_and(|s| s == 429) && e.retry_after().is_some()
        }),
    ];
    for (fault, check) in cases {
        m.reset_counters();
        m.fault(Endpoint::AppTokenV1, fault.clone(), 1);
        let err = once.fetch_app_token().unwrap_err();
        assert!(check(&err), "{fault:?} gave {err:?}");
        assert_clean(&err);
        assert_eq!(m.count(Endpoint::AppTokenV1), 1, "{fault:?}");
    }
}

#[test]
fn code_exchange_is_never_retried() {
    let m = mock();
    let c = client(&m);
    block_on(scenario::code_exchange_is_never_retried(&m, c.client()));
}

#[test]
fn timeout_is_honoured() {
    let m = mock();
    let c = SentinelClient::with_timeouts(
        config(&m).with_retry(RetryPolicy::never()),
        Duration::from_secs(5),
        Duration::from_millis(300),
    )
    .unwrap();
    block_on(scenario::timeout_is_honoured(&m, c.client()));
}
