//! Callers dropped at any await point of a renewal, and HTTP clients that
//! panic: the AppJWT cache is never poisoned and no waiter is stranded. A
//! cancellation fuzzer: random interleavings of callers started, polled and
//! dropped, answers (good, bad, panicking) and time, on a hand-driven executor.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::VecDeque;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use futures::channel::oneshot;
use http::{Request, Response};
use proptest::prelude::*;
use sentinel_client::{BackgroundTask, CachedAppJwt, Client, ClientConfig, HttpClient, Runtime};
use sentinel_proto::error::{TransportError, TransportErrorKind};
use sentinel_proto::policy::{RefreshPolicy, RetryPolicy};
use sentinel_proto::{AccountId, ClientId, ClientSecret, Error, Host, UnixTime};

#[derive(Clone, Copy, Debug)]
enum Reply {
    Ok,
    Unavailable,
    Panic,
}

/// A network whose answers the test gives, one pending request at a time, and
/// a runtime whose clock and background tasks the test drives.
#[derive(Clone, Default)]
struct World {
    pending: Arc<Mutex<VecDeque<oneshot::Sender<Reply>>>>,
    /// Answer at once (the drain at the end of a run).
    auto: Arc<AtomicBool>,
    clock: Arc<AtomicU64>,
    tasks: Arc<Mutex<Vec<BackgroundTask>>>,
    serial: Arc<AtomicU64>,
}

impl HttpClient for World {
    async fn send(&self, _: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        let reply = if self.auto.load(Ordering::SeqCst) {
            Reply::Ok
        } else {
            let (tx, rx) = oneshot::channel();
            self.pending.lock().unwrap().push_back(tx);
            rx.await
                .map_err(|_| TransportError::new(TransportErrorKind::Connect, "answer dropped"))?
        };
        let n = self.serial.fetch_add(1, Ordering::SeqCst);
        match reply {
            Reply::Ok => Ok(Response::new(
                format!(r#"{{"access_token":"t.{n}.x","token_type":"Bearer","expires_in":600}}"#)
                    .into_bytes(),
            )),
            Reply::Unavailable => Ok(Response::builder().status(503).body(Vec::new()).unwrap()),
            Reply::Panic => panic!("injected: the HTTP client panicked"),
        }
    }
}

impl Runtime for World {
    async fn sleep(&self, _: Duration) {}
    fn now(&self) -> UnixTime {
        UnixTime::from_secs(1_700_000_000 + self.clock.load(Ordering::SeqCst))
    }
    fn spawn(&self, task: BackgroundTask) {
        self.tasks.lock().unwrap().push(task);
    }
}

impl World {
    fn answer(&self, reply: Reply) {
        if let Some(tx) = self.pending.lock().unwrap().pop_front() {
            let _ = tx.send(reply);
        }
    }

    /// Polls every background task once; a panicking one is dropped, as an
    /// executor would.
    fn run_tasks(&self) {
        let tasks: Vec<_> = std::mem::take(&mut *self.tasks.lock().unwrap());
        for mut t in tasks {
            match catch_unwind(AssertUnwindSafe(|| poll(&mut t))) {
                Ok(Poll::Pending) => self.tasks.lock().unwrap().push(t),
                Ok(Poll::Ready(())) | Err(_) => {}
            }
        }
    }
}

type Caller = Pin<Box<dyn Future<Output = Result<CachedAppJwt, Error>>>>;

fn poll<T>(f: &mut Pin<Box<impl Future<Output = T> + ?Sized>>) -> Poll<T> {
    f.as_mut().poll(&mut Context::from_waker(Waker::noop()))
}

fn client(world: &World) -> Client<World, World> {
    let config = ClientConfig::new(
        AccountId::new("123456").unwrap(),
        ClientId::new("cid").unwrap(),
        ClientSecret::new("s"),
    )
    .with_sentinel_host(Host::americas())
    .with_retry(RetryPolicy::never())
    .with_refresh_policy(
        RefreshPolicy::default().with_failure_backoff(Duration::ZERO, Duration::ZERO),
    );
    Client::new(config, world.clone(), world.clone())
}

#[derive(Clone, Debug)]
enum Op {
    Start,
    Poll(usize),
    Drop(usize),
    Answer(Reply),
    Advance(u64),
    RunTasks,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => Just(Op::Start),
        5 => (0..8usize).prop_map(Op::Poll),
        2 => (0..8usize).prop_map(Op::Drop),
        2 => Just(Op::Answer(Reply::Ok)),
        1 => Just(Op::Answer(Reply::Unavailable)),
        1 => Just(Op::Answer(Reply::Panic)),
        1 => (0..700u64).prop_map(Op::Advance),
        2 => Just(Op::RunTasks),
    ]
}

