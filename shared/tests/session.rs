//! The session engine driven by a scripted server: whole sessions replayed
//! from transcripts (the seed's and a Postfix-like one), with the server's
//! bytes fed in several chunkings, and a failure at every step.

#[cfg(all(target_family = "wasm", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use std::time::Duration;

use smtplab_shared::smtp::{
    AbortReason, AuthMechanism, AuthSpec, Event, FailReason, Outcome, Session, SessionSpec,
    SpecError, Stage, Step, Timeouts, TlsMode, Verdict,
};
use smtplab_shared::wire::ErrorCode;

const SEED_EHLO: &str = include_str!("vectors/seed_ehlo.txt");
const POSTFIX_EHLO: &str = include_str!("vectors/postfix_ehlo.txt");
const MULTILINE_GREETING: &str = include_str!("vectors/multiline_greeting.txt");

/// Chunk sizes the server's bytes are fed in (`usize::MAX`: whole replies).
const CHUNKINGS: [usize; 6] = [1, 2, 3, 7, 64, usize::MAX];
/// Time the scripted clock advances per input.
const TICK: Duration = Duration::from_millis(10);

/// `text` with every line ending made CRLF.
fn crlf(text: &str) -> String {
    text.lines().flat_map(|l| [l, "\r\n"]).collect()
}

/// A dumb driver, as the browser hook and the native harness are.
struct Driver {
    session: Session,
    now: Duration,
    events: Vec<Event>,
    /// Client bytes not yet checked by the script.
    sent: Vec<u8>,
}

impl Driver {
    fn connect(spec: SessionSpec) -> Self {
        let mut driver = Self {
            session: Session::new(spec),
            now: Duration::ZERO,
            events: Vec::new(),
            sent: Vec::new(),
        };
        driver.session.handle_connected(driver.now);
        driver.drain();
        driver
    }

    /// Drains every output; returns the bytes transmitted.
    fn drain(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        while let Some(bytes) = self.session.poll_transmit() {
            out.extend(bytes);
        }
        while let Some(event) = self.session.poll_event() {
            self.events.push(event);
        }
        self.sent.extend(&out);
        out
    }

    /// Feeds `server` (CRLF-normalised) in pieces of `chunk` bytes; nothing
    /// may be sent before the last piece completes the reply.
    fn feed(&mut self, server: &str, chunk: usize) {
        let bytes = crlf(server).into_bytes();
        let pieces: Vec<&[u8]> = bytes.chunks(chunk.min(bytes.len()).max(1)).collect();
        for (i, piece) in pieces.iter().enumerate() {
            self.now += TICK;
            self.session.handle_input(self.now, piece);
            let out = self.drain();
            if i + 1 < pieces.len() {
                assert!(
                    out.is_empty(),
                    "sent {:?} before the reply was complete",
                    String::from_utf8_lossy(&out)
                );
            }
        }
    }

    fn take_sent(&mut self) -> String {
        String::from_utf8(std::mem::take(&mut self.sent)).expect("client sends UTF-8 here")
    }

    /// The outcome, checking `Finished` is emitted once, as the last event.
    fn outcome(&self) -> &Outcome {
        assert!(self.session.is_finished());
        assert_eq!(
            self.events
                .iter()
                .filter(|e| matches!(e, Event::Finished(_)))
                .count(),
            1
        );
        match self.events.last() {
            Some(Event::Finished(outcome)) => outcome,
            other => panic!("last event is {other:?}"),
        }
    }

    fn failed(&self) -> (Step, &FailReason) {
        match &self.outcome().verdict {
            Verdict::Failed { step, reason } => (*step, reason),
            other => panic!("expected a failure, got {other:?}"),
        }
    }
}

/// Runs a whole script of (what the client must have sent, what the server
/// answers); nothing may be sent after it.
fn run(spec: &SessionSpec, script: &[(String, String)], chunk: usize) -> Driver {
    let mut driver = run_prefix(spec, script, chunk);
    assert_eq!(driver.take_sent(), "", "sent after the script ended");
    driver
}

/// Runs the start of a script; what the client sends next is left in `sent`.
fn run_prefix(spec: &SessionSpec, script: &[(String, String)], chunk: usize) -> Driver {
    let mut driver = Driver::connect(spec.clone());
    for (i, (client, server)) in script.iter().enumerate() {
        assert_eq!(
            driver.take_sent(),
            crlf(client),
            "exchange {i}, chunk {chunk}"
        );
        driver.feed(server, chunk);
    }
    driver
}

