//! # sentinel-mock
//!
//! A LivePerson Sentinel emulator on loopback, for tests, demos and benchmarks:
//! every endpoint of the protocol reference (Domain API, authorize, token, refresh,
//! revoke, AppJWT V1 and V2, JWKS, IdP ConsumerJWS), two stand-ins for the
//! LivePerson APIs that take those tokens, real RS256 tokens, key rotation, a movable clock, request counters, a request log without secret
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
//!
//! ## What it serves
//!
//! | Endpoint | Path |
//! |---|---|
//! | [`Endpoint::DomainApi`] | `GET /api/account/{a}/service/baseURI.json`, `GET /api/account/{a}/service/{service}/baseURI.json` |
//! | [`Endpoint::Authorize`] | `GET /sentinel/api/account/{a}/authorize` |
//! | [`Endpoint::Login`] | `POST /sentinel/api/account/{a}/login` (the login page's form) |
//! | [`Endpoint::Token`] | `POST /sentinel/api/account/{a}/token` (code exchange, refresh) |
//! | [`Endpoint::Revoke`] | `POST /sentinel/api/account/{a}/token/revoke` |
//! | [`Endpoint::AppTokenV1`] | `POST /sentinel/api/account/{a}/app/token?v=1.0` |
//! | [`Endpoint::AppTokenV2`] | `POST /sentinel/api/v2/account/{a}/app/token`, or the V1 path with `?v=2.0` |
//! | [`Endpoint::Jwks`] | `GET /sentinel/well-known/jwks` |
//! | [`Endpoint::Consumer`] | `POST /api/account/{a}/consumer` (IdP ConsumerJWS; answers 201, as LivePerson does) |
//! | [`Endpoint::Protected`] | `GET /api/account/{a}/app/protected`, `POST /api/account/{a}/app/protected` (an API taking an AppJWT; not LivePerson's) |
//! | [`Endpoint::SendApi`] | `POST /api/account/{a}/messaging/consumer/conversation/send?v=3` (the Messaging Send API's path: an AppJWT and a ConsumerJWS) |
//!
//! The Domain API lists `sentinel`, `idp`, `asyncMessagingEnt` and `agentVep`
//! (all-services list and one service alike), each with the emulator's own
//! `127.0.0.1:<port>` (a bare host, as the real API), or with
//! [`MockConfig::advertised_host`] when set: the emulator serves only Sentinel
//! and the IdP, but a user's own calls to the other services then reach
//! loopback (a 404), never a LivePerson production host. An unknown service is
//! 404 (HTML). An unknown account or path
//! is 404, a wrong method 405, a wrong `Content-Type` or a `v` other than `1.0`
//! or `2.0` 400. OAuth errors are RFC 6749 §5.2 JSON: `invalid_request` (400),
//! `invalid_client` (401 with `WWW-Authenticate`), `invalid_grant` (400),
//! `unsupported_grant_type` (400).
//!
//! ## Protected endpoints
//!
//! For testing what attaches the tokens (a client, a middleware), two endpoints
//! stand in for the LivePerson APIs that take them. They do nothing else, and
//! answer only with what they saw of the request:
//!
//! - **Protected** ([`MockHandle::protected_url`]) takes an AppJWT of the
//!   account in `Authorization`, raw (as LivePerson's examples send it) or as
//!   `Bearer <token>`, checked exactly as the IdP checks it: signed by a V2 key
//!   the JWKS publishes now or by the V1 key, `exp` after the emulator clock,
//!   `iss` `Sentinel`, `aud` `le{a}`. GET and POST alike answer 200
//!   `{"account":"123456","client_id":"<azp>","method":"POST","body_bytes":N,"body_sha256":"<hex>"}`,
//!   so that a retried request can be checked for the very same body.
//! - **Send API** ([`MockHandle::send_api_url`]) takes the AppJWT the same way
//!   and, in `X-LP-ON-BEHALF`, a ConsumerJWS of the IdP endpoint above (raw or
//!   `Bearer`): signed by a V2 key published now, `exp` after the emulator
//!   clock, `iss` `https://idp.liveperson.net`, `aud` the account, a `sub`. It
//!   answers 200 `{"consumer":"<sub>","body_bytes":N,"body_sha256":"<hex>"}`;
//!   the body is not parsed and the query (`v=3`) not checked.
//!
//! A missing or refused token is a 401 with `WWW-Authenticate: Bearer
//! realm="liveperson"` (plus `error="invalid_token"` when one was sent) and a
//! JSON body `{"error":"unauthorized","error_description":"AppJWT expired"}`
//! naming which token and why (`missing`, `not signed by a published key`,
//! `expired`, `wrong issuer`, `wrong audience`, `no subject`), never the token.
//! An unknown account is 404. Faults (`--fault protected=401:1`,
//! `--fault send=503`) and counters apply as everywhere: a
//! [`Fault::Status`]`(401)` with count 1 answers the next request 401 whatever
//! its token, as an API does when it rejects a token the client still thinks
//! valid.
//!
//! ## Choices where Sentinel leaves room
//!
//! - **Login**: by default ([`LoginMode::AutoConsent`]) authorize consents at
//!   once: a 302 to the callback with `code` and `state`. With
//!   [`LoginMode::Form`] ([`MockBuilder::login`], `--login-page` on the command
//!   line) a valid authorize request is answered instead with an HTML login page
//!   (`text/html; charset=utf-8`, no JavaScript, no external resource, `no-store`,
//!   a CSP of `default-src 'none'`): a form `id="login-form"` with inputs
//!   `id="username"` / `id="password"` (same `name`s), a submit button
//!   `id="login"`, and the authorize parameters as hidden fields, every reflected
//!   value HTML-escaped. It posts (form-encoded) to
//!   `/sentinel/api/account/{a}/login`, which checks the carried parameters
//!   exactly as authorize does, then accepts the username [`MockUser::id`] with
//!   the password [`DEMO_PASSWORD`] (TEST-ONLY, public) with the same 302 as
//!   auto-consent; anything else gets the page again (200) with
//!   `<p id="error">` and no code. The login endpoint answers in both modes.
//! - **Codes** are single-use (consumed by the first exchange, even a failed one)
//!   and expire after [`Lifetimes::code`].
//! - **PKCE** (RFC 7636), which Sentinel's documentation does not mention: an
//!   authorize request may carry `code_challenge` with
//!   `code_challenge_method=S256`; the code then remembers it, and its exchange
//!   must send the matching `code_verifier`, else `invalid_grant` (400). A missing
//!   or other method (`plain` included), or a challenge that is not 43 base64url
//!   characters, redirects back with `invalid_request`. A `code_verifier` for a
//!   code issued without a challenge is `invalid_grant` too (no downgrade,
//!   RFC 9700 §2.1.1).
//! - **Loopback redirects** (RFC 8252 §7.3, OAuth for native apps): a
//!   registered `http` redirect URI on a loopback IP literal (`127.0.0.1`,
//!   `[::1]`) also matches the same URI on any port, so that a command-line
//!   login can listen on a free port (`http://127.0.0.1:53117/callback` matches
//!   the default `http://127.0.0.1/callback`). Path and query must be identical;
//!   the exchange must repeat the URI sent, port included. Other redirect URIs
//!   match exactly.
//! - **Refresh tokens rotate**: every refresh answers a new refresh token and the
//!   one presented stops working at once, so a client that keeps using an old one
//!   gets `invalid_grant`. Refresh tokens do not expire otherwise. A refresh answer
//!   has no `id_token`.
//! - **Revoke** removes a refresh token (an unknown one is not an error, RFC 7009);
//!   access tokens are opaque and not tracked.
//! - **V2 keys**: [`MockHandle::rotate_keys`] signs with a new kid
//!   (`appjwt-v2-<n>`) from then on; rotated-out kids stay in the JWKS for
//!   [`Lifetimes::key_grace`] of emulator time. V1 AppJWTs are signed by
//!   [`V1_KID`], which is not in the JWKS (its public key:
//!   [`MockHandle::v1_public_key_spki_der`]).
//! - **ID-token keys**: ID tokens are signed by [`ID_TOKEN_KID`]
//!   (`idtoken-19-08-19`, LivePerson's sample kid), published in the JWKS after
//!   the V2 keys, until [`MockHandle::rotate_id_token_key`] switches to a new key
//!   under a kid dated by the emulator clock (`idtoken-YY-MM-DD`, `-2`, `-3`...
//!   for more rotations that day); the rotated-out kid stays in the JWKS for
//!   [`Lifetimes::key_grace`] too. The default grace (1 h) is the longest token
//!   lifetime, so no token still valid loses its key; set it shorter to emulate
//!   an issuer that drops keys early.
//! - **Time** is the system clock plus an offset ([`MockHandle::set_clock_offset`]):
//!   tests expire codes, tokens and keys by moving it, never by sleeping.
//!
//! ## Faults
//!
//! [`MockHandle::fault`] (or `--fault ENDPOINT=FAULT[:COUNT]` on the command line)
//! gives the next requests to one endpoint a [`Fault`] instead of the proper
//! answer; faulty requests are counted and logged like the others.
//! [`MockHandle::set_fault_mix`] gives every request a fault at random from a
//! seeded [`FaultMix`] (the soak harness's 5xx, resets, slow answers...);
//! [`MockHandle::faults_injected`] counts what was injected.
//!
//! ## Features
//!
//! | Feature | Default | What it adds |
//! |---|---|---|
//! | `cli` | off | `MockArgs` and `run_foreground`, the command line shared by the `sentinel-mock` binary and `sentinel mock`, and the `sentinel-mock` binary itself. It brings in clap, which the tests and benches that only start an emulator do without. |
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "cli")]
mod cli;
mod config;
mod echo;
mod endpoint;
mod fault;
mod keys;
mod own_thread;
mod routes;
mod server;
mod state;

