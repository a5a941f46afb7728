//! A cached value that expires and is renewed by exactly one caller at a time:
//! the AppJWT, the Domain API answer, anything with a lifetime.
//!
//! The cache does no I/O and reads no clock. A caller [`polls`](RenewingCache::poll)
//! it with the time; it answers with the value, or hands the caller a [`Renewal`]
//! ticket (the caller fetches and [`completes`](Renewal::complete) it), or a
//! [`Waiter`] that resolves when the caller holding the ticket is done — with its
//! value or its error. However many callers poll at once, one ticket is out. When
//! to renew, and how long to hold off after a failure, is
//! [`RefreshPolicy`]'s decision.
//!
//! The read of a fresh value takes no lock (an atomic pointer load and an `Arc`
//! clone); the lock is taken only when the value is missing or expiring.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use arc_swap::ArcSwapOption;
use event_listener::{Event, EventListener};
use sentinel_proto::UnixTime;
use sentinel_proto::policy::{Cached, Expiry, Freshness, RefreshPolicy};

struct Flight<T, E> {
    renewing: bool,
    /// Bumped by every completed or abandoned renewal.
    generation: u64,
    /// The outcome of the renewal that made `generation`; `None` when abandoned.
    last: Option<Result<Arc<Cached<T>>, E>>,
    /// Consecutive failed renewals.
    failures: u32,
    /// After a failure: no renewal before then; callers get `last_error`.
    cool_down_until: Option<UnixTime>,
    last_error: Option<E>,
}

impl<T, E> Flight<T, E> {
    fn cooling(&self, now: UnixTime) -> bool {
        self.cool_down_until.is_some_and(|t| now < t)
    }
}

struct Inner<T, E> {
    current: ArcSwapOption<Cached<T>>,
    flight: Mutex<Flight<T, E>>,
    done: Event,
    policy: RefreshPolicy,
}

/// A value renewed by one caller at a time. Clones share the same cache.
///
/// ```
/// use std::time::Duration;
/// use sentinel_proto::UnixTime;
/// use sentinel_proto::policy::{Expiry, RefreshPolicy};
/// use sentinel_client::cache::{Poll, RenewingCache};
///
/// let cache: RenewingCache<String, String> = RenewingCache::new(RefreshPolicy::default());
/// let now = UnixTime::from_secs(1_000);
/// let Poll::Renew(ticket) = cache.poll(now) else { unreachable!() };
/// // A second caller meanwhile is told to wait, not to fetch.
/// assert!(matches!(cache.poll(now), Poll::Wait(_)));
/// // ... fetch, then:
/// let cached = ticket.complete(Ok(("token".to_owned(), Expiry::after(Duration::from_secs(3600)))))?;
/// assert_eq!(cached.value(), "token");
/// // Now every caller gets it without a request.
/// assert!(matches!(cache.poll(now), Poll::Ready(_)));
/// # Ok::<(), String>(())
/// ```
pub struct RenewingCache<T, E> {
    inner: Arc<Inner<T, E>>,
}

impl<T, E> Clone for RenewingCache<T, E> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<T, E> std::fmt::Debug for RenewingCache<T, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let cur = self.inner.current.load();
        f.debug_struct("RenewingCache")
            .field("cached", &cur.is_some())
            .field("expires_at", &cur.as_ref().map(|c| c.expires_at()))
            .finish_non_exhaustive()
    }
}

/// What a caller should do, from [`RenewingCache::poll`].
#[must_use]
pub enum Poll<T, E: Clone> {
    /// Use this value.
    Ready(Arc<Cached<T>>),
    /// Use this value, and renew with the ticket (in the background: other
    /// callers keep being served the current value meanwhile).
    RefreshAhead(Arc<Cached<T>>, Renewal<T, E>),
    /// There is no usable value and this caller holds the one ticket: fetch, then
    /// complete it.
    Renew(Renewal<T, E>),
    /// Another caller is fetching: wait for its outcome.
    Wait(Waiter<T, E>),
    /// There is no usable value, and a renewal failed so recently that the next
    /// may not start yet: this is its error (see [`RefreshPolicy`]'s cool-down).
    Failed(E),
}

