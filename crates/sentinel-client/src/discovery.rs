//! The Domain API's all-services lists, one per account, shared by the clients
//! that are given the same [`DomainCache`].
//!
//! LivePerson's own clients (node-agent-sdk, faas-client-node, the Connector
//! API demo app) fetch an account's all-services list once and read every host
//! they need from it, kept about 10 minutes. One of them keyed its cache by
//! nothing and served one account's hosts to another for those 10 minutes; this
//! cache is keyed by Domain API host and account.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use sentinel_proto::domain::ServiceList;
use sentinel_proto::policy::RefreshPolicy;
use sentinel_proto::{AccountId, Error, Host};

use crate::cache::RenewingCache;

type Lists = HashMap<(Host, AccountId), RenewingCache<ServiceList, Error>>;

/// The all-services lists of any number of accounts, each renewed by one caller
/// at a time. Clones share the lists.
///
/// Every [`Client`](crate::Client) has one of its own unless it was built with
/// [`Client::with_domain_cache`](crate::Client::with_domain_cache): clients for
/// many accounts can then share one, and two clients of one account make one
/// Domain API request between them.
///
/// ```
/// use std::time::Duration;
/// use sentinel_client::DomainCache;
/// let shared = DomainCache::new(Duration::from_secs(600), Duration::from_secs(3600));
/// assert!(shared.is_empty());
/// ```
#[derive(Clone)]
pub struct DomainCache {
    policy: RefreshPolicy,
    lists: Arc<Mutex<Lists>>,
}

impl DomainCache {
    /// Lists used for `ttl`, then renewed in the background on their next use and
    /// served up to `max_stale` longer while renewals fail (see
    /// [`RefreshPolicy::stale_while_revalidate`]).
    pub fn new(ttl: Duration, max_stale: Duration) -> Self {
        Self {
            policy: RefreshPolicy::stale_while_revalidate(ttl, max_stale),
            lists: Arc::default(),
        }
    }

    /// The list of `account` at the Domain API `csds` (created empty on first use).
    pub(crate) fn list(
        &self,
        csds: &Host,
        account: &AccountId,
    ) -> RenewingCache<ServiceList, Error> {
        self.lock()
            .entry((csds.clone(), account.clone()))
            .or_insert_with(|| RenewingCache::new(self.policy))
            .clone()
    }

    /// Forgets `account`'s lists (at every Domain API host), e.g. when a brand
    /// uninstalls the application. Clients of the account keep the list they hold.
    pub fn forget(&self, account: &AccountId) {
        self.lock().retain(|(_, a), _| a != account);
    }

    /// How many accounts' lists are held.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no list is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Lists> {
        // The map is consistent after every statement: a panic elsewhere while
        // it was held leaves nothing half-done.
        self.lists.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for DomainCache {
    /// 10 minutes, then up to an hour stale (the [`ClientConfig`](crate::ClientConfig) defaults).
    fn default() -> Self {
        Self::new(Duration::from_secs(600), Duration::from_secs(3600))
    }
}

impl std::fmt::Debug for DomainCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DomainCache")
            .field("policy", &self.policy)
            .field("accounts", &self.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn lists_are_keyed_by_domain_api_and_account() {
        let cache = DomainCache::default();
        let (a, b) = (AccountId::new("1").unwrap(), AccountId::new("2").unwrap());
        let (csds, other) = (Host::csds(), Host::parse("csds.corp.example").unwrap());
        cache.list(&csds, &a);
        cache.list(&csds, &a);
        cache.list(&csds, &b);
        cache.list(&other, &a);
        assert_eq!(cache.len(), 3);
        cache.forget(&a);
        assert_eq!(cache.len(), 1);
    }
}
