//! Many brands in one process: [`Brands`], a pool of [`Client`]s keyed by
//! account and client id, created lazily from a [`CredentialsSource`], sharing
//! one [`HttpClient`], one [`Runtime`], one [`DomainCache`], one JWKS per
//! Sentinel host ([`JwksSets`]) and one renewal scheduler.
//!
//! ## How renewal works
//!
//! Every brand's AppJWT is renewed by the pool's one driver (a single task on
//! the runtime, [`Brands::start`]; or your own loop calling
//! [`Brands::run_due`]), ahead of the point where the client itself would renew
//! it on a read (the refresh-ahead point of its [`RefreshPolicy`], half the
//! lifetime by default). Each renewal is drawn at random inside a window before
//! that point, per brand and per renewal: by default the first renewal of a
//! brand falls between 20 % and 100 % of the way from the token's issue to its
//! refresh-ahead point (so brands added together, which got their first tokens
//! together, are spread over most of that span), later ones between 80 % and
//! 100 % (each token lives at least 40 % of its lifetime, and the spread of
//! the first draw is kept). Each draw is the least crowded of four random
//! points of the window (fewest renewals already due in its second, then in
//! the minute around it): a random point alone leaves the busiest second at
//! three times the mean over a day of 10 000 brands, the best of four about
//! twice. At most [`BrandsConfig::with_max_concurrent_renewals`]
//! renewals are in flight at once.
//!
//! Callers' reads ([`Brands::token`], [`Brands::cached_token`]) therefore find
//! a fresh token: they never wait for a renewal and never start one. If the
//! driver falls behind (it is not running, Sentinel fails, the concurrency
//! bound is saturated), the client's own refresh-ahead takes over on the next
//! read, through the same single-flight cache: never two requests for one
//! brand, and never an expired token served.
//!
//! [`RefreshPolicy`]: sentinel_proto::policy::RefreshPolicy

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::hash::{BuildHasher, Hash, Hasher, RandomState};
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, RwLock, Weak};
use std::time::Duration;

use arc_swap::ArcSwap;
use event_listener::Event;
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use sentinel_proto::{AccountId, AppJwt, ClientId, ClientSecret, Error, UnixTime};

use crate::cache::RenewingCache;
use crate::client::{CachedAppJwt, Client};
use crate::config::{ClientConfig, Settings};
use crate::discovery::DomainCache;
use crate::runtime::{HttpClient, Runtime};
use crate::store::{self, TokenStore};
use crate::verify::JwksSets;

/// The longest the driver sleeps before looking at the schedule again.
const MAX_IDLE: Duration = Duration::from_secs(1);
/// How many shards the brand map has (a power of two).
const SHARDS: usize = 64;

/// A brand: an account and the client id of the installation.
///
/// Its hash is computed once, when it is made (with a per-process random key):
/// keep the key and look brands up with it, and a lookup hashes nothing.
///
/// ```
/// use sentinel_client::BrandKey;
/// use sentinel_proto::{AccountId, ClientId};
/// let key = BrandKey::new(AccountId::new("123456")?, ClientId::new("installation-1")?);
/// assert_eq!(key.account().as_str(), "123456");
/// assert_eq!(key, key.clone());
/// # Ok::<(), sentinel_proto::error::InputError>(())
/// ```
#[derive(Clone, Debug)]
pub struct BrandKey {
    account: AccountId,
    client_id: ClientId,
    hash: u64,
}

impl BrandKey {
    /// The brand `client_id` of `account`.
    pub fn new(account: AccountId, client_id: ClientId) -> Self {
        static KEYS: OnceLock<RandomState> = OnceLock::new();
        let mut h = KEYS.get_or_init(RandomState::new).build_hasher();
        account.hash(&mut h);
        client_id.hash(&mut h);
        let hash = h.finish();
        Self {
            account,
            client_id,
            hash,
        }
    }

    /// The account.
    pub fn account(&self) -> &AccountId {
        &self.account
    }

    /// The client id.
    pub fn client_id(&self) -> &ClientId {
        &self.client_id
    }

    /// Which of the map's shards holds it: bits the shard's own table does not
    /// use for small tables (hashbrown takes the low bits and the top seven).
    fn shard(&self) -> usize {
        // Masked to SHARDS - 1 (< 64): the cast cannot truncate anything kept.
        #[allow(clippy::cast_possible_truncation)]
        let s = (self.hash >> 32) as usize;
        s & (SHARDS - 1)
    }
}

impl PartialEq for BrandKey {
    fn eq(&self, other: &Self) -> bool {
        self.hash == other.hash
            && self.account == other.account
            && self.client_id == other.client_id
    }
}

impl Eq for BrandKey {}

impl Hash for BrandKey {
    fn hash<S: Hasher>(&self, state: &mut S) {
        state.write_u64(self.hash);
    }
}

/// A hasher that passes the precomputed hash of a [`BrandKey`] through.
#[derive(Clone, Copy, Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used by `BrandKey`; mix anything else in anyway.
        for b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

#[derive(Clone, Copy, Default)]
struct KeyHash;

impl BuildHasher for KeyHash {
    type Hasher = KeyHasher;
    fn build_hasher(&self) -> KeyHasher {
        KeyHasher(0)
    }
}

