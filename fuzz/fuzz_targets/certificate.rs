//! The certificate reader (our own DER reader, used for the TLS report
//! instead of x509-parser) on arbitrary bytes, through its public entry
//! `CertInfo::from_der`: no panic, a fingerprint always, and either a
//! "could not read field …" error with nothing else filled in, or dates
//! that format and a days-left count consistent with them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smtplab_shared::tls::CertInfo;

/// An arbitrary "now": 2025-06-01 00:00:00 UTC.
const NOW_UNIX: u64 = 1_748_736_000;

fuzz_target!(|data: &[u8]| {
    let info = CertInfo::from_der(data, Some(NOW_UNIX));
    assert_eq!(info.sha256.len(), 32 * 3 - 1);
    match &info.parse_error {
        Some(error) => {
            assert!(error.starts_with("could not read field "), "{error}");
            assert!(info.subject.is_empty() && info.sans.is_empty() && info.days_left.is_none());
        }
        None => {
            assert!(info.not_before.ends_with(" UTC") && info.not_after.ends_with(" UTC"));
            let days = (info.not_after_unix - NOW_UNIX as i64).div_euclid(86_400);
            assert_eq!(info.days_left, Some(days));
        }
    }
});
