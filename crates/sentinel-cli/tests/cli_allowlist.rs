//! Discovered hosts are allow-listed in the CLI too: an emulator whose Domain API
//! names a host outside the list is refused (and gets no secret), unless
//! `--allow-domain` widens the list.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use assert_cmd::Command;
use sentinel_mock::{Endpoint, MockHandle};
use sentinel_testkit::cli::{self, Run, sentinel};
use sentinel_testkit::mock;
use serde_json::Value;

const SECRET: &str = "CLI-ALLOW-SECRET-MARKER-90b3";

fn mock(advertised: Option<&str>) -> MockHandle {
    let mut config = mock::marked_config("cli-client", SECRET);
    config.advertised_host = advertised.map(str::to_owned);
    mock::start_blocking(config)
}

fn run(c: &mut Command) -> Run {
    cli::run(c, &[SECRET])
}

fn domain(m: &MockHandle, extra: &[&str]) -> Run {
    run(sentinel()
        .args(["domain", "--account", m.account(), "--csds", &m.base_url()])
        .args(extra))
}

#[test]
fn a_host_outside_the_list_is_refused_and_named() {
    let m = mock(Some("sentinel.corp.example"));
    for json in [false, true] {
        let r = domain(&m, if json { &["--json"] } else { &[] });
        assert_eq!(r.code, 3, "{}", r.stderr);
        assert!(r.stdout.is_empty());
        assert!(
            r.stderr.contains("sentinel.corp.example")
                && r.stderr.contains("not under an allowed domain"),
            "{}",
            r.stderr
        );
        if json {
            let v: Value = serde_json::from_str(r.stderr.trim()).unwrap();
            assert_eq!(v["error"], "remote");
        }
    }
    // The client secret never goes to a refused host: nothing but the Domain API
    // was asked.
    let r = run(&mut cli::with_app(&m, SECRET, &["app-token"]));
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("sentinel.corp.example"), "{}", r.stderr);
    assert_eq!(m.count(Endpoint::AppTokenV1), 0);
    assert_eq!(m.count(Endpoint::DomainApi), 3);
}

#[test]
fn allow_domain_widens_the_list() {
    let m = mock(Some("sentinel.corp.example:8443"));
    for allow in ["corp.example", "CORP.example.", "*.corp.example"] {
        let r = domain(
            &m,
            &["--allow-domain", "other.example", "--allow-domain", allow],
        );
        assert_eq!(r.code, 0, "{allow}: {}", r.stderr);
        assert_eq!(r.stdout, "https://sentinel.corp.example:8443\n");
    }
    // A dot boundary: a look-alike domain does not match.
    let r = domain(&m, &["--allow-domain", "rp.example"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
}

#[test]
fn the_emulators_own_loopback_host_needs_no_flag() {
    let m = mock(None);
    let r = domain(&m, &["--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["host"], m.host());
}
