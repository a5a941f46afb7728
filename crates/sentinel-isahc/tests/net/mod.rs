//! Loopback servers for the transport-level tests: a TLS front for the emulator
//! (certificates made here, ALPN `h2` offered), a server that answers every
//! request with a redirect, and one that records whatever reaches it.
//!
//! They run on a runtime whose threads have a tracing dispatcher of their own
//! that drops everything, so what the logging tests capture is the client's.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The servers' runtime. Its threads never log into the test's subscriber.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .on_thread_start(|| {
            // Kept for the thread's life: the guard would restore the global one.
            std::mem::forget(tracing::subscriber::set_default(
                tracing::subscriber::NoSubscriber::default(),
            ));
        })
        .build()
        .unwrap()
}

/// A TLS front for `target`, for `localhost` and `127.0.0.1`.
pub struct TlsFront {
    /// Where it listens.
    pub addr: SocketAddr,
    /// The PEM of the CA that issued its certificate.
    pub ca_pem: String,
    /// The ALPN protocol agreed on each connection (`None`: none).
    pub alpn: Arc<Mutex<Vec<Option<Vec<u8>>>>>,
}

/// Starts a TLS front offering `h2` and `http/1.1` that relays the decrypted
/// bytes to `target` (the emulator speaks both, and h2 without TLS).
pub fn tls_front(rt: &tokio::runtime::Runtime, target: SocketAddr) -> TlsFront {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
    ];
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "sentinel-rs test CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let mut leaf_params =
        rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .unwrap();
    leaf_params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let leaf = leaf_params.signed_by(&leaf_key, &ca, &ca_key).unwrap();

    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()),
        )
        .unwrap();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));

    let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    let alpn = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&alpn);
    rt.spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            let seen = Arc::clone(&seen);
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let protocol = tls.get_ref().1.alpn_protocol().map(<[u8]>::to_vec);
                seen.lock().unwrap().push(protocol);
                let Ok(mut upstream) = TcpStream::connect(target).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut upstream).await;
            });
        }
    });
    TlsFront {
        addr,
        ca_pem: ca.pem(),
        alpn,
    }
}

/// What a [`recorder`] or [`redirector`] received: every byte of every
/// connection, and how many connections.
#[derive(Clone, Default)]
pub struct Received(Arc<Mutex<(usize, Vec<u8>)>>);

impl Received {
    /// Connections accepted.
    pub fn connections(&self) -> usize {
        self.0.lock().unwrap().0
    }
    /// Every byte received, all connections together.
    pub fn bytes(&self) -> Vec<u8> {
        self.0.lock().unwrap().1.clone()
    }
    /// The bytes as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes()).into_owned()
    }
}

/// A plain HTTP/1.1 server that keeps everything it receives and answers each
/// request with `status` and `location` (or 200 with `{}` when `location` is
/// `None`), then closes the connection.
pub fn http_server(
    rt: &tokio::runtime::Runtime,
    status: u16,
    location: Option<String>,
) -> (SocketAddr, Received) {
    let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    let received = Received::default();
    let store = received.clone();
    rt.spawn(async move {
        loop {
            let Ok((mut tcp, _)) = listener.accept().await else {
                return;
            };
            store.0.lock().unwrap().0 += 1;
            let store = store.clone();
            let location = location.clone();
            tokio::spawn(async move {
                let request = read_request(&mut tcp).await;
                store.0.lock().unwrap().1.extend_from_slice(&request);
                let head = match &location {
                    Some(l) => format!(
                        "HTTP/1.1 {status} Moved\r\nlocation: {l}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                    ),
                    None => format!(
                        "HTTP/1.1 {status} OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{{}}"
                    ),
                };
                let _ = tcp.write_all(head.as_bytes()).await;
                let _ = tcp.shutdown().await;
            });
        }
    });
    (addr, received)
}

/// A server that answers every request with `status`, `Location` pointing at
/// `target`.
pub fn redirector(
    rt: &tokio::runtime::Runtime,
    status: u16,
    target: &str,
) -> (SocketAddr, Received) {
    http_server(rt, status, Some(target.to_owned()))
}

/// A server that answers 200 to everything and keeps what it received.
pub fn recorder(rt: &tokio::runtime::Runtime) -> (SocketAddr, Received) {
    http_server(rt, 200, None)
}

/// One request's head and (by `Content-Length`) body, or whatever arrived before
/// the peer stopped sending.
async fn read_request(tcp: &mut TcpStream) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = find(&buf, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                return buf;
            }
        }
        match tokio::time::timeout(Duration::from_secs(5), tcp.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => buf.extend_from_slice(&chunk[..n]),
            _ => return buf,
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A server that reads the request and then says nothing, keeping the connection.
pub fn silent_server(rt: &tokio::runtime::Runtime) -> SocketAddr {
    let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    rt.spawn(async move {
        let mut open = Vec::new();
        while let Ok((mut tcp, _)) = listener.accept().await {
            let _ = read_request(&mut tcp).await;
            open.push(tcp);
        }
    });
    addr
}
