//! The lookups of one session ([`Lookups`]): `resolve` requests checked,
//! then run on the session's [`SideTasks`], at most a few at once.

use smtplab_shared::wire::{RecordType, ServerMessage};

use super::{check_name, Dns, DnsError};
use crate::side_tasks::{Answers, SideTasks};

/// The lookups one session has running: at most `max` at once, each a task
/// whose answer arrives through [`Answers`]. Dropping it cancels those still
/// running.
#[derive(Debug)]
pub struct Lookups {
    /// The bridge's resolver, or why there is none (the answer to every
    /// `resolve` then).
    dns: Result<Dns, DnsError>,
    /// Where the lookups run.
    tasks: SideTasks,
}

impl Lookups {
    /// Lookups with `dns` (or, when it could not be set up, its error as
    /// the answer to every `resolve`), at most `max` at once.
    pub fn new(dns: Result<Dns, DnsError>, max: usize) -> (Self, Answers) {
        let (tasks, answers) = SideTasks::new(max, "lookups");
        (Self { dns, tasks }, answers)
    }

    /// Starts a lookup; its answer comes through [`Answers`]. `Err` is the
    /// immediate answer when it cannot start: no resolver (`dns`), a bad
    /// name (`bad_request`), or `max` lookups already running (`limit`).
    ///
    /// # Errors
    /// The refusal to send to the client.
    pub fn start(
        &self,
        name: String,
        rtype: RecordType,
        id: Option<u32>,
    ) -> Result<(), ServerMessage> {
        let refuse = |e: DnsError| ServerMessage::error(e.code(), e.to_string());
        let dns = self.dns.as_ref().map_err(|e| refuse(e.clone()))?;
        check_name(&name).map_err(refuse)?;
        let dns = dns.clone();
        self.tasks
            .spawn(async move { dns.answer(name, rtype, id).await })
    }

    /// The tasks the lookups run on, where a refusal made later is queued.
    pub fn tasks(&self) -> &SideTasks {
        &self.tasks
    }
}

#[cfg(test)]
mod tests {
    use smtplab_shared::wire::ErrorCode;

    use super::*;
    use crate::dns::silent_dns;

    #[tokio::test]
    async fn lookups_refuse_bad_names_and_more_than_max_at_once() {
        let (_silent, dns) = silent_dns().await;
        let (lookups, _answers) = Lookups::new(Ok(dns), 2);
        let bad = lookups
            .start("a b".into(), RecordType::A, None)
            .expect_err("bad name");
        assert!(matches!(
            bad,
            ServerMessage::Error {
                code: ErrorCode::BadRequest,
                ..
            }
        ));
        for _ in 0..2 {
            lookups
                .start("a.test".into(), RecordType::A, None)
                .expect("room for two");
        }
        assert!(lookups.tasks().busy());
        let third = lookups
            .start("a.test".into(), RecordType::A, Some(3))
            .expect_err("a third is refused");
        assert_eq!(
            third,
            ServerMessage::error(
                ErrorCode::Limit,
                "this session already has 2 lookups running; wait for an answer"
            )
        );
    }

    #[test]
    fn without_a_resolver_every_lookup_is_a_dns_error() {
        let (lookups, _answers) = Lookups::new(
            Err(DnsError::Unavailable {
                reason: "no resolv.conf".into(),
            }),
            4,
        );
        let refusal = lookups
            .start("a.test".into(), RecordType::Mx, None)
            .expect_err("no resolver");
        assert!(matches!(
            refusal,
            ServerMessage::Error {
                code: ErrorCode::Dns,
                ..
            }
        ));
    }
}
