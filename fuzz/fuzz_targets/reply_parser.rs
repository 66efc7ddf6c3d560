//! The incremental reply parser fed arbitrary server bytes, in chunks whose
//! sizes come from the input: it must never panic, must make progress on
//! every call, and every reply it returns must respect the documented bounds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smtplab_shared::smtp::reply::{MAX_REPLY_BYTES, MAX_REPLY_LINES};
use smtplab_shared::smtp::ReplyParser;

fuzz_target!(|data: &[u8]| {
    let Some((&chunk, bytes)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(chunk).max(1);
    let mut parser = ReplyParser::new();
    let mut calls = 0usize;
    for piece in bytes.chunks(chunk) {
        parser.push(piece);
        loop {
            calls += 1;
            assert!(
                calls <= 2 * bytes.len() + 2 * bytes.len() / chunk + 4,
                "no progress"
            );
            match parser.next_reply() {
                Ok(Some(reply)) => {
                    assert!(!reply.lines.is_empty());
                    assert!(reply.lines.len() <= MAX_REPLY_LINES);
                    let size: usize = reply.lines.iter().map(|l| l.len()).sum();
                    assert!(size <= MAX_REPLY_BYTES);
                    let code = reply.code.as_u16();
                    assert!((200..=599).contains(&code), "{code}");
                }
                Ok(None) => break,
                Err(_) => {}
            }
        }
    }
});
