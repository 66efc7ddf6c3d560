//! Starting a bridge on 127.0.0.1:0 and talking to it: a WebSocket client
//! with helpers for control messages, and a raw HTTP/1.1 GET.

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use smtplab_bridge::{AccessToken, Config};
use smtplab_shared::wire::{ClientMessage, ServerMessage};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long any single expected event may take before the test fails.
pub(crate) const STEP: Duration = Duration::from_secs(10);

pub(crate) const TOKEN: &str = "test-token";

/// A running bridge.
pub(crate) struct Bridge {
    pub(crate) addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

/// Starts a bridge with the test token and `tweak` applied to the defaults.
pub(crate) async fn start(tweak: impl FnOnce(&mut Config)) -> Bridge {
    let mut config = Config::new(AccessToken::parse(TOKEN).expect("valid token"));
    tweak(&mut config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(smtplab_bridge::run(listener, config, async move {
        let _ = stopped.await;
    }));
    Bridge {
        addr,
        stop: Some(stop),
        task,
    }
}

pub(crate) type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

impl Bridge {
    pub(crate) fn ws_url(&self, token: Option<&str>) -> String {
        match token {
            Some(t) => format!("ws://{}/ws?token={t}", self.addr),
            None => format!("ws://{}/ws", self.addr),
        }
    }

    /// A WebSocket handshake with optional extra headers; the raw result.
    pub(crate) async fn handshake(
        &self,
        token: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Result<Socket, tokio_tungstenite::tungstenite::Error> {
        let mut request = self.ws_url(token).into_client_request().expect("valid url");
        for (name, value) in headers {
            request.headers_mut().insert(
                tokio_tungstenite::tungstenite::http::HeaderName::from_bytes(name.as_bytes())
                    .expect("header name"),
                HeaderValue::from_str(value).expect("header value"),
            );
        }
        let (socket, _) = tokio::time::timeout(STEP, tokio_tungstenite::connect_async(request))
            .await
            .expect("handshake in time")?;
        Ok(socket)
    }

    /// A session with the right token, past its `hello`.
    pub(crate) async fn session(&self) -> Client {
        let socket = self
            .handshake(Some(TOKEN), &[])
            .await
            .expect("handshake accepted");
        let mut client = Client { socket };
        let hello = client.control().await;
        assert!(
            matches!(hello, ServerMessage::Hello { version: 1, .. }),
            "{hello:?}"
        );
        client
    }

    /// Completes the shutdown future and waits for `run` to return.
    pub(crate) async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(STEP * 2, &mut self.task)
            .await
            .expect("run returns after shutdown")
            .expect("run task")
            .expect("run ok");
    }

    /// A raw HTTP/1.1 GET; returns the status code, the header block and
    /// the body.
    pub(crate) async fn get(
        &self,
        path: &str,
        host: Option<&str>,
        extra: &[&str],
    ) -> (u16, String, Vec<u8>) {
        let host = host.map_or_else(|| self.addr.to_string(), str::to_owned);
        let mut tcp = TcpStream::connect(self.addr).await.expect("connect");
        let mut request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
        for line in extra {
            request.push_str(line);
            request.push_str("\r\n");
        }
        request.push_str("\r\n");
        tcp.write_all(request.as_bytes())
            .await
            .expect("send request");
        let mut raw = Vec::new();
        tokio::time::timeout(STEP, tcp.read_to_end(&mut raw))
            .await
            .expect("response in time")
            .expect("read response");
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("header block ends");
        let head = String::from_utf8(raw[..split].to_vec()).expect("ascii head");
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("status code");
        (status, head, raw[split + 4..].to_vec())
    }
}

impl Drop for Bridge {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A WebSocket client of the bridge.
pub(crate) struct Client {
    pub(crate) socket: Socket,
}

impl Client {
    /// The next frame, whatever it is (`None` at the end of the stream).
    pub(crate) async fn next(&mut self) -> Option<Message> {
        match tokio::time::timeout(STEP, self.socket.next())
            .await
            .expect("a frame in time")
        {
            Some(Ok(m)) => Some(m),
            Some(Err(_)) | None => None,
        }
    }

    /// The next frame, which must be a control message.
    pub(crate) async fn control(&mut self) -> ServerMessage {
        match self.next().await {
            Some(Message::Text(t)) => {
                ServerMessage::decode(t.as_str()).expect("valid server message")
            }
            other => panic!("expected a control message, got {other:?}"),
        }
    }

    pub(crate) async fn send(&mut self, msg: &ClientMessage) {
        self.send_text(&msg.encode()).await;
    }

    pub(crate) async fn send_text(&mut self, text: &str) {
        self.socket
            .send(Message::text(text))
            .await
            .expect("send text");
    }

    pub(crate) async fn send_binary(&mut self, bytes: &[u8]) {
        self.socket
            .send(Message::binary(bytes.to_vec()))
            .await
            .expect("send binary");
    }

    /// Sends `connect` to 127.0.0.1:`port` and returns the answer.
    pub(crate) async fn connect(&mut self, port: u16) -> ServerMessage {
        self.send(&ClientMessage::Connect {
            host: "127.0.0.1".into(),
            port,
            timeout_ms: None,
        })
        .await;
        self.control().await
    }

    /// Reads binary frames until `n` bytes came; fails on anything else.
    pub(crate) async fn read_binary(&mut self, n: usize) -> Vec<u8> {
        let mut got = Vec::with_capacity(n);
        while got.len() < n {
            match self.next().await {
                Some(Message::Binary(b)) => got.extend_from_slice(&b),
                other => panic!("expected binary after {} bytes, got {other:?}", got.len()),
            }
        }
        got
    }

    /// Expects the WebSocket close frame and then the end of the stream.
    pub(crate) async fn expect_close_frame(&mut self) {
        loop {
            match self.next().await {
                Some(Message::Close(_)) | None => return,
                Some(Message::Ping(_) | Message::Pong(_)) => {}
                other => panic!("expected the close frame, got {other:?}"),
            }
        }
    }
}

/// A TCP listener on 127.0.0.1 standing in for a mail server.
pub(crate) async fn peer() -> (tokio::net::TcpListener, u16) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind peer");
    let port = listener.local_addr().expect("peer addr").port();
    (listener, port)
}

/// Accepts one connection on `listener` within [`STEP`].
pub(crate) async fn accept(listener: &tokio::net::TcpListener) -> TcpStream {
    tokio::time::timeout(STEP, listener.accept())
        .await
        .expect("the bridge connected in time")
        .expect("accept")
        .0
}
