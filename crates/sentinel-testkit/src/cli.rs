//! The `sentinel` binary as its tests run it: a clean environment, the emulator's
//! coordinates on the command line, and its output checked for markers.

use std::time::Duration;

use assert_cmd::Command;
use sentinel_mock::MockHandle;
use serde_json::Value;

/// What a test's environment could hold that changes the binary's behaviour:
/// secrets, log and colour settings. [`sentinel`] removes them all.
pub const ENV: [&str; 6] = [
    "SENTINEL_CLIENT_SECRET",
    "SENTINEL_REFRESH_TOKEN",
    "SENTINEL_CODE",
    "SENTINEL_CODE_VERIFIER",
    "RUST_LOG",
    "NO_COLOR",
];

/// The built binary with a clean environment (none of [`ENV`]) and a 60 s
/// timeout.
pub fn sentinel() -> Command {
    let mut c = Command::cargo_bin("sentinel").unwrap();
    for v in ENV {
        c.env_remove(v);
    }
    c.timeout(Duration::from_secs(60));
    c
}

/// The emulator's coordinates as flags: `--account .. --client-id .. --csds ..`.
pub fn coordinates(m: &MockHandle) -> Vec<String> {
    let flags = ["--account", "--client-id", "--csds"];
    let values = [
        m.account().to_owned(),
        m.client_id().to_owned(),
        m.base_url(),
    ];
    flags
        .into_iter()
        .zip(values)
        .flat_map(|(f, v)| [f.to_owned(), v])
        .collect()
}

/// `sentinel <args> --account .. --client-id .. --csds <m>`.
pub fn located(m: &MockHandle, args: &[&str]) -> Command {
    let mut c = sentinel();
    c.args(args).args(coordinates(m));
    c
}

/// [`located`] with `secret` in SENTINEL_CLIENT_SECRET.
pub fn with_app(m: &MockHandle, secret: &str, args: &[&str]) -> Command {
    let mut c = located(m, args);
    c.env("SENTINEL_CLIENT_SECRET", secret);
    c
}

/// `sentinel verify <token> --key <test key A's PEM> <extra>`.
pub fn verify_with_key_a(token: &str, extra: &[&str]) -> Command {
    let mut c = sentinel();
    c.args(["verify", token, "--key"])
        .arg(crate::jwt::fixture("test-only-rsa2048-a.pub.pem"))
        .args(extra);
    c
}

/// A finished run: exit code (-1: killed by a signal) and output.
#[derive(Debug)]
pub struct Run {
    /// The exit code.
    pub code: i32,
    /// Standard output, lossy.
    pub stdout: String,
    /// Standard error, lossy.
    pub stderr: String,
}

/// Runs `c`; fails if any of `markers` is anywhere in its output.
pub fn run(c: &mut Command, markers: &[&str]) -> Run {
    let out = c.output().unwrap();
    let r = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    for marker in markers {
        assert!(
            !r.stdout.contains(marker) && !r.stderr.contains(marker),
            "{marker} in output: {r:#?}"
        );
    }
    r
}

impl Run {
    /// Exit `code`, nothing on stdout, and exactly one line on stderr, starting
    /// `sentinel: `, that contains `reason`.
    pub fn fails(&self, code: i32, reason: &str) {
        assert_eq!(self.code, code, "{self:#?}");
        assert!(self.stdout.is_empty(), "stdout on failure: {self:#?}");
        assert_eq!(
            self.stderr.lines().count(),
            1,
            "one line on stderr: {self:#?}"
        );
        assert!(self.stderr.starts_with("sentinel: "), "{self:#?}");
        assert!(self.stderr.contains(reason), "want {reason:?}: {self:#?}");
    }

    /// As [`fails`](Self::fails), after `--verbose` log lines: the reason is the
    /// last line.
    pub fn fails_after_logs(&self, code: i32, reason: &str) {
        assert_eq!(self.code, code, "{self:#?}");
        assert!(self.stdout.is_empty(), "stdout on failure: {self:#?}");
        let last = self.stderr.lines().last().unwrap_or_default();
        assert!(last.starts_with("sentinel: "), "{self:#?}");
        assert!(last.contains(reason), "want {reason:?}: {self:#?}");
    }

    /// Exit 0.
    pub fn ok(&self) -> &Self {
        assert_eq!(self.code, 0, "{self:#?}");
        self
    }

    /// Exit 0 and one line of JSON on stdout, parsed.
    pub fn json(&self) -> Value {
        self.ok();
        assert_eq!(self.stdout.lines().count(), 1, "one JSON line: {self:#?}");
        serde_json::from_str(&self.stdout).unwrap()
    }

    /// A usage error: exit 2, nothing on stdout; with `json`, as
    /// [`json_usage_error`](Self::json_usage_error).
    pub fn usage_error(&self, json: bool) {
        assert_eq!(self.code, 2, "{self:#?}");
        assert!(self.stdout.is_empty(), "{self:#?}");
        if json {
            self.json_usage_error();
        }
    }

    /// A usage error under `--json`: exit 2, nothing on stdout, and stderr one
    /// line of JSON with `"error": "usage"` and `"exit_code": 2`; returns it.
    pub fn json_usage_error(&self) -> Value {
        assert_eq!(self.code, 2, "{self:#?}");
        assert!(self.stdout.is_empty(), "{self:#?}");
        assert_eq!(self.stderr.lines().count(), 1, "{self:#?}");
        let v: Value = serde_json::from_str(&self.stderr).unwrap();
        assert_eq!(v["error"], "usage", "{self:#?}");
        assert_eq!(v["exit_code"], 2);
        v
    }
}
