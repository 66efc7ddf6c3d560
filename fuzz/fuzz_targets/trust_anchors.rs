//! The trust-anchor list decoder on arbitrary bytes: no panic, and any list
//! it accepts encodes back to exactly the same bytes (the format has one
//! encoding per list).
#![no_main]

use libfuzzer_sys::fuzz_target;
use smtplab_shared::tls::anchors;

fuzz_target!(|data: &[u8]| {
    if let Ok(list) = anchors::decode(data) {
        let again = anchors::encode(&list).expect("a decoded list fits the format");
        assert_eq!(again, data);
    }
});
