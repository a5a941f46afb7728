//! Every client operation against a hostile server that echoes what it receives
//! in its errors: no secret in any error's `Display`, `Debug` or source chain, nor
//! in any tracing event at any level from any target (the `log` records of the
//! HTTP stack included). Its own test binary: the subscriber is process-wide.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use sentinel_client::ClientConfig;
use sentinel_mock::{EchoMode, EchoServer, MockClient, MockConfig, MockServer};
use sentinel_proto::{
    AccountId, AuthorizationCode, ClientId, ClientSecret, Error, Host, RefreshToken,
    app_token::AppJwtVersion, policy::RetryPolicy, user::RedirectUri,
};
use sentinel_reqwest::SentinelClient;

const SECRET: &str = "Echo/Client+Secret=7f3a";
const REFRESH: &str = "Echo/Refresh+Token=91bc";
const CODE: &str = "Echo/Auth+Code=44d0";

#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The forms a leak could take.
fn forms(secret: &str) -> Vec<String> {
    let form: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    vec![
        secret.to_owned(),
        form.replace('+', "%20"),
        form.to_lowercase(),
        secret.replace('/', "\\/"),
        secret.get(..10).unwrap().to_owned(),
        form,
    ]
}

fn assert_clean(text: &str, secrets: &[&str]) {
    for s in secrets {
        for f in forms(s) {
            assert!(!text.contains(&f), "{f:?} leaked:\n{text}");
        }
    }
}

/// Everything an error can show: Display, Debug, pretty Debug, the source chain.
fn shown(e: &Error) -> String {
    let mut out = format!("{e}\n{e:?}\n{e:#?}\n");
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        out.push_str(&format!("{s}\n{s:?}\n"));
        source = s.source();
    }
    out
}

fn config(sentinel: &str, version: AppJwtVersion, legacy: bool) -> ClientConfig {
    ClientConfig::new(
        AccountId::new("123456").unwrap(),
        ClientId::new("echo-client").unwrap(),
        ClientSecret::new(SECRET),
    )
    .with_sentinel_host(Host::parse(sentinel).unwrap())
    .with_app_jwt_version(version)
    .with_legacy_query_credentials(legacy)
    .with_retry(RetryPolicy::default().with_base_delay(Duration::from_millis(1)))
}

#[test]
fn no_operation_shows_an_echoed_secret() {
    let buf = Buf::default();
    let writer = buf.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .try_init()
        .unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let echo = EchoServer::start(EchoMode::Description).unwrap();
    let mut errors = String::new();
    let mut app_jwts = Vec::new();
    rt.block_on(async {
        // The ConsumerJWS request carries a real AppJWT: from the emulator.
        let mock = MockServer::builder()
            .config(MockConfig {
                clients: vec![MockClient {
                    id: "echo-client".into(),
                    secret: SECRET.into(),
                    redirect_uris: vec!["http://127.0.0.1/callback".into()],
                }],
                ..MockConfig::default()
            })
            .start()
            .await
            .unwrap();
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
                let c = SentinelClient::new(config(&echo.base_url(), version, legacy)).unwrap();
                let e = c.app_token().await.unwrap_err();
                errors.push_str(&shown(&e));
            }
            let c =
                SentinelClient::new(config(&echo.base_url(), AppJwtVersion::V1, false)).unwrap();
            let redirect = RedirectUri::new("http://127.0.0.1/callback").unwrap();
            let e = c
                .exchange_code(&AuthorizationCode::new(CODE), Some(&redirect))
                .await
                .unwrap_err();
            errors.push_str(&shown(&e));
            let e = c.refresh(&RefreshToken::new(REFRESH)).await.unwrap_err();
            errors.push_str(&shown(&e));
            let e = c.revoke(&RefreshToken::new(REFRESH)).await.unwrap_err();
            errors.push_str(&shown(&e));

            let c = SentinelClient::new(
                config(&mock.base_url(), AppJwtVersion::V1, false)
                    .with_idp_host(Host::parse(&echo.base_url()).unwrap()),
            )
            .unwrap();
            let e = c.consumer_jws("consumer-1").await.unwrap_err();
            errors.push_str(&shown(&e));
            app_jwts.push(c.app_token().await.unwrap().value().secret().to_owned());
        }
    });
    assert!(
        echo.requests() >= 4 * 7,
        "every request reached the echo server"
    );
    let logs = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("retrying"), "the retries were logged: {logs}");
    let jwts: Vec<&str> = app_jwts.iter().map(String::as_str).collect();
    let mut secrets = vec![SECRET, REFRESH, CODE];
    secrets.extend(jwts.iter().copied());
    assert_clean(&errors, &secrets);
    assert_clean(&logs, &secrets);
    // The errors still say what went wrong.
    assert!(errors.contains("invalid_client"), "{errors}");
    assert!(errors.contains("[redacted]"), "{errors}");
}
