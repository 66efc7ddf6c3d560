//! How a benchmark client reaches a TCP server: directly, through the
//! smtplab bridge (control protocol: `hello`, `connect`, `connected`), or
//! through a raw WebSocket-to-TCP relay bound to that one server
//! (websocat, websockify: no control messages). [`Conn`] hides the
//! difference: bytes in, bytes out.

use std::net::SocketAddr;

use anyhow::{bail, Context as _};
use futures_util::{SinkExt as _, StreamExt as _};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Bytes, Message};

use crate::session::{open_session, open_ws, Ws};

/// A way to reach a server.
#[derive(Debug, Clone)]
pub enum Route {
    /// Plain TCP to the server: the physical limit.
    Direct,
    /// The smtplab bridge at this WebSocket URL (token included).
    Bridge {
        /// `ws://127.0.0.1:PORT/ws?token=…`.
        url: String,
    },
    /// Raw relays, one listening WebSocket URL per server they relay to.
    Raw {
        /// `(server, ws://relay/)` pairs.
        by_target: Vec<(SocketAddr, String)>,
    },
}

impl Route {
    /// Opens a connection to `target` with the WebSocket library's default
    /// client settings.
    ///
    /// # Errors
    /// When connecting fails, or a raw route has no relay for `target`.
    pub async fn open(&self, target: SocketAddr) -> anyhow::Result<Conn> {
        self.open_with(target, None).await
    }

    /// Opens a connection to `target`; `config` tunes the client WebSocket
    /// (a small read buffer keeps thousands of idle clients cheap).
    ///
    /// # Errors
    /// As [`Route::open`].
    pub async fn open_with(
        &self,
        target: SocketAddr,
        config: Option<WebSocketConfig>,
    ) -> anyhow::Result<Conn> {
        match self {
            Self::Direct => {
                let tcp = TcpStream::connect(target).await?;
                tcp.set_nodelay(true)?;
                Ok(Conn::Tcp(tcp))
            }
            Self::Bridge { url } => Ok(Conn::Ws(Box::new(
                open_session(url, target.port(), config).await?,
            ))),
            Self::Raw { by_target } => {
                let url = by_target
                    .iter()
                    .find(|(t, _)| *t == target)
                    .map(|(_, url)| url)
                    .with_context(|| format!("no relay to {target}"))?;
                Ok(Conn::Ws(Box::new(open_ws(url, config).await?)))
            }
        }
    }
}

/// An open byte stream to a server, whatever the route.
#[derive(Debug)]
pub enum Conn {
    /// Plain TCP.
    Tcp(TcpStream),
    /// A WebSocket whose binary messages carry the bytes.
    Ws(Box<Ws>),
}

impl Conn {
    /// Sends `bytes` as one TCP write or one binary message.
    ///
    /// # Errors
    /// When the connection is gone.
    pub async fn send(&mut self, bytes: Bytes) -> anyhow::Result<()> {
        match self {
            Self::Tcp(tcp) => tcp.write_all(&bytes).await?,
            Self::Ws(ws) => ws.send(Message::Binary(bytes)).await?,
        }
        Ok(())
    }

    /// Appends the next bytes that arrive to `buf` (one TCP read, at most
    /// 64 KiB, or one binary message) and returns how many; 0 at the end
    /// of the stream (for the bridge: its `closed` message or a close frame).
    ///
    /// # Errors
    /// On a read error or an unexpected message.
    pub async fn recv(&mut self, buf: &mut Vec<u8>) -> anyhow::Result<usize> {
        match self {
            Self::Tcp(tcp) => {
                let start = buf.len();
                buf.resize(start + crate::peer::CHUNK, 0);
                let n = tcp.read(&mut buf[start..]).await;
                buf.truncate(start + n.as_ref().copied().unwrap_or(0));
                Ok(n?)
            }
            Self::Ws(ws) => loop {
                match ws.next().await {
                    Some(Ok(Message::Binary(b))) => {
                        buf.extend_from_slice(&b);
                        return Ok(b.len());
                    }
                    Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
                    Some(Ok(Message::Text(_) | Message::Close(_))) | None => return Ok(0),
                    Some(Err(e)) => return Err(e.into()),
                }
            },
        }
    }

    /// Receives until `buf` holds at least `n` bytes.
    ///
    /// # Errors
    /// When the stream ends first.
    pub async fn recv_at_least(&mut self, buf: &mut Vec<u8>, n: usize) -> anyhow::Result<()> {
        while buf.len() < n {
            if self.recv(buf).await? == 0 {
                bail!("stream ended after {} of {n} bytes", buf.len());
            }
        }
        Ok(())
    }
}
