//! The test driver: a dumb pump between the client `Session` and the
//! scripted server, as the tab's hook and the bridge are, plus the spec and
//! TLS contexts the tests start from.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use smtplab_shared::smtp::{
    AuthMechanism, AuthSpec, Event, FailReason, Outcome, Session, SessionSpec, Stage, Step,
    Timeouts, TlsContext, TlsFailureKind, TlsMode, TlsOptions, TlsReport, Verdict,
};

use super::pki::{self, ServerIdentity, TestCa};
use super::server::{Script, SmtpServer, PASSWORD, USER};

/// The name the server certificates are made for, and the spec's host.
pub(crate) const HOST: &str = "mx.test.example";
/// Server-to-client chunk sizes (`usize::MAX`: whole writes).
pub(crate) const CHUNKINGS: [usize; 4] = [1, 7, 100, usize::MAX];
/// Time the clock advances per input.
pub(crate) const TICK: Duration = Duration::from_millis(5);

pub(crate) fn spec(tls: TlsMode) -> SessionSpec {
    SessionSpec {
        host: HOST.into(),
        port: 587,
        ehlo_name: "client.test.example".into(),
        auth: Some(AuthSpec {
            mechanism: AuthMechanism::Login,
            username: USER.into(),
            password: PASSWORD.into(),
        }),
        mail_from: USER.into(),
        rcpt_to: vec!["ted@test.example".into()],
        message: "Subject: over TLS\r\n\r\nHello Ted.\r\n".into(),
        stop_after: Stage::Data,
        timeouts: Timeouts::default(),
        tls,
        envelope: Default::default(),
    }
}

pub(crate) fn context(options: &TlsOptions) -> TlsContext {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    TlsContext::new(
        provider,
        pki::clock(),
        options,
        webpki_roots::TLS_SERVER_ROOTS,
    )
    .expect("usable TLS options")
}

/// Trusts `ca` (pasted PEM) besides Mozilla's roots.
pub(crate) fn trusting(ca: &TestCa) -> TlsContext {
    context(&TlsOptions {
        extra_ca_pem: ca.pem.clone(),
        ..TlsOptions::default()
    })
}

/// A finished run: what each side saw.
pub(crate) struct Run {
    pub(crate) session: Session,
    pub(crate) server: SmtpServer,
    pub(crate) events: Vec<Event>,
    /// Every byte the client put on the wire.
    pub(crate) client_wire: Vec<u8>,
}

impl Run {
    /// Pumps bytes both ways until nothing moves; server bytes reach the
    /// client in pieces of `chunk`, each followed by a full drain.
    pub(crate) fn new(session: Session, server: SmtpServer, chunk: usize) -> Self {
        let mut run = Self {
            session,
            server,
            events: Vec::new(),
            client_wire: Vec::new(),
        };
        let mut now = Duration::ZERO;
        let mut to_client = VecDeque::new();
        run.session.handle_connected(now);
        for _ in 0..100_000 {
            let mut out = Vec::new();
            while let Some(bytes) = run.session.poll_transmit() {
                assert!(bytes.len() <= smtplab_shared::smtp::MAX_TRANSMIT_BYTES);
                out.extend(bytes);
            }
            while let Some(event) = run.session.poll_event() {
                run.events.push(event);
            }
            if !out.is_empty() {
                run.client_wire.extend(&out);
                run.server.receive(&out);
            }
            to_client.extend(run.server.take_output());
            if to_client.is_empty() {
                if out.is_empty() {
                    break;
                }
                continue;
            }
            let piece: Vec<u8> = to_client.drain(..chunk.min(to_client.len())).collect();
            now += TICK;
            run.session.handle_input(now, &piece);
        }
        run
    }

    pub(crate) fn outcome(&self) -> &Outcome {
        assert!(
            self.session.is_finished(),
            "session did not finish: {:#?}",
            self.events
        );
        match self.events.last() {
            Some(Event::Finished(outcome)) => outcome,
            other => panic!("last event is {other:?}"),
        }
    }

    pub(crate) fn failure(&self) -> (Step, &FailReason) {
        match &self.outcome().verdict {
            Verdict::Failed { step, reason } => (*step, reason),
            other => panic!("expected a failure, got {other:?}"),
        }
    }

    /// The TLS failure kind of a failed run, at `step`.
    pub(crate) fn tls_failure(&self, step: Step) -> TlsFailureKind {
        match self.failure() {
            (s, FailReason::Tls(failure)) if s == step => failure.kind,
            other => panic!("expected a TLS failure at {step}, got {other:?}"),
        }
    }

    pub(crate) fn established(&self) -> Vec<&TlsReport> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::TlsEstablished(report) => Some(report),
                _ => None,
            })
            .collect()
    }

    /// (encrypted, line) for each command line the client reports sent,
    /// "encrypted" meaning after `TlsEstablished`.
    pub(crate) fn sent_lines(&self) -> Vec<(bool, String)> {
        let mut encrypted = false;
        let mut lines = Vec::new();
        for event in &self.events {
            match event {
                Event::TlsEstablished(_) => encrypted = true,
                Event::Sent { step, line } if *step != Step::Message => {
                    lines.push((encrypted, line.text.clone()));
                }
                _ => {}
            }
        }
        lines
    }

    pub(crate) fn steps(&self) -> Vec<(Step, bool)> {
        self.outcome()
            .steps
            .iter()
            .map(|s| (s.step, s.ok))
            .collect()
    }
}

pub(crate) fn run_with(
    tls: TlsMode,
    context: TlsContext,
    script: Script,
    identity: &ServerIdentity,
    chunk: usize,
) -> Run {
    let session = Session::with_tls(spec(tls), context);
    Run::new(session, SmtpServer::new(script, identity), chunk)
}

pub(crate) fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
