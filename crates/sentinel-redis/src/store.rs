//! [`RedisTokenStore`]: the [`TokenStore`] on Redis.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig};
use redis::{ErrorKind, FromRedisValue, RedisError};
use sentinel_client::{BrandKey, Lease, StoreError, StoreFuture, StoredToken, TokenStore};

use crate::codec;
use crate::config::{EncryptionKey, RedisStoreConfig};
use crate::error::RedisStoreError;
use crate::names;

/// Deletes the lease only if it still holds our id: it may have expired and
/// been taken by another instance, whose lease we must not end.
const RELEASE: &str = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

/// The [`TokenStore`] of a fleet on Redis: give it to every instance's
/// [`Brands`](sentinel_client::Brands) with
/// [`BrandsConfig::with_token_store`](sentinel_client::BrandsConfig::with_token_store).
/// Clones share the connection.
///
/// Per brand it keeps two keys (see the [crate docs](crate#keys-and-values)):
/// the token, stored with an expiry at the token's own (`SET .. PX`), and the
/// renewal lease (`SET .. NX PX ttl`, released by a compare-and-delete
/// script). Every operation returns within the configured connect +
/// response timeouts, as [`StoreError::Timeout`] or
/// [`StoreError::Unavailable`] when Redis is down or slow (the pool then
/// renews on its own), and the connection is re-made on the next operation
/// once Redis is back. Errors name what failed, never a token, key or URL.
///
/// ```no_run
/// use sentinel_client::{Brands, BrandsConfig, CredentialsMap, TokioRuntime};
/// use sentinel_redis::{EncryptionKey, RedisStoreConfig, RedisTokenStore};
/// # async fn run(http: sentinel_reqwest::ReqwestHttp, key_bytes: [u8; 32]) -> Result<(), Box<dyn std::error::Error>> {
/// let config = RedisStoreConfig::new().with_encryption_key(EncryptionKey::from_bytes(&key_bytes)?);
/// let store = RedisTokenStore::open("redis://10.0.0.5:6379/0", config)?; // no I/O yet
/// store.check().await?; // optional: PING once, e.g. for a readiness probe
/// let brands = Brands::new(http, TokioRuntime, CredentialsMap::new(),
///     BrandsConfig::new().with_token_store(store));
/// brands.start();
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisTokenStore<C = ConnectionManager> {
    conn: C,
    inner: Arc<Inner>,
}

struct Inner {
    prefix: String,
    key: Option<EncryptionKey>,
    op_timeout: Duration,
    max_value_len: usize,
    /// Where operations run when the caller is not on a tokio runtime.
    runtime: tokio::runtime::Handle,
    /// Makes lease ids unique across instances; a counter, within one.
    instance: String,
    next_lease: AtomicU64,
}

impl<C> std::fmt::Debug for RedisTokenStore<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisTokenStore")
            .field("prefix", &self.inner.prefix)
            .field("encrypted", &self.inner.key.is_some())
            .field("op_timeout", &self.inner.op_timeout)
            .field("max_value_len", &self.inner.max_value_len)
            .finish_non_exhaustive()
    }
}

impl RedisTokenStore<ConnectionManager> {
    /// A store on the Redis at `url` (`redis://[user:password@]host:port/db`;
    /// `rediss://` when your build turns on one of the `redis` crate's TLS
    /// features), connected on first use and re-connected whenever the
    /// connection is lost. Makes no I/O, so it succeeds while Redis is down.
    /// Call it from within a tokio runtime (operations can then be awaited
    /// on any executor).
    ///
    /// ```
    /// use sentinel_redis::{RedisStoreConfig, RedisStoreError, RedisTokenStore};
    /// let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    /// let store = rt.block_on(async {
    ///     RedisTokenStore::open("redis://127.0.0.1:6379", RedisStoreConfig::new())
    /// })?;
    /// assert!(format!("{store:?}").contains("encrypted: false"));
    /// // No URL in errors: it may hold a password.
    /// let e = rt.block_on(async { RedisTokenStore::open("nope://x:secret@h", RedisStoreConfig::new()) });
    /// assert!(!e.unwrap_err().to_string().contains("secret"));
    /// // Outside a runtime: an error, not a panic.
    /// assert!(matches!(RedisTokenStore::open("redis://127.0.0.1", RedisStoreConfig::new()),
    ///     Err(RedisStoreError::NoRuntime)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn open(url: &str, config: RedisStoreConfig) -> Result<Self, RedisStoreError> {
        config.validate()?;
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(RedisStoreError::NoRuntime);
        }
        let client = redis::Client::open(url)
            .map_err(|_| RedisStoreError::Url("not a redis:// URL this build supports"))?;
        // Few quick retries: a store that fails fast lets the pool renew on
        // its own, and the next operation tries again anyway.
        let manager = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(config.connect_timeout))
            .set_response_timeout(Some(config.response_timeout))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_millis(200));
        let conn = ConnectionManager::new_lazy_with_config(client, manager)
            .map_err(|_| RedisStoreError::Url("refused by the redis client"))?;
        Self::with_connection(conn, config)
    }
}

