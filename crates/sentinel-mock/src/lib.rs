//! # sentinel-mock
//!
//! A LivePerson Sentinel emulator on loopback, for tests, demos and benchmarks:
//! every endpoint of the protocol reference (Domain API, authorize, token, refresh,
//! revoke, AppJWT V1 and V2, JWKS, IdP ConsumerJWS), real RS256 tokens, key
//! rotation, a movable clock, request counters, a request log without secret
//! values, and fault injection per endpoint.
//!
//! Its signing keys are committed and TEST-ONLY: never trust its tokens anywhere else.
//!
//! ```
//! use sentinel_mock::{Endpoint, Fault, MockServer};
//!
//! let mock = MockServer::builder().start_blocking()?;
//! assert!(mock.base_url().starts_with("http://127.0.0.1:"));
//! // The next two AppJWT requests fail with 503, the third succeeds.
//! mock.fault(Endpoint::AppTokenV1, Fault::Status(503), 2);
//! assert_eq!(mock.count(Endpoint::AppTokenV1), 0);
//! # Ok::<(), std::io::Error>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod cli;
mod config;
mod fault;
mod keys;
mod routes;
mod server;
mod state;

use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;

use tokio::net::TcpListener;
use tokio::sync::watch;

pub use cli::{MockArgs, run_foreground};
pub use config::{
    DEFAULT_ACCOUNT, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_REDIRECT_URI, Lifetimes,
    MockClient, MockConfig, MockUser,
};
pub use fault::{Endpoint, Fault, FaultSpec};
pub use keys::{ID_TOKEN_KID, V1_KID};
pub use state::LogEntry;

use crate::state::Shared;

/// Entry point: [`MockServer::builder`].
#[derive(Debug)]
pub struct MockServer;

impl MockServer {
    /// A builder with the defaults: account `123456`, client
    /// `sentinel-demo-client` / `sentinel-demo-secret` with redirect
    /// `http://127.0.0.1/callback`, a user `demo-user-1` (`is_lpa`), default
    /// lifetimes, any free port.
    pub fn builder() -> MockBuilder {
        MockBuilder {
            config: MockConfig::default(),
        }
    }
}

/// Configures and starts the emulator.
#[derive(Clone, Debug)]
pub struct MockBuilder {
    config: MockConfig,
}

impl MockBuilder {
    /// Replaces the whole configuration.
    #[must_use]
    pub fn config(mut self, config: MockConfig) -> Self {
        self.config = config;
        self
    }

    /// Serves this account (in addition to the others).
    #[must_use]
    pub fn account(mut self, account: impl Into<String>) -> Self {
        self.config.accounts.push(account.into());
        self
    }

    /// Registers this client (in addition to the others).
    #[must_use]
    pub fn client(mut self, client: MockClient) -> Self {
        self.config.clients.push(client);
        self
    }

    /// The user authorize approves.
    #[must_use]
    pub fn user(mut self, user: MockUser) -> Self {
        self.config.user = user;
        self
    }

    /// Token lifetimes.
    #[must_use]
    pub fn lifetimes(mut self, lifetimes: Lifetimes) -> Self {
        self.config.lifetimes = lifetimes;
        self
    }

    /// The port on 127.0.0.1 (0, the default: any free port).
    #[must_use]
    pub fn port(mut self, port: u16) -> Self {
        self.config.port = port;
        self
    }

    /// Starts on the current tokio runtime.
    pub async fn start(self) -> std::io::Result<MockHandle> {
        let listener = TcpListener::bind(("127.0.0.1", self.config.port)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(self.config, addr.to_string()));
        let router = routes::router(Arc::clone(&shared));
        let (tx, rx) = watch::channel(false);
        tokio::spawn(server::serve(listener, Arc::clone(&shared), router, rx));
        tracing::info!(%addr, "sentinel-mock listening");
        Ok(MockHandle {
            shared,
            addr,
            shutdown: tx,
            thread: None,
        })
    }

