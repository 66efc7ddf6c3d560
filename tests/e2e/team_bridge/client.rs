//! The test's WebSocket clients of a team bridge: through HAProxy as an
//! authenticated user (the stub SSO header), or straight to one replica
//! from a chosen loopback source address with whatever headers and token
//! the trial picks. Two ways to use a session:
//!
//! - [`deliver`]: the shared engine (`Session`) behind a
//!   [`Link`](smtplab_shared::link::Link), driven by `smtplab_e2e::ws_driver`
//!   over a socket opened here (bound to a source address, the handshake
//!   carrying headers), counting the bytes relayed each way;
//! - [`RawSession`]: `hello`, `connect`, then bytes to an echo peer, for
//!   the trials that hold sessions open (limits, drain).

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use smtplab_e2e::haproxy::{STUB_SSO_HEADER, USER_HEADER};
use smtplab_e2e::ws_driver::run_session_on;
use smtplab_shared::smtp::{Outcome, Session, SessionSpec};
use smtplab_shared::wire::{ClientMessage, ErrorCode, ServerMessage};
use tokio::net::{TcpSocket, TcpStream};
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

/// A client WebSocket over plain TCP.
pub(crate) type Ws = WebSocketStream<TcpStream>;

/// How long any one wait of a trial may take.
pub(crate) const WAIT: Duration = Duration::from_secs(30);

/// Where a WebSocket goes and what its handshake carries.
#[derive(Debug, Clone)]
pub(crate) struct Dial {
    /// The proxy or a replica.
    pub(crate) addr: SocketAddr,
    /// The local address the TCP connection is bound to.
    pub(crate) source: Ipv4Addr,
    /// `?token=` when set.
    pub(crate) token: Option<String>,
    /// Extra request headers.
    pub(crate) headers: Vec<(String, String)>,
    /// The `Origin` a browser would send for the page it loaded.
    pub(crate) origin: Option<String>,
}

impl Dial {
    /// Through the proxy at `proxy`, logged in at the stub SSO as `user`.
    pub(crate) fn via_proxy(proxy: SocketAddr, user: &str) -> Self {
        Self {
            addr: proxy,
            source: Ipv4Addr::LOCALHOST,
            token: None,
            headers: vec![(STUB_SSO_HEADER.into(), user.into())],
            origin: Some(format!("http://{proxy}")),
        }
    }

    /// Straight to `replica` from `source`, claiming to be `user` with the
    /// trusted header (when given) and carrying `token` (when given).
    pub(crate) fn direct(
        replica: SocketAddr,
        source: Ipv4Addr,
        user: Option<&str>,
        token: Option<&str>,
    ) -> Self {
        Self {
            addr: replica,
            source,
            token: token.map(str::to_owned),
            headers: user
                .map(|u| vec![(USER_HEADER.to_owned(), u.to_owned())])
                .unwrap_or_default(),
            origin: None,
        }
    }
}

/// Opens the WebSocket; `Err` carries the HTTP status of a refused
/// handshake (401, 403, 503…) or the failure in words.
pub(crate) async fn open(dial: &Dial) -> Result<Ws, Refusal> {
    let query = dial
        .token
        .as_ref()
        .map(|t| format!("?token={t}"))
        .unwrap_or_default();
    let mut request = format!("ws://{}/ws{query}", dial.addr)
        .into_client_request()
        .map_err(|e| Refusal::Other(e.to_string()))?;
    let headers = request.headers_mut();
    for (name, value) in &dial.headers {
        let name: tokio_tungstenite::tungstenite::http::HeaderName =
            name.parse().map_err(|_| Refusal::Other(name.clone()))?;
        let value = HeaderValue::from_str(value).map_err(|e| Refusal::Other(e.to_string()))?;
        headers.insert(name, value);
    }
    if let Some(origin) = &dial.origin {
        let value = HeaderValue::from_str(origin).map_err(|e| Refusal::Other(e.to_string()))?;
        headers.insert("Origin", value);
    }
    let socket = TcpSocket::new_v4().map_err(|e| Refusal::Other(e.to_string()))?;
    socket
        .bind(SocketAddr::from((dial.source, 0)))
        .map_err(|e| Refusal::Other(format!("bind {}: {e}", dial.source)))?;
    let tcp = timeout(WAIT, socket.connect(dial.addr))
        .await
        .map_err(|_| Refusal::Other("connect timed out".into()))?
        .map_err(|e| Refusal::Other(format!("connect {}: {e}", dial.addr)))?;
    let _ = tcp.set_nodelay(true);
    match timeout(WAIT, tokio_tungstenite::client_async(request, tcp)).await {
        Err(_) => Err(Refusal::Other("handshake timed out".into())),
        Ok(Ok((ws, _))) => Ok(ws),
        Ok(Err(tokio_tungstenite::tungstenite::Error::Http(response))) => {
            Err(Refusal::Status(response.status().as_u16()))
        }
        Ok(Err(e)) => Err(Refusal::Other(e.to_string())),
    }
}

/// Why a session did not open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The handshake got this HTTP status instead of 101.
    Status(u16),
    /// The bridge answered `error` with this code (then, usually, `closed`).
    Code(ErrorCode),
    /// The bridge sent `closed` with this reason before `connected`.
    Closed(String),
    /// Anything else.
    Other(String),
}

