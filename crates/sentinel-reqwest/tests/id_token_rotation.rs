//! The emulator rotates its ID-token key while users keep logging in through
//! the real client (authorize, code, exchange, ID token verified against the
//! JWKS): no valid ID token is ever rejected. Time is virtual: the client's
//! runtime and the emulator's clock move together by an offset, never by
//! sleeping.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use sentinel_client::{BackgroundTask, Client, Runtime};
use sentinel_mock::{Endpoint, Lifetimes, MockHandle, MockServer};
use sentinel_proto::jwt::JwtError;
use sentinel_proto::{Error, IdToken, UnixTime, user::RedirectUri};
use sentinel_reqwest::ReqwestHttp;
use sentinel_testkit::{browser, mock};

mod common;
use common::*;

/// The system clock moved by a shared offset (the emulator's is moved by the
/// same), tokio's timer and tasks; spawned tasks are kept, so that a test can
/// wait for a background JWKS refresh to finish.
#[derive(Clone, Default)]
struct Shifted {
    offset: Arc<AtomicI64>,
    spawned: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Runtime for Shifted {
    fn now(&self) -> UnixTime {
        let sys: UnixTime = SystemTime::now().into();
        let secs = sys
            .as_secs()
            .saturating_add_signed(self.offset.load(Ordering::SeqCst));
        UnixTime::from_secs(secs)
    }
    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
    fn spawn(&self, task: BackgroundTask) {
        self.spawned.lock().unwrap().push(tokio::spawn(task));
    }
}

type C = Client<ReqwestHttp, Shifted>;

struct World {
    m: MockHandle,
    /// The clock of the client under test and of every fresh client.
    clock: Shifted,
    /// A long-lived client: one JWKS cache across every rotation.
    c: C,
    redirect: RedirectUri,
    /// Every ID token issued, with its `exp` and the kid it was signed with.
    issued: Vec<(IdToken, u64, String)>,
}

impl World {
    async fn new(lifetimes: Lifetimes) -> Self {
        let m = MockServer::builder()
            .config(mock::marked_config(CLIENT_ID, SECRET))
            .lifetimes(lifetimes)
            .start()
            .await
            .unwrap();
        let clock = Shifted::default();
        let c = Self::client(&m, &clock);
        Self {
            m,
            clock,
            c,
            redirect: RedirectUri::new(REDIRECT).unwrap(),
            issued: Vec::new(),
        }
    }

    fn client(m: &MockHandle, clock: &Shifted) -> C {
        let http = ReqwestHttp::from_builder(reqwest::Client::builder()).unwrap();
        Client::new(config(m), http, clock.clone())
    }

    /// Moves both clocks `secs` ahead.
    fn advance(&self, secs: i64) {
        let o = self.clock.offset.fetch_add(secs, Ordering::SeqCst) + secs;
        self.m.set_clock_offset(o);
    }

    fn now(&self) -> u64 {
        self.clock.now().as_secs()
    }

    /// Waits for every background task the clients spawned.
    async fn settle(&self) {
        let tasks: Vec<_> = std::mem::take(&mut *self.clock.spawned.lock().unwrap());
        for t in tasks {
            t.await.unwrap();
        }
    }

    /// One user login through `c`, its ID token verified at once.
    async fn login(&mut self, why: &str) {
        let code = browser::login(&self.c, &self.redirect).await;
        let tokens = self
            .c
            .exchange_code(&code, Some(&self.redirect))
            .await
            .unwrap();
        let id = tokens.id_token.unwrap();
        let kid = self.m.current_id_token_kid();
        let claims = self
            .c
            .verify_id_token(&id)
            .await
            .unwrap_or_else(|e| panic!("{why}: a fresh ID token ({kid}) rejected: {e}"));
        assert_eq!(claims.sub, "demo-user-1");
        assert!(claims.aud.contains(CLIENT_ID));
        self.issued.push((id, claims.exp, kid));
    }

    /// `n` logins, then every ID token issued so far that has not expired is
    /// verified again, by the long-lived client and by a fresh one (which
    /// fetches the JWKS as it is now).
    async fn round(&mut self, n: usize, why: &str) {
        for _ in 0..n {
            self.login(why).await;
        }
        self.settle().await;
        let fresh = Self::client(&self.m, &self.clock);
        // Two seconds spare for the wall clock; the leeway is not counted on.
        let now = self.now();
        let live: Vec<_> = self
            .issued
            .iter()
            .filter(|(_, exp, _)| *exp > now + 2)
            .collect();
        assert!(!live.is_empty());
        for (token, _, kid) in live {
            for (who, c) in [
                ("the long-lived client", &self.c),
                ("a fresh client", &fresh),
            ] {
                if let Err(e) = c.verify_id_token(token).await {
                    panic!("{why}: {who} rejected a valid ID token ({kid}): {e}");
                }
            }
        }
        self.settle().await;
    }

