//! Human or JSON output, colour only on a terminal, and the exit code of a failure.

use std::io::IsTerminal;

use serde_json::{Value, json};

/// How a command failed, and so its exit code.
#[derive(Debug)]
pub enum Failure {
    /// The token is invalid (exit 1).
    Invalid(String),
    /// Bad arguments or unreadable input (exit 2).
    Usage(String),
    /// The network or the server failed (exit 3).
    Remote(sentinel_proto::Error),
    /// A demo step did not do what it should (exit 4).
    Demo(String),
    /// `login`: no callback came before the timeout (exit 5).
    Timeout(String),
    /// `login`: the authorization server sent an error callback (exit 6).
    Denied(String),
    /// `login`: a callback that does not match the request: state, no code
    /// (exit 7).
    Callback(String),
    /// `login`: the loopback port cannot be listened on (exit 8).
    Listen(String),
}

impl Failure {
    pub fn code(&self) -> u8 {
        match self {
            Failure::Invalid(_) => 1,
            Failure::Usage(_) => 2,
            Failure::Remote(_) => 3,
            Failure::Demo(_) => 4,
            Failure::Timeout(_) => 5,
            Failure::Denied(_) => 6,
            Failure::Callback(_) => 7,
            Failure::Listen(_) => 8,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Failure::Invalid(_) => "invalid_token",
            Failure::Usage(_) => "usage",
            Failure::Remote(_) => "remote",
            Failure::Demo(_) => "demo",
            Failure::Timeout(_) => "timeout",
            Failure::Denied(_) => "denied",
            Failure::Callback(_) => "callback",
            Failure::Listen(_) => "listen",
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Invalid(m)
            | Failure::Usage(m)
            | Failure::Demo(m)
            | Failure::Timeout(m)
            | Failure::Denied(m)
            | Failure::Callback(m)
            | Failure::Listen(m) => f.write_str(m),
            Failure::Remote(e) => write!(f, "{e}"),
        }
    }
}

impl From<sentinel_proto::Error> for Failure {
    /// Input errors are the caller's (2); everything else came from the network or
    /// the server (3).
    fn from(e: sentinel_proto::Error) -> Self {
        match e {
            sentinel_proto::Error::Input(i) => Failure::Usage(i.to_string()),
            other => Failure::Remote(other),
        }
    }
}

impl From<sentinel_proto::error::InputError> for Failure {
    fn from(e: sentinel_proto::error::InputError) -> Self {
        Failure::Usage(e.to_string())
    }
}

/// Where results go.
pub struct Out {
    json: bool,
    color_out: bool,
    color_err: bool,
}

impl Out {
    pub fn new(json: bool) -> Self {
        Self {
            json,
            color_out: !json && std::io::stdout().is_terminal(),
            color_err: !json && std::io::stderr().is_terminal(),
        }
    }

    /// Whether results are JSON.
    pub fn is_json(&self) -> bool {
        self.json
    }

    /// Prints a result: `human` as text, or `value` as one JSON document.
    pub fn result(&self, human: &str, value: Value) {
        if self.json {
            println!("{value}");
        } else {
            println!("{human}");
        }
    }

    /// A demo step line: `ok`/`FAIL`, duration, text.
    pub fn step(&self, ok: bool, millis: f64, text: &str) {
        if self.json {
            println!("{}", json!({"ok": ok, "ms": millis, "step": text}));
            return;
        }
        let mark = match (ok, self.color_out) {
            (true, true) => "\x1b[32m ok \x1b[0m",
            (false, true) => "\x1b[31mFAIL\x1b[0m",
            (true, false) => " ok ",
            (false, false) => "FAIL",
        };
        println!("[{mark}] {millis:>8.1} ms  {text}");
    }

    /// A detail line under a demo step.
    pub fn detail(&self, text: &str) {
        if !self.json {
            println!("                      {text}");
        }
    }

    /// Reports a failure on stderr: one line, or a JSON object.
    pub fn error(&self, f: &Failure) {
        if self.json {
            eprintln!(
                "{}",
                json!({"error": f.kind(), "message": f.to_string(), "exit_code": f.code()})
            );
        } else if self.color_err {
            eprintln!("\x1b[31msentinel:\x1b[0m {f}");
        } else {
            eprintln!("sentinel: {f}");
        }
    }
}

/// `--verbose`: tracing to stderr. Our spans carry no secrets; dependencies' logs
/// are kept at warn so that request dumps never appear.
pub fn init_tracing(verbose: bool) {
    let filter = if verbose {
        "warn,sentinel=debug,sentinel_proto=debug,sentinel_reqwest=debug,sentinel_mock=info"
    } else {
        "error"
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .try_init();
}
