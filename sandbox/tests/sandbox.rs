//! The sandbox against real clients on 127.0.0.1: raw SMTP bytes over a
//! TcpStream, swaks, and smtplab's own SMTP engine (`smtplab_shared`).

use std::net::SocketAddr;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use smtplab_sandbox::{
    start, ConfigError, SandboxConfig, SandboxHandle, StartError, DEMO_PASSWORD, DEMO_USER,
};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// How long any single wait in these tests may take before it fails.
const WAIT: Duration = Duration::from_secs(10);

fn config() -> SandboxConfig {
    SandboxConfig::new("127.0.0.1:0".parse().expect("addr"))
}

async fn sandbox(config: SandboxConfig) -> SandboxHandle {
    start(config, std::future::pending())
        .await
        .expect("sandbox starts")
}

/// A minimal SMTP client speaking raw bytes.
struct Client {
    stream: BufReader<TcpStream>,
}

/// One reply: its code and every line's text after the code and separator.
#[derive(Debug)]
struct Reply {
    code: u16,
    lines: Vec<String>,
}

impl Reply {
    fn text(&self) -> String {
        self.lines.join("\n")
    }
}

impl Client {
    async fn connect(addr: SocketAddr) -> Self {
        let stream = tokio::time::timeout(WAIT, TcpStream::connect(addr))
            .await
            .expect("connect in time")
            .expect("connect");
        let mut client = Self {
            stream: BufReader::new(stream),
        };
        let greeting = client.reply().await;
        assert_eq!(greeting.code, 220, "{greeting:?}");
        client
    }

    async fn write(&mut self, bytes: &[u8]) {
        self.stream.get_mut().write_all(bytes).await.expect("write");
    }

    async fn reply(&mut self) -> Reply {
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            let n = tokio::time::timeout(WAIT, self.stream.read_line(&mut line))
                .await
                .expect("reply in time")
                .expect("read");
            assert!(n > 0, "connection closed mid-reply after {lines:?}");
            assert!(line.ends_with("\r\n"), "reply line without CRLF: {line:?}");
            let line = line.trim_end_matches("\r\n");
            let code: u16 = line.get(..3).and_then(|c| c.parse().ok()).expect("code");
            lines.push(line.get(4..).unwrap_or_default().to_owned());
            if line.as_bytes().get(3) != Some(&b'-') {
                return Reply { code, lines };
            }
        }
    }

    async fn cmd(&mut self, line: &str) -> Reply {
        self.write(format!("{line}\r\n").as_bytes()).await;
        self.reply().await
    }

    /// Reads until the server closes; returns what came.
    async fn until_closed(&mut self) -> String {
        let mut rest = String::new();
        tokio::time::timeout(WAIT, self.stream.read_to_string(&mut rest))
            .await
            .expect("close in time")
            .expect("read");
        rest
    }

    /// MAIL, RCPT, DATA and the message; returns the final reply.
    async fn send_message(&mut self, from: &str, to: &str, message: &str) -> Reply {
        assert_eq!(self.cmd(&format!("MAIL FROM:<{from}>")).await.code, 250);
        assert_eq!(self.cmd(&format!("RCPT TO:<{to}>")).await.code, 250);
        assert_eq!(self.cmd("DATA").await.code, 354);
        self.write(message.as_bytes()).await;
        self.write(b".\r\n").await;
        self.reply().await
    }
}

fn b64(text: &str) -> String {
    STANDARD.encode(text)
}

