//! The scenarios both adapters run, written once over [`Client`]: the async
//! adapter awaits them, the blocking one drives them with
//! [`block_on`](crate::browser::block_on) (its futures are complete when first
//! polled) or `rt.block_on` when loopback servers need a runtime.

use std::process::Command;
use std::time::Duration;

use sentinel_client::{Client, ClientConfig, HttpClient, Runtime};
use sentinel_mock::{EchoMode, EchoServer};
use sentinel_proto::{
    AuthorizationCode, Host, RefreshToken, app_token::AppJwtVersion, user::RedirectUri,
};

use crate::browser::login;
use crate::capture::Buf;
use crate::leak::{assert_clean, shown};
use crate::mock::{REDIRECT, bare_config, fast_retry};
use crate::net::{self, Received};

/// Every credential-bearing operation once, against the emulator: the cached and
/// a fresh AppJWT, a browser login, the code exchange, a refresh, a revocation,
/// a ConsumerJWS. Returns every secret seen (the client secret is the caller's).
pub async fn every_operation<H: HttpClient, R: Runtime>(c: &Client<H, R>) -> Vec<String> {
    let redirect = RedirectUri::new(REDIRECT).unwrap();
    let mut secrets = Vec::new();
    let app = c.app_token().await.unwrap();
    secrets.push(app.value().secret().to_owned());
    let (fresh, _) = c.fetch_app_token().await.unwrap();
    secrets.push(fresh.secret().to_owned());
    let code = login(c, &redirect).await;
    secrets.push(code.secret().to_owned());
    let tokens = c.exchange_code(&code, Some(&redirect)).await.unwrap();
    secrets.push(tokens.access_token.secret().to_owned());
    let rt = tokens.refresh_token.unwrap();
    secrets.push(rt.secret().to_owned());
    let renewed = c.refresh(&rt).await.unwrap();
    secrets.push(renewed.access_token.secret().to_owned());
    let rt2 = renewed.refresh_token.unwrap();
    secrets.push(rt2.secret().to_owned());
    c.revoke(&rt2).await.unwrap();
    // Sent with `Authorization: <AppJWT>`.
    let jws = c.consumer_jws("consumer-1").await.unwrap();
    secrets.push(jws.value().secret().to_owned());
    secrets
}

/// Secrets with characters that encode differently in forms, URLs and JSON.
pub const ECHO_SECRET: &str = "Echo/Client+Secret=7f3a";
/// A refresh token for the echo server, likewise.
pub const ECHO_REFRESH: &str = "Echo/Refresh+Token=91bc";
/// An authorization code for the echo server, likewise.
pub const ECHO_CODE: &str = "Echo/Auth+Code=44d0";
/// The client id of the echo scenario (the emulator's marked client too).
pub const ECHO_CLIENT: &str = "echo-client";

fn echo_config(sentinel: &str, version: AppJwtVersion, legacy: bool) -> ClientConfig {
    bare_config(ECHO_CLIENT, ECHO_SECRET)
        .with_sentinel_host(Host::parse(sentinel).unwrap())
        .with_app_jwt_version(version)
        .with_legacy_query_credentials(legacy)
        .with_retry(fast_retry(Duration::from_millis(1)))
}

