//! The TCP peers the load and bench programs talk to through a relay, on
//! 127.0.0.1. The first byte a client sends picks the behaviour:
//!
//! | tag | behaviour |
//! | --- | --- |
//! | `C` | counting sink: reads an 8-byte big-endian total, then that many bytes, and answers the count it received (8 bytes) |
//! | `D` | source: reads an 8-byte big-endian total and writes that many bytes in 64 KiB writes |
//! | `L` | slow echo: 512 bytes every 20 ms |
//! | `R` | reads once, then resets the connection (RST) |
//! | `S` | stalls: reads and writes nothing for 50 s |
//! | anything else | echo |
//!
//! A connection that sends nothing is simply held until the client leaves
//! (idle sessions).

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Size of the peers' reads and of the source's writes.
pub const CHUNK: usize = 64 * 1024;

/// A running peer listener; the accept loop stops when this is dropped.
#[derive(Debug)]
pub struct Peer {
    /// Where it listens.
    addr: SocketAddr,
    /// The accept loop.
    task: JoinHandle<()>,
}

impl Peer {
    /// Binds `127.0.0.1:0` and serves every connection in its own task.
    ///
    /// # Errors
    /// When binding fails.
    pub async fn start() -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let _ = stream.set_nodelay(true);
                tokio::spawn(serve(stream));
            }
        });
        Ok(Self { addr, task })
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(mut stream: TcpStream) {
    let mut tag = [0u8; 1];
    if stream.read_exact(&mut tag).await.is_err() {
        return;
    }
    let mut buf = vec![0u8; CHUNK];
    match tag[0] {
        b'C' => {
            let Ok(total) = stream.read_u64().await else {
                return;
            };
            let mut count = 0u64;
            while count < total {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => count += n as u64,
                }
            }
            let _ = stream.write_u64(count).await;
            let _ = stream.read(&mut buf).await; // until the client leaves
        }
        b'D' => {
            let Ok(total) = stream.read_u64().await else {
                return;
            };
            let mut left = total;
            while left > 0 {
                let n = left.min(CHUNK as u64) as usize;
                if stream.write_all(&buf[..n]).await.is_err() {
                    return;
                }
                left -= n as u64;
            }
            let _ = stream.read(&mut buf).await;
        }
        b'R' => {
            let _ = stream.read(&mut buf).await;
            let _ = stream.set_zero_linger();
        }
        b'S' => {
            // Hold without reading until the bridge gives up (idle timeout).
            let _ = stream.readable().await;
            let mut rest = Vec::new();
            let _ = tokio::time::timeout(Duration::from_secs(60), async {
                tokio::time::sleep(Duration::from_secs(50)).await;
                let _ = stream.read_to_end(&mut rest).await;
            })
            .await;
        }
        b'L' => loop {
            let n = match stream.read(&mut buf[..512]).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            if stream.write_all(&buf[..n]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        },
        first => {
            // Echo; the tag itself is not echoed.
            let _ = first;
            loop {
                let n = match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                if stream.write_all(&buf[..n]).await.is_err() {
                    return;
                }
            }
        }
    }
}
