//! The soak harness (issue 18): many callers on many brands for a long time,
//! against the emulator injecting a random mix of faults, with the figures
//! that say whether the client held: nothing failed that a cached token could
//! have served, nothing expired was handed out, nothing valid was refused, no
//! request was wasted, memory and tasks flat.
//!
//! `cargo run --release -p sentinel-benches --bin soak -- --help`
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clap::Parser;
use http::{Request, Response, StatusCode};
use sentinel_client::auth::Authorizer;
use sentinel_client::{BrandKey, Brands, BrandsConfig, HttpClient, TokioRuntime};
use sentinel_mock::{
    Endpoint, Fault, FaultMix, Lifetimes, MockHandle, MockServer, derived_client_id,
    derived_client_secret,
};
use sentinel_proto::app_token::AppJwtVersion;
use sentinel_proto::error::TransportError;
use sentinel_proto::jwt::JwtError;
use sentinel_proto::policy::RefreshPolicy;
use sentinel_proto::response::MAX_BODY_BYTES;
use sentinel_proto::{AccountId, ClientId, ClientSecret, Error, Host};
use sentinel_reqwest::ReqwestHttp;

/// The mix `.ci/run` and the README use.
const DEFAULT_FAULTS: &str = "5xx=0.02,429=0.01,reset=0.01,slow=0.005,truncate=0.005,oversize=0.005,html=0.01,api=0.01,outage=20s@60s,skew=120,rotate=180s";

const SPEC_HELP: &str = "\
FAULTS SPEC: comma-separated KEY=VALUE; a key left out is off.

  Probabilities per request to Sentinel's endpoints (Domain API, AppJWT V2,
  JWKS), drawn from a generator seeded by --seed:
    5xx=P       500 or 503 (half each), plain-text body
    429=P       429 with Retry-After: 1
    reset=P     connection closed without an answer
    slow=P      answer delayed past the client timeout (--timeout-ms + 500 ms)
    truncate=P  Content-Length announced, half the body sent, connection cut
    oversize=P  2 MiB body, chunked (200 JSON-looking or 503 HTML, half each)
    html=P      502 with an HTML error page
  On the protected endpoint (the API the callers call with the AppJWT):
    api=P       503, reset or HTML 502 (a third each); counted apart, as the
                API's failures, not the client's
  Events:
    outage=LEN@AT  every Sentinel request fails (503 or reset) from AT for LEN
    skew=SECS      the emulator's clock is SECS ahead (negative: behind) of
                   this host's, for the whole run; the client's JWT leeway is
                   set to |SECS| + 30 s (at least 60 s), as a deployment facing
                   a skewed issuer must
    rotate=PERIOD  the V2 signing key (in the JWKS) rotates every PERIOD
  Durations: 500ms, 20s, 3m, or bare seconds.

  Short runs scale the events down: the rotation period to at most a quarter
  of the run, and an outage that would end past 80 % of the run to fit there
  (start and length scaled alike). The values used are printed first.