impl<C> RedisTokenStore<C>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    /// A store on a connection you made: a `redis::aio::ConnectionManager`
    /// of your own settings, or a Redis Cluster connection
    /// (`redis::cluster_async::ClusterConnection`, the `redis` crate's
    /// `cluster-async` feature). The connection's own timeouts apply, and
    /// every operation is also cut at the config's connect + response
    /// timeouts. Call it from within a tokio runtime.
    ///
    /// ```no_run
    /// use sentinel_redis::{RedisStoreConfig, RedisTokenStore};
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let client = redis::Client::open("redis://127.0.0.1:6379")?;
    /// let conn = redis::aio::ConnectionManager::new(client).await?;
    /// let store = RedisTokenStore::with_connection(conn, RedisStoreConfig::new())?;
    /// # let _ = store; Ok(()) }
    /// ```
    pub fn with_connection(conn: C, config: RedisStoreConfig) -> Result<Self, RedisStoreError> {
        config.validate()?;
        let runtime =
            tokio::runtime::Handle::try_current().map_err(|_| RedisStoreError::NoRuntime)?;
        let mut id = [0u8; 8];
        // Without the OS generator, a lease id unique per process still
        // works: the counter and the time keep it apart from others'.
        let instance = match aws_lc_rs::rand::fill(&mut id) {
            Ok(()) => id.iter().map(|b| format!("{b:02x}")).collect(),
            Err(_) => format!("{}-{}", std::process::id(), now_ms()),
        };
        Ok(Self {
            conn,
            inner: Arc::new(Inner {
                prefix: config.prefix,
                key: config.key,
                op_timeout: config
                    .connect_timeout
                    .saturating_add(config.response_timeout),
                max_value_len: config.max_value_len,
                runtime,
                instance,
                next_lease: AtomicU64::new(0),
            }),
        })
    }

    /// The Redis key that holds `brand`'s token (for inspection and tests).
    ///
    /// ```
    /// # use sentinel_redis::{RedisStoreConfig, RedisTokenStore};
    /// # use sentinel_client::BrandKey;
    /// # use sentinel_proto::{AccountId, ClientId};
    /// # let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    /// # let _g = rt.enter();
    /// let store = RedisTokenStore::open("redis://127.0.0.1", RedisStoreConfig::new())?;
    /// let brand = BrandKey::new(AccountId::new("123456")?, ClientId::new("app")?);
    /// let key = store.token_key(&brand);
    /// assert!(key.starts_with("sentinel-rs:{") && key.ends_with("}:token"));
    /// assert!(!key.contains("123456"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn token_key(&self, brand: &BrandKey) -> String {
        names::keys(&self.inner.prefix, brand).0
    }

    /// The Redis key that holds `brand`'s renewal lease.
    ///
    /// ```
    /// # use sentinel_redis::{RedisStoreConfig, RedisTokenStore};
    /// # use sentinel_client::BrandKey;
    /// # use sentinel_proto::{AccountId, ClientId};
    /// # let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    /// # let _g = rt.enter();
    /// let store = RedisTokenStore::open("redis://127.0.0.1", RedisStoreConfig::new().with_prefix("p:"))?;
    /// let brand = BrandKey::new(AccountId::new("123456")?, ClientId::new("app")?);
    /// assert!(store.lease_key(&brand).starts_with("p:{"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn lease_key(&self, brand: &BrandKey) -> String {
        names::keys(&self.inner.prefix, brand).1
    }

    /// Sends `PING`, within the same time bound as every operation: for a
    /// readiness probe, or to fail at start-up when Redis is unreachable.
    ///
    /// ```no_run
    /// # async fn run(store: sentinel_redis::RedisTokenStore) {
    /// if let Err(e) = store.check().await {
    ///     eprintln!("redis not reachable yet ({e}); instances renew on their own meanwhile");
    /// }
    /// # }
    /// ```
    pub async fn check(&self) -> Result<(), StoreError> {
        let pong: String = self.run(redis::cmd("PING")).await?;
        if pong == "PONG" {
            Ok(())
        } else {
            Err(StoreError::Unavailable(
                "redis: unexpected answer to PING".into(),
            ))
        }
    }

    /// Runs `cmd` within the time bound, on the caller's tokio runtime or,
    /// from any other executor, on the one the store was made in.
    async fn run<T>(&self, cmd: redis::Cmd) -> Result<T, StoreError>
    where
        T: FromRedisValue + Send + 'static,
    {
        let mut conn = self.conn.clone();
        let limit = self.inner.op_timeout;
        let op = async move {
            match tokio::time::timeout(limit, cmd.query_async::<T>(&mut conn)).await {
                Err(_) => Err(StoreError::Timeout),
                Ok(Ok(v)) => Ok(v),
                Ok(Err(e)) => Err(unavailable(&e)),
            }
        };
        if tokio::runtime::Handle::try_current().is_ok() {
            op.await
        } else {
            self.inner
                .runtime
                .spawn(op)
                .await
                .unwrap_or_else(|_| Err(StoreError::Unavailable("redis: task ended".into())))
        }
    }
}

