//! Everything logged at every level, `log` records included (reqwest logs
//! through `log`), with a caller's builder that asks for `connection_verbose`:
//! no record carries a secret. Over https, so the caller's client, not the
//! loopback one, sends. Its own test binary: the subscriber and the `log` logger
//! are process-wide.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use sentinel_proto::{Host, user::RedirectUri};
use sentinel_reqwest::SentinelClient;
use tracing::field::{Field, Visit};
use tracing_log::NormalizeEvent;
use tracing_subscriber::layer::{Context, SubscriberExt};

mod common;
mod net;
use common::*;

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

#[tokio::test]
async fn no_secret_at_any_level_even_with_connection_verbose() {
    let capture = Capture::default();
    tracing::subscriber::set_global_default(
        tracing_subscriber::registry()
            .with(capture.clone())
            .with(tracing_subscriber::filter::LevelFilter::TRACE),
    )
    .unwrap();
    tracing_log::LogTracer::init().unwrap();

    let m = mock().await;
    let front = net::tls_front(m.addr()).await;
    let https = Host::parse(&format!("https://localhost:{}", front.addr.port())).unwrap();
    let make = |legacy: bool| {
        let builder = reqwest::Client::builder()
            .add_root_certificate(front.ca.clone())
            .connection_verbose(true);
        let config = config(&m)
            .with_sentinel_host(https.clone())
            .with_idp_host(https.clone())
            .with_legacy_query_credentials(legacy);
        SentinelClient::with_client_builder(config, builder).unwrap()
    };
    let redirect = RedirectUri::new(REDIRECT).unwrap();
    let mut secrets = vec![SECRET.to_owned()];
    for c in [make(false), make(true)] {
        let (app, _) = c.fetch_app_token().await.unwrap();
        secrets.push(app.secret().to_owned());
        let code = login(&c, &redirect).await;
        secrets.push(code.secret().to_owned());
        let tokens = c.exchange_code(&code, Some(&redirect)).await.unwrap();
        secrets.push(tokens.access_token.secret().to_owned());
        let rt = tokens.refresh_token.unwrap();
        secrets.push(rt.secret().to_owned());
        let rt2 = c.refresh(&rt).await.unwrap().refresh_token.unwrap();
        secrets.push(rt2.secret().to_owned());
        c.revoke(&rt2).await.unwrap();
        // Sent with `Authorization: <AppJWT>`.
        let jws = c.consumer_jws("consumer-1").await.unwrap();
        secrets.push(jws.secret().to_owned());
    }

    let records = capture.0.lock().unwrap().clone();
    assert!(
        records
            .iter()
            .any(|r| r.target.starts_with("reqwest") && r.level == tracing::Level::TRACE),
        "no reqwest TRACE record captured"
    );
    let leaks: Vec<&Record> = records
        .iter()
        .filter(|r| secrets.iter().any(|s| r.text.contains(s.as_str())))
        .collect();
    assert!(leaks.is_empty(), "secrets logged: {leaks:#?}");
}
