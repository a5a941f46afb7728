//! The tokio [`Runtime`] (feature `tokio`): the system clock, tokio's timer,
//! `tokio::spawn`.

use std::time::{Duration, SystemTime};

use crate::runtime::{BackgroundTask, Runtime};
use sentinel_proto::UnixTime;

/// The [`Runtime`] of a tokio application. Background renewals are tokio tasks,
/// so the client must be used inside a tokio runtime.
#[derive(Clone, Copy, Debug, Default)]
pub struct TokioRuntime;

impl Runtime for TokioRuntime {
    fn now(&self) -> UnixTime {
        SystemTime::now().into()
    }

    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }

    fn spawn(&self, task: BackgroundTask) {
        tokio::spawn(task);
    }
}
