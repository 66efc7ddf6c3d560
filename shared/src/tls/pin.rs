//! "Trust exactly this certificate": SHA-256 pins of the server's own
//! certificate, given in the CA field next to (or instead of) pasted CA
//! certificates.
//!
//! A pin is a line of the pasted text, outside any PEM block, in one of the
//! forms people copy: the report's fingerprint (`AB:CD:…`, 32 bytes), the
//! same after `sha256` / `sha-256` / `SHA256 Fingerprint=` (what
//! `openssl x509 -fingerprint -sha256` prints), with or without colons, in
//! either case. Every pasted certificate is pinned too, so a self-signed
//! certificate pasted as "the CA" verifies even when webpki would refuse it
//! as a CA (a CA certificate used as the server's own: `openssl req -x509`'s
//! default `CA:TRUE`).
//!
//! A pinned certificate is trusted as it is, like a DANE-EE record (RFC 7671
//! §5.1): its issuer, CA flag, names and dates are not checked (the
//! handshake signature still is). The report names the pin
//! (`TlsReport::pinned_sha256`).

use sha2::{Digest, Sha256};

/// SHA-256 of `der` as `AB:CD:…` (upper-case, colon-separated, as OpenSSL
/// prints it and as the report shows it).
pub fn fingerprint(der: &[u8]) -> String {
    colon_hex(&Sha256::digest(der))
}

/// Bytes as `AB:CD:…`.
pub(crate) fn colon_hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// A line labelled `sha256` whose value is not 32 bytes of hex.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: a SHA-256 pin needs 32 bytes of hex (64 hex digits, colons allowed), found {value:?}")]
pub struct BadPin {
    /// The line number, from 1.
    pub line: usize,
    /// What followed the label.
    pub value: String,
}

/// The SHA-256 pins in pasted CA-field text, each as `AB:CD:…`.
///
/// # Errors
/// [`BadPin`] for a line labelled `sha256` whose value is not 32 bytes of
/// hex (the TLS set-up reports it as a bad CA text).
pub fn pin_lines(text: &str) -> Result<Vec<String>, BadPin> {
    let mut pins = Vec::new();
    let mut in_block = false;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.starts_with("-----BEGIN ") {
            in_block = true;
            continue;
        }
        if line.starts_with("-----END ") {
            in_block = false;
            continue;
        }
        if in_block || line.is_empty() {
            continue;
        }
        let lower = line.to_ascii_lowercase();
        let labelled = ["sha256", "sha-256"]
            .iter()
            .find_map(|label| lower.strip_prefix(label));
        let value = match labelled {
            Some(rest) => {
                let rest = rest.trim_start();
                let rest = rest.strip_prefix("fingerprint").unwrap_or(rest);
                rest.trim_start_matches(|c: char| c == '=' || c == ':' || c.is_whitespace())
            }
            None => lower.as_str(),
        };
        match parse_hex(value) {
            Some(bytes) => pins.push(colon_hex(&bytes)),
            None if labelled.is_some() => {
                return Err(BadPin {
                    line: n + 1,
                    value: value.to_owned(),
                })
            }
            // Other text (a note, a label) is ignored, as around PEM blocks.
            None => {}
        }
    }
    Ok(pins)
}

/// 32 bytes from hex digits, with or without colons between the pairs.
fn parse_hex(value: &str) -> Option<[u8; 32]> {
    let digits: String = value.chars().filter(|c| *c != ':').collect();
    if digits.len() != 64 || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    if value.contains(':') && value.split(':').any(|pair| pair.len() != 2) {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&digits[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn pins_are_read_in_the_forms_people_copy() {
        let sha = fingerprint(b"abc");
        let plain = sha.replace(':', "").to_ascii_lowercase();
        for line in [
            sha.clone(),
            format!("sha256 {sha}"),
            format!("SHA256 Fingerprint={sha}"),
            format!("sha-256: {plain}"),
            format!("  sha256:{plain}  "),
        ] {
            assert_eq!(pin_lines(&line), Ok(vec![sha.clone()]), "{line}");
        }
        assert_eq!(pin_lines("my CA:\n"), Ok(Vec::new()));
        assert!(pin_lines("sha256 ABCD").is_err());
        // Base64 inside a PEM block is never taken for a pin.
        let block =
            format!("-----BEGIN CERTIFICATE-----\nsha256{plain}\n-----END CERTIFICATE-----\n");
        assert_eq!(pin_lines(&block), Ok(Vec::new()));
    }
}
