//! The EHLO capability parser on every reply the parser makes of arbitrary
//! bytes, and `Extension::parse` on each line: no panic, nothing dropped
//! (one extension per line after the greeting).
#![no_main]

use libfuzzer_sys::fuzz_target;
use smtplab_shared::smtp::{Capabilities, Extension, ReplyParser};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        for line in text.lines() {
            if let Some(ext) = Extension::parse(line) {
                let _ = (ext.keyword().len(), ext.params());
            }
        }
    }
    let mut parser = ReplyParser::new();
    parser.push(data);
    for _ in 0..=data.len() {
        match parser.next_reply() {
            Ok(Some(reply)) => {
                let caps = Capabilities::from_ehlo(&reply);
                let _ = (
                    caps.auth_mechanisms(),
                    caps.max_size(),
                    caps.has("STARTTLS"),
                );
                assert!(caps.extensions.len() < reply.lines.len().max(1) + 1);
            }
            Ok(None) => break,
            Err(_) => {}
        }
    }
});
