//! N AppJWT fetches through one contender, with the emulator in a child
//! process, so that a profiler run on this process counts only the client's
//! side: `fetch_n MODE N` with MODE one of `sentinel_reqwest`, `bare_reqwest`,
//! `sentinel_isahc`, `bare_isahc` (see `benches/insns-e2e.sh`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, Read, Write};
use std::process::{Command, Stdio};

use isahc::config::Configurable as _;
use sentinel_client::ClientConfig;
#[path = "../benches/common/bare.rs"]
mod bare;
use sentinel_proto::{AccountId, ClientId, ClientSecret, Host};

fn serve() {
    let mock = sentinel_mock::MockServer::builder()
        .start_blocking()
        .unwrap();
    println!(
        "{} {} {} {}",
        mock.base_url(),
        mock.account(),
        mock.client_id(),
        mock.client_secret()
    );
    std::io::stdout().flush().unwrap();
    // Until the parent closes our stdin.
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mode = args.get(1).map_or("bare_reqwest", String::as_str);
    if mode == "serve" {
        return serve();
    }
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1000);
    let mut child = Command::new(std::env::current_exe().unwrap())
        .arg("serve")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let f: Vec<&str> = line.split_whitespace().collect();
    let (base, account, client_id, secret) = (f[0], f[1], f[2], f[3]);
    let token_url = format!("{base}/sentinel/api/account/{account}/app/token?v=1.0");
    let form =
        format!("grant_type=client_credentials&client_id={client_id}&client_secret={secret}");
    let config = ClientConfig::new(
        AccountId::new(account).unwrap(),
        ClientId::new(client_id).unwrap(),
        ClientSecret::new(secret),
    )
    .with_sentinel_host(Host::parse(base).unwrap());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // One warm-up request (connection made) and then `n`, of one contender.
    match mode {
        "sentinel_reqwest" => {
            let ours = sentinel_reqwest::SentinelClient::new(config).unwrap();
            for _ in 0..=n {
                std::hint::black_box(rt.block_on(ours.fetch_app_token()).unwrap());
            }
        }
        "bare_reqwest" => {
            let http = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap();
            for _ in 0..=n {
                let body = rt.block_on(bare::reqwest_post(&http, &token_url, &form));
                std::hint::black_box(body.as_ref());
            }
        }
        "sentinel_isahc" => {
            let ours = sentinel_isahc::SentinelClient::new(config).unwrap();
            for _ in 0..=n {
                std::hint::black_box(ours.fetch_app_token().unwrap());
            }
        }
        "bare_isahc" => {
            let http = isahc::HttpClient::builder()
                .redirect_policy(isahc::config::RedirectPolicy::None)
                .build()
                .unwrap();
            for _ in 0..=n {
                std::hint::black_box(bare::isahc_post(&http, &token_url, &form));
            }
        }
        other => panic!("unknown mode {other}"),
    }
    drop(child.stdin.take());
    let _ = child.wait();
}
