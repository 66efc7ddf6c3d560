//! The bridge-client link: every server message in every state, in both
//! modes, against the real engine (no network: frames are fed by hand).

#[cfg(all(target_family = "wasm", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

use std::time::Duration;

use smtplab_shared::link::{Link, LinkEvent, LinkState};
use smtplab_shared::smtp::{AbortReason, Event, FailReason, Session, SessionSpec, Step, Verdict};
use smtplab_shared::wire::{
    ClientMessage, ClosedBy, ErrorCode, PolicyInfo, ServerMessage, PROTOCOL_VERSION,
};

const T: Duration = Duration::from_millis(1);

fn spec() -> SessionSpec {
    serde_json::from_value(serde_json::json!({
        "host": "mx.example.test", "port": 2525, "ehlo_name": "me.test",
        "mail_from": "a@example.test", "rcpt_to": ["b@example.test"],
        "message": "Subject: x\r\n\r\nhi\r\n", "stop_after": "ehlo",
        "timeouts": {"greeting_ms": 1000, "reply_ms": 1000}
    }))
    .expect("valid spec")
}

fn hello(version: u32) -> ServerMessage {
    ServerMessage::Hello {
        version,
        policy: PolicyInfo {
            allowed_ports: vec![2525],
            connect_timeout_ms: 1000,
            idle_timeout_ms: 1000,
            max_frame_bytes: 65536,
            max_sessions: 4,
        },
    }
}

fn connected() -> ServerMessage {
    ServerMessage::Connected {
        peer: "127.0.0.1:2525".into(),
        connect_ms: 1.5,
    }
}

/// Everything a driver would drain after one input.
#[derive(Debug, Default)]
struct Drained {
    bytes: Vec<Vec<u8>>,
    controls: Vec<ClientMessage>,
    events: Vec<LinkEvent>,
}

fn drain(link: &mut Link) -> Drained {
    let mut out = Drained::default();
    while let Some(b) = link.poll_transmit() {
        out.bytes.push(b);
    }
    while let Some(c) = link.poll_control() {
        out.controls.push(c);
    }
    while let Some(e) = link.poll_event() {
        out.events.push(e);
    }
    out
}

fn verdict(events: &[LinkEvent]) -> Option<Verdict> {
    events.iter().find_map(|e| match e {
        LinkEvent::Engine(Event::Finished(outcome)) => Some(outcome.verdict.clone()),
        _ => None,
    })
}

fn aborted(events: &[LinkEvent]) -> Option<AbortReason> {
    events.iter().find_map(|e| match e {
        LinkEvent::Aborted(reason) => Some(reason.clone()),
        _ => None,
    })
}

/// An engine link brought to `state`.
fn engine_in(state: LinkState) -> Link {
    let mut link = Link::engine(Session::new(spec()));
    if state != LinkState::AwaitingHello {
        link.handle_server_message(T, hello(PROTOCOL_VERSION));
    }
    if state == LinkState::Connected || state == LinkState::Done {
        link.handle_server_message(T, connected());
    }
    if state == LinkState::Done {
        link.cancel(T);
    }
    drain(&mut link);
    assert_eq!(link.state(), state);
    link
}

#[test]
fn a_whole_session_runs_through_the_link() {
    let mut link = Link::engine(Session::new(spec()));
    assert_eq!(link.poll_timeout(), None);
    link.handle_server_message(T, hello(PROTOCOL_VERSION));
    let out = drain(&mut link);
    assert_eq!(
        out.controls,
        [ClientMessage::Connect {
            host: "mx.example.test".into(),
            port: 2525,
            timeout_ms: None
        }]
    );
    assert!(matches!(
        out.events[..],
        [LinkEvent::Hello { version: 1, .. }]
    ));
    link.handle_text(T, &connected().encode());
    let out = drain(&mut link);
    assert!(matches!(out.events[0], LinkEvent::Connected { .. }));
    assert!(matches!(
        out.events[1],
        LinkEvent::Engine(Event::StepStarted {
            step: Step::Connect,
            ..
        })
    ));
    assert!(link.poll_timeout().is_some(), "the greeting timer runs");
    link.handle_bytes(T, b"220 mx ESMTP\r\n");
    assert_eq!(drain(&mut link).bytes, [b"EHLO me.test\r\n".to_vec()]);
    link.handle_bytes(T, b"250-mx\r\n250 PIPELINING\r\n");
    let out = drain(&mut link);
    assert_eq!(out.bytes, [b"QUIT\r\n".to_vec()]);
    assert!(out
        .events
        .iter()
        .any(|e| matches!(e, LinkEvent::Engine(Event::Capabilities(c)) if c.has("PIPELINING"))));
    link.handle_bytes(T, b"221 bye\r\n");
    let out = drain(&mut link);
    assert!(matches!(
        verdict(&out.events),
        Some(Verdict::Completed { .. })
    ));
    assert_eq!(out.controls, [ClientMessage::Close], "close after Finished");
    assert_eq!(link.state(), LinkState::Done);
    assert!(link.awaits_closed());
    // The bridge's answer to `close` is reported and changes nothing else.
    for _ in 0..2 {
        link.handle_server_message(
            T,
            ServerMessage::Closed {
                by: ClosedBy::Client,
                reason: "close".into(),
            },
        );
    }
    let out = drain(&mut link);
    assert!(matches!(
        out.events[..],
        [LinkEvent::Closed {
            by: ClosedBy::Client,
            ..
        }]
    ));
    assert!(out.controls.is_empty());
    assert!(!link.awaits_closed());
}

