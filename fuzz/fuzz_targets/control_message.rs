//! The bridge's control-message decoder on arbitrary text: typed errors
//! only, the size bound enforced, and whatever decodes re-encodes to a
//! message that decodes to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smtplab_shared::wire::{ClientMessage, ServerMessage, MAX_CONTROL_BYTES};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match ClientMessage::decode(&text) {
        Ok(msg) => {
            assert!(text.len() <= MAX_CONTROL_BYTES);
            let again = ClientMessage::decode(&msg.encode()).expect("re-encoded message decodes");
            assert_eq!(again, msg);
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
    if let Ok(msg) = ServerMessage::decode(&text) {
        let _ = msg.encode();
    }
});