/// Where the pool finds a brand's client secret, when the brand is first used.
///
/// Implemented by [`CredentialsMap`] and by any closure
/// `Fn(&BrandKey) -> Option<ClientSecret>`. `None` means the brand is unknown
/// ([`BrandsError::UnknownBrand`]); the pool asks again on the next use. It is
/// called without any of the pool's locks held, once per brand creation: a
/// source that must do I/O should keep its own cache.
///
/// ```
/// use sentinel_client::{BrandKey, CredentialsSource};
/// use sentinel_proto::{AccountId, ClientId, ClientSecret};
/// let source = |brand: &BrandKey| {
///     // e.g. read the installation's secret from your database or vault
///     (brand.account().as_str() == "123456").then(|| ClientSecret::new("secret"))
/// };
/// let known = BrandKey::new(AccountId::new("123456")?, ClientId::new("app")?);
/// assert!(source.credentials(&known).is_some());
/// # Ok::<(), sentinel_proto::error::InputError>(())
/// ```
pub trait CredentialsSource: Send + Sync + 'static {
    /// The client secret of `brand`, or `None` if it is not installed.
    fn credentials(&self, brand: &BrandKey) -> Option<ClientSecret>;
}

impl<F> CredentialsSource for F
where
    F: Fn(&BrandKey) -> Option<ClientSecret> + Send + Sync + 'static,
{
    fn credentials(&self, brand: &BrandKey) -> Option<ClientSecret> {
        self(brand)
    }
}

/// Client secrets in memory, changed while the pool runs. Clones share the map.
///
/// Removing a secret here does not remove a brand already created: call
/// [`Brands::remove`] for that (an uninstall does both).
///
/// ```
/// use sentinel_client::{BrandKey, CredentialsMap, CredentialsSource};
/// use sentinel_proto::{AccountId, ClientId, ClientSecret};
/// let map = CredentialsMap::new();
/// let key = BrandKey::new(AccountId::new("123456")?, ClientId::new("app")?);
/// map.insert(key.clone(), ClientSecret::new("secret"));
/// assert!(map.credentials(&key).is_some());
/// assert!(format!("{map:?}").contains("1 brand"));
/// map.remove(&key);
/// assert!(map.credentials(&key).is_none());
/// # Ok::<(), sentinel_proto::error::InputError>(())
/// ```
#[derive(Clone, Default)]
pub struct CredentialsMap {
    secrets: Arc<RwLock<HashMap<BrandKey, ClientSecret, KeyHash>>>,
}

impl CredentialsMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the secret of `brand` (replacing any).
    pub fn insert(&self, brand: BrandKey, secret: ClientSecret) {
        self.write().insert(brand, secret);
    }

    /// Forgets the secret of `brand`; whether it had one.
    pub fn remove(&self, brand: &BrandKey) -> bool {
        self.write().remove(brand).is_some()
    }

    /// How many brands have a secret.
    pub fn len(&self) -> usize {
        self.read().len()
    }

    /// Whether no brand has a secret.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<BrandKey, ClientSecret, KeyHash>> {
        self.secrets.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<BrandKey, ClientSecret, KeyHash>> {
        self.secrets.write().unwrap_or_else(PoisonError::into_inner)
    }
}

impl CredentialsSource for CredentialsMap {
    fn credentials(&self, brand: &BrandKey) -> Option<ClientSecret> {
        self.read().get(brand).cloned()
    }
}

impl std::fmt::Debug for CredentialsMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CredentialsMap({} brands)", self.len())
    }
}

type Configure = dyn Fn(ClientConfig) -> ClientConfig + Send + Sync;

/// The settings of a [`Brands`] pool.
///
/// ```
/// use std::num::NonZeroUsize;
/// use sentinel_client::BrandsConfig;
/// use sentinel_proto::app_token::AppJwtVersion;
/// let config = BrandsConfig::new()
///     .with_client_config(|c| c.with_app_jwt_version(AppJwtVersion::V2))
///     .with_max_concurrent_renewals(NonZeroUsize::new(8).unwrap());
/// assert_eq!(config.max_concurrent_renewals().get(), 8);
/// ```
#[derive(Clone)]
pub struct BrandsConfig {
    configure: Arc<Configure>,
    max_concurrent: NonZeroUsize,
    first_window: (u16, u16),
    window: (u16, u16),
    domains: Option<DomainCache>,
    store: Option<Arc<dyn TokenStore>>,
    store_timing: store::Timing,
}

impl Default for BrandsConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for BrandsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrandsConfig")
            .field("max_concurrent", &self.max_concurrent)
            .field("first_window_permille", &self.first_window)
            .field("window_permille", &self.window)
            .field("store", &self.store.is_some())
            .finish_non_exhaustive()
    }
}

impl BrandsConfig {
    /// The defaults: every brand's [`ClientConfig::new`] as it is, 16
    /// concurrent renewals, renewal windows 20–100 % (first) and 80–100 %
    /// (later) of the way to the refresh-ahead point, a new [`DomainCache`],
    /// no [`TokenStore`].
    pub fn new() -> Self {
        Self {
            configure: Arc::new(|c| c),
            max_concurrent: NonZeroUsize::new(16).unwrap_or(NonZeroUsize::MIN),
            first_window: (200, 1000),
            window: (800, 1000),
            domains: None,
            store: None,
            store_timing: store::Timing::default(),
        }
    }

