//! Tokens shared by the instances of a fleet: the [`TokenStore`] trait, what
//! [`Brands`](crate::Brands) does with it, and [`MemoryTokenStore`] (one
//! process; `sentinel-redis` implements it on Redis).
//!
//! When a brand's renewal is due, the pool first looks in the store: a token
//! newer than its own, fetched by another instance, is taken as it is (no
//! request to Sentinel). Otherwise it takes the brand's renewal lease: the
//! holder fetches the token, puts it in the store and releases the lease; the
//! others poll the store with a backoff (50 ms doubling to 1 s) and take the
//! holder's token when it appears, or take the lease over when it expires (a
//! crashed holder blocks nobody for longer than the lease's TTL), or renew on
//! their own after the longest wait. Whatever the store does — fails, answers
//! slowly, loses its data — the pool renews on its own and callers see no
//! error: the store only saves requests. The pool logs once when the store
//! starts failing and once when it works again.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sentinel_proto::{AppJwt, Error, UnixTime};

use crate::brands::BrandKey;
use crate::client::{CachedAppJwt, Client, Fetched};
use crate::runtime::{HttpClient, Runtime};

/// The future of a [`TokenStore`] operation.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// An AppJWT as the store keeps it: the token, when it was requested and when
/// it expires. `Debug` redacts the token.
///
/// ```
/// use sentinel_client::StoredToken;
/// use sentinel_proto::{AppJwt, UnixTime};
/// let t = StoredToken::new(AppJwt::new("a.b.c"), UnixTime::from_secs(0), UnixTime::from_secs(3600));
/// assert!(!format!("{t:?}").contains("a.b.c"));
/// assert_eq!(t.expires_at(), UnixTime::from_secs(3600));
/// ```
#[derive(Clone, Debug)]
pub struct StoredToken {
    token: AppJwt,
    obtained_at: UnixTime,
    expires_at: UnixTime,
}

impl StoredToken {
    /// `token`, requested at `obtained_at`, expiring at `expires_at`.
    pub fn new(token: AppJwt, obtained_at: UnixTime, expires_at: UnixTime) -> Self {
        Self {
            token,
            obtained_at,
            expires_at,
        }
    }

    /// The token.
    pub fn token(&self) -> &AppJwt {
        &self.token
    }

    /// When it was requested.
    pub fn obtained_at(&self) -> UnixTime {
        self.obtained_at
    }

    /// When it expires.
    pub fn expires_at(&self) -> UnixTime {
        self.expires_at
    }
}

/// The proof of holding a brand's renewal lease, given back to
/// [`TokenStore::release`]. `Debug` shows no value.
///
/// ```
/// use sentinel_client::Lease;
/// let lease = Lease::new("instance-7:42");
/// assert_eq!(lease.id(), "instance-7:42");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Lease(String);

impl Lease {
    /// A lease known by `id` (unique per acquisition).
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// Its id.
    pub fn id(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Lease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Lease(..)")
    }
}

/// Why a [`TokenStore`] operation failed. Never carries a token or key.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The store cannot be reached or refused the operation.
    #[error("token store unavailable: {0}")]
    Unavailable(String),
    /// The store did not answer in time.
    #[error("token store timed out")]
    Timeout,
    /// A stored value could not be read back (wrong key, tampered, other format).
    #[error("stored token unreadable: {0}")]
    Corrupt(&'static str),
}