GOALS (exit status 1, naming each goal missed):
  calls failed while a valid token existed = 0: a call whose brand had a
    token, handed out before, with more than 1 s of validity left (by the
    client's own expiry) at the start of the call
  expired tokens handed out = 0: by the client's expiry or by the token's exp
    against the emulator's clock, at the start of the call
  lapsed = 0, when the outage is shorter than the refresh-ahead margin (less
    2 timeouts and 2 s for a renewal's retries and cool-down): calls that found no valid token in
    the cache although their brand had had one (renewal too late)
  valid tokens rejected by verification = 0: a JWT error verifying a token the
    emulator issued and that was not expired. Counted apart: JWKS fetch
    failures (unavailable), and unknown kids from the outage's start to its
    end plus the JWKS back-off cap and the least refetch interval
    (unverifiable: the key could not be fetched)
  API refusals = 0: a 401 from the protected endpoint after the one renewal
  unexplained API failures = 0: more failed protected calls than faults the
    emulator injected there
  AppJWT requests per brand <= 1.1 x the renewal schedule: successful
    requests counted at the emulator, against what the pool's schedule makes
    (a first token, a first renewal at 20-100 %, then every 80-100 % of the
    way to the refresh-ahead point); faulted requests are shown apart (each
    is followed by the documented retries: up to 3 attempts per renewal, a
    cool-down after a failed renewal)
  AppJWT answers received per token served <= 1.1 (no duplicate renewals;
    answers the emulator sent after the client timed out are shown apart)
  RSS at the end <= RSS after warm-up (the first third of the run) + 10 %
    + 8 MiB
  tasks alive once the pool and its HTTP clients are dropped = as at start";

#[derive(Parser, Debug)]
#[command(
    name = "soak",
    about = "Soak the Sentinel client: many callers on many brands against the emulator injecting faults",
    after_help = SPEC_HELP
)]
struct Args {
    /// How long to run, seconds.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// Brands (accounts) in the pool.
    #[arg(long, default_value_t = 100)]
    brands: usize,
    /// Concurrent callers.
    #[arg(long, default_value_t = 16)]
    callers: usize,
    /// The fault mix (see below).
    #[arg(long, default_value = DEFAULT_FAULTS, value_parser = parse_spec)]
    faults: Spec,
    /// AppJWT lifetime at the emulator, seconds (short, so that a short run
    /// sees many renewals).
    #[arg(long, default_value_t = 30)]
    lifetime: u64,
    /// Client request timeout, milliseconds.
    #[arg(long, default_value_t = 1000)]
    timeout_ms: u64,
    /// Seed of the fault mix and of the callers' choice of brands.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

#[derive(Clone, Debug, Default)]
struct Spec {
    p5xx: f64,
    p429: f64,
    reset: f64,
    slow: f64,
    truncate: f64,
    oversize: f64,
    html: f64,
    api: f64,
    /// (start, length)
    outage: Option<(Duration, Duration)>,
    skew: i64,
    rotate: Option<Duration>,
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    let bad = || format!("bad duration {s:?} (500ms, 20s, 3m)");
    let (num, unit) = s
        .find(|c: char| !c.is_ascii_digit())
        .map_or((s, ""), |i| s.split_at(i));
    let n: u64 = num.parse().map_err(|_| bad())?;
    match unit {
        "ms" => Ok(Duration::from_millis(n)),
        "" | "s" => Ok(Duration::from_secs(n)),
        "m" => Ok(Duration::from_secs(n.saturating_mul(60))),
        _ => Err(bad()),
    }
}

fn parse_spec(s: &str) -> Result<Spec, String> {
    let mut spec = Spec::default();
    for item in s.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let (k, v) = item
            .split_once('=')
            .ok_or_else(|| format!("expected KEY=VALUE, got {item:?}"))?;
        let p = || -> Result<f64, String> {
            let p: f64 = v
                .parse()
                .map_err(|_| format!("bad probability in {item:?}"))?;
            if (0.0..=1.0).contains(&p) {
                Ok(p)
            } else {
                Err(format!("probability out of 0..=1 in {item:?}"))
            }
        };
        match k {
            "5xx" => spec.p5xx = p()?,
            "429" => spec.p429 = p()?,
            "reset" => spec.reset = p()?,
            "slow" => spec.slow = p()?,
            "truncate" => spec.truncate = p()?,
            "oversize" => spec.oversize = p()?,
            "html" => spec.html = p()?,
            "api" => spec.api = p()?,
            "outage" => {
                let (len, at) = v
                    .split_once('@')
                    .ok_or_else(|| format!("expected outage=LEN@AT, got {item:?}"))?;
                spec.outage = Some((parse_duration(at)?, parse_duration(len)?));
            }
            "skew" => {
                spec.skew = v.parse().map_err(|_| format!("bad seconds in {item:?}"))?;
            }
            "rotate" => {
                let d = parse_duration(v)?;
                if d.is_zero() {
                    return Err("rotate=0: leave it out to turn rotation off".into());
                }
                spec.rotate = Some(d);
            }
            _ => return Err(format!("unknown fault {k:?} (see --help)")),
        }
    }
    let sum =
        spec.p5xx + spec.p429 + spec.reset + spec.slow + spec.truncate + spec.oversize + spec.html;
    if sum > 1.0 {
        return Err(format!("Sentinel fault probabilities add up to {sum} > 1"));
    }
    Ok(spec)
}

/// The events of `spec`, scaled to a run of `run` (see `SPEC_HELP`).
fn scaled(spec: &Spec, run: Duration) -> (Option<Duration>, Option<(Duration, Duration)>) {
    let rotate = spec
        .rotate
        .map(|r| r.min(run / 4).max(Duration::from_secs(1)));
    let outage = spec.outage.map(|(at, len)| {
        let fit = run.mul_f64(0.8);
        let end = at + len;
        if end <= fit || end.is_zero() {
            (at, len)
        } else {
            let f = fit.as_secs_f64() / end.as_secs_f64();
            (at.mul_f64(f), len.mul_f64(f))
        }
    });
    (rotate, outage)
}

fn sentinel_mix(spec: &Spec, seed: u64, slow: Duration) -> FaultMix {
    FaultMix::new(seed)
        .with(Fault::Status(500), spec.p5xx / 2.0)
        .with(Fault::Status(503), spec.p5xx / 2.0)
        .with(Fault::RateLimited(1), spec.p429)
        .with(Fault::Drop, spec.reset)
        .with(Fault::Delay(slow), spec.slow)
        .with(Fault::Truncated, spec.truncate)
        .with(Fault::Oversized, spec.oversize / 2.0)
        .with(Fault::OversizedUnavailable, spec.oversize / 2.0)
        .with(Fault::HtmlError, spec.html)
}

const SENTINEL: [Endpoint; 3] = [Endpoint::DomainApi, Endpoint::AppTokenV2, Endpoint::Jwks];

