//! The end-of-session verdict in words: delivered with the queue id, stopped
//! where asked, or failed at a step with the reason, in the page's language.

use smtplab_shared::smtp::{
    FailReason, Outcome, ParseError, ProtocolError, ReplyTo, Step, Verdict,
};

use crate::form::stage_label;
use smtplab_shared::tls::TlsFailureKind;

use crate::i18n::{explain_reply, t, tf, Lang, Msg};
use crate::reason::reason_words;
use crate::tls_view::{needs_starttls, skipped_words};

/// A verdict ready to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VerdictView {
    /// `delivered`, `completed` or `failed` (the `data-verdict` attribute).
    pub(crate) kind: &'static str,
    /// One line: what happened.
    pub(crate) headline: String,
    /// More detail: the server's words and what they mean.
    pub(crate) detail: Option<String>,
    /// Set when TLS ran without verification: "NOT verified" and what
    /// the check found.
    pub(crate) unverified: Option<String>,
    /// What to change, when the failure says it (e.g. a server that
    /// requires STARTTLS).
    pub(crate) hint: Option<String>,
}

impl VerdictView {
    /// Words for an engine outcome, in `lang`.
    pub(crate) fn from_outcome(outcome: &Outcome, lang: Lang) -> Self {
        let mut view = Self::words(outcome, lang);
        let skipped = outcome
            .tls
            .as_ref()
            .and_then(|r| r.verification.as_ref())
            .filter(|v| !v.enforced);
        view.unverified = skipped.map(|v| skipped_words(v.problem.as_ref(), lang));
        view.hint = match &outcome.verdict {
            Verdict::Failed {
                reason: FailReason::UnexpectedReply(reply),
                ..
            } if needs_starttls(reply, outcome.tls.is_some()) => {
                Some(t(lang, Msg::HintStartTls).to_owned())
            }
            Verdict::Failed {
                reason: FailReason::Tls(failure),
                ..
            } if failure.kind == TlsFailureKind::NotTls => {
                Some(t(lang, Msg::HintNotTls).to_owned())
            }
            Verdict::Failed {
                step: Step::Connect,
                reason,
            } if outcome.tls.is_none() && may_expect_implicit_tls(reason) => {
                Some(t(lang, Msg::HintImplicitTls).to_owned())
            }
            _ => None,
        };
        view
    }

    fn words(outcome: &Outcome, lang: Lang) -> Self {
        let (unverified, hint) = (None, None);
        match &outcome.verdict {
            Verdict::Delivered => Self {
                kind: "delivered",
                headline: match outcome.queue_id.as_deref() {
                    Some(text) => tf(lang, Msg::DeliveredWithId, &[text]),
                    None => t(lang, Msg::Delivered).to_owned(),
                },
                detail: refused_words(outcome, lang),
                unverified,
                hint,
            },
            Verdict::Completed { stage } => Self {
                kind: "completed",
                headline: tf(lang, Msg::Completed, &[stage_label(*stage, lang)]),
                detail: refused_words(outcome, lang),
                unverified,
                hint,
            },
            Verdict::Failed { step, reason } => Self {
                kind: "failed",
                headline: tf(
                    lang,
                    Msg::FailedAt,
                    &[&step.to_string(), &reason_words(reason, lang)],
                ),
                detail: match reason {
                    FailReason::UnexpectedReply(reply) => Some(format!(
                        "{} — {}",
                        reply.lines.join(" / "),
                        explain_reply(lang, ReplyTo::from_step(*step), reply.code, reply.enhanced)
                    )),
                    _ => None,
                },
                unverified,
                hint,
            },
        }
    }
}

/// A plaintext session that got nothing at all after the connect, or a TLS
/// record (content type 20–23, version 3.x) instead of a greeting: the
/// port may speak implicit TLS.
fn may_expect_implicit_tls(reason: &FailReason) -> bool {
    match reason {
        FailReason::Timeout => true,
        FailReason::Protocol(ProtocolError::Parse {
            error: ParseError::BadCode { line },
            ..
        }) => {
            let mut chars = line.chars();
            matches!(chars.next(), Some('\u{14}'..='\u{17}')) && chars.next() == Some('\u{3}')
        }
        _ => false,
    }
}

