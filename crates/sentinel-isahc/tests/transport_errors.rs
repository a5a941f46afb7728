//! How transport failures are classified. `Connect` promises nothing was sent
//! (the core retries a refresh only then); a timeout may come after the request
//! went out, so it stays `Timeout`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use sentinel_client::HttpClient;
use sentinel_isahc::IsahcHttp;
use sentinel_proto::error::TransportErrorKind;

use sentinel_testkit::net;

fn ready_now<F: std::future::Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match f.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(v) => v,
        std::task::Poll::Pending => panic!("isahc's futures are complete when returned"),
    }
}

fn kind(t: &IsahcHttp, url: String) -> TransportErrorKind {
    let request = http::Request::post(url).body(b"x".to_vec()).unwrap();
    // The isahc future is complete when returned: no executor needed.
    match ready_now(t.send(request)) {
        Err(e) => e.kind(),
        Ok(r) => panic!("an answer: {}", r.status()),
    }
}

#[test]
fn a_refused_connection_is_connect() {
    let port = net::closed_port();
    let t = IsahcHttp::new(Duration::from_secs(5), Duration::from_secs(5)).unwrap();
    assert_eq!(
        kind(&t, format!("http://127.0.0.1:{port}/")),
        TransportErrorKind::Connect
    );
}

#[test]
fn a_timeout_after_connecting_is_timeout() {
    let rt = net::runtime();
    let addr = rt.block_on(net::silent_server());
    let t = IsahcHttp::new(Duration::from_secs(5), Duration::from_millis(300)).unwrap();
    assert_eq!(
        kind(&t, format!("http://{addr}/")),
        TransportErrorKind::Timeout
    );
}
