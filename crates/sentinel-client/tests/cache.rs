//! The renewing cache: freshness, single flight, shared outcomes, abandonment.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use proptest::prelude::*;
use sentinel_client::{
    RenewingCache,
    cache::{Outcome, Poll},
};
use sentinel_proto::{
    UnixTime,
    policy::{Expiry, Freshness, RefreshPolicy},
};

type Cache = RenewingCache<u32, String>;

fn t(s: u64) -> UnixTime {
    UnixTime::from_secs(s)
}

fn fill(cache: &Cache, now: UnixTime, value: u32, lifetime: u64) {
    match cache.poll(now) {
        Poll::Renew(r) | Poll::RefreshAhead(_, r) => {
            r.complete(Ok((value, Expiry::after(Duration::from_secs(lifetime)))))
                .unwrap();
        }
        other => panic!("expected a ticket, got {}", name(&other)),
    }
}

fn name(p: &Poll<u32, String>) -> &'static str {
    match p {
        Poll::Ready(_) => "Ready",
        Poll::RefreshAhead(..) => "RefreshAhead",
        Poll::Renew(_) => "Renew",
        Poll::Wait(_) => "Wait",
        Poll::Failed(_) => "Failed",
    }
}

#[test]
fn empty_cache_hands_out_one_ticket() {
    let cache = Cache::new(RefreshPolicy::default());
    let first = cache.poll(t(0));
    assert_eq!(name(&first), "Renew");
    for _ in 0..10 {
        assert_eq!(name(&cache.poll(t(0))), "Wait");
    }
    drop(first);
    assert_eq!(
        name(&cache.poll(t(0))),
        "Renew",
        "an abandoned ticket is released"
    );
}

#[test]
fn fresh_then_refresh_ahead_then_expired() {
    let cache = Cache::new(RefreshPolicy::default().with_margin_percent(10));
    fill(&cache, t(1000), 7, 3600);
    // Renewed in the last max(60 s, 360 s) = 360 s.
    assert_eq!(name(&cache.poll(t(1000 + 3239))), "Ready");
    let ahead = cache.poll(t(1000 + 3240));
    assert_eq!(name(&ahead), "RefreshAhead");
    // While one caller renews ahead, others are served the current value.
    assert_eq!(name(&cache.poll(t(1000 + 3300))), "Ready");
    drop(ahead);
    // Past expiry the value is never served.
    assert!(cache.get(t(1000 + 3600)).is_none());
    assert_eq!(name(&cache.poll(t(1000 + 3600))), "Renew");
}

#[test]
fn by_default_a_one_hour_value_is_renewed_in_its_second_half() {
    let cache = Cache::new(RefreshPolicy::default());
    fill(&cache, t(0), 7, 3600);
    assert_eq!(name(&cache.poll(t(1799))), "Ready");
    assert_eq!(name(&cache.poll(t(1800))), "RefreshAhead");
}

#[test]
fn failure_is_shared_and_keeps_the_old_value() {
    let cache = Cache::new(RefreshPolicy::default());
    fill(&cache, t(0), 1, 100);
    let Poll::RefreshAhead(old, ticket) = cache.poll(t(50)) else {
        panic!("expected refresh-ahead")
    };
    assert_eq!(*old.value(), 1);
    assert!(ticket.complete(Err("boom".into())).is_err());
    assert_eq!(*cache.get(t(60)).unwrap().value(), 1);
}

#[test]
fn waiters_get_the_leaders_error() {
    let cache = Cache::new(RefreshPolicy::default());
    let Poll::Renew(ticket) = cache.poll(t(0)) else {
        panic!()
    };
    let Poll::Wait(waiter) = cache.poll(t(0)) else {
        panic!()
    };
    let _ = ticket.complete(Err("denied".into()));
    match pollster::block_on(waiter.wait()) {
        Outcome::Failed(e) => assert_eq!(e, "denied"),
        other => panic!("expected the shared error, got {other:?}"),
    }
}

#[test]
fn expiry_takes_the_earlier_of_expires_in_and_exp() {
    let cache = Cache::new(RefreshPolicy::default());
    let Poll::Renew(ticket) = cache.poll(t(100)) else {
        panic!()
    };
    let c = ticket
        .complete(Ok((
            1,
            Expiry::new(Some(Duration::from_secs(3600)), Some(t(700))),
        )))
        .unwrap();
    assert_eq!(c.expires_at(), t(700));
    assert_eq!(c.freshness(t(640)), Freshness::RefreshAhead);
}

#[test]
fn sixty_four_threads_one_renewal() {
    let cache = Cache::new(RefreshPolicy::default());
    let fetches = Arc::new(AtomicUsize::new(0));
    let barrier = Arc::new(std::sync::Barrier::new(64));
    let handles: Vec<_> = (0..64)
        .map(|_| {
            let cache = cache.clone();
            let fetches = Arc::clone(&fetches);
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                barrier.wait();
                loop {
                    match cache.poll(t(0)) {
                        Poll::Ready(c) => return *c.value(),
                        Poll::Renew(r) | Poll::RefreshAhead(_, r) => {
                            fetches.fetch_add(1, Ordering::SeqCst);
                            std::thread::sleep(Duration::from_millis(20));
                            let c = r
                                .complete(Ok((42, Expiry::after(Duration::from_secs(3600)))))
                                .unwrap();
                            return *c.value();
                        }
                        Poll::Wait(w) => match pollster::block_on(w.wait()) {
                            Outcome::Ready(c) => return *c.value(),
                            Outcome::Failed(e) => panic!("{e}"),
                            Outcome::Retry => continue,
                        },
                        Poll::Failed(e) => panic!("{e}"),
                    }
                }
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), 42);
    }
    assert_eq!(fetches.load(Ordering::SeqCst), 1);
}

