//! The MTA-STS fetches of one session ([`Fetches`]): `fetch_mta_sts`
//! requests checked, then run on the session's [`SideTasks`], at most a few
//! at once, as its DNS lookups are ([`crate::dns::Lookups`]).

use std::sync::Arc;

use smtplab_shared::wire::ServerMessage;

use super::{FetchError, MtaSts};
use crate::dns::check_name;
use crate::side_tasks::{Answers, SideTasks};

/// The fetches one session has running: at most `max` at once, each a task
/// whose answer arrives through [`Answers`]. Dropping it cancels those
/// still running.
#[derive(Debug)]
pub struct Fetches {
    /// The bridge's fetcher, shared by every session.
    mta_sts: Arc<MtaSts>,
    /// Where the fetches run.
    tasks: SideTasks,
}

impl Fetches {
    /// Fetches with `mta_sts`, at most `max` at once.
    pub fn new(mta_sts: Arc<MtaSts>, max: usize) -> (Self, Answers) {
        let (tasks, answers) = SideTasks::new(max, "MTA-STS fetches");
        (Self { mta_sts, tasks }, answers)
    }

    /// Starts a fetch; its answer comes through [`Answers`]. `Err` is the
    /// immediate answer when it cannot start: a bad domain (`bad_request`)
    /// or `max` fetches already running (`limit`).
    ///
    /// # Errors
    /// The refusal to send to the client.
    pub fn start(&self, domain: String, id: Option<u32>) -> Result<(), ServerMessage> {
        if let Err(e) = check_name(&domain) {
            let e = FetchError::BadDomain(e);
            return Err(ServerMessage::error(e.code(), e.to_string()));
        }
        let mta_sts = Arc::clone(&self.mta_sts);
        self.tasks
            .spawn(async move { mta_sts.answer(&domain, id).await })
    }

    /// The tasks the fetches run on, where a refusal made later is queued.
    pub fn tasks(&self) -> &SideTasks {
        &self.tasks
    }
}

#[cfg(test)]
mod tests {
    use smtplab_shared::wire::ErrorCode;

    use super::super::Settings;
    use super::*;
    use crate::dns::silent_dns;

    #[tokio::test]
    async fn fetches_refuse_bad_domains_and_more_than_max_at_once() {
        let (_silent, dns) = silent_dns().await;
        let mta_sts = Arc::new(MtaSts::new(Ok(dns), Settings::default()));
        let (fetches, _answers) = Fetches::new(mta_sts, 2);
        let bad = fetches.start("a b".into(), None).expect_err("bad domain");
        assert!(matches!(
            bad,
            ServerMessage::Error {
                code: ErrorCode::BadRequest,
                ..
            }
        ));
        for _ in 0..2 {
            fetches.start("a.test".into(), None).expect("room for two");
        }
        let third = fetches
            .start("a.test".into(), Some(3))
            .expect_err("a third is refused");
        assert_eq!(
            third,
            ServerMessage::error(
                ErrorCode::Limit,
                "this session already has 2 MTA-STS fetches running; wait for an answer"
            )
        );
    }
}
