//! The client side of smtplab's control protocol: open a WebSocket to the
//! bridge, read `hello`, send `connect`, wait for `connected`.

use anyhow::bail;
use futures_util::{SinkExt as _, StreamExt as _};
use smtplab_shared::wire::{ClientMessage, ServerMessage};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::MaybeTlsStream;

/// A client WebSocket over plain TCP.
pub type Ws = tokio_tungstenite::WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Opens a WebSocket to `url` (`TCP_NODELAY` on), with `config` or the
/// library's defaults.
///
/// # Errors
/// When the TCP connect or the handshake fails.
pub async fn open_ws(url: &str, config: Option<WebSocketConfig>) -> anyhow::Result<Ws> {
    let (ws, _) = tokio_tungstenite::connect_async_with_config(url, config, true).await?;
    Ok(ws)
}

/// Opens a bridge session to `127.0.0.1:port`: handshake, `hello`,
/// `connect`, `connected`. The returned WebSocket relays bytes.
///
/// # Errors
/// When any step fails or the bridge answers something else.
pub async fn open_session(
    url: &str,
    port: u16,
    config: Option<WebSocketConfig>,
) -> anyhow::Result<Ws> {
    let mut ws = open_ws(url, config).await?;
    match next_control(&mut ws).await? {
        ServerMessage::Hello { .. } => {}
        other => bail!("expected hello, got {other:?}"),
    }
    let connect = ClientMessage::Connect {
        host: "127.0.0.1".into(),
        port,
        timeout_ms: None,
    };
    ws.send(Message::text(connect.encode())).await?;
    match next_control(&mut ws).await? {
        ServerMessage::Connected { .. } => Ok(ws),
        other => bail!("expected connected, got {other:?}"),
    }
}

/// The next control (text) message, skipping pings and pongs.
///
/// # Errors
/// On anything else, or a message that does not decode.
pub async fn next_control(ws: &mut Ws) -> anyhow::Result<ServerMessage> {
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(t))) => return Ok(ServerMessage::decode(t.as_str())?),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            other => bail!("expected a control message, got {other:?}"),
        }
    }
}
