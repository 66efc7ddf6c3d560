//! A session's side requests, `resolve` and `fetch_mta_sts`: where each
//! kind starts ([`Requests`]), their answers ([`RequestAnswers`]), and the
//! filter that takes them out of the client's stream during the relay
//! ([`Intercept`]). The control phase and the relay both start them through
//! [`Requests::start`], so how each kind starts, and which queue its
//! refusal joins, is written once.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::ws::Message;
use futures_util::{Stream, StreamExt as _};
use smtplab_shared::wire::{ClientMessage, ServerMessage};

use super::SessionContext;
use crate::dns::Lookups;
use crate::metrics::Metrics;
use crate::mta_sts::Fetches;
use crate::side_tasks::{Answers, SideTasks};

/// A session's running lookups and MTA-STS fetches. Dropping it (the
/// session ends) cancels both.
pub(super) struct Requests {
    /// The running `resolve`s.
    lookups: Lookups,
    /// The running `fetch_mta_sts`s.
    fetches: Fetches,
}

/// The answers of a session's [`Requests`], lookups and fetches.
pub(super) struct RequestAnswers {
    /// The lookups' answers.
    lookups: Answers,
    /// The fetches' answers.
    fetches: Answers,
    /// Counts the lookups' results (`smtplab_dns_lookups_total`).
    metrics: Arc<Metrics>,
}

/// What [`Requests::start`] made of a control message.
pub(super) enum Start<'a> {
    /// A side request, running; its answer comes through [`RequestAnswers`].
    Running,
    /// A side request that could not start.
    Refused {
        /// The answer to send now.
        answer: ServerMessage,
        /// Where to queue it instead when it cannot be sent now (during
        /// the relay), behind its kind's earlier answers.
        tasks: &'a SideTasks,
    },
    /// Not a side request: the caller's to answer (the control phase) or
    /// pass on (the relay), as the client sent it.
    Other,
}

impl Requests {
    /// The session's requests, with the bridge's resolver and fetcher and
    /// their per-session limits.
    pub(super) fn new(ctx: &SessionContext) -> (Self, RequestAnswers) {
        let (lookups, lookup_answers) = Lookups::new(ctx.dns.clone(), ctx.max_resolves);
        let (fetches, fetch_answers) = Fetches::new(Arc::clone(&ctx.mta_sts), ctx.max_fetches);
        let answers = RequestAnswers {
            lookups: lookup_answers,
            fetches: fetch_answers,
            metrics: Arc::clone(&ctx.metrics),
        };
        (Self { lookups, fetches }, answers)
    }

    /// Starts `msg` when it is a `resolve` or a `fetch_mta_sts`.
    pub(super) fn start(&self, msg: ClientMessage) -> Start<'_> {
        let (tasks, started) = match msg {
            ClientMessage::Resolve { name, rtype, id } => {
                (self.lookups.tasks(), self.lookups.start(name, rtype, id))
            }
            ClientMessage::FetchMtaSts { domain, id } => {
                (self.fetches.tasks(), self.fetches.start(domain, id))
            }
            _ => return Start::Other,
        };
        match started {
            Ok(()) => Start::Running,
            Err(answer) => Start::Refused { answer, tasks },
        }
    }
}

impl RequestAnswers {
    /// The next finished answer, lookup or fetch.
    pub(super) async fn next(&mut self) -> ServerMessage {
        tokio::select! {
            answer = self.lookups.next() => {
                self.metrics.resolved(&answer);
                answer
            }
            answer = self.fetches.next() => answer,
        }
    }
}

/// The client's side of the WebSocket during the relay, with side requests
/// taken out and started on [`Requests`] (a refusal is queued with their
/// answers); everything else passes through unchanged.
pub(super) struct Intercept<'a, St> {
    inner: &'a mut St,
    requests: &'a Requests,
}

impl<'a, St> Intercept<'a, St> {
    /// Wraps the client's stream.
    pub(super) fn new(inner: &'a mut St, requests: &'a Requests) -> Self {
        Self { inner, requests }
    }
}

impl<St, E> Stream for Intercept<'_, St>
where
    St: Stream<Item = Result<Message, E>> + Unpin,
{
    type Item = Result<Message, E>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            let item = self.inner.poll_next_unpin(cx);
            if let Poll::Ready(Some(Ok(Message::Text(text)))) = &item {
                if let Ok(msg) = ClientMessage::decode(text.as_str()) {
                    match self.requests.start(msg) {
                        Start::Running => continue,
                        Start::Refused { answer, tasks } => {
                            tasks.refuse(answer);
                            continue;
                        }
                        Start::Other => {}
                    }
                }
            }
            return item;
        }
    }
}