/// A bounded uniform sample of latencies (Algorithm R) with the exact count
/// and maximum, so that memory stays flat however long the run.
struct Sample {
    kept: Vec<u64>,
    seen: u64,
    max: u64,
    rng: u64,
}

const SAMPLE_CAP: usize = 4096;

impl Sample {
    fn new(seed: u64) -> Self {
        Self {
            kept: Vec::with_capacity(SAMPLE_CAP),
            seen: 0,
            max: 0,
            rng: seed,
        }
    }

    fn record(&mut self, d: Duration) {
        let ns = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        self.seen += 1;
        self.max = self.max.max(ns);
        if self.kept.len() < SAMPLE_CAP {
            self.kept.push(ns);
        } else {
            let j = splitmix(&mut self.rng) % self.seen;
            if let Some(slot) = usize::try_from(j).ok().and_then(|j| self.kept.get_mut(j)) {
                *slot = ns;
            }
        }
    }

    /// Merges samples weighted by how many each stands for.
    fn merge(parts: Vec<Sample>) -> Summary {
        let seen: u64 = parts.iter().map(|s| s.seen).sum();
        let max = parts.iter().map(|s| s.max).max().unwrap_or(0);
        let mut weighted: Vec<(u64, f64)> = Vec::new();
        for s in &parts {
            if s.kept.is_empty() {
                continue;
            }
            #[allow(clippy::cast_precision_loss)]
            let w = s.seen as f64 / s.kept.len() as f64;
            weighted.extend(s.kept.iter().map(|&v| (v, w)));
        }
        weighted.sort_unstable_by_key(|(v, _)| *v);
        let total: f64 = weighted.iter().map(|(_, w)| w).sum();
        let at = |q: f64| {
            let mut acc = 0.0;
            for (v, w) in &weighted {
                acc += w;
                if acc >= q * total {
                    return *v;
                }
            }
            max
        };
        Summary {
            n: seen,
            p50: at(0.50),
            p99: at(0.99),
            max,
        }
    }
}

struct Summary {
    n: u64,
    p50: u64,
    p99: u64,
    max: u64,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "p50 {} p99 {} max {} (n {})",
            ns(self.p50),
            ns(self.p99),
            ns(self.max),
            self.n
        )
    }
}

fn ns(v: u64) -> String {
    #[allow(clippy::cast_precision_loss)]
    let f = v as f64;
    if v < 10_000 {
        format!("{v}ns")
    } else if v < 10_000_000 {
        format!("{:.1}us", f / 1e3)
    } else {
        format!("{:.1}ms", f / 1e6)
    }
}

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let z = *state;
    let z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    let z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The HTTP client of the pool, timing each AppJWT exchange (one attempt:
/// a renewal's retries are attempts of their own).
#[derive(Clone)]
struct Metered {
    inner: ReqwestHttp,
    renewals: Arc<Mutex<Sample>>,
    /// AppJWT answers read whole with a 200 and a body under the cap (not an
    /// oversized fault).
    received: Arc<AtomicU64>,
}

impl HttpClient for Metered {
    async fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        let app_token = request.uri().path().ends_with("/app/token");
        let started = Instant::now();
        let r = self.inner.send(request).await;
        if app_token {
            self.renewals
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .record(started.elapsed());
            if r.as_ref()
                .is_ok_and(|r| r.status() == StatusCode::OK && r.body().len() <= MAX_BODY_BYTES)
            {
                bump(&self.received);
            }
        }
        r
    }
}

type Pool = Brands<Metered, TokioRuntime>;

/// What the harness knows of a brand.
struct BrandState {
    key: BrandKey,
    auth: Authorizer<Metered, TokioRuntime>,
    protected: String,
    /// The latest client expiry (Unix seconds) of any token handed out.
    best_exp: AtomicU64,
    /// Distinct tokens handed out (a later expiry than all before).
    generations: AtomicU64,
    /// When its first token was obtained, its refresh-ahead span (obtained to
    /// refresh-ahead point) and its margin (refresh-ahead point to expiry),
    /// seconds.
    first: OnceLock<(u64, u64, u64)>,
}

#[derive(Default)]
struct Counters {
    served: AtomicU64,
    failed_valid: AtomicU64,
    failed_no_token: AtomicU64,
    /// Calls that found no valid token in the cache although their brand had
    /// had one (they waited for a renewal, or failed).
    lapsed: AtomicU64,
    expired: AtomicU64,
    verified: AtomicU64,
    rejected: AtomicU64,
    verify_unavailable: AtomicU64,
    /// Tokens of a key the client could not fetch: an unknown kid while the
    /// JWKS was unreachable.
    unverifiable: AtomicU64,
    api_ok: AtomicU64,
    api_refused: AtomicU64,
    api_failed: AtomicU64,
}

