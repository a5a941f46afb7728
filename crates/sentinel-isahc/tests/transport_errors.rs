//! How transport failures are classified. `Connect` promises nothing was sent
//! (the core retries a refresh only then); a timeout may come after the request
//! went out, so it stays `Timeout`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use sentinel_isahc::IsahcTransport;
use sentinel_proto::{Error, Transport, TransportErrorKind};

mod net;

fn kind(t: &IsahcTransport, url: String) -> TransportErrorKind {
    let request = http::Request::post(url).body(b"x".to_vec()).unwrap();
    match pollster::block_on(t.send(request)) {
        Err(Error::Transport(e)) => e.kind(),
        other => panic!("not a transport error: {other:?}"),
    }
}

#[test]
fn a_refused_connection_is_connect() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let t = IsahcTransport::new(Duration::from_secs(5), Duration::from_secs(5)).unwrap();
    assert_eq!(
        kind(&t, format!("http://127.0.0.1:{port}/")),
        TransportErrorKind::Connect
    );
}

#[test]
fn a_timeout_after_connecting_is_timeout() {
    let rt = net::runtime();
    let addr = net::silent_server(&rt);
    let t = IsahcTransport::new(Duration::from_secs(5), Duration::from_millis(300)).unwrap();
    assert_eq!(
        kind(&t, format!("http://{addr}/")),
        TransportErrorKind::Timeout
    );
}
