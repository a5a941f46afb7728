//! ConsumerJWS tokens, one per `ext_consumer_id`, each renewed by one caller at
//! a time, the least recently used dropped beyond a bound.
//!
//! LivePerson's sample ConsumerJWS carries no `exp`, so a token lives for the
//! configured TTL, or until its own `exp` when it has one, whichever is first.
//! A ConsumerJWS is not tied to the AppJWT it was requested with: LivePerson
//! publishes no such link, and the emulator's ConsumerJWS (signed by the IdP,
//! naming the consumer and the account) stays valid when the AppJWT is renewed.
//! So renewing the AppJWT keeps the ConsumerJWS tokens; a service that refuses
//! one is answered by [`Client::invalidate_consumer_jws`](crate::Client::invalidate_consumer_jws).

use std::num::NonZeroUsize;
use std::sync::{Mutex, MutexGuard, PoisonError};

use lru::LruCache;
use sentinel_proto::policy::RefreshPolicy;
use sentinel_proto::{ConsumerJws, Error};

use crate::cache::RenewingCache;

pub(crate) struct ConsumerCache {
    policy: RefreshPolicy,
    capacity: NonZeroUsize,
    /// Unbounded, with the bound enforced on insertion: `LruCache::new` would
    /// allocate room for every consumer up front, per client (hundreds of KiB
    /// for the default 10 000, which a pool of thousands of brands cannot pay).
    entries: Mutex<LruCache<String, RenewingCache<ConsumerJws, Error>>>,
}

impl ConsumerCache {
    pub(crate) fn new(policy: RefreshPolicy, capacity: NonZeroUsize) -> Self {
        Self {
            policy,
            capacity,
            entries: Mutex::new(LruCache::unbounded()),
        }
    }

    /// The cache of `ext_consumer_id`, created on first use; the least recently
    /// used is dropped when the bound is reached.
    pub(crate) fn entry(&self, ext_consumer_id: &str) -> RenewingCache<ConsumerJws, Error> {
        let mut entries = self.lock();
        if let Some(e) = entries.get(ext_consumer_id) {
            return e.clone();
        }
        let e = RenewingCache::new(self.policy);
        entries.put(ext_consumer_id.to_owned(), e.clone());
        while entries.len() > self.capacity.get() {
            entries.pop_lru();
        }
        e
    }

    /// Drops every consumer's cache (the brand was removed).
    pub(crate) fn clear(&self) {
        self.lock().clear();
    }

    /// The cache of `ext_consumer_id`, if there is one (not made more recent).
    pub(crate) fn get(&self, ext_consumer_id: &str) -> Option<RenewingCache<ConsumerJws, Error>> {
        self.lock().peek(ext_consumer_id).cloned()
    }

    pub(crate) fn remove(&self, ext_consumer_id: &str) {
        self.lock().pop(ext_consumer_id);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().len()
    }

    #[cfg(test)]
    fn contains(&self, ext_consumer_id: &str) -> bool {
        self.lock().contains(ext_consumer_id)
    }

    fn lock(&self) -> MutexGuard<'_, LruCache<String, RenewingCache<ConsumerJws, Error>>> {
        // Every operation leaves the map whole: a panic elsewhere cannot tear it.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_least_recently_used_consumer_goes_first() {
        let c = ConsumerCache::new(RefreshPolicy::default(), NonZeroUsize::new(2).unwrap());
        c.entry("a");
        c.entry("b");
        c.entry("a"); // a is now the most recent
        c.entry("c"); // drops b
        assert_eq!(c.len(), 2);
        assert!(c.contains("a") && c.contains("c") && !c.contains("b"));
        c.remove("a");
        assert!(!c.contains("a") && c.len() == 1);
    }
}