impl<T, E: Clone> RenewingCache<T, E> {
    /// An empty cache.
    pub fn new(policy: RefreshPolicy) -> Self {
        Self {
            inner: Arc::new(Inner {
                current: ArcSwapOption::empty(),
                flight: Mutex::new(Flight {
                    renewing: false,
                    generation: 0,
                    last: None,
                    failures: 0,
                    cool_down_until: None,
                    last_error: None,
                }),
                done: Event::new(),
                policy,
            }),
        }
    }

    /// The policy in force.
    pub fn policy(&self) -> RefreshPolicy {
        self.inner.policy
    }

    /// The cached value if it is usable at `now` (fresh or refresh-ahead), without
    /// starting a renewal. Takes no lock.
    #[inline]
    pub fn get(&self, now: UnixTime) -> Option<Arc<Cached<T>>> {
        let cur = self.inner.current.load_full()?;
        (cur.freshness(now) != Freshness::Expired).then_some(cur)
    }

    /// The cached value if it is fresh at `now` (not yet due for a renewal):
    /// [`poll`](Self::poll)'s fast path alone, for a caller that reads a
    /// cheaper clock for it than for a renewal, whose start time is where
    /// the new value's lifetime is counted from. Takes no lock.
    ///
    /// ```
    /// use std::time::Duration;
    /// use sentinel_proto::UnixTime;
    /// use sentinel_proto::policy::{Expiry, RefreshPolicy};
    /// use sentinel_client::cache::{Poll, RenewingCache};
    /// let cache: RenewingCache<&str, String> = RenewingCache::new(RefreshPolicy::default());
    /// let now = UnixTime::from_secs(0);
    /// assert!(cache.fresh(now).is_none());
    /// let Poll::Renew(t) = cache.poll(now) else { unreachable!() };
    /// t.complete(Ok(("v", Expiry::after(Duration::from_secs(3600)))))?;
    /// assert!(cache.fresh(now).is_some());
    /// // Due for a refresh-ahead: usable, but no longer fresh.
    /// let later = UnixTime::from_secs(3590);
    /// assert!(cache.fresh(later).is_none() && cache.get(later).is_some());
    /// # Ok::<(), String>(())
    /// ```
    #[inline]
    pub fn fresh(&self, now: UnixTime) -> Option<Arc<Cached<T>>> {
        let cur = self.inner.current.load_full()?;
        (cur.freshness(now) == Freshness::Fresh).then_some(cur)
    }

    /// What to do at `now`. Never returns an expired value.
    ///
    /// The fresh case is inlined and takes no lock; everything else is out of line.
    #[inline]
    pub fn poll(&self, now: UnixTime) -> Poll<T, E> {
        match self.inner.current.load_full() {
            Some(cur) if cur.freshness(now) == Freshness::Fresh => Poll::Ready(cur),
            current => self.poll_slow(now, current),
        }
    }

    #[cold]
    #[inline(never)]
    fn poll_slow(&self, now: UnixTime, current: Option<Arc<Cached<T>>>) -> Poll<T, E> {
        if let Some(cur) = current
            && cur.freshness(now) == Freshness::RefreshAhead
        {
            let mut flight = self.lock();
            if flight.renewing || flight.cooling(now) {
                return Poll::Ready(cur);
            }
            flight.renewing = true;
            return Poll::RefreshAhead(cur, self.ticket(now));
        }
        let mut flight = self.lock();
        // Someone may have stored a value between the load above and the lock.
        if let Some(cur) = self.get(now) {
            return Poll::Ready(cur);
        }
        if flight.renewing {
            return Poll::Wait(Waiter {
                cache: self.clone(),
                generation: flight.generation,
                listener: self.inner.done.listen(),
            });
        }
        if flight.cooling(now)
            && let Some(e) = &flight.last_error
        {
            return Poll::Failed(e.clone());
        }
        flight.renewing = true;
        Poll::Renew(self.ticket(now))
    }