    /// How each brand's [`ClientConfig`] is finished from
    /// `ClientConfig::new(account, client_id, secret)`: hosts, versions,
    /// policies (the same for every brand; the closure sees the account and
    /// client id through [`ClientConfig::account`] and
    /// [`ClientConfig::client_id`]).
    #[must_use]
    pub fn with_client_config(
        mut self,
        configure: impl Fn(ClientConfig) -> ClientConfig + Send + Sync + 'static,
    ) -> Self {
        self.configure = Arc::new(configure);
        self
    }

    /// At most `n` renewals in flight at once (default 16).
    #[must_use]
    pub fn with_max_concurrent_renewals(mut self, n: NonZeroUsize) -> Self {
        self.max_concurrent = n;
        self
    }

    /// The bound on concurrent renewals.
    pub fn max_concurrent_renewals(&self) -> NonZeroUsize {
        self.max_concurrent
    }

    /// Where in a token's life the pool renews it, in per cent of the way from
    /// its issue to the client's refresh-ahead point, drawn at random per
    /// brand and renewal: `first` for a brand's first renewal, `later` for the
    /// others (defaults 20–100 and 80–100). Bounds are clamped to 1–100 and
    /// ordered; equal bounds turn the jitter off.
    #[must_use]
    pub fn with_renewal_windows(mut self, first: (u8, u8), later: (u8, u8)) -> Self {
        let w = |(a, b): (u8, u8)| {
            let (a, b) = (u16::from(a.clamp(1, 100)), u16::from(b.clamp(1, 100)));
            (a.min(b) * 10, a.max(b) * 10)
        };
        self.first_window = w(first);
        self.window = w(later);
        self
    }

    /// Shares `domains` (the Domain API answers) with other clients or pools.
    #[must_use]
    pub fn with_domain_cache(mut self, domains: DomainCache) -> Self {
        self.domains = Some(domains);
        self
    }

    /// Shares tokens through `store` with the other instances of a fleet: one
    /// instance renews a brand while the others wait for its result (see
    /// [`TokenStore`]).
    #[must_use]
    pub fn with_token_store(mut self, store: impl TokenStore) -> Self {
        self.store = Some(Arc::new(store));
        self
    }

    /// How long a renewal lease lives in the store (default 30 s), and the
    /// longest a waiting instance waits for another's renewal before it renews
    /// on its own (default 10 s; it polls with a backoff from 50 ms to 1 s).
    #[must_use]
    pub fn with_store_lease(mut self, ttl: Duration, max_wait: Duration) -> Self {
        self.store_timing.lease_ttl = ttl;
        self.store_timing.max_wait = max_wait;
        self
    }
}

/// What went wrong with a brand.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BrandsError {
    /// The [`CredentialsSource`] has no secret for this brand.
    #[error("unknown brand: no credentials for account {account}, client id {client_id}")]
    UnknownBrand {
        /// The account.
        account: AccountId,
        /// The client id.
        client_id: ClientId,
    },
    /// The brand was removed from the pool ([`Brands::remove`]) after this
    /// [`BrandHandle`] was taken: take a new one.
    #[error("brand removed: account {account}, client id {client_id}")]
    Removed {
        /// The account.
        account: AccountId,
        /// The client id.
        client_id: ClientId,
    },
    /// The brand's client failed (already redacted).
    #[error(transparent)]
    Sentinel(#[from] Error),
}

/// What one [`Brands::run_due`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RunReport {
    /// Brands whose token was fetched or renewed.
    pub renewed: usize,
    /// Brands whose renewal failed (retried after a cool-down).
    pub failed: usize,
    /// Brands that took a newer token from the [`TokenStore`] instead.
    pub adopted: usize,
    /// Brands whose token had been renewed since their renewal was scheduled
    /// (a caller fetched the first one, or the client's own refresh-ahead ran
    /// while the driver was behind): rescheduled from that token, with no
    /// request.
    pub current: usize,
    /// The most renewals that were in flight at once.
    pub max_in_flight: usize,
    /// When the next renewal is due, if any brand is scheduled.
    pub next_due: Option<UnixTime>,
}

struct Brand<H, R> {
    key: BrandKey,
    client: Client<H, R>,
    /// The client's AppJWT cache, one pointer closer to the readers.
    token: RenewingCache<AppJwt, Error>,
    /// The sequence number of the brand's valid schedule entry.
    scheduled: AtomicU64,
    /// Renewals that succeeded (0: the next is the first).
    renewals: AtomicU32,
    /// When the token the pending renewal was scheduled from was obtained
    /// (Unix seconds; 0 before the first token): a newer cached token means
    /// someone renewed meanwhile.
    basis: AtomicU64,
    /// Consecutive failed renewals.
    failures: AtomicU32,
    removed: AtomicBool,
}

struct Due<H, R> {
    at: UnixTime,
    seq: u64,
    brand: Weak<Brand<H, R>>,
}

/// Random points of its window drawn for each renewal, the least crowded
/// taken ("the power of d choices": the busiest second's excess over the
/// mean shrinks from logarithmic to double-logarithmic in the brands).
const CHOICES: usize = 4;

/// The renewals to come: the heap the driver pops, and how many are due in
/// each second (superseded entries included until popped), for spreading
/// new ones.
struct Schedule<H, R> {
    heap: BinaryHeap<Reverse<Due<H, R>>>,
    per_second: BTreeMap<u64, u32>,
}