#[tokio::test]
async fn auth_login_session_delivers_into_the_inbox_with_headers_and_body() {
    let sandbox = sandbox(config()).await;
    let mut c = Client::connect(sandbox.addr()).await;
    let ehlo = c.cmd("EHLO client.test").await;
    assert_eq!(ehlo.code, 250);
    let text = ehlo.text();
    for keyword in [
        "PIPELINING",
        "SIZE 1048576",
        "8BITMIME",
        "ENHANCEDSTATUSCODES",
        "CHUNKING",
        "SMTPUTF8",
    ] {
        assert!(
            ehlo.lines.iter().any(|l| l == keyword),
            "{keyword} missing in {text}"
        );
    }
    let auth = ehlo
        .lines
        .iter()
        .find(|l| l.starts_with("AUTH "))
        .expect("AUTH line");
    assert!(
        auth.split(' ').any(|m| m == "LOGIN") && auth.split(' ').any(|m| m == "PLAIN"),
        "{auth}"
    );

    let r = c.cmd("AUTH LOGIN").await;
    assert_eq!((r.code, r.text()), (334, "VXNlcm5hbWU6".to_owned()));
    let r = c.cmd(&b64(DEMO_USER)).await;
    assert_eq!((r.code, r.text()), (334, "UGFzc3dvcmQ6".to_owned()));
    let r = c.cmd(&b64(DEMO_PASSWORD)).await;
    assert_eq!(r.code, 235, "{r:?}");
    assert!(r.text().starts_with("2.7.0"), "{r:?}");

    assert_eq!(c.cmd("MAIL FROM:<alice@client.test>").await.code, 250);
    assert_eq!(c.cmd("RCPT TO:<bob@example.org>").await.code, 250);
    assert_eq!(c.cmd("RCPT TO:<carol@example.net>").await.code, 250);
    assert_eq!(c.cmd("DATA").await.code, 354);
    c.write(
        b"Subject: Hello\r\n  from the sandbox test\r\nFrom: Alice <alice@client.test>\r\n\r\nFirst line\r\n..a line that started with a dot\r\n.\r\n",
    )
    .await;
    let done = c.reply().await;
    assert_eq!(done.code, 250, "{done:?}");
    let queue_id = done
        .text()
        .strip_prefix("2.0.0 Ok: queued as ")
        .expect("queue id in the final 250")
        .to_owned();
    assert!(queue_id.starts_with("SBX"), "{queue_id}");
    assert_eq!(c.cmd("QUIT").await.code, 221);
    assert_eq!(c.until_closed().await, "");

    let messages = sandbox.inbox().list();
    assert_eq!(messages.len(), 1);
    let m = &messages[0];
    assert_eq!(m.queue_id, queue_id);
    assert_eq!(m.helo, "client.test");
    assert_eq!(m.mail_from, "alice@client.test");
    assert_eq!(m.rcpt_to, vec!["bob@example.org", "carol@example.net"]);
    assert_eq!(m.authenticated_as.as_deref(), Some(DEMO_USER));
    assert_eq!(m.header("subject"), Some("Hello from the sandbox test"));
    assert_eq!(m.header("From"), Some("Alice <alice@client.test>"));
    assert_eq!(m.body, "First line\r\n.a line that started with a dot\r\n");
    assert!(m.received_at_unix_ms > 1_600_000_000_000);

    let page = sandbox.inbox().page(None, 100).to_json();
    let json: serde_json::Value = serde_json::from_str(&page).expect("json");
    assert_eq!(json["total"], 1);
    assert_eq!(json["messages"][0]["queue_id"], queue_id.as_str());
    assert_eq!(json["messages"][0]["authenticated_as"], DEMO_USER);
}

#[tokio::test]
async fn auth_plain_works_with_initial_response_and_with_a_challenge() {
    let sandbox = sandbox(config()).await;
    let payload = b64(&format!("\0{DEMO_USER}\0{DEMO_PASSWORD}"));

    let mut c = Client::connect(sandbox.addr()).await;
    assert_eq!(c.cmd("EHLO a").await.code, 250);
    let r = c.cmd(&format!("AUTH PLAIN {payload}")).await;
    assert_eq!(r.code, 235, "{r:?}");
    assert_eq!(c.cmd("AUTH PLAIN x").await.code, 503, "second AUTH");

    let mut c = Client::connect(sandbox.addr()).await;
    assert_eq!(c.cmd("EHLO b").await.code, 250);
    let r = c.cmd("AUTH PLAIN").await;
    assert_eq!(r.code, 334);
    assert_eq!(c.cmd(&payload).await.code, 235);
    let done = c
        .send_message("a@b", "c@d", "Subject: plain\r\n\r\nhi\r\n")
        .await;
    assert_eq!(done.code, 250, "{done:?}");
    assert_eq!(
        sandbox.inbox().list()[0].authenticated_as.as_deref(),
        Some(DEMO_USER)
    );
}

