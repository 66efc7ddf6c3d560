//! The real `smtplab` binary: it prints one URL line and serves the page
//! with the token from it.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};

#[tokio::test]
async fn binary_prints_its_url_and_serves_the_page() {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_smtplab"))
        .args(["--listen", "127.0.0.1:0", "--token", "t"])
        .env_remove("SMTPLAB_TOKEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn smtplab");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    tokio::time::timeout(
        Duration::from_secs(30),
        BufReader::new(stdout).read_line(&mut line),
    )
    .await
    .expect("the URL line in time")
    .expect("read stdout");
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"));
    assert!(
        line.starts_with("smtplab listening on http://127.0.0.1:"),
        "{line:?}"
    );
    let rest = url.strip_prefix("http://").expect("http url");
    let (authority, path) = rest.split_once('/').expect("a path");
    assert_eq!(path, "?token=t");
    let port: u16 = authority
        .strip_prefix("127.0.0.1:")
        .and_then(|p| p.parse().ok())
        .expect("a real port");
    assert_ne!(port, 0);

    let mut tcp = tokio::net::TcpStream::connect(authority)
        .await
        .expect("connect");
    let request = format!("GET /{path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n");
    tcp.write_all(request.as_bytes()).await.expect("request");
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), tcp.read_to_end(&mut response))
        .await
        .expect("response in time")
        .expect("read");
    let response = String::from_utf8_lossy(&response);
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("<html"), "{response}");

    // SIGTERM is a clean shutdown: exit status 0.
    let pid = child.id().expect("running").to_string();
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("run kill");
    assert!(sent.success());
    let status = tokio::time::timeout(Duration::from_secs(15), child.wait())
        .await
        .expect("exits after SIGTERM")
        .expect("wait");
    assert!(status.success(), "{status:?}");
}
