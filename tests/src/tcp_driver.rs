//! The shared engine driven straight over a blocking `TcpStream` (no
//! bridge), for trials about a mail server rather than the bridge: one
//! [`Session`] to its end ([`run_tcp`]), or a whole diagnostic check
//! ([`run_check`]) with the sessions it plans. Only for loopback servers.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use smtplab_shared::diagnose::{Action, Check, CheckInput, CheckKind, CheckResult, SessionRecord};
use smtplab_shared::smtp::{Event, Session, TlsContext, TlsMode};

/// Runs `session` against `addr` until it finishes (or `limit` passes)
/// and returns every event it produced.
///
/// # Panics
/// When the connection cannot be made or the session outlives `limit`.
pub fn run_tcp(addr: SocketAddr, mut session: Session, limit: Duration) -> Vec<Event> {
    let start = Instant::now();
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
        .unwrap_or_else(|e| panic!("connect {addr}: {e}"));
    let mut events = Vec::new();
    session.handle_connected(start.elapsed());
    let mut buf = vec![0u8; 16 * 1024];
    let mut closed = false;
    loop {
        while let Some(bytes) = session.poll_transmit() {
            if stream.write_all(&bytes).is_err() {
                break;
            }
        }
        while let Some(event) = session.poll_event() {
            events.push(event);
        }
        if session.is_finished() {
            return events;
        }
        assert!(
            start.elapsed() < limit,
            "the session did not finish within {limit:?}: {events:#?}"
        );
        if closed {
            session.handle_closed(start.elapsed());
            continue;
        }
        let now = start.elapsed();
        if let Some(deadline) = session.poll_timeout() {
            if deadline <= now {
                session.handle_timeout(now);
                continue;
            }
            let wait = (deadline - now).clamp(Duration::from_millis(5), Duration::from_millis(200));
            let _ = stream.set_read_timeout(Some(wait));
        } else {
            let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
        }
        match stream.read(&mut buf) {
            Ok(0) => closed = true,
            Ok(n) => session.handle_input(start.elapsed(), &buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => closed = true,
        }
    }
}

/// Runs check `kind` for `input`, connecting every planned session to
/// `addr` (with `tls` when the plan asks for TLS), and returns its result
/// and the records of its sessions.
///
/// # Panics
/// On a check that needs DNS (the domain checks) or misuse.
pub fn run_check(
    kind: CheckKind,
    input: &CheckInput,
    addr: SocketAddr,
    tls: Option<&TlsContext>,
) -> (CheckResult, Vec<SessionRecord>) {
    let mut check = Check::new(kind, input).expect("a usable input");
    let mut records = Vec::new();
    while !check.is_done() {
        match check.poll_action() {
            Some(Action::RunSession(plan)) => {
                let session = match (plan.spec.tls, tls) {
                    (TlsMode::None, _) => plan.session(),
                    (_, Some(ctx)) => plan.session_with_tls(ctx.clone()),
                    (_, None) => plan.session(),
                };
                let mut record = SessionRecord::connected(addr.to_string(), 1.0);
                for event in run_tcp(addr, session, Duration::from_secs(60)) {
                    record.push(event);
                }
                check
                    .handle_session(&plan.label, &record)
                    .expect("the answer the check asked for");
                records.push(record);
            }
            Some(other) => panic!("{kind:?} asked for {other:?}: not supported here"),
            None => panic!("{kind:?} waits for nothing but is not done"),
        }
    }
    (check.result().expect("done").clone(), records)
}