#[test]
fn a_version_mismatch_sends_no_connect() {
    let mut link = Link::engine(Session::new(spec()));
    link.handle_server_message(T, hello(PROTOCOL_VERSION + 1));
    let out = drain(&mut link);
    assert!(out.controls.is_empty());
    assert_eq!(
        aborted(&out.events),
        Some(AbortReason::VersionMismatch {
            expected: PROTOCOL_VERSION,
            found: PROTOCOL_VERSION + 1
        })
    );
    assert!(matches!(
        verdict(&out.events),
        Some(Verdict::Failed {
            reason: FailReason::Aborted(AbortReason::VersionMismatch { .. }),
            ..
        })
    ));
    assert_eq!(link.state(), LinkState::Done);
}

#[test]
fn an_error_before_connected_ends_the_attempt_after_it_is_reported() {
    let error = || ServerMessage::error(ErrorCode::Refused, "connection refused");
    let mut before = engine_in(LinkState::Connecting);
    before.handle_server_message(T, error());
    let out = drain(&mut before);
    assert!(matches!(
        verdict(&out.events),
        Some(Verdict::Failed {
            step: Step::Connect,
            reason: FailReason::Aborted(AbortReason::Bridge {
                error: ErrorCode::Refused,
                ..
            })
        })
    ));
    assert!(out.controls.is_empty(), "no connection to close");

    let mut after = engine_in(LinkState::Connected);
    after.handle_server_message(T, ServerMessage::error(ErrorCode::Limit, "frame too large"));
    let out = drain(&mut after);
    assert!(matches!(
        out.events[..],
        [LinkEvent::BridgeError {
            code: ErrorCode::Limit,
            ..
        }]
    ));
    assert_eq!(after.state(), LinkState::Connected, "the session goes on");
}

#[test]
fn closed_by_each_side_after_connected_is_the_connection_ending() {
    for by in [ClosedBy::Server, ClosedBy::Bridge, ClosedBy::Client] {
        let mut link = engine_in(LinkState::Connected);
        link.handle_server_message(
            T,
            ServerMessage::Closed {
                by,
                reason: "eof".into(),
            },
        );
        let out = drain(&mut link);
        assert!(matches!(out.events[0], LinkEvent::Closed { by: b, .. } if b == by));
        assert!(matches!(
            verdict(&out.events),
            Some(Verdict::Failed {
                reason: FailReason::ConnectionClosed,
                ..
            })
        ));
        assert_eq!(link.state(), LinkState::Done);
    }
}

/// The input fed in the table test.
#[derive(Debug, Clone, Copy)]
enum Input {
    Hello,
    HelloOtherVersion,
    Connected,
    Error,
    Closed,
    Resolved,
    Malformed,
    Bytes,
    WsClosed,
}

/// What the table expects.
#[derive(Debug, PartialEq)]
enum Expect {
    /// Sends `connect`, now connecting.
    Connects,
    /// Connected, the engine started.
    Starts,
    /// Ends with this kind of abort.
    Aborts(&'static str),
    /// The engine learns the connection closed.
    EngineClosed,
    /// Reported, nothing else changes.
    Reported,
    /// Bytes go to the engine (here: a greeting, so EHLO goes out).
    Feeds,
    /// Ignored: the link is done.
    Ignored,
}

fn kind(reason: &AbortReason) -> &'static str {
    match reason {
        AbortReason::Cancelled => "cancelled",
        AbortReason::Bridge { .. } => "bridge",
        AbortReason::VersionMismatch { .. } => "version",
        AbortReason::BridgeProtocol { .. } => "protocol",
        AbortReason::BridgeGone => "gone",
        _ => "other",
    }
}

