//! The command line, exactly as documented in README.md.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use sentinel_proto::jwt::Algorithm;
use sentinel_proto::{
    AccountId, ClientId, Host, app_token::AppJwtVersion, error::InputError, user::RedirectUri,
};

/// The Domain API asked when no `--csds` is given. The library's default is
/// `Host::csds()`; a unit test keeps the two equal, because clap needs the
/// default as text (it is shown in `--help` and goes through the same parser).
pub const DEFAULT_CSDS: &str = "api.liveperson.net";

// clap's `value_parser` wants a `fn(&str)`; the constructors take `impl Into<String>`.
fn account_id(s: &str) -> Result<AccountId, InputError> {
    AccountId::new(s)
}

fn client_id(s: &str) -> Result<ClientId, InputError> {
    ClientId::new(s)
}

fn redirect_uri(s: &str) -> Result<RedirectUri, InputError> {
    RedirectUri::new(s)
}

/// LivePerson Sentinel from the shell: tokens, discovery, JWT checks, an emulator.
///
/// The client secret is read from SENTINEL_CLIENT_SECRET or, with
/// --client-secret-stdin, from standard input; never from the command line.
///
/// Exit codes: 0 ok, 1 invalid token, 2 usage error or unreadable input,
/// 3 network or server failure, 4 a demo step failed; `login` also: 5 timed
/// out waiting for the browser, 6 the login was refused (error callback),
/// 7 a callback that does not match the request (state), 8 cannot listen on
/// the loopback port.
#[derive(Debug, Parser)]
#[command(name = "sentinel", version, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command takes.
#[derive(Debug, Args)]
pub struct Global {
    /// Machine-readable JSON on stdout (errors as JSON on stderr).
    #[arg(long, global = true)]
    pub json: bool,
    /// Log what happens (tracing, no secrets) to stderr.
    #[arg(long, short, global = true)]
    pub verbose: bool,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the whole flow against an embedded emulator: no account, no network.
    Demo(DemoArgs),
    /// Ask the Domain API which host serves a service.
    Domain(DomainArgs),
    /// Get an AppJWT (client credentials) and print it.
    AppToken(AppTokenArgs),
    /// Log in through the browser (RFC 8252 loopback redirect) and show who you are.
    Login(LoginArgs),
    /// Print the authorize URL to send a browser to, and the state to check.
    AuthorizeUrl(AuthorizeUrlArgs),
    /// Exchange an authorization code for tokens.
    Exchange(ExchangeArgs),
    /// Refresh user tokens (refresh token from --from FILE, SENTINEL_REFRESH_TOKEN or stdin).
    Refresh(RefreshArgs),
    /// Revoke a refresh token (from --from FILE, SENTINEL_REFRESH_TOKEN or stdin).
    Revoke(RefreshArgs),
    /// Show a JWT's header and claims, UNVERIFIED.
    Decode(DecodeArgs),
    /// Verify a JWT's signature and claims.
    Verify(VerifyArgs),
    /// Run the Sentinel emulator in the foreground.
    Mock(sentinel_mock::MockArgs),
}

/// `demo`
#[derive(Debug, Args)]
pub struct DemoArgs {}

/// The Domain API, and which hosts it may send us to.
#[derive(Debug, Args, Clone)]
pub struct Discovery {
    /// Domain API host to discover Sentinel through.
    #[arg(long, value_name = "HOST", default_value = DEFAULT_CSDS, value_parser = Host::parse)]
    pub csds: Host,
    /// Also accept discovered hosts under this domain (private deployments;
    /// repeatable). By default they must be under liveperson.net, be the Domain
    /// API's own host, or be loopback next to a loopback Domain API.
    #[arg(long = "allow-domain", value_name = "DOMAIN")]
    pub allow_domains: Vec<String>,
}

/// Which application, and where its Sentinel is: what every command that
/// talks to Sentinel needs besides a secret.
#[derive(Debug, Args, Clone)]
pub struct Target {
    /// LivePerson account id (site id).
    #[arg(long, value_name = "A", value_parser = account_id)]
    pub account: AccountId,
    /// The application's client id.
    #[arg(long, value_name = "C", value_parser = client_id)]
    pub client_id: ClientId,
    /// Sentinel host, `host[:port]` (https) or `http://` on loopback; skips discovery.
    #[arg(long, value_name = "HOST", conflicts_with = "csds", value_parser = Host::parse)]
    pub domain: Option<Host>,
    #[command(flatten)]
    pub discovery: Discovery,
}

/// A target, and where its client secret comes from.
#[derive(Debug, Args, Clone)]
pub struct App {
    #[command(flatten)]
    pub target: Target,
    /// Read the client secret from stdin instead of SENTINEL_CLIENT_SECRET.
    #[arg(long)]
    pub client_secret_stdin: bool,
}

