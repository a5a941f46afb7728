//! Token verification for the client: V1 AppJWTs against the V1 key, V2 AppJWTs
//! and ID tokens against Sentinel's JWKS.
//!
//! The JWKS follows the crate's one policy, [`JwksCache`]: the client keeps it
//! behind a mutex (never held across an await), runs the fetches it asks for
//! (one at a time; tokens that need the result wait on an event), and refreshes a
//! stale set in the background while it keeps verifying.

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use event_listener::Event;

use crate::client::Client;
use crate::runtime::{HttpClient, Runtime};
use crate::verified::VerifiedCache;
use sentinel_proto::Error;
use sentinel_proto::app_token::AppJwtVersion;
use sentinel_proto::jwt::parse_jwks_response;
use sentinel_proto::jwt::{
    AppJwtClaims, DEFAULT_JWKS_MAX_BACKOFF, DEFAULT_JWKS_MAX_STALE, DEFAULT_JWKS_TTL,
    DEFAULT_MIN_REFETCH_INTERVAL, IdTokenClaims, JwksCache, KeySet, Lookup, Validation,
    decode_header, decode_unverified_exp, verify,
};
use sentinel_proto::policy::Operation;
use sentinel_proto::{AppJwt, IdToken};
use sentinel_proto::{Host, UnixTime};

/// Verification settings of a [`ClientConfig`](super::ClientConfig).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct VerifyConfig {
    pub(crate) v1_keys: KeySet,
    pub(crate) jwks_ttl: Duration,
    pub(crate) min_refetch: Duration,
    pub(crate) max_stale: Duration,
    pub(crate) max_backoff: Duration,
    pub(crate) leeway: Duration,
    pub(crate) pin_app_jwt_tenant: bool,
    pub(crate) id_token_issuer: Option<String>,
    /// Remember this many verified tokens of each kind (off when `None`).
    pub(crate) verified_cache: Option<NonZeroUsize>,
}

impl Default for VerifyConfig {
    fn default() -> Self {
        Self {
            v1_keys: KeySet::liveperson_v1(),
            jwks_ttl: DEFAULT_JWKS_TTL,
            min_refetch: DEFAULT_MIN_REFETCH_INTERVAL,
            max_stale: DEFAULT_JWKS_MAX_STALE,
            max_backoff: DEFAULT_JWKS_MAX_BACKOFF,
            leeway: sentinel_proto::jwt::DEFAULT_LEEWAY,
            pin_app_jwt_tenant: true,
            id_token_issuer: None,
            verified_cache: None,
        }
    }
}

/// The client's key state: the JWKS of its Sentinel host (found on first use,
/// shared through [`JwksSets`]), the V1 keys and the verified-token caches.
pub(crate) struct Keys {
    jwks: OnceLock<Arc<HostJwks>>,
    /// The V1 keys, shared by every verification.
    v1: Arc<KeySet>,
    /// Tokens verified before, when the cache is on. Per client, never
    /// shared: claims were checked against this client's account and id.
    verified_app: Option<VerifiedCache<AppJwtClaims>>,
    verified_id: Option<VerifiedCache<IdTokenClaims>>,
}

/// One Sentinel host's JWKS: the policy, the last fetch error, and the event
/// the waiters of a fetch listen on.
pub(crate) struct HostJwks {
    state: Mutex<KeyState>,
    done: Event,
}

struct KeyState {
    cache: JwksCache,
    /// The error of the last failed fetch, while no fetch has succeeded since.
    last_error: Option<Error>,
}

