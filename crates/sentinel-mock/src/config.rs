//! What the emulator serves: accounts, clients, the user who logs in, lifetimes.

use std::time::Duration;

/// The default account.
pub const DEFAULT_ACCOUNT: &str = "123456";
/// The default client id.
pub const DEFAULT_CLIENT_ID: &str = "6f1c2b7e-3a94-4d0f-9b58-2e7c41a0d9e3";
/// The default client secret. Public: this is an emulator.
pub const DEFAULT_CLIENT_SECRET: &str = "sentinel-demo-secret";
/// The default registered redirect URI.
pub const DEFAULT_REDIRECT_URI: &str = "http://127.0.0.1/callback";
/// The password the login page ([`LoginMode::Form`]) accepts for the user
/// ([`MockUser::id`] as the username). TEST-ONLY and public, like every
/// credential of the emulator.
pub const DEMO_PASSWORD: &str = "sentinel-demo-password";

/// The client id the emulator's "many accounts" mode ([`MockConfig::many_accounts`])
/// registers for `account`: `brand-<account>`. Public, like every credential
/// of the emulator.
///
/// ```
/// assert_eq!(sentinel_mock::derived_client_id("123"), "brand-123");
/// assert_eq!(sentinel_mock::derived_client_secret("123"), "sentinel-demo-secret-123");
/// ```
pub fn derived_client_id(account: &str) -> String {
    format!("brand-{account}")
}

/// The client secret the "many accounts" mode registers for `account`:
/// [`DEFAULT_CLIENT_SECRET`]`-<account>`. Public test value.
pub fn derived_client_secret(account: &str) -> String {
    format!("{DEFAULT_CLIENT_SECRET}-{account}")
}

/// How authorize treats the user.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LoginMode {
    /// Authorize consents at once: a 302 to the callback with `code` and
    /// `state`, no page (the default; what tests without a browser want).
    #[default]
    AutoConsent,
    /// Authorize answers an HTML login page (no JavaScript, no external
    /// resources) whose form posts to `/sentinel/api/account/{a}/login`; the
    /// user's id with [`DEMO_PASSWORD`] gets the same 302 as auto-consent, a
    /// wrong username or password the page again with an error and no code.
    Form,
}

/// A registered application.
#[derive(Clone, Debug)]
pub struct MockClient {
    /// Its client id.
    pub id: String,
    /// Its client secret.
    pub secret: String,
    /// Its registered redirect URIs.
    pub redirect_uris: Vec<String>,
}

/// The user that authorize approves (on the login page: username [`id`](Self::id),
/// password [`DEMO_PASSWORD`]).
#[derive(Clone, Debug)]
pub struct MockUser {
    /// `sub` of the ID token.
    pub id: String,
    /// `is_admin` of the ID token.
    pub is_admin: bool,
    /// `is_lpa` of the ID token.
    pub is_lpa: bool,
}

/// Token lifetimes.
#[derive(Clone, Copy, Debug)]
pub struct Lifetimes {
    /// AppJWT (default 1 h).
    pub app_jwt: Duration,
    /// User access token (default 1 h).
    pub access_token: Duration,
    /// ID token (default 10 min).
    pub id_token: Duration,
    /// Authorization code (default 60 s).
    pub code: Duration,
    /// How long a rotated-out V2 or ID-token key stays in the JWKS (default
    /// 1 h, the longest token lifetime: a key stays published while any token
    /// it signed can still be valid, as a rotating issuer must).
    pub key_grace: Duration,
}

impl Default for Lifetimes {
    fn default() -> Self {
        Self {
            app_jwt: Duration::from_secs(3600),
            access_token: Duration::from_secs(3600),
            id_token: Duration::from_secs(600),
            code: Duration::from_secs(60),
            key_grace: Duration::from_secs(3600),
        }
    }
}

/// The whole configuration.
#[derive(Clone, Debug)]
pub struct MockConfig {
    /// Accounts served; others get 404.
    pub accounts: Vec<String>,
    /// Registered applications.
    pub clients: Vec<MockClient>,
    /// The user that logs in.
    pub user: MockUser,
    /// Token lifetimes.
    pub lifetimes: Lifetimes,
    /// Added to the system clock, in seconds (tests move time without sleeping).
    pub clock_offset: i64,
    /// The port to bind on 127.0.0.1 (0: any free port).
    pub port: u16,
    /// What the Domain API names for every service it lists (`sentinel`, `idp`,
    /// `asyncMessagingEnt`, `agentVep`) instead of the emulator's own
    /// `127.0.0.1:<port>` (`None`, the default): a bare `host[:port]`, for
    /// testing how clients treat hosts they should refuse.
    pub advertised_host: Option<String>,
    /// Whether authorize consents at once or shows a login page first.
    pub login: LoginMode,
    /// "Many accounts" mode: every account id (1 to 64 characters of
    /// `[A-Za-z0-9_-]`) is served, not only those of [`accounts`](Self::accounts),
    /// and each has one more application for AppJWTs, with the credentials
    /// [`derived_client_id`] and [`derived_client_secret`] of the account id
    /// (benchmarks and tests of thousands of brands). Off by default.
    pub many_accounts: bool,
}

impl Default for MockConfig {
    fn default() -> Self {
        Self {
            accounts: vec![DEFAULT_ACCOUNT.to_owned()],
            clients: vec![MockClient {
                id: DEFAULT_CLIENT_ID.to_owned(),
                secret: DEFAULT_CLIENT_SECRET.to_owned(),
                redirect_uris: vec![DEFAULT_REDIRECT_URI.to_owned()],
            }],
            user: MockUser {
                id: "demo-user-1".to_owned(),
                is_admin: false,
                is_lpa: true,
            },
            lifetimes: Lifetimes::default(),
            clock_offset: 0,
            port: 0,
            advertised_host: None,
            login: LoginMode::AutoConsent,
            many_accounts: false,
        }
    }
}