#[tokio::test]
async fn wrong_password_gets_535_and_repeated_failures_close_the_connection() {
    let sandbox = sandbox(config()).await;
    let mut c = Client::connect(sandbox.addr()).await;
    assert_eq!(c.cmd("EHLO a").await.code, 250);
    let wrong = b64(&format!("\0{DEMO_USER}\0not-the-password"));
    let r = c.cmd(&format!("AUTH PLAIN {wrong}")).await;
    assert_eq!(
        (r.code, r.text()),
        (535, "5.7.8 Authentication credentials invalid".to_owned())
    );
    // AUTH LOGIN with the wrong password, too.
    assert_eq!(c.cmd("AUTH LOGIN").await.code, 334);
    assert_eq!(c.cmd(&b64(DEMO_USER)).await.code, 334);
    assert_eq!(c.cmd(&b64("nope")).await.code, 535);
    // A cancelled exchange and undecodable base64 are 501, not failures.
    assert_eq!(c.cmd("AUTH LOGIN").await.code, 334);
    assert_eq!(c.cmd("*").await.code, 501);
    assert_eq!(c.cmd("AUTH PLAIN !!!notbase64").await.code, 501);
    assert_eq!(c.cmd("AUTH CRAM-MD5").await.code, 504);
    // The third wrong password ends the connection.
    assert_eq!(c.cmd(&format!("AUTH PLAIN {wrong}")).await.code, 535);
    let last = c.reply().await;
    assert_eq!(last.code, 421, "{last:?}");
    assert_eq!(c.until_closed().await, "");
}

#[tokio::test]
async fn the_101st_message_evicts_the_oldest() {
    let sandbox = sandbox(config()).await;
    let mut c = Client::connect(sandbox.addr()).await;
    assert_eq!(c.cmd("EHLO a").await.code, 250);
    let mut queue_ids = Vec::new();
    for i in 1..=101 {
        let done = c
            .send_message(
                "a@b",
                "c@d",
                &format!("Subject: message {i}\r\n\r\nbody {i}\r\n"),
            )
            .await;
        assert_eq!(done.code, 250, "{done:?}");
        queue_ids.push(done.text().rsplit(' ').next().expect("id").to_owned());
    }
    let messages = sandbox.inbox().list();
    assert_eq!(messages.len(), 100);
    assert_eq!(messages[0].queue_id, queue_ids[1]);
    assert_eq!(messages[0].header("Subject"), Some("message 2"));
    assert_eq!(messages[99].queue_id, queue_ids[100]);
    assert!(sandbox.inbox().get(&queue_ids[0]).is_none());
}

#[tokio::test]
async fn an_oversized_message_is_refused_with_552_and_the_session_goes_on() {
    let sandbox = sandbox(config()).await;
    let mut c = Client::connect(sandbox.addr()).await;
    assert_eq!(c.cmd("EHLO a").await.code, 250);
    // Declared too big up front (RFC 1870).
    let r = c.cmd("MAIL FROM:<a@b> SIZE=2000000").await;
    assert_eq!(
        (r.code, r.text().get(..5).map(str::to_owned)),
        (552, Some("5.3.4".to_owned()))
    );
    // Sent too big without a declaration: read to the end, then refused.
    let line = "x".repeat(998) + "\r\n";
    let big = format!("Subject: big\r\n\r\n{}", line.repeat(1100));
    let r = c.send_message("a@b", "c@d", &big).await;
    assert_eq!(r.code, 552, "{r:?}");
    assert!(r.text().starts_with("5.3.4"), "{r:?}");
    assert!(sandbox.inbox().is_empty());
    // The connection is still in step.
    let r = c
        .send_message("a@b", "c@d", "Subject: small\r\n\r\nok\r\n")
        .await;
    assert_eq!(r.code, 250, "{r:?}");
    assert_eq!(sandbox.inbox().len(), 1);
}

