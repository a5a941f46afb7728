//! What the emulator remembers: codes, refresh tokens, counters, the request log,
//! pending faults, the clock offset and the key rotation.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::config::MockConfig;
use crate::fault::{Endpoint, Fault};
use crate::keys::{Keys, SigningKey};

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
}

pub(crate) struct RefreshGrant {
    pub(crate) account: String,
    pub(crate) client_id: String,
}

struct Rotation {
    current: usize,
    /// The previous key and when it leaves the JWKS.
    previous: Option<(usize, u64)>,
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
                current: 0,
                previous: None,
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

    /// Starts signing V2 AppJWTs with the next key; the old one stays in the
    /// JWKS for the grace period. Returns the new kid.
    pub(crate) fn rotate(&self) -> String {
        let now = self.now();
        let mut r = lock(&self.rotation);
        let next = (r.current + 1) % self.keys.rotating.len();
        r.previous = Some((r.current, now + self.config.lifetimes.key_grace.as_secs()));
        r.current = next;
        self.rotating_key(next).kid.clone()
    }

    fn rotating_key(&self, i: usize) -> &SigningKey {
        self.keys.rotating.get(i).unwrap_or(&self.keys.rotating[0])
    }

    /// The key V2 AppJWTs are signed with now.
    pub(crate) fn current_v2(&self) -> &SigningKey {
        let i = lock(&self.rotation).current;
        self.rotating_key(i)
    }

    /// Every key published in the JWKS now: current and in-grace V2 keys, the ID
    /// token key.
    pub(crate) fn published(&self) -> Vec<&SigningKey> {
        let now = self.now();
        let r = lock(&self.rotation);
        let mut keys = vec![self.rotating_key(r.current)];
        if let Some((i, until)) = r.previous
            && now < until
        {
            keys.push(self.rotating_key(i));
        }
        keys.push(&self.keys.id_token);
        keys
    }
}
