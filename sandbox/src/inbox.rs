//! The bounded in-memory store of received messages ([`Inbox`]), the queue
//! ids it hands out, and the bounded pages of it the bridge serves
//! ([`Page`]).

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
/// total cost ([`cost`]): storing one more drops the oldest until both
/// bounds hold. Cheap to clone; every clone sees the same messages.
///
/// The cost of a message is what keeping and serving it takes, not its raw
/// size: bytes that are not UTF-8 are kept as U+FFFD (3 bytes each), and a
/// control byte is served as a 6-byte JSON escape (`\u0001`), so 1 MB of
/// raw bytes can cost 6 MB. The bound counts that, and
/// [`page`](Self::page) serves the inbox a bounded page at a time.
#[derive(Debug, Clone)]
pub struct Inbox {
    /// A std (not tokio) mutex: it is held only to push, evict or copy,
    /// never across an `.await`, so it cannot block the runtime for long.
    shared: Arc<Mutex<Store>>,
}

#[derive(Debug)]
struct Store {
    /// The kept messages with their costs, oldest first.
    messages: VecDeque<Kept>,
    /// Sum of `cost` over `messages`.
    total_cost: usize,
    /// The id of the last message stored (ids start at 1).
    last_id: u64,
    max_messages: usize,
    max_total_bytes: usize,
}

/// A kept message, what it costs ([`cost`]) and what serving it takes.
#[derive(Debug)]
struct Kept {
    message: StoredMessage,
    /// The length of its JSON, for page budgets.
    json: usize,
    /// `json` plus the overhead of its containers, for the total bound.
    cost: usize,
}

/// Messages in a page when the request names no `limit`: the default
/// inbox's whole count, so the newest page is all of it unless the bytes
/// run out first ([`MAX_PAGE_BYTES`]).
pub const DEFAULT_PAGE_MESSAGES: usize = 100;

/// The most messages one page lists, whatever `limit` asks.
pub const MAX_PAGE_MESSAGES: usize = 1000;

/// The JSON bytes of the messages in one page: a page ends before the
/// message that would cross it, except that a page always lists at least
/// one message (else one large message could never be read). A response is
/// thus at most this or one message's JSON (up to ~6 × the largest message
/// accepted), plus a few bytes of paging fields.
pub const MAX_PAGE_BYTES: usize = 4 * 1024 * 1024;

/// Bytes counted for each string or list entry of a message besides its
/// text: the `String` and `Vec` headers and the allocator's share, so that
/// 1 MB of one-letter header fields (300 000 fields) costs what it takes.
const ENTRY_OVERHEAD: usize = 64;

/// One page of the inbox, newest first: what `GET /sandbox/messages`
/// serves (see [`Inbox::page`]); the shared wire type the tab reads,
/// `{"total":…,"messages":[…],"next_before":…}` (`Page::to_json`).
pub use smtplab_shared::wire::sandbox::InboxPage as Page;

impl Inbox {
    /// An empty inbox keeping at most `max_messages` messages costing at
    /// most `max_total_bytes` together (both at least 1; see [`cost`]).
    pub fn new(max_messages: usize, max_total_bytes: usize) -> Self {
        Self {
            shared: Arc::new(Mutex::new(Store {
                messages: VecDeque::new(),
                total_cost: 0,
                last_id: 0,
                max_messages: max_messages.max(1),
                max_total_bytes: max_total_bytes.max(1),
            })),
        }
    }

    /// A copy of the kept messages, oldest first.
    pub fn list(&self) -> Vec<StoredMessage> {
        self.lock()
            .messages
            .iter()
            .map(|k| k.message.clone())
            .collect()
    }

    /// The number of kept messages.
    pub fn len(&self) -> usize {
        self.lock().messages.len()
    }

    /// Whether no message is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// What the kept messages cost together ([`cost`]); at most the
    /// inbox's `max_total_bytes` unless one message alone costs more.
    pub fn total_cost(&self) -> usize {
        self.lock().total_cost
    }

    /// The kept message with this queue id, if it is still kept.
    pub fn get(&self, queue_id: &str) -> Option<StoredMessage> {
        self.lock()
            .messages
            .iter()
            .find(|k| k.message.queue_id == queue_id)
            .map(|k| k.message.clone())
    }

    /// Drops every kept message (ids keep counting up).
    pub fn clear(&self) {
        let mut store = self.lock();
        store.messages.clear();
        store.total_cost = 0;
    }

