//! What the emulator remembers: codes, refresh tokens, counters, the request log,
//! pending faults, the clock offset and the key rotation.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::config::MockConfig;
use crate::endpoint::Endpoint;
use crate::fault::Fault;
use crate::keys::{Keys, Named, SigningKey};

/// How many requests the log keeps (the oldest are dropped).
const LOG_CAP: usize = 10_000;

/// One logged request: method, path and the *names* of its parameters, never
/// their values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEntry {
    /// HTTP method.
    pub method: String,
    /// Path, without the query.
    pub path: String,
    /// Which endpoint it was.
    pub endpoint: Endpoint,
    /// Names of query and form parameters, in order.
    pub params: Vec<String>,
}

pub(crate) struct CodeGrant {
    pub(crate) account: String,
    pub(crate) client_id: String,
    pub(crate) redirect_uri: Option<String>,
    pub(crate) expires_at: u64,
    /// The PKCE S256 `code_challenge` sent to authorize, if one was (RFC 7636).
    pub(crate) code_challenge: Option<String>,
}

pub(crate) struct RefreshGrant {
    pub(crate) account: String,
    pub(crate) client_id: String,
}

/// V2 key rotation. Generation `g` is published as kid `appjwt-v2-<g>`; the
/// committed rotating keys are used in turn, so every rotation has a new kid.
struct Rotation {
    /// The generation V2 AppJWTs are signed with now (from 1).
    current: u64,
    /// Rotated-out generations and when (emulator clock) they leave the JWKS.
    retired: Vec<(u64, u64)>,
}

/// A V2 signing key and its kid.
pub(crate) struct V2Key<'a> {
    pub(crate) kid: String,
    pub(crate) key: &'a SigningKey,
}

impl V2Key<'_> {
    pub(crate) fn named(&self) -> Named<'_> {
        Named {
            kid: &self.kid,
            key: self.key,
        }
    }
}

pub(crate) struct Shared {
    pub(crate) config: MockConfig,
    pub(crate) keys: Keys,
    /// `127.0.0.1:<port>`, what the Domain API answers.
    pub(crate) host: String,
    pub(crate) codes: Mutex<HashMap<String, CodeGrant>>,
    pub(crate) refresh: Mutex<HashMap<String, RefreshGrant>>,
    counters: [AtomicU64; Endpoint::ALL.len()],
    log: Mutex<VecDeque<LogEntry>>,
    faults: Mutex<HashMap<Endpoint, VecDeque<Fault>>>,
    clock_offset: AtomicI64,
    rotation: Mutex<Rotation>,
}

/// Locks, ignoring poisoning: every critical section leaves the data consistent.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    pub(crate) fn new(config: MockConfig, host: String) -> Self {
        Self {
            clock_offset: AtomicI64::new(config.clock_offset),
            config,
            keys: Keys::load(),
            host,
            codes: Mutex::default(),
            refresh: Mutex::default(),
            counters: Default::default(),
            log: Mutex::default(),
            faults: Mutex::default(),
            rotation: Mutex::new(Rotation {
                current: 1,
                retired: Vec::new(),
            }),
        }
    }

    /// The emulator's clock: system time plus the offset, in Unix seconds.
    pub(crate) fn now(&self) -> u64 {
        let sys = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        sys.saturating_add_signed(self.clock_offset.load(Ordering::Relaxed))
    }

    pub(crate) fn set_clock_offset(&self, secs: i64) {
        self.clock_offset.store(secs, Ordering::Relaxed);
    }

    pub(crate) fn clock_offset(&self) -> i64 {
        self.clock_offset.load(Ordering::Relaxed)
    }

    pub(crate) fn record(&self, entry: LogEntry) {
        if let Some(c) = self.counters.get(entry.endpoint.index()) {
            c.fetch_add(1, Ordering::Relaxed);
        }
        let mut log = lock(&self.log);
        if log.len() == LOG_CAP {
            log.pop_front();
        }
        log.push_back(entry);
    }

    pub(crate) fn count(&self, e: Endpoint) -> u64 {
        self.counters
            .get(e.index())
            .map_or(0, |c| c.load(Ordering::Relaxed))
    }

    pub(crate) fn reset_counters(&self) {
        for c in &self.counters {
            c.store(0, Ordering::Relaxed);
        }
        lock(&self.log).clear();
    }

    pub(crate) fn log(&self) -> Vec<LogEntry> {
        lock(&self.log).iter().cloned().collect()
    }

    pub(crate) fn add_fault(&self, e: Endpoint, f: Fault, n: usize) {
        let mut faults = lock(&self.faults);
        let q = faults.entry(e).or_default();
        q.extend(std::iter::repeat_n(f, n));
    }

    pub(crate) fn clear_faults(&self) {
        lock(&self.faults).clear();
    }

    pub(crate) fn take_fault(&self, e: Endpoint) -> Option<Fault> {
        lock(&self.faults).get_mut(&e)?.pop_front()
    }

    /// Starts signing V2 AppJWTs with a new kid; the old one stays in the JWKS
    /// for the grace period. Returns the new kid.
    pub(crate) fn rotate(&self) -> String {
        let now = self.now();
        let until = now.saturating_add(self.config.lifetimes.key_grace.as_secs());
        let mut r = lock(&self.rotation);
        let old = r.current;
        r.retired.retain(|(_, until)| now < *until);
        r.retired.push((old, until));
        r.current = old.saturating_add(1);
        self.v2_key(r.current).kid
    }

    fn v2_key(&self, generation: u64) -> V2Key<'_> {
        let n = self.keys.rotating.len() as u64;
        let i = usize::try_from(generation.saturating_sub(1) % n).unwrap_or(0);
        V2Key {
            kid: format!("appjwt-v2-{generation}"),
            key: self.keys.rotating.get(i).unwrap_or(&self.keys.rotating[0]),
        }
    }

    /// The key V2 AppJWTs are signed with now.
    pub(crate) fn current_v2(&self) -> V2Key<'_> {
        let g = lock(&self.rotation).current;
        self.v2_key(g)
    }

    /// The V2 keys published now: the current one first, then those in grace.
    pub(crate) fn published_v2(&self) -> Vec<V2Key<'_>> {
        let now = self.now();
        let r = lock(&self.rotation);
        std::iter::once(r.current)
            .chain(
                r.retired
                    .iter()
                    .rev()
                    .filter(|(_, until)| now < *until)
                    .map(|(g, _)| *g),
            )
            .map(|g| self.v2_key(g))
            .collect()
    }

    /// The JWKS as served now: the V2 keys, then the ID-token key.
    pub(crate) fn jwks(&self) -> serde_json::Value {
        let mut keys: Vec<_> = self
            .published_v2()
            .iter()
            .map(|k| k.named().jwk())
            .collect();
        keys.push(self.keys.id_token().jwk());
        serde_json::json!({ "keys": keys })
    }
}