impl<H, R> Default for Schedule<H, R> {
    fn default() -> Self {
        Self {
            heap: BinaryHeap::new(),
            per_second: BTreeMap::new(),
        }
    }
}

impl<H, R> Schedule<H, R> {
    /// How crowded `at` is: renewals due in its second, then in the minute
    /// around it.
    fn crowding(&self, at: UnixTime) -> (u32, u32) {
        let s = at.as_secs();
        let second = self.per_second.get(&s).copied().unwrap_or(0);
        let minute = self
            .per_second
            .range(s.saturating_sub(30)..=s.saturating_add(30))
            .map(|(_, n)| *n)
            .sum();
        (second, minute)
    }

    fn push(&mut self, due: Due<H, R>) {
        *self.per_second.entry(due.at.as_secs()).or_default() += 1;
        self.heap.push(Reverse(due));
    }

    fn pop(&mut self) -> Option<Due<H, R>> {
        let Reverse(due) = self.heap.pop()?;
        let s = due.at.as_secs();
        if let Some(n) = self.per_second.get_mut(&s) {
            *n -= 1;
            if *n == 0 {
                self.per_second.remove(&s);
            }
        }
        Some(due)
    }
}

impl<H, R> PartialEq for Due<H, R> {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl<H, R> Eq for Due<H, R> {}
impl<H, R> PartialOrd for Due<H, R> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<H, R> Ord for Due<H, R> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

type Shard<H, R> = HashMap<BrandKey, Arc<Brand<H, R>>, KeyHash>;

struct Inner<H, R> {
    http: H,
    runtime: R,
    domains: DomainCache,
    jwks: JwksSets,
    credentials: Box<dyn CredentialsSource>,
    config: BrandsConfig,
    shards: Vec<ArcSwap<Shard<H, R>>>,
    /// Serialises the writers of each shard (readers take no lock).
    writers: Vec<Mutex<()>>,
    schedule: Mutex<Schedule<H, R>>,
    seq: AtomicU64,
    wake: Event,
    running: AtomicBool,
    started: AtomicBool,
    store_state: store::State,
    /// The settings of the last brand made: the next brand configured alike
    /// shares them instead of holding a copy.
    settings: Mutex<Option<Arc<Settings>>>,
}

/// Many brands in one process: one [`Client`] per (account, client id), made
/// on first use from a [`CredentialsSource`], all on one [`HttpClient`], one
/// [`Runtime`], one [`DomainCache`], and renewed by one scheduler (see the
/// [module docs](crate::brands) for how). Clones share the pool.
///
/// ```
/// use sentinel_client::{BrandKey, Brands, BrandsConfig, CredentialsMap, ThreadRuntime};
/// use sentinel_proto::{AccountId, ClientId, ClientSecret, Host};
/// # use sentinel_proto::error::TransportError;
/// let http = |_req: http::Request<Vec<u8>>| async {
///     Ok::<_, TransportError>(http::Response::new(
///         br#"{"access_token":"a.b.c","token_type":"Bearer","expires_in":3600}"#.to_vec()))
/// };
/// let secrets = CredentialsMap::new();
/// let brand = BrandKey::new(AccountId::new("123456")?, ClientId::new("app")?);
/// secrets.insert(brand.clone(), ClientSecret::new("secret"));
/// let config = BrandsConfig::new().with_client_config(|c| c.with_sentinel_host(Host::americas()));
/// let brands = Brands::new(http, ThreadRuntime, secrets, config);
/// let token = pollster::block_on(brands.token(&brand))?;   // fetched, then cached
/// assert!(std::sync::Arc::ptr_eq(&token, &brands.cached_token(&brand).unwrap()));
/// // brands.start() spawns the one renewal driver; uninstall:
/// assert!(brands.remove(&brand));
/// assert!(brands.cached_token(&brand).is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Brands<H, R> {
    inner: Arc<Inner<H, R>>,
}

