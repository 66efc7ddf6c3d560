//! Round-trip latency: one session to the echo peer, a message out, the
//! same bytes back, timed one at a time.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::bail;
use tokio_tungstenite::tungstenite::Bytes;

use crate::route::Route;

/// Sends `warmup + count` messages of `size` bytes through one session to
/// the echo peer at `echo`, each after the previous came back whole, and
/// returns the last `count` round-trip times.
///
/// # Errors
/// When the session fails or an echo differs from what was sent.
pub async fn round_trips(
    route: &Route,
    echo: SocketAddr,
    size: usize,
    warmup: usize,
    count: usize,
) -> anyhow::Result<Vec<Duration>> {
    let mut conn = route.open(echo).await?;
    conn.send(Bytes::from_static(b"E")).await?;
    let mut samples = Vec::with_capacity(count);
    let mut back = Vec::with_capacity(size * 2);
    for i in 0..warmup + count {
        let message: Vec<u8> = (0..size).map(|j| (i + j) as u8).collect();
        let message = Bytes::from(message);
        back.clear();
        let started = Instant::now();
        conn.send(message.clone()).await?;
        conn.recv_at_least(&mut back, size).await?;
        let took = started.elapsed();
        if back != message {
            bail!("echo {i} differs from what was sent");
        }
        if i >= warmup {
            samples.push(took);
        }
    }
    Ok(samples)
}