fn bump(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

fn get(c: &AtomicU64) -> u64 {
    c.load(Ordering::Relaxed)
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The `exp` claim of a JWT, unverified (what the API will check).
fn jwt_exp(token: &str) -> Option<u64> {
    let payload = token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    v.get("exp")?.as_u64()
}

/// Resident set size, bytes (VmRSS of /proc/self/status).
fn rss() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        })
        .map_or(0, |kb| kb * 1024)
}

fn mib(b: u64) -> String {
    #[allow(clippy::cast_precision_loss)]
    let m = b as f64 / (1024.0 * 1024.0);
    format!("{m:.1}MiB")
}

struct Shared {
    pool: Pool,
    brands: Vec<BrandState>,
    counters: Counters,
    skew: i64,
    deadline: Instant,
    /// Why verifications failed, by error kind (a few kinds at most).
    rejections: Mutex<std::collections::BTreeMap<String, u64>>,
    epoch: Instant,
    /// From the outage's start to its end plus the client's longest JWKS
    /// back-off and its least refetch interval: while a key rotated in (or
    /// just before) the outage cannot have been fetched.
    unreachable: Option<(Duration, Duration)>,
}

impl Shared {
    /// Whether the key of a kid the client does not know could not have been
    /// fetched at `at`: during the outage and the client's back-off after it.
    /// (A JWKS answer broken by a fault is no excuse: the client fetches the
    /// set again at once.)
    fn jwks_unreachable(&self, at: Duration) -> bool {
        self.unreachable
            .is_some_and(|(from, until)| (from..=until).contains(&at))
    }

    fn note_rejection(&self, e: &JwtError) {
        // The variant's name: no claim or kid value.
        let kind: String = format!("{e:?}")
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        let mut r = self
            .rejections
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if r.len() < 16 || r.contains_key(&kind) {
            *r.entry(kind).or_default() += 1;
        }
    }
}

