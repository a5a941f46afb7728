//! What the emulator remembers: codes, refresh tokens, counters, the request log,
//! pending faults, the clock offset and the key rotations (V2 and ID token).

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::config::MockConfig;
use crate::endpoint::Endpoint;
use crate::fault::{Fault, FaultMix};
use crate::keys::{ID_TOKEN_KID, Keys, Named, SigningKey};

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

/// A signing key and the kid it is published under.
pub(crate) struct KidKey<'a> {
    pub(crate) kid: String,
    pub(crate) key: &'a SigningKey,
}

impl KidKey<'_> {
    pub(crate) fn named(&self) -> Named<'_> {
        Named {
            kid: &self.kid,
            key: self.key,
        }
    }
}

/// ID-token key rotation. Generation 0 is the committed ID-token key under
/// [`ID_TOKEN_KID`]; generation `g` after it uses the committed rotating keys in
/// turn (starting with the third, which V2 reaches last), under a kid dated by
/// the emulator clock at the rotation, so that both the kid and the key material
/// change with every rotation.
struct IdRotation {
    /// The generation and kid ID tokens are signed with now.
    current: (u64, String),
    /// Rotated-out generations, their kids, and when (emulator clock) they leave
    /// the JWKS.
    retired: Vec<(u64, String, u64)>,
    /// Every kid ever used, so that a new one never repeats an old one.
    used: HashSet<String>,
}

/// `idtoken-YY-MM-DD` for the UTC date of `unix` seconds, as LivePerson's kids
/// (`idtoken-19-08-19`).
fn dated_kid(unix: u64) -> String {
    let days = i64::try_from(unix / 86_400).unwrap_or(i64::MAX / 2);
    let (y, m, d) = civil_from_days(days);
    format!("idtoken-{:02}-{m:02}-{d:02}", y.rem_euclid(100))
}

