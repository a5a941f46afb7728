//! Garbage on the wire never takes the emulator down.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::util::T;

/// Writes `bytes`, reads whatever comes back until close or a short quiet period.
async fn raw(t: &T, bytes: &[u8]) -> Vec<u8> {
    let mut s = tokio::net::TcpStream::connect(t.m.addr()).await.unwrap();
    let _ = s.write_all(bytes).await;
    let _ = s.shutdown().await;
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut out)).await;
    out
}

#[tokio::test]
async fn garbage_requests_get_errors_and_the_server_lives_on() {
    let t = T::new().await;
    let cases: Vec<Vec<u8>> = vec![
        b"GARBAGE\r\n\r\n".to_vec(),
        vec![0xff; 4096],
        b"GET /%ff%fe HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
        b"GET /sentinel/api/account/%ff/authorize?client_id=%ff%fe&redirect_uri=%00 HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
        b"POST /sentinel/api/account/123456/token?v=%zz HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 8\r\n\r\n%ff%fe=&".to_vec(),
        b"POST /sentinel/api/account/123456/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 99999999\r\n\r\nabc".to_vec(),
        b"POST /api/account/123456/consumer HTTP/1.1\r\nHost: x\r\nAuthorization: \xff\xfe.\xff.\xff\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}".to_vec(),
        b"POST /api/account/123456/consumer HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer eyJhbGciOiJub25lIn0.e30.\r\nContent-Length: 0\r\n\r\n".to_vec(),
        b"POST /sentinel/api/account/123456/app/token?v=1.0&v=2.0 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n".to_vec(),
        b"POST /sentinel/api/account/123456/token HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\nzz\r\n".to_vec(),
        format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a/".repeat(20_000)).into_bytes(),
        format!("GET / HTTP/1.1\r\nHost: x\r\nX: {}\r\n\r\n", "h".repeat(200_000)).into_bytes(),
        b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00garbage".to_vec(),
    ];
    for case in &cases {
        let out = raw(&t, case).await;
        let text = String::from_utf8_lossy(&out);
        if let Some(status) = text.strip_prefix("HTTP/1.1 ") {
            assert!(
                !status.starts_with("5"),
                "no server error for garbage: {text:.200}"
            );
        }
    }
    // Still serving.
    assert_eq!(t.app_token_v1().await.status(), 200);
}

#[tokio::test]
async fn an_oversized_request_body_is_refused() {
    let t = T::new().await;
    let body = vec![b'a'; 2 * 1024 * 1024];
    let r = t
        .http
        .post(t.sentinel("/token?v=1.0"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await;
    // The server may answer 413 and close while the client still writes: then
    // the client sees a broken connection instead.
    if let Ok(r) = r {
        assert_eq!(r.status(), 413);
    }
    // Either way the server has seen it by now, and counts and logs it (the
    // query's names only: the body was not read).
    assert_eq!(t.m.count(sentinel_mock::Endpoint::Token), 1);
    let log = t.m.request_log();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].params, ["v"]);
    assert_eq!(t.app_token_v1().await.status(), 200);
}

#[tokio::test]
async fn jwt_lookalikes_in_authorization_are_401() {
    let t = T::new().await;
    for auth in [
        "eyJhbGciOiJub25lIiwia2lkIjoiYXBwand0LTEzLTA1LTE3In0.eyJpc3MiOiJTZW50aW5lbCIsImV4cCI6OTk5OTk5OTk5OX0.",
        "eyJhbGciOiJIUzI1NiIsImtpZCI6ImFwcGp3dC0xMy0wNS0xNyJ9.eyJpc3MiOiJTZW50aW5lbCIsImV4cCI6OTk5OTk5OTk5OX0.AAAA",
        "....",
        "a.b.c.d",
        "Bearer Bearer x",
    ] {
        let r = t
            .http
            .post(t.url("/api/account/123456/consumer?v=1.0"))
            .header("authorization", auth)
            .json(&serde_json::json!({"ext_consumer_id": "e"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{auth}");
    }
}
