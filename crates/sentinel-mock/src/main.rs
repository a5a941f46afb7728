//! `sentinel-mock`: the Sentinel emulator in the foreground.
#![forbid(unsafe_code)]

use clap::Parser;

/// A LivePerson Sentinel emulator on 127.0.0.1, for development and tests.
/// Its keys and tokens are TEST-ONLY.
#[derive(Parser)]
#[command(name = "sentinel-mock", version)]
struct Cli {
    #[command(flatten)]
    args: sentinel_mock::MockArgs,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match sentinel_mock::run_foreground(cli.args).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sentinel-mock: {e}");
            std::process::ExitCode::from(1)
        }
    }
}
