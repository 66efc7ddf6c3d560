//! The client side of smtplab's control protocol: open a WebSocket to the
//! bridge and let [`Link`] (raw mode) speak `hello`, the version check,
//! `connect` and `connected`; this module only moves frames.

use std::time::Instant;

use anyhow::bail;
use futures_util::{SinkExt as _, StreamExt as _};
use smtplab_shared::link::{Link, LinkEvent, LinkState};
use smtplab_shared::wire::ServerMessage;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::MaybeTlsStream;

/// A client WebSocket over plain TCP.
pub type Ws = tokio_tungstenite::WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Opens a WebSocket to `url` (`TCP_NODELAY` on), with `config` or the
/// library's defaults. `url` is a URL or a request with headers (the
/// team benchmark's stub SSO header).
///
/// # Errors
/// When the TCP connect or the handshake fails.
pub async fn open_ws(
    url: impl IntoClientRequest + Unpin,
    config: Option<WebSocketConfig>,
) -> anyhow::Result<Ws> {
    let (ws, _) = tokio_tungstenite::connect_async_with_config(url, config, true).await?;
    Ok(ws)
}

/// Opens a bridge session to `127.0.0.1:port`: handshake, then a raw
/// [`Link`] through `hello`, `connect` and `connected`. The returned
/// WebSocket relays bytes (the link is done with it).
///
/// # Errors
/// When the WebSocket fails, or the link gives up (a bridge `error`, another
/// protocol version, a broken protocol, the WebSocket ending first): the
/// error is the reason's text.
pub async fn open_session(
    url: impl IntoClientRequest + Unpin,
    port: u16,
    config: Option<WebSocketConfig>,
) -> anyhow::Result<Ws> {
    let mut ws = open_ws(url, config).await?;
    let started = Instant::now();
    let mut link = Link::raw("127.0.0.1", port);
    loop {
        // The link's contract: after every input, drain binary frames, then
        // text frames, then events.
        while let Some(bytes) = link.poll_transmit() {
            ws.send(Message::binary(bytes)).await?;
        }
        while let Some(control) = link.poll_control() {
            ws.send(Message::text(control.encode())).await?;
        }
        while let Some(event) = link.poll_event() {
            match event {
                LinkEvent::Connected { .. } => return Ok(ws),
                LinkEvent::Aborted(reason) => {
                    let _ = ws.close(None).await;
                    bail!("{reason}");
                }
                _ => {}
            }
        }
        if link.state() == LinkState::Done {
            let _ = ws.close(None).await;
            bail!("the bridge session ended before connected");
        }
        let frame = ws.next().await;
        let now = started.elapsed();
        match frame {
            Some(Ok(Message::Text(text))) => link.handle_text(now, text.as_str()),
            Some(Ok(Message::Binary(bytes))) => link.handle_bytes(now, &bytes),
            Some(Ok(Message::Close(frame))) => {
                link.handle_ws_closed(now, frame.map(|f| u16::from(f.code)));
            }
            None => link.handle_ws_closed(now, None),
            Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
            Some(Err(e)) => return Err(e.into()),
        }
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
