//! Capture of what a client logs: the text of a `fmt` subscriber ([`Buf`]), or
//! every event, span and bridged `log` record with its level and target
//! ([`Capture`]). Installing either is process-wide: a test that does stays in a
//! test binary of its own.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing_log::NormalizeEvent;
use tracing_subscriber::layer::{Context, SubscriberExt};

/// A writer for a `fmt` subscriber that keeps every byte.
#[derive(Clone, Default)]
pub struct Buf(Arc<Mutex<Vec<u8>>>);

impl Buf {
    /// What was written, as UTF-8 (fails otherwise).
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

impl std::io::Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A `fmt` subscriber (no colours) with `filter` (an `EnvFilter` directive) that
/// writes into the returned [`Buf`]. Not installed.
pub fn fmt_into(filter: &str) -> (Buf, impl tracing::Subscriber + Send + Sync + 'static) {
    let buf = Buf::default();
    let writer = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    (buf, subscriber)
}

/// [`fmt_into`] installed as the global default, `log` records bridged to it (as
/// `try_init` does); returns the buffer. Once a process.
pub fn install_fmt(filter: &str) -> Buf {
    let (buf, subscriber) = fmt_into(filter);
    tracing::subscriber::set_global_default(subscriber).unwrap();
    tracing_log::LogTracer::init().unwrap();
    buf
}

/// One captured record: level, target, and every field's value.
#[derive(Clone, Debug)]
pub struct Record {
    /// Its level.
    pub level: tracing::Level,
    /// Its target (a `log` record's own).
    pub target: String,
    /// Every field as ` name=value`.
    pub text: String,
}

/// A layer that keeps every event, new span and span record.
#[derive(Clone, Default)]
pub struct Capture(Arc<Mutex<Vec<Record>>>);

impl Capture {
    /// Installs a registry with this layer at TRACE as the global default, and
    /// bridges `log` records to it; returns the capture. Once a process.
    pub fn install_global() -> Capture {
        let capture = Capture::default();
        tracing::subscriber::set_global_default(
            tracing_subscriber::registry()
                .with(capture.clone())
                .with(tracing_subscriber::filter::LevelFilter::TRACE),
        )
        .unwrap();
        tracing_log::LogTracer::init().unwrap();
        capture
    }

    /// Everything captured so far.
    pub fn records(&self) -> Vec<Record> {
        self.0.lock().unwrap().clone()
    }

    /// The records whose text holds any of `secrets`, raw.
    pub fn holding(&self, secrets: &[String]) -> Vec<Record> {
        self.records()
            .into_iter()
            .filter(|r| secrets.iter().any(|s| r.text.contains(s.as_str())))
            .collect()
    }

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

struct Fields<'a>(&'a mut String);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={value:?}", field.name());
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        let _ = write!(self.0, " {}={value}", field.name());
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