impl<H, R> Clone for Brands<H, R> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<H, R> std::fmt::Debug for Brands<H, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Brands")
            .field("brands", &self.len())
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl<H, R> Brands<H, R> {
    /// How many brands the pool holds.
    pub fn len(&self) -> usize {
        self.inner.shards.iter().map(|s| s.load().len()).sum()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether `brand` is in the pool (made and not removed).
    pub fn contains(&self, brand: &BrandKey) -> bool {
        self.shard(brand).load().contains_key(brand)
    }

    /// Whether the [`TokenStore`] is failing now (the pool renews on its own
    /// meanwhile); `false` without a store.
    pub fn store_degraded(&self) -> bool {
        self.inner.store_state.is_degraded()
    }

    /// The Domain API cache every brand uses.
    pub fn domain_cache(&self) -> &DomainCache {
        &self.inner.domains
    }

    /// The JWKS every brand verifies with: one per Sentinel host.
    pub fn jwks_sets(&self) -> &JwksSets {
        &self.inner.jwks
    }

    fn shard(&self, brand: &BrandKey) -> &ArcSwap<Shard<H, R>> {
        // `shard()` is below SHARDS, the length of `shards`.
        #[allow(clippy::indexing_slicing)]
        &self.inner.shards[brand.shard()]
    }

    fn lock_schedule(&self) -> MutexGuard<'_, Schedule<H, R>> {
        // A heap and a map are whole after every push and pop.
        self.inner
            .schedule
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl<H, R> Brands<H, R>
where
    H: HttpClient + Clone,
    R: Runtime + Clone,
{
    /// A pool sending through `http` on `runtime`, finding secrets in
    /// `credentials`.
    pub fn new(
        http: H,
        runtime: R,
        credentials: impl CredentialsSource,
        config: BrandsConfig,
    ) -> Self {
        let domains = config.domains.clone().unwrap_or_default();
        Self {
            inner: Arc::new(Inner {
                http,
                runtime,
                domains,
                jwks: JwksSets::new(),
                credentials: Box::new(credentials),
                shards: (0..SHARDS).map(|_| ArcSwap::default()).collect(),
                writers: (0..SHARDS).map(|_| Mutex::new(())).collect(),
                schedule: Mutex::default(),
                seq: AtomicU64::new(0),
                wake: Event::new(),
                running: AtomicBool::new(false),
                started: AtomicBool::new(false),
                store_state: store::State::default(),
                settings: Mutex::default(),
                config,
            }),
        }
    }

    /// The AppJWT of `brand`: from the cache (where the scheduler keeps it
    /// fresh), else fetched once however many callers ask. The brand is made
    /// on first use.
    pub async fn token(&self, brand: &BrandKey) -> Result<CachedAppJwt, BrandsError> {
        if let Some(t) = self.cached_token(brand) {
            return Ok(t);
        }
        Ok(self.brand(brand)?.client.app_token().await?)
    }

    /// The cached AppJWT of `brand` if there is a usable one: no request, no
    /// lock, no hashing (the key carries its hash).
    #[inline]
    pub fn cached_token(&self, brand: &BrandKey) -> Option<CachedAppJwt> {
        let now = self.inner.runtime.now_coarse();
        self.shard(brand).load().get(brand)?.token.get(now)
    }

    /// A handle on `brand` (made on first use), whose
    /// [`cached_token`](BrandHandle::cached_token) is one atomic load and an
    /// `Arc` clone: keep it where the brand is known (a connection, a
    /// conversation) instead of looking the brand up on every read.
    ///
    /// The handle keeps the brand's client alive, not the brand in the pool:
    /// after [`remove`](Self::remove) it serves no token.
    pub fn handle(&self, brand: &BrandKey) -> Result<BrandHandle<H, R>, BrandsError> {
        let b = self.brand(brand)?;
        Ok(BrandHandle {
            token: b.token.clone(),
            runtime: self.inner.runtime.clone(),
            brand: b,
        })
    }

    /// The client of `brand` (made on first use), for everything else it can
    /// do: ConsumerJWS, verification, [`auth::Authorizer`](crate::auth::Authorizer).
    pub fn client(&self, brand: &BrandKey) -> Result<Client<H, R>, BrandsError> {
        Ok(self.brand(brand)?.client.clone())
    }

    /// Makes `brand` now (its first token is fetched by the scheduler).
    pub fn add(&self, brand: &BrandKey) -> Result<(), BrandsError> {
        self.brand(brand).map(drop)
    }

    /// Removes `brand` (an uninstall): it leaves the pool and the schedule, and
    /// its cached tokens (AppJWT, ConsumerJWS) are dropped at once, so they are
    /// zeroized unless a caller still holds one. The Domain API answer of its
    /// account goes too when no other brand of the account is left. Whether it
    /// was there.
    pub fn remove(&self, brand: &BrandKey) -> bool {
        let shard = self.shard(brand);
        let removed = {
            let _w = self.writer(brand);
            let current = shard.load_full();
            if !current.contains_key(brand) {
                return false;
            }
            let mut next = (*current).clone();
            let removed = next.remove(brand);
            shard.store(Arc::new(next));
            removed
        };
        let Some(b) = removed else { return false };
        b.removed.store(true, Ordering::SeqCst);
        b.client.drop_tokens();
        let account = brand.account();
        let shared = self
            .inner
            .shards
            .iter()
            .any(|s| s.load().keys().any(|k| k.account() == account));
        if !shared {
            self.inner.domains.forget(account);
        }
        true
    }

    /// Starts the pool's one renewal driver on the runtime, once (later calls
    /// do nothing and say `false`). It runs [`run_due`](Self::run_due)
    /// whenever a renewal is due (looking at least once a second), and stops
    /// when the last clone of the pool is dropped.
    ///
    /// On a runtime whose `spawn` runs the task to completion (a test's fake),
    /// call [`run_due`](Self::run_due) yourself instead.
    pub fn start(&self) -> bool {
        if self.inner.started.swap(true, Ordering::SeqCst) {
            return false;
        }
        let weak = Arc::downgrade(&self.inner);
        self.inner.runtime.spawn(Box::pin(drive(weak)));
        true
    }

    /// Renews (or fetches the first token of) every brand that is due now, at
    /// most the configured number at once, and returns what it did. What the
    /// driver runs; call it yourself to drive the pool by hand (with a virtual
    /// clock, say). Concurrent calls do not add up: while one runs, another
    /// returns at once with nothing done.
    pub async fn run_due(&self) -> RunReport {
        let mut report = RunReport::default();
        if self.inner.running.swap(true, Ordering::SeqCst) {
            report.next_due = self.next_due();
            return report;
        }
        let _running = Running(&self.inner.running);
        let max = self.inner.config.max_concurrent.get();
        let mut in_flight = FuturesUnordered::new();
        loop {
            while in_flight.len() < max {
                match self.pop_due(self.inner.runtime.now()) {
                    Some(b) => in_flight.push(self.renew(b)),
                    None => break,
                }
            }
            report.max_in_flight = report.max_in_flight.max(in_flight.len());
            match in_flight.next().await {
                Some(Renewed::Fetched) => report.renewed += 1,
                Some(Renewed::Adopted) => report.adopted += 1,
                Some(Renewed::Current) => report.current += 1,
                Some(Renewed::Failed) => report.failed += 1,
                Some(Renewed::Gone) => {}
                None => break,
            }
        }
        report.next_due = self.next_due();
        report
    }

    /// The brand, made now if needed.
    fn brand(&self, key: &BrandKey) -> Result<Arc<Brand<H, R>>, BrandsError> {
        if let Some(b) = self.shard(key).load().get(key) {
            return Ok(Arc::clone(b));
        }
        let unknown = || BrandsError::UnknownBrand {
            account: key.account.clone(),
            client_id: key.client_id.clone(),
        };
        let secret = self
            .inner
            .credentials
            .credentials(key)
            .ok_or_else(unknown)?;
        let mut config = (self.inner.config.configure)(ClientConfig::new(
            key.account.clone(),
            key.client_id.clone(),
            secret,
        ));
        self.share_settings(&mut config);
        let shard = self.shard(key);
        let brand = {
            let _w = self.writer(key);
            let current = shard.load_full();
            if let Some(b) = current.get(key) {
                return Ok(Arc::clone(b));
            }
            let client = Client::with_shared_caches(
                config,
                self.inner.http.clone(),
                self.inner.runtime.clone(),
                &self.inner.domains,
                &self.inner.jwks,
            );
            let brand = Arc::new(Brand {
                key: key.clone(),
                token: client.inner.app_jwt.clone(),
                client,
                scheduled: AtomicU64::new(0),
                renewals: AtomicU32::new(0),
                basis: AtomicU64::new(0),
                failures: AtomicU32::new(0),
                removed: AtomicBool::new(false),
            });
            let mut next = (*current).clone();
            next.insert(key.clone(), Arc::clone(&brand));
            shard.store(Arc::new(next));
            brand
        };
        // The first token is due now; the driver fetches it (or joins the
        // caller's fetch: the client's cache lets one request out).
        self.schedule(&brand, self.inner.runtime.now());
        Ok(brand)
    }

    /// Replaces `config`'s settings by the last brand's when they are equal.
    fn share_settings(&self, config: &mut ClientConfig) {
        let mut last = self
            .inner
            .settings
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        match &*last {
            Some(s) if Arc::ptr_eq(s, &config.s) => {}
            Some(s) if **s == *config.s => config.s = Arc::clone(s),
            _ => *last = Some(Arc::clone(&config.s)),
        }
    }

    fn writer(&self, key: &BrandKey) -> MutexGuard<'_, ()> {
        // Same length as `shards`.
        #[allow(clippy::indexing_slicing)]
        self.inner.writers[key.shard()]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn schedule(&self, brand: &Arc<Brand<H, R>>, at: UnixTime) {
        let seq = self.inner.seq.fetch_add(1, Ordering::Relaxed) + 1;
        brand.scheduled.store(seq, Ordering::SeqCst);
        let earliest = {
            let mut schedule = self.lock_schedule();
            schedule.push(Due {
                at,
                seq,
                brand: Arc::downgrade(brand),
            });
            schedule.heap.peek().map(|d| d.0.seq) == Some(seq)
        };
        if earliest {
            self.inner.wake.notify(1);
        }
    }

    /// The next brand due at `now`, skipping entries of removed brands and
    /// superseded entries.
    fn pop_due(&self, now: UnixTime) -> Option<Arc<Brand<H, R>>> {
        let mut schedule = self.lock_schedule();
        loop {
            let top = schedule.heap.peek()?;
            if top.0.at > now {
                return None;
            }
            let due = schedule.pop()?;
            if let Some(b) = due.brand.upgrade()
                && !b.removed.load(Ordering::SeqCst)
                && b.scheduled.load(Ordering::SeqCst) == due.seq
            {
                return Some(b);
            }
        }
    }

    fn next_due(&self) -> Option<UnixTime> {
        self.lock_schedule().heap.peek().map(|d| d.0.at)
    }

    /// Renews `brand`; a panic of the HTTP client (or of anything else the
    /// renewal runs) is a failed renewal, retried after the cool-down, rather
    /// than the end of the driver and of every renewal it had in flight. The
    /// client's cache is left consistent by the unwinding (its renewal ticket
    /// reports the failure when dropped).
    async fn renew(&self, brand: Arc<Brand<H, R>>) -> Renewed {
        let caught = CatchUnwind(Box::pin(self.try_renew(Arc::clone(&brand)))).await;
        caught.unwrap_or_else(|| {
            tracing::warn!(account = %brand.key.account, "brand renewal panicked");
            self.failed(&brand, self.inner.runtime.now(), None)
        })
    }

    async fn try_renew(&self, brand: Arc<Brand<H, R>>) -> Renewed {
        let started = self.inner.runtime.now();
        let client = &brand.client;
        // Renewing a token fetched since the schedule was made would fetch
        // twice in a row; the store path decides with the store's token.
        if self.inner.config.store.is_none()
            && let Some(token) = client.cached_app_token()
            && token.obtained_at().as_secs() > brand.basis.load(Ordering::SeqCst)
        {
            brand.failures.store(0, Ordering::Relaxed);
            let first = brand.renewals.fetch_add(1, Ordering::Relaxed) == 0;
            brand
                .basis
                .store(token.obtained_at().as_secs(), Ordering::SeqCst);
            let at = self.due_after(&token, first).max(started);
            self.schedule(&brand, at);
            return Renewed::Current;
        }
        let result = match &self.inner.config.store {
            Some(store) => {
                store::renew(
                    store.as_ref(),
                    &self.inner.store_state,
                    &self.inner.config.store_timing,
                    &brand.key,
                    client,
                )
                .await
            }
            None => {
                let r = match client.cached_app_token() {
                    Some(_) => client.renew_app_token().await,
                    None => client.app_token().await,
                };
                r.map(|t| (t, false))
            }
        };
        if brand.removed.load(Ordering::SeqCst) {
            client.drop_tokens();
            return Renewed::Gone;
        }
        let now = self.inner.runtime.now();
        match result {
            Ok((token, adopted)) if token.obtained_at() >= started || adopted => {
                brand.failures.store(0, Ordering::Relaxed);
                let first = brand.renewals.fetch_add(1, Ordering::Relaxed) == 0;
                brand
                    .basis
                    .store(token.obtained_at().as_secs(), Ordering::SeqCst);
                let at = self.due_after(&token, first).max(now);
                self.schedule(&brand, at);
                if adopted {
                    Renewed::Adopted
                } else {
                    Renewed::Fetched
                }
            }
            // An older token: a renewal is cooling down after a failure.
            Ok(_) => self.failed(&brand, now, None),
            Err(e) => {
                tracing::warn!(account = %brand.key.account, error = %e, "brand renewal failed");
                let retry_after = e.retry_after().map(|ra| ra.delay(now));
                self.failed(&brand, now, retry_after)
            }
        }
    }

    fn failed(&self, brand: &Arc<Brand<H, R>>, now: UnixTime, ra: Option<Duration>) -> Renewed {
        let failures = brand.failures.fetch_add(1, Ordering::Relaxed) + 1;
        let policy = brand.client.config().refresh_policy();
        let delay = policy
            .failure_delay(failures, ra, self.inner.runtime.random())
            .max(Duration::from_secs(1));
        self.schedule(brand, now.saturating_add(delay));
        Renewed::Failed
    }

    /// When to renew `token`: the least crowded of [`CHOICES`] random points
    /// of the window, between its issue and the client's refresh-ahead point.
    fn due_after(&self, token: &CachedAppJwt, first: bool) -> UnixTime {
        let (lo, hi) = if first {
            self.inner.config.first_window
        } else {
            self.inner.config.window
        };
        let span = token.refresh_at().duration_since(token.obtained_at());
        let span_ms = u64::try_from(span.as_millis()).unwrap_or(u64::MAX) / 1000;
        let draws: [UnixTime; CHOICES] = std::array::from_fn(|_| {
            let permille = u64::from(lo) + self.inner.runtime.random() % u64::from(hi - lo + 1);
            token
                .obtained_at()
                .saturating_add(Duration::from_millis(span_ms * permille))
        });
        let schedule = self.lock_schedule();
        draws
            .into_iter()
            .min_by_key(|at| schedule.crowding(*at))
            .unwrap_or_else(|| token.refresh_at())
    }
}

/// One brand of a [`Brands`] pool, for reading its token without looking it
/// up ([`Brands::handle`]). Cheap to clone.
///
/// ```
/// use sentinel_client::{BrandKey, Brands, BrandsConfig, CredentialsMap, ThreadRuntime};
/// use sentinel_proto::{AccountId, ClientId, ClientSecret, Host};
/// # use sentinel_proto::error::TransportError;
/// # let http = |_req: http::Request<Vec<u8>>| async {
/// #     Ok::<_, TransportError>(http::Response::new(
/// #         br#"{"access_token":"a.b.c","token_type":"Bearer","expires_in":3600}"#.to_vec()))
/// # };
/// let secrets = CredentialsMap::new();
/// let brand = BrandKey::new(AccountId::new("123456")?, ClientId::new("app")?);
/// secrets.insert(brand.clone(), ClientSecret::new("secret"));
/// let config = BrandsConfig::new().with_client_config(|c| c.with_sentinel_host(Host::americas()));
/// let brands = Brands::new(http, ThreadRuntime, secrets, config);
/// let handle = brands.handle(&brand)?;
/// let token = pollster::block_on(handle.token())?;      // fetched, then cached
/// assert!(std::sync::Arc::ptr_eq(&token, &handle.cached_token().unwrap()));
/// brands.remove(&brand);
/// assert!(handle.cached_token().is_none() && handle.is_removed());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct BrandHandle<H, R> {
    token: RenewingCache<AppJwt, Error>,
    runtime: R,
    brand: Arc<Brand<H, R>>,
}

impl<H, R: Clone> Clone for BrandHandle<H, R> {
    fn clone(&self) -> Self {
        Self {
            token: self.token.clone(),
            runtime: self.runtime.clone(),
            brand: Arc::clone(&self.brand),
        }
    }
}

impl<H, R> std::fmt::Debug for BrandHandle<H, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrandHandle")
            .field("brand", &self.brand.key)
            .field("removed", &self.is_removed())
            .finish_non_exhaustive()
    }
}