/// A store shared by the instances of a fleet: the brands' current AppJWTs,
/// and a lease per brand so that one instance renews while the others wait.
///
/// Operations must bound their own time (a Redis store: connection and
/// response timeouts) and must not log tokens. The store may lose anything at
/// any time: the pool then renews on its own.
///
/// ```
/// use std::time::Duration;
/// use sentinel_client::{BrandKey, MemoryTokenStore, StoredToken, TokenStore};
/// use sentinel_proto::{AccountId, AppJwt, ClientId, UnixTime};
/// # pollster::block_on(async {
/// let store = MemoryTokenStore::new();
/// let brand = BrandKey::new(AccountId::new("123456")?, ClientId::new("app")?);
/// let lease = store.lease(&brand, Duration::from_secs(30)).await?.expect("free");
/// assert!(store.lease(&brand, Duration::from_secs(30)).await?.is_none()); // held
/// let token = StoredToken::new(AppJwt::new("a.b.c"), UnixTime::from_secs(0), UnixTime::from_secs(3600));
/// store.put(&brand, &token).await?;
/// store.release(&brand, &lease).await?;
/// assert_eq!(store.get(&brand).await?.unwrap().token().secret(), "a.b.c");
/// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
/// ```
pub trait TokenStore: Send + Sync + 'static {
    /// The stored token of `brand`, if any.
    fn get<'a>(&'a self, brand: &'a BrandKey) -> StoreFuture<'a, Option<StoredToken>>;

    /// Stores `token` for `brand` until it expires (replacing any).
    fn put<'a>(&'a self, brand: &'a BrandKey, token: &'a StoredToken) -> StoreFuture<'a, ()>;

    /// Takes `brand`'s renewal lease for `ttl` if no one holds it: `None` if
    /// someone does.
    fn lease<'a>(&'a self, brand: &'a BrandKey, ttl: Duration) -> StoreFuture<'a, Option<Lease>>;

    /// Gives the lease back, if it is still this one (it may have expired
    /// and been taken by another instance).
    fn release<'a>(&'a self, brand: &'a BrandKey, lease: &'a Lease) -> StoreFuture<'a, ()>;
}

/// A [`TokenStore`] in memory, for several pools of one process and for
/// tests. Clones share it. Lease TTLs run on the system clock.
///
/// ```
/// use sentinel_client::{BrandsConfig, MemoryTokenStore};
/// let config = BrandsConfig::new().with_token_store(MemoryTokenStore::new());
/// # let _ = config;
/// ```
#[derive(Clone, Default)]
pub struct MemoryTokenStore {
    inner: std::sync::Arc<std::sync::Mutex<MemoryInner>>,
}

#[derive(Default)]
struct MemoryInner {
    tokens: std::collections::HashMap<BrandKey, StoredToken>,
    leases: std::collections::HashMap<BrandKey, (String, std::time::Instant)>,
    next: u64,
}

impl MemoryTokenStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MemoryInner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl std::fmt::Debug for MemoryTokenStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MemoryTokenStore({} tokens)", self.lock().tokens.len())
    }
}

impl TokenStore for MemoryTokenStore {
    fn get<'a>(&'a self, brand: &'a BrandKey) -> StoreFuture<'a, Option<StoredToken>> {
        let t = self.lock().tokens.get(brand).cloned();
        Box::pin(std::future::ready(Ok(t)))
    }

    fn put<'a>(&'a self, brand: &'a BrandKey, token: &'a StoredToken) -> StoreFuture<'a, ()> {
        self.lock().tokens.insert(brand.clone(), token.clone());
        Box::pin(std::future::ready(Ok(())))
    }

    fn lease<'a>(&'a self, brand: &'a BrandKey, ttl: Duration) -> StoreFuture<'a, Option<Lease>> {
        let now = std::time::Instant::now();
        let mut inner = self.lock();
        let held = inner
            .leases
            .get(brand)
            .is_some_and(|(_, until)| *until > now);
        let lease = if held {
            None
        } else {
            inner.next += 1;
            let id = inner.next.to_string();
            inner.leases.insert(brand.clone(), (id.clone(), now + ttl));
            Some(Lease(id))
        };
        Box::pin(std::future::ready(Ok(lease)))
    }

    fn release<'a>(&'a self, brand: &'a BrandKey, lease: &'a Lease) -> StoreFuture<'a, ()> {
        let mut inner = self.lock();
        if inner
            .leases
            .get(brand)
            .is_some_and(|(id, _)| *id == lease.0)
        {
            inner.leases.remove(brand);
        }
        Box::pin(std::future::ready(Ok(())))
    }
}

/// How long leases live and waiters wait.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Timing {
    pub(crate) lease_ttl: Duration,
    pub(crate) max_wait: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            lease_ttl: Duration::from_secs(30),
            max_wait: Duration::from_secs(10),
        }
    }
}

