//! A write deadline for one connection: a peer that stops reading (its
//! receive window stays full) while the bridge has bytes for it fails the
//! write after `limit` without progress, so the connection ends and gives
//! back its permit instead of holding it for good.
//!
//! The deadline runs only while a write is blocked: it is armed when a
//! write (or flush, or shutdown) returns `Pending` and disarmed by any
//! write that completes, so a slow reader that keeps reading is never cut,
//! and an idle connection (nothing to send) is the header and idle
//! timeouts' business. A connection that times out is closed with a reset
//! (zero linger): a graceful close would leave its unsent bytes queued in
//! the kernel for minutes, for a peer that does not read them.

use std::future::Future as _;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// `inner` with a deadline on blocked writes.
#[derive(Debug)]
pub(crate) struct WriteDeadline<S> {
    /// The connection.
    inner: S,
    /// How long a write may stay blocked.
    limit: Duration,
    /// The timer, reused across stalls so a busy relay does not allocate
    /// one per blocked write.
    timer: Pin<Box<Sleep>>,
    /// Whether `timer` runs, i.e. a write is blocked since it was set.
    armed: bool,
    /// The peer, for the log line.
    peer: SocketAddr,
}

/// A connection that can be set to close with a reset.
pub(crate) trait Abortable {
    /// Makes the coming close a reset, dropping unsent bytes.
    fn reset_on_close(&self);
}

impl Abortable for tokio::net::TcpStream {
    fn reset_on_close(&self) {
        if let Err(e) = self.set_zero_linger() {
            tracing::debug!(error = %e, "could not set SO_LINGER to zero");
        }
    }
}

#[cfg(test)]
impl Abortable for tokio::io::DuplexStream {
    fn reset_on_close(&self) {}
}

impl<S: Abortable> WriteDeadline<S> {
    /// Wraps `inner`: a write blocked for `limit` fails with `TimedOut`.
    pub(crate) fn new(inner: S, limit: Duration, peer: SocketAddr) -> Self {
        Self {
            inner,
            limit,
            timer: Box::pin(tokio::time::sleep(limit)),
            armed: false,
            peer,
        }
    }

    /// Passes a ready result through (disarming the deadline); for a blocked
    /// one, arms the deadline or, once it has passed, fails.
    fn watch<T>(&mut self, cx: &mut Context<'_>, poll: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        if poll.is_ready() {
            self.armed = false;
            return poll;
        }
        if !self.armed {
            self.armed = true;
            // A limit too large to add is as good as none (30 years).
            let now = Instant::now();
            let at = now
                .checked_add(self.limit)
                .unwrap_or_else(|| now + Duration::from_secs(30 * 365 * 86_400));
            self.timer.as_mut().reset(at);
        }
        match self.timer.as_mut().poll(cx) {
            Poll::Ready(()) => {
                tracing::debug!(
                    peer = %self.peer,
                    limit_ms = u64::try_from(self.limit.as_millis()).unwrap_or(u64::MAX),
                    "the client read nothing within the write timeout; closing"
                );
                self.inner.reset_on_close();
                Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "write timeout: the client reads nothing",
                )))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for WriteDeadline<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Abortable + Unpin> AsyncWrite for WriteDeadline<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let poll = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.watch(cx, poll)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let poll = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.watch(cx, poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let poll = Pin::new(&mut this.inner).poll_flush(cx);
        this.watch(cx, poll)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let poll = Pin::new(&mut this.inner).poll_shutdown(cx);
        this.watch(cx, poll)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    fn peer() -> SocketAddr {
        "127.0.0.1:1".parse().expect("addr")
    }

    #[tokio::test(start_paused = true)]
    async fn a_write_the_peer_never_reads_fails_after_the_limit() {
        let (near, _far) = tokio::io::duplex(64);
        let mut io = WriteDeadline::new(near, Duration::from_secs(10), peer());
        let started = Instant::now();
        let err = io
            .write_all(&[0u8; 1024])
            .await
            .expect_err("the write never completes");
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert_eq!(started.elapsed(), Duration::from_secs(10));
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_reader_that_keeps_reading_is_never_cut() {
        let (near, mut far) = tokio::io::duplex(64);
        let mut io = WriteDeadline::new(near, Duration::from_secs(10), peer());
        let reader = tokio::spawn(async move {
            let mut total = 0;
            let mut buf = [0u8; 64];
            // 64 bytes every 5 s: every stall is shorter than the limit,
            // the whole transfer (80 s) much longer.
            while total < 1024 {
                tokio::time::sleep(Duration::from_secs(5)).await;
                total += far.read(&mut buf).await.expect("read");
            }
            total
        });
        io.write_all(&[0u8; 1024])
            .await
            .expect("progress resets the deadline");
        io.flush().await.expect("flush");
        assert_eq!(reader.await.expect("reader"), 1024);
    }
}