/// What a delivery through the engine produced.
#[derive(Debug)]
pub(crate) struct Delivery {
    /// The engine's verdict and its details.
    pub(crate) outcome: Outcome,
    /// Bytes of the binary frames this client sent (relayed to the server).
    pub(crate) bytes_to_server: u64,
    /// Bytes of the binary frames this client received (from the server).
    pub(crate) bytes_to_client: u64,
}

/// Runs `spec` through a WebSocket opened as `dial` says, driven by
/// `smtplab_e2e::ws_driver`.
///
/// # Errors
/// The refusal, or a description when the engine did not finish.
pub(crate) async fn deliver(dial: &Dial, spec: SessionSpec) -> Result<Delivery, String> {
    let ws = open(dial).await.map_err(|r| format!("{r:?}"))?;
    let report = run_session_on(ws, Session::new(spec))
        .await
        .map_err(|e| e.to_string())?;
    Ok(Delivery {
        bytes_to_server: report.client_frames.iter().map(|f| f.len() as u64).sum(),
        bytes_to_client: report.server_bytes,
        outcome: report.outcome,
    })
}

/// A session connected to a TCP peer and held open by the test.
pub(crate) struct RawSession {
    /// The relaying WebSocket.
    ws: Ws,
}

impl RawSession {
    /// Opens a WebSocket as `dial` says and asks for `127.0.0.1:port`.
    ///
    /// # Errors
    /// The handshake's status, the bridge's `error` code or `closed`.
    pub(crate) async fn open(dial: &Dial, port: u16) -> Result<Self, Refusal> {
        let mut ws = open(dial).await?;
        let connect = ClientMessage::Connect {
            host: "127.0.0.1".into(),
            port,
            timeout_ms: None,
        };
        let mut asked = false;
        loop {
            match next_control(&mut ws).await {
                Ok(ServerMessage::Hello { .. }) if !asked => {
                    asked = true;
                    ws.send(Message::text(connect.encode()))
                        .await
                        .map_err(|e| Refusal::Other(e.to_string()))?;
                }
                Ok(ServerMessage::Connected { .. }) => return Ok(Self { ws }),
                Ok(ServerMessage::Error { code, .. }) => {
                    let _ = ws.close(None).await;
                    return Err(Refusal::Code(code));
                }
                Ok(ServerMessage::Closed { reason, .. }) => return Err(Refusal::Closed(reason)),
                Ok(other) => return Err(Refusal::Other(format!("unexpected {other:?}"))),
                Err(e) => return Err(Refusal::Other(e)),
            }
        }
    }

    /// Sends `bytes` and reads until as many came back (an echo peer), or
    /// the bridge ends the session: `Err` with its `error` code or `closed`.
    ///
    /// # Errors
    /// How the session ended instead.
    pub(crate) async fn echo(&mut self, bytes: &[u8]) -> Result<(), Refusal> {
        self.ws
            .send(Message::binary(bytes.to_vec()))
            .await
            .map_err(|e| Refusal::Other(e.to_string()))?;
        let mut back = 0;
        while back < bytes.len() {
            match timeout(WAIT, self.ws.next()).await {
                Err(_) => return Err(Refusal::Other("no echo within 30 s".into())),
                Ok(Some(Ok(Message::Binary(b)))) => back += b.len(),
                Ok(Some(Ok(Message::Text(t)))) => match ServerMessage::decode(t.as_str()) {
                    Ok(ServerMessage::Error { code, .. }) => return Err(Refusal::Code(code)),
                    Ok(ServerMessage::Closed { reason, .. }) => {
                        return Err(Refusal::Closed(reason))
                    }
                    other => return Err(Refusal::Other(format!("{other:?}"))),
                },
                Ok(Some(Ok(_))) => {}
                Ok(Some(Err(e))) => return Err(Refusal::Other(e.to_string())),
                Ok(None) => return Err(Refusal::Other("the websocket ended".into())),
            }
        }
        Ok(())
    }

    /// Waits up to `within` for the bridge's `closed` and returns its
    /// reason (relayed bytes before it are skipped).
    ///
    /// # Errors
    /// When none comes.
    pub(crate) async fn wait_closed(&mut self, within: Duration) -> Result<String, String> {
        let wait = async {
            loop {
                match self.ws.next().await {
                    Some(Ok(Message::Text(t))) => {
                        if let Ok(ServerMessage::Closed { reason, .. }) =
                            ServerMessage::decode(t.as_str())
                        {
                            return Ok(reason);
                        }
                    }
                    Some(Ok(_)) => {}
                    Some(Err(e)) => return Err(e.to_string()),
                    None => return Err("the websocket ended without closed".to_owned()),
                }
            }
        };
        timeout(within, wait)
            .await
            .map_err(|_| format!("no closed within {within:?}"))?
    }

    /// Asks the bridge to close and waits for its `closed`.
    ///
    /// # Errors
    /// When no `closed` comes.
    pub(crate) async fn close(mut self) -> Result<String, String> {
        self.ws
            .send(Message::text(ClientMessage::Close.encode()))
            .await
            .map_err(|e| e.to_string())?;
        let reason = self.wait_closed(WAIT).await;
        let _ = self.ws.close(None).await;
        reason
    }
}

async fn next_control(ws: &mut Ws) -> Result<ServerMessage, String> {
    loop {
        match timeout(WAIT, ws.next()).await {
            Err(_) => return Err("no control message within 30 s".into()),
            Ok(Some(Ok(Message::Text(t)))) => {
                return ServerMessage::decode(t.as_str()).map_err(|e| e.to_string())
            }
            Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => {}
            Ok(other) => return Err(format!("expected a control message, got {other:?}")),
        }
    }
}
