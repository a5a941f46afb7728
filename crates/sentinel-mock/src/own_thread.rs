//! Running a server on a thread and a tokio runtime of its own, for blocking
//! callers: the emulator's `start_blocking` and the echo server.

use std::future::Future;
use std::sync::mpsc;
use std::thread::JoinHandle;

/// Runs `run` on a new thread named `name`, on a runtime of its own (with
/// `workers` worker threads; 0: a current-thread runtime). `run` sends what the
/// caller waits for (the bound server, or why it could not start) through the
/// sender it gets, then keeps running until the server stops. Returns that value
/// and the thread to join.
pub(crate) fn spawn<T, F, Fut>(
    name: &str,
    workers: usize,
    run: F,
) -> std::io::Result<(T, JoinHandle<()>)>
where
    T: Send + 'static,
    F: FnOnce(mpsc::Sender<std::io::Result<T>>) -> Fut + Send + 'static,
    Fut: Future<Output = ()>,
{
    let (ready_tx, ready_rx) = mpsc::channel();
    let thread = std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            let built = if workers == 0 {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
            } else {
                tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(workers)
                    .enable_all()
                    .build()
            };
            match built {
                Ok(rt) => rt.block_on(run(ready_tx)),
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                }
            }
        })?;
    let ready = ready_rx
        .recv()
        .map_err(|_| std::io::Error::other(format!("the {name} thread died")))??;
    Ok((ready, thread))
}
