//! The command line of the `sentinel-mock` binary, shared with `sentinel mock`
//! (feature `cli`: it needs clap).

use std::io::Write;

use clap::Args;

use crate::MockServer;
use crate::config::{
    DEFAULT_ACCOUNT, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_REDIRECT_URI, DEMO_PASSWORD,
    LoginMode, MockClient, MockConfig,
};
use crate::fault::FaultSpec;

/// Flags of the emulator, to flatten into a clap command (feature `cli`).
///
/// ```
/// use clap::Parser;
/// use sentinel_mock::{Endpoint, Fault, MockArgs};
///
/// #[derive(Parser)]
/// struct Cli {
///     #[command(flatten)]
///     mock: MockArgs,
/// }
///
/// let cli = Cli::parse_from(["sentinel-mock", "--account", "424242", "--fault", "token=503:2"]);
/// assert_eq!(cli.mock.config().accounts, ["424242"]);
/// assert_eq!(cli.mock.faults[0].endpoint, Endpoint::Token);
/// assert_eq!(cli.mock.faults[0].fault, Fault::Status(503));
/// assert_eq!(cli.mock.faults[0].count, 2);
/// assert_eq!(cli.mock.config().login, sentinel_mock::LoginMode::AutoConsent);
///
/// let cli = Cli::parse_from(["sentinel-mock", "--login-page"]);
/// assert_eq!(cli.mock.config().login, sentinel_mock::LoginMode::Form);
/// ```
#[derive(Clone, Debug, Args)]
pub struct MockArgs {
    /// Port on 127.0.0.1; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Account served.
    #[arg(long, default_value = DEFAULT_ACCOUNT)]
    pub account: String,
    /// Client id accepted.
    #[arg(long, default_value = DEFAULT_CLIENT_ID)]
    pub client_id: String,
    /// Client secret accepted (an emulator's; it is printed at start).
    #[arg(long, default_value = DEFAULT_CLIENT_SECRET)]
    pub client_secret: String,
    /// Registered redirect URI; repeat for several [default: http://127.0.0.1/callback].
    #[arg(long = "redirect-uri", value_name = "URI")]
    pub redirect_uris: Vec<String>,
    /// Fault for the next requests: ENDPOINT=FAULT for one, ENDPOINT=FAULT:COUNT
    /// for COUNT. Endpoints: domain, authorize, login, token, revoke, app-token-v1,
    /// app-token-v2, jwks, consumer, protected, send. Faults: 400, 500, 503 (any status),
    /// 429[=SECS], delay[=MS], truncated, oversized, oversized-503, drop, html,
    /// invalid-json, unknown-key, expired. Repeatable.
    #[arg(long = "fault", value_name = "ENDPOINT=FAULT[:COUNT]")]
    pub faults: Vec<FaultSpec>,
    /// Authorize shows an HTML login page (user demo-user-1, the demo password
    /// printed at start) instead of consenting at once.
    #[arg(long)]
    pub login_page: bool,
}

impl MockArgs {
    /// The configuration these flags describe.
    pub fn config(&self) -> MockConfig {
        let redirect_uris = if self.redirect_uris.is_empty() {
            vec![DEFAULT_REDIRECT_URI.to_owned()]
        } else {
            self.redirect_uris.clone()
        };
        MockConfig {
            accounts: vec![self.account.clone()],
            clients: vec![MockClient {
                id: self.client_id.clone(),
                secret: self.client_secret.clone(),
                redirect_uris,
            }],
            port: self.port,
            login: if self.login_page {
                LoginMode::Form
            } else {
                LoginMode::AutoConsent
            },
            ..MockConfig::default()
        }
    }
}

/// Runs the emulator until Ctrl-C or SIGTERM (feature `cli`). The first line on
/// stdout is exactly `listening on http://127.0.0.1:<port>`, then the credentials
/// in use.
pub async fn run_foreground(args: MockArgs) -> std::io::Result<()> {
    let config = args.config();
    let stop = stop_signal()?;
    let handle = MockServer::builder().config(config.clone()).start().await?;
    for f in &args.faults {
        handle.fault(f.endpoint, f.fault.clone(), f.count);
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "listening on {}", handle.base_url())?;
    writeln!(out, "account:       {}", handle.account())?;
    writeln!(out, "client id:     {}", handle.client_id())?;
    writeln!(out, "client secret: {}", handle.client_secret())?;
    for r in config.clients.iter().flat_map(|c| &c.redirect_uris) {
        writeln!(out, "redirect uri:  {r}")?;
    }
    writeln!(
        out,
        "domain api:    {}/api/account/{}/service/baseURI.json?version=1.0",
        handle.base_url(),
        handle.account()
    )?;
    if config.login == LoginMode::Form {
        // Test-only, public credentials, like the client secret above.
        writeln!(
            out,
            "login page:    user {}, password {DEMO_PASSWORD}",
            config.user.id
        )?;
    }
    out.flush()?;
    drop(out);
    stop.await;
    handle.shutdown();
    Ok(())
}

/// Registers for Ctrl-C and SIGTERM now, so that a signal sent as soon as the
/// first line is read is not missed; the future completes on either.
#[cfg(unix)]
fn stop_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    })
}

#[cfg(not(unix))]
fn stop_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}