    /// A renewal now, even of a fresh value (a scheduler that renews ahead of
    /// the refresh-ahead point, such as [`Brands`](crate::Brands)): the ticket
    /// if no renewal is out, else a [`Poll::Wait`] for the one that is; during a
    /// failure cool-down, [`Poll::Ready`] with the value still usable, or
    /// [`Poll::Failed`]. Never [`Poll::RefreshAhead`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use sentinel_proto::UnixTime;
    /// use sentinel_proto::policy::{Expiry, RefreshPolicy};
    /// use sentinel_client::cache::{Poll, RenewingCache};
    /// let cache: RenewingCache<&str, String> = RenewingCache::new(RefreshPolicy::default());
    /// let now = UnixTime::from_secs(0);
    /// let Poll::Renew(t) = cache.poll(now) else { unreachable!() };
    /// t.complete(Ok(("first", Expiry::after(Duration::from_secs(3600)))))?;
    /// // Fresh, so `poll` would not renew; `renew_now` does, once.
    /// let Poll::Renew(t) = cache.renew_now(now) else { unreachable!() };
    /// assert!(matches!(cache.renew_now(now), Poll::Wait(_)));
    /// assert!(matches!(cache.poll(now), Poll::Ready(_))); // callers keep the old one
    /// assert_eq!(*t.complete(Ok(("second", Expiry::after(Duration::from_secs(3600)))))?.value(), "second");
    /// # Ok::<(), String>(())
    /// ```
    pub fn renew_now(&self, now: UnixTime) -> Poll<T, E> {
        let mut flight = self.lock();
        if flight.renewing {
            return Poll::Wait(Waiter {
                cache: self.clone(),
                generation: flight.generation,
                listener: self.inner.done.listen(),
            });
        }
        if flight.cooling(now) {
            if let Some(cur) = self.get(now) {
                return Poll::Ready(cur);
            }
            if let Some(e) = &flight.last_error {
                return Poll::Failed(e.clone());
            }
        }
        flight.renewing = true;
        Poll::Renew(self.ticket(now))
    }

    /// Drops the cached value, e.g. after the server refused it. The next poll renews.
    pub fn invalidate(&self) {
        self.inner.current.store(None);
    }

    /// Drops the cached value and the last renewal's outcome, which the cache
    /// keeps for the callers that waited on it: after this the cache holds no
    /// reference to any value (a removed brand's token is zeroized at once
    /// unless a caller holds it). A caller still waiting polls again.
    pub(crate) fn clear(&self) {
        self.inner.current.store(None);
        let last = self.lock().last.take();
        drop(last);
    }

    /// Drops the cached value if it is still `stale`, and says whether it did:
    /// many requests refused with the same token renew it once, and a value
    /// renewed meanwhile is kept.
    pub fn invalidate_if(&self, stale: &Arc<Cached<T>>) -> bool {
        let previous = self
            .inner
            .current
            .compare_and_swap(Arc::as_ptr(stale), None);
        previous.as_ref().is_some_and(|p| Arc::ptr_eq(p, stale))
    }