use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;

use tokio::net::TcpListener;
use tokio::sync::watch;

#[cfg(feature = "cli")]
pub use cli::{MockArgs, run_foreground};
pub use config::{
    DEFAULT_ACCOUNT, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_REDIRECT_URI, DEMO_PASSWORD,
    Lifetimes, LoginMode, MockClient, MockConfig, MockUser, derived_client_id,
    derived_client_secret,
};
pub use echo::{EchoMode, EchoServer};
pub use endpoint::Endpoint;
pub use fault::{Fault, FaultMix, FaultSpec};
pub use keys::{ID_TOKEN_KID, V1_KID};
pub use state::LogEntry;

use crate::state::Shared;

/// Entry point: [`MockServer::builder`].
#[derive(Debug)]
pub struct MockServer;

impl MockServer {
    /// A builder with the defaults ([`MockConfig::default`]): account
    /// [`DEFAULT_ACCOUNT`] (`123456`), client [`DEFAULT_CLIENT_ID`] /
    /// [`DEFAULT_CLIENT_SECRET`] with the one redirect [`DEFAULT_REDIRECT_URI`]
    /// (`http://127.0.0.1/callback`), a user `demo-user-1` (`is_lpa`, not
    /// `is_admin`), default [`Lifetimes`], any free port.
    pub fn builder() -> MockBuilder {
        MockBuilder {
            config: MockConfig::default(),
            faults: Vec::new(),
        }
    }
}

