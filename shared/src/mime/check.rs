//! What the "whole message / .eml" mode reports about a message it will
//! send as is (only CRLF line endings and dot-stuffing are applied).

use serde::{Deserialize, Serialize};

use crate::smtp::wire_size;

/// SMTP's line limit without the CRLF (RFC 5321 §4.5.3.1.6).
const MAX_LINE: usize = 998;

/// The facts about a whole message that decide whether a server will take
/// it: see [`check_whole_message`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct WholeMessageCheck {
    /// The size once line endings are CRLF ([`wire_size`]): what `SIZE=`
    /// declares.
    pub size: u64,
    /// Lines ended by a bare LF (or a bare CR), which are sent as CRLF.
    pub bare_lf_lines: usize,
    /// Lines over 998 octets (line ending not counted), which servers may
    /// refuse or cut.
    pub long_lines: usize,
    /// The longest line's length in octets, line ending not counted.
    pub longest_line: usize,
    /// Whether any octet is over 127 (needs `BODY=8BITMIME` or SMTPUTF8).
    pub eight_bit: bool,
    /// Whether a blank line ends the headers (otherwise it is all headers).
    pub has_body_separator: bool,
}

/// Checks `bytes`, a whole RFC 5322 message in any line endings.
pub fn check_whole_message(bytes: &[u8]) -> WholeMessageCheck {
    let mut check = WholeMessageCheck {
        size: wire_size(bytes),
        eight_bit: bytes.iter().any(|&b| b >= 0x80),
        ..WholeMessageCheck::default()
    };
    let mut start = 0;
    let mut i = 0;
    let line = |len: usize, check: &mut WholeMessageCheck| {
        check.longest_line = check.longest_line.max(len);
        if len > MAX_LINE {
            check.long_lines += 1;
        }
        if len == 0 {
            check.has_body_separator = true;
        }
    };
    while i < bytes.len() {
        match bytes[i] {
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                line(i - start, &mut check);
                i += 2;
                start = i;
                continue;
            }
            b'\r' | b'\n' => {
                line(i - start, &mut check);
                check.bare_lf_lines += 1;
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if start < bytes.len() {
        // The last line, without an ending: never a blank one.
        let len = bytes.len() - start;
        check.longest_line = check.longest_line.max(len);
        if len > MAX_LINE {
            check.long_lines += 1;
        }
    }
    check
}