impl HostJwks {
    fn new(config: &VerifyConfig) -> Self {
        let cache = JwksCache::new()
            .with_ttl(config.jwks_ttl)
            .with_min_refetch_interval(config.min_refetch)
            .with_max_stale(config.max_stale)
            .with_max_backoff(config.max_backoff);
        Self {
            state: Mutex::new(KeyState {
                cache,
                last_error: None,
            }),
            done: Event::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, KeyState> {
        // The state stays consistent whatever panicked while holding it.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The JWKS of each Sentinel host, shared by the clients given the same
/// `JwksSets`: however many brands a process serves, one key set per host is
/// kept, and a key rotation costs one fetch per host, not one per brand. Each
/// set follows the JWKS settings of the first client that needed it.
/// [`Brands`](crate::Brands) shares one among its brands; a
/// [`Client`](crate::Client) made otherwise has one of its own unless built
/// with [`Client::with_shared_caches`](crate::Client::with_shared_caches).
/// Clones share the sets.
///
/// ```
/// use sentinel_client::JwksSets;
/// let sets = JwksSets::new();
/// assert_eq!(sets.hosts(), 0); // a host's set is made when a client first needs it
/// ```
#[derive(Clone, Default)]
pub struct JwksSets {
    hosts: Arc<Mutex<HashMap<Host, Arc<HostJwks>>>>,
}

impl JwksSets {
    /// No sets yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of hosts whose JWKS is kept.
    pub fn hosts(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<Host, Arc<HostJwks>>> {
        self.hosts.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn for_host(&self, host: &Host, config: &VerifyConfig) -> Arc<HostJwks> {
        // A host clone is reference counts; this runs once per client.
        let mut hosts = self.lock();
        let j = hosts
            .entry(host.clone())
            .or_insert_with(|| Arc::new(HostJwks::new(config)));
        Arc::clone(j)
    }
}

impl std::fmt::Debug for JwksSets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwksSets")
            .field("hosts", &self.lock().keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Keys {
    /// `hash_keys` (random) key the verified-token caches' hash.
    pub(crate) fn new(config: &VerifyConfig, hash_keys: (u64, u64)) -> Self {
        Self {
            jwks: OnceLock::new(),
            v1: Arc::new(config.v1_keys.clone()),
            verified_app: config
                .verified_cache
                .map(|n| VerifiedCache::new(n, hash_keys, config.leeway.as_secs())),
            verified_id: config.verified_cache.map(|n| {
                VerifiedCache::new(n, (hash_keys.1, hash_keys.0), config.leeway.as_secs())
            }),
        }
    }
}

/// What a caller needs from the key set.
#[derive(Clone, Copy)]
enum Need<'a> {
    /// A key for this `kid` (a token's).
    Kid(Option<&'a str>),
    /// Any usable set ([`Client::jwks`]).
    Any,
}

/// The duty to run the fetch the policy recorded at `started` and report its
/// outcome. Created as soon as the lock is released, before any await; dropped
/// unfinished (a cancelled caller, a background task never run), it reports the
/// fetch as failed, so waiters are woken and later fetches are not blocked.
struct FetchTicket<H: HttpClient, R: Runtime> {
    client: Client<H, R>,
    jwks: Arc<HostJwks>,
    started: UnixTime,
    armed: bool,
}

impl<H: HttpClient, R: Runtime> FetchTicket<H, R> {
    async fn run(mut self) {
        let result = self.client.fetch_jwks().await;
        let keys = &self.jwks;
        let now = self.client.inner.runtime.now();
        {
            let mut st = keys.lock();
            match result {
                Ok(set) => {
                    tracing::debug!(keys = set.len(), "JWKS fetched");
                    st.cache.fetch_succeeded(set, now);
                    st.last_error = None;
                }
                Err(e) => {
                    st.cache.fetch_failed(now);
                    tracing::warn!(
                        error = %e,
                        retry_at = st.cache.retry_at().map(UnixTime::as_secs),
                        "JWKS fetch failed; keeping the last good set"
                    );
                    st.last_error = Some(e);
                }
            }
        }
        self.armed = false;
        keys.done.notify(usize::MAX);
    }
}

impl<H: HttpClient, R: Runtime> Drop for FetchTicket<H, R> {
    fn drop(&mut self) {
        if self.armed {
            let keys = &self.jwks;
            keys.lock().cache.fetch_failed(self.started);
            keys.done.notify(usize::MAX);
        }
    }
}

/// What a caller does after a lookup, outside the lock.
enum Next {
    Fetch,
    Wait(event_listener::EventListener),
}

impl<H: HttpClient, R: Runtime> Client<H, R> {
    /// Sentinel's JWKS: the cached set while usable (a stale one is refreshed in
    /// the background), else fetched, under the [`JwksCache`] policy.
    pub async fn jwks(&self) -> Result<KeySet, Error> {
        Ok(KeySet::clone(&*self.keys_for(Need::Any).await?))
    }

    /// Verifies an AppJWT: a V1 token against the V1 keys, a V2 token against the
    /// JWKS; issuer `Sentinel`, `exp` required, and by default (see
    /// [`ClientConfig::with_app_jwt_tenant_check`](super::ClientConfig::with_app_jwt_tenant_check))
    /// `aud` = `le{account}` and `azp` = this client id, so a token of another
    /// account or application fails with
    /// [`JwtError::WrongAudience`](sentinel_proto::jwt::JwtError::WrongAudience) or
    /// [`JwtError::WrongAuthorizedParty`](sentinel_proto::jwt::JwtError::WrongAuthorizedParty).
    pub async fn verify_app_token(&self, token: &AppJwt) -> Result<AppJwtClaims, Error> {
        let cfg = &self.inner.config;
        let validation = if cfg.s.jwt.pin_app_jwt_tenant {
            Validation::app_jwt_for(cfg.account.as_str(), cfg.client_id.as_str())
        } else {
            Validation::app_jwt()
        }
        .with_leeway(cfg.s.jwt.leeway);
        let v1 = cfg.s.app_jwt_version == AppJwtVersion::V1;
        let cache = self.keys().verified_app.as_ref();
        self.verify_with(token.secret(), &validation, v1, cache)
            .await
            .map_err(|e| self.redact_token_error(e))
    }

    /// A token's claims are the server's text: a hostile one may put what it was
    /// sent (the client secret) into `aud` or `iss`, which the error echoes.
    fn redact_token_error(&self, e: Error) -> Error {
        e.redact(
            &sentinel_proto::Redactor::new().with_secret(self.inner.config.client_secret.secret()),
        )
    }

    /// Verifies an ID token against the JWKS: issuer `sentinel` or `Sentinel`
    /// (LivePerson's pages disagree; pin one with
    /// [`ClientConfig::with_id_token_issuer`](crate::ClientConfig::with_id_token_issuer)),
    /// audience this client id, `exp` required.
    pub async fn verify_id_token(&self, token: &IdToken) -> Result<IdTokenClaims, Error> {
        let cfg = &self.inner.config;
        let mut validation =
            Validation::id_token(cfg.client_id.as_str()).with_leeway(cfg.s.jwt.leeway);
        if let Some(iss) = &cfg.s.jwt.id_token_issuer {
            validation = validation.with_issuer(iss.as_str());
        }
        let cache = self.keys().verified_id.as_ref();
        self.verify_with(token.secret(), &validation, false, cache)
            .await
            .map_err(|e| self.redact_token_error(e))
    }

    /// Verifies `token` with the V1 keys or the JWKS (fetched as the policy
    /// says), or finds it in `cache` if a fresh verification with those same
    /// keys, now, would accept it.
    async fn verify_with<C: serde::de::DeserializeOwned + Clone>(
        &self,
        token: &str,
        validation: &Validation,
        v1: bool,
        cache: Option<&VerifiedCache<C>>,
    ) -> Result<C, Error> {
        let keys = if v1 {
            Arc::clone(&self.keys().v1)
        } else {
            let kid = decode_header(token)?.kid;
            self.keys_for(Need::Kid(kid.as_deref())).await?
        };
        let now = self.inner.runtime.now();
        if let Some(claims) = cache.and_then(|c| c.get(token, &keys, now)) {
            return Ok(claims);
        }
        let claims = verify(token, &keys, validation, now)?;
        if let Some(c) = cache {
            c.put(token, &keys, &claims);
        }
        Ok(claims)
    }

    /// The key set to verify with, after whatever fetch the policy asks for.
    /// Returns a usable set (which may lack the `kid`: verification then fails
    /// with `UnknownKid`), or why there is none.
    async fn keys_for(&self, need: Need<'_>) -> Result<Arc<KeySet>, Error> {
        let keys = self.host_jwks().await?;
        // Each caller runs or waits for at most two fetches: the lookup after a
        // fetch is rate-limited anyway; this bounds a caller whose clock jumps.
        let mut rounds = 0;
        loop {
            let now = self.inner.runtime.now();
            let next = {
                let mut st = keys.lock();
                let action = if rounds >= 2 {
                    final_lookup(&st.cache, now)
                } else {
                    match need {
                        Need::Kid(kid) => st.cache.lookup(kid, now),
                        Need::Any => lookup_any(&mut st.cache, now),
                    }
                };
                match action {
                    Lookup::Found | Lookup::RefetchRefused => return Ok(st.cache.shared_keys()),
                    Lookup::FoundRefresh => {
                        let set = st.cache.shared_keys();
                        drop(st);
                        let ticket = self.fetch_ticket(keys, now);
                        self.inner.runtime.spawn(Box::pin(ticket.run()));
                        return Ok(set);
                    }
                    Lookup::Refetch => Next::Fetch,
                    Lookup::Wait => Next::Wait(keys.done.listen()),
                    Lookup::Unavailable => {
                        return Err(match (&st.last_error, st.cache.fetched_at()) {
                            (Some(e), None) => e.clone(),
                            _ => st.cache.unavailable_error(now).into(),
                        });
                    }
                    // A later kind of answer: verify with what there is.
                    _ => return Ok(st.cache.shared_keys()),
                }
            };
            rounds += 1;
            match next {
                Next::Wait(listener) => listener.await,
                Next::Fetch => self.fetch_ticket(keys, now).run().await,
            }
        }
    }

    fn fetch_ticket(&self, jwks: &Arc<HostJwks>, started: UnixTime) -> FetchTicket<H, R> {
        FetchTicket {
            client: self.clone(),
            jwks: Arc::clone(jwks),
            started,
            armed: true,
        }
    }

    /// The JWKS state of this client's Sentinel host (found through the Domain
    /// API on first use; the host found first stays this client's).
    async fn host_jwks(&self) -> Result<&Arc<HostJwks>, Error> {
        let keys = self.keys();
        if let Some(j) = keys.jwks.get() {
            return Ok(j);
        }
        let sentinel = self.sentinel().await?;
        let j = self
            .inner
            .jwks_sets
            .for_host(sentinel.host(), &self.inner.config.s.jwt);
        Ok(keys.jwks.get_or_init(|| j))
    }

    async fn fetch_jwks(&self) -> Result<KeySet, Error> {
        let s = self.sentinel().await?;
        // An unreadable success is retried like a 503 (`Operation::may_retry`).
        self.execute(Operation::Jwks, || s.jwks_request(), parse_jwks_response)
            .await
    }
}

/// [`JwksCache::lookup`] for "any usable set": the same rules, with every `kid`
/// of a usable set counting as found.
fn lookup_any(cache: &mut JwksCache, now: UnixTime) -> Lookup {
    if cache.is_usable(now) {
        if cache.refresh_due(now) {
            Lookup::FoundRefresh
        } else {
            Lookup::Found
        }
    } else if cache.is_fetching() {
        Lookup::Wait
    } else if cache.begin_fetch(now) {
        Lookup::Refetch
    } else {
        Lookup::Unavailable
    }
}

/// The answer once a caller has had its share of fetches: use what there is.
fn final_lookup(cache: &JwksCache, now: UnixTime) -> Lookup {
    if cache.is_usable(now) {
        Lookup::RefetchRefused
    } else {
        Lookup::Unavailable
    }
}

/// The `exp` of a JWT, read without verification, only to schedule renewal.
pub(crate) fn unverified_exp(token: &str) -> Option<UnixTime> {
    // Only the payload: the header and signature are no part of the hint,
    // and decoding them was most of the cost of a fetch's own work.
    decode_unverified_exp(token).ok()?.map(UnixTime::from_secs)
}
