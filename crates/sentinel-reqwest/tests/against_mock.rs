//! sentinel-reqwest end to end against the emulator over real loopback HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use sentinel_mock::{Endpoint, Fault};
use sentinel_proto::jwt::JwtError;
use sentinel_proto::{
    Error,
    app_token::AppJwtVersion,
    error::{BodyError, OAuthErrorCode},
    policy::{RefreshPolicy, RetryPolicy},
    user::RedirectUri,
};
use sentinel_reqwest::SentinelClient;

use sentinel_testkit::scenario;

mod common;
use common::*;

#[tokio::test]
async fn every_operation_end_to_end() {
    let m = mock().await;
    let c = client(&m);
    assert_eq!(c.sentinel().await.unwrap().host().authority(), m.host());
    assert_eq!(c.idp_host().await.unwrap().authority(), m.host());

    let t = c.app_token().await.unwrap();
    let claims = c.verify_app_token(t.value()).await.unwrap();
    assert_eq!(claims.iss, "Sentinel");
    assert_eq!(claims.azp.as_deref(), Some(m.client_id()));

    let redirect = RedirectUri::new(REDIRECT).unwrap();
    let code = login(&c, &redirect).await;
    let tokens = c.exchange_code(&code, Some(&redirect)).await.unwrap();
    let id = c
        .verify_id_token(tokens.id_token.as_ref().unwrap())
        .await
        .unwrap();
    assert_eq!(id.iss, "sentinel");
    assert!(id.aud.contains(m.client_id()));

    let rt = tokens.refresh_token.unwrap();
    let refreshed = c.refresh(&rt).await.unwrap();
    let rt2 = refreshed.refresh_token.unwrap();
    assert_ne!(rt, rt2, "the emulator rotates refresh tokens");
    c.revoke(&rt2).await.unwrap();
    let err = c.refresh(&rt2).await.unwrap_err();
    assert!(
        matches!(&err, Error::OAuth { error, .. } if *error.code() == OAuthErrorCode::InvalidGrant)
    );
    assert_clean(&err);

    let jws = c.consumer_jws("consumer-1").await.unwrap();
    assert_eq!(jws.value().secret().split('.').count(), 3);
}

#[tokio::test]
async fn v2_tokens_verify_against_the_jwks_and_follow_rotation() {
    let m = mock().await;
    let c = SentinelClient::new(config(&m).with_app_jwt_version(AppJwtVersion::V2)).unwrap();
    let t = c.app_token().await.unwrap();
    c.verify_app_token(t.value()).await.unwrap();
    assert_eq!(m.count(Endpoint::Jwks), 1);

    // A new kid is unknown to the cached JWKS: one refetch, then it verifies.
    m.rotate_keys();
    c.invalidate_app_token();
    let t2 = c.app_token().await.unwrap();
    c.verify_app_token(t2.value()).await.unwrap();
    assert_eq!(m.count(Endpoint::Jwks), 2);
}

#[tokio::test]
async fn token_is_reused_from_the_cache() {
    let m = mock().await;
    let c = client(&m);
    let a = c.app_token().await.unwrap();
    let b = c.app_token().await.unwrap();
    assert!(Arc::ptr_eq(&a, &b));
    assert_eq!(m.count(Endpoint::AppTokenV1), 1);
    assert_eq!(m.count(Endpoint::DomainApi), 1, "discovery cached too");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_ahead_renews_in_the_background_while_serving() {
    let m = mock().await;
    // A margin as long as the lifetime: every cached read is refresh-ahead.
    let c =
        SentinelClient::new(config(&m).with_refresh_policy(
            RefreshPolicy::default().with_min_margin(Duration::from_secs(7200)),
        ))
        .unwrap();
    let first = c.app_token().await.unwrap();
    let served = c.app_token().await.unwrap();
    assert!(
        Arc::ptr_eq(&first, &served),
        "served the current token at once"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while m.count(Endpoint::AppTokenV1) < 2 {
        assert!(
            Instant::now() < deadline,
            "background renewal never happened"
        );
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let mut renewed = c.app_token().await.unwrap();
    while Arc::ptr_eq(&renewed, &first) {
        assert!(Instant::now() < deadline, "renewed token never stored");
        tokio::time::sleep(Duration::from_millis(5)).await;
        renewed = c.app_token().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_callers_at_expiry_make_one_request() {
    let m = mock().await;
    // No failure cool-down: this is about single flight, not backoff.
    let c = SentinelClient::new(config(&m).with_refresh_policy(
        RefreshPolicy::default().with_failure_backoff(Duration::ZERO, Duration::ZERO),
    ))
    .unwrap();
    // The first token is born expired: refused, never served.
    m.fault(Endpoint::AppTokenV1, Fault::ExpiredToken, 1);
    let err = c.app_token().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidBody {
                reason: BodyError::AlreadyExpired,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(m.count(Endpoint::AppTokenV1), 1);
    // Hold the renewal open so that all callers pile up behind it.
    m.fault(
        Endpoint::AppTokenV1,
        Fault::Delay(Duration::from_millis(300)),
        1,
    );
    let tasks: Vec<_> = (0..1000)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.app_token().await.map(|t| t.expires_at()) })
        })
        .collect();
    let results = futures::future::join_all(tasks).await;
    let first = results[0].as_ref().unwrap().as_ref().unwrap();
    for r in &results {
        assert_eq!(r.as_ref().unwrap().as_ref().unwrap(), first);
    }
    assert_eq!(
        m.count(Endpoint::AppTokenV1),
        2,
        "exactly one renewal request"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiters_share_the_leaders_error() {
    let m = mock().await;
    let c = SentinelClient::new(config(&m).with_retry(RetryPolicy::never())).unwrap();
    m.fault(
        Endpoint::DomainApi,
        Fault::Delay(Duration::from_millis(200)),
        1,
    );
    m.fault(Endpoint::AppTokenV1, Fault::Status(400), 1);
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.app_token().await })
        })
        .collect();
    for r in futures::future::join_all(tasks).await {
        let err = r.unwrap().unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    }
    assert_eq!(m.count(Endpoint::AppTokenV1), 1);
}

