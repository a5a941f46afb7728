//! Response parsing: `sentinel-proto`'s parsers against the `oauth2` crate's
//! standard token response and a `serde_json` floor that only validates the JSON
//! (`IgnoredAny`), on the same realistic Sentinel bodies.
//!
//! The `http::Response` is built once, outside the timed loop; each iteration
//! parses it and drops the result (the owned tokens are part of the work).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use oauth2::basic::BasicTokenResponse;
use sentinel_benches::peers::{
    OAuth2WithIdToken, PlainAllServices, PlainTokenBorrowed, PlainTokenOwned,
};
use sentinel_benches::{all_services_body, app_token_response_body, now_secs, token_response_body};
use sentinel_proto::{
    AccountId, Host, app_token::parse_app_token_response, domain::DomainApi,
    user::parse_token_response,
};
use serde::de::IgnoredAny;

fn token_response(c: &mut Criterion) {
    let body = token_response_body(now_secs());
    let resp = http::Response::new(body.clone());
    // The contenders agree on the input.
    let ours = parse_token_response(&resp).unwrap();
    assert!(ours.id_token.is_some() && ours.refresh_token.is_some());
    serde_json::from_slice::<BasicTokenResponse>(&body).unwrap();
    serde_json::from_slice::<OAuth2WithIdToken>(&body).unwrap();

    let mut g = c.benchmark_group("parse/token_response");
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function("sentinel_proto", |b| {
        b.iter(|| parse_token_response(black_box(&resp)))
    });
    g.bench_function("oauth2_basic", |b| {
        b.iter(|| serde_json::from_slice::<BasicTokenResponse>(black_box(&body)))
    });
    g.bench_function("oauth2_with_id_token", |b| {
        b.iter(|| serde_json::from_slice::<OAuth2WithIdToken>(black_box(&body)))
    });
    g.bench_function("serde_derive_owned", |b| {
        b.iter(|| serde_json::from_slice::<PlainTokenOwned>(black_box(&body)))
    });
    g.bench_function("serde_derive_borrowed", |b| {
        b.iter(|| serde_json::from_slice::<PlainTokenBorrowed>(black_box(&body)))
    });
    g.bench_function("floor_ignored_any", |b| {
        b.iter(|| serde_json::from_slice::<IgnoredAny>(black_box(&body)))
    });
    // The same with the results dropped outside the timed section: ours zeroizes
    // its tokens on drop (secrecy), the peers only free them.
    g.bench_function(BenchmarkId::new("sentinel_proto", "drop_untimed"), |b| {
        b.iter_with_large_drop(|| parse_token_response(black_box(&resp)))
    });
    g.bench_function(BenchmarkId::new("oauth2_basic", "drop_untimed"), |b| {
        b.iter_with_large_drop(|| serde_json::from_slice::<BasicTokenResponse>(black_box(&body)))
    });
    g.bench_function(
        BenchmarkId::new("oauth2_with_id_token", "drop_untimed"),
        |b| {
            b.iter_with_large_drop(|| serde_json::from_slice::<OAuth2WithIdToken>(black_box(&body)))
        },
    );
    g.finish();
}

fn app_token_response(c: &mut Criterion) {
    let body = app_token_response_body(now_secs());
    let resp = http::Response::new(body.clone());
    parse_app_token_response(&resp).unwrap();
    serde_json::from_slice::<BasicTokenResponse>(&body).unwrap();

    let mut g = c.benchmark_group("parse/app_token_response");
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function("sentinel_proto", |b| {
        b.iter(|| parse_app_token_response(black_box(&resp)))
    });
    g.bench_function("oauth2_basic", |b| {
        b.iter(|| serde_json::from_slice::<BasicTokenResponse>(black_box(&body)))
    });
    g.bench_function("floor_ignored_any", |b| {
        b.iter(|| serde_json::from_slice::<IgnoredAny>(black_box(&body)))
    });
    g.bench_function(BenchmarkId::new("sentinel_proto", "drop_untimed"), |b| {
        b.iter_with_large_drop(|| parse_app_token_response(black_box(&resp)))
    });
    g.bench_function(BenchmarkId::new("oauth2_basic", "drop_untimed"), |b| {
        b.iter_with_large_drop(|| serde_json::from_slice::<BasicTokenResponse>(black_box(&body)))
    });
    g.finish();
}

fn all_services(c: &mut Criterion) {
    let body = all_services_body();
    let resp = http::Response::new(body.clone());
    let api = DomainApi::new(
        Host::csds(),
        AccountId::new(sentinel_benches::ACCOUNT).unwrap(),
    );
    let list = api.parse_all_services(&resp).unwrap();
    assert_eq!(list.services().count(), 30);
    list.host("sentinel").unwrap();

    let mut g = c.benchmark_group("parse/all_services_30");
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function("sentinel_proto", |b| {
        b.iter(|| api.parse_all_services(black_box(&resp)))
    });
    g.bench_function(BenchmarkId::new("sentinel_proto", "then_host"), |b| {
        b.iter(|| {
            api.parse_all_services(black_box(&resp))
                .and_then(|l| l.host("sentinel"))
        })
    });
    g.bench_function("serde_derive_owned", |b| {
        b.iter(|| serde_json::from_slice::<PlainAllServices>(black_box(&body)))
    });
    g.bench_function("floor_ignored_any", |b| {
        b.iter(|| serde_json::from_slice::<IgnoredAny>(black_box(&body)))
    });
    g.finish();
}

criterion_group!(benches, token_response, app_token_response, all_services);
criterion_main!(benches);
