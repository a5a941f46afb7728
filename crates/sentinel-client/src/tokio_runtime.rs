//! The tokio [`Runtime`] (feature `tokio`): the system clock, tokio's timer,
//! `tokio::spawn`.

use std::time::{Duration, SystemTime};

use crate::runtime::{BackgroundTask, Runtime};
use sentinel_proto::UnixTime;

/// The [`Runtime`] of a tokio application. Background renewals are tokio tasks,
/// so the client must be used inside a tokio runtime.
///
/// ```
/// use std::time::Duration;
/// use sentinel_client::{Runtime, TokioRuntime};
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// let rt = TokioRuntime;
/// let before = rt.now();
/// rt.sleep(Duration::from_millis(1)).await;
/// assert!(rt.now() >= before);
/// # });
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct TokioRuntime;

impl Runtime for TokioRuntime {
    fn now(&self) -> UnixTime {
        SystemTime::now().into()
    }

    #[inline]
    fn now_coarse(&self) -> UnixTime {
        crate::runtime::coarse_system_now()
    }

    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }

    fn spawn(&self, task: BackgroundTask) {
        tokio::spawn(task);
    }
}