#[tokio::test]
async fn transient_statuses_are_retried_then_succeed() {
    let m = mock().await;
    let c = client(&m);
    m.fault(Endpoint::AppTokenV1, Fault::Status(503), 2);
    c.app_token().await.unwrap();
    assert_eq!(m.count(Endpoint::AppTokenV1), 3);
}

#[tokio::test]
async fn persistent_5xx_gives_up_after_three_attempts() {
    let m = mock().await;
    let c = client(&m);
    m.fault(Endpoint::AppTokenV1, Fault::HtmlError, 5);
    let err = c.app_token().await.unwrap_err();
    match &err {
        Error::Status { status, body, .. } => {
            assert_eq!(status.as_u16(), 502);
            assert!(body.content_type().unwrap().starts_with("text/html"));
        }
        other => panic!("expected a status error, got {other:?}"),
    }
    assert_eq!(m.count(Endpoint::AppTokenV1), 3);
    assert_clean(&err);
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let m = mock().await;
    let c = client(&m);
    m.fault(Endpoint::AppTokenV1, Fault::Status(400), 1);
    let err = c.app_token().await.unwrap_err();
    assert!(matches!(err, Error::Status { status, .. } if status == 400));
    assert_eq!(m.count(Endpoint::AppTokenV1), 1);
}

#[tokio::test]
async fn retry_after_is_honoured_or_reported() {
    let m = mock().await;
    let c = client(&m);
    m.fault(Endpoint::AppTokenV1, Fault::RateLimited(0), 1);
    c.app_token().await.unwrap();
    assert_eq!(m.count(Endpoint::AppTokenV1), 2);

    let c = client(&m);
    m.reset_counters();
    m.fault(Endpoint::AppTokenV1, Fault::RateLimited(3600), 1);
    let err = c.app_token().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
    assert!(err.retry_after().is_some());
    assert_eq!(m.count(Endpoint::AppTokenV1), 1, "an hour is not waited");
}

#[tokio::test]
async fn broken_connections_are_transport_errors_and_retried() {
    let m = mock().await;
    let c = client(&m);
    m.fault(Endpoint::AppTokenV1, Fault::Drop, 1);
    m.fault(Endpoint::AppTokenV1, Fault::Truncated, 1);
    c.app_token().await.unwrap();
    assert_eq!(m.count(Endpoint::AppTokenV1), 3);

    let c = SentinelClient::new(config(&m).with_retry(RetryPolicy::never())).unwrap();
    m.reset_counters();
    m.fault(Endpoint::AppTokenV1, Fault::Truncated, 1);
    let err = c.app_token().await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert_clean(&err);
}

/// A 200 over the cap is refused with its status, and the AppJWT request
/// (which changes nothing on the server) is repeated under the retry policy,
/// as after a 503; with retries off, one request and the typed error.
#[tokio::test]
async fn oversized_body_is_rejected_and_the_app_token_request_retried() {
    let m = mock().await;
    let never = SentinelClient::new(config(&m).with_retry(RetryPolicy::never())).unwrap();
    m.fault(Endpoint::AppTokenV1, Fault::Oversized, 1);
    let err = never.app_token().await.unwrap_err();
    assert!(
        matches!(err, Error::BodyTooLarge { status, .. } if status == 200),
        "{err:?}"
    );
    assert!(!err.is_transient());
    assert_eq!(m.count(Endpoint::AppTokenV1), 1);
    assert_clean(&err);
    m.reset_counters();
    m.fault(Endpoint::AppTokenV1, Fault::Oversized, 1);
    client(&m).app_token().await.unwrap();
    assert_eq!(m.count(Endpoint::AppTokenV1), 2);
    // Over the cap every time: the last error after the policy's 3 attempts.
    m.reset_counters();
    m.fault(Endpoint::AppTokenV1, Fault::Oversized, 10);
    let err = client(&m).app_token().await.unwrap_err();
    assert!(matches!(err, Error::BodyTooLarge { .. }), "{err:?}");
    assert_eq!(m.count(Endpoint::AppTokenV1), 3);
}