fn feed(link: &mut Link, input: Input) {
    match input {
        Input::Hello => link.handle_server_message(T, hello(PROTOCOL_VERSION)),
        Input::HelloOtherVersion => link.handle_server_message(T, hello(99)),
        Input::Connected => link.handle_server_message(T, connected()),
        Input::Error => {
            link.handle_server_message(T, ServerMessage::error(ErrorCode::Forbidden, "no"))
        }
        Input::Closed => link.handle_server_message(
            T,
            ServerMessage::Closed {
                by: ClosedBy::Server,
                reason: "eof".into(),
            },
        ),
        Input::Resolved => link.handle_text(
            T,
            r#"{"type":"resolved","name":"x","rtype":"A","records":[{"address":"127.0.0.1"}]}"#,
        ),
        Input::Malformed => link.handle_text(T, r#"{"type":"launch"}"#),
        Input::Bytes => link.handle_bytes(T, b"220 hi\r\n"),
        Input::WsClosed => link.handle_ws_closed(T, Some(1006)),
    }
}

fn observe(before: LinkState, link: &mut Link) -> Expect {
    let out = drain(link);
    if let Some(reason) = aborted(&out.events) {
        assert!(verdict(&out.events).is_some(), "the engine finished");
        assert_eq!(link.state(), LinkState::Done);
        return Expect::Aborts(kind(&reason));
    }
    if out
        .controls
        .iter()
        .any(|c| matches!(c, ClientMessage::Connect { .. }))
    {
        assert_eq!(link.state(), LinkState::Connecting);
        return Expect::Connects;
    }
    if out
        .events
        .iter()
        .any(|e| matches!(e, LinkEvent::Connected { .. }))
    {
        return Expect::Starts;
    }
    if matches!(
        verdict(&out.events),
        Some(Verdict::Failed {
            reason: FailReason::ConnectionClosed,
            ..
        })
    ) {
        return Expect::EngineClosed;
    }
    if !out.bytes.is_empty() {
        return Expect::Feeds;
    }
    if out.events.is_empty() {
        assert_eq!(link.state(), before);
        return Expect::Ignored;
    }
    Expect::Reported
}

#[test]
fn every_server_message_in_every_state() {
    use Expect::{Aborts, Connects, EngineClosed, Feeds, Ignored, Reported, Starts};
    use LinkState::{AwaitingHello, Connected, Connecting, Done};
    let table: &[(LinkState, Input, Expect)] = &[
        (AwaitingHello, Input::Hello, Connects),
        (AwaitingHello, Input::HelloOtherVersion, Aborts("version")),
        (AwaitingHello, Input::Connected, Aborts("protocol")),
        (AwaitingHello, Input::Error, Aborts("bridge")),
        (AwaitingHello, Input::Closed, Aborts("gone")),
        (AwaitingHello, Input::Resolved, Aborts("protocol")),
        (AwaitingHello, Input::Malformed, Aborts("protocol")),
        (AwaitingHello, Input::Bytes, Aborts("protocol")),
        (AwaitingHello, Input::WsClosed, Aborts("gone")),
        (Connecting, Input::Hello, Aborts("protocol")),
        (Connecting, Input::HelloOtherVersion, Aborts("protocol")),
        (Connecting, Input::Connected, Starts),
        (Connecting, Input::Error, Aborts("bridge")),
        (Connecting, Input::Closed, Aborts("gone")),
        (Connecting, Input::Resolved, Aborts("protocol")),
        (Connecting, Input::Malformed, Aborts("protocol")),
        (Connecting, Input::Bytes, Aborts("protocol")),
        (Connecting, Input::WsClosed, Aborts("gone")),
        (Connected, Input::Hello, Aborts("protocol")),
        (Connected, Input::HelloOtherVersion, Aborts("protocol")),
        (Connected, Input::Connected, Aborts("protocol")),
        (Connected, Input::Error, Reported),
        (Connected, Input::Closed, EngineClosed),
        (Connected, Input::Resolved, Aborts("protocol")),
        (Connected, Input::Malformed, Aborts("protocol")),
        (Connected, Input::Bytes, Feeds),
        (Connected, Input::WsClosed, EngineClosed),
        (Done, Input::Hello, Ignored),
        (Done, Input::HelloOtherVersion, Ignored),
        (Done, Input::Connected, Ignored),
        (Done, Input::Error, Ignored),
        (Done, Input::Closed, Reported),
        (Done, Input::Resolved, Ignored),
        (Done, Input::Malformed, Ignored),
        (Done, Input::Bytes, Ignored),
        (Done, Input::WsClosed, Reported),
    ];
    for (state, input, expected) in table {
        let mut link = engine_in(*state);
        feed(&mut link, *input);
        assert_eq!(
            &observe(*state, &mut link),
            expected,
            "{input:?} in {state:?}"
        );
    }
}

#[test]
fn cancel_before_hello_sends_nothing_and_a_late_hello_is_ignored() {
    let mut link = Link::engine(Session::new(spec()));
    link.cancel(T);
    let out = drain(&mut link);
    assert_eq!(aborted(&out.events), Some(AbortReason::Cancelled));
    assert!(out.controls.is_empty());
    link.handle_server_message(T, hello(PROTOCOL_VERSION));
    assert!(drain(&mut link).controls.is_empty());
}

#[test]
fn a_cancel_while_connected_sends_close() {
    let mut link = engine_in(LinkState::Connected);
    link.cancel(T);
    let out = drain(&mut link);
    assert_eq!(out.controls, [ClientMessage::Close]);
    assert!(matches!(
        verdict(&out.events),
        Some(Verdict::Failed {
            reason: FailReason::Aborted(AbortReason::Cancelled),
            ..
        })
    ));
}

#[test]
fn the_engine_timer_reaches_the_driver() {
    let mut link = engine_in(LinkState::Connected);
    let due = link.poll_timeout().expect("greeting timer");
    link.handle_timeout(due);
    let out = drain(&mut link);
    assert!(matches!(
        verdict(&out.events),
        Some(Verdict::Failed {
            reason: FailReason::Timeout,
            ..
        })
    ));
    assert_eq!(link.poll_timeout(), None);
}

#[test]
fn a_websocket_close_comes_before_the_engine_learns_of_it() {
    let mut link = engine_in(LinkState::Connected);
    link.handle_ws_closed(T, Some(1001));
    let out = drain(&mut link);
    assert!(matches!(
        out.events[0],
        LinkEvent::WebSocketClosed { code: Some(1001) }
    ));
    assert!(
        out.controls.is_empty(),
        "nothing is sent on a closed WebSocket"
    );
}

#[test]
fn raw_mode_relays_bytes_and_closes() {
    let mut link = Link::raw("127.0.0.1", 25);
    assert!(!link.send(b"EHLO x\r\n"), "nothing before connected");
    link.handle_server_message(T, hello(PROTOCOL_VERSION));
    let out = drain(&mut link);
    assert!(matches!(
        &out.controls[..],
        [ClientMessage::Connect { port: 25, .. }]
    ));
    link.handle_server_message(T, connected());
    drain(&mut link);
    link.handle_bytes(T, b"220 hi\r\n");
    let out = drain(&mut link);
    assert_eq!(out.events, [LinkEvent::Received(b"220 hi\r\n".to_vec())]);
    assert!(link.send(b"QUIT\r\n"));
    link.close();
    let out = drain(&mut link);
    assert_eq!(out.bytes, [b"QUIT\r\n".to_vec()]);
    assert_eq!(out.controls, [ClientMessage::Close]);
    assert_eq!(link.state(), LinkState::Done);
    assert!(!link.send(b"x"));

    let mut refused = Link::raw("127.0.0.1", 25);
    refused.handle_server_message(T, hello(PROTOCOL_VERSION));
    refused.handle_server_message(
        T,
        ServerMessage::error(ErrorCode::Forbidden, "port 25 is not allowed"),
    );
    let out = drain(&mut refused);
    assert!(matches!(
        aborted(&out.events),
        Some(AbortReason::Bridge {
            error: ErrorCode::Forbidden,
            ..
        })
    ));
    assert_eq!(refused.state(), LinkState::Done);

    let mut dropped = Link::raw("127.0.0.1", 25);
    dropped.handle_server_message(T, hello(PROTOCOL_VERSION));
    dropped.handle_server_message(T, connected());
    dropped.handle_server_message(
        T,
        ServerMessage::Closed {
            by: ClosedBy::Server,
            reason: "eof".into(),
        },
    );
    let out = drain(&mut dropped);
    assert!(matches!(
        out.events[..],
        [
            LinkEvent::Hello { .. },
            LinkEvent::Connected { .. },
            LinkEvent::Closed { .. }
        ]
    ));
    assert!(
        !out.controls.contains(&ClientMessage::Close),
        "the bridge already closed"
    );
    assert_eq!(dropped.state(), LinkState::Done);
}

#[test]
fn an_engine_link_connects_to_the_address_it_was_given_and_keeps_the_spec_host() {
    let mut link = Link::engine(Session::new(spec())).connecting_to("192.0.2.7");
    link.handle_server_message(T, hello(PROTOCOL_VERSION));
    let out = drain(&mut link);
    assert_eq!(
        out.controls,
        [ClientMessage::Connect {
            host: "192.0.2.7".into(),
            port: 2525,
            timeout_ms: None
        }]
    );
    let host = link.session().map(|s| s.spec().host.clone());
    assert_eq!(host.as_deref(), Some("mx.example.test"));
}
