//! The client's JWKS policy under hostile and failing conditions, with an
//! in-memory transport, a virtual clock and a hand-driven executor (background
//! tasks run only when the test polls them, so "never waits" is observable).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use http::{Request, Response};
use sentinel_client::{BackgroundTask, Client, ClientConfig, HttpClient, Runtime};
use sentinel_proto::jwt::{AppJwtClaims, JwtError, KeySet, RsaPublicKey};
use sentinel_proto::{
    AccountId, AppJwt, ClientId, ClientSecret, Error, Host, UnixTime, app_token::AppJwtVersion,
    error::TransportError, policy::RetryPolicy,
};
use sentinel_testkit::jwt::*;

const JWKS_PATH: &str = "/sentinel/well-known/jwks";
const INTERVAL: u64 = 60;

/// Decides each JWKS answer: `true` = 200 with the published set, `false` = 503.
type Script = dyn Fn(u64) -> bool + Send + Sync;

/// A JWKS endpoint with a virtual clock. Every request is logged with its time
/// and outcome; `gate` closed makes JWKS requests hang until it opens.
#[derive(Clone)]
struct Sim {
    clock: Arc<AtomicU64>,
    published: Arc<Mutex<KeySet>>,
    script: Arc<Mutex<Box<Script>>>,
    log: Arc<Mutex<Vec<(u64, bool)>>>,
    gate_open: Arc<AtomicBool>,
    /// Polls a JWKS request stays pending (latency), so that tasks overlap it.
    latency_polls: Arc<AtomicU64>,
    spawned: Arc<Mutex<Vec<BackgroundTask>>>,
    /// How many of the next answers the script lets through are 200s with a
    /// body that is no key set (a proxy's page).
    garbled: Arc<AtomicU64>,
}

impl Sim {
    fn new(published: KeySet) -> Self {
        Self {
            clock: Arc::new(AtomicU64::new(NOW)),
            published: Arc::new(Mutex::new(published)),
            script: Arc::new(Mutex::new(Box::new(|_| true))),
            log: Arc::default(),
            gate_open: Arc::new(AtomicBool::new(true)),
            latency_polls: Arc::new(AtomicU64::new(0)),
            spawned: Arc::default(),
            garbled: Arc::default(),
        }
    }
    fn now_secs(&self) -> u64 {
        self.clock.load(Ordering::SeqCst)
    }
    fn set_time(&self, t: u64) {
        self.clock.store(t, Ordering::SeqCst);
    }
    fn script(&self, f: impl Fn(u64) -> bool + Send + Sync + 'static) {
        *self.script.lock().unwrap() = Box::new(f);
    }
    fn requests(&self) -> Vec<(u64, bool)> {
        self.log.lock().unwrap().clone()
    }
    fn jwks_body(&self) -> Vec<u8> {
        jwks_json(self.published.lock().unwrap().iter()).into_bytes()
    }
}

/// Pending for `n` polls (waking itself), then ready.
struct Yield(u64);