#[tokio::test]
async fn oversized_error_page_keeps_its_status_and_is_retried() {
    let m = mock().await;
    let never = SentinelClient::new(config(&m).with_retry(RetryPolicy::never())).unwrap();
    m.fault(Endpoint::AppTokenV1, Fault::OversizedUnavailable, 1);
    let err = never.app_token().await.unwrap_err();
    assert!(
        matches!(err, Error::BodyTooLarge { status, .. } if status == 503),
        "{err:?}"
    );
    assert!(err.is_transient());
    assert!(err.retry_after().is_some());
    // With the default policy the 503 is retried (after its Retry-After: 1 s).
    m.reset_counters();
    m.fault(Endpoint::AppTokenV1, Fault::OversizedUnavailable, 1);
    client(&m).app_token().await.unwrap();
    assert_eq!(m.count(Endpoint::AppTokenV1), 2);
}

#[tokio::test]
async fn invalid_json_is_an_unusable_body() {
    let m = mock().await;
    let never = SentinelClient::new(config(&m).with_retry(RetryPolicy::never())).unwrap();
    m.fault(Endpoint::AppTokenV1, Fault::InvalidJson, 1);
    let err = never.app_token().await.unwrap_err();
    assert!(matches!(err, Error::InvalidBody { .. }), "{err:?}");
    assert_eq!(m.count(Endpoint::AppTokenV1), 1);
    // Retried under the default policy, as a 503 would be.
    m.reset_counters();
    m.fault(Endpoint::AppTokenV1, Fault::InvalidJson, 1);
    client(&m).app_token().await.unwrap();
    assert_eq!(m.count(Endpoint::AppTokenV1), 2);
}

#[tokio::test]
async fn tokens_from_an_unknown_key_or_expired_fail_verification() {
    let m = mock().await;
    let c = SentinelClient::new(config(&m).with_app_jwt_version(AppJwtVersion::V2)).unwrap();
    m.fault(Endpoint::AppTokenV2, Fault::UnknownKey, 1);
    let t = c.fetch_app_token().await.unwrap().0;
    let err = c.verify_app_token(&t).await.unwrap_err();
    assert!(
        matches!(err, Error::Jwt(JwtError::UnknownKid { .. })),
        "{err:?}"
    );
    // The unknown kid forced exactly one (rate-limited) refetch.
    assert_eq!(m.count(Endpoint::Jwks), 2);
    let err = c.verify_app_token(&t).await.unwrap_err();
    assert!(matches!(err, Error::Jwt(JwtError::UnknownKid { .. })));
    assert_eq!(m.count(Endpoint::Jwks), 2, "refetch rate-limited");

    m.fault(Endpoint::AppTokenV2, Fault::ExpiredToken, 1);
    let t = c.fetch_app_token().await.unwrap().0;
    let err = c.verify_app_token(&t).await.unwrap_err();
    assert!(
        matches!(err, Error::Jwt(JwtError::Expired { .. })),
        "{err:?}"
    );
}

#[tokio::test]
async fn code_exchange_is_never_retried() {
    let m = mock().await;
    scenario::code_exchange_is_never_retried(&m, client(&m).client()).await;
}

#[tokio::test]
async fn refresh_is_retried_and_a_failure_keeps_the_old_token_usable() {
    let m = mock().await;
    let c = client(&m);
    let redirect = RedirectUri::new(REDIRECT).unwrap();
    let code = login(&c, &redirect).await;
    let rt = c
        .exchange_code(&code, Some(&redirect))
        .await
        .unwrap()
        .refresh_token
        .unwrap();
    m.reset_counters();
    // 503: the server did not take the token, so the refresh is repeated.
    m.fault(Endpoint::Token, Fault::Status(503), 5);
    assert!(c.refresh(&rt).await.is_err());
    assert_eq!(m.count(Endpoint::Token), 3);
    // 500: it may have, so it is not (a rotated token's replay can revoke them all).
    m.clear_faults();
    m.reset_counters();
    m.fault(Endpoint::Token, Fault::Status(500), 5);
    assert!(c.refresh(&rt).await.is_err());
    assert_eq!(m.count(Endpoint::Token), 1);
    // The server never saw the token used: it still works.
    m.clear_faults();
    m.reset_counters();
    c.refresh(&rt).await.unwrap();
    assert_eq!(m.count(Endpoint::Token), 1);
}

#[tokio::test]
async fn timeout_is_honoured() {
    let m = mock().await;
    let no_retry = config(&m).with_retry(RetryPolicy::never());
    let (connect, total) = (Duration::from_secs(5), Duration::from_millis(300));
    let c = SentinelClient::with_timeouts(no_retry, connect, total).unwrap();
    scenario::timeout_is_honoured(&m, c.client()).await;
}

#[tokio::test]
async fn legacy_query_credentials_work_when_asked_for() {
    let m = mock().await;
    let c = SentinelClient::new(config(&m).with_legacy_query_credentials(true)).unwrap();
    c.app_token().await.unwrap();
    let log = m.request_log();
    let app = log
        .iter()
        .find(|e| e.endpoint == Endpoint::AppTokenV1)
        .unwrap();
    assert!(app.params.iter().any(|p| p == "client_secret"));
}
