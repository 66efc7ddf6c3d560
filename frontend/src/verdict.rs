//! The end-of-session verdict in words: delivered with the queue id, stopped
//! where asked, or failed at a step with the reason, in the page's language.

use smtplab_shared::smtp::{FailReason, Outcome, Verdict};

use crate::form::stage_label;
use crate::i18n::{explain_code, t, tf, Lang, Msg};

/// A verdict ready to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerdictView {
    /// `delivered`, `completed` or `failed` (the `data-verdict` attribute).
    pub kind: &'static str,
    /// One line: what happened.
    pub headline: String,
    /// More detail: the server's words and what they mean.
    pub detail: Option<String>,
}

impl VerdictView {
    /// Words for an engine outcome, in `lang`.
    pub fn from_outcome(outcome: &Outcome, lang: Lang) -> Self {
        match &outcome.verdict {
            Verdict::Delivered => Self {
                kind: "delivered",
                headline: match outcome.queue_id.as_deref() {
                    Some(text) => tf(lang, Msg::DeliveredWithId, &[text]),
                    None => t(lang, Msg::Delivered).to_owned(),
                },
                detail: None,
            },
            Verdict::Completed { stage } => Self {
                kind: "completed",
                headline: tf(lang, Msg::Completed, &[stage_label(*stage, lang)]),
                detail: None,
            },
            Verdict::Failed { step, reason } => Self {
                kind: "failed",
                headline: tf(lang, Msg::FailedAt, &[&step.to_string(), &reason_words(reason, lang)]),
                detail: match reason {
                    FailReason::UnexpectedReply(reply) => Some(format!(
                        "{} — {}",
                        reply.lines.join(" / "),
                        explain_code(lang, reply.code)
                    )),
                    _ => None,
                },
            },
        }
    }
}

/// Why the session failed, in words.
pub fn reason_words(reason: &FailReason, lang: Lang) -> String {
    #[allow(unreachable_patterns)] // shared may add reasons: they show in English
    match reason {
        FailReason::UnexpectedReply(reply) => {
            let msg = if reply.code.as_u16() >= 500 {
                Msg::AnsweredPermanent
            } else if reply.code.as_u16() >= 400 {
                Msg::AnsweredTemporary
            } else {
                Msg::AnsweredUnexpected
            };
            tf(lang, msg, &[&reply.code.to_string()])
        }
        FailReason::Timeout => t(lang, Msg::ReasonTimeout).to_owned(),
        FailReason::ConnectionClosed => t(lang, Msg::ReasonConnectionClosed).to_owned(),
        FailReason::Protocol(why) => tf(lang, Msg::ReasonProtocol, &[&why.to_string()]),
        FailReason::Aborted(why) => why.clone(),
        FailReason::Tls(failure) => tf(lang, Msg::ReasonTls, &[&failure.to_string()]),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use smtplab_shared::smtp::{Reply, Stage, Step};

    fn outcome(verdict: Verdict, queue_id: Option<&str>) -> Outcome {
        Outcome {
            verdict,
            queue_id: queue_id.map(str::to_owned),
            capabilities: None,
            steps: Vec::new(),
            tls: None,
        }
    }

    #[test]
    fn delivered_shows_the_queue_id() {
        let view = VerdictView::from_outcome(&outcome(Verdict::Delivered, Some("2.0.0 Ok: queued as 4Xyz")), Lang::En);
        assert_eq!(view.kind, "delivered");
        assert!(view.headline.contains("queued as 4Xyz"), "{}", view.headline);
    }

    #[test]
    fn failed_names_the_step_and_the_reason() {
        let reply = Reply::from_lines(&["554 5.7.1 Relay access denied"]).expect("reply");
        let view = VerdictView::from_outcome(&outcome(
            Verdict::Failed { step: Step::Rcpt(0), reason: FailReason::UnexpectedReply(reply) },
            None,
        ), Lang::En);
        assert_eq!(view.kind, "failed");
        assert_eq!(view.headline, "Failed at RCPT TO #1: the server answered 554 (permanent error)");
        assert!(view.detail.expect("detail").contains("Relay access denied"));
        let aborted = VerdictView::from_outcome(&outcome(
            Verdict::Failed { step: Step::Connect, reason: FailReason::Aborted("DNS failure".into()) },
            None,
        ), Lang::En);
        assert_eq!(aborted.headline, "Failed at connect: DNS failure");
    }

    #[test]
    fn completed_names_the_stage() {
        let view = VerdictView::from_outcome(&outcome(Verdict::Completed { stage: Stage::Rcpt }, None), Lang::En);
        assert_eq!(view.kind, "completed");
        assert!(view.headline.contains("RCPT TO"), "{}", view.headline);
        let ja = VerdictView::from_outcome(&outcome(Verdict::Completed { stage: Stage::Rcpt }, None), Lang::Ja);
        assert!(ja.headline.starts_with("完了: RCPT TO まで"), "{}", ja.headline);
    }
}
