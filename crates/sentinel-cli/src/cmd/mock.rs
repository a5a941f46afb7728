//! `sentinel mock`: the emulator in the foreground, as the `sentinel-mock` binary.

use crate::output::Failure;

pub async fn run(args: sentinel_mock::MockArgs) -> Result<(), Failure> {
    sentinel_mock::run_foreground(args)
        .await
        .map_err(|e| Failure::Usage(format!("cannot run the emulator: {e}")))
}
