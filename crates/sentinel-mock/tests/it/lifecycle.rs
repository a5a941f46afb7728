//! Starting, the handle's accessors and defaults, shutting down.

use sentinel_mock::{
    DEFAULT_ACCOUNT, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_REDIRECT_URI, MockServer,
};

#[test]
fn start_blocking_serves_until_dropped() {
    let m = MockServer::builder().start_blocking().unwrap();
    let addr = m.addr();
    assert_eq!(m.base_url(), format!("http://{addr}"));
    assert_eq!(m.host(), addr.to_string());
    assert!(addr.ip().is_loopback());
    assert_ne!(addr.port(), 0);
    assert_eq!(m.account(), DEFAULT_ACCOUNT);
    assert_eq!(m.account(), "123456");
    assert_eq!(m.client_id(), DEFAULT_CLIENT_ID);
    assert_eq!(m.client_secret(), DEFAULT_CLIENT_SECRET);
    assert_eq!(m.redirect_uri(), DEFAULT_REDIRECT_URI);
    assert_eq!(DEFAULT_REDIRECT_URI, "http://127.0.0.1/callback");
    // UUID-like: 8-4-4-4-12 hex.
    let groups: Vec<usize> = DEFAULT_CLIENT_ID.split('-').map(str::len).collect();
    assert_eq!(groups, [8, 4, 4, 4, 12]);
    assert!(
        DEFAULT_CLIENT_ID
            .chars()
            .all(|c| c == '-' || c.is_ascii_hexdigit())
    );
    assert!(format!("{m:?}").contains("MockHandle"));
    assert!(!format!("{m:?}").contains(DEFAULT_CLIENT_SECRET));

    // A plain blocking client, outside any runtime.
    let get = || {
        let mut s = std::net::TcpStream::connect(addr)?;
        use std::io::{Read, Write};
        s.write_all(
            b"GET /sentinel/well-known/jwks HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )?;
        let mut out = String::new();
        s.read_to_string(&mut out)?;
        Ok::<_, std::io::Error>(out)
    };
    assert!(get().unwrap().starts_with("HTTP/1.1 200"));
    drop(m);
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "closed after drop"
    );
    assert!(get().is_err());
}

#[tokio::test]
async fn explicit_shutdown_stops_listening() {
    let m = MockServer::builder().start().await.unwrap();
    let addr = m.addr();
    tokio::net::TcpStream::connect(addr).await.unwrap();
    m.shutdown();
    // The accept loop ends on its next turn; connecting then fails.
    let mut refused = false;
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::task::yield_now().await;
    }
    assert!(refused);
}

#[tokio::test]
async fn dropping_a_started_handle_stops_it() {
    let m = MockServer::builder().start().await.unwrap();
    let addr = m.addr();
    let http = crate::util::http();
    let jwks = format!("{}/sentinel/well-known/jwks", m.base_url());
    assert_eq!(http.get(&jwks).send().await.unwrap().status(), 200);
    drop(m);
    // The accept loop ends on its next turn; connecting then fails, and so does
    // a request from a fresh client (no pooled connection to race with).
    let mut refused = false;
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::task::yield_now().await;
    }
    assert!(refused);
    let e = crate::util::http().get(&jwks).send().await.unwrap_err();
    assert!(e.is_connect(), "{e:?}");
}

#[tokio::test]
async fn two_mocks_do_not_share_state() {
    let a = MockServer::builder().start().await.unwrap();
    let b = MockServer::builder().start().await.unwrap();
    assert_ne!(a.addr(), b.addr());
    a.fault(
        sentinel_mock::Endpoint::Jwks,
        sentinel_mock::Fault::Status(500),
        1,
    );
    let r = crate::util::http()
        .get(format!("{}/sentinel/well-known/jwks", b.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(a.count(sentinel_mock::Endpoint::Jwks), 0);
    a.rotate_keys();
    assert_ne!(a.current_v2_kid(), b.current_v2_kid());
}

#[tokio::test]
async fn a_taken_port_is_an_error() {
    let a = MockServer::builder().start().await.unwrap();
    let e = MockServer::builder().port(a.addr().port()).start().await;
    assert!(e.is_err());
}