    fn ticket(&self, now: UnixTime) -> Renewal<T, E> {
        Renewal {
            cache: self.clone(),
            started: now,
            done: false,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Flight<T, E>> {
        // The lock guards plain data that no panic can leave half-written.
        self.inner
            .flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The cool-down after failed renewals ends now: the next poll may renew
    /// (e.g. once the caller knows the server is back).
    pub fn reset_cool_down(&self) {
        let mut flight = self.lock();
        flight.cool_down_until = None;
        flight.failures = 0;
    }

    /// `cool_down`: for a failure, when it happened, the server's `Retry-After`
    /// and the jitter.
    fn finish(
        &self,
        outcome: Option<Result<Arc<Cached<T>>, E>>,
        cool_down: Option<(UnixTime, Option<Duration>, u64)>,
    ) {
        {
            let mut flight = self.lock();
            match (&outcome, cool_down) {
                (Some(Ok(c)), _) => {
                    self.inner.current.store(Some(Arc::clone(c)));
                    flight.failures = 0;
                    flight.cool_down_until = None;
                    flight.last_error = None;
                }
                (Some(Err(e)), Some((now, retry_after, random))) => {
                    flight.failures = flight.failures.saturating_add(1);
                    let delay =
                        self.inner
                            .policy
                            .failure_delay(flight.failures, retry_after, random);
                    flight.cool_down_until = Some(now.saturating_add(delay));
                    flight.last_error = Some(e.clone());
                }
                // Abandoned: no outcome, no cool-down.
                _ => {}
            }
            flight.renewing = false;
            flight.generation = flight.generation.wrapping_add(1);
            flight.last = outcome;
        }
        self.inner.done.notify(usize::MAX);
    }
}

/// The one ticket to renew a [`RenewingCache`]. Dropping it without completing
/// (a cancelled future, a panic) releases the waiters, who then poll again.
#[must_use = "complete the renewal, or drop it to let another caller try"]
pub struct Renewal<T, E: Clone> {
    cache: RenewingCache<T, E>,
    started: UnixTime,
    done: bool,
}

impl<T, E: Clone> Renewal<T, E> {
    /// The time the renewal was granted; expiry is counted from it, conservatively.
    pub fn started(&self) -> UnixTime {
        self.started
    }

    /// Stores the fetched value, or shares the error with every waiter. A failure
    /// keeps the previous value (still usable until it expires) and starts the
    /// cool-down, counted from when the renewal started, without jitter; prefer
    /// [`fail`](Self::fail), which knows more.
    pub fn complete(self, result: Result<(T, Expiry), E>) -> Result<Arc<Cached<T>>, E> {
        let started = self.started;
        self.complete_with(result, (started, None, 0))
    }

    /// Stores a value obtained elsewhere at `obtained_at` (another instance of
    /// a fleet fetched it, see `TokenStore`), living as `expiry` says from then.
    pub fn complete_obtained(
        mut self,
        value: T,
        obtained_at: UnixTime,
        expiry: Expiry,
    ) -> Arc<Cached<T>> {
        self.done = true;
        let policy = self.cache.inner.policy;
        let cached = Arc::new(Cached::new(value, obtained_at, expiry, &policy));
        self.cache.finish(Some(Ok(Arc::clone(&cached))), None);
        cached
    }

    /// Records a failed renewal at `now`: shares `error` with every waiter, keeps
    /// the previous value, and starts the cool-down ([`RefreshPolicy`]), at least
    /// `retry_after` long, jittered with `random`. Returns `error`.
    pub fn fail(
        mut self,
        error: E,
        now: UnixTime,
        retry_after: Option<Duration>,
        random: u64,
    ) -> E {
        self.done = true;
        self.cache
            .finish(Some(Err(error.clone())), Some((now, retry_after, random)));
        error
    }

    fn complete_with(
        mut self,
        result: Result<(T, Expiry), E>,
        cool_down: (UnixTime, Option<Duration>, u64),
    ) -> Result<Arc<Cached<T>>, E> {
        self.done = true;
        let policy = self.cache.inner.policy;
        let outcome = result
            .map(|(value, expiry)| Arc::new(Cached::new(value, self.started, expiry, &policy)));
        self.cache.finish(Some(outcome.clone()), Some(cool_down));
        outcome
    }
}

impl<T, E: Clone> Drop for Renewal<T, E> {
    fn drop(&mut self) {
        if !self.done {
            self.cache.finish(None, None);
        }
    }
}

impl<T, E: Clone> std::fmt::Debug for Renewal<T, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Renewal")
            .field("started", &self.started)
            .finish_non_exhaustive()
    }
}

/// What a [`Waiter`] learns.
#[derive(Debug)]
pub enum Outcome<T, E> {
    /// The renewal succeeded.
    Ready(Arc<Cached<T>>),
    /// The renewal failed with this error.
    Failed(E),
    /// The renewal was abandoned: poll again.
    Retry,
}

/// Waits for the caller holding the [`Renewal`] to finish.
pub struct Waiter<T, E> {
    cache: RenewingCache<T, E>,
    generation: u64,
    listener: EventListener,
}

impl<T, E: Clone> Waiter<T, E> {
    /// Waits without blocking a thread (any async runtime).
    pub async fn wait(self) -> Outcome<T, E> {
        let Waiter {
            cache,
            generation,
            listener,
        } = self;
        listener.await;
        Self::outcome(&cache, generation)
    }

    fn outcome(cache: &RenewingCache<T, E>, generation: u64) -> Outcome<T, E> {
        let flight = cache.lock();
        // Exactly the renewal we waited for; a later one's outcome is not ours to
        // report, and polling again will find it.
        if flight.generation == generation.wrapping_add(1) {
            match &flight.last {
                Some(Ok(c)) => Outcome::Ready(Arc::clone(c)),
                Some(Err(e)) => Outcome::Failed(e.clone()),
                None => Outcome::Retry,
            }
        } else {
            Outcome::Retry
        }
    }
}

impl<T, E> std::fmt::Debug for Waiter<T, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Waiter")
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}
