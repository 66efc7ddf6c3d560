//! `resolve` through the real bridge against a real DNS server on loopback:
//! Debian's dnsmasq (package `dnsmasq-base`, see scripts/setup.sh), started
//! by each test on 127.0.0.1:<free port> with a small local zone and no
//! upstream, so no query ever leaves the machine. MX sorted by preference,
//! A records, NXDOMAIN, NODATA (`no_records`), REFUSED (`servfail`), a
//! server that never answers (`timeout`), the in-flight bound, `resolve`
//! during a relay, and the binary's `--dns`; TXT, PTR, TLSA and CNAME
//! ([`records`]); DNSSEC validation against a signed zone served by BIND
//! ([`dnssec`]).

#[path = "dns/dnssec.rs"]
mod dnssec;
#[path = "dns/records.rs"]
mod records;
// The tests crate's dnsmasq fixture, shared rather than copied; its `pub`
// items are for that crate.
#[allow(unreachable_pub, dead_code)]
#[path = "../../tests/src/dnsmasq.rs"]
mod dnsmasq;
#[path = "common/in_process.rs"]
mod in_process;
#[path = "common/url_line.rs"]
mod url_line;
#[path = "common/websocket.rs"]
mod websocket;

use std::net::SocketAddr;
use std::process::Stdio;
use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use smtplab_bridge::{AccessToken, Config};
use smtplab_shared::wire::{ClientMessage, DnsRecord, ErrorCode, RecordType, ServerMessage};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio_tungstenite::tungstenite::Message;

use dnsmasq::Dnsmasq;
use websocket::Socket;

const TOKEN: &str = "dns-test-token";
const STEP: Duration = Duration::from_secs(15);

/// dnsmasq serving the test zone on 127.0.0.1 (killed on drop): the MX,
/// A and NXDOMAIN cases here and [`records::DNSMASQ_RECORDS`].
fn start_dnsmasq() -> Dnsmasq {
    let zone = [
        // Declared out of order: the bridge sorts by preference.
        "--mx-host=smtplab.test,mx2.smtplab.test,20",
        "--mx-host=smtplab.test,mx1.smtplab.test,10",
        "--mx-host=smtplab.test,mx0.smtplab.test,5",
        "--host-record=mx1.smtplab.test,127.0.0.2",
        "--host-record=mx2.smtplab.test,127.0.0.3",
        "--host-record=nomx.test,127.0.0.4",
    ];
    Dnsmasq::start(&[&zone[..], records::DNSMASQ_RECORDS].concat()).expect("dnsmasq")
}

/// A DNS "server" that never answers: a bound UDP socket and a TCP
/// listener on the same port that nobody reads.
struct Silent {
    _udp: tokio::net::UdpSocket,
    _tcp: tokio::net::TcpListener,
    addr: SocketAddr,
}

async fn silent_server() -> Silent {
    loop {
        let udp = tokio::net::UdpSocket::bind("127.0.0.1:0")
            .await
            .expect("bind udp");
        let addr = udp.local_addr().expect("addr");
        if let Ok(tcp) = tokio::net::TcpListener::bind(addr).await {
            return Silent {
                _udp: udp,
                _tcp: tcp,
                addr,
            };
        }
    }
}

/// A bridge (`run()` on 127.0.0.1:0) with the test's token and `tweak`
/// applied (the DNS server to ask); stopped on drop.
async fn bridge(tweak: impl FnOnce(&mut Config)) -> in_process::Bridge {
    let mut config = Config::new(AccessToken::parse(TOKEN).expect("token"));
    tweak(&mut config);
    in_process::start(config).await
}

async fn session(authority: &str) -> Socket {
    websocket::session(authority, TOKEN, STEP).await
}

async fn control(ws: &mut Socket) -> ServerMessage {
    websocket::control(ws, STEP).await
}

async fn send(ws: &mut Socket, msg: &ClientMessage) {
    ws.send(Message::text(msg.encode())).await.expect("send");
}

async fn resolve(ws: &mut Socket, name: &str, rtype: RecordType, id: Option<u32>) -> ServerMessage {
    let msg = ClientMessage::Resolve {
        name: name.into(),
        rtype,
        id,
    };
    send(ws, &msg).await;
    control(ws).await
}

fn error_code(msg: &ServerMessage) -> ErrorCode {
    match msg {
        ServerMessage::Error { code, .. } => *code,
        other => panic!("expected an error, got {other:?}"),
    }
}

fn mx(preference: u16, exchange: &str) -> DnsRecord {
    DnsRecord::Mx {
        preference,
        exchange: exchange.into(),
    }
}

fn address(ip: &str) -> DnsRecord {
    DnsRecord::Address {
        address: ip.parse().expect("ip"),
    }
}

