//! The MTA-STS fetches of one session, bounded as its DNS lookups are
//! ([`crate::dns::Lookups`]): at most a few running at once, each a task
//! whose answer is queued for the session to send ([`Fetches`],
//! [`FetchAnswers`]), and the filter that takes `fetch_mta_sts` out of the
//! client's stream during the relay ([`Intercept`]).

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::ws::Message;
use futures_util::{Stream, StreamExt as _};
use smtplab_shared::wire::{ClientMessage, ErrorCode, ServerMessage};
use tokio::sync::{mpsc, Semaphore};
use tokio_util::sync::CancellationToken;

use super::{FetchError, MtaSts};
use crate::dns::check_name;

/// The fetches one session has running: at most `max` at once, each a task
/// whose answer arrives through [`FetchAnswers`]. Dropping it cancels those
/// still running.
#[derive(Debug)]
pub struct Fetches {
    /// The bridge's fetcher, shared by every session.
    mta_sts: Arc<MtaSts>,
    /// One permit per fetch running.
    slots: Arc<Semaphore>,
    /// The permits in all.
    max: usize,
    /// Where finished fetches and refusals go.
    tx: mpsc::Sender<ServerMessage>,
    /// Fires when the session ends, so no fetch outlives it.
    cancel: CancellationToken,
}

/// The answers of a session's [`Fetches`], in the order they finish.
#[derive(Debug)]
pub struct FetchAnswers {
    rx: mpsc::Receiver<ServerMessage>,
}

impl Fetches {
    /// Fetches with `mta_sts`, at most `max` at once.
    pub fn new(mta_sts: Arc<MtaSts>, max: usize) -> (Self, FetchAnswers) {
        let max = max.max(1);
        // Room for every running fetch's answer plus as many refusals.
        let (tx, rx) = mpsc::channel(max * 2);
        let fetches = Self {
            mta_sts,
            slots: Arc::new(Semaphore::new(max)),
            max,
            tx,
            cancel: CancellationToken::new(),
        };
        (fetches, FetchAnswers { rx })
    }

    /// Starts a fetch; its answer comes through [`FetchAnswers`]. `Err` is
    /// the immediate answer when it cannot start: a bad domain
    /// (`bad_request`) or `max` fetches already running (`limit`).
    ///
    /// # Errors
    /// The refusal to send to the client.
    pub fn start(&self, domain: String, id: Option<u32>) -> Result<(), ServerMessage> {
        if let Err(e) = check_name(&domain) {
            let e = FetchError::BadDomain(e);
            return Err(ServerMessage::error(e.code(), e.to_string()));
        }
        let Ok(slot) = Arc::clone(&self.slots).try_acquire_owned() else {
            return Err(ServerMessage::error(
                ErrorCode::Limit,
                format!(
                    "this session already has {} MTA-STS fetches running; wait for an answer",
                    self.max
                ),
            ));
        };
        let mta_sts = Arc::clone(&self.mta_sts);
        let tx = self.tx.clone();
        let cancel = self.cancel.clone();
        tokio::spawn(async move {
            let answer = tokio::select! {
                () = cancel.cancelled() => return,
                answer = mta_sts.answer(&domain, id) => answer,
            };
            // The slot is free once the answer is queued.
            let _ = tx.send(answer).await;
            drop(slot);
        });
        Ok(())
    }

    /// Queues an immediate answer (a refusal) for [`FetchAnswers`]; dropped
    /// when the client has not read the earlier ones.
    pub fn refuse(&self, answer: ServerMessage) {
        let _ = self.tx.try_send(answer);
    }
}

impl Drop for Fetches {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

impl FetchAnswers {
    /// The next answer; pending while none is ready (forever once the
    /// [`Fetches`] are gone and drained).
    pub async fn next(&mut self) -> ServerMessage {
        match self.rx.recv().await {
            Some(answer) => answer,
            None => std::future::pending().await,
        }
    }
}

/// The client's side of the WebSocket during the relay, with
/// `fetch_mta_sts` requests taken out and started on [`Fetches`];
/// everything else passes through unchanged.
pub struct Intercept<'a, St> {
    inner: &'a mut St,
    fetches: &'a Fetches,
}

impl<'a, St> Intercept<'a, St> {
    /// Wraps the client's stream.
    pub fn new(inner: &'a mut St, fetches: &'a Fetches) -> Self {
        Self { inner, fetches }
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
                    if let Ok(ClientMessage::FetchMtaSts { domain, id }) =
                        ClientMessage::decode(text.as_str())
                    {
                        if let Err(refusal) = self.fetches.start(domain, id) {
                            self.fetches.refuse(refusal);
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

    use super::super::Settings;
    use super::*;
    use crate::dns::Dns;

    #[tokio::test]
    async fn fetches_refuse_bad_domains_and_more_than_max_at_once() {
        // A DNS server that never answers: fetches stay running until
        // cancelled.
        let silent = tokio::net::UdpSocket::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let dns = Dns::new(
            Some(silent.local_addr().expect("addr")),
            Duration::from_secs(30),
        )
        .expect("resolver");
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
        assert!(matches!(
            third,
            ServerMessage::Error {
                code: ErrorCode::Limit,
                ..
            }
        ));
    }
}
