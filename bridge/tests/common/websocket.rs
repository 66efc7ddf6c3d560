//! The bridge's WebSocket as the tests open it from outside: the `/ws`
//! upgrade with the token, past `hello`, and the control messages the
//! bridge sends, read past pings and pongs (and, where asked, relayed
//! bytes).

use std::time::Duration;

use futures_util::{Stream, StreamExt as _};
use smtplab_shared::wire::ServerMessage;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::{Error, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// A client's WebSocket to the bridge.
pub(crate) type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A session on the bridge at `authority` (`host:port`) with `token`, its
/// `hello` read within `limit`.
///
/// # Panics
/// When the upgrade fails or the first message is not `hello`: these are
/// tests.
pub(crate) async fn session(authority: &str, token: &str, limit: Duration) -> Socket {
    let (mut ws, _) =
        tokio_tungstenite::connect_async(format!("ws://{authority}/ws?token={token}"))
            .await
            .expect("handshake");
    assert!(matches!(
        control(&mut ws, limit).await,
        ServerMessage::Hello { .. }
    ));
    ws
}

/// The next control message (a text frame) within `limit`; pings and pongs
/// are skipped, as the bridge may send them at any time.
///
/// # Panics
/// When nothing arrives in time, or something else than a control message
/// (a binary frame, a close, the end of the stream).
pub(crate) async fn control<S>(ws: &mut S, limit: Duration) -> ServerMessage
where
    S: Stream<Item = Result<Message, Error>> + Unpin,
{
    next_text(ws, limit, false).await
}

/// As [`control`], past binary frames too: relayed bytes may still be on
/// their way before it (`closed` after a session's last echo, say).
///
/// # Panics
/// When nothing arrives in time, or a close or the end of the stream comes
/// first.
// Not every test binary that includes this file reads past relayed bytes.
#[allow(dead_code)]
pub(crate) async fn control_past_bytes<S>(ws: &mut S, limit: Duration) -> ServerMessage
where
    S: Stream<Item = Result<Message, Error>> + Unpin,
{
    next_text(ws, limit, true).await
}

/// The next text frame within `limit`, decoded, past pings, pongs and,
/// with `skip_binary`, binary frames.
async fn next_text<S>(ws: &mut S, limit: Duration, skip_binary: bool) -> ServerMessage
where
    S: Stream<Item = Result<Message, Error>> + Unpin,
{
    loop {
        match tokio::time::timeout(limit, ws.next())
            .await
            .expect("a frame in time")
        {
            Some(Ok(Message::Text(t))) => {
                return ServerMessage::decode(t.as_str()).expect("control message")
            }
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            Some(Ok(Message::Binary(_))) if skip_binary => {}
            other => panic!("expected a control message, got {other:?}"),
        }
    }
}
