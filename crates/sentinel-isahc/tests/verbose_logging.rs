//! Everything logged at every level, `log` records included, over HTTPS (ALPN
//! `h2` offered) and plain HTTP/1.1: below TRACE nothing carries a secret, and at
//! TRACE only `isahc::wire` does. Its own test binary: the subscriber and the
//! `log` logger are process-wide.
//!
//! `tracing`'s `log` feature is on in this build (axum turns it on), which is what
//! makes isahc turn on curl's verbose mode for every request.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use isahc::config::Configurable;
use sentinel_client::ClientConfig;
use sentinel_isahc::SentinelClient;
use sentinel_mock::{MockClient, MockConfig, MockServer};
use sentinel_proto::{Host, user::RedirectUri};
use tracing::field::{Field, Visit};
use tracing_log::NormalizeEvent;
use tracing_subscriber::layer::{Context, SubscriberExt};

mod common;
mod net;
use common::{REDIRECT, SECRET, login};

/// One captured record: level, target, and every field's value.
#[derive(Clone, Debug)]
struct Record {
    level: tracing::Level,
    target: String,
    text: String,
}

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<Record>>>);

struct Fields<'a>(&'a mut String);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={value:?}", field.name());
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        let _ = write!(self.0, " {}={value}", field.name());
    }
}

impl Capture {
    fn push(&self, meta: &tracing::Metadata<'_>, record: &dyn Fn(&mut Fields<'_>)) {
        let mut text = String::new();
        record(&mut Fields(&mut text));
        self.0.lock().unwrap().push(Record {
            level: *meta.level(),
            target: meta.target().to_owned(),
            text,
        });
    }
}

impl<S> tracing_subscriber::Layer<S> for Capture
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        // A `log` record bridged by LogTracer: keep its own target.
        let normalized = event.normalized_metadata();
        let meta = normalized.as_ref().unwrap_or_else(|| event.metadata());
        self.push(meta, &|f| event.record(f));
    }
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        _: &tracing::span::Id,
        _: Context<'_, S>,
    ) {
        self.push(attrs.metadata(), &|f| attrs.record(f));
    }
    fn on_record(
        &self,
        id: &tracing::span::Id,
        values: &tracing::span::Record<'_>,
        ctx: Context<'_, S>,
    ) {
        if let Some(span) = ctx.span(id) {
            self.push(span.metadata(), &|f| values.record(f));
        }
    }
}

/// Runs every credential-bearing operation, body and legacy query form; returns
/// the secrets seen.
fn every_operation(config: ClientConfig, http: Option<isahc::HttpClient>) -> Vec<String> {
    let redirect = RedirectUri::new(REDIRECT).unwrap();
    let legacy_config = config.clone().with_legacy_query_credentials(true);
    let (c, legacy) = match http {
        Some(http) => (
            SentinelClient::with_http_client(config, http.clone()),
            SentinelClient::with_http_client(legacy_config, http),
        ),
        None => (
            SentinelClient::new(config).unwrap(),
            SentinelClient::new(legacy_config).unwrap(),
        ),
    };
    let mut secrets = vec![SECRET.to_owned()];
    let app = c.app_token().unwrap();
    secrets.push(app.value().secret().to_owned());
    let (legacy_app, _) = legacy.fetch_app_token().unwrap();
    secrets.push(legacy_app.secret().to_owned());
    let code = login(&c, &redirect);
    secrets.push(code.secret().to_owned());
    let tokens = c.exchange_code(&code, Some(&redirect)).unwrap();
    secrets.push(tokens.access_token.secret().to_owned());
    let rt = tokens.refresh_token.unwrap();
    secrets.push(rt.secret().to_owned());
    let renewed = c.refresh(&rt).unwrap();
    secrets.push(renewed.access_token.secret().to_owned());
    let rt2 = renewed.refresh_token.unwrap();
    secrets.push(rt2.secret().to_owned());
    let code2 = login(&legacy, &redirect);
    secrets.push(code2.secret().to_owned());
    let legacy_tokens = legacy.exchange_code(&code2, Some(&redirect)).unwrap();
    let rt3 = legacy_tokens.refresh_token.unwrap();
    secrets.push(rt3.secret().to_owned());
    let rt4 = legacy.refresh(&rt3).unwrap().refresh_token.unwrap();
    secrets.push(rt4.secret().to_owned());
    legacy.revoke(&rt4).unwrap();
    c.revoke(&rt2).unwrap();
    // Sent with `Authorization: <AppJWT>`.
    let jws = c.consumer_jws("consumer-1").unwrap();
    secrets.push(jws.secret().to_owned());
    secrets
}

#[test]
fn no_secret_below_trace_and_only_isahc_wire_at_trace() {
    let capture = Capture::default();
    tracing::subscriber::set_global_default(
        tracing_subscriber::registry()
            .with(capture.clone())
            .with(tracing_subscriber::filter::LevelFilter::TRACE),
    )
    .unwrap();
    tracing_log::LogTracer::init().unwrap();
    assert!(log::log_enabled!(target: "isahc", log::Level::Trace));

    let rt = net::runtime();
    let m = rt
        .block_on(
            MockServer::builder()
                .config(MockConfig {
                    clients: vec![MockClient {
                        id: "blocking-client".into(),
                        secret: SECRET.into(),
                        redirect_uris: vec![REDIRECT.into()],
                    }],
                    ..MockConfig::default()
                })
                .start(),
        )
        .unwrap();
    let front = net::tls_front(&rt, m.addr());

    // HTTPS through a caller's client that trusts the test CA and, like any
    // default isahc client, would negotiate HTTP/2.
    let tls = isahc::tls::TlsConfig::builder()
        .trust_store(
            isahc::tls::TrustStore::builder()
                .certificate_from_pem(front.ca_pem.as_bytes())
                .build(),
        )
        .build();
    let http = isahc::HttpClient::builder()
        .tls_config(tls)
        .build()
        .unwrap();
    let https = Host::parse(&format!("https://localhost:{}", front.addr.port())).unwrap();
    let https_config = common::config(&m)
        .with_sentinel_host(https.clone())
        .with_idp_host(https);
    let mut secrets = every_operation(https_config, Some(http));

    // Plain HTTP/1.1, the crate's own client.
    secrets.extend(every_operation(common::config(&m), None));

    let records = capture.0.lock().unwrap().clone();
    let leaks: Vec<&Record> = records
        .iter()
        .filter(|r| secrets.iter().any(|s| r.text.contains(s.as_str())))
        .collect();
    let bad: Vec<&&Record> = leaks
        .iter()
        .filter(|r| r.level != tracing::Level::TRACE || r.target != "isahc::wire")
        .collect();
    assert!(
        bad.is_empty(),
        "secrets outside TRACE isahc::wire: {bad:#?}"
    );
    // The capture sees what curl says: its verbose text at DEBUG, and the wire
    // dump, secrets and all, at TRACE.
    assert!(
        records
            .iter()
            .any(|r| r.level == tracing::Level::DEBUG && r.target.starts_with("isahc")),
        "no isahc DEBUG record captured"
    );
    assert!(!leaks.is_empty(), "the wire dump was not captured");
    // How: h2 was offered, and refused.
    let alpn = front.alpn.lock().unwrap().clone();
    assert!(!alpn.is_empty(), "nothing went over TLS");
    assert!(
        alpn.iter()
            .all(|p| p.as_deref() == Some(b"http/1.1".as_slice())),
        "ALPN agreed: {alpn:?}"
    );
}