#[tokio::test]
async fn pipelined_commands_are_answered_in_order() {
    let sandbox = sandbox(config()).await;
    let mut c = Client::connect(sandbox.addr()).await;
    c.write(b"EHLO a\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nRCPT TO:<e@f>\r\nDATA\r\n")
        .await;
    let codes = [
        c.reply().await.code,
        c.reply().await.code,
        c.reply().await.code,
        c.reply().await.code,
        c.reply().await.code,
    ];
    assert_eq!(codes, [250, 250, 250, 250, 354]);
    c.write(b"Subject: p\r\n\r\nx\r\n.\r\nQUIT\r\n").await;
    assert_eq!(c.reply().await.code, 250);
    assert_eq!(c.reply().await.code, 221);
    assert_eq!(sandbox.inbox().list()[0].rcpt_to, vec!["c@d", "e@f"]);
}

#[tokio::test]
async fn bdat_chunks_are_delivered() {
    let sandbox = sandbox(config()).await;
    let mut c = Client::connect(sandbox.addr()).await;
    assert_eq!(c.cmd("EHLO a").await.code, 250);
    assert_eq!(c.cmd("MAIL FROM:<a@b>").await.code, 250);
    assert_eq!(c.cmd("RCPT TO:<c@d>").await.code, 250);
    c.write(b"BDAT 18\r\nSubject: chunk\r\n\r\n").await;
    assert_eq!(c.reply().await.text(), "2.0.0 18 octets received");
    c.write(b"BDAT 6 LAST\r\nhello\n").await;
    let r = c.reply().await;
    assert!(r.code == 250 && r.text().contains("queued as SBX"), "{r:?}");
    let m = &sandbox.inbox().list()[0];
    assert_eq!(m.header("Subject"), Some("chunk"));
    assert_eq!(m.body, "hello\n");
}

#[tokio::test]
async fn out_of_order_and_garbage_input_get_errors_not_a_crash() {
    let sandbox = sandbox(config()).await;
    let mut c = Client::connect(sandbox.addr()).await;
    assert_eq!(c.cmd("MAIL FROM:<a@b>").await.code, 503, "before EHLO");
    assert_eq!(c.cmd("EHLO a").await.code, 250);
    assert_eq!(c.cmd("RCPT TO:<c@d>").await.code, 503, "before MAIL");
    assert_eq!(c.cmd("DATA").await.code, 503);
    assert_eq!(c.cmd("STARTTLS").await.code, 502);
    assert_eq!(c.cmd("FROB nicate").await.code, 500);
    assert_eq!(c.cmd("MAIL FROM:<not an address").await.code / 100, 5);
    let long = "NOOP ".to_owned() + &"a".repeat(10_000);
    assert_eq!(c.cmd(&long).await.code, 500, "over-long line");
    c.write(b"\x00\xff\xfe\r\n").await;
    assert_eq!(c.reply().await.code / 100, 5);
    assert_eq!(c.cmd("NOOP").await.code, 250, "still in step");
    assert_eq!(c.cmd("QUIT").await.code, 221);
}

#[tokio::test]
async fn a_non_loopback_listen_address_is_refused() {
    let config = SandboxConfig::new("0.0.0.0:0".parse().expect("addr"));
    let err = start(config, std::future::pending())
        .await
        .expect_err("refused");
    assert!(
        matches!(err, StartError::Config(ConfigError::NotLoopback { .. })),
        "{err}"
    );
}

