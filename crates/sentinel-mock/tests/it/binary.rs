//! The `sentinel-mock` binary: flags, the first line, clean exit on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

#[test]
fn help_documents_the_flags_and_defaults() {
    let out = Command::new(env!("CARGO_BIN_EXE_sentinel-mock"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for flag in [
        "--port",
        "--account",
        "--client-id",
        "--client-secret",
        "--redirect-uri",
        "--fault",
        "--login-page",
        "[default: 0]",
        "[default: 123456]",
        &format!("[default: {}]", sentinel_mock::DEFAULT_CLIENT_ID),
        &format!("[default: {}]", sentinel_mock::DEFAULT_CLIENT_SECRET),
        "[default: http://127.0.0.1/callback]",
    ] {
        assert!(help.contains(flag), "{flag} in {help}");
    }
    // The fault syntax names every endpoint and fault kind.
    for e in sentinel_mock::Endpoint::ALL {
        if e != sentinel_mock::Endpoint::Other {
            assert!(help.contains(e.as_str()), "{} in {help}", e.as_str());
        }
    }
    for f in [
        "429",
        "delay",
        "truncated",
        "oversized",
        "oversized-503",
        "drop",
        "html",
        "invalid-json",
        "unknown-key",
        "expired",
    ] {
        assert!(help.contains(f), "{f} in {help}");
    }
}

/// Kills the child if the test fails before it is reaped, so a failing test
/// leaves no emulator running.
struct Reap(Option<std::process::Child>);

impl Drop for Reap {
    fn drop(&mut self) {
        if let Some(mut c) = self.0.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

#[cfg(unix)]
#[tokio::test]
async fn runs_in_the_foreground_and_exits_cleanly_on_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sentinel-mock"))
        .args([
            "--port",
            "0",
            "--account",
            "424242",
            "--client-id",
            "cli-client",
            "--client-secret",
            "cli-secret",
            "--redirect-uri",
            "http://127.0.0.1:9/a",
            "--redirect-uri",
            "http://127.0.0.1:9/b",
            "--fault",
            "app-token-v1=503:1",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let pid = child.id().to_string();
    let mut child = Reap(Some(child));
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().unwrap().unwrap();
    // Exactly `listening on http://127.0.0.1:<port>`, nothing more.
    let port: u16 = first
        .strip_prefix("listening on http://127.0.0.1:")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("first line: {first:?}"));
    assert_ne!(port, 0);
    let url = format!("http://127.0.0.1:{port}");
    assert_eq!(first, format!("listening on {url}"));
    let rest: Vec<String> = lines.by_ref().take(6).map(Result::unwrap).collect();
    let rest = rest.join("\n");
    for s in [
        "424242",
        "cli-client",
        "cli-secret",
        "http://127.0.0.1:9/a",
        "http://127.0.0.1:9/b",
    ] {
        assert!(rest.contains(s), "{s} in {rest}");
    }

    let http = crate::util::http();
    let post = || {
        http.post(format!("{url}/sentinel/api/account/424242/app/token?v=1.0"))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", "cli-client"),
                ("client_secret", "cli-secret"),
            ])
            .send()
    };
    assert_eq!(post().await.unwrap().status(), 503, "--fault applied");
    let r = post().await.unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert!(v["access_token"].is_string());
    let r = http
        .get(format!(
            "{url}/api/account/424242/service/sentinel/baseURI.json?version=1.0"
        ))
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["baseURI"], url.trim_start_matches("http://"));

    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let (tx, rx) = std::sync::mpsc::channel();
    let mut reaped = child.0.take().unwrap();
    std::thread::spawn(move || {
        let _ = tx.send(reaped.wait());
    });
    let status = rx
        .recv_timeout(Duration::from_secs(10))
        .unwrap_or_else(|_| {
            let _ = Command::new("kill").args(["-KILL", &pid]).status();
            panic!("still running 10 s after SIGTERM")
        })
        .unwrap();
    assert!(status.success(), "{status}");
}

#[test]
fn bad_flags_are_refused() {
    let out = Command::new(env!("CARGO_BIN_EXE_sentinel-mock"))
        .args(["--fault", "token=teapot"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("teapot"));
}

#[tokio::test]
async fn login_page_flag_shows_the_page_and_prints_the_credentials() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sentinel-mock"))
        .args(["--port", "0", "--login-page"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    // Killed when the test ends, passed or failed.
    let _child = Reap(Some(child));
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().unwrap().unwrap();
    let url = first.strip_prefix("listening on ").unwrap().to_owned();
    let login = lines
        .map(Result::unwrap)
        .find(|l| l.starts_with("login page:"))
        .unwrap();
    assert_eq!(
        login,
        format!(
            "login page:    user demo-user-1, password {}",
            sentinel_mock::DEMO_PASSWORD
        )
    );
    let r = crate::util::http()
        .get(format!(
            "{url}/sentinel/api/account/123456/authorize?response_type=code&client_id={}",
            sentinel_mock::DEFAULT_CLIENT_ID
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8");
    assert!(r.text().await.unwrap().contains(r#"id="login""#));
}
