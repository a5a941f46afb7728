//! A `Brands` pool whose credentials source or HTTP client panics: no lock is
//! poisoned, no caller is stranded, the renewal driver lives on, and the next
//! call succeeds. (A single client's cache under panics and cancellation:
//! `cancellation.rs`.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use http::{Request, Response};
use sentinel_client::{BackgroundTask, BrandKey, Brands, BrandsConfig, HttpClient, Runtime};
use sentinel_proto::error::TransportError;
use sentinel_proto::{AccountId, ClientId, ClientSecret, Host, UnixTime};

/// Answers every AppJWT request with a one-hour token, after panicking for
/// the first `panics` requests.
#[derive(Clone, Default)]
struct Flaky {
    panics: Arc<AtomicU32>,
    requests: Arc<AtomicU32>,
}

impl HttpClient for Flaky {
    async fn send(&self, _: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        let n = self.requests.fetch_add(1, Ordering::SeqCst);
        // Overlap with the other callers before deciding.
        tokio::time::sleep(Duration::from_millis(20)).await;
        if self
            .panics
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |p| p.checked_sub(1))
            .is_ok()
        {
            panic!("injected: the HTTP client panicked");
        }
        Ok(Response::new(
            format!(r#"{{"access_token":"t.{n}.x","token_type":"Bearer","expires_in":3600}}"#)
                .into_bytes(),
        ))
    }
}

/// The tokio runtime the test runs on.
#[derive(Clone, Copy)]
struct Tokio;

impl Runtime for Tokio {
    fn now(&self) -> UnixTime {
        std::time::SystemTime::now().into()
    }
    async fn sleep(&self, d: Duration) {
        tokio::time::sleep(d).await;
    }
    fn spawn(&self, task: BackgroundTask) {
        tokio::spawn(task);
    }
}

fn key(i: usize) -> BrandKey {
    BrandKey::new(
        AccountId::new(format!("{}", 20_000 + i)).unwrap(),
        ClientId::new("app").unwrap(),
    )
}

fn config() -> BrandsConfig {
    BrandsConfig::new().with_client_config(|c| {
        c.with_sentinel_host(Host::americas())
            .with_retry(sentinel_proto::policy::RetryPolicy::never())
    })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap()
}

#[test]
fn a_panicking_credentials_source_poisons_nothing_and_a_later_call_succeeds() {
    let panicking = Arc::new(AtomicBool::new(true));
    let source = {
        let panicking = Arc::clone(&panicking);
        move |b: &BrandKey| {
            if b.account().as_str() == "20000" && panicking.load(Ordering::SeqCst) {
                panic!("injected: the credentials source panicked");
            }
            Some(ClientSecret::new("s"))
        }
    };
    let rt = runtime();
    let brands = Brands::new(Flaky::default(), Tokio, source, config());
    let (bad, good) = (key(0), key(1));

    // Concurrent callers of the panicking brand: each sees the panic (the
    // source is the caller's own code), none is left waiting.
    let callers: Vec<_> = (0..8)
        .map(|_| {
            let brands = brands.clone();
            let bad = bad.clone();
            rt.spawn(async move { brands.token(&bad).await.map(drop) })
        })
        .collect();
    rt.block_on(async {
        for c in callers {
            let joined = tokio::time::timeout(Duration::from_secs(10), c)
                .await
                .expect("a caller was left waiting");
            assert!(joined.unwrap_err().is_panic());
        }
    });
    // The other brands, the maps and the schedule are untouched.
    assert!(!brands.contains(&bad));
    let t = rt.block_on(brands.token(&good)).expect("another brand");
    assert!(t.value().secret().starts_with("t."));
    assert_eq!(brands.len(), 1);

    // Once the source answers, the same brand works.
    panicking.store(false, Ordering::SeqCst);
    rt.block_on(brands.token(&bad))
        .expect("the brand after the panic");
    assert_eq!(brands.len(), 2);
    assert!(brands.remove(&bad));
    assert!(!brands.contains(&bad));
}

/// A panic in the pool's driver (a renewal's HTTP client) must not end the
/// driver: the brand is retried after a cool-down, and the other brands are
/// renewed, with no caller asking.
#[test]
fn a_panicking_http_client_does_not_kill_the_renewal_driver() {
    let rt = runtime();
    let http = Flaky::default();
    http.panics.store(1, Ordering::SeqCst);
    let brands = Brands::new(
        http.clone(),
        Tokio,
        |_: &BrandKey| Some(ClientSecret::new("s")),
        config(),
    );
    let keys: Vec<_> = (0..3).map(key).collect();
    let _guard = rt.enter();
    for k in &keys {
        brands.add(k).unwrap();
    }
    assert!(brands.start());
    rt.block_on(async {
        for _ in 0..200 {
            if keys.iter().all(|k| brands.cached_token(k).is_some()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "the driver stopped after the HTTP client panicked: {} of {} brands have a token",
            keys.iter()
                .filter(|k| brands.cached_token(k).is_some())
                .count(),
            keys.len()
        );
    });
    assert_eq!(http.panics.load(Ordering::SeqCst), 0, "the panic happened");
}

/// Callers waiting on a renewal whose HTTP client panics get an answer (a
/// token, an error, or the panic for the one whose future ran the request),
/// and a later call gets a token.
#[test]
fn callers_waiting_on_a_panicking_renewal_are_not_stranded() {
    let rt = runtime();
    let http = Flaky::default();
    http.panics.store(2, Ordering::SeqCst);
    let brands = Brands::new(
        http.clone(),
        Tokio,
        |_: &BrandKey| Some(ClientSecret::new("s")),
        config(),
    );
    let k = key(7);
    let callers: Vec<_> = (0..8)
        .map(|_| {
            let brands = brands.clone();
            let k = k.clone();
            rt.spawn(async move { brands.token(&k).await.map(drop) })
        })
        .collect();
    let mut panicked = 0;
    rt.block_on(async {
        for c in callers {
            match tokio::time::timeout(Duration::from_secs(10), c)
                .await
                .expect("a caller was left waiting")
            {
                Err(e) if e.is_panic() => panicked += 1,
                Err(e) => panic!("{e}"),
                Ok(_) => {}
            }
        }
    });
    assert!(panicked <= 2, "{panicked} callers saw a panic");
    // After the failure cool-down (about a second), at the latest.
    let later = catch_unwind(AssertUnwindSafe(|| {
        rt.block_on(async {
            for _ in 0..100 {
                if let Ok(t) = brands.token(&k).await {
                    return Some(t);
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            None
        })
    }));
    assert!(
        later.expect("no panic left").is_some(),
        "no token after the panics"
    );
}