fn script(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(c, s)| ((*c).to_owned(), (*s).to_owned()))
        .collect()
}

fn seed_spec() -> SessionSpec {
    SessionSpec {
        host: "127.0.0.1".into(),
        port: 2525,
        ehlo_name: "client.fourthcoffee.com".into(),
        auth: Some(AuthSpec {
            mechanism: AuthMechanism::Login,
            username: "kim@fourthcoffee.com".into(),
            password: "Pa55w.rd".into(),
        }),
        mail_from: "kim@fourthcoffee.com".into(),
        rcpt_to: vec!["ted@contoso.com".into()],
        message: "Subject: test\n\nHello Ted.\n.hidden dot".into(),
        stop_after: Stage::Data,
        timeouts: Timeouts::default(),
        tls: TlsMode::None,
        envelope: Default::default(),
    }
}

const SEED_QUEUED: &str =
    "250 2.6.0 <INET-IMC-01UWr81nn9000fbad8@mail1.fourthcoffee.com> Queued mail for delivery";

fn seed_script() -> Vec<(String, String)> {
    script(&[
        ("", "220 mail1.fourthcoffee.com ESMTP ready"),
        ("EHLO client.fourthcoffee.com", SEED_EHLO),
        ("AUTH LOGIN", "334 VXNlcm5hbWU6"),
        ("a2ltQGZvdXJ0aGNvZmZlZS5jb20=", "334 UGFzc3dvcmQ6"),
        ("UGE1NXcucmQ=", "235 2.7.0 Authentication successful."),
        (
            "MAIL FROM:<kim@fourthcoffee.com> SIZE=42",
            "250 2.1.0 kim@fourthcoffee.com....Sender OK",
        ),
        ("RCPT TO:<ted@contoso.com>", "250 2.1.5 ted@contoso.com"),
        ("DATA", "354 Start mail input; end with <CRLF>.<CRLF>"),
        ("Subject: test\n\nHello Ted.\n..hidden dot\n.", SEED_QUEUED),
        (
            "QUIT",
            "221 2.0.0 mail1.fourthcoffee.com Service closing transmission channel",
        ),
    ])
}

/// Index of each exchange in `seed_script()`.
const GREETING: usize = 0;
const EHLO: usize = 1;
const AUTH_PASSWORD: usize = 4;
const MAIL: usize = 5;
const RCPT: usize = 6;
const DATA: usize = 7;
const MESSAGE: usize = 8;

/// The seed script up to exchange `at`, whose reply becomes `reply`, then QUIT.
fn seed_failing_at(at: usize, reply: &str) -> Vec<(String, String)> {
    let mut steps = seed_script()[..=at].to_vec();
    steps[at].1 = reply.to_owned();
    steps.push(("QUIT".into(), "221 2.0.0 Bye".into()));
    steps
}

#[test]
fn seed_transcript_is_delivered_in_every_chunking() {
    for chunk in CHUNKINGS {
        let driver = run(&seed_spec(), &seed_script(), chunk);
        let outcome = driver.outcome();
        assert_eq!(outcome.verdict, Verdict::Delivered, "chunk {chunk}");
        assert_eq!(outcome.queue_id.as_deref(), Some(&SEED_QUEUED[4..]));
        let caps = outcome.capabilities.as_ref().expect("EHLO succeeded");
        assert_eq!(caps.extensions.len(), 16);
        let steps: Vec<Step> = outcome.steps.iter().map(|t| t.step).collect();
        use Step::*;
        assert_eq!(
            steps,
            [Connect, Ehlo, Auth, Mail, Rcpt(0), Data, Message, Quit]
        );
        assert!(outcome.steps.iter().all(|t| t.ok));
    }
}