impl<H, R> BrandHandle<H, R> {
    /// The brand.
    pub fn key(&self) -> &BrandKey {
        &self.brand.key
    }

    /// Whether the brand was removed from the pool since.
    pub fn is_removed(&self) -> bool {
        self.brand.removed.load(Ordering::SeqCst)
    }
}

impl<H: HttpClient, R: Runtime> BrandHandle<H, R> {
    /// The cached AppJWT if there is a usable one: an atomic load, an `Arc`
    /// clone and a look at the clock; no request, no lock, no lookup.
    #[inline]
    pub fn cached_token(&self) -> Option<CachedAppJwt> {
        self.token.get(self.runtime.now_coarse())
    }

    /// The AppJWT: cached, else fetched once however many callers ask (as
    /// [`Brands::token`]); [`BrandsError::Removed`] once the brand was removed.
    pub async fn token(&self) -> Result<CachedAppJwt, BrandsError> {
        if let Some(t) = self.cached_token() {
            return Ok(t);
        }
        let removed = || BrandsError::Removed {
            account: self.brand.key.account.clone(),
            client_id: self.brand.key.client_id.clone(),
        };
        if self.is_removed() {
            return Err(removed());
        }
        let token = self.brand.client.app_token().await?;
        // Removed while the fetch was out: the token goes with the brand.
        if self.is_removed() {
            drop(token);
            self.brand.client.drop_tokens();
            return Err(removed());
        }
        Ok(token)
    }

