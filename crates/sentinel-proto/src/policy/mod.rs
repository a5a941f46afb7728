//! Policies the client applies, as pure functions of the time and of randomness
//! passed in: when to retry a request ([`RetryPolicy`], by [`Operation`]), when to
//! renew a cached value and how long to hold off after a failure
//! ([`RefreshPolicy`], [`Expiry`], [`Cached`]).

mod refresh;
mod retry;

pub use refresh::{Cached, Expiry, Freshness, RefreshPolicy};
pub use retry::{Operation, RetryPolicy};