#[test]
fn postfix_transcript_with_auth_plain_and_two_recipients_is_delivered() {
    let spec = SessionSpec {
        ehlo_name: "client.example.test".into(),
        auth: Some(AuthSpec {
            mechanism: AuthMechanism::Plain,
            username: "test@example.test".into(),
            password: "secret".into(),
        }),
        mail_from: "test@example.test".into(),
        rcpt_to: vec!["alice@example.test".into(), "bob@example.test".into()],
        message: "Subject: hi\r\n\r\n.\r\nbye\r\n".into(),
        ..seed_spec()
    };
    let steps = script(&[
        ("", "220 mail.example.test ESMTP Postfix (Debian/GNU)"),
        ("EHLO client.example.test", POSTFIX_EHLO),
        (
            "AUTH PLAIN AHRlc3RAZXhhbXBsZS50ZXN0AHNlY3JldA==",
            "235 2.7.0 Authentication successful",
        ),
        ("MAIL FROM:<test@example.test> SIZE=23", "250 2.1.0 Ok"),
        ("RCPT TO:<alice@example.test>", "250 2.1.5 Ok"),
        ("RCPT TO:<bob@example.test>", "250 2.1.5 Ok"),
        ("DATA", "354 End data with <CR><LF>.<CR><LF>"),
        (
            "Subject: hi\n\n..\nbye\n.",
            "250 2.0.0 Ok: queued as 4XyzAbC123",
        ),
        ("QUIT", "221 2.0.0 Bye"),
    ]);
    for chunk in CHUNKINGS {
        let driver = run(&spec, &steps, chunk);
        let outcome = driver.outcome();
        assert_eq!(outcome.verdict, Verdict::Delivered);
        assert_eq!(
            outcome.queue_id.as_deref(),
            Some("2.0.0 Ok: queued as 4XyzAbC123")
        );
        // Timings come from the `now` values passed in: each reply is fed
        // in n pieces one tick apart, so a step lasts n ticks.
        let reply_pieces = |reply: &str| crlf(reply).len().div_ceil(chunk).max(1) as u32;
        let mail = outcome
            .steps
            .iter()
            .find(|t| t.step == Step::Mail)
            .expect("MAIL ran");
        assert_eq!(mail.elapsed, TICK * reply_pieces("250 2.1.0 Ok"));
    }
}

#[test]
fn auth_lines_are_masked_in_events() {
    let driver = run(&seed_spec(), &seed_script(), usize::MAX);
    let auth: Vec<_> = driver
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Sent {
                step: Step::Auth,
                line,
            } => Some(line),
            _ => None,
        })
        .collect();
    assert_eq!(auth.len(), 3);
    assert_eq!(
        (auth[0].display.as_str(), auth[0].secret),
        ("AUTH LOGIN", false)
    );
    for line in &auth[1..] {
        assert!(line.secret);
        assert_eq!(line.display, "********");
    }
    assert_eq!(auth[2].text, "UGE1NXcucmQ=");
    let debug = format!("{:?}", driver.events);
    assert!(
        !debug.contains("UGE1NXcucmQ=") && !debug.contains("Pa55w.rd"),
        "secret leaked in Debug"
    );

    let mut plain = seed_spec();
    plain.auth.as_mut().expect("auth").mechanism = AuthMechanism::Plain;
    let mut driver = Driver::connect(plain);
    driver.feed("220 hi", usize::MAX);
    driver.feed("250 ok", usize::MAX);
    let line = driver.events.iter().rev().find_map(|e| match e {
        Event::Sent { line, .. } => Some(line),
        _ => None,
    });
    let line = line.expect("AUTH PLAIN sent");
    assert!(line.secret && line.text.starts_with("AUTH PLAIN ") && line.text.len() > 11);
    assert_eq!(line.display, "AUTH PLAIN ********");
}

