//! `sentinel`: LivePerson Sentinel from the shell.
//!
//! Exit codes: 0 success; 1 the token is invalid (`verify`, `login`); 2 usage
//! error or unreadable input; 3 network or server failure; 4 the demo found a
//! step that did not do what it should; `login` only: 5 no callback before the
//! timeout, 6 the login was refused (error callback), 7 a callback that does not
//! match the request (state), 8 the loopback port cannot be listened on.
#![forbid(unsafe_code)]

mod args;
mod argv;
mod cmd;
mod output;
mod tokens;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};
use crate::output::Failure;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version to stdout with exit 0, usage errors with 2.
            if !e.use_stderr() {
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            // clap quotes arguments it could not place; any that may be a token
            // or a code is redacted first (argv.rs).
            let failure = Failure::Usage(usage_message(&argv::render(&e, false)));
            // The arguments did not parse, so `--json` is looked for by hand: a
            // script that asked for JSON gets JSON for this error too.
            if std::env::args_os()
                .skip(1)
                .take_while(|a| a != "--")
                .any(|a| a == "--json")
            {
                output::Out::new(true).error(&failure);
            } else {
                eprint!("{}", argv::render(&e, std::io::stderr().is_terminal()));
            }
            return ExitCode::from(failure.code());
        }
    };
    output::init_tracing(cli.global.verbose);
    // One command, then exit: one thread is enough. The embedded emulator of
    // `demo` and `mock` is async on this runtime too, and nothing here blocks it.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("sentinel: cannot start the async runtime: {e}");
            return ExitCode::from(3);
        }
    };
    let out = output::Out::new(cli.global.json);
    let result = runtime.block_on(async {
        match cli.command {
            Command::Demo(a) => cmd::demo::run(a, &out).await,
            Command::Domain(a) => cmd::remote::domain(a, &out).await,
            Command::AppToken(a) => cmd::remote::app_token(a, &out).await,
            Command::Login(a) => cmd::login::run(a, &out).await,
            Command::AuthorizeUrl(a) => cmd::remote::authorize_url(a, &out).await,
            Command::Exchange(a) => cmd::remote::exchange(a, &out).await,
            Command::Refresh(a) => cmd::remote::refresh(a, &out).await,
            Command::Revoke(a) => cmd::remote::revoke(a, &out).await,
            Command::Decode(a) => cmd::jwt::decode(a, &out),
            Command::Verify(a) => cmd::jwt::verify(a, &out).await,
            Command::Mock(a) => cmd::mock::run(a).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => f.report(&out),
    }
}

impl Failure {
    fn report(self, out: &output::Out) -> ExitCode {
        out.error(&self);
        ExitCode::from(self.code())
    }
}

/// clap's (redacted, unstyled) message without its `error: ` prefix, tip and
/// usage lines. A refused choice (`--alg HS256`) keeps the line of what is
/// allowed: without it the message gives no reason.
fn usage_message(text: &str) -> String {
    let mut lines = text.lines();
    let first = lines.next().unwrap_or_default();
    let mut message = first.strip_prefix("error: ").unwrap_or(first).to_owned();
    if let Some(allowed) = lines
        .map(str::trim)
        .find(|l| l.starts_with("[possible values:"))
    {
        message.push(' ');
        message.push_str(allowed);
    }
    message
}