/// The recipients the server refused while the session went on, each
/// with its reply, or `None` when it took them all.
fn refused_words(outcome: &Outcome, lang: Lang) -> Option<String> {
    if outcome.refused_recipients.is_empty() {
        return None;
    }
    let list: Vec<String> = outcome
        .refused_recipients
        .iter()
        .map(|r| {
            let first = r.reply.lines.first().map_or("", String::as_str);
            format!("{} ({first})", r.address)
        })
        .collect();
    Some(tf(lang, Msg::RefusedRecipients, &[&list.join("; ")]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use smtplab_shared::smtp::{AbortReason, Reply, Stage};
    use smtplab_shared::wire::ErrorCode;

    fn outcome(verdict: Verdict, queue_id: Option<&str>) -> Outcome {
        Outcome {
            verdict,
            queue_id: queue_id.map(str::to_owned),
            capabilities: None,
            steps: Vec::new(),
            tls: None,
            refused_recipients: Vec::new(),
            pipelined_flights: Vec::new(),
        }
    }

    #[test]
    fn delivered_shows_the_queue_id() {
        let view = VerdictView::from_outcome(
            &outcome(Verdict::Delivered, Some("2.0.0 Ok: queued as 4Xyz")),
            Lang::En,
        );
        assert_eq!(view.kind, "delivered");
        assert!(
            view.headline.contains("queued as 4Xyz"),
            "{}",
            view.headline
        );
    }

    #[test]
    fn failed_names_the_step_and_the_reason() {
        let reply = Reply::from_lines(&["554 5.7.1 Relay access denied"]).expect("reply");
        let view = VerdictView::from_outcome(
            &outcome(
                Verdict::Failed {
                    step: Step::Rcpt(0),
                    reason: FailReason::UnexpectedReply(reply),
                },
                None,
            ),
            Lang::En,
        );
        assert_eq!(view.kind, "failed");
        assert_eq!(
            view.headline,
            "Failed at RCPT TO #1: the server answered 554 (permanent error)"
        );
        assert!(view.detail.expect("detail").contains("Relay access denied"));
        let aborted = VerdictView::from_outcome(
            &outcome(
                Verdict::Failed {
                    step: Step::Connect,
                    reason: FailReason::Aborted(AbortReason::Bridge {
                        host: "mx.example.invalid".into(),
                        port: 25,
                        error: ErrorCode::Dns,
                        message: "mx.example.invalid does not resolve".into(),
                    }),
                },
                None,
            ),
            Lang::En,
        );
        assert!(
            aborted.headline.starts_with("Failed at connect: ")
                && aborted
                    .headline
                    .contains("mx.example.invalid does not resolve"),
            "{}",
            aborted.headline
        );
        let ja = VerdictView::from_outcome(
            &outcome(
                Verdict::Failed {
                    step: Step::Connect,
                    reason: FailReason::Aborted(AbortReason::Cancelled),
                },
                None,
            ),
            Lang::Ja,
        );
        assert!(
            ja.headline.contains("ユーザーが中止しました"),
            "{}",
            ja.headline
        );
    }

    #[test]
    fn completed_names_the_stage() {
        let view = VerdictView::from_outcome(
            &outcome(Verdict::Completed { stage: Stage::Rcpt }, None),
            Lang::En,
        );
        assert_eq!(view.kind, "completed");
        assert!(view.headline.contains("RCPT TO"), "{}", view.headline);
        let ja = VerdictView::from_outcome(
            &outcome(Verdict::Completed { stage: Stage::Rcpt }, None),
            Lang::Ja,
        );
        assert!(
            ja.headline.starts_with("完了: RCPT TO まで"),
            "{}",
            ja.headline
        );
    }

    #[test]
    fn a_server_that_requires_starttls_gets_a_hint() {
        let reply =
            Reply::from_lines(&["530 5.7.0 Must issue a STARTTLS command first"]).expect("reply");
        let view = VerdictView::from_outcome(
            &outcome(
                Verdict::Failed {
                    step: Step::Mail,
                    reason: FailReason::UnexpectedReply(reply),
                },
                None,
            ),
            Lang::En,
        );
        assert_eq!(
            view.hint.as_deref(),
            Some("This server requires STARTTLS: set TLS mode to STARTTLS.")
        );
        let ja = VerdictView::from_outcome(&outcome(Verdict::Delivered, None), Lang::Ja);
        assert_eq!((ja.hint, ja.unverified), (None, None));
    }

    #[test]
    fn the_detail_explains_the_reply_for_the_failed_step() {
        let failed = |step, line: &str| {
            let reply = Reply::from_lines(&[line]).expect("reply");
            let reason = FailReason::UnexpectedReply(reply);
            outcome(Verdict::Failed { step, reason }, None)
        };
        let relay = VerdictView::from_outcome(
            &failed(
                Step::Rcpt(0),
                "554 5.7.1 <x@elsewhere.example>: Relay access denied",
            ),
            Lang::En,
        );
        let detail = relay.detail.expect("detail");
        assert!(!detail.contains("greeting"), "{detail}");
        assert!(detail.contains("authenticate (AUTH)"), "{detail}");
        let auth = VerdictView::from_outcome(
            &failed(Step::Auth, "503 AUTH command used when not advertised"),
            Lang::Ja,
        );
        let detail = auth.detail.expect("detail");
        assert!(detail.contains("STARTTLS の後"), "{detail}");
    }

    #[test]
    fn silence_or_a_tls_record_at_connect_suggests_implicit_tls() {
        let failed = |step, reason| outcome(Verdict::Failed { step, reason }, None);
        let silent =
            VerdictView::from_outcome(&failed(Step::Connect, FailReason::Timeout), Lang::En);
        let hint = silent.hint.expect("a hint after a silent connect");
        assert!(hint.contains("this port may expect implicit TLS"), "{hint}");
        let record = FailReason::Protocol(ProtocolError::Parse {
            error: ParseError::BadCode {
                line: "\u{15}\u{3}\u{3}\0\u{2}\u{2}F".into(),
            },
            received: None,
        });
        let ja = VerdictView::from_outcome(&failed(Step::Connect, record), Lang::Ja);
        assert!(ja.hint.expect("hint").contains("暗黙の TLS"));
        let later = VerdictView::from_outcome(&failed(Step::Mail, FailReason::Timeout), Lang::En);
        assert_eq!(later.hint, None, "only silence after connect");
        let garbage = FailReason::Protocol(ProtocolError::Parse {
            error: ParseError::BadCode {
                line: "hello".into(),
            },
            received: None,
        });
        let view = VerdictView::from_outcome(&failed(Step::Connect, garbage), Lang::En);
        assert_eq!(view.hint, None, "text that is no reply is not TLS");
    }

    #[test]
    fn tls_failures_and_unverified_sessions_are_worded() {
        use smtplab_shared::tls::{TlsFailure, TlsReport, Verification};
        let expired = TlsFailure {
            kind: TlsFailureKind::Expired,
            detail: "certificate expired".into(),
        };
        let failed = VerdictView::from_outcome(
            &outcome(
                Verdict::Failed {
                    step: Step::StartTls,
                    reason: FailReason::Tls(expired.clone()),
                },
                None,
            ),
            Lang::En,
        );
        assert!(
            failed
                .headline
                .starts_with("Failed at STARTTLS: TLS failed: certificate expired"),
            "{}",
            failed.headline
        );
        let mut delivered = outcome(Verdict::Delivered, Some("250 ok"));
        let mut report: TlsReport =
            serde_json::from_str(r#"{"server_name":"mx","chain":[]}"#).expect("a report");
        report.verification = Some(Verification {
            enforced: false,
            problem: Some(expired),
        });
        delivered.tls = Some(report);
        let view = VerdictView::from_outcome(&delivered, Lang::En);
        assert_eq!(view.kind, "delivered");
        let warning = view
            .unverified
            .expect("the verdict says it was not verified");
        assert!(
            warning.starts_with(
                "NOT verified (verification skipped); it would have failed: certificate expired"
            ),
            "{warning}"
        );
        let ja = VerdictView::from_outcome(&delivered, Lang::Ja)
            .unverified
            .expect("warning");
        assert!(ja.contains("期限切れ"), "{ja}");
    }
}
