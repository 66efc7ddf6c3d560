//! The bridge in the test's own process: `run()` on 127.0.0.1:0 with the
//! test's [`Config`], stopped when the handle is dropped.

use std::net::SocketAddr;

use smtplab_bridge::Config;
use tokio::sync::oneshot;

/// A running bridge; dropping it is its shutdown signal.
pub(crate) struct Bridge {
    /// Where it listens.
    pub(crate) addr: SocketAddr,
    /// Dropped with the handle, which ends `run()`'s shutdown future.
    _stop: oneshot::Sender<()>,
}

/// Starts `run()` with `config` on a free loopback port.
///
/// # Panics
/// When no port can be bound: these are tests.
pub(crate) async fn start(config: Config) -> Bridge {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(smtplab_bridge::run(listener, config, async move {
        let _ = stopped.await;
    }));
    Bridge { addr, _stop: stop }
}