/// `domain`
#[derive(Debug, Args)]
pub struct DomainArgs {
    /// LivePerson account id (site id).
    #[arg(long, value_name = "A", value_parser = account_id)]
    pub account: AccountId,
    /// Service name.
    #[arg(long, default_value = "sentinel")]
    pub service: String,
    #[command(flatten)]
    pub discovery: Discovery,
}

/// `app-token`
#[derive(Debug, Args)]
pub struct AppTokenArgs {
    #[command(flatten)]
    pub app: App,
    /// Which AppJWT endpoint: v1 (LivePerson's one static key) or v2 (rotating
    /// JWKS keys).
    #[arg(
        long,
        value_name = "VERSION",
        value_enum,
        ignore_case = true,
        default_value_t = AppJwt::V1
    )]
    pub app_jwt_version: AppJwt,
    /// Same as `--app-jwt-version v2`.
    #[arg(long, conflicts_with = "app_jwt_version")]
    pub v2: bool,
    /// Send V1 credentials in the query string (legacy; puts the secret in the URL).
    #[arg(long, conflicts_with = "v2")]
    pub legacy_query: bool,
}

impl AppTokenArgs {
    /// The endpoint asked for, by either flag.
    pub fn version(&self) -> AppJwtVersion {
        if self.v2 {
            AppJwtVersion::V2
        } else {
            self.app_jwt_version.into()
        }
    }
}

/// `app-token --app-jwt-version`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AppJwt {
    /// `.../app/token?v=1.0`, signed by LivePerson's static V1 key.
    V1,
    /// `.../app/token?v=2.0` (as LivePerson's own clients send it), signed by
    /// rotating keys from the JWKS.
    V2,
    /// `.../api/v2/.../app/token` (as one docs page writes it), the same keys.
    V2Path,
}

impl From<AppJwt> for AppJwtVersion {
    fn from(v: AppJwt) -> Self {
        match v {
            AppJwt::V1 => AppJwtVersion::V1,
            AppJwt::V2 => AppJwtVersion::V2,
            AppJwt::V2Path => AppJwtVersion::V2Path,
        }
    }
}

/// `authorize-url`
#[derive(Debug, Args)]
pub struct AuthorizeUrlArgs {
    #[command(flatten)]
    pub target: Target,
    /// Redirect URI (required when more than one is registered).
    #[arg(long, value_name = "U", value_parser = redirect_uri)]
    pub redirect_uri: Option<RedirectUri>,
    /// Add a PKCE challenge (RFC 7636, S256) and print its code verifier; pass
    /// that to `exchange` in SENTINEL_CODE_VERIFIER. Off by default: Sentinel's
    /// documentation does not mention PKCE.
    #[arg(long)]
    pub pkce: bool,
}

/// `exchange`
#[derive(Debug, Args)]
pub struct ExchangeArgs {
    #[command(flatten)]
    pub app: App,
    /// `-`: read the authorization code from stdin. Without it the code comes
    /// from SENTINEL_CODE. A code itself is refused here: the command line is
    /// visible to other users (ps). The PKCE verifier, if any, comes from
    /// SENTINEL_CODE_VERIFIER.
    #[arg(long, value_name = "-")]
    pub code: Option<String>,
    /// The redirect URI sent to authorize, if one was.
    #[arg(long, value_name = "U", value_parser = redirect_uri)]
    pub redirect_uri: Option<RedirectUri>,
}

/// `refresh` and `revoke`
#[derive(Debug, Args)]
pub struct RefreshArgs {
    #[command(flatten)]
    pub app: App,
    /// Take the refresh token from a token file of `sentinel login --save`
    /// (mode 0600, of the same account and client) instead of
    /// SENTINEL_REFRESH_TOKEN or stdin. `refresh` writes the new tokens back to
    /// it; `revoke` removes the refresh token from it.
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,
}

fn redirect_path(s: &str) -> Result<String, String> {
    let ok = s.starts_with('/')
        && s.len() <= 256
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/-._~".contains(&b));
    if ok {
        Ok(s.to_owned())
    } else {
        Err("must start with `/` and hold only letters, digits and `/-._~`".into())
    }
}

