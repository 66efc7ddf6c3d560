//! Stopping a spawned `smtplab` the way a service manager does.

use std::process::Output;
use std::time::Duration;

use tokio::process::Child;

/// Sends SIGTERM to `child` and waits at most `limit` for it to exit; its
/// status and the rest of its piped output.
///
/// # Panics
/// When the signal cannot be sent or the process does not exit in time.
pub(crate) async fn terminate(child: Child, limit: Duration) -> Output {
    let pid = child.id().expect("running").to_string();
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("run kill");
    assert!(sent.success());
    tokio::time::timeout(limit, child.wait_with_output())
        .await
        .expect("exits after SIGTERM")
        .expect("wait")
}