    /// One page of the inbox, newest first: the messages with an id below
    /// `before` (all when `None`), at most `limit` of them (clamped to
    /// 1..=[`MAX_PAGE_MESSAGES`]) and at most [`MAX_PAGE_BYTES`] of JSON
    /// (but at least one message). Ids never change, so paging with
    /// `next_before` neither skips nor repeats a message while new ones
    /// arrive.
    pub fn page(&self, before: Option<u64>, limit: usize) -> Page {
        let limit = limit.clamp(1, MAX_PAGE_MESSAGES);
        let store = self.lock();
        let mut older = store
            .messages
            .iter()
            .rev()
            .filter(|k| before.is_none_or(|b| k.message.id < b))
            .peekable();
        let mut messages = Vec::new();
        let mut bytes = 0usize;
        while let Some(next) = older.peek() {
            // The message and its comma.
            let json = next.json + 1;
            if messages.len() >= limit
                || (!messages.is_empty() && bytes.saturating_add(json) > MAX_PAGE_BYTES)
            {
                break;
            }
            bytes = bytes.saturating_add(json);
            messages.push(next.message.clone());
            older.next();
        }
        let next_before = match older.peek() {
            Some(_) => messages.last().map(|m: &StoredMessage| m.id),
            None => None,
        };
        Page {
            total: u64::try_from(store.messages.len()).unwrap_or(u64::MAX),
            messages,
            next_before,
        }
    }

    /// Stores a message and returns its queue id. The caller has already
    /// refused anything over the per-message limit; a message costing more
    /// than the total bound is still stored (alone) so that a `250` never
    /// lies.
    pub(crate) fn store(&self, envelope: Envelope, raw: &[u8], received_at_unix_ms: u64) -> String {
        let (headers, body) = message::split(raw);
        let mut message = StoredMessage {
            id: 0,
            queue_id: String::new(),
            received_at_unix_ms,
            helo: envelope.helo,
            mail_from: envelope.mail_from,
            rcpt_to: envelope.rcpt_to,
            authenticated_as: envelope.authenticated_as,
            size: u64::try_from(raw.len()).unwrap_or(u64::MAX),
            headers,
            body,
        };
        let mut store = self.lock();
        store.last_id += 1;
        message.id = store.last_id;
        message.queue_id = queue_id(message.id);
        let queue_id = message.queue_id.clone();
        let json = json_len(&message);
        let cost = cost_of(&message, json);
        while !store.messages.is_empty()
            && (store.messages.len() >= store.max_messages
                || store.total_cost.saturating_add(cost) > store.max_total_bytes)
        {
            if let Some(old) = store.messages.pop_front() {
                store.total_cost -= old.cost;
            }
        }
        store.total_cost += cost;
        store.messages.push_back(Kept {
            message,
            json,
            cost,
        });
        queue_id
    }

