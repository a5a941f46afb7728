//! End to end against the `sentinel-mock` emulator on loopback: AppJWT fetches
//! (client-credentials grant, V1, credentials in the form body), one at a time
//! over a kept-alive connection. The emulator reuses the RS256 signature of the
//! last identical signing input (same claims within one second; PKCS#1 v1.5 is
//! deterministic), so the request path, not the private-key operation, is measured.
//!
//! - async: `sentinel_reqwest` (`fetch_app_token`, which bypasses the cache) vs an
//!   `oauth2` client on the same kind of `reqwest::Client` vs a bare reqwest POST
//!   of the same form that only reads the body (the floor);
//! - blocking: `sentinel_isahc` vs a bare isahc POST.
//!
//! The emulator runs on a runtime of its own (2 worker threads); the async
//! contenders are driven by a current-thread runtime, `block_on` per request.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use isahc::config::Configurable as _;
use oauth2::basic::BasicClient;
use oauth2::{AuthType, TokenResponse as _, TokenUrl};
use sentinel_client::ClientConfig;
use sentinel_mock::{Endpoint, MockServer};
#[path = "common/bare.rs"]
mod bare;
use sentinel_proto::{AccountId, ClientId, ClientSecret, Host};

fn fetch_app_token(c: &mut Criterion) {
    let mock = MockServer::builder().start_blocking().unwrap();
    let base = mock.base_url();
    let token_url = format!(
        "{base}/sentinel/api/account/{}/app/token?v=1.0",
        mock.account()
    );
    // The demo credentials need no percent-encoding.
    let form = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}",
        mock.client_id(),
        mock.client_secret()
    );
    let config = ClientConfig::new(
        AccountId::new(mock.account()).unwrap(),
        ClientId::new(mock.client_id()).unwrap(),
        ClientSecret::new(mock.client_secret()),
    )
    .with_sentinel_host(Host::parse(&base).unwrap());

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    // Async: ours, oauth2, bare reqwest.
    let ours = sentinel_reqwest::SentinelClient::new(config.clone()).unwrap();
    let http = reqwest::Client::builder()
        .tls_backend_rustls()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // oauth2's own `AsyncHttpClient for reqwest::Client` (oauth2 5.0,
    // `reqwest_client.rs`), written out for reqwest 0.13, which oauth2 5.0 predates.
    let oauth_http = |request: oauth2::HttpRequest| {
        let http = &http;
        async move {
            let response = http.execute(request.try_into()?).await?;
            let mut builder = http::Response::builder()
                .status(response.status())
                .version(response.version());
            for (name, value) in response.headers() {
                builder = builder.header(name, value);
            }
            Ok::<_, reqwest::Error>(builder.body(response.bytes().await?.to_vec()).unwrap())
        }
    };
    let oauth = BasicClient::new(oauth2::ClientId::new(mock.client_id().to_owned()))
        .set_client_secret(oauth2::ClientSecret::new(mock.client_secret().to_owned()))
        .set_auth_type(AuthType::RequestBody)
        .set_token_uri(TokenUrl::new(token_url.clone()).unwrap());
    let bare_reqwest = || bare::reqwest_post(&http, &token_url, &form);

    // Blocking: ours, bare isahc.
    let ours_isahc = sentinel_isahc::SentinelClient::new(config).unwrap();
    let isahc_http = isahc::HttpClient::builder()
        .redirect_policy(isahc::config::RedirectPolicy::None)
        .build()
        .unwrap();
    let bare_isahc = || bare::isahc_post(&isahc_http, &token_url, &form);

    // Everyone gets a token from the emulator.
    let (jwt, _) = rt.block_on(ours.fetch_app_token()).unwrap();
    let theirs = rt
        .block_on(
            oauth
                .exchange_client_credentials()
                .request_async(&oauth_http),
        )
        .unwrap();
    assert_eq!(
        jwt.secret().split('.').next(),
        theirs.access_token().secret().split('.').next()
    );
    assert!(rt.block_on(bare_reqwest()).as_ref().starts_with(b"{"));
    ours_isahc.fetch_app_token().unwrap();
    assert!(bare_isahc().starts_with(b"{"));
    mock.reset_counters();

    let mut g = c.benchmark_group("e2e/app_token_fetch_reqwest");
    g.throughput(Throughput::Elements(1));
    g.bench_function("sentinel_reqwest", |b| {
        b.iter(|| rt.block_on(ours.fetch_app_token()).unwrap())
    });
    g.bench_function("oauth2_reqwest", |b| {
        b.iter(|| {
            rt.block_on(
                oauth
                    .exchange_client_credentials()
                    .request_async(&oauth_http),
            )
            .unwrap()
        })
    });
    g.bench_function("floor_bare_reqwest_post", |b| {
        b.iter(|| rt.block_on(bare_reqwest()))
    });
    g.finish();

    let mut g = c.benchmark_group("e2e/app_token_fetch_isahc");
    g.throughput(Throughput::Elements(1));
    g.bench_function("sentinel_isahc", |b| {
        b.iter(|| ours_isahc.fetch_app_token().unwrap())
    });
    g.bench_function("floor_bare_isahc_post", |b| b.iter(bare_isahc));
    g.finish();

    // Every request reached the AppJWT endpoint (no retries, no other calls).
    assert!(mock.count(Endpoint::AppTokenV1) > 0);
    assert_eq!(mock.count(Endpoint::DomainApi), 0);
}

criterion_group!(benches, fetch_app_token);
criterion_main!(benches);
