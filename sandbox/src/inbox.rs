//! The bounded in-memory store of received messages ([`Inbox`]), the queue
//! ids it hands out, and its JSON rendering for the bridge.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::message::{self, StoredMessage};

/// The envelope of a message about to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Envelope {
    /// The client's EHLO/HELO name.
    pub(crate) helo: String,
    /// `MAIL FROM` address (empty for `<>`).
    pub(crate) mail_from: String,
    /// `RCPT TO` addresses.
    pub(crate) rcpt_to: Vec<String>,
    /// Who the client logged in as.
    pub(crate) authenticated_as: Option<String>,
}

/// The messages the sandbox received, oldest first, bounded by count and by
/// total size: storing one more drops the oldest until both bounds hold.
/// Cheap to clone; every clone sees the same messages.
#[derive(Debug, Clone)]
pub struct Inbox {
    /// A std (not tokio) mutex: it is held only to push, evict or copy,
    /// never across an `.await`, so it cannot block the runtime for long.
    shared: Arc<Mutex<Store>>,
}

#[derive(Debug)]
struct Store {
    messages: VecDeque<StoredMessage>,
    /// Sum of `size` over `messages`.
    total_bytes: usize,
    /// The id of the last message stored (ids start at 1).
    last_id: u64,
    max_messages: usize,
    max_total_bytes: usize,
}

impl Inbox {
    /// An empty inbox keeping at most `max_messages` messages of at most
    /// `max_total_bytes` bytes together (both at least 1).
    pub fn new(max_messages: usize, max_total_bytes: usize) -> Self {
        Self {
            shared: Arc::new(Mutex::new(Store {
                messages: VecDeque::new(),
                total_bytes: 0,
                last_id: 0,
                max_messages: max_messages.max(1),
                max_total_bytes: max_total_bytes.max(1),
            })),
        }
    }

    /// A copy of the kept messages, oldest first.
    pub fn list(&self) -> Vec<StoredMessage> {
        self.lock().messages.iter().cloned().collect()
    }

    /// The number of kept messages.
    pub fn len(&self) -> usize {
        self.lock().messages.len()
    }

    /// Whether no message is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The kept message with this queue id, if it is still kept.
    pub fn get(&self, queue_id: &str) -> Option<StoredMessage> {
        self.lock()
            .messages
            .iter()
            .find(|m| m.queue_id == queue_id)
            .cloned()
    }

    /// Drops every kept message (ids keep counting up).
    pub fn clear(&self) {
        let mut store = self.lock();
        store.messages.clear();
        store.total_bytes = 0;
    }

    /// The kept messages as a JSON array, oldest first: what the bridge
    /// serves at `GET /sandbox/messages`.
    pub fn to_json(&self) -> String {
        messages_json(&self.list())
    }

    /// Stores a message and returns its queue id. The caller has already
    /// refused anything over the per-message limit; a message larger than
    /// the total bound is still stored (alone) so that a `250` never lies.
    pub(crate) fn store(&self, envelope: Envelope, raw: &[u8], received_at_unix_ms: u64) -> String {
        let (headers, body) = message::split(raw);
        let mut store = self.lock();
        store.last_id += 1;
        let id = store.last_id;
        let queue_id = queue_id(id);
        let size = raw.len();
        while !store.messages.is_empty()
            && (store.messages.len() >= store.max_messages
                || store.total_bytes.saturating_add(size) > store.max_total_bytes)
        {
            if let Some(old) = store.messages.pop_front() {
                store.total_bytes -= old.size;
            }
        }
        store.total_bytes += size;
        store.messages.push_back(StoredMessage {
            id,
            queue_id: queue_id.clone(),
            received_at_unix_ms,
            helo: envelope.helo,
            mail_from: envelope.mail_from,
            rcpt_to: envelope.rcpt_to,
            authenticated_as: envelope.authenticated_as,
            size,
            headers,
            body,
        });
        queue_id
    }

    fn lock(&self) -> MutexGuard<'_, Store> {
        // A panic while holding the lock cannot leave the store half-updated
        // in a way that matters (at worst a count is off), so keep serving.
        self.shared.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Renders messages as a JSON array of [`StoredMessage`] objects. Headers
/// are `[name, value]` pairs.
pub fn messages_json(messages: &[StoredMessage]) -> String {
    serde_json::to_string(messages).unwrap_or_else(|_| "[]".to_owned())
}

/// `SBX` and the id, zero-padded to six digits (more when it outgrows them).
fn queue_id(id: u64) -> String {
    format!("SBX{id:06}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope() -> Envelope {
        Envelope {
            helo: "client".into(),
            mail_from: "a@b".into(),
            rcpt_to: vec!["c@d".into()],
            authenticated_as: None,
        }
    }

    #[test]
    fn count_bound_evicts_the_oldest() {
        let inbox = Inbox::new(3, 1 << 20);
        let ids: Vec<String> = (0..5)
            .map(|i| inbox.store(envelope(), format!("S: {i}\r\n\r\nx").as_bytes(), 0))
            .collect();
        assert_eq!(ids[0], "SBX000001");
        let kept: Vec<String> = inbox.list().into_iter().map(|m| m.queue_id).collect();
        assert_eq!(kept, ids[2..].to_vec());
    }

    #[test]
    fn total_bound_evicts_until_the_new_message_fits() {
        let inbox = Inbox::new(100, 10);
        inbox.store(envelope(), b"12345", 0);
        inbox.store(envelope(), b"12345", 0);
        inbox.store(envelope(), b"123", 0);
        let sizes: Vec<usize> = inbox.list().iter().map(|m| m.size).collect();
        assert_eq!(sizes, vec![5, 3]);
        // Larger than the whole bound: kept alone.
        inbox.store(envelope(), b"123456789012", 0);
        assert_eq!(inbox.len(), 1);
    }

    #[test]
    fn json_lists_envelope_headers_and_body() {
        let inbox = Inbox::new(10, 1 << 20);
        let qid = inbox.store(envelope(), b"Subject: hi\r\n\r\nbody\r\n", 42);
        let json: serde_json::Value = serde_json::from_str(&inbox.to_json()).expect("json");
        assert_eq!(json[0]["queue_id"], qid);
        assert_eq!(json[0]["received_at_unix_ms"], 42);
        assert_eq!(json[0]["rcpt_to"][0], "c@d");
        assert_eq!(json[0]["headers"][0][0], "Subject");
        assert_eq!(json[0]["headers"][0][1], "hi");
        assert_eq!(json[0]["body"], "body\r\n");
        assert!(json[0]["authenticated_as"].is_null());
        assert_eq!(
            inbox
                .get(&qid)
                .and_then(|m| m.header("subject").map(str::to_owned)),
            Some("hi".to_owned())
        );
    }
}