/// Configures and starts the emulator.
#[derive(Clone, Debug)]
pub struct MockBuilder {
    config: MockConfig,
    faults: Vec<FaultSpec>,
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

    /// "Many accounts" mode ([`MockConfig::many_accounts`]): any account id is
    /// served, with an AppJWT application of credentials derived from it.
    ///
    /// ```
    /// use sentinel_mock::{MockServer, derived_client_id, derived_client_secret};
    /// let mock = MockServer::builder().many_accounts().start_blocking()?;
    /// assert!(mock.config().many_accounts);
    /// // Account 987654 has the application brand-987654 with secret
    /// // sentinel-demo-secret-987654 (what derived_client_* return).
    /// assert_eq!(derived_client_id("987654"), "brand-987654");
    /// # let _ = derived_client_secret("987654");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[must_use]
    pub fn many_accounts(mut self) -> Self {
        self.config.many_accounts = true;
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

    /// Whether authorize consents at once (the default) or shows a login page
    /// first ([`LoginMode::Form`]).
    ///
    /// ```
    /// use sentinel_mock::{LoginMode, MockServer};
    ///
    /// let mock = MockServer::builder().login(LoginMode::Form).start_blocking()?;
    /// assert_eq!(mock.config().login, LoginMode::Form);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[must_use]
    pub fn login(mut self, login: LoginMode) -> Self {
        self.config.login = login;
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

    /// Starts with the clock moved by `secs` (see [`MockHandle::set_clock_offset`]).
    #[must_use]
    pub fn clock_offset(mut self, secs: i64) -> Self {
        self.config.clock_offset = secs;
        self
    }

    /// Starts with a fault pending: the first `count` requests to `endpoint` get
    /// `fault` (see [`MockHandle::fault`]).
    #[must_use]
    pub fn fault(mut self, endpoint: Endpoint, fault: Fault, count: usize) -> Self {
        self.faults.push(FaultSpec {
            endpoint,
            fault,
            count,
        });
        self
    }

    /// Starts on the current tokio runtime (which must have its I/O and time
    /// drivers enabled, as `#[tokio::main]` and `#[tokio::test]` do). The server
    /// stops when the handle is dropped or [`MockHandle::shutdown`] is called.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// use sentinel_mock::{Endpoint, MockServer};
    ///
    /// let mock = MockServer::builder().start().await?;
    /// let jwks = format!("{}/sentinel/well-known/jwks", mock.base_url());
    /// # let _ = jwks;
    /// assert_eq!(mock.host(), mock.base_url().trim_start_matches("http://"));
    /// assert_eq!(mock.count(Endpoint::Jwks), 0);
    /// mock.shutdown();
    /// # Ok::<(), std::io::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn start(self) -> std::io::Result<MockHandle> {
        let listener = TcpListener::bind(("127.0.0.1", self.config.port)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(self.config, addr.to_string()));
        for f in self.faults {
            shared.add_fault(f.endpoint, f.fault, f.count);
        }
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

    /// Starts on a tokio runtime of its own, on a thread of its own, for blocking
    /// callers (plain `#[test]`s, benches, synchronous clients). The server stops,
    /// and the thread is joined, when the handle is dropped.
    ///
    /// ```
    /// use sentinel_mock::{Endpoint, Fault, MockServer};
    ///
    /// let mock = MockServer::builder()
    ///     .fault(Endpoint::Token, Fault::Status(500), 1)
    ///     .start_blocking()?;
    /// println!("Sentinel emulator at {}", mock.base_url());
    /// drop(mock); // stops the server and joins its thread
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn start_blocking(self) -> std::io::Result<MockHandle> {
        let (mut handle, thread) =
            own_thread::spawn("sentinel-mock", 2, move |ready| async move {
                match self.start().await {
                    Ok(handle) => {
                        let mut stopped = handle.shutdown.subscribe();
                        let _ = ready.send(Ok(handle));
                        let _ = stopped.wait_for(|s| *s).await;
                    }
                    Err(e) => {
                        let _ = ready.send(Err(e));
                    }
                }
            })?;
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

    /// `http://127.0.0.1:<port>/api/account/<account>/app/protected`, the
    /// [`Endpoint::Protected`] URL of the first account: GET or POST with an
    /// AppJWT in `Authorization` (see [the crate docs](crate#protected-endpoints)).
    ///
    /// ```
    /// use sentinel_mock::MockServer;
    ///
    /// let mock = MockServer::builder().start_blocking()?;
    /// assert_eq!(
    ///     mock.protected_url(),
    ///     format!("{}/api/account/123456/app/protected", mock.base_url())
    /// );
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn protected_url(&self) -> String {
        format!(
            "{}/api/account/{}/app/protected",
            self.base_url(),
            self.account()
        )
    }

    /// `http://127.0.0.1:<port>/api/account/<account>/messaging/consumer/conversation/send?v=3`,
    /// the [`Endpoint::SendApi`] URL of the first account: POST with an AppJWT in
    /// `Authorization` and a ConsumerJWS in `X-LP-ON-BEHALF`.
    pub fn send_api_url(&self) -> String {
        format!(
            "{}/api/account/{}/messaging/consumer/conversation/send?v=3",
            self.base_url(),
            self.account()
        )
    }

    /// The configuration served.
    pub fn config(&self) -> &MockConfig {
        &self.shared.config
    }

    /// Requests seen by `endpoint` (faulty ones included).
    pub fn count(&self, endpoint: Endpoint) -> u64 {
        self.shared.count(endpoint)
    }

    /// The refresh tokens that work now, sorted: issued, neither rotated out
    /// by a refresh nor revoked. For tests that must try a token their code
    /// under test never shows (a web app keeps it server-side). The values are
    /// the emulator's, as TEST-ONLY as its keys.
    pub fn live_refresh_tokens(&self) -> Vec<String> {
        let mut live: Vec<String> = state::lock(&self.shared.refresh).keys().cloned().collect();
        live.sort();
        live
    }

    /// Zeroes the counters (injected faults too) and clears the request log.
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

    /// Cancels every pending fault (not the fault mixes).
    pub fn clear_faults(&self) {
        self.shared.clear_faults();
    }

    /// Gives every request to `endpoint` a fault drawn from `mix` (after any
    /// queued by [`fault`](Self::fault)); `None` ends it. Setting a mix starts
    /// its draws afresh.
    pub fn set_fault_mix(&self, endpoint: Endpoint, mix: Option<FaultMix>) {
        self.shared.set_fault_mix(endpoint, mix);
    }

    /// Requests to `endpoint` that got a fault, queued or drawn from a mix
    /// (included in [`count`](Self::count)).
    pub fn faults_injected(&self, endpoint: Endpoint) -> u64 {
        self.shared.injected(endpoint)
    }

    /// Rotates the V2 AppJWT signing key (not the ID-token key: see
    /// [`rotate_id_token_key`](Self::rotate_id_token_key)); returns the new kid.
    /// The old one stays in the JWKS for the grace period.
    pub fn rotate_keys(&self) -> String {
        self.shared.rotate()
    }

    /// Rotates the ID-token signing key; returns the new kid, dated by the
    /// emulator's clock as LivePerson's are: `idtoken-YY-MM-DD`, or
    /// `idtoken-YY-MM-DD-<n>` (n from 2) for a further rotation on the same date,
    /// so that kids never repeat. The key material changes too (the committed
    /// rotating keys, in turn). ID tokens are signed with it from now on; the old
    /// kid stays in the JWKS for [`Lifetimes::key_grace`] of emulator time.
    ///
    /// ```
    /// use sentinel_mock::{ID_TOKEN_KID, MockServer};
    ///
    /// let mock = MockServer::builder().start_blocking()?;
    /// assert_eq!(mock.current_id_token_kid(), ID_TOKEN_KID);
    /// let kid = mock.rotate_id_token_key();
    /// assert!(kid.starts_with("idtoken-") && kid != ID_TOKEN_KID);
    /// assert_eq!(mock.current_id_token_kid(), kid);
    /// assert!(mock.jwks_json().contains(ID_TOKEN_KID), "in grace");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn rotate_id_token_key(&self) -> String {
        self.shared.rotate_id_token()
    }

    /// The kid ID tokens are signed with now ([`ID_TOKEN_KID`] until the first
    /// [`rotate_id_token_key`](Self::rotate_id_token_key)).
    pub fn current_id_token_kid(&self) -> String {
        self.shared.current_id_token().kid
    }

    /// The kid V2 AppJWTs are signed with now.
    pub fn current_v2_kid(&self) -> String {
        self.shared.current_v2().kid
    }

    /// The JWKS as served now.
    pub fn jwks_json(&self) -> String {
        self.shared.jwks().to_string()
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
