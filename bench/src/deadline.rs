//! A whole program run bounded in time, so a stuck load or benchmark run
//! ends by itself with an error instead of hanging a script or CI.

use std::future::Future;
use std::time::Duration;

/// Awaits `run`, or fails once `deadline` has passed.
///
/// # Errors
/// `run`'s own error, or the deadline passing first.
pub async fn run_within(
    deadline: Duration,
    run: impl Future<Output = anyhow::Result<()>>,
) -> anyhow::Result<()> {
    match tokio::time::timeout(deadline, run).await {
        Ok(r) => r,
        Err(_) => anyhow::bail!("the run passed its deadline of {} s", deadline.as_secs()),
    }
}