#[derive(Debug, Clone)]
enum Step {
    Advance(u16),
    Poll,
    CompleteOk(u16),
    CompleteErr,
    Abandon,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0u16..2000).prop_map(Step::Advance),
        Just(Step::Poll),
        (0u16..4000).prop_map(Step::CompleteOk),
        Just(Step::CompleteErr),
        Just(Step::Abandon),
    ]
}

proptest! {
    /// For any sequence of times and outcomes, the cache never serves an expired
    /// value and never has two renewals out at once.
    #[test]
    fn never_expired_never_two_renewals(steps in proptest::collection::vec(step(), 1..80)) {
        let cache = Cache::new(RefreshPolicy::default());
        let mut now = 1_000_000u64;
        let mut ticket = None;
        let mut failed_at: Option<u64> = None;
        for s in steps {
            match s {
                Step::Advance(d) => now += u64::from(d),
                Step::Poll => match cache.poll(t(now)) {
                    Poll::Ready(c) => prop_assert!(t(now) < c.expires_at()),
                    Poll::RefreshAhead(c, r) => {
                        prop_assert!(t(now) < c.expires_at());
                        prop_assert!(ticket.is_none(), "second renewal handed out");
                        ticket = Some(r);
                    }
                    Poll::Renew(r) => {
                        prop_assert!(ticket.is_none(), "second renewal handed out");
                        ticket = Some(r);
                    }
                    Poll::Wait(_) => prop_assert!(ticket.is_some(), "wait with no renewal out"),
                    Poll::Failed(_) => {
                        prop_assert!(ticket.is_none(), "failed while a renewal is out");
                        prop_assert!(failed_at.is_some_and(|f| now < f + 90), "failed outside a cool-down");
                    }
                },
                Step::CompleteOk(life) => if let Some(r) = ticket.take() {
                    let c = r.complete(Ok((1, Expiry::after(Duration::from_secs(life.into()))))).unwrap();
                    prop_assert!(c.refresh_at() <= c.expires_at());
                },
                Step::CompleteErr => if let Some(r) = ticket.take() {
                    prop_assert!(r.fail("x".into(), t(now), None, now).len() == 1);
                    failed_at = Some(now);
                },
                Step::Abandon => { ticket.take(); }
            }
            if let Some(c) = cache.get(t(now)) {
                prop_assert!(t(now) < c.expires_at());
            }
        }
    }
}

#[test]
fn a_failure_starts_a_cool_down_without_requests() {
    let cache = Cache::new(RefreshPolicy::default());
    let Poll::Renew(r) = cache.poll(t(100)) else {
        panic!()
    };
    let _ = r.fail("down".into(), t(100), None, 0);
    // 1 s cool-down: callers get the error, no ticket.
    match cache.poll(t(100)) {
        Poll::Failed(e) => assert_eq!(e, "down"),
        other => panic!("{}", name(&other)),
    }
    // Then one renewal; its failure doubles the cool-down.
    let Poll::Renew(r) = cache.poll(t(101)) else {
        panic!()
    };
    let _ = r.fail("down".into(), t(101), None, 0);
    assert_eq!(name(&cache.poll(t(102))), "Failed");
    assert_eq!(name(&cache.poll(t(103))), "Renew");
}

#[test]
fn a_cool_down_honours_retry_after_and_ends_on_success() {
    let cache = Cache::new(RefreshPolicy::default());
    let Poll::Renew(r) = cache.poll(t(0)) else {
        panic!()
    };
    let _ = r.fail("429".into(), t(0), Some(Duration::from_secs(120)), 0);
    for now in [1, 60, 119] {
        assert_eq!(name(&cache.poll(t(now))), "Failed", "{now}");
    }
    fill(&cache, t(120), 5, 3600);
    assert_eq!(name(&cache.poll(t(121))), "Ready");
    // The count of failures started again: the next cool-down is 1 s.
    let Poll::RefreshAhead(_, r) = cache.poll(t(120 + 3300)) else {
        panic!()
    };
    let _ = r.fail("x".into(), t(3420), None, 0);
    // Still valid: served, not failed, and no new ticket during the cool-down.
    assert_eq!(name(&cache.poll(t(3420))), "Ready");
    assert_eq!(name(&cache.poll(t(3421))), "RefreshAhead");
}

#[test]
fn an_abandoned_renewal_is_no_failure() {
    let cache = Cache::new(RefreshPolicy::default());
    drop(cache.poll(t(0)));
    assert_eq!(name(&cache.poll(t(0))), "Renew");
}

#[test]
fn invalidate_if_drops_only_the_value_it_was_given() {
    let cache = Cache::new(RefreshPolicy::default());
    fill(&cache, t(0), 1, 3600);
    let Poll::Ready(first) = cache.poll(t(1)) else {
        panic!("filled")
    };
    assert!(cache.invalidate_if(&first));
    assert!(!cache.invalidate_if(&first), "already gone");
    fill(&cache, t(2), 2, 3600);
    // A caller still holding the first value cannot drop the second.
    assert!(!cache.invalidate_if(&first));
    assert!(matches!(cache.poll(t(3)), Poll::Ready(v) if *v.value() == 2));
}