/// Runs `ops`, then lets the network answer and drives everyone to the end.
/// Returns how many callers were still pending after the drain.
fn run(ops: &[Op]) -> (usize, Result<CachedAppJwt, Error>) {
    let world = World::default();
    let c = client(&world);
    let mut callers: Vec<Caller> = Vec::new();
    let step = |callers: &mut Vec<Caller>, i: usize| {
        if callers.is_empty() {
            return;
        }
        let i = i % callers.len();
        // A caller that panicked (the HTTP client's panic reaches its poll) or
        // finished is gone; the others stay.
        match catch_unwind(AssertUnwindSafe(|| poll(&mut callers[i]))) {
            Ok(Poll::Pending) => {}
            Ok(Poll::Ready(_)) | Err(_) => drop(callers.remove(i)),
        }
    };
    for op in ops {
        match op {
            Op::Start => {
                let c = c.clone();
                callers.push(Box::pin(async move { c.app_token().await }));
            }
            Op::Poll(i) => step(&mut callers, *i),
            Op::Drop(i) => {
                if !callers.is_empty() {
                    let i = i % callers.len();
                    drop(callers.remove(i));
                }
            }
            Op::Answer(r) => world.answer(*r),
            Op::Advance(s) => {
                world.clock.fetch_add(*s, Ordering::SeqCst);
            }
            Op::RunTasks => world.run_tasks(),
        }
    }
    // The drain: every request answered well from now on.
    world.auto.store(true, Ordering::SeqCst);
    for _ in 0..200 {
        while !world.pending.lock().unwrap().is_empty() {
            world.answer(Reply::Ok);
        }
        world.run_tasks();
        for i in (0..callers.len()).rev() {
            step(&mut callers, i);
        }
        if callers.is_empty() && world.tasks.lock().unwrap().is_empty() {
            break;
        }
    }
    let stranded = callers.len();
    // A caller arriving now gets a token at once.
    let mut fresh: Caller = Box::pin({
        let c = c.clone();
        async move { c.app_token().await }
    });
    let after = match poll(&mut fresh) {
        Poll::Ready(r) => r,
        Poll::Pending => panic!("a new caller waits on a renewal nobody runs"),
    };
    (stranded, after)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn no_interleaving_of_drops_and_panics_strands_a_caller_or_poisons_the_cache(
        ops in prop::collection::vec(op(), 1..60)
    ) {
        let (stranded, after) = run(&ops);
        prop_assert_eq!(stranded, 0, "callers still waiting after the drain");
        prop_assert!(after.is_ok(), "the cache is poisoned: {:?}", after.err());
    }
}

#[test]
fn the_leader_dropped_mid_request_hands_the_renewal_to_a_waiter() {
    let (stranded, after) = run(&[
        Op::Start,
        Op::Start,
        Op::Poll(0), // the leader sends
        Op::Poll(1), // the other waits
        Op::Drop(0), // the leader is cancelled with its request out
        Op::Poll(0), // the waiter (now first) is woken and renews itself
        Op::Answer(Reply::Ok),
    ]);
    assert_eq!(stranded, 0);
    assert!(after.is_ok());
}

#[test]
fn a_panicking_http_client_neither_poisons_nor_strands() {
    let (stranded, after) = run(&[
        Op::Start,
        Op::Start,
        Op::Poll(0),
        Op::Poll(1),
        Op::Answer(Reply::Panic),
        Op::Poll(0), // the leader panics in its poll
        Op::Poll(0), // the waiter takes over
        Op::Answer(Reply::Ok),
        Op::Poll(0),
    ]);
    assert_eq!(stranded, 0);
    assert!(after.is_ok());
}