    /// The brand's client, for everything else it can do.
    pub fn client(&self) -> &Client<H, R> {
        &self.brand.client
    }
}

enum Renewed {
    Fetched,
    Adopted,
    Current,
    Failed,
    Gone,
}

/// A future whose panic is caught: `None` instead of unwinding further.
struct CatchUnwind<F>(std::pin::Pin<Box<F>>);

impl<F: Future> Future for CatchUnwind<F> {
    type Output = Option<F::Output>;
    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        let inner = self.0.as_mut();
        // The future is never polled again after a panic (the caller gets
        // `None` and drops it), so no broken state is observed.
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(std::task::Poll::Ready(v)) => std::task::Poll::Ready(Some(v)),
            Ok(std::task::Poll::Pending) => std::task::Poll::Pending,
            Err(_) => std::task::Poll::Ready(None),
        }
    }
}

struct Running<'a>(&'a AtomicBool);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

/// The one driver: runs what is due, then sleeps until the next renewal (at
/// most [`MAX_IDLE`]) or until a brand is scheduled earlier.
async fn drive<H, R>(weak: Weak<Inner<H, R>>)
where
    H: HttpClient + Clone,
    R: Runtime + Clone,
{
    loop {
        let Some(inner) = weak.upgrade() else { return };
        let pool = Brands { inner };
        let report = pool.run_due().await;
        let runtime = pool.inner.runtime.clone();
        let listener = pool.inner.wake.listen();
        let now = runtime.now();
        let wait = report
            .next_due
            .map_or(MAX_IDLE, |at| at.duration_since(now))
            .min(MAX_IDLE);
        drop(pool);
        // Something became due while the run ended (or another run is going
        // on): look again soon, without spinning.
        let wait = wait.max(Duration::from_millis(10));
        let sleep = std::pin::pin!(runtime.sleep(wait));
        futures_util::future::select(sleep, listener).await;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use sentinel_proto::Host;
    use sentinel_proto::app_token::AppJwtVersion;
    use sentinel_proto::error::TransportError;

    fn key(account: &str) -> BrandKey {
        BrandKey::new(
            AccountId::new(account).unwrap(),
            ClientId::new("app").unwrap(),
        )
    }

    #[test]
    fn brands_configured_alike_share_one_copy_of_their_settings() {
        let http = |_req: http::Request<Vec<u8>>| async {
            Ok::<_, TransportError>(http::Response::new(b"{}".to_vec()))
        };
        let config = BrandsConfig::new().with_client_config(|c| {
            let c = c.with_csds(Host::parse("csds.corp.example").unwrap());
            if c.account().as_str() == "3" {
                c.with_app_jwt_version(AppJwtVersion::V2)
            } else {
                c
            }
        });
        let secret = |_: &BrandKey| Some(ClientSecret::new("secret"));
        let brands = Brands::new(http, crate::ThreadRuntime, secret, config);
        let client = |a: &str| brands.client(&key(a)).unwrap();
        let (one, two, three) = (client("1"), client("2"), client("3"));
        assert!(Arc::ptr_eq(&one.config().s, &two.config().s));
        assert_eq!(two.config().csds().authority(), "csds.corp.example");
        // Configured otherwise: its own settings, never another brand's.
        assert!(!Arc::ptr_eq(&two.config().s, &three.config().s));
        assert_eq!(three.config().app_jwt_version(), AppJwtVersion::V2);
        assert_eq!(one.config().app_jwt_version(), AppJwtVersion::V1);
        assert_eq!(one.config().account().as_str(), "1");
        assert_eq!(two.config().account().as_str(), "2");
    }
}