    fn lock(&self) -> MutexGuard<'_, Store> {
        // A panic while holding the lock cannot leave the store half-updated
        // in a way that matters (at worst a count is off), so keep serving.
        self.shared.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// What keeping and serving `message` costs, in bytes: the length of its
/// JSON (which is at least the length of every string it keeps, as
/// serving escapes but never shortens them) plus [`ENTRY_OVERHEAD`] per
/// header field and recipient.
pub fn cost(message: &StoredMessage) -> usize {
    cost_of(message, json_len(message))
}

fn cost_of(message: &StoredMessage, json_len: usize) -> usize {
    let entries = message.headers.len() + message.rcpt_to.len();
    json_len.saturating_add(entries.saturating_mul(ENTRY_OVERHEAD))
}

/// The length of `message`'s JSON, counted without building it.
fn json_len(message: &StoredMessage) -> usize {
    let mut counter = ByteCounter(0);
    // Writing into a counter cannot fail; a failure would only undercount.
    let _ = serde_json::to_writer(&mut counter, message);
    counter.0
}

/// Counts the bytes written to it and keeps none.
struct ByteCounter(usize);

impl std::io::Write for ByteCounter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 = self.0.saturating_add(buf.len());
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
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
        let probe = Inbox::new(10, usize::MAX);
        probe.store(envelope(), b"12345", 0);
        let one = probe.total_cost();
        // Room for two such messages, not three.
        let inbox = Inbox::new(100, 2 * one + one / 2);
        inbox.store(envelope(), b"12345", 0);
        inbox.store(envelope(), b"12345", 0);
        inbox.store(envelope(), b"123", 0);
        let sizes: Vec<u64> = inbox.list().iter().map(|m| m.size).collect();
        assert_eq!(sizes, vec![5, 3]);
        assert!(inbox.total_cost() <= 2 * one + one / 2);
        // Costing more than the whole bound: kept alone.
        inbox.store(envelope(), "x".repeat(10 * one).as_bytes(), 0);
        assert_eq!(inbox.len(), 1);
    }

    #[test]
    fn json_lists_envelope_headers_and_body() {
        let inbox = Inbox::new(10, 1 << 20);
        let qid = inbox.store(envelope(), b"Subject: hi\r\n\r\nbody\r\n", 42);
        let page = inbox.page(None, DEFAULT_PAGE_MESSAGES);
        let json: serde_json::Value = serde_json::from_str(&page.to_json()).expect("json");
        assert_eq!(json["total"], 1);
        assert!(json["next_before"].is_null());
        let m = &json["messages"][0];
        assert_eq!(m["queue_id"], qid);
        assert_eq!(m["received_at_unix_ms"], 42);
        assert_eq!(m["rcpt_to"][0], "c@d");
        assert_eq!(m["headers"][0][0], "Subject");
        assert_eq!(m["headers"][0][1], "hi");
        assert_eq!(m["body"], "body\r\n");
        assert!(m["authenticated_as"].is_null());
        assert_eq!(
            inbox
                .get(&qid)
                .and_then(|m| m.header("subject").map(str::to_owned)),
            Some("hi".to_owned())
        );
    }

    #[test]
    fn pages_go_newest_first_and_follow_next_before_without_gaps() {
        let inbox = Inbox::new(100, 1 << 20);
        for i in 0..7 {
            inbox.store(envelope(), format!("S: {i}\r\n\r\nx").as_bytes(), 0);
        }
        let ids = |p: &Page| p.messages.iter().map(|m| m.id).collect::<Vec<_>>();
        let first = inbox.page(None, 3);
        assert_eq!(
            (first.total, ids(&first), first.next_before),
            (7, vec![7, 6, 5], Some(5))
        );
        // A message arriving between two reads does not shift the next page.
        inbox.store(envelope(), b"S: late\r\n\r\nx", 0);
        let second = inbox.page(first.next_before, 3);
        assert_eq!(
            (second.total, ids(&second), second.next_before),
            (8, vec![4, 3, 2], Some(2))
        );
        let last = inbox.page(second.next_before, 3);
        assert_eq!((ids(&last), last.next_before), (vec![1], None));
        assert!(inbox.page(Some(1), 3).messages.is_empty());
        // The limit is clamped: 0 still lists one, a huge one at most the maximum.
        assert_eq!(inbox.page(None, 0).messages.len(), 1);
        assert_eq!(inbox.page(None, usize::MAX).messages.len(), 8);
    }

    /// The attack of issue 16: 1 MB messages of control bytes (a 6-byte
    /// JSON escape each) and of invalid UTF-8 (3 bytes of U+FFFD each).
    #[test]
    fn hostile_bytes_are_bounded_in_what_is_stored_and_what_is_served() {
        const MB: usize = 1 << 20;
        let bound = 32 * MB;
        let inbox = Inbox::new(100, bound);
        let control = vec![0x01u8; MB];
        let invalid = vec![0xffu8; MB];
        let header_spam = "a:\n".repeat(MB / 3);
        for i in 0..15 {
            let raw: &[u8] = match i % 3 {
                0 => &control,
                1 => &invalid,
                _ => header_spam.as_bytes(),
            };
            inbox.store(envelope(), raw, 0);
            assert!(
                inbox.total_cost() <= bound,
                "after {i}: {}",
                inbox.total_cost()
            );
        }
        // What is kept, counted as stored (strings) and as served (JSON).
        let kept = inbox.list();
        let stored: usize = kept
            .iter()
            .map(|m| {
                m.body.len()
                    + m.headers
                        .iter()
                        .map(|(n, v)| n.len() + v.len() + ENTRY_OVERHEAD)
                        .sum::<usize>()
            })
            .sum();
        let json: usize = kept
            .iter()
            .map(|m| serde_json::to_string(m).expect("json").len())
            .sum();
        assert!(
            stored <= bound && json <= bound,
            "stored {stored}, json {json}"
        );
        assert!(kept.len() < 15 && !kept.is_empty());
        // Served a bounded page at a time, newest first, every kept message once.
        let mut seen = Vec::new();
        let mut before = None;
        loop {
            let page = inbox.page(before, DEFAULT_PAGE_MESSAGES);
            assert_eq!(usize::try_from(page.total), Ok(kept.len()));
            let body = page.to_json();
            assert!(
                body.len() <= MAX_PAGE_BYTES + 100 || page.messages.len() == 1,
                "{} bytes in {} messages",
                body.len(),
                page.messages.len()
            );
            assert!(body.len() <= 7 * MB, "one message is at most ~6 MB of JSON");
            seen.extend(page.messages.iter().map(|m| m.id));
            match page.next_before {
                Some(b) => before = Some(b),
                None => break,
            }
        }
        let mut newest_first: Vec<u64> = kept.iter().map(|m| m.id).collect();
        newest_first.reverse();
        assert_eq!(seen, newest_first);
    }
}
