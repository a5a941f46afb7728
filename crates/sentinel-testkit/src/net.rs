//! Loopback servers for the transport-level tests: a TLS front (certificates
//! made here), one that answers every request with a redirect, one that records
//! whatever reaches it, and misbehaving ones for the error mapping.
//!
//! Each starts on the tokio runtime it is called on (`rt.block_on(..)` from a
//! blocking test, with [`runtime`], whose threads log nothing).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A runtime for the servers whose threads never log into the test's
/// subscriber, so that what a logging test captures is the client's.
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

/// A loopback port nothing listens on (just released).
pub fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// What a server received: every byte of every connection, and how many
/// connections.
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
pub async fn http_server(status: u16, location: Option<String>) -> (SocketAddr, Received) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let received = Received::default();
    let store = received.clone();
    tokio::spawn(async move {
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

/// A server that answers every request with `status`, `Location: target`.
pub async fn redirector(status: u16, target: &str) -> (SocketAddr, Received) {
    http_server(status, Some(target.to_owned())).await
}

/// A server that answers 200 to everything and keeps what it received.
pub async fn recorder() -> (SocketAddr, Received) {
    http_server(200, None).await
}

/// A server that reads the request and then says nothing, keeping the connection.
pub async fn silent_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((mut tcp, _)) = listener.accept().await {
            let _ = read_request(&mut tcp).await;
            open.push(tcp);
        }
    });
    addr
}

/// A server that starts a 100-byte answer, sends 10 bytes of it, and resets the
/// connection.
pub async fn resetting_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            let _ = read_request(&mut tcp).await;
            let _ = tcp
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n0123456789")
                .await;
            let _ = tcp.flush().await;
            tokio::time::sleep(Duration::from_millis(50)).await;
            // Linger 0: close with RST, not FIN.
            let _ = tcp.set_zero_linger();
            drop(tcp);
        }
    });
    addr
}

/// One request's head and (by `Content-Length`) body, or whatever arrived before
/// the peer stopped sending.
async fn read_request(tcp: &mut TcpStream) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
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

#[cfg(feature = "tls")]
pub use tls::*;

#[cfg(feature = "tls")]
mod tls {
    use std::net::SocketAddr;
    use std::sync::{Arc, Mutex};

    use tokio::net::{TcpListener, TcpStream};

    /// A TLS front for a plain server, for `localhost` and `127.0.0.1`.
    pub struct TlsFront {
        /// Where it listens.
        pub addr: SocketAddr,
        /// The PEM of the CA that issued its certificate, for the client to trust.
        pub ca_pem: String,
        /// The ALPN protocol agreed on each connection (`None`: none).
        pub alpn: Arc<Mutex<Vec<Option<Vec<u8>>>>>,
    }

    impl TlsFront {
        /// Its base URL, `https://localhost:<port>`.
        pub fn base_url(&self) -> String {
            format!("https://localhost:{}", self.addr.port())
        }
    }

    /// Starts a TLS front on `provider` offering the `alpn` protocols that relays
    /// the decrypted bytes to `target`.
    pub async fn tls_front(
        provider: Arc<rustls::crypto::CryptoProvider>,
        alpn: &[&[u8]],
        target: SocketAddr,
    ) -> TlsFront {
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

        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![leaf.der().clone()],
                rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()),
            )
            .unwrap();
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));

        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let agreed = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&agreed);
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
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
            alpn: agreed,
        }
    }
}
