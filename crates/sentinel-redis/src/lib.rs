//! # sentinel-redis
//!
//! A [`TokenStore`](sentinel_client::TokenStore) on Redis for
//! [`sentinel_client::Brands`]: the instances of a fleet share each brand's
//! AppJWT, so that one of them renews it and the others take its result,
//! and Sentinel sees one request per brand per renewal however many
//! instances run. How the pool uses a store, and what it does when the store
//! fails, is in [`sentinel_client::TokenStore`]'s module: in short, Redis
//! only saves requests; down, slow or wiped, every instance renews on its
//! own and callers see no error.
//!
//! ```no_run
//! use std::time::Duration;
//! use sentinel_client::{Brands, BrandsConfig, TokioRuntime};
//! use sentinel_redis::{EncryptionKey, RedisStoreConfig, RedisTokenStore};
//! # async fn run(http: sentinel_reqwest::ReqwestHttp, secrets: sentinel_client::CredentialsMap,
//! #     key_bytes: Vec<u8>) -> Result<(), Box<dyn std::error::Error>> {
//! // The same 32-byte key on every instance (from your secret manager).
//! let key = EncryptionKey::from_bytes(&key_bytes)?;
//! let store = RedisTokenStore::open(
//!     "redis://redis.internal:6379/0",
//!     RedisStoreConfig::new()
//!         .with_encryption_key(key)
//!         .with_timeouts(Duration::from_millis(500), Duration::from_millis(250)),
//! )?;
//! let brands = Brands::new(http, TokioRuntime, secrets, BrandsConfig::new().with_token_store(store));
//! brands.start();
//! # Ok(()) }
//! ```
//!
//! ## Contents
//!
//! | item | what it is |
//! |---|---|
//! | [`RedisTokenStore`] | the store: [`open`](RedisTokenStore::open) a URL, or [`with_connection`](RedisTokenStore::with_connection) for a connection of your own (Cluster) |
//! | [`RedisStoreConfig`] | key prefix, encryption key, timeouts, the cap on a value read back |
//! | [`EncryptionKey`] | the AES-256-GCM key that seals tokens |
//! | [`RedisStoreError`], [`PrefixError`], [`KeyError`] | why a store could not be made |
//! | [`redis`] | the `redis` crate this one is built on, re-exported |
//!
//! ## What is in Redis
//!
//! ### Keys and values
//!
//! Per brand, two keys: `<prefix>{<hash>}:token` and `<prefix>{<hash>}:lease`,
//! prefix [`DEFAULT_PREFIX`] (`sentinel-rs:`) unless set. `<hash>` is the hex
//! of the first 16 bytes of SHA-256 over the brand's account and client id:
//! the ids are not in the keyspace, though anyone who can list candidate ids
//! can recompute it (account ids are short numbers). It does not depend on
//! the encryption key, so instances with different keys still share leases.
//!
//! - **token**: the AppJWT with when it was obtained and when it expires,
//!   written with `SET .. PX` until that expiry (Redis drops it then). Read
//!   back with `GETRANGE` capped at [`RedisStoreConfig::with_max_value_len`]
//!   (16 KiB by default): a longer value is refused without being read.
//! - **lease**: the id of the instance renewing the brand, `SET .. NX PX
//!   <ttl>` (the pool's lease TTL, [`BrandsConfig::with_store_lease`], 30 s
//!   by default, so a crashed renewer blocks no one longer); released by a
//!   Lua compare-and-delete only while it still holds that id.
//!
//! [`BrandsConfig::with_store_lease`]: sentinel_client::BrandsConfig::with_store_lease
//!
//! ### Tokens are bearer tokens: encrypt them
//!
//! With an [`EncryptionKey`] ([`RedisStoreConfig::with_encryption_key`]),
//! every value is sealed with AES-256-GCM (aws-lc-rs), under a random nonce
//! per value, with the format version, account and client id as associated
//! data: a value sealed with another key, copied to another brand's key,
//! altered or in clear is refused
//! ([`StoreError::Corrupt`](sentinel_client::StoreError::Corrupt)) and the
//! pool renews the token itself. Anyone who can read Redis then learns
//! nothing of the tokens (only when each brand renews).
//!
//! **Without a key, tokens sit in Redis in clear**: anyone who can read
//! Redis (a dump, `MONITOR`, a replica, a backup) can act as every brand for
//! up to a token's lifetime, and anyone who can write it can hand your
//! instances a token of their choosing. Run without a key only on a Redis as
//! private as the instances' own memory.
//!
//! Nothing of a token, key or URL is ever logged by this crate (it logs
//! nothing) nor put in an error; `Debug` of the store, config and key shows
//! only whether a key is set.
//!
//! ## Time bounds, outages
//!
//! Connecting may take [`DEFAULT_CONNECT_TIMEOUT`] (1 s), each command
//! [`DEFAULT_RESPONSE_TIMEOUT`] (0.5 s) ([`RedisStoreConfig::with_timeouts`]);
//! every operation returns within their sum, past which it is a
//! [`StoreError::Timeout`](sentinel_client::StoreError::Timeout). A refused
//! or dropped connection fails at once. The connection is made on first use
//! and re-made on the next operation after it is lost, so the fleet rejoins
//! by itself when Redis is back (with an empty Redis: the first instance due
//! renews, the others take its token).
//!
//! ## Topologies
//!
//! - **Standalone Redis** (or Valkey): [`RedisTokenStore::open`]. Tested here
//!   against a real `redis-server`, killed and restarted under load.
//! - **Redis Cluster**: [`RedisTokenStore::with_connection`] with a
//!   `redis::cluster_async::ClusterConnection` (turn on the `redis` crate's
//!   `cluster-async` feature in your own `Cargo.toml`). Every command touches
//!   one key, and a brand's two keys share a hash tag (one slot). Not tested
//!   here against a cluster.
//! - **Redis Sentinel**: the `redis` crate's `sentinel` feature finds the
//!   current master (`redis::sentinel::SentinelClient`), and its client can
//!   be given to [`with_connection`](RedisTokenStore::with_connection)
//!   through a `ConnectionManager`; but that connection keeps the master's
//!   address: after a failover the store fails (the pool renews on its own)
//!   until you make a new store. Not tested here.
//! - **TLS** (`rediss://`): turn on one of the `redis` crate's TLS features
//!   (`tokio-rustls-comp`, `tokio-native-tls-comp`) in your own
//!   `Cargo.toml`; this crate builds none, so it adds no TLS library.
//!
//! ## Runtime
//!
//! The connection runs on tokio: make the store inside a tokio runtime. Its
//! operations can then be awaited from any executor (a pool on
//! `ThreadRuntime`, say): off tokio, each runs as a task on the runtime the
//! store was made in.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod codec;
mod config;
mod error;
mod names;
mod store;

pub use config::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_VALUE_LEN, DEFAULT_PREFIX, DEFAULT_RESPONSE_TIMEOUT,
    EncryptionKey, MAX_PREFIX_LEN, RedisStoreConfig,
};
pub use error::{KeyError, PrefixError, RedisStoreError};
pub use redis;
pub use store::RedisTokenStore;