impl Future for Yield {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 == 0 {
            return Poll::Ready(());
        }
        self.0 -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// Pending while the gate is closed.
struct Gate(Arc<AtomicBool>);

impl Future for Gate {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0.load(Ordering::SeqCst) {
            Poll::Ready(())
        } else {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

impl HttpClient for Sim {
    async fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        assert_eq!(request.uri().path(), JWKS_PATH, "only the JWKS is fetched");
        let t = self.now_secs();
        let ok = (self.script.lock().unwrap())(t);
        self.log.lock().unwrap().push((t, ok));
        Yield(self.latency_polls.load(Ordering::SeqCst)).await;
        Gate(Arc::clone(&self.gate_open)).await;
        let garble = ok
            && self
                .garbled
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
        let resp = if garble {
            Response::builder()
                .status(200)
                .body(b"<html>gateway says hi</html>".to_vec())
        } else if ok {
            Response::builder().status(200).body(self.jwks_body())
        } else {
            Response::builder()
                .status(503)
                .body(b"<html>down</html>".to_vec())
        };
        Ok(resp.unwrap())
    }
}

impl Runtime for Sim {
    async fn sleep(&self, _: Duration) {}
    fn now(&self) -> UnixTime {
        UnixTime::from_secs(self.now_secs())
    }
    fn spawn(&self, task: BackgroundTask) {
        self.spawned.lock().unwrap().push(task);
    }
}

type Fut<'a, R> = Pin<Box<dyn Future<Output = R> + 'a>>;

/// Polls `futs` and every spawned background task round-robin until all are done.
fn run_all<'a, R>(sim: &Sim, futs: Vec<Fut<'a, R>>) -> Vec<R> {
    let mut cx = Context::from_waker(Waker::noop());
    let mut futs: Vec<Option<Fut<'a, R>>> = futs.into_iter().map(Some).collect();
    let mut out: Vec<Option<R>> = futs.iter().map(|_| None).collect();
    let mut background: Vec<BackgroundTask> = Vec::new();
    for _ in 0..100_000 {
        for (i, slot) in futs.iter_mut().enumerate() {
            if let Some(f) = slot
                && let Poll::Ready(r) = f.as_mut().poll(&mut cx)
            {
                out[i] = Some(r);
                *slot = None;
            }
        }
        background.append(&mut sim.spawned.lock().unwrap());
        background.retain_mut(|t| t.as_mut().poll(&mut cx).is_pending());
        if futs.iter().all(Option::is_none) && background.is_empty() {
            return out.into_iter().map(Option::unwrap).collect();
        }
    }
    panic!("futures did not complete");
}

/// Runs one future (and the background tasks) to completion.
fn run1<'a, R>(sim: &Sim, fut: impl Future<Output = R> + 'a) -> R {
    run_all(sim, vec![Box::pin(fut)]).remove(0)
}

/// Polls `fut` once.
fn poll_once<F: Future + ?Sized>(fut: &mut Pin<Box<F>>) -> Poll<F::Output> {
    fut.as_mut().poll(&mut Context::from_waker(Waker::noop()))
}

fn config() -> ClientConfig {
    ClientConfig::new(
        AccountId::new("123456").unwrap(),
        ClientId::new("cid").unwrap(),
        ClientSecret::new("SECRET-MARKER"),
    )
    .with_sentinel_host(Host::parse("va.sentinel.liveperson.net").unwrap())
    .with_app_jwt_version(AppJwtVersion::V2)
    // One request per fetch, so requests count fetches.
    .with_retry(RetryPolicy::never())
}

fn app_claims(aud: &str, azp: &str) -> String {
    format!(
        r#"{{"aud":"{aud}","azp":"{azp}","scope":"msg.consumer","iss":"Sentinel","iat":{},"exp":{}}}"#,
        NOW - 200,
        NOW + 100_000
    )
}

/// A valid V2 AppJWT of this client, signed with key A (kid `test-a`).
fn valid() -> AppJwt {
    AppJwt::new(sign_a("test-a", &app_claims("le123456", "cid")))
}

