//! Work a session does beside the relay, in both of its phases: a bounded
//! set of tasks whose answers queue for the session to send ([`SideTasks`],
//! [`Answers`]). `resolve` ([`crate::dns::Lookups`]) and `fetch_mta_sts`
//! ([`crate::mta_sts::Fetches`]) each run on one; they differ only in what
//! they check before starting and in what a task does.

use std::future::Future;
use std::sync::Arc;

use smtplab_shared::wire::{ErrorCode, ServerMessage};
use tokio::sync::{mpsc, Semaphore};
use tokio_util::sync::CancellationToken;

/// The tasks of one kind one session has running: at most `max` at once,
/// each with its answer arriving through [`Answers`]. Dropping it (the
/// session ends) cancels those still running, so none outlives its session.
#[derive(Debug)]
pub struct SideTasks {
    /// One permit per task running; a task holds its permit until its
    /// answer is queued, so a client that does not read its answers cannot
    /// start more.
    slots: Arc<Semaphore>,
    /// The permits in all.
    max: usize,
    /// What the tasks are, plural, for the refusal at the limit
    /// ("lookups", "MTA-STS fetches").
    what: &'static str,
    /// Where finished tasks' answers and refusals go.
    tx: mpsc::Sender<ServerMessage>,
    /// Fires when the session ends.
    cancel: CancellationToken,
}

/// The answers of one [`SideTasks`], in the order they finish.
#[derive(Debug)]
pub struct Answers {
    rx: mpsc::Receiver<ServerMessage>,
}

impl SideTasks {
    /// At most `max` (at least one) tasks at once; `what` names them in the
    /// refusal at the limit.
    pub fn new(max: usize, what: &'static str) -> (Self, Answers) {
        let max = max.max(1);
        // Room for every running task's answer plus as many refusals.
        let (tx, rx) = mpsc::channel(max * 2);
        let tasks = Self {
            slots: Arc::new(Semaphore::new(max)),
            max,
            what,
            tx,
            cancel: CancellationToken::new(),
        };
        (tasks, Answers { rx })
    }

    /// Runs `answer` as a task; what it returns comes through [`Answers`].
    ///
    /// # Errors
    /// `error limit`, the refusal to send to the client, when `max` tasks
    /// are already running.
    pub fn spawn<F>(&self, answer: F) -> Result<(), ServerMessage>
    where
        F: Future<Output = ServerMessage> + Send + 'static,
    {
        let Ok(slot) = Arc::clone(&self.slots).try_acquire_owned() else {
            return Err(ServerMessage::error(
                ErrorCode::Limit,
                format!(
                    "this session already has {} {} running; wait for an answer",
                    self.max, self.what
                ),
            ));
        };
        let tx = self.tx.clone();
        let cancel = self.cancel.clone();
        tokio::spawn(async move {
            let answer = tokio::select! {
                () = cancel.cancelled() => return,
                answer = answer => answer,
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

    /// Whether tasks are still running.
    pub fn busy(&self) -> bool {
        self.slots.available_permits() < self.max
    }
}

impl Drop for SideTasks {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

impl Answers {
    /// The next answer; pending while none is ready (forever once the
    /// [`SideTasks`] are gone and drained).
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn pong() -> ServerMessage {
        ServerMessage::error(ErrorCode::Internal, "answer")
    }

    #[tokio::test]
    async fn more_than_max_at_once_is_refused_with_what_they_are() {
        let (tasks, _answers) = SideTasks::new(1, "widgets");
        tasks.spawn(std::future::pending()).expect("room for one");
        assert!(tasks.busy());
        let refusal = tasks
            .spawn(async { pong() })
            .expect_err("a second is refused");
        let ServerMessage::Error { code, message } = refusal else {
            panic!("not an error: {refusal:?}");
        };
        assert_eq!(code, ErrorCode::Limit);
        assert_eq!(
            message,
            "this session already has 1 widgets running; wait for an answer"
        );
    }

    #[tokio::test]
    async fn an_answer_frees_its_slot_and_dropping_cancels_the_rest() {
        let (tasks, mut answers) = SideTasks::new(1, "widgets");
        tasks.spawn(async { pong() }).expect("room for one");
        assert_eq!(answers.next().await, pong());
        // The slot is given back right after the answer is queued.
        tokio::time::timeout(Duration::from_secs(5), async {
            while tasks.busy() {
                tokio::task::yield_now().await;
            }
        })
        .await
        .expect("the slot comes back");

        let (mut watch, held) = tokio::sync::oneshot::channel::<()>();
        tasks
            .spawn(async move {
                // Held by the task until it is cancelled.
                let _held = held;
                std::future::pending().await
            })
            .expect("room again");
        drop(tasks);
        // The task was cancelled, so its end of the channel is dropped.
        tokio::time::timeout(Duration::from_secs(5), watch.closed())
            .await
            .expect("the task is cancelled");
        assert!(answers.try_next().is_none());
    }
}
