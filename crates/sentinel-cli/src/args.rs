//! The command line, exactly as documented in README.md.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// LivePerson Sentinel from the shell: tokens, discovery, JWT checks, an emulator.
///
/// The client secret is read from SENTINEL_CLIENT_SECRET or, with
/// --client-secret-stdin, from standard input; never from the command line.
///
/// Exit codes: 0 ok, 1 invalid token, 2 usage error or unreadable input,
/// 3 network or server failure, 4 a demo step failed.
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
    /// Print the authorize URL to send a browser to, and the state to check.
    AuthorizeUrl(AuthorizeUrlArgs),
    /// Exchange an authorization code for tokens.
    Exchange(ExchangeArgs),
    /// Refresh user tokens (refresh token from SENTINEL_REFRESH_TOKEN or stdin).
    Refresh(RefreshArgs),
    /// Revoke a refresh token (from SENTINEL_REFRESH_TOKEN or stdin).
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

/// Where the Sentinel host comes from.
#[derive(Debug, Args, Clone)]
pub struct Location {
    /// Sentinel host, `host[:port]` (https) or `http://` on loopback; skips discovery.
    #[arg(long, value_name = "HOST", conflicts_with = "csds")]
    pub domain: Option<String>,
    /// Domain API host to discover Sentinel through.
    #[arg(long, value_name = "HOST", default_value = "api.liveperson.net")]
    pub csds: String,
    /// Also accept discovered hosts under this domain (private deployments;
    /// repeatable). By default they must be under liveperson.net, be the Domain
    /// API's own host, or be loopback next to a loopback Domain API.
    #[arg(long = "allow-domain", value_name = "DOMAIN")]
    pub allow_domains: Vec<String>,
}

/// Account and client.
#[derive(Debug, Args, Clone)]
pub struct App {
    /// LivePerson account id (site id).
    #[arg(long, value_name = "A")]
    pub account: String,
    /// The application's client id.
    #[arg(long, value_name = "C")]
    pub client_id: String,
    /// Read the client secret from stdin instead of SENTINEL_CLIENT_SECRET.
    #[arg(long)]
    pub client_secret_stdin: bool,
    #[command(flatten)]
    pub location: Location,
}

/// `domain`
#[derive(Debug, Args)]
pub struct DomainArgs {
    /// LivePerson account id (site id).
    #[arg(long, value_name = "A")]
    pub account: String,
    /// Domain API host.
    #[arg(long, value_name = "HOST", default_value = "api.liveperson.net")]
    pub csds: String,
    /// Service name.
    #[arg(long, default_value = "sentinel")]
    pub service: String,
    /// Also accept a host under this domain (repeatable); see `app-token --help`.
    #[arg(long = "allow-domain", value_name = "DOMAIN")]
    pub allow_domains: Vec<String>,
}

/// `app-token`
#[derive(Debug, Args)]
pub struct AppTokenArgs {
    #[command(flatten)]
    pub app: App,
    /// Use the AppJWT V2 endpoint (rotating JWKS keys).
    #[arg(long)]
    pub v2: bool,
    /// Send V1 credentials in the query string (legacy; puts the secret in the URL).
    #[arg(long, conflicts_with = "v2")]
    pub legacy_query: bool,
}

/// `authorize-url`
#[derive(Debug, Args)]
pub struct AuthorizeUrlArgs {
    /// LivePerson account id (site id).
    #[arg(long, value_name = "A")]
    pub account: String,
    /// The application's client id.
    #[arg(long, value_name = "C")]
    pub client_id: String,
    /// Redirect URI (required when more than one is registered).
    #[arg(long, value_name = "U")]
    pub redirect_uri: Option<String>,
    /// Add a PKCE challenge (RFC 7636, S256) and print its code verifier; pass
    /// that to `exchange` in SENTINEL_CODE_VERIFIER. Off by default: Sentinel's
    /// documentation does not mention PKCE.
    #[arg(long)]
    pub pkce: bool,
    #[command(flatten)]
    pub location: Location,
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
    #[arg(long, value_name = "U")]
    pub redirect_uri: Option<String>,
}

/// `refresh` and `revoke`
#[derive(Debug, Args)]
pub struct RefreshArgs {
    #[command(flatten)]
    pub app: App,
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
    #[arg(long, value_name = "ALG")]
    pub alg: Vec<String>,
}