/// Every operation against a hostile [`EchoServer`] in each of its modes (the
/// ConsumerJWS one with a real AppJWT from the emulator at `mock_url`, whose
/// client is [`ECHO_CLIENT`] with [`ECHO_SECRET`]): no secret in any error's
/// `Display`, `Debug` or source chain, nor in `logs`; the errors still say what
/// went wrong, and the retries were logged.
pub async fn no_operation_shows_an_echoed_secret<H: HttpClient, R: Runtime>(
    make: impl Fn(ClientConfig) -> Client<H, R>,
    mock_url: &str,
    logs: &Buf,
) {
    let echo = EchoServer::start(EchoMode::Description).unwrap();
    let mut errors = String::new();
    let mut app_jwts = Vec::new();
    let redirect = RedirectUri::new(REDIRECT).unwrap();
    for mode in [
        EchoMode::Description,
        EchoMode::ErrorMember,
        EchoMode::HtmlPage,
        EchoMode::Transient,
    ] {
        echo.set_mode(mode);
        for (version, legacy) in [
            (AppJwtVersion::V1, false),
            (AppJwtVersion::V1, true),
            (AppJwtVersion::V2, false),
        ] {
            let c = make(echo_config(&echo.base_url(), version, legacy));
            errors.push_str(&shown(&c.app_token().await.unwrap_err()));
        }
        let c = make(echo_config(&echo.base_url(), AppJwtVersion::V1, false));
        let code = AuthorizationCode::new(ECHO_CODE);
        let e = c.exchange_code(&code, Some(&redirect)).await.unwrap_err();
        errors.push_str(&shown(&e));
        let refresh = RefreshToken::new(ECHO_REFRESH);
        errors.push_str(&shown(&c.refresh(&refresh).await.unwrap_err()));
        errors.push_str(&shown(&c.revoke(&refresh).await.unwrap_err()));
        let c = make(
            echo_config(mock_url, AppJwtVersion::V1, false)
                .with_idp_host(Host::parse(&echo.base_url()).unwrap()),
        );
        errors.push_str(&shown(&c.consumer_jws("consumer-1").await.unwrap_err()));
        app_jwts.push(c.app_token().await.unwrap().value().secret().to_owned());
    }
    assert!(
        echo.requests() >= 4 * 7,
        "every request reached the echo server"
    );
    let logs = logs.text();
    assert!(logs.contains("retrying"), "the retries were logged: {logs}");
    let mut secrets = vec![ECHO_SECRET, ECHO_REFRESH, ECHO_CODE];
    secrets.extend(app_jwts.iter().map(String::as_str));
    assert_clean("errors", &errors, &secrets);
    assert_clean("logs", &logs, &secrets);
    // The errors still say what went wrong.
    assert!(errors.contains("invalid_client"), "{errors}");
    assert!(errors.contains("[redacted]"), "{errors}");
}

/// The code the redirect scenario sends.
pub const REDIRECT_CODE: &str = "CODE-MARKER-31c7";
/// The refresh token the redirect scenario sends.
pub const REDIRECT_REFRESH: &str = "REFRESH-MARKER-d402";

/// Every credential-bearing operation of a client for `client_id` with `secret`
/// against a server that answers 302, 307 and 308 with a `Location` on a second
/// server: each fails with that status after one request, not retried, and the
/// second server hears nothing. With `tls`, both servers are behind TLS fronts
/// on that provider, and `make` gets the PEMs of the CAs to trust.
#[cfg(feature = "tls")]
pub async fn nothing_follows<H: HttpClient, R: Runtime>(
    client_id: &str,
    secret: &str,
    tls: Option<std::sync::Arc<rustls::crypto::CryptoProvider>>,
    make: impl Fn(ClientConfig, &[String]) -> Client<H, R>,
) {
    for status in [302u16, 307, 308] {
        let mut cas = Vec::new();
        let (target, received) = net::recorder().await;
        let target = base_url(target, tls.clone(), &mut cas).await;
        let (origin, asked) = net::redirector(status, &format!("{target}/elsewhere")).await;
        let host = Host::parse(&base_url(origin, tls.clone(), &mut cas).await).unwrap();
        let redirect = RedirectUri::new(REDIRECT).unwrap();
        let config = crate::mock::pointed_at(client_id, secret, &host);
        let c = make(config.clone(), &cas);
        let legacy = make(config.with_legacy_query_credentials(true), &cas);
        let code = AuthorizationCode::new(REDIRECT_CODE);
        let refresh = RefreshToken::new(REDIRECT_REFRESH);
        let errors = [
            c.fetch_app_token().await.map(drop).unwrap_err(),
            legacy.fetch_app_token().await.map(drop).unwrap_err(),
            c.exchange_code(&code, Some(&redirect))
                .await
                .map(drop)
                .unwrap_err(),
            c.refresh(&refresh).await.map(drop).unwrap_err(),
            c.consumer_jws("consumer-1").await.map(drop).unwrap_err(),
        ];
        for e in &errors {
            assert_eq!(e.status().map(|s| s.as_u16()), Some(status), "{e:?}");
            assert!(!e.is_transient(), "{status} is retryable: {e:?}");
        }
        // consumer_jws asks for an AppJWT first, which gets the 3xx: one request.
        assert_eq!(asked.connections(), errors.len(), "{status}: retried?");
        assert_eq!(
            received.connections(),
            0,
            "{status} followed: {}",
            received.text()
        );
        let sent = asked.text();
        assert!(sent.contains(secret) && sent.contains(REDIRECT_CODE));
        assert!(sent.contains(REDIRECT_REFRESH));
    }
}

