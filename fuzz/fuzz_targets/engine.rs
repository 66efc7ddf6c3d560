//! The session engine (a full delivery with AUTH LOGIN) fed arbitrary server
//! bytes in input-chosen chunks, with the clock advancing and timeouts
//! fired, driven the dumb way (feed, then drain every poll_*). It must never
//! panic, must emit exactly one `Finished` as its last event, and must not
//! hang: the number of steps is bounded by the input.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use smtplab_shared::smtp::{Event, Session, SessionSpec};

/// From JSON, so fields the engine gains later take their serde defaults.
fn spec() -> SessionSpec {
    serde_json::from_str(
        r#"{"host":"127.0.0.1","port":2525,"ehlo_name":"fuzz.example",
            "auth":{"mechanism":"login","username":"user","password":"pass"},
            "mail_from":"a@example.com","rcpt_to":["b@example.com","c@example.com"],
            "message":"Subject: x\r\n\r\n.leading dot\r\nbody\r\n",
            "stop_after":"data","timeouts":{"greeting_ms":1000,"reply_ms":1000}}"#,
    )
    .expect("valid spec")
}

fn drain(session: &mut Session, finished: &mut usize, last_was_finished: &mut bool) {
    while session.poll_transmit().is_some() {}
    while let Some(event) = session.poll_event() {
        assert_eq!(*finished, 0, "an event after Finished");
        *last_was_finished = matches!(event, Event::Finished(_));
        if *last_was_finished {
            *finished += 1;
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&control, bytes)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(control & 0x3f).max(1);
    let mut session = Session::new(spec());
    let mut now = Duration::ZERO;
    let (mut finished, mut last) = (0usize, false);
    session.handle_connected(now);
    drain(&mut session, &mut finished, &mut last);
    for piece in bytes.chunks(chunk) {
        now += Duration::from_millis(u64::from(piece[0] % 8) * 100);
        if let Some(deadline) = session.poll_timeout() {
            if now >= deadline {
                session.handle_timeout(now);
                drain(&mut session, &mut finished, &mut last);
            }
        }
        session.handle_input(now, piece);
        drain(&mut session, &mut finished, &mut last);
    }
    if control & 0x80 != 0 {
        session.handle_closed(now);
    } else {
        now += Duration::from_secs(120);
        session.handle_timeout(now);
    }
    drain(&mut session, &mut finished, &mut last);
    assert!(session.is_finished());
    assert_eq!(finished, 1, "exactly one Finished");
    assert!(last, "Finished is the last event");
    assert!(session.poll_timeout().is_none());
});