#[tokio::test]
async fn mx_records_come_sorted_and_a_records_answer_for_a_name_without_mx() {
    let dns = start_dnsmasq();
    let bridge = bridge(|c| c.dns_server = Some(dns.addr)).await;
    let mut ws = session(&bridge.addr.to_string()).await;

    let answer = resolve(&mut ws, "SMTPlab.test.", RecordType::Mx, Some(7)).await;
    assert_eq!(
        answer,
        ServerMessage::Resolved {
            name: "SMTPlab.test.".into(),
            rtype: RecordType::Mx,
            records: vec![
                mx(5, "mx0.smtplab.test"),
                mx(10, "mx1.smtplab.test"),
                mx(20, "mx2.smtplab.test"),
            ],
            id: Some(7),
            authenticated: None,
        }
    );
    // No MX: the client falls back to the A record (RFC 5321 §5.1).
    let no_mx = resolve(&mut ws, "nomx.test", RecordType::Mx, None).await;
    assert_eq!(error_code(&no_mx), ErrorCode::NoRecords, "{no_mx:?}");
    let a = resolve(&mut ws, "nomx.test", RecordType::A, None).await;
    assert_eq!(
        a,
        ServerMessage::Resolved {
            name: "nomx.test".into(),
            rtype: RecordType::A,
            records: vec![address("127.0.0.4")],
            id: None,
            authenticated: None,
        }
    );
    let mx1 = resolve(&mut ws, "mx1.smtplab.test", RecordType::A, Some(2)).await;
    assert!(
        matches!(&mx1, ServerMessage::Resolved { records, id: Some(2), .. } if records == &[address("127.0.0.2")]),
        "{mx1:?}"
    );
}

#[tokio::test]
async fn nxdomain_no_records_and_refused_are_typed_errors() {
    let dns = start_dnsmasq();
    let bridge = bridge(|c| c.dns_server = Some(dns.addr)).await;
    let mut ws = session(&bridge.addr.to_string()).await;

    let nx = resolve(&mut ws, "nothere.test", RecordType::A, None).await;
    assert_eq!(error_code(&nx), ErrorCode::Nxdomain, "{nx:?}");
    assert!(format!("{nx:?}").contains("nothere.test"), "{nx:?}");
    let nodata = resolve(&mut ws, "nomx.test", RecordType::Aaaa, None).await;
    assert_eq!(error_code(&nodata), ErrorCode::NoRecords, "{nodata:?}");
    // Outside its local zone, with no upstream, dnsmasq answers REFUSED.
    let refused = resolve(&mut ws, "mail.outside-the-zone", RecordType::A, None).await;
    assert_eq!(error_code(&refused), ErrorCode::Servfail, "{refused:?}");
    // A malformed name is refused before any query.
    let bad = resolve(&mut ws, "bad name.test", RecordType::A, None).await;
    assert_eq!(error_code(&bad), ErrorCode::BadRequest, "{bad:?}");
    // The session goes on.
    let ok = resolve(&mut ws, "nomx.test", RecordType::A, None).await;
    assert!(matches!(ok, ServerMessage::Resolved { .. }), "{ok:?}");
}

#[tokio::test]
async fn a_silent_server_is_a_timeout_and_lookups_in_flight_are_bounded() {
    let silent = silent_server().await;
    let bridge = bridge(|c| {
        c.dns_server = Some(silent.addr);
        c.resolve_timeout = Duration::from_millis(800);
        c.max_resolves_in_flight = 2;
    })
    .await;
    let mut ws = session(&bridge.addr.to_string()).await;
    let started = tokio::time::Instant::now();
    for id in 1..=3 {
        let msg = ClientMessage::Resolve {
            name: format!("n{id}.smtplab.test"),
            rtype: RecordType::Mx,
            id: Some(id),
        };
        send(&mut ws, &msg).await;
    }
    // The third is refused at once; the first two time out.
    let first = control(&mut ws).await;
    assert_eq!(error_code(&first), ErrorCode::Limit, "{first:?}");
    assert!(started.elapsed() < Duration::from_millis(700));
    for _ in 0..2 {
        let answer = control(&mut ws).await;
        assert_eq!(error_code(&answer), ErrorCode::Timeout, "{answer:?}");
    }
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(750) && elapsed < Duration::from_secs(5),
        "{elapsed:?}"
    );
    // Slots are free again.
    send(
        &mut ws,
        &ClientMessage::Resolve {
            name: "again.test".into(),
            rtype: RecordType::A,
            id: None,
        },
    )
    .await;
    let again = control(&mut ws).await;
    assert_eq!(error_code(&again), ErrorCode::Timeout, "{again:?}");
}