#[test]
fn message_is_one_sent_event_plus_the_dot() {
    let driver = run(&seed_spec(), &seed_script(), usize::MAX);
    let lines: Vec<&str> = driver
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Sent {
                step: Step::Message,
                line,
            } => Some(line.display.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(lines, ["<message: 4 lines, 43 bytes>", "."]);
}

#[test]
fn each_failing_step_is_named_in_the_verdict_and_quits() {
    let cases = [
        (
            GREETING,
            "554 5.3.2 mail1 not accepting mail",
            Step::Connect,
        ),
        (EHLO, "550 5.7.1 go away", Step::Ehlo),
        (
            AUTH_PASSWORD,
            "535 5.7.8 Error: authentication failed",
            Step::Auth,
        ),
        (MAIL, "550 5.1.8 sender rejected", Step::Mail),
        (
            RCPT,
            "550 5.1.1 <ted@contoso.com>: User unknown",
            Step::Rcpt(0),
        ),
        (DATA, "554 5.5.1 Error: no valid recipients", Step::Data),
        (
            MESSAGE,
            "552 5.3.4 Message size exceeds fixed limit",
            Step::Message,
        ),
    ];
    for (at, reply, step) in cases {
        for chunk in [1, usize::MAX] {
            let driver = run(&seed_spec(), &seed_failing_at(at, reply), chunk);
            let (failed_step, reason) = driver.failed();
            assert_eq!(failed_step, step, "{reply}");
            let FailReason::UnexpectedReply(got) = reason else {
                panic!("{reason:?}")
            };
            assert_eq!(got.lines, [reply]);
            let last = driver.outcome().steps.last().expect("steps");
            assert_eq!((last.step, last.ok), (Step::Quit, true));
            let unexpected = driver
                .events
                .iter()
                .any(|e| matches!(e, Event::Reply { step: s, expected: false, .. } if *s == step));
            assert!(unexpected, "the failing reply is reported as unexpected");
        }
    }
}

#[test]
fn auth_plain_535_fails_auth() {
    let mut spec = seed_spec();
    spec.auth.as_mut().expect("auth").mechanism = AuthMechanism::Plain;
    let steps = script(&[
        ("", "220 hi"),
        ("EHLO client.fourthcoffee.com", "250 hi"),
        (
            "AUTH PLAIN AGtpbUBmb3VydGhjb2ZmZWUuY29tAFBhNTV3LnJk",
            "535 5.7.8 Error: authentication failed",
        ),
        ("QUIT", "221 Bye"),
    ]);
    let driver = run(&spec, &steps, 4);
    assert_eq!(driver.failed().0, Step::Auth);
}

#[test]
fn strict_rcpt_550_on_the_second_recipient_fails_that_recipient() {
    let mut spec = seed_spec();
    spec.auth = None;
    spec.envelope.strict_recipients = true;
    spec.rcpt_to.push("nobody@contoso.com".into());
    let steps = script(&[
        ("", "220 hi"),
        ("EHLO client.fourthcoffee.com", "250 hi"),
        ("MAIL FROM:<kim@fourthcoffee.com>", "250 ok"),
        ("RCPT TO:<ted@contoso.com>", "250 ok"),
        ("RCPT TO:<nobody@contoso.com>", "550 5.1.1 User unknown"),
        ("QUIT", "221 Bye"),
    ]);
    let driver = run(&spec, &steps, 3);
    assert_eq!(driver.failed().0, Step::Rcpt(1));
    assert_eq!(Step::Rcpt(1).to_string(), "RCPT TO #2");
}

#[test]
fn ehlo_refused_falls_back_to_helo() {
    let mut spec = seed_spec();
    spec.auth = None;
    spec.stop_after = Stage::Mail;
    for refusal in ["502 5.5.1 EHLO not implemented", "500 unrecognised command"] {
        let steps = script(&[
            ("", "220 old.example"),
            ("EHLO client.fourthcoffee.com", refusal),
            ("HELO client.fourthcoffee.com", "250 old.example"),
            ("MAIL FROM:<kim@fourthcoffee.com>", "250 ok"),
            ("QUIT", "221 Bye"),
        ]);
        let driver = run(&spec, &steps, 2);
        let outcome = driver.outcome();
        assert_eq!(outcome.verdict, Verdict::Completed { stage: Stage::Mail });
        assert_eq!(outcome.capabilities, None);
        let steps: Vec<_> = outcome.steps.iter().map(|t| (t.step, t.ok)).collect();
        assert_eq!(
            steps[..3],
            [
                (Step::Connect, true),
                (Step::Ehlo, false),
                (Step::Helo, true)
            ]
        );
    }
    let failing = script(&[
        ("", "220 old.example"),
        ("EHLO client.fourthcoffee.com", "502 no"),
        ("HELO client.fourthcoffee.com", "501 bad name"),
        ("QUIT", "221 Bye"),
    ]);
    let driver = run(&spec, &failing, 1);
    assert_eq!(driver.failed().0, Step::Helo);
}

#[test]
fn stop_after_each_stage_completes_there() {
    let script = seed_script();
    // Exchanges needed through each stage (greeting is exchange 0).
    for (stage, through) in [
        (Stage::Connect, GREETING),
        (Stage::Ehlo, EHLO),
        (Stage::Auth, AUTH_PASSWORD),
        (Stage::Mail, MAIL),
        (Stage::Rcpt, RCPT),
    ] {
        let mut spec = seed_spec();
        spec.stop_after = stage;
        let mut steps = script[..=through].to_vec();
        steps.push(("QUIT".into(), "221 Bye".into()));
        let driver = run(&spec, &steps, 5);
        assert_eq!(driver.outcome().verdict, Verdict::Completed { stage });
    }
}

#[test]
fn greeting_timeout_fails_connect_without_sending() {
    let mut driver = Driver::connect(seed_spec());
    assert_eq!(driver.session.poll_timeout(), Some(Duration::from_secs(30)));
    driver.session.handle_timeout(Duration::from_millis(29_999));
    assert!(!driver.session.is_finished());
    driver.feed("220-partial greeting", usize::MAX);
    driver.session.handle_timeout(Duration::from_secs(30));
    driver.drain();
    assert_eq!(driver.failed(), (Step::Connect, &FailReason::Timeout));
    assert_eq!(driver.take_sent(), "");
    assert_eq!(driver.session.poll_timeout(), None);
}

#[test]
fn reply_timeout_uses_the_spec_and_restarts_per_command() {
    let mut spec = seed_spec();
    spec.timeouts = Timeouts {
        greeting_ms: 1_000,
        reply_ms: 5_000,
    };
    let mut driver = Driver::connect(spec);
    driver.feed("220 hi", usize::MAX);
    assert_eq!(
        driver.session.poll_timeout(),
        Some(TICK + Duration::from_secs(5))
    );
    driver.session.handle_timeout(TICK + Duration::from_secs(5));
    driver.drain();
    assert_eq!(driver.failed(), (Step::Ehlo, &FailReason::Timeout));
}

#[test]
fn server_close_mid_session_fails_the_open_step() {
    let mut driver = run_prefix(&seed_spec(), &seed_script()[..=AUTH_PASSWORD], 7);
    assert_eq!(
        driver.take_sent(),
        crlf("MAIL FROM:<kim@fourthcoffee.com> SIZE=42")
    );
    driver.session.handle_closed(driver.now + TICK);
    driver.drain();
    assert_eq!(driver.failed(), (Step::Mail, &FailReason::ConnectionClosed));
}

#[test]
fn close_or_silence_after_quit_keeps_the_verdict() {
    let mut steps = seed_script();
    steps.pop();
    let mut driver = run_prefix(&seed_spec(), &steps, usize::MAX);
    assert_eq!(driver.take_sent(), "QUIT\r\n");
    driver.session.handle_closed(driver.now);
    driver.drain();
    assert_eq!(driver.outcome().verdict, Verdict::Delivered);

    let mut driver = run_prefix(&seed_spec(), &steps, usize::MAX);
    let deadline = driver.session.poll_timeout().expect("waiting for 221");
    driver.session.handle_timeout(deadline);
    driver.drain();
    assert_eq!(driver.outcome().verdict, Verdict::Delivered);
    let last = driver.outcome().steps.last().expect("steps");
    assert_eq!((last.step, last.ok), (Step::Quit, false));
}

#[test]
fn reply_421_fails_and_finishes_without_quit() {
    let mut driver = run_prefix(&seed_spec(), &seed_script()[..=EHLO], 3);
    assert_eq!(driver.take_sent(), "AUTH LOGIN\r\n");
    driver.feed("421 4.3.2 Service shutting down", 3);
    assert_eq!(driver.take_sent(), "", "no QUIT after 421");
    let (step, reason) = driver.failed();
    assert_eq!(step, Step::Auth);
    assert!(matches!(reason, FailReason::UnexpectedReply(r) if r.code.as_u16() == 421));
}

#[test]
fn nothing_is_sent_before_the_final_line_of_a_multiline_greeting() {
    let mut driver = Driver::connect(seed_spec());
    for line in MULTILINE_GREETING.lines().take(2) {
        driver.feed(line, 1);
        assert_eq!(driver.take_sent(), "");
    }
    driver.feed(MULTILINE_GREETING.lines().last().expect("3 lines"), 1);
    assert_eq!(driver.take_sent(), "EHLO client.fourthcoffee.com\r\n");
}

#[test]
fn garbage_and_unsolicited_replies_are_protocol_failures() {
    for (input, step) in [
        ("HTTP/1.1 400 Bad Request\r\n", Step::Connect),
        ("220 hi\r\n250 reply to nothing\r\n", Step::Ehlo),
        ("220-hi\r\n250 other code\r\n", Step::Connect),
    ] {
        let mut driver = Driver::connect(seed_spec());
        driver.session.handle_input(TICK, input.as_bytes());
        driver.drain();
        let (failed, reason) = driver.failed();
        assert_eq!(failed, step, "{input:?}");
        assert!(matches!(reason, FailReason::Protocol(_)), "{reason:?}");
    }
}

#[test]
fn arbitrary_bytes_never_panic_and_always_finish_once() {
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..300 {
        let mut driver = Driver::connect(seed_spec());
        let len = (next() % 300) as usize;
        let alphabet = b"0123452-. \r\nabcDEF\xff";
        let bytes: Vec<u8> = (0..len)
            .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
            .collect();
        let mut rest = &bytes[..];
        while !rest.is_empty() {
            let take = ((next() % 17) as usize + 1).min(rest.len());
            driver.session.handle_input(TICK, &rest[..take]);
            driver.drain();
            rest = &rest[take..];
        }
        driver.session.handle_closed(TICK);
        driver.drain();
        driver.outcome();
    }
}

#[test]
fn abort_and_invalid_spec_finish_with_aborted() {
    let mut session = Session::new(seed_spec());
    let refused = AbortReason::Bridge {
        host: "127.0.0.1".into(),
        port: 25,
        error: ErrorCode::Refused,
        message: "connection refused".into(),
    };
    session.abort(Duration::ZERO, refused.clone());
    let events: Vec<Event> = std::iter::from_fn(|| session.poll_event()).collect();
    assert!(matches!(
        events.last(),
        Some(Event::Finished(Outcome { verdict: Verdict::Failed { step: Step::Connect, reason: FailReason::Aborted(r) }, .. })) if *r == refused
    ));

    let mut spec = seed_spec();
    spec.rcpt_to.clear();
    let driver = Driver::connect(spec);
    let (step, reason) = driver.failed();
    assert_eq!(step, Step::Connect);
    assert!(
        matches!(
            reason,
            FailReason::Aborted(AbortReason::InvalidSpec(SpecError::NoRecipients))
        ),
        "{reason:?}"
    );
}

/// The received lines a protocol failure carries.
fn received(reason: &FailReason) -> &smtplab_shared::smtp::Unparsed {
    match reason {
        FailReason::Protocol(smtplab_shared::smtp::ProtocolError::Parse {
            received: Some(received),
            ..
        }) => received,
        other => panic!("expected a parse failure with what arrived, got {other:?}"),
    }
}

#[test]
fn garbage_instead_of_a_greeting_is_handed_out_with_the_failure() {
    for chunk in CHUNKINGS {
        let mut driver = Driver::connect(seed_spec());
        let banner = "SSH-2.0-OpenSSH_9.2\r\n\u{1}\u{2}binary\r\nmore\r\n";
        let bytes = banner.as_bytes();
        for piece in bytes.chunks(chunk.min(bytes.len())) {
            driver.now += TICK;
            driver.session.handle_input(driver.now, piece);
            driver.drain();
        }
        let (step, reason) = driver.failed();
        assert_eq!(step, Step::Connect);
        let got = received(reason);
        assert_eq!(got.lines[0], "SSH-2.0-OpenSSH_9.2", "chunk {chunk}");
        if chunk == usize::MAX {
            assert_eq!(got.lines[1..], ["\u{1}\u{2}binary", "more"]);
        }
    }
}

#[test]
fn an_over_long_reply_keeps_its_first_200_lines_and_counts_the_rest() {
    let mut driver = run_prefix(&seed_spec(), &script(&[("", "220 mx.example ESMTP")]), 64);
    let mut ehlo = String::from("250-mx.example\r\n");
    for i in 1..4999 {
        ehlo.push_str(&format!("250-X-LINE-{i}\r\n"));
    }
    ehlo.push_str("250 HELP\r\n");
    driver.now += TICK;
    driver.session.handle_input(driver.now, ehlo.as_bytes());
    driver.drain();
    let (step, reason) = driver.failed();
    assert_eq!(step, Step::Ehlo);
    let got = received(reason);
    assert_eq!(got.lines.len(), smtplab_shared::smtp::UNPARSED_LINES);
    assert_eq!(got.lines[0], "250-mx.example");
    assert_eq!(got.lines[199], "250-X-LINE-199");
    assert_eq!(
        got.lines.len() + got.more_lines,
        5000,
        "every line that arrived is counted"
    );
}

#[path = "session/envelope.rs"]
mod envelope;
