//! A raw HTTP/1.1 GET for the tests that start the real binary: one
//! request with `Connection: close`, the response read to the end.

use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// `GET path` (with its query) from `authority` (`host:port`), waiting at
/// most `limit` for the response; the status code and the body.
///
/// # Panics
/// When the connection fails or the answer is not HTTP: these are tests.
pub(crate) async fn get(authority: &str, path: &str, limit: Duration) -> (u16, String) {
    let mut tcp = tokio::net::TcpStream::connect(authority)
        .await
        .expect("connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n");
    tcp.write_all(request.as_bytes()).await.expect("request");
    let mut raw = Vec::new();
    tokio::time::timeout(limit, tcp.read_to_end(&mut raw))
        .await
        .expect("response in time")
        .expect("read");
    let text = String::from_utf8(raw).expect("utf-8 response");
    let (head, body) = text.split_once("\r\n\r\n").expect("header block");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    (status, body.to_owned())
}
