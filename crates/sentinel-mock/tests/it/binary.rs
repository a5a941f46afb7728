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
        "123456",
        sentinel_mock::DEFAULT_CLIENT_ID,
        "http://127.0.0.1/callback",
    ] {
        assert!(help.contains(flag), "{flag} in {help}");
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
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().unwrap().unwrap();
    let url = first
        .strip_prefix("listening on http://127.0.0.1:")
        .map(|port| format!("http://127.0.0.1:{port}"))
        .unwrap_or_else(|| panic!("first line: {first}"));
    assert!(url.rsplit(':').next().unwrap().parse::<u16>().unwrap() > 0);
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

    let http = reqwest::Client::new();
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

    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait());
    });
    let status = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("exits after SIGTERM")
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