/// A token of this client signed with `pk8`, naming `kid`.
fn signed_by(pk8: &[u8], kid: &str) -> AppJwt {
    let header = format!(r#"{{"alg":"RS256","typ":"JWT","kid":"{kid}"}}"#);
    AppJwt::new(sign_json(
        pk8,
        Hash::Sha256,
        &header,
        &app_claims("le123456", "cid"),
    ))
}

/// An attacker's token naming a made-up key.
fn forged(kid: &str) -> AppJwt {
    signed_by(KEY_B_PK8, kid)
}

/// A small deterministic PRNG (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

fn is_unknown_kid(r: &Result<AppJwtClaims, Error>) -> bool {
    matches!(r, Err(Error::Jwt(JwtError::UnknownKid { .. })))
}

/// The acceptance scenario: 1 000 tokens over a simulated hour, about half with
/// random unknown kids, verified four at a time, while the JWKS endpoint fails
/// half its requests. Every valid token verifies; JWKS requests are at least the
/// rate-limit interval apart (so at most one per interval), and further apart
/// after consecutive failures.
#[test]
fn unknown_kids_and_a_flaky_endpoint_do_not_hurt_valid_traffic() {
    let sim = Sim::new(keys_a());
    sim.latency_polls.store(3, Ordering::SeqCst);
    let client = Client::new(config(), sim.clone(), sim.clone());

    // Warm-up, before the hour: the service starts with a healthy endpoint.
    sim.set_time(NOW - 120);
    let r = run1(&sim, client.verify_app_token(&valid()));
    assert!(r.is_ok(), "{r:?}");
    assert_eq!(sim.requests().len(), 1);

    let flaky = Arc::new(Mutex::new(Rng(0x9E37_79B9_7F4A_7C15)));
    let f = Arc::clone(&flaky);
    sim.script(move |_| f.lock().unwrap().next().is_multiple_of(2));

    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    let (mut valid_ok, mut forged_refused) = (0, 0);
    const TOKENS: u64 = 1_000;
    const GROUP: u64 = 4;
    for g in 0..TOKENS / GROUP {
        sim.set_time(NOW + g * 3600 / (TOKENS / GROUP));
        let tokens: Vec<(bool, AppJwt)> = (0..GROUP)
            .map(|_| {
                let r = rng.next();
                if r % 100 < 45 {
                    (false, forged(&format!("kid-{:x}", r >> 8)))
                } else {
                    (true, valid())
                }
            })
            .collect();
        let futs: Vec<Fut<'_, _>> = tokens
            .iter()
            .map(|(_, t)| Box::pin(client.verify_app_token(t)) as Fut<'_, _>)
            .collect();
        let results: Vec<Result<AppJwtClaims, Error>> = run_all(&sim, futs);
        for ((is_valid, _), r) in tokens.iter().zip(results) {
            if *is_valid {
                let claims = r.unwrap_or_else(|e| panic!("valid token refused at group {g}: {e}"));
                assert_eq!(claims.azp.as_deref(), Some("cid"));
                valid_ok += 1;
            } else {
                assert!(is_unknown_kid(&r), "forged token: {r:?}");
                forged_refused += 1;
            }
        }
    }
    assert_eq!(valid_ok + forged_refused, TOKENS);
    assert!(
        valid_ok > 450 && forged_refused > 350,
        "{valid_ok} {forged_refused}"
    );

    let log: Vec<(u64, bool)> = sim.requests()[1..].to_vec();
    let (ok, failed) = (
        log.iter().filter(|r| r.1).count(),
        log.iter().filter(|r| !r.1).count(),
    );
    // The forged kids did force refetches, and the endpoint did fail.
    assert!(ok >= 5 && failed >= 5, "ok {ok}, failed {failed}: {log:?}");
    // At most one JWKS fetch per rate-limit interval, counted per interval...
    let mut per_interval = std::collections::BTreeMap::<u64, u32>::new();
    for (t, _) in &log {
        *per_interval.entry((t - NOW) / INTERVAL).or_default() += 1;
    }
    assert!(per_interval.values().all(|&n| n <= 1), "{per_interval:?}");
    // ...and between any two consecutive fetches (including the warm-up one),
    // with the back-off doubling after consecutive failures (cap 600 s).
    let all = sim.requests();
    let mut failures = 0u32;
    for w in all.windows(2) {
        let ((t0, ok0), (t1, _)) = (w[0], w[1]);
        failures = if ok0 { 0 } else { failures + 1 };
        let min_gap = if failures == 0 {
            INTERVAL
        } else {
            (INTERVAL << (failures - 1)).min(600)
        };
        assert!(
            t1 - t0 >= min_gap,
            "fetches at {t0} and {t1} ({failures} failures)"
        );
    }
    assert!(log.len() as u64 <= 3600 / INTERVAL + 1);
}

/// A JWKS outage from just after the first load: the last good set verifies
/// past its TTL up to the max-stale bound, then verification fails with a typed
/// error; meanwhile attempts back off exponentially, whether they are TTL
/// refreshes (`with_forged` false) or forced by unknown kids, and the first
/// success restores verification. Returns the attempt times (seconds after the
/// load).
fn outage(with_forged: bool) -> Vec<u64> {
    let sim = Sim::new(keys_a());
    let client = Client::new(
        config()
            .with_jwks_ttl(Duration::from_secs(600))
            .with_jwks_max_stale(Duration::from_secs(3600)),
        sim.clone(),
        sim.clone(),
    );
    assert!(run1(&sim, client.verify_app_token(&valid())).is_ok());
    let down = Arc::new(AtomicBool::new(true));
    let d = Arc::clone(&down);
    sim.script(move |_| !d.load(Ordering::SeqCst));

    let until = NOW + 600 + 3600;
    for t in (NOW..NOW + 3 * 3600).step_by(30) {
        sim.set_time(t);
        let r = run1(&sim, client.verify_app_token(&valid()));
        if t < until {
            assert!(r.is_ok(), "at +{}: {r:?}", t - NOW);
            if with_forged {
                assert!(is_unknown_kid(&run1(
                    &sim,
                    client.verify_app_token(&forged("x"))
                )));
            }
        } else {
            assert!(
                matches!(
                    r,
                    Err(Error::Jwt(JwtError::JwksUnavailable {
                        fetched_at: Some(NOW),
                        ..
                    }))
                ),
                "at +{}: {r:?}",
                t - NOW
            );
        }
    }
    let attempts: Vec<u64> = sim.requests()[1..].iter().map(|r| r.0 - NOW).collect();
    assert!(sim.requests()[1..].iter().all(|r| !r.1));
    // Recovery: the next allowed attempt succeeds and verification resumes.
    down.store(false, Ordering::SeqCst);
    let next = NOW + attempts.last().unwrap() + 600;
    sim.set_time(next - 1);
    assert!(run1(&sim, client.verify_app_token(&valid())).is_err());
    assert_eq!(
        sim.requests().len(),
        attempts.len() + 1,
        "no request in back-off"
    );
    sim.set_time(next);
    assert!(run1(&sim, client.verify_app_token(&valid())).is_ok());
    assert_eq!(sim.requests().last(), Some(&(next, true)));
    attempts
}

#[test]
fn outage_ttl_refresh_backs_off_and_max_stale_bound_holds() {
    let attempts = outage(false);
    // TTL refresh at 600 (in the background), then back-offs of 60, 120, 240,
    // 480, then 600 (the cap) for good.
    assert_eq!(&attempts[..5], [600, 660, 780, 1020, 1500], "{attempts:?}");
    for w in attempts.windows(2).skip(4) {
        assert_eq!(w[1] - w[0], 600, "{attempts:?}");
    }
}

#[test]
fn outage_with_unknown_kids_backs_off_too() {
    let attempts = outage(true);
    // The first unknown kid forces a fetch at once; after that, the back-off
    // rules, however many forged tokens come (two a minute here).
    assert_eq!(&attempts[..5], [0, 60, 180, 420, 900], "{attempts:?}");
    for w in attempts.windows(2).skip(4) {
        assert_eq!(w[1] - w[0], 600, "{attempts:?}");
    }
}

/// While a fetch is in flight (forced by an unknown kid, or a background TTL
/// refresh), tokens whose kid is in the set verify on their first poll; tokens
/// that need the fetch share it; a failed refetch keeps the old set.
#[test]
fn known_kids_never_wait_for_a_fetch_and_fetches_are_single_flight() {
    let sim = Sim::new(keys_a());
    let client = Client::new(config(), sim.clone(), sim.clone());
    assert!(run1(&sim, client.verify_app_token(&valid())).is_ok());

    // A forced refetch that hangs, then fails.
    sim.gate_open.store(false, Ordering::SeqCst);
    sim.script(|_| false);
    let (f1, f2, v) = (forged("new-1"), forged("new-2"), valid());
    let mut u1: Fut<'_, _> = Box::pin(client.verify_app_token(&f1));
    assert!(poll_once(&mut u1).is_pending(), "u1 fetches");
    let mut u2: Fut<'_, _> = Box::pin(client.verify_app_token(&f2));
    assert!(poll_once(&mut u2).is_pending(), "u2 waits for u1's fetch");
    for _ in 0..100 {
        let mut known: Fut<'_, _> = Box::pin(client.verify_app_token(&v));
        assert!(matches!(poll_once(&mut known), Poll::Ready(Ok(_))));
    }
    assert_eq!(sim.requests().len(), 2, "one fetch in flight, shared");
    sim.gate_open.store(true, Ordering::SeqCst);
    let r = run_all(&sim, vec![u1, u2]);
    assert!(r.iter().all(is_unknown_kid), "{r:?}");
    assert_eq!(sim.requests().len(), 2);
    // The failed refetch kept the set.
    assert!(run1(&sim, client.verify_app_token(&v)).is_ok());

    // Past the TTL: the stale set verifies at once, one background refresh runs.
    sim.set_time(NOW + 3600 + 1);
    sim.script(|_| true);
    sim.gate_open.store(false, Ordering::SeqCst);
    let mut stale: Fut<'_, _> = Box::pin(client.verify_app_token(&v));
    assert!(matches!(poll_once(&mut stale), Poll::Ready(Ok(_))));
    let mut background = sim
        .spawned
        .lock()
        .unwrap()
        .pop()
        .expect("a refresh was spawned");
    assert!(poll_once(&mut background).is_pending());
    assert_eq!(sim.requests().len(), 3);
    for _ in 0..10 {
        let mut again: Fut<'_, _> = Box::pin(client.verify_app_token(&v));
        assert!(matches!(poll_once(&mut again), Poll::Ready(Ok(_))));
    }
    assert!(sim.spawned.lock().unwrap().is_empty(), "single flight");
    // A key rotated in meanwhile: its token waits for the refresh in flight.
    *sim.published.lock().unwrap() = KeySet::from_iter([
        key_a(),
        RsaPublicKey::from_pem(KEY_B_PEM).unwrap().with_kid("new-1"),
    ]);
    let mut rotated: Fut<'_, _> = Box::pin(client.verify_app_token(&f1));
    assert!(poll_once(&mut rotated).is_pending());
    sim.gate_open.store(true, Ordering::SeqCst);
    assert!(poll_once(&mut background).is_ready());
    assert!(matches!(poll_once(&mut rotated), Poll::Ready(Ok(_))));
    assert_eq!(sim.requests().len(), 3);
}

/// A caller dropped while its fetch is in flight does not wedge the others.
#[test]
fn a_cancelled_fetch_releases_its_waiters() {
    let sim = Sim::new(keys_a());
    let client = Client::new(config(), sim.clone(), sim.clone());
    sim.gate_open.store(false, Ordering::SeqCst);
    let v = valid();
    let mut first: Fut<'_, _> = Box::pin(client.verify_app_token(&v));
    assert!(poll_once(&mut first).is_pending());
    let mut second: Fut<'_, _> = Box::pin(client.verify_app_token(&v));
    assert!(poll_once(&mut second).is_pending());
    drop(first);
    sim.gate_open.store(true, Ordering::SeqCst);
    // The abandoned fetch counts as failed: the waiter gets a typed error now,
    // not a hang, and the next fetch waits for the back-off.
    let r = run_all(&sim, vec![second]);
    assert!(
        matches!(
            r[0],
            Err(Error::Jwt(JwtError::JwksUnavailable {
                fetched_at: None,
                ..
            }))
        ),
        "{r:?}"
    );
    sim.set_time(NOW + 60);
    assert!(run1(&sim, client.verify_app_token(&v)).is_ok());
    assert_eq!(sim.requests().len(), 2);
}

/// A background refresh the runtime drops without running it does not leave the
/// fetch "in flight" forever: it counts as failed and backs off.
#[test]
fn a_dropped_background_refresh_is_reported_failed() {
    let sim = Sim::new(keys_a());
    let client = Client::new(config(), sim.clone(), sim.clone());
    assert!(run1(&sim, client.verify_app_token(&valid())).is_ok());
    sim.set_time(NOW + 3600);
    let (v, k) = (valid(), forged("k"));
    let mut stale: Fut<'_, _> = Box::pin(client.verify_app_token(&v));
    assert!(matches!(poll_once(&mut stale), Poll::Ready(Ok(_))));
    let dropped: Vec<BackgroundTask> = std::mem::take(&mut *sim.spawned.lock().unwrap());
    assert_eq!(dropped.len(), 1);
    drop(dropped);
    assert_eq!(sim.requests().len(), 1, "never ran");
    // An unknown kid is refused at once (back-off), instead of waiting forever.
    let mut f: Fut<'_, _> = Box::pin(client.verify_app_token(&k));
    assert!(matches!(poll_once(&mut f), Poll::Ready(ref r) if is_unknown_kid(r)));
    // After the back-off the refresh runs again.
    sim.set_time(NOW + 3660);
    assert!(run1(&sim, client.verify_app_token(&valid())).is_ok());
    assert_eq!(sim.requests().len(), 2);
}

/// With no set yet, the caller whose fetch failed gets the fetch's error.
#[test]
fn first_load_failure_reports_the_fetch_error() {
    let sim = Sim::new(keys_a());
    sim.script(|_| false);
    let client = Client::new(config(), sim.clone(), sim.clone());
    let r = run1(&sim, client.verify_app_token(&valid()));
    assert!(
        matches!(r, Err(Error::Status { status, .. }) if status == 503),
        "{r:?}"
    );
    // Within the back-off: the same error, no request.
    let r = run1(&sim, client.jwks());
    assert!(
        matches!(r, Err(Error::Status { status, .. }) if status == 503),
        "{r:?}"
    );
    assert_eq!(sim.requests().len(), 1);
    sim.script(|_| true);
    sim.set_time(NOW + 60);
    assert_eq!(run1(&sim, client.jwks()).unwrap().len(), 1);
}

// ---- tenant pinning (AppJWT aud / azp) ----

fn v1_client(config: ClientConfig) -> Client<Sim, Sim> {
    let sim = Sim::new(KeySet::new());
    Client::new(
        config
            .with_app_jwt_version(AppJwtVersion::V1)
            .with_v1_keys(keys_a()),
        sim.clone(),
        sim,
    )
}

fn v1_token(aud: &str, azp: &str) -> AppJwt {
    AppJwt::new(sign_a("test-a", &app_claims(aud, azp)))
}

#[test]
fn another_tenants_app_jwt_is_rejected_by_default() {
    let c = v1_client(config());
    let verify = |t: &AppJwt| pollster::block_on(c.verify_app_token(t));
    assert!(verify(&v1_token("le123456", "cid")).is_ok());
    // Another account.
    let r = verify(&v1_token("le999999", "cid"));
    assert!(
        matches!(&r, Err(Error::Jwt(JwtError::WrongAudience { expected, found }))
            if expected == &["le123456"] && found == &["le999999"]),
        "{r:?}"
    );
    // The same account, another application.
    let r = verify(&v1_token("le123456", "other-app"));
    assert!(
        matches!(&r, Err(Error::Jwt(JwtError::WrongAuthorizedParty { expected, found }))
            if expected == "cid" && found == "other-app"),
        "{r:?}"
    );
    // An array aud with this account in it is accepted (RFC 7519 §4.1.3).
    let arr = AppJwt::new(sign_a(
        "test-a",
        &app_claims("x", "cid").replace(r#""aud":"x""#, r#""aud":["x","le123456"]"#),
    ));
    assert!(verify(&arr).is_ok());
    // No azp at all.
    let no_azp = AppJwt::new(sign_a(
        "test-a",
        &format!(
            r#"{{"aud":"le123456","iss":"Sentinel","exp":{}}}"#,
            NOW + 1000
        ),
    ));
    assert!(matches!(
        verify(&no_azp),
        Err(Error::Jwt(JwtError::MissingClaim { name })) if name == "azp"
    ));
    // Opting out verifies other tenants' tokens.
    let open = v1_client(config().with_app_jwt_tenant_check(false));
    assert!(pollster::block_on(open.verify_app_token(&v1_token("le999999", "other-app"))).is_ok());
}

#[test]
fn another_tenants_v2_app_jwt_is_rejected_too() {
    let sim = Sim::new(keys_a());
    let client = Client::new(config(), sim.clone(), sim.clone());
    let t = AppJwt::new(sign_a("test-a", &app_claims("le654321", "cid")));
    let r = run1(&sim, client.verify_app_token(&t));
    assert!(
        matches!(r, Err(Error::Jwt(JwtError::WrongAudience { .. }))),
        "{r:?}"
    );
    assert!(!format!("{r:?}").contains(t.secret()));
}

#[test]
fn a_token_echoing_the_client_secret_in_its_claims_does_not_show_it() {
    // A hostile server issues tokens whose aud, azp or iss is the secret it was
    // sent: the verification error names the claim, not the secret.
    let secret = "SECRET-MARKER".to_owned();
    let c = v1_client(config());
    for t in [
        v1_token(&secret, "cid"),
        v1_token("le123456", &secret),
        AppJwt::new(sign_a(
            "test-a",
            &app_claims("le123456", "cid")
                .replace(r#""iss":"Sentinel""#, &format!(r#""iss":"{secret}""#)),
        )),
    ] {
        let err = pollster::block_on(c.verify_app_token(&t)).unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains(&secret), "{shown}");
        assert!(shown.contains("[redacted]"), "{shown}");
    }
}

#[test]
fn id_tokens_of_either_documented_issuer_spelling_verify_unless_one_is_pinned() {
    let id_token = |iss: &str| {
        sentinel_proto::IdToken::new(sign_a(
            "test-a",
            &format!(
                r#"{{"sub":"u1","aud":"cid","iss":"{iss}","iat":{},"exp":{},"is_admin":false,"is_lpa":true}}"#,
                NOW - 10,
                NOW + 600
            ),
        ))
    };
    let sim = Sim::new(keys_a());
    let client = Client::new(config(), sim.clone(), sim.clone());
    for iss in ["sentinel", "Sentinel"] {
        assert!(
            run1(&sim, client.verify_id_token(&id_token(iss))).is_ok(),
            "{iss}"
        );
    }
    assert!(run1(&sim, client.verify_id_token(&id_token("SENTINEL"))).is_err());
    let pinned = Client::new(
        config().with_id_token_issuer("sentinel"),
        sim.clone(),
        sim.clone(),
    );
    assert!(run1(&sim, pinned.verify_id_token(&id_token("sentinel"))).is_ok());
    let err = run1(&sim, pinned.verify_id_token(&id_token("Sentinel"))).unwrap_err();
    assert!(
        matches!(err, Error::Jwt(JwtError::WrongIssuer { .. })),
        "{err:?}"
    );
}

/// A rotation whose first JWKS answer is a 200 with an unreadable body: the
/// retry policy repeats the GET as after a 503, and the token of the new key
/// verifies (no refetch interval of refusals); with two attempts allowed, two
/// such answers in a row and the token is refused after exactly two requests
/// (never a loop).
#[test]
fn an_unreadable_jwks_answer_is_retried() {
    let sim = Sim::new(keys_a());
    let config = config().with_retry(RetryPolicy::default().with_max_attempts(2));
    let client = Client::new(config, sim.clone(), sim.clone());
    assert!(run1(&sim, client.verify_app_token(&valid())).is_ok());
    assert_eq!(sim.requests().len(), 1);

    *sim.published.lock().unwrap() = KeySet::from_iter([key_a(), key_b()]);
    let rotated = signed_by(KEY_B_PK8, "test-b");
    sim.garbled.store(1, Ordering::SeqCst);
    let r = run1(&sim, client.verify_app_token(&rotated));
    assert!(r.is_ok(), "{r:?}");
    assert_eq!(
        sim.requests().len(),
        3,
        "the unreadable answer, then the set"
    );

    // Another rotation, two unreadable answers: refused after one repeat.
    sim.set_time(NOW + 2 * INTERVAL);
    let c = RsaPublicKey::from_pem(KEY_C_PEM)
        .unwrap()
        .with_kid("test-c");
    *sim.published.lock().unwrap() = KeySet::from_iter([key_a(), key_b(), c]);
    let newest = signed_by(KEY_C_PK8, "test-c");
    sim.garbled.store(2, Ordering::SeqCst);
    let r = run1(&sim, client.verify_app_token(&newest));
    assert!(is_unknown_kid(&r), "{r:?}");
    assert_eq!(sim.requests().len(), 5);
    assert!(
        run1(&sim, client.verify_app_token(&rotated)).is_ok(),
        "old set kept"
    );
}