#[tokio::test]
async fn resolving_is_not_policed_but_connecting_is_and_resolve_works_during_a_relay() {
    let dns = start_dnsmasq();
    let echo = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let echo_port = echo.local_addr().expect("addr").port();
    let bridge = bridge(|c| {
        c.dns_server = Some(dns.addr);
        c.deny_internal = true;
        c.allowed_ports.push(echo_port);
        c.allow_targets = vec!["127.0.0.1".parse().expect("rule")];
    })
    .await;
    let mut ws = session(&bridge.addr.to_string()).await;
    // An internal address is still a fine answer...
    let a = resolve(&mut ws, "mx1.smtplab.test", RecordType::A, None).await;
    assert!(matches!(a, ServerMessage::Resolved { .. }), "{a:?}");
    // ...but connecting to it is refused.
    send(
        &mut ws,
        &ClientMessage::Connect {
            host: "127.0.0.2".into(),
            port: 25,
            timeout_ms: None,
        },
    )
    .await;
    assert_eq!(error_code(&control(&mut ws).await), ErrorCode::Forbidden);

    // During a relay, `resolve` is answered between relayed frames.
    send(
        &mut ws,
        &ClientMessage::Connect {
            host: "127.0.0.1".into(),
            port: echo_port,
            timeout_ms: None,
        },
    )
    .await;
    assert!(matches!(
        control(&mut ws).await,
        ServerMessage::Connected { .. }
    ));
    let (mut peer, _) = echo.accept().await.expect("accept");
    ws.send(Message::binary(b"EHLO x\r\n".to_vec()))
        .await
        .expect("send");
    let answer = resolve(&mut ws, "smtplab.test", RecordType::Mx, Some(9)).await;
    assert!(
        matches!(&answer, ServerMessage::Resolved { records, id: Some(9), .. } if records.len() == 3),
        "{answer:?}"
    );
    let mut got = [0u8; 8];
    tokio::time::timeout(STEP, peer.read_exact(&mut got))
        .await
        .expect("bytes in time")
        .expect("read");
    assert_eq!(&got, b"EHLO x\r\n", "the resolve was not relayed");
    peer.write_all(b"250 ok\r\n").await.expect("write");
    match tokio::time::timeout(STEP, ws.next()).await.expect("frame") {
        Some(Ok(Message::Binary(b))) => assert_eq!(&b[..], b"250 ok\r\n"),
        other => panic!("expected the relayed reply, got {other:?}"),
    }
}

#[tokio::test]
async fn connect_resolves_names_with_the_server_given_with_dns() {
    let dns = start_dnsmasq();
    // mx1.smtplab.test is 127.0.0.2 in the test zone, and only there.
    let mx = tokio::net::TcpListener::bind("127.0.0.2:0")
        .await
        .expect("bind 127.0.0.2");
    let port = mx.local_addr().expect("addr").port();
    let bridge = bridge(|c| {
        c.dns_server = Some(dns.addr);
        c.allowed_ports.push(port);
    })
    .await;
    let mut ws = session(&bridge.addr.to_string()).await;
    let connect = |host: &str| ClientMessage::Connect {
        host: host.into(),
        port,
        timeout_ms: None,
    };
    send(&mut ws, &connect("nowhere.smtplab.test")).await;
    assert_eq!(error_code(&control(&mut ws).await), ErrorCode::Nxdomain);
    send(&mut ws, &connect("mx1.smtplab.test")).await;
    match control(&mut ws).await {
        ServerMessage::Connected { peer, .. } => assert_eq!(peer, format!("127.0.0.2:{port}")),
        other => panic!("expected connected, got {other:?}"),
    }
    let (mut conn, _) = tokio::time::timeout(STEP, mx.accept())
        .await
        .expect("accepted in time")
        .expect("accept");
    conn.write_all(b"220 mx1\r\n").await.expect("write");
    match tokio::time::timeout(STEP, ws.next()).await.expect("frame") {
        Some(Ok(Message::Binary(b))) => assert_eq!(&b[..], b"220 mx1\r\n"),
        other => panic!("expected the banner, got {other:?}"),
    }
}

/// The `smtplab` binary on 127.0.0.1:0 with `flags`, and the host:port of
/// the URL it prints; killed on drop.
async fn binary(flags: &[&str]) -> (tokio::process::Child, String) {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_smtplab"))
        .args(["--listen", "127.0.0.1:0", "--token", TOKEN, "--no-sandbox"])
        .args(flags)
        .env_remove("SMTPLAB_TOKEN")
        .env("SMTPLAB_NO_BROWSER", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn smtplab");
    let authority = url_line::authority(&mut child, STEP).await;
    (child, authority)
}

#[tokio::test]
async fn the_binary_asks_the_server_given_with_dns() {
    let dns = start_dnsmasq();
    let (mut child, authority) = binary(&["--dns", &dns.addr.to_string()]).await;
    let mut ws = session(&authority).await;
    let answer = resolve(&mut ws, "smtplab.test", RecordType::Mx, None).await;
    match answer {
        ServerMessage::Resolved { records, .. } => assert_eq!(
            records,
            vec![
                mx(5, "mx0.smtplab.test"),
                mx(10, "mx1.smtplab.test"),
                mx(20, "mx2.smtplab.test")
            ]
        ),
        other => panic!("expected resolved, got {other:?}"),
    }
    let _ = child.kill().await;
}
