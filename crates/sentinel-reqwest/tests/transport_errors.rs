//! How transport failures are classified. `Connect` promises nothing was sent
//! (the core retries a refresh only then), so it must cover a refused connection
//! and a connect timeout, and nothing that may come after the request went out.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use sentinel_client::HttpClient;
use sentinel_proto::error::TransportErrorKind;
use sentinel_reqwest::ReqwestHttp;

use sentinel_testkit::net;

fn transport(connect_timeout: Duration, timeout: Duration) -> ReqwestHttp {
    let builder = reqwest::Client::builder()
        .connect_timeout(connect_timeout)
        .timeout(timeout);
    ReqwestHttp::from_builder(builder)
        .unwrap()
        .with_loopback_timeouts(connect_timeout, timeout)
}

async fn kind(t: &ReqwestHttp, url: String) -> TransportErrorKind {
    let request = http::Request::post(url).body(b"x".to_vec()).unwrap();
    match t.send(request).await {
        Err(e) => e.kind(),
        Ok(r) => panic!("an answer: {}", r.status()),
    }
}

#[tokio::test]
async fn a_refused_connection_is_connect() {
    let port = net::closed_port();
    let t = transport(Duration::from_secs(5), Duration::from_secs(5));
    assert_eq!(
        kind(&t, format!("http://127.0.0.1:{port}/")).await,
        TransportErrorKind::Connect
    );
}

#[tokio::test]
async fn a_connect_timeout_is_connect() {
    // A listener that never accepts, its queue full: further SYNs are dropped and
    // the connection never completes.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(1).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut held = Vec::new();
    for _ in 0..8 {
        match tokio::time::timeout(
            Duration::from_millis(200),
            tokio::net::TcpStream::connect(addr),
        )
        .await
        {
            Ok(Ok(s)) => held.push(s),
            _ => break,
        }
    }
    let t = transport(Duration::from_millis(300), Duration::from_secs(10));
    assert_eq!(
        kind(&t, format!("http://{addr}/")).await,
        TransportErrorKind::Connect
    );
    drop((listener, held));
}

#[tokio::test]
async fn a_timeout_after_connecting_is_timeout() {
    let addr = net::silent_server().await;
    let t = transport(Duration::from_secs(5), Duration::from_millis(300));
    assert_eq!(
        kind(&t, format!("http://{addr}/")).await,
        TransportErrorKind::Timeout
    );
}

#[tokio::test]
async fn a_reset_while_reading_is_io() {
    let addr = net::resetting_server().await;
    let t = transport(Duration::from_secs(5), Duration::from_secs(5));
    assert_eq!(
        kind(&t, format!("http://{addr}/")).await,
        TransportErrorKind::Io
    );
}
