//! DNSSEC validation through the bridge (`--dnssec-trust-anchor`), against
//! zones signed and served on loopback by BIND: Debian's `bind9` (named)
//! and `bind9-utils` (dnssec-keygen, dnssec-signzone), which
//! scripts/setup.sh installs for the tests. [`Zones::start`] builds, in a
//! temporary folder:
//!
//! - `signed.test`, signed with a KSK and a ZSK (ECDSA P-256, NSEC): `www`
//!   TXT (secure), `bad` TXT whose text was changed after signing (bogus),
//!   a TLSA record, NXDOMAIN and NODATA proven by NSEC;
//! - `child.signed.test`, signed with its own keys and delegated with a DS
//!   record (secure through the chain from the anchor);
//! - `old.signed.test`, delegated the same way but signed for January 2020
//!   only (expired signatures: bogus);
//! - `plain.signed.test`, unsigned and delegated without DS (insecure, as
//!   the parent's signed NSEC proves).
//!
//! The trust anchor is `signed.test`'s DNSKEYs, as `dig DNSKEY` prints them.
//! Without the BIND programs a trial prints `SKIPPED` and why (straight to
//! stderr, past the test harness's capture) and checks nothing more; under
//! CI (`CI` set), where scripts/setup.sh has installed them, it fails.

use std::net::SocketAddr;
use std::path::PathBuf;

use smtplab_bridge::dns::Validation;
use smtplab_shared::wire::{DnsRecord, ErrorCode, RecordType, ServerMessage};

use super::{binary, bridge, error_code, resolve, session};

// The tests crate's BIND fixture, shared rather than copied; its `pub`
// items are for that crate.
#[allow(unreachable_pub, dead_code)]
#[path = "../../../tests/src/bind.rs"]
mod bind;

/// named serving the test zones on 127.0.0.1 (killed on drop), and the
/// trust anchor: `signed.test`'s DNSKEYs, as `dig DNSKEY` prints them.
struct Zones {
    named: bind::Named,
    anchor: PathBuf,
}

impl Zones {
    /// Signs the zones and starts named; `None` (with `SKIPPED` printed)
    /// when the BIND programs are not installed.
    ///
    /// # Panics
    /// When they are missing under CI, or a step fails.
    fn start() -> Option<Self> {
        if !bind::installed_or_skip("DNSSEC trial") {
            return None;
        }
        let files = bind::ZoneFiles::new().expect("zone folder");
        let soa = bind::zone_header("signed.test");
        let write = |name: &str, text: &str| files.write(name, text).expect("write");

        write("child.db", &format!("{soa}www IN TXT \"child\"\n"));
        files
            .sign("child.signed.test", "child.db", &[])
            .expect("sign child");
        write("old.db", &format!("{soa}www IN TXT \"expired\"\n"));
        // Valid in January 2020 only; -P: no check that it validates now.
        let expired = ["-P", "-s", "20200101000000", "-e", "20200201000000"];
        files
            .sign("old.signed.test", "old.db", &expired)
            .expect("sign old");
        let ds = ["child", "old"]
            .map(|z| files.ds(&format!("{z}.signed.test")).expect("dsset"))
            .concat();
        write(
            "signed.db",
            &format!(
                "{soa}ns IN A 127.0.0.1\n\
                 www IN TXT \"v=spf1 -all\"\n\
                 bad IN TXT \"genuine\"\n\
                 mx IN A 127.0.0.2\n\
                 _25._tcp.mx IN TLSA 3 1 1 abcdef0123456789\n\
                 plain IN NS ns.signed.test.\n\
                 child IN NS ns.signed.test.\n\
                 old IN NS ns.signed.test.\n\
                 {ds}"
            ),
        );
        files
            .sign("signed.test", "signed.db", &[])
            .expect("sign signed.test");
        // Tamper with one record after signing: its RRSIG no longer matches.
        let signed = files.read("signed.db.signed").expect("signed zone");
        let forged = signed.replace("\"genuine\"", "\"forged!\"");
        assert_ne!(forged, signed, "the bad record was not found");
        write("signed.db.signed", &forged);
        write("plain.db", &format!("{soa}www IN TXT \"unsigned\"\n"));

        let anchor = files.write_anchor("signed.test").expect("anchor");
        let named = files
            .serve(&[
                ("signed.test", "signed.db.signed"),
                ("child.signed.test", "child.db.signed"),
                ("old.signed.test", "old.db.signed"),
                ("plain.signed.test", "plain.db"),
            ])
            .expect("named");
        Some(Self { named, anchor })
    }

    /// Where named answers.
    fn addr(&self) -> SocketAddr {
        self.named.addr()
    }
}

fn txt(msg: &ServerMessage) -> (Vec<String>, Option<bool>) {
    match msg {
        ServerMessage::Resolved {
            records,
            authenticated,
            ..
        } => (
            records
                .iter()
                .map(|r| match r {
                    DnsRecord::Txt { text } => text.clone(),
                    other => panic!("expected TXT, got {other:?}"),
                })
                .collect(),
            *authenticated,
        ),
        other => panic!("expected resolved, got {other:?}"),
    }
}