/// Whether the store is failing now: logged once per incident.
#[derive(Default)]
pub(crate) struct State {
    degraded: AtomicBool,
}

impl State {
    fn down(&self, e: &StoreError) {
        if !self.degraded.swap(true, Ordering::SeqCst) {
            tracing::warn!(error = %e, "token store failing: every instance renews on its own until it is back");
        }
    }

    fn up(&self) {
        if self.degraded.swap(false, Ordering::SeqCst) {
            tracing::info!("token store back: renewals are shared again");
        }
    }

    /// Whether the store is failing now.
    pub(crate) fn is_degraded(&self) -> bool {
        self.degraded.load(Ordering::SeqCst)
    }
}

/// A stored token is worth taking if it outlives ours and is still valid.
fn better(stored: &StoredToken, ours: Option<UnixTime>, now: UnixTime) -> bool {
    stored.expires_at > now && ours.is_none_or(|e| stored.expires_at > e)
}

fn adopted(t: StoredToken) -> Fetched {
    Fetched::Adopted {
        token: t.token,
        obtained_at: t.obtained_at,
        expires_at: t.expires_at,
    }
}

/// Renews `brand`'s token through the store (see the module docs); says
/// whether the token came from another instance.
pub(crate) async fn renew<H, R>(
    store: &dyn TokenStore,
    state: &State,
    timing: &Timing,
    brand: &BrandKey,
    client: &Client<H, R>,
) -> Result<(CachedAppJwt, bool), Error>
where
    H: HttpClient,
    R: Runtime,
{
    let ours = client.cached_app_token().map(|t| t.expires_at());
    client
        .renew_app_token_via(|c, started| async move {
            let fallback = c.config().refresh_policy().fallback_lifetime();
            // Fetch from Sentinel and share it; the lease (if any) goes back after.
            let fetch = |c: Client<H, R>, lease: Option<Lease>| async move {
                let result = c.fetch_unexpired_app_token().await;
                if let Ok((token, expiry)) = &result {
                    let stored = StoredToken::new(
                        token.clone(),
                        started,
                        expiry.expires_at(started, fallback),
                    );
                    match store.put(brand, &stored).await {
                        Ok(()) => state.up(),
                        Err(e) => state.down(&e),
                    }
                }
                if let Some(lease) = lease
                    && let Err(e) = store.release(brand, &lease).await
                {
                    state.down(&e);
                }
                result.map(|(t, e)| Fetched::New(t, e))
            };
            let runtime_now = || c.runtime().now();
            match store.get(brand).await {
                Ok(Some(t)) if better(&t, ours, runtime_now()) => {
                    state.up();
                    return Ok(adopted(t));
                }
                Ok(_) => {}
                Err(e) => {
                    state.down(&e);
                    return fetch(c, None).await;
                }
            }
            let mut waited = Duration::ZERO;
            let mut backoff = Duration::from_millis(50);
            loop {
                match store.lease(brand, timing.lease_ttl).await {
                    Ok(Some(lease)) => {
                        // The holder may have finished between our get and lease.
                        if let Ok(Some(t)) = store.get(brand).await
                            && better(&t, ours, runtime_now())
                        {
                            let _ = store.release(brand, &lease).await;
                            return Ok(adopted(t));
                        }
                        return fetch(c, Some(lease)).await;
                    }
                    Ok(None) => {}
                    Err(e) => {
                        state.down(&e);
                        return fetch(c, None).await;
                    }
                }
                if waited >= timing.max_wait {
                    return fetch(c, None).await;
                }
                c.runtime().sleep(backoff).await;
                waited += backoff;
                backoff = (backoff * 2).min(Duration::from_secs(1));
                match store.get(brand).await {
                    Ok(Some(t)) if better(&t, ours, runtime_now()) => {
                        state.up();
                        return Ok(adopted(t));
                    }
                    Ok(_) => {}
                    Err(e) => {
                        state.down(&e);
                        return fetch(c, None).await;
                    }
                }
            }
        })
        .await
}