/// The proleptic Gregorian (year, month, day) of a day count since 1970-01-01
/// (H. Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
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
    /// The random fault mix of each endpoint that has one, with its draw count.
    mixes: Mutex<HashMap<Endpoint, (FaultMix, u64)>>,
    /// Faults injected, queued or drawn, per endpoint.
    injected: [AtomicU64; Endpoint::ALL.len()],
    clock_offset: AtomicI64,
    rotation: Mutex<Rotation>,
    id_rotation: Mutex<IdRotation>,
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
            mixes: Mutex::default(),
            injected: Default::default(),
            rotation: Mutex::new(Rotation {
                current: 1,
                retired: Vec::new(),
            }),
            id_rotation: Mutex::new(IdRotation {
                current: (0, ID_TOKEN_KID.to_owned()),
                retired: Vec::new(),
                used: HashSet::from([ID_TOKEN_KID.to_owned()]),
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
        for c in self.counters.iter().chain(&self.injected) {
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

    /// The fault the next request to `e` gets: a queued one, else one drawn
    /// from the endpoint's mix, if any.
    pub(crate) fn take_fault(&self, e: Endpoint) -> Option<Fault> {
        let queued = lock(&self.faults).get_mut(&e).and_then(VecDeque::pop_front);
        let fault = queued.or_else(|| {
            let mut mixes = lock(&self.mixes);
            let (mix, n) = mixes.get_mut(&e)?;
            *n = n.wrapping_add(1);
            mix.draw(*n)
        });
        if fault.is_some()
            && let Some(c) = self.injected.get(e.index())
        {
            c.fetch_add(1, Ordering::Relaxed);
        }
        fault
    }

    pub(crate) fn set_fault_mix(&self, e: Endpoint, mix: Option<FaultMix>) {
        let mut mixes = lock(&self.mixes);
        match mix {
            Some(m) => {
                mixes.insert(e, (m, 0));
            }
            None => {
                mixes.remove(&e);
            }
        }
    }

    pub(crate) fn injected(&self, e: Endpoint) -> u64 {
        self.injected
            .get(e.index())
            .map_or(0, |c| c.load(Ordering::Relaxed))
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

    fn v2_key(&self, generation: u64) -> KidKey<'_> {
        let n = self.keys.rotating.len() as u64;
        let i = usize::try_from(generation.saturating_sub(1) % n).unwrap_or(0);
        KidKey {
            kid: format!("appjwt-v2-{generation}"),
            key: self.keys.rotating.get(i).unwrap_or(&self.keys.rotating[0]),
        }
    }

    /// The key V2 AppJWTs are signed with now.
    pub(crate) fn current_v2(&self) -> KidKey<'_> {
        let g = lock(&self.rotation).current;
        self.v2_key(g)
    }

    /// The V2 keys published now: the current one first, then those in grace.
    pub(crate) fn published_v2(&self) -> Vec<KidKey<'_>> {
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

    /// Starts signing ID tokens with the next key under a new dated kid
    /// (`idtoken-YY-MM-DD`, then `-2`, `-3`... for further rotations on the
    /// same date); the old one stays in the JWKS for the grace period. Returns
    /// the new kid.
    pub(crate) fn rotate_id_token(&self) -> String {
        let now = self.now();
        let until = now.saturating_add(self.config.lifetimes.key_grace.as_secs());
        let mut r = lock(&self.id_rotation);
        let base = dated_kid(now);
        let kid = std::iter::once(base.clone())
            .chain((2u64..).map(|n| format!("{base}-{n}")))
            .find(|k| !r.used.contains(k))
            .unwrap_or(base);
        r.used.insert(kid.clone());
        let generation = r.current.0.saturating_add(1);
        let old = std::mem::replace(&mut r.current, (generation, kid.clone()));
        r.retired.retain(|(_, _, until)| now < *until);
        r.retired.push((old.0, old.1, until));
        kid
    }

    fn id_token_key(&self, generation: u64, kid: String) -> KidKey<'_> {
        let key = match generation {
            0 => &self.keys.id_token,
            g => {
                let n = self.keys.rotating.len() as u64;
                let i = usize::try_from((g + 1) % n).unwrap_or(0);
                self.keys.rotating.get(i).unwrap_or(&self.keys.rotating[0])
            }
        };
        KidKey { kid, key }
    }

    /// The key ID tokens are signed with now.
    pub(crate) fn current_id_token(&self) -> KidKey<'_> {
        let (g, kid) = lock(&self.id_rotation).current.clone();
        self.id_token_key(g, kid)
    }

    /// The ID-token keys published now: the current one first, then those in
    /// grace.
    pub(crate) fn published_id_tokens(&self) -> Vec<KidKey<'_>> {
        let now = self.now();
        let r = lock(&self.id_rotation);
        let retired = r
            .retired
            .iter()
            .rev()
            .filter(|(_, _, until)| now < *until)
            .map(|(g, kid, _)| (*g, kid.clone()));
        std::iter::once(r.current.clone())
            .chain(retired)
            .collect::<Vec<_>>()
            .into_iter()
            .map(|(g, kid)| self.id_token_key(g, kid))
            .collect()
    }

    /// The JWKS as served now: the V2 keys, then the ID-token keys.
    pub(crate) fn jwks(&self) -> serde_json::Value {
        let keys: Vec<_> = self
            .published_v2()
            .iter()
            .chain(&self.published_id_tokens())
            .map(|k| k.named().jwk())
            .collect();
        serde_json::json!({ "keys": keys })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kids_carry_the_utc_date() {
        assert_eq!(dated_kid(0), "idtoken-70-01-01");
        // LivePerson's sample kid: 2019-08-19.
        assert_eq!(dated_kid(1_566_172_800), "idtoken-19-08-19");
        assert_eq!(dated_kid(1_566_172_800 + 86_399), "idtoken-19-08-19");
        assert_eq!(dated_kid(951_782_400), "idtoken-00-02-29"); // leap day 2000
        assert_eq!(dated_kid(1_709_164_800), "idtoken-24-02-29");
        assert_eq!(dated_kid(1_735_603_200), "idtoken-24-12-31");
        assert_eq!(dated_kid(1_735_689_600), "idtoken-25-01-01");
    }
}
