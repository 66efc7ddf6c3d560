//! One-direction throughput: a fixed number of bytes in fixed-size
//! messages, timed until the receiving end has counted them all.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::bail;
use tokio_tungstenite::tungstenite::Bytes;

use crate::route::Route;

/// Which way the bytes go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Client → server: the client sends `chunk`-byte messages, the
    /// server's counting sink answers the count it received.
    Upload,
    /// Server → client: the server writes `chunk`-byte blocks, the client
    /// counts what arrives.
    Download,
}

/// Moves `total` bytes through one session to the peer at `peer` and
/// returns the time from the first byte sent to the count confirmed at the
/// receiving end.
///
/// # Errors
/// When the session fails or the receiving end counted another number.
pub async fn transfer(
    route: &Route,
    peer: SocketAddr,
    direction: Direction,
    total: u64,
    chunk: usize,
) -> anyhow::Result<Duration> {
    let mut conn = route.open(peer).await?;
    let tag = match direction {
        Direction::Upload => b'C',
        Direction::Download => b'D',
    };
    let mut header = vec![tag];
    header.extend_from_slice(&total.to_be_bytes());
    let mut got = Vec::new();
    match direction {
        Direction::Upload => {
            conn.send(Bytes::from(header)).await?;
            let block = Bytes::from(vec![0x5a; chunk]);
            let started = Instant::now();
            let mut left = total;
            while left > 0 {
                let n = left.min(chunk as u64) as usize;
                conn.send(block.slice(..n)).await?;
                left -= n as u64;
            }
            conn.recv_at_least(&mut got, 8).await?;
            let took = started.elapsed();
            let counted = u64::from_be_bytes(got[..8].try_into()?);
            if counted != total {
                bail!("the sink counted {counted} bytes of {total}");
            }
            Ok(took)
        }
        Direction::Download => {
            let started = Instant::now();
            conn.send(Bytes::from(header)).await?;
            let mut counted = 0u64;
            while counted < total {
                got.clear();
                let n = conn.recv(&mut got).await?;
                if n == 0 {
                    bail!("the stream ended after {counted} bytes of {total}");
                }
                counted += n as u64;
            }
            let took = started.elapsed();
            if counted != total {
                bail!("received {counted} bytes, expected {total}");
            }
            Ok(took)
        }
    }
}