#[tokio::test]
async fn dnssec_marks_signed_answers_authenticated_and_refuses_a_forged_one() {
    let Some(named) = Zones::start() else {
        return;
    };
    let validation = Validation::from_file(&named.anchor).expect("anchor");
    let bridge = bridge(|c| {
        c.dns_server = Some(named.addr());
        c.dnssec = Some(validation);
    })
    .await;
    let mut ws = session(&bridge.addr.to_string()).await;

    let www = resolve(&mut ws, "www.signed.test", RecordType::Txt, Some(1)).await;
    assert_eq!(txt(&www), (vec!["v=spf1 -all".to_owned()], Some(true)));
    let tlsa = resolve(&mut ws, "_25._tcp.mx.signed.test", RecordType::Tlsa, None).await;
    assert!(
        matches!(&tlsa, ServerMessage::Resolved { records, authenticated: Some(true), .. } if records.len() == 1),
        "{tlsa:?}"
    );
    // Secure through the DS in the parent.
    let child = resolve(&mut ws, "www.child.signed.test", RecordType::Txt, None).await;
    assert_eq!(txt(&child), (vec!["child".to_owned()], Some(true)));
    // Unsigned, and provably so.
    let plain = resolve(&mut ws, "www.plain.signed.test", RecordType::Txt, None).await;
    assert_eq!(txt(&plain), (vec!["unsigned".to_owned()], Some(false)));

    // The forged record is refused, with a sentence that says why.
    let bad = resolve(&mut ws, "bad.signed.test", RecordType::Txt, Some(2)).await;
    assert_eq!(error_code(&bad), ErrorCode::Dnssec, "{bad:?}");
    let ServerMessage::Error { message, .. } = &bad else {
        unreachable!("checked above")
    };
    assert!(
        message.contains("bad.signed.test") && message.contains("failed DNSSEC validation"),
        "{message}"
    );
    // So is an answer whose signatures expired.
    let old = resolve(&mut ws, "www.old.signed.test", RecordType::Txt, None).await;
    assert_eq!(error_code(&old), ErrorCode::Dnssec, "{old:?}");

    // Signed denials are still NXDOMAIN and NODATA.
    let nx = resolve(&mut ws, "nothere.signed.test", RecordType::Txt, None).await;
    assert_eq!(error_code(&nx), ErrorCode::Nxdomain, "{nx:?}");
    let nodata = resolve(&mut ws, "mx.signed.test", RecordType::Txt, None).await;
    assert_eq!(error_code(&nodata), ErrorCode::NoRecords, "{nodata:?}");

    // The session goes on, and without --dnssec nothing is said.
    let again = resolve(&mut ws, "www.signed.test", RecordType::Txt, None).await;
    assert_eq!(txt(&again).1, Some(true));
    let plain_bridge = super::bridge(|c| c.dns_server = Some(named.addr())).await;
    let mut ws = session(&plain_bridge.addr.to_string()).await;
    let unvalidated = resolve(&mut ws, "bad.signed.test", RecordType::Txt, None).await;
    assert_eq!(txt(&unvalidated), (vec!["forged!".to_owned()], None));
    let served = resolve(&mut ws, "www.old.signed.test", RecordType::Txt, None).await;
    assert_eq!(txt(&served), (vec!["expired".to_owned()], None));
}

#[tokio::test]
async fn the_binary_validates_with_its_trust_anchor_flag_and_refuses_a_bad_file() {
    let Some(named) = Zones::start() else {
        return;
    };
    let addr = named.addr().to_string();
    let anchor = named.anchor.to_str().expect("utf-8 path");
    let (mut child, authority) = binary(&["--dns", &addr, "--dnssec-trust-anchor", anchor]).await;
    let mut ws = session(&authority).await;
    let www = resolve(&mut ws, "www.signed.test", RecordType::Txt, None).await;
    assert_eq!(txt(&www), (vec!["v=spf1 -all".to_owned()], Some(true)));
    let bad = resolve(&mut ws, "bad.signed.test", RecordType::Txt, None).await;
    assert_eq!(error_code(&bad), ErrorCode::Dnssec, "{bad:?}");
    let _ = child.kill().await;

    // A file that is no DNSKEY list stops the start, saying which file.
    let not_keys = named.anchor.with_file_name("not-keys");
    std::fs::write(&not_keys, "signed.test. IN DS 1 13 2 00ff\n").expect("write");
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_smtplab"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--token",
            super::TOKEN,
            "--no-sandbox",
        ])
        .arg("--dnssec-trust-anchor")
        .arg(&not_keys)
        .env_remove("SMTPLAB_TOKEN")
        .env("SMTPLAB_NO_BROWSER", "1")
        .output()
        .await
        .expect("run smtplab");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("not-keys") && stderr.contains("DS records are not supported"),
        "{stderr}"
    );
}

#[tokio::test]
async fn a_trust_anchor_of_the_key_signing_key_alone_is_not_enough_for_hickory() {
    // hickory-resolver 0.26 trusts a zone's DNSKEY set without asking the
    // parent for a DS only when every key in it is an anchor; with only the
    // KSK it asks for signed.test's DS, which no server here can prove, and
    // the answer is bogus. Documented with --dnssec-trust-anchor.
    let Some(named) = Zones::start() else {
        return;
    };
    let all = std::fs::read_to_string(&named.anchor).expect("anchor");
    let ksk: String = all
        .lines()
        .filter(|l| l.contains("DNSKEY 257 "))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(ksk.lines().count(), 1, "{all}");
    let ksk_only = named.anchor.with_file_name("ksk-only");
    std::fs::write(&ksk_only, ksk).expect("write");
    let validation = Validation::from_file(&ksk_only).expect("anchor");
    let bridge = bridge(|c| {
        c.dns_server = Some(named.addr());
        c.dnssec = Some(validation);
    })
    .await;
    let mut ws = session(&bridge.addr.to_string()).await;
    let www = resolve(&mut ws, "www.signed.test", RecordType::Txt, None).await;
    assert_eq!(error_code(&www), ErrorCode::Dnssec, "{www:?}");
}
