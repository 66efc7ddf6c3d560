//! The lookups of one session: at most a few running at once, each a task
//! whose answer is queued for the session to send ([`Lookups`],
//! [`Answers`]), and the filter that takes `resolve` out of the client's
//! stream during the relay ([`Intercept`]).

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::ws::Message;
use futures_util::{Stream, StreamExt as _};
use smtplab_shared::wire::{ClientMessage, ErrorCode, RecordType, ServerMessage};
use tokio::sync::{mpsc, Semaphore};
use tokio_util::sync::CancellationToken;

use super::{check_name, Dns, DnsError};

/// The lookups one session has running: at most `max` at once, each a task
/// whose answer arrives through [`Answers`]. Dropping it cancels those still
/// running.
#[derive(Debug)]
pub struct Lookups {
    dns: Result<Dns, DnsError>,
    slots: Arc<Semaphore>,
    max: usize,
    tx: mpsc::Sender<ServerMessage>,
    cancel: CancellationToken,
}

/// The answers of a session's [`Lookups`], in the order they finish.
#[derive(Debug)]
pub struct Answers {
    rx: mpsc::Receiver<ServerMessage>,
}

impl Lookups {
    /// Lookups with `dns` (or, when it could not be set up, its error as
    /// the answer to every `resolve`), at most `max` at once.
    pub fn new(dns: Result<Dns, DnsError>, max: usize) -> (Self, Answers) {
        let max = max.max(1);
        // Room for every running lookup's answer plus as many refusals.
        let (tx, rx) = mpsc::channel(max * 2);
        let lookups = Self {
            dns,
            slots: Arc::new(Semaphore::new(max)),
            max,
            tx,
            cancel: CancellationToken::new(),
        };
        (lookups, Answers { rx })
    }

    /// Starts a lookup; its answer comes through [`Answers`]. `Err` is the
    /// immediate answer when it cannot start: a bad name (`bad_request`),
    /// `max` lookups already running (`limit`), or no resolver (`dns`).
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
        let Ok(slot) = Arc::clone(&self.slots).try_acquire_owned() else {
            return Err(ServerMessage::error(
                ErrorCode::Limit,
                format!(
                    "this session already has {} lookups running; wait for an answer",
                    self.max
                ),
            ));
        };
        let dns = dns.clone();
        let tx = self.tx.clone();
        let cancel = self.cancel.clone();
        tokio::spawn(async move {
            let answer = tokio::select! {
                () = cancel.cancelled() => return,
                answer = dns.answer(name, rtype, id) => answer,
            };
            // The slot is free once the answer is queued.
            let _ = tx.send(answer).await;
            drop(slot);
        });
        Ok(())
    }

    /// Queues an immediate answer (a refusal) for [`Answers`]; dropped when
    /// the client has not read the earlier ones.
    pub fn refuse(&self, answer: ServerMessage) {
        let _ = self.tx.try_send(answer);
    }

    /// Whether lookups are still running.
    pub fn busy(&self) -> bool {
        self.slots.available_permits() < self.max
    }
}

impl Drop for Lookups {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

impl Answers {
    /// The next answer; pending while none is ready (forever once the
    /// [`Lookups`] are gone and drained).
    pub async fn next(&mut self) -> ServerMessage {
        match self.rx.recv().await {
            Some(answer) => answer,
            None => std::future::pending().await,
        }
    }

    /// An answer that is ready now, if any.
    pub fn try_next(&mut self) -> Option<ServerMessage> {
        self.rx.try_recv().ok()
    }
}

/// The client's side of the WebSocket during the relay, with `resolve`
/// requests taken out and started on [`Lookups`]; everything else passes
/// through unchanged.
pub struct Intercept<'a, St> {
    inner: &'a mut St,
    lookups: &'a Lookups,
}

impl<'a, St> Intercept<'a, St> {
    /// Wraps the client's stream.
    pub fn new(inner: &'a mut St, lookups: &'a Lookups) -> Self {
        Self { inner, lookups }
    }
}

impl<St, E> Stream for Intercept<'_, St>
where
    St: Stream<Item = Result<Message, E>> + Unpin,
{
    type Item = Result<Message, E>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            let item = match self.inner.poll_next_unpin(cx) {
                Poll::Ready(Some(Ok(Message::Text(text)))) => {
                    if let Ok(ClientMessage::Resolve { name, rtype, id }) =
                        ClientMessage::decode(text.as_str())
                    {
                        if let Err(refusal) = self.lookups.start(name, rtype, id) {
                            self.lookups.refuse(refusal);
                        }
                        continue;
                    }
                    Poll::Ready(Some(Ok(Message::Text(text))))
                }
                other => other,
            };
            return item;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn lookups_refuse_bad_names_and_more_than_max_at_once() {
        // A server that never answers: lookups stay running until cancelled.
        let silent = tokio::net::UdpSocket::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let dns = Dns::new(
            Some(silent.local_addr().expect("addr")),
            Duration::from_secs(30),
        )
        .expect("resolver");
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
        assert!(lookups.busy());
        let third = lookups
            .start("a.test".into(), RecordType::A, Some(3))
            .expect_err("a third is refused");
        assert!(matches!(
            third,
            ServerMessage::Error {
                code: ErrorCode::Limit,
                ..
            }
        ));
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