    /// Starts on a runtime of its own, on its own thread, for blocking callers.
    /// The server stops when the handle is dropped.
    pub fn start_blocking(self) -> std::io::Result<MockHandle> {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("sentinel-mock".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                rt.block_on(async move {
                    match self.start().await {
                        Ok(handle) => {
                            let mut stopped = handle.shutdown.subscribe();
                            let _ = ready_tx.send(Ok(handle));
                            let _ = stopped.wait_for(|s| *s).await;
                        }
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                        }
                    }
                });
            })?;
        let mut handle = ready_rx
            .recv()
            .map_err(|_| std::io::Error::other("the emulator thread died"))??;
        handle.thread = Some(thread);
        Ok(handle)
    }
}

/// A running emulator. Dropping it shuts it down.
pub struct MockHandle {
    shared: Arc<Shared>,
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for MockHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockHandle")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl MockHandle {
    /// `http://127.0.0.1:<port>`
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `127.0.0.1:<port>`, as the Domain API answers it.
    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    /// The socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The first configured account.
    pub fn account(&self) -> &str {
        self.shared
            .config
            .accounts
            .first()
            .map_or("", String::as_str)
    }

    /// The first configured client.
    pub fn client(&self) -> Option<&MockClient> {
        self.shared.config.clients.first()
    }

    /// The first client's id.
    pub fn client_id(&self) -> &str {
        self.client().map_or("", |c| c.id.as_str())
    }

    /// The first client's secret.
    pub fn client_secret(&self) -> &str {
        self.client().map_or("", |c| c.secret.as_str())
    }

    /// The first client's first redirect URI.
    pub fn redirect_uri(&self) -> &str {
        self.client()
            .and_then(|c| c.redirect_uris.first())
            .map_or("", String::as_str)
    }

    /// The configuration served.
    pub fn config(&self) -> &MockConfig {
        &self.shared.config
    }

    /// Requests seen by `endpoint` (faulty ones included).
    pub fn count(&self, endpoint: Endpoint) -> u64 {
        self.shared.count(endpoint)
    }

    /// Zeroes the counters and clears the request log.
    pub fn reset_counters(&self) {
        self.shared.reset_counters();
    }

    /// The request log: method, path, parameter names. Never values.
    pub fn request_log(&self) -> Vec<LogEntry> {
        self.shared.log()
    }

    /// The next `count` requests to `endpoint` get `fault`.
    pub fn fault(&self, endpoint: Endpoint, fault: Fault, count: usize) {
        self.shared.add_fault(endpoint, fault, count);
    }

    /// Cancels every pending fault.
    pub fn clear_faults(&self) {
        self.shared.clear_faults();
    }

    /// Rotates the V2 signing key; returns the new kid. The old one stays in the
    /// JWKS for the grace period.
    pub fn rotate_keys(&self) -> String {
        self.shared.rotate()
    }

    /// The kid V2 AppJWTs are signed with now.
    pub fn current_v2_kid(&self) -> String {
        self.shared.current_v2().kid.clone()
    }

    /// The JWKS as served now.
    pub fn jwks_json(&self) -> String {
        let keys: Vec<_> = self
            .shared
            .published()
            .into_iter()
            .map(keys::SigningKey::jwk)
            .collect();
        serde_json::json!({"keys": keys}).to_string()
    }

    /// The V1 AppJWT public key, SPKI DER, for clients to verify V1 tokens.
    pub fn v1_public_key_spki_der(&self) -> &'static [u8] {
        self.shared.keys.v1.spki_der()
    }

    /// Moves the emulator's clock: system time plus `secs`.
    pub fn set_clock_offset(&self, secs: i64) {
        self.shared.set_clock_offset(secs);
    }

    /// The clock offset in seconds.
    pub fn clock_offset(&self) -> i64 {
        self.shared.clock_offset()
    }

    /// The emulator's time, Unix seconds.
    pub fn now(&self) -> u64 {
        self.shared.now()
    }

    /// Stops accepting and closes connections gracefully.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for MockHandle {
    fn drop(&mut self) {
        self.stop();
    }
}