    fn rotate(&self) -> String {
        let old = self.m.current_id_token_kid();
        let new = self.m.rotate_id_token_key();
        assert_ne!(old, new);
        new
    }

    fn jwks_fetches(&self) -> u64 {
        self.m.count(Endpoint::Jwks)
    }
}

#[tokio::test]
async fn id_token_key_rotations_never_reject_a_valid_id_token() {
    // The tightest grace a correct server may use: a rotated-out key stays
    // exactly as long as the ID tokens it signed live (the emulator's default
    // is longer, an hour). Any shorter and a verifier that first fetched the
    // JWKS in between would reject a still-valid token, whatever its policy.
    let lifetimes = Lifetimes {
        key_grace: Lifetimes::default().id_token,
        ..Lifetimes::default()
    };
    let mut w = World::new(lifetimes).await;
    w.round(3, "before any rotation").await;

    // A rotation 10 s after a background TTL refresh: the forced refetch for the
    // new kid is still allowed (the min interval runs from the last *forced*
    // fetch, and the TTL refresh was not one).
    let f = w.jwks_fetches();
    w.advance(3600);
    w.login("at the TTL").await;
    w.settle().await;
    assert_eq!(
        w.jwks_fetches(),
        f + 1,
        "the stale set refreshed in the background"
    );
    w.advance(10);
    let f = w.jwks_fetches();
    let kid = w.rotate();
    w.login("10 s after a TTL refresh").await;
    assert_eq!(w.jwks_fetches(), f + 1, "one refetch for the new kid");
    w.round(2, "10 s after a TTL refresh").await;
    assert!(w.issued.iter().filter(|(_, _, k)| *k == kid).count() >= 3);

    // The next day.
    w.advance(86_400);
    w.rotate();
    w.round(3, "a day later").await;

    // An emergency rotation two minutes later: the previous tokens still live
    // and still verify, with the cached set and with a fresh fetch.
    w.advance(120);
    let f = w.jwks_fetches();
    w.rotate();
    w.login("two minutes after a rotation").await;
    assert_eq!(w.jwks_fetches(), f + 1);
    w.round(2, "two minutes after a rotation").await;
    // Later in the older tokens' lives, past the default grace.
    w.advance(400);
    w.round(1, "within the older tokens' lives").await;

    // Past the grace of every earlier key.
    w.advance(700);
    w.rotate();
    w.round(3, "after the earlier keys' grace").await;
    // A few more, a day apart.
    for day in 0..3 {
        w.advance(86_400);
        w.rotate();
        w.round(3, &format!("day {day}")).await;
    }
    assert_eq!(w.issued.len(), 26);
    let mut kids: Vec<&str> = w.issued.iter().map(|(_, _, k)| k.as_str()).collect();
    kids.dedup();
    assert_eq!(kids.len(), 8, "the first key and seven rotations: {kids:?}");
}

/// The refetch rate limit, on purpose: a second rotation within the minimum
/// refetch interval (60 s) of the fetch forced by the first. Its tokens are
/// refused (unknown kid, nothing fetched) until the interval has passed since
/// that forced fetch, then verify with one fetch. Rotations a minute apart are
/// not what a real key rotation does; any faster refetching would let tokens
/// with made-up kids make the client hammer the JWKS endpoint.
#[tokio::test]
async fn a_second_rotation_within_the_refetch_interval_waits_for_the_interval() {
    let mut w = World::new(Lifetimes::default()).await;
    w.round(1, "before").await;
    w.rotate();
    w.round(1, "first rotation").await;
    w.advance(30);
    let f = w.jwks_fetches();
    w.rotate();
    let code = browser::login(&w.c, &w.redirect).await;
    let tokens = w.c.exchange_code(&code, Some(&w.redirect)).await.unwrap();
    let id = tokens.id_token.unwrap();
    let err = w.c.verify_id_token(&id).await.unwrap_err();
    assert!(
        matches!(err, Error::Jwt(JwtError::UnknownKid { .. })),
        "{err}"
    );
    assert_eq!(w.jwks_fetches(), f, "rate-limited: no fetch");
    w.advance(31);
    w.c.verify_id_token(&id).await.unwrap();
    assert_eq!(w.jwks_fetches(), f + 1);
}
