//! The end-of-session verdict in words: delivered with the queue id, stopped
//! where asked, or failed at a step with the reason.

use smtplab_shared::smtp::{explain_code, FailReason, Outcome, Stage, Verdict};

use crate::form::stage_label;

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
    /// Words for an engine outcome.
    pub fn from_outcome(outcome: &Outcome) -> Self {
        match &outcome.verdict {
            Verdict::Delivered => Self {
                kind: "delivered",
                headline: match outcome.queue_id.as_deref() {
                    Some(text) => format!("Delivered: the server accepted the message ({text})"),
                    None => "Delivered: the server accepted the message".to_owned(),
                },
                detail: None,
            },
            Verdict::Completed { stage } => Self {
                kind: "completed",
                headline: format!("Completed: every step up to {} succeeded; stopped there as asked", stage_name(*stage)),
                detail: None,
            },
            Verdict::Failed { step, reason } => Self {
                kind: "failed",
                headline: format!("Failed at {step}: {}", reason_words(reason)),
                detail: match reason {
                    FailReason::UnexpectedReply(reply) => Some(format!(
                        "{} — {}",
                        reply.lines.join(" / "),
                        explain_code(reply.code)
                    )),
                    _ => None,
                },
            },
        }
    }
}

fn stage_name(stage: Stage) -> &'static str {
    stage_label(stage)
}

/// Why the session failed, in words.
pub fn reason_words(reason: &FailReason) -> String {
    match reason {
        FailReason::UnexpectedReply(reply) => {
            let kind = if reply.code.as_u16() >= 500 {
                "permanent error"
            } else if reply.code.as_u16() >= 400 {
                "temporary error"
            } else {
                "unexpected reply"
            };
            format!("the server answered {} ({kind})", reply.code)
        }
        FailReason::Timeout => "the server did not answer in time".to_owned(),
        FailReason::ConnectionClosed => "the connection closed before the session was over".to_owned(),
        FailReason::Protocol(why) => format!("protocol error: {why}"),
        FailReason::Aborted(why) => why.clone(),
        FailReason::Tls(failure) => format!("TLS failed: {failure}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use smtplab_shared::smtp::{Reply, Step};

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
        let view = VerdictView::from_outcome(&outcome(Verdict::Delivered, Some("2.0.0 Ok: queued as 4Xyz")));
        assert_eq!(view.kind, "delivered");
        assert!(view.headline.contains("queued as 4Xyz"), "{}", view.headline);
    }

    #[test]
    fn failed_names_the_step_and_the_reason() {
        let reply = Reply::from_lines(&["554 5.7.1 Relay access denied"]).expect("reply");
        let view = VerdictView::from_outcome(&outcome(
            Verdict::Failed { step: Step::Rcpt(0), reason: FailReason::UnexpectedReply(reply) },
            None,
        ));
        assert_eq!(view.kind, "failed");
        assert_eq!(view.headline, "Failed at RCPT TO #1: the server answered 554 (permanent error)");
        assert!(view.detail.expect("detail").contains("Relay access denied"));
        let aborted = VerdictView::from_outcome(&outcome(
            Verdict::Failed { step: Step::Connect, reason: FailReason::Aborted("DNS failure".into()) },
            None,
        ));
        assert_eq!(aborted.headline, "Failed at connect: DNS failure");
    }

    #[test]
    fn completed_names_the_stage() {
        let view = VerdictView::from_outcome(&outcome(Verdict::Completed { stage: Stage::Rcpt }, None));
        assert_eq!(view.kind, "completed");
        assert!(view.headline.contains("RCPT TO"), "{}", view.headline);
    }
}