#[tokio::test]
async fn connections_over_the_limit_get_421() {
    let sandbox = sandbox(SandboxConfig {
        max_connections: 1,
        ..config()
    })
    .await;
    let mut first = Client::connect(sandbox.addr()).await;
    let mut second = TcpStream::connect(sandbox.addr()).await.expect("connect");
    let mut text = String::new();
    tokio::time::timeout(WAIT, second.read_to_string(&mut text))
        .await
        .expect("closed in time")
        .expect("read");
    assert!(text.starts_with("421 4.7.0"), "{text:?}");
    assert_eq!(first.cmd("NOOP").await.code, 250);
    assert_eq!(first.cmd("QUIT").await.code, 221);
    drop(first);
    // The place is free again once the first connection is gone.
    let mut third = None;
    for _ in 0..50 {
        let mut s = TcpStream::connect(sandbox.addr()).await.expect("connect");
        let mut buf = [0u8; 3];
        if s.read_exact(&mut buf).await.is_ok() && &buf == b"220" {
            third = Some(s);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(third.is_some(), "the freed place was never given out");
}

#[tokio::test]
async fn an_idle_client_is_told_421_and_closed() {
    let sandbox = sandbox(SandboxConfig {
        idle_timeout: Duration::from_millis(200),
        ..config()
    })
    .await;
    let mut c = Client::connect(sandbox.addr()).await;
    let r = c.reply().await;
    assert_eq!(r.code, 421);
    assert!(r.text().starts_with("4.4.2"), "{r:?}");
    assert_eq!(c.until_closed().await, "");
}

#[tokio::test]
async fn shutdown_tells_open_connections_421_and_stops() {
    let token = tokio_util::sync::CancellationToken::new();
    let sandbox = start(config(), token.clone().cancelled_owned())
        .await
        .expect("starts");
    let mut c = Client::connect(sandbox.addr()).await;
    token.cancel();
    let r = c.reply().await;
    assert_eq!(r.code, 421);
    assert!(r.text().starts_with("4.3.2"), "{r:?}");
    tokio::time::timeout(WAIT, sandbox.stopped())
        .await
        .expect("stopped in time");
    assert!(
        TcpStream::connect(sandbox.addr()).await.is_err(),
        "still accepting"
    );
}

#[tokio::test]
async fn swaks_delivers_to_the_sandbox() {
    let swaks = std::path::Path::new("/usr/bin/swaks");
    if !swaks.exists() {
        eprintln!("skipped: swaks is not installed (apt-get install swaks)");
        return;
    }
    let sandbox = sandbox(config()).await;
    let port = sandbox.addr().port().to_string();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("/usr/bin/swaks")
            .args(["--server", "127.0.0.1", "--port", &port])
            .args(["--ehlo", "swaks.test", "--from", "swaks@client.test"])
            .args(["--to", "someone@example.org"])
            .args([
                "--auth",
                "LOGIN",
                "--auth-user",
                DEMO_USER,
                "--auth-password",
                DEMO_PASSWORD,
            ])
            .args([
                "--header",
                "Subject: sent by swaks",
                "--body",
                "Hello from swaks",
            ])
            .args(["--timeout", "10"])
            .output()
            .expect("swaks runs")
    })
    .await
    .expect("join");
    let transcript = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "swaks failed:\n{transcript}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(transcript.contains("235 2.7.0"), "{transcript}");
    assert!(
        transcript.contains("250 2.0.0 Ok: queued as SBX"),
        "{transcript}"
    );
    let m = &sandbox.inbox().list()[0];
    assert_eq!(m.header("Subject"), Some("sent by swaks"));
    assert!(m.body.contains("Hello from swaks"), "{}", m.body);
    assert_eq!(m.rcpt_to, vec!["someone@example.org"]);
    assert_eq!(m.authenticated_as.as_deref(), Some(DEMO_USER));
}