/// `addr` as a base URL: behind a TLS front as `https://localhost` (its CA's PEM
/// added to `cas`) with `tls`, else plain http.
#[cfg(feature = "tls")]
async fn base_url(
    addr: std::net::SocketAddr,
    tls: Option<std::sync::Arc<rustls::crypto::CryptoProvider>>,
    cas: &mut Vec<String>,
) -> String {
    match tls {
        Some(provider) => {
            let front = net::tls_front(provider, &[b"http/1.1"], addr).await;
            cas.push(front.ca_pem.clone());
            front.base_url()
        }
        None => format!("http://{addr}"),
    }
}

/// The environment variable that tells the proxy test it is the child.
pub const PROXY_CHILD: &str = "SENTINEL_TEST_PROXY_CHILD";
/// A host that is not loopback, for the requests that must use the proxy.
pub const CONTROL_HOST: &str = "proxy-control.invalid";

/// The parent of the proxy test (`test`, by its exact name): runs this test
/// binary again as a child with every proxy variable pointing at a recording
/// server (and `no_proxy` unset), and checks that the child succeeded and that
/// the proxy heard `controls` connections, for [`CONTROL_HOST`], without `secret`.
///
/// Proxy variables are process-wide and the crates forbid the `unsafe` that
/// setting them takes: hence the child.
pub fn proxy_parent(test: &str, controls: usize, secret: &str) {
    let rt = net::runtime();
    let (proxy, received): (_, Received) = rt.block_on(net::recorder());
    let proxy = format!("http://{proxy}");
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", test, "--nocapture"])
        .env(PROXY_CHILD, &proxy);
    for var in [
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ] {
        cmd.env(var, &proxy);
    }
    cmd.env_remove("no_proxy").env_remove("NO_PROXY");
    // The recorder answers on `rt` while the child runs.
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "child failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let heard = received.text();
    // The control requests, and only they, went through the proxy.
    assert_eq!(received.connections(), controls, "proxy heard: {heard}");
    assert!(heard.contains(CONTROL_HOST), "proxy heard: {heard}");
    assert!(!heard.contains(secret), "proxy heard: {heard}");
}

/// A request for [`CONTROL_HOST`], which is not loopback: it goes through the
/// proxy (so the proxy settings were read at all), which answers 200.
pub async fn control_request<H: HttpClient, R: Runtime>(c: &Client<H, R>) {
    let request = http::Request::get(format!("http://{CONTROL_HOST}/"))
        .body(Vec::new())
        .unwrap();
    assert_eq!(c.send(request).await.unwrap().status(), 200);
}

/// A client with a 300 ms total timeout (made by the adapter, with no retries)
/// against an emulator `m` whose Domain API answers after 3 s: the AppJWT
/// request fails within 2 s, as a `Timeout`.
pub async fn timeout_is_honoured<H: HttpClient, R: Runtime>(
    m: &sentinel_mock::MockHandle,
    c: &Client<H, R>,
) {
    use sentinel_mock::{Endpoint, Fault};
    use sentinel_proto::{Error, error::TransportErrorKind};
    m.fault(Endpoint::DomainApi, Fault::Delay(Duration::from_secs(3)), 1);
    let start = std::time::Instant::now();
    let err = c.app_token().await.unwrap_err();
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "took {:?}",
        start.elapsed()
    );
    assert!(
        matches!(&err, Error::Transport(t) if t.kind() == TransportErrorKind::Timeout),
        "{err:?}"
    );
}

/// A code exchange that gets a 503 fails with it after one request: a code is
/// single-use, so the exchange is never retried.
pub async fn code_exchange_is_never_retried<H: HttpClient, R: Runtime>(
    m: &sentinel_mock::MockHandle,
    c: &Client<H, R>,
) {
    use sentinel_mock::{Endpoint, Fault};
    let redirect = RedirectUri::new(REDIRECT).unwrap();
    let code = login(c, &redirect).await;
    m.fault(Endpoint::Token, Fault::Status(503), 1);
    let err = c.exchange_code(&code, Some(&redirect)).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(m.count(Endpoint::Token), 1);
}
