//! Folding the engine's events into the guided run: step statuses,
//! transcript lines (marked encrypted once TLS is up), capabilities, the
//! TLS report and the outcome.

use smtplab_shared::smtp::{Event, FailReason, ProtocolError, Verdict};

use super::{push_entry, Run};
use crate::note::Note;
use crate::transcript::{EntryIds, EntryKind};

fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Folds one engine event into the run: step statuses, transcript lines,
/// capabilities, TLS and the outcome.
pub(super) fn apply_event(slot: &mut Option<Run>, ids: &mut EntryIds, at_ms: u64, event: Event) {
    if let Some(run) = slot.as_mut() {
        run.steps.apply(&event);
        run.times.apply(at_ms, &event);
    }
    let encrypted = slot.as_ref().is_some_and(|r| r.encrypted);
    match event {
        Event::StepStarted { .. } | Event::StepFinished { .. } => {}
        Event::Sent { line, .. } => push_entry(
            slot,
            ids,
            at_ms,
            EntryKind::Sent {
                text: line.text,
                display: line.display,
                secret: line.secret,
                encrypted,
            },
        ),
        Event::Reply {
            reply,
            expected,
            at,
            ..
        } => push_entry(
            slot,
            ids,
            millis(at),
            EntryKind::Reply {
                reply,
                expected,
                encrypted,
            },
        ),
        Event::Capabilities(capabilities) => {
            if let Some(run) = slot {
                run.capabilities = Some(capabilities);
            }
        }
        Event::TlsEstablished(report) => {
            let note = Note::TlsEstablished {
                protocol: report.protocol.clone(),
                cipher: report.cipher_suite.clone(),
            };
            if let Some(run) = slot.as_mut() {
                run.encrypted = true;
                run.tls = Some(report);
            }
            push_entry(slot, ids, at_ms, EntryKind::Info(note));
        }
        Event::Pipelined { commands } => {
            push_entry(slot, ids, at_ms, EntryKind::Info(Note::Pipelined(commands)));
        }
        Event::PipeliningNotOffered => {
            push_entry(
                slot,
                ids,
                at_ms,
                EntryKind::Info(Note::PipeliningNotOffered),
            );
        }
        Event::TlsSkipped { reason } => {
            push_entry(slot, ids, at_ms, EntryKind::Info(Note::TlsSkipped(reason)));
        }
        Event::PlaintextDiscarded { bytes, text, .. } => push_entry(
            slot,
            ids,
            at_ms,
            EntryKind::Error(Note::PlaintextDiscarded { bytes, text }),
        ),
        Event::Finished(outcome) => {
            // What arrived of a refused reply, before the verdict.
            if let Verdict::Failed {
                reason:
                    FailReason::Protocol(
                        error @ ProtocolError::Parse {
                            received: Some(received),
                            ..
                        },
                    ),
                ..
            } = &outcome.verdict
            {
                let kind = EntryKind::Unparsed {
                    received: received.clone(),
                    error: error.clone(),
                };
                push_entry(slot, ids, at_ms, kind);
            }
            if let Some(run) = slot {
                if outcome.capabilities.is_some() {
                    run.capabilities.clone_from(&outcome.capabilities);
                }
                if outcome.tls.is_some() {
                    run.tls.clone_from(&outcome.tls);
                }
                run.outcome = Some(outcome);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{spec, started, Driven};
    use super::super::RunAction;
    use super::*;
    use crate::i18n::Lang;
    use smtplab_shared::smtp::{
        Capabilities, FailReason, Outcome, Reply, SentLine, Stage, Step, Verdict,
    };
    use smtplab_shared::tls::TlsReport;
    use std::time::Duration;

    fn statuses(driven: &Driven) -> Vec<(String, &'static str)> {
        driven
            .run()
            .steps
            .rows()
            .iter()
            .map(|r| (r.step.to_string(), r.status.as_str()))
            .collect()
    }

    fn reply(lines: &[&str]) -> Reply {
        Reply::from_lines(lines).expect("reply")
    }

    #[test]
    fn engine_events_move_steps_and_fill_the_transcript() {
        let mut state = started(&spec(Stage::Ehlo, 1));
        let ms = Duration::from_millis;
        state.engine(
            0,
            Event::StepStarted {
                step: Step::Connect,
                at: ms(0),
            },
        );
        state.engine(
            9,
            Event::Reply {
                step: Step::Connect,
                reply: reply(&["220 mx ESMTP"]),
                expected: true,
                at: ms(8),
            },
        );
        state.engine(
            9,
            Event::StepFinished {
                step: Step::Connect,
                ok: true,
                elapsed: ms(8),
            },
        );
        state.engine(
            9,
            Event::StepStarted {
                step: Step::Ehlo,
                at: ms(9),
            },
        );
        state.engine(
            9,
            Event::Sent {
                step: Step::Ehlo,
                line: SentLine {
                    text: "EHLO me".into(),
                    secret: false,
                    display: "EHLO me".into(),
                },
            },
        );
        assert_eq!(statuses(&state)[0], ("connect".to_owned(), "ok"));
        assert_eq!(statuses(&state)[1], ("EHLO".to_owned(), "running"));
        state.engine(
            20,
            Event::Reply {
                step: Step::Ehlo,
                reply: reply(&["250-mx", "250-PIPELINING", "250 SIZE 1000"]),
                expected: true,
                at: ms(20),
            },
        );
        state.engine(
            20,
            Event::Capabilities(Capabilities::from_ehlo(&reply(&[
                "250-mx",
                "250-PIPELINING",
                "250 SIZE 1000",
            ]))),
        );
        let run = state.run();
        let transcript = run.transcript.items();
        assert_eq!(transcript.len(), 3);
        assert_eq!(transcript[0].at_ms, 8, "replies carry the engine's time");
        assert!(run
            .capabilities
            .as_ref()
            .is_some_and(|c| c.has("PIPELINING")));
        let ids: Vec<u64> = transcript.iter().map(|e| e.id).collect();
        assert!(
            ids.windows(2).all(|w| w[0] < w[1]),
            "ids are unique and ordered: {ids:?}"
        );
        assert_eq!(run.steps.rows()[0].elapsed, Some(Duration::from_millis(8)));
    }

    #[test]
    fn what_arrived_of_a_refused_reply_goes_into_the_transcript() {
        use smtplab_shared::smtp::{ParseError, Unparsed};
        let mut state = started(&spec(Stage::Data, 1));
        let received = Unparsed {
            lines: vec!["SSH-2.0-OpenSSH_9.2".into()],
            more_lines: 0,
        };
        let error = ProtocolError::Parse {
            error: ParseError::BadCode {
                line: "SSH-2.0-OpenSSH_9.2".into(),
            },
            received: Some(received.clone()),
        };
        state.engine(
            3,
            Event::Finished(Outcome {
                verdict: Verdict::Failed {
                    step: Step::Connect,
                    reason: FailReason::Protocol(error.clone()),
                },
                queue_id: None,
                capabilities: None,
                steps: Vec::new(),
                tls: None,
                refused_recipients: Vec::new(),
                pipelined_flights: Vec::new(),
            }),
        );
        let transcript = state.run().transcript.items();
        assert!(
            matches!(
                &transcript.last().expect("an entry").kind,
                EntryKind::Unparsed { received: r, error: e } if *r == received && *e == error
            ),
            "{transcript:?}"
        );
    }

    #[test]
    fn a_failure_marks_the_step_and_skips_the_rest() {
        let mut state = started(&spec(Stage::Data, 1));
        let failure = reply(&["554 5.7.1 Relay access denied"]);
        state.engine(
            0,
            Event::StepStarted {
                step: Step::Rcpt(0),
                at: Duration::ZERO,
            },
        );
        state.engine(
            5,
            Event::StepFinished {
                step: Step::Rcpt(0),
                ok: false,
                elapsed: Duration::from_millis(5),
            },
        );
        state.engine(
            6,
            Event::Finished(Outcome {
                verdict: Verdict::Failed {
                    step: Step::Rcpt(0),
                    reason: FailReason::UnexpectedReply(failure),
                },
                queue_id: None,
                capabilities: None,
                steps: Vec::new(),
                tls: None,
                refused_recipients: Vec::new(),
                pipelined_flights: Vec::new(),
            }),
        );
        let got = statuses(&state);
        assert_eq!(got[3], ("RCPT TO #1".to_owned(), "failed"));
        assert_eq!(got[4], ("DATA".to_owned(), "skipped"));
        let outcome = state.run().outcome.clone().expect("outcome");
        let verdict = crate::verdict::VerdictView::from_outcome(&outcome, Lang::En);
        assert_eq!(verdict.kind, "failed");
        assert!(
            verdict.headline.starts_with("Failed at RCPT TO #1"),
            "{}",
            verdict.headline
        );
        state.apply(RunAction::Ended);
        assert!(!state.run().running);
    }

    #[test]
    fn helo_fallback_is_inserted_after_ehlo() {
        let mut state = started(&spec(Stage::Mail, 1));
        state.engine(
            0,
            Event::StepStarted {
                step: Step::Helo,
                at: Duration::ZERO,
            },
        );
        let names: Vec<String> = statuses(&state).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["connect", "EHLO", "HELO", "MAIL FROM", "QUIT"]);
    }

    #[test]
    fn lines_after_tls_is_up_are_marked_encrypted() {
        let mut state = started(&spec(Stage::Ehlo, 1));
        let sent = |text: &str| Event::Sent {
            step: Step::Ehlo,
            line: SentLine {
                text: text.into(),
                secret: false,
                display: text.into(),
            },
        };
        state.engine(1, sent("STARTTLS"));
        state.engine(
            2,
            Event::TlsEstablished(
                serde_json::from_str(r#"{"server_name":"mx","protocol":"TLSv1.3","chain":[]}"#)
                    .expect("a report"),
            ),
        );
        state.engine(3, sent("EHLO me"));
        let flags: Vec<Option<bool>> = state
            .run()
            .transcript
            .items()
            .iter()
            .map(|e| match &e.kind {
                EntryKind::Sent { encrypted, .. } => Some(*encrypted),
                _ => None,
            })
            .collect();
        assert_eq!(flags, [Some(false), None, Some(true)]);
    }

    #[test]
    fn the_tls_report_is_kept_and_replaced_by_the_outcome() {
        let mut state = started(&spec(Stage::Ehlo, 1));
        let report = |protocol: &str| -> TlsReport {
            serde_json::from_str(&format!(
                r#"{{"server_name":"mx","protocol":"{protocol}","chain":[]}}"#
            ))
            .expect("a report")
        };
        let protocol = |state: &Driven| state.run().tls.as_ref().and_then(|t| t.protocol.clone());
        state.engine(1, Event::TlsEstablished(report("TLSv1.2")));
        assert_eq!(protocol(&state).as_deref(), Some("TLSv1.2"));
        state.engine(
            2,
            Event::Finished(Outcome {
                verdict: Verdict::Completed { stage: Stage::Ehlo },
                queue_id: None,
                capabilities: None,
                steps: Vec::new(),
                tls: Some(report("TLSv1.3")),
                refused_recipients: Vec::new(),
                pipelined_flights: Vec::new(),
            }),
        );
        assert_eq!(protocol(&state).as_deref(), Some("TLSv1.3"));
    }
}