/// What failed, in words that carry nothing of the command or its values.
fn unavailable(e: &RedisError) -> StoreError {
    if e.is_timeout() {
        return StoreError::Timeout;
    }
    let what = if e.is_connection_refusal() {
        "connection refused"
    } else if e.is_connection_dropped() {
        "connection dropped"
    } else if e.is_io_error() {
        "I/O error"
    } else {
        match e.kind() {
            ErrorKind::AuthenticationFailed => "authentication failed",
            ErrorKind::Parse => "unparsable answer",
            ErrorKind::UnexpectedReturnType => "unexpected answer",
            ErrorKind::Server(_) | ErrorKind::Extension => "command refused by the server",
            ErrorKind::ClusterConnectionNotFound => "no cluster node reachable",
            _ => "client error",
        }
    };
    StoreError::Unavailable(format!("redis: {what}"))
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl<C> TokenStore for RedisTokenStore<C>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    fn get<'a>(&'a self, brand: &'a BrandKey) -> StoreFuture<'a, Option<StoredToken>> {
        Box::pin(async move {
            let max = self.inner.max_value_len;
            // GETRANGE bounds what Redis sends back: one byte past the cap
            // tells a too-long value without reading it whole.
            let mut cmd = redis::cmd("GETRANGE");
            cmd.arg(self.token_key(brand)).arg(0).arg(max);
            let mut value: Vec<u8> = self.run(cmd).await?;
            if value.is_empty() {
                return Ok(None);
            }
            if value.len() > max {
                codec::wipe(&mut value);
                return Err(StoreError::Corrupt("value longer than the configured cap"));
            }
            codec::decode(value, brand, self.inner.key.as_ref()).map(Some)
        })
    }

    fn put<'a>(&'a self, brand: &'a BrandKey, token: &'a StoredToken) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let expires_ms = token.expires_at().as_secs().saturating_mul(1000);
            let ttl = expires_ms.saturating_sub(now_ms());
            if ttl == 0 {
                return Ok(());
            }
            let value = codec::encode(token, brand, self.inner.key.as_ref())?;
            let mut cmd = redis::cmd("SET");
            cmd.arg(self.token_key(brand)).arg(value).arg("PX").arg(ttl);
            self.run::<()>(cmd).await
        })
    }

    fn lease<'a>(&'a self, brand: &'a BrandKey, ttl: Duration) -> StoreFuture<'a, Option<Lease>> {
        Box::pin(async move {
            let n = self.inner.next_lease.fetch_add(1, Ordering::Relaxed);
            let id = format!("{}-{n}", self.inner.instance);
            let ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
            let mut cmd = redis::cmd("SET");
            cmd.arg(self.lease_key(brand))
                .arg(&id)
                .arg("NX")
                .arg("PX")
                .arg(ms);
            match self.run::<Option<String>>(cmd).await {
                Ok(set) => Ok(set.map(|_| Lease::new(id))),
                Err(e) => {
                    // The SET may have been applied with its answer lost: a
                    // lease no one knows it holds would make every other
                    // instance wait for it. Give it back, in the background.
                    let (store, brand, lease) = (self.clone(), brand.clone(), Lease::new(id));
                    self.inner.runtime.spawn(async move {
                        let _ = store.release(&brand, &lease).await;
                    });
                    Err(e)
                }
            }
        })
    }

    fn release<'a>(&'a self, brand: &'a BrandKey, lease: &'a Lease) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut cmd = redis::cmd("EVAL");
            cmd.arg(RELEASE)
                .arg(1)
                .arg(self.lease_key(brand))
                .arg(lease.id());
            self.run::<i64>(cmd).await.map(drop)
        })
    }
}