/// One caller: until the deadline, a random brand's AppJWT, a call to the
/// protected endpoint with it, a verification of it.
async fn caller(shared: Arc<Shared>, seed: u64) -> (Sample, Sample) {
    let mut rng = seed;
    let mut cached = Sample::new(seed ^ 1);
    let mut waited = Sample::new(seed ^ 2);
    let c = &shared.counters;
    let n = shared.brands.len() as u64;
    while Instant::now() < shared.deadline {
        let Some(b) = usize::try_from(splitmix(&mut rng) % n)
            .ok()
            .and_then(|i| shared.brands.get(i))
        else {
            continue;
        };
        let now = unix_now();
        let best = b.best_exp.load(Ordering::Relaxed);
        let was_cached = shared.pool.cached_token(&b.key).is_some();
        let started = Instant::now();
        let token = shared.pool.token(&b.key).await;
        let took = started.elapsed();
        let token = match token {
            Ok(t) => t,
            Err(_) => {
                if now + 1 < best {
                    bump(&c.failed_valid);
                } else {
                    bump(&c.failed_no_token);
                    if best > 0 {
                        bump(&c.lapsed);
                    }
                }
                // An outage: no busy loop on errors.
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        bump(&c.served);
        if was_cached {
            cached.record(took);
        } else {
            waited.record(took);
            if best > 0 {
                bump(&c.lapsed);
            }
        }
        let exp = token.expires_at().as_secs();
        let server_now = now.saturating_add_signed(shared.skew);
        if exp <= now || jwt_exp(token.value().secret()).is_none_or(|e| e <= server_now) {
            bump(&c.expired);
        }
        if b.best_exp.fetch_max(exp, Ordering::Relaxed) < exp {
            bump(&b.generations);
        }
        b.first.get_or_init(|| {
            let span = token.refresh_at().duration_since(token.obtained_at());
            let margin = token.expires_at().duration_since(token.refresh_at());
            (
                token.obtained_at().as_secs(),
                span.as_secs(),
                margin.as_secs(),
            )
        });

        call_api(&shared, b, now, best).await;

        match b.auth.client().verify_app_token(token.value()).await {
            Ok(_) => bump(&c.verified),
            Err(Error::Jwt(JwtError::JwksUnavailable { .. })) => bump(&c.verify_unavailable),
            Err(Error::Jwt(JwtError::UnknownKid { .. }))
                if shared.jwks_unreachable(shared.epoch.elapsed()) =>
            {
                bump(&c.unverifiable);
            }
            Err(Error::Jwt(e)) if unix_now() + 1 < exp => {
                bump(&c.rejected);
                shared.note_rejection(&e);
            }
            Err(Error::Jwt(_)) => {}
            Err(_) => bump(&c.verify_unavailable),
        }
        tokio::task::yield_now().await;
    }
    (cached, waited)
}

/// A GET of the brand's protected endpoint, authorised and retried after a
/// 401 as the middleware does.
async fn call_api(shared: &Shared, b: &BrandState, now: u64, best: u64) {
    let c = &shared.counters;
    let token_failed = || {
        if now + 1 < best {
            bump(&c.failed_valid);
        } else {
            bump(&c.failed_no_token);
        }
    };
    let http = b.auth.client().http();
    let Ok(request) = Request::get(b.protected.as_str()).body(Vec::new()) else {
        return;
    };
    let Ok((request, retry)) = b.auth.prepare(request).await else {
        return token_failed();
    };
    let response = match http.send(request).await {
        Ok(r) => r,
        Err(_) => return bump(&c.api_failed),
    };
    let response = match b.auth.retry(response.status(), retry).await {
        Err(_) => return token_failed(),
        Ok(None) => response,
        Ok(Some(again)) => match http.send(again).await {
            Ok(r) => r,
            Err(_) => return bump(&c.api_failed),
        },
    };
    match response.status() {
        StatusCode::OK => bump(&c.api_ok),
        StatusCode::UNAUTHORIZED => bump(&c.api_refused),
        _ => bump(&c.api_failed),
    }
}

/// The events of the run: key rotations and the outage.
async fn events(
    mock: Arc<MockHandle>,
    normal: Vec<(Endpoint, FaultMix)>,
    rotate: Option<Duration>,
    outage: Option<(Duration, Duration)>,
    seed: u64,
    deadline: Instant,
) -> u64 {
    let start = Instant::now();
    let mut rotations = 0;
    let mut next_rotation = rotate.map(|r| start + r);
    let mut outage_at = outage.map(|(at, len)| (start + at, start + at + len));
    let mut in_outage = false;
    while Instant::now() < deadline {
        let now = Instant::now();
        if let (Some(at), Some(r)) = (next_rotation, rotate)
            && now >= at
        {
            mock.rotate_keys();
            rotations += 1;
            next_rotation = Some(at + r);
        }
        if let Some((from, until)) = outage_at {
            if !in_outage && now >= from {
                in_outage = true;
                let down = FaultMix::new(seed ^ 0xdead)
                    .with(Fault::Status(503), 0.5)
                    .with(Fault::Drop, 0.5);
                for e in SENTINEL {
                    mock.set_fault_mix(e, Some(down.clone()));
                }
                println!("soak: outage from {:.1}s", (now - start).as_secs_f64());
            }
            if in_outage && now >= until {
                for (e, mix) in &normal {
                    mock.set_fault_mix(*e, Some(mix.clone()));
                }
                outage_at = None;
                println!("soak: outage over at {:.1}s", (now - start).as_secs_f64());
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    rotations
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("soak: {e}");
            ExitCode::from(2)
        }
    }
}

#[allow(clippy::too_many_lines)]
fn run(args: &Args) -> Result<bool, Box<dyn std::error::Error>> {
    let spec = &args.faults;
    if args.brands == 0 || args.callers == 0 || args.seconds == 0 {
        return Err("--seconds, --brands and --callers must be at least 1".into());
    }
    let lifetime = Duration::from_secs(args.lifetime);
    if spec.skew < 0 && spec.skew.unsigned_abs().saturating_mul(2) >= args.lifetime {
        return Err(format!(
            "skew={} with --lifetime {}: the emulator's tokens would reach this host at most half-lived; give a lifetime above {} s",
            spec.skew,
            args.lifetime,
            spec.skew.unsigned_abs() * 2
        )
        .into());
    }
    let run_for = Duration::from_secs(args.seconds);
    let timeout = Duration::from_millis(args.timeout_ms);
    let (rotate, outage) = scaled(spec, run_for);
    println!(
        "soak: {}s, {} brands, {} callers, AppJWT lifetime {}s, timeout {}ms, seed {}; rotation every {:?}, outage {:?}, skew {}s",
        args.seconds,
        args.brands,
        args.callers,
        args.lifetime,
        args.timeout_ms,
        args.seed,
        rotate,
        outage.map(|(at, len)| format!("{len:?} at {at:?}")),
        spec.skew
    );

    let mock = MockServer::builder()
        .many_accounts()
        .lifetimes(Lifetimes {
            app_jwt: lifetime,
            ..Lifetimes::default()
        })
        .clock_offset(spec.skew)
        .start_blocking()?;
    let mock = Arc::new(mock);
    let slow = timeout + Duration::from_millis(500);
    let mut normal = Vec::new();
    for (i, e) in SENTINEL.into_iter().enumerate() {
        let mix = sentinel_mix(
            spec,
            args.seed.wrapping_mul(31).wrapping_add(i as u64),
            slow,
        );
        mock.set_fault_mix(e, Some(mix.clone()));
        normal.push((e, mix));
    }
    let third = spec.api / 3.0;
    mock.set_fault_mix(
        Endpoint::Protected,
        Some(
            FaultMix::new(args.seed ^ 0xa91)
                .with(Fault::Status(503), third)
                .with(Fault::Drop, third)
                .with(Fault::HtmlError, third),
        ),
    );

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let _guard = rt.enter();
    let tasks_start = rt.metrics().num_alive_tasks();
    let rss_start = rss();

    let renewals = Arc::new(Mutex::new(Sample::new(args.seed ^ 3)));
    let received = Arc::new(AtomicU64::new(0));
    // The clock of the run: the callers start a moment after the pool is
    // made, so times are taken from here for both.
    let epoch = Instant::now();
    let http = Metered {
        inner: ReqwestHttp::from_builder(
            reqwest::Client::builder()
                .connect_timeout(timeout)
                .timeout(timeout),
        )?
        .with_loopback_timeouts(timeout, timeout),
        renewals: Arc::clone(&renewals),
        received: Arc::clone(&received),
    };
    // The policies of a one-hour token, scaled to the emulator's lifetime: a
    // cool-down of 1 s to 60 s after failures is 1/3600 to 1/60 of an hour.
    let life = lifetime.as_secs_f64();
    let refresh = RefreshPolicy::default()
        .with_min_margin(lifetime / 4)
        .with_failure_backoff(
            Duration::from_secs_f64((life / 3600.0).max(0.05)),
            Duration::from_secs_f64((life / 60.0).max(1.0)),
        );
    let leeway = Duration::from_secs((spec.skew.unsigned_abs() + 30).max(60));
    // Two rotations within the least refetch interval would leave the second
    // kid unknown until it passes: the interval is scaled with the period.
    let min_refetch = rotate.map_or(Duration::from_secs(60), |r| {
        (r / 3).clamp(Duration::from_secs(1), Duration::from_secs(60))
    });
    // A JWKS back-off of at most 10 minutes is a sixth of an hour's token.
    let jwks_backoff = lifetime / 6;
    let csds = Host::parse(&mock.base_url())?;
    let config = BrandsConfig::new().with_client_config(move |c| {
        c.with_csds(csds.clone())
            .with_app_jwt_version(AppJwtVersion::V2)
            .with_refresh_policy(refresh)
            .with_leeway(leeway)
            .with_min_jwks_refetch(min_refetch)
            .with_jwks_max_backoff(jwks_backoff)
    });
    let credentials = |b: &BrandKey| {
        Some(ClientSecret::new(derived_client_secret(
            b.account().as_str(),
        )))
    };
    let pool: Pool = Brands::new(http, TokioRuntime, credentials, config);
    let mut brands = Vec::with_capacity(args.brands);
    for i in 0..args.brands {
        let account = (1_000_000 + i).to_string();
        let key = BrandKey::new(
            AccountId::new(account.as_str())?,
            ClientId::new(derived_client_id(&account))?,
        );
        let auth = Authorizer::new(pool.client(&key)?);
        brands.push(BrandState {
            key,
            auth,
            protected: format!("{}/api/account/{account}/app/protected", mock.base_url()),
            best_exp: AtomicU64::new(0),
            generations: AtomicU64::new(0),
            first: OnceLock::new(),
        });
    }
    pool.start();

    let started = Instant::now();
    let deadline = started + run_for;
    let shared = Arc::new(Shared {
        pool: pool.clone(),
        brands,
        counters: Counters::default(),
        skew: spec.skew,
        deadline,
        rejections: Mutex::default(),
        epoch,
        unreachable: outage.map(|(at, len)| (at, at + len + jwks_backoff + min_refetch)),
    });
    let events = rt.spawn(events(
        Arc::clone(&mock),
        normal,
        rotate,
        outage,
        args.seed,
        deadline,
    ));
    let callers: Vec<_> = (0..args.callers)
        .map(|i| {
            rt.spawn(caller(
                Arc::clone(&shared),
                args.seed.wrapping_mul(1000).wrapping_add(i as u64),
            ))
        })
        .collect();

    // RSS once the warm-up (the first third) is over, and progress lines.
    let warm_at = started + run_for / 3;
    let mut rss_warm = None;
    let mut tasks_warm = 0;
    let tick = Duration::from_secs((args.seconds / 10).clamp(1, 60));
    let mut next_tick = started + tick;
    while Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
        if rss_warm.is_none() && Instant::now() >= warm_at {
            rss_warm = Some(rss());
            tasks_warm = rt.metrics().num_alive_tasks();
        }
        if Instant::now() >= next_tick {
            next_tick += tick;
            let c = &shared.counters;
            println!(
                "soak: {:>5.0}s served {} failed(valid) {} failed(no token) {} expired {} rejected {} rss {} tasks {}",
                started.elapsed().as_secs_f64(),
                get(&c.served),
                get(&c.failed_valid),
                get(&c.failed_no_token),
                get(&c.expired),
                get(&c.rejected),
                mib(rss()),
                rt.metrics().num_alive_tasks()
            );
        }
    }
    let mut cached = Vec::new();
    let mut waited = Vec::new();
    for c in callers {
        let (a, b) = rt.block_on(c)?;
        cached.push(a);
        waited.push(b);
    }
    let rotations = rt.block_on(events)?;
    let elapsed = started.elapsed();
    let rss_end = rss();
    let rss_warm = rss_warm.unwrap_or(rss_end);
    let tasks_running = rt.metrics().num_alive_tasks();

    // Counted at the emulator: what the pool asked for, and what it got.
    let app_requests = mock.count(Endpoint::AppTokenV2);
    let app_faulted = mock.faults_injected(Endpoint::AppTokenV2);
    let app_ok = app_requests - app_faulted;
    let api_injected = mock.faults_injected(Endpoint::Protected);
    let end = unix_now();
    // What the policy set above makes of the emulator's tokens, worked out
    // here rather than read from the tokens the client made (a client that
    // got it wrong would move its own goalposts): the client sees a token
    // live `lifetime`, less the skew when the emulator's clock is behind
    // (`exp` is then early), and renews it half-way (the 50 % margin is above
    // the `lifetime / 4` floor).
    let seen_life =
        lifetime.saturating_sub(Duration::from_secs(u64::try_from(-spec.skew).unwrap_or(0)));
    let margin = seen_life / 2;
    let span = seen_life - margin;
    // The pool's schedule: a first token; a first renewal at 20-100 % (mean
    // 60 %) of the refresh-ahead span; later ones at 80-100 % (mean 90 %).
    let mut expected = 0.0;
    let mut generations = 0;
    for b in &shared.brands {
        generations += get(&b.generations);
        expected += 1.0;
        if let Some(&(obtained, _, _)) = b.first.get() {
            #[allow(clippy::cast_precision_loss)]
            let (t, u) = (end.saturating_sub(obtained) as f64, span.as_secs_f64());
            if t >= 0.6 * u {
                expected += 1.0 + (t - 0.6 * u) / (0.9 * u);
            }
        }
    }
    #[allow(clippy::cast_precision_loss)]
    let figures = Figures {
        per_schedule: app_ok as f64 / expected.max(1.0),
        per_token: get(&received) as f64 / generations.max(1) as f64,
        per_lifetime: app_ok as f64 * life / (args.brands as f64 * elapsed.as_secs_f64()),
        schedule_per_lifetime: expected * life / (args.brands as f64 * elapsed.as_secs_f64()),
        served: get(&shared.counters.served),
        failed_valid: get(&shared.counters.failed_valid),
        failed_no_token: get(&shared.counters.failed_no_token),
        lapsed: get(&shared.counters.lapsed),
        // A token outlives an outage shorter than its margin by a renewal's
        // retries and cool-down (a few timeouts): then no brand's token lapses.
        lapse_is_a_goal: outage
            .is_none_or(|(_, len)| len + timeout * 2 + Duration::from_secs(2) < margin),
        expired: get(&shared.counters.expired),
        verified: get(&shared.counters.verified),
        rejected: get(&shared.counters.rejected),
        verify_unavailable: get(&shared.counters.verify_unavailable),
        unverifiable: get(&shared.counters.unverifiable),
        api_ok: get(&shared.counters.api_ok),
        api_refused: get(&shared.counters.api_refused),
        api_failed: get(&shared.counters.api_failed),
        api_injected,
        cached: Sample::merge(cached),
        waited: Sample::merge(waited),
        renewal: Sample::merge(vec![std::mem::replace(
            &mut *renewals.lock().unwrap_or_else(PoisonError::into_inner),
            Sample::new(0),
        )]),
        rss: (rss_start, rss_warm, rss_end),
        tasks: (tasks_start, tasks_warm, tasks_running, 0),
    };
    println!(
        "soak: AppJWT requests at the emulator {app_requests} ({app_faulted} faulted, {app_ok} answered, of which the client received {} in time), schedule {expected:.0}, tokens served {generations}; key rotations {rotations}; Domain API {} ({} faulted), JWKS {} ({} faulted), protected {} ({} faulted)",
        get(&received),
        mock.count(Endpoint::DomainApi),
        mock.faults_injected(Endpoint::DomainApi),
        mock.count(Endpoint::Jwks),
        mock.faults_injected(Endpoint::Jwks),
        mock.count(Endpoint::Protected),
        api_injected,
    );

    for (kind, n) in &*shared
        .rejections
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
    {
        println!("soak: verification refused a valid token {n} times: {kind}");
    }
    // Everything the client spawned ends once it is dropped (the driver
    // within a second, the connections with their clients).
    drop(shared);
    drop(pool);
    let settle = Instant::now();
    let mut tasks_end = rt.metrics().num_alive_tasks();
    while tasks_end > tasks_start && settle.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(100));
        tasks_end = rt.metrics().num_alive_tasks();
    }
    let mut figures = figures;
    figures.tasks.3 = tasks_end;
    Ok(report(&figures, elapsed))
}

