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

/// `sentinel login --no-open` running in the background: the URL it printed,
/// and the process, until [`finish`](Self::finish).
#[derive(Debug)]
pub struct Login {
    /// The authorize URL, the last word of the first stderr line.
    pub url: String,
    /// That first stderr line, whole.
    pub first_line: String,
    child: std::process::Child,
    rest: std::thread::JoinHandle<String>,
    stdout: std::thread::JoinHandle<String>,
}

/// Starts `sentinel login --no-open <args> --account .. --client-id .. --csds <m>`
/// with `secret` in SENTINEL_CLIENT_SECRET and a clean environment, and waits
/// (up to 30 s) for the line that names the URL to open.
pub fn login(m: &MockHandle, secret: &str, args: &[&str]) -> Login {
    use std::io::{BufRead as _, Read as _};
    use std::process::Stdio;
    let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("sentinel"));
    for v in ENV {
        c.env_remove(v);
    }
    c.arg("login")
        .arg("--no-open")
        .args(args)
        .args(coordinates(m))
        .env("SENTINEL_CLIENT_SECRET", secret)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let stdout = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let (tx, rx) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    let rest = std::thread::spawn(move || {
        let mut lines = std::io::BufReader::new(stderr).lines();
        let first = lines.next().and_then(Result::ok).unwrap_or_default();
        let _ = tx.send(first);
        lines
            .map_while(Result::ok)
            .fold(String::new(), |mut all, l| {
                all.push_str(&l);
                all.push('\n');
                all
            })
    });
    let first_line = match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(l) => l,
        Err(_) => {
            let _ = child.kill();
            panic!("sentinel login printed no URL within 30 s");
        }
    };
    let url = if first_line.starts_with('{') {
        let v: Value = serde_json::from_str(&first_line).unwrap();
        v["authorize_url"].as_str().unwrap_or_default().to_owned()
    } else {
        first_line
            .split_whitespace()
            .last()
            .unwrap_or_default()
            .to_owned()
    };
    assert!(
        url.starts_with("http://") || url.starts_with("https://"),
        "no URL on the first stderr line: {first_line:?}"
    );
    Login {
        url,
        first_line,
        child,
        rest,
        stdout,
    }
}

impl Login {
    /// The `redirect_uri` of the URL.
    pub fn redirect_uri(&self) -> String {
        crate::browser::param(&self.url, "redirect_uri").unwrap()
    }

    /// `state` of the URL.
    pub fn state(&self) -> String {
        crate::browser::param(&self.url, "state").unwrap()
    }

    /// Ends the command (our own child, by its handle) without waiting for it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Waits (up to 60 s) for the command to end. Its stderr in the result is
    /// what came after the URL line. Fails if any of `markers` is in the output.
    pub fn finish(mut self, markers: &[&str]) -> Run {
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            if std::time::Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("sentinel login still running after 60 s");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let r = Run {
            code: status.code().unwrap_or(-1),
            stdout: self.stdout.join().unwrap(),
            stderr: self.rest.join().unwrap(),
        };
        for marker in markers {
            assert!(
                !r.stdout.contains(marker)
                    && !r.stderr.contains(marker)
                    && !self.first_line.contains(marker),
                "{marker} in output: {r:#?}"
            );
        }
        r
    }
}