/// `login`
#[derive(Debug, Args)]
#[command(after_long_help = crate::cmd::login::LONG_HELP)]
pub struct LoginArgs {
    #[command(flatten)]
    pub app: App,
    /// Port on 127.0.0.1 for the redirect back from Sentinel; 0 picks a free
    /// one (RFC 8252 §7.3: Sentinel must accept any port for a registered
    /// loopback redirect URI; pass the registered port where it does not).
    #[arg(long, value_name = "PORT", default_value_t = 0)]
    pub port: u16,
    /// Path of the redirect URI, `http://127.0.0.1:<port><PATH>`.
    #[arg(long, value_name = "PATH", default_value = "/callback", value_parser = redirect_path)]
    pub redirect_path: String,
    /// Add a PKCE challenge (RFC 7636, S256); the verifier never leaves this process.
    #[arg(long)]
    pub pkce: bool,
    /// Do not open a browser: print the URL to open (on stderr) instead.
    #[arg(long)]
    pub no_open: bool,
    /// How long to wait for the browser to come back, in seconds.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 300,
        value_parser = clap::value_parser!(u64).range(1..=3600)
    )]
    pub timeout: u64,
    /// Write the tokens to FILE (JSON, mode 0600; an existing FILE must not be
    /// readable or writable by group or others). Without it, and without
    /// --json, the tokens are not kept.
    #[arg(long, value_name = "FILE")]
    pub save: Option<PathBuf>,
}

/// `decode`
#[derive(Debug, Args)]
pub struct DecodeArgs {
    /// The token, or `-` to read it from stdin.
    #[arg(value_name = "TOKEN|-")]
    pub token: String,
}

/// `verify`
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("keys").required(true).args(["jwks", "key", "v1_key"])))]
pub struct VerifyArgs {
    /// The token, or `-` to read it from stdin.
    #[arg(value_name = "TOKEN|-")]
    pub token: String,
    /// A JWKS file, or an https:// (or loopback http://) URL to fetch it from.
    #[arg(long, value_name = "FILE|URL")]
    pub jwks: Option<String>,
    /// An RSA public key, PEM (SPKI or PKCS#1).
    #[arg(long, value_name = "PEM_FILE")]
    pub key: Option<PathBuf>,
    /// LivePerson's published V1 AppJWT key.
    #[arg(long)]
    pub v1_key: bool,
    /// Required audience: `aud` (a string or an array) must contain it, e.g.
    /// `le123456` for an AppJWT of account 123456.
    #[arg(long, value_name = "A")]
    pub aud: Option<String>,
    /// Required authorized party: `azp` must be this client id (AppJWTs).
    #[arg(long, value_name = "CLIENT_ID")]
    pub azp: Option<String>,
    /// Required issuer (`Sentinel` for AppJWTs, `sentinel` for ID tokens).
    #[arg(long, value_name = "I")]
    pub iss: Option<String>,
    /// Verify as of this time instead of now.
    #[arg(long, value_name = "UNIX_SECONDS")]
    pub now: Option<u64>,
    /// Clock leeway for exp/nbf/iat, at most 3600 (a larger one would all but
    /// switch the expiry check off).
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 60,
        value_parser = clap::value_parser!(u64).range(..=3600)
    )]
    pub leeway: u64,
    /// Allowed algorithm (repeatable; default RS256). HMAC and none are never allowed.
    #[arg(long, value_name = "ALG", value_enum)]
    pub alg: Vec<Alg>,
}

/// `verify --alg`: the algorithms `sentinel_proto::jwt` implements, by their
/// case-sensitive JOSE names (RFC 7515 §4.1.1). There is deliberately no
/// variant for HMAC or `none`, so the parser itself refuses them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Alg {
    #[value(name = "RS256")]
    Rs256,
    #[value(name = "RS384")]
    Rs384,
    #[value(name = "RS512")]
    Rs512,
}

impl From<Alg> for Algorithm {
    fn from(a: Alg) -> Self {
        match a {
            Alg::Rs256 => Algorithm::Rs256,
            Alg::Rs384 => Algorithm::Rs384,
            Alg::Rs512 => Algorithm::Rs512,
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn default_csds_is_the_library_default() {
        assert_eq!(Host::parse(DEFAULT_CSDS), Ok(Host::csds()));
    }

    #[test]
    fn alg_names_are_the_library_names() {
        for a in Alg::value_variants() {
            let name = a.to_possible_value().map(|v| v.get_name().to_owned());
            assert_eq!(name.as_deref(), Some(Algorithm::from(*a).as_str()));
        }
        for refused in ["HS256", "HS384", "HS512", "none", "None", "rs256", "ES256"] {
            assert!(Alg::from_str(refused, false).is_err(), "{refused}");
        }
    }

    /// Should the library learn PS256 or ES256, `--alg` has to learn it too.
    #[test]
    fn alg_offers_what_the_library_verifies() {
        for name in [
            "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512",
            "EdDSA", "HS256", "none",
        ] {
            assert_eq!(
                Alg::from_str(name, false).is_ok(),
                Algorithm::from_name(name).is_some(),
                "{name}"
            );
        }
    }
}