struct Figures {
    per_schedule: f64,
    per_token: f64,
    per_lifetime: f64,
    schedule_per_lifetime: f64,
    served: u64,
    failed_valid: u64,
    failed_no_token: u64,
    lapsed: u64,
    lapse_is_a_goal: bool,
    expired: u64,
    verified: u64,
    rejected: u64,
    verify_unavailable: u64,
    unverifiable: u64,
    api_ok: u64,
    api_refused: u64,
    api_failed: u64,
    api_injected: u64,
    cached: Summary,
    waited: Summary,
    renewal: Summary,
    /// start, after warm-up, end
    rss: (u64, u64, u64),
    /// start, after warm-up (callers included), end of the run (callers
    /// done), once the pool is dropped
    tasks: (usize, usize, usize, usize),
}

/// Prints the figures, the final line last; whether every goal was met.
fn report(f: &Figures, elapsed: Duration) -> bool {
    let (rss_start, rss_warm, rss_end) = f.rss;
    let rss_bound = rss_warm + rss_warm / 10 + 8 * 1024 * 1024;
    let (tasks_start, tasks_warm, tasks_running, tasks_end) = f.tasks;
    let mut missed = Vec::new();
    let mut goal = |ok: bool, what: String| {
        if !ok {
            missed.push(what);
        }
    };
    goal(
        f.failed_valid == 0,
        format!(
            "calls failed while a valid token existed: {} > 0",
            f.failed_valid
        ),
    );
    goal(
        f.expired == 0,
        format!("expired tokens handed out: {} > 0", f.expired),
    );
    goal(
        f.lapsed == 0 || !f.lapse_is_a_goal,
        format!(
            "calls that found their brand's token lapsed (renewed too late): {} > 0",
            f.lapsed
        ),
    );
    goal(
        f.rejected == 0,
        format!("valid tokens rejected by verification: {} > 0", f.rejected),
    );
    goal(
        f.api_refused == 0,
        format!("API refusals: {} > 0", f.api_refused),
    );
    goal(
        f.api_failed <= f.api_injected,
        format!(
            "unexplained API failures: {} failed, {} injected",
            f.api_failed, f.api_injected
        ),
    );
    goal(
        f.per_schedule <= 1.1,
        format!(
            "AppJWT requests per brand: {:.3} x the schedule > 1.1",
            f.per_schedule
        ),
    );
    goal(
        f.per_token <= 1.1,
        format!(
            "AppJWT answers received per token served: {:.3} > 1.1",
            f.per_token
        ),
    );
    goal(
        rss_end <= rss_bound,
        format!(
            "RSS not flat: {} at the end > {} (after warm-up {} + 10 % + 8 MiB)",
            mib(rss_end),
            mib(rss_bound),
            mib(rss_warm)
        ),
    );
    goal(
        tasks_end <= tasks_start,
        format!("tasks alive once the pool is dropped: {tasks_end} > {tasks_start} at start"),
    );
    goal(f.served > 0, "no call served".to_owned());
    println!("soak: cached read {}", f.cached);
    println!("soak: caller waiting for a token {}", f.waited);
    println!("soak: AppJWT exchange (one attempt) {}", f.renewal);
    println!(
        "soak: protected calls ok {} failed {} (faults injected there {}), refused {}; verified {}, verification unavailable {}, unverifiable (a kid unknown while the JWKS was unreachable) {}; failed calls with no valid token {}; calls that found their brand's token lapsed {} ({}); tasks {} at warm-up, {} at the end",
        f.api_ok,
        f.api_failed,
        f.api_injected,
        f.api_refused,
        f.verified,
        f.verify_unavailable,
        f.unverifiable,
        f.failed_no_token,
        f.lapsed,
        if f.lapse_is_a_goal {
            "goal 0: the outage is shorter than the refresh-ahead margin"
        } else {
            "not a goal: the outage outlasts the refresh-ahead margin"
        },
        tasks_warm,
        tasks_running
    );
    for m in &missed {
        println!("soak: GOAL MISSED: {m}");
    }
    println!(
        "soak: {} in {:.0}s: served {} | failed while a valid token existed {} | expired handed out {} | valid rejected {} | lapsed {} | AppJWT requests per brand per lifetime {:.2} (schedule {:.2}, ratio {:.3}; per token served {:.3}) | cached read p50 {} p99 {} max {} | renewal p50 {} p99 {} max {} | RSS {} -> {} (warm {}) | tasks {} -> {}",
        if missed.is_empty() { "PASS" } else { "FAIL" },
        elapsed.as_secs_f64(),
        f.served,
        f.failed_valid,
        f.expired,
        f.rejected,
        f.lapsed,
        f.per_lifetime,
        f.schedule_per_lifetime,
        f.per_schedule,
        f.per_token,
        ns(f.cached.p50),
        ns(f.cached.p99),
        ns(f.cached.max),
        ns(f.renewal.p50),
        ns(f.renewal.p99),
        ns(f.renewal.max),
        mib(rss_start),
        mib(rss_end),
        mib(rss_warm),
        tasks_start,
        tasks_end,
    );
    missed.is_empty()
}
