//! The report's DANE check judged on DNSSEC-validated answers (issue 18):
//! BIND ([`smtplab_e2e::bind`]) serves `dane.test`, signed, whose MX are
//! two of the posture lab's listeners: `mx1.dane.test` (127.0.0.2, the
//! certificate of mx1.good.test) with a TLSA `3 1 1` of that certificate's
//! key, which matches (DANE-EE ignores names, RFC 7672 §3.1.1), and
//! `mx2.dane.test` (127.0.0.3) with one matching nothing; with
//! `--dnssec --dnssec-trust-anchor` (its DNSKEYs) the first passes and the
//! second fails, without `--dnssec` neither is judged. `insecure.dane.test`,
//! an unsigned zone delegated without DS, has a matching TLSA that is not
//! judged either: it is provably unsigned. Without BIND these trials print
//! `SKIPPED` (and fail under CI); the others do not need it.

use std::path::PathBuf;

use libtest_mimic::Failed;
use serde_json::Value;
use smtplab_e2e::bind::{self, Named, ZoneFiles};
use smtplab_e2e::posture_lab::{LabMx, BAD_TLSA_HEX};
use smtplab_e2e::PostureLab;

use super::{check_with_dns, expect, result, Rig, Run};

/// The signed zone whose MX are two of the lab's listeners.
const DANE_DOMAIN: &str = "dane.test";
/// An unsigned zone under it, delegated without DS.
const INSECURE_DOMAIN: &str = "insecure.dane.test";

/// `dane.test`, signed, and `insecure.dane.test`, unsigned, served by BIND.
pub(super) struct Zones {
    named: Named,
    /// `dane.test`'s DNSKEYs, for `--dnssec-trust-anchor`.
    anchor: PathBuf,
}

impl Zones {
    /// Writes, signs and serves the zones; the TLSA owner names use the
    /// lab's port.
    pub(super) fn start(lab: &PostureLab) -> Result<Self, String> {
        let port = lab.smtp_port();
        let spki = &lab.certificate(LabMx::Mx1Good).spki_sha256_hex;
        let (mx1, mx2) = (LabMx::Mx1Good.addr(), LabMx::Mx2Good.addr());
        let files = ZoneFiles::new()?;
        let header = bind::zone_header(DANE_DOMAIN);
        files.write(
            "dane.db",
            &format!(
                "{header}ns IN A 127.0.0.1\n\
                 @ IN MX 10 mx1\n\
                 @ IN MX 20 mx2\n\
                 mx1 IN A {mx1}\n\
                 mx2 IN A {mx2}\n\
                 _{port}._tcp.mx1 IN TLSA 3 1 1 {spki}\n\
                 _{port}._tcp.mx2 IN TLSA 3 1 1 {BAD_TLSA_HEX}\n\
                 insecure IN NS ns\n"
            ),
        )?;
        files.sign(DANE_DOMAIN, "dane.db", &[])?;
        files.write(
            "insecure.db",
            &format!(
                "{header}@ IN MX 10 mx1\n\
                 mx1 IN A {mx1}\n\
                 _{port}._tcp.mx1 IN TLSA 3 1 1 {spki}\n"
            ),
        )?;
        let anchor = files.write_anchor(DANE_DOMAIN)?;
        let named = files.serve(&[
            (DANE_DOMAIN, "dane.db.signed"),
            (INSECURE_DOMAIN, "insecure.db"),
        ])?;
        Ok(Self { named, anchor })
    }

    /// `--check dane` and, with `validate`, `--dnssec --dnssec-trust-anchor`.
    fn args(&self, validate: bool) -> Vec<String> {
        let mut args = vec!["--check".to_owned(), "dane".to_owned()];
        if validate {
            args.push("--dnssec".to_owned());
            args.push("--dnssec-trust-anchor".to_owned());
            args.push(self.anchor.to_string_lossy().into_owned());
        }
        args
    }
}

/// The note of `kind`'s cell for `server`.
fn note<'a>(run: &'a Run, kind: &str, server: &str) -> Result<&'a str, Failed> {
    result(run, kind)?["cells"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["server"] == server))
        .and_then(|c| c["note"].as_str())
        .ok_or_else(|| format!("{kind}: no note for {server}: {:#}", run.report).into())
}

/// `kind`'s cell for `server` says `needle`.
fn expect_note(run: &Run, kind: &str, server: &str, needle: &str) -> Result<(), Failed> {
    let note = note(run, kind, server)?;
    if note.contains(needle) {
        Ok(())
    } else {
        Err(format!("{kind} on {server}: {needle:?} not in the note {note:?}").into())
    }
}

/// The evidence line of the TLSA lookup for `host` contains `needle`.
fn expect_tlsa_line(run: &Run, lab: &PostureLab, host: &str, needle: &str) -> Result<(), Failed> {
    let name = format!("DNS: _{}._tcp.{host} TLSA:", lab.smtp_port());
    let lines = result(run, "dane")?["evidence"].clone();
    let line = lines
        .as_array()
        .and_then(|l| {
            l.iter()
                .filter_map(Value::as_str)
                .find(|l| l.starts_with(&name))
        })
        .ok_or_else(|| format!("no {name:?} line in the evidence {lines:#}"))?;
    if line.contains(needle) {
        println!("{line}");
        Ok(())
    } else {
        Err(format!("{needle:?} not in {line:?}").into())
    }
}

/// Runs `--check dane` on `domain` against the BIND zones, with
/// `--dnssec --dnssec-trust-anchor` when `validate`; `None` when BIND is
/// missing and `trial` is skipped.
fn check_dane(rig: &Rig, trial: &str, domain: &str, validate: bool) -> Result<Option<Run>, Failed> {
    let Some(zones) = rig.dane(trial)? else {
        return Ok(None);
    };
    let run = check_with_dns(
        &rig.lab,
        zones.named.addr(),
        domain,
        &zones.args(validate),
        true,
    )?;
    Ok(Some(run))
}

pub(super) fn validated(rig: &Rig) -> Result<(), Failed> {
    let Some(run) = check_dane(rig, "DANE with DNSSEC", DANE_DOMAIN, true)? else {
        return Ok(());
    };
    let lab = &rig.lab;
    let (mx1, mx2) = ("mx1.dane.test", "mx2.dane.test");
    expect(&run, "dane", "fail", &[(mx1, "pass"), (mx2, "fail")])?;
    expect_note(&run, "dane", mx1, "matches the server's certificate")?;
    expect_note(
        &run,
        "dane",
        mx2,
        "none of the 1 usable TLSA records matches",
    )?;
    let spki = &lab.certificate(LabMx::Mx1Good).spki_sha256_hex;
    for (host, data) in [(mx1, spki.as_str()), (mx2, BAD_TLSA_HEX)] {
        expect_tlsa_line(
            &run,
            lab,
            host,
            &format!("3 1 1 {data} [DNSSEC: validated]"),
        )?;
    }
    if run.code != Some(2) {
        return Err(format!("exit {:?}, expected 2 (a failure)", run.code).into());
    }
    Ok(())
}

pub(super) fn not_validated(rig: &Rig) -> Result<(), Failed> {
    let Some(run) = check_dane(rig, "DANE without DNSSEC", DANE_DOMAIN, false)? else {
        return Ok(());
    };
    let lab = &rig.lab;
    let (mx1, mx2) = ("mx1.dane.test", "mx2.dane.test");
    expect(&run, "dane", "warn", &[(mx1, "warn"), (mx2, "warn")])?;
    for host in [mx1, mx2] {
        expect_note(&run, "dane", host, "not judged")?;
        expect_note(&run, "dane", host, "not DNSSEC-validated")?;
        expect_tlsa_line(&run, lab, host, "3 1 1")?;
    }
    // Nothing is claimed about DNSSEC.
    if run.report.to_string().contains("[DNSSEC") {
        return Err("a DNSSEC mark without --dnssec".into());
    }
    if run.code != Some(1) {
        return Err(format!("exit {:?}, expected 1 (a warning)", run.code).into());
    }
    Ok(())
}

pub(super) fn unsigned(rig: &Rig) -> Result<(), Failed> {
    let Some(run) = check_dane(rig, "DANE in an unsigned zone", INSECURE_DOMAIN, true)? else {
        return Ok(());
    };
    let lab = &rig.lab;
    let mx1 = "mx1.insecure.dane.test";
    expect(&run, "dane", "warn", &[(mx1, "warn")])?;
    expect_note(&run, "dane", mx1, "not DNSSEC-signed")?;
    expect_tlsa_line(&run, lab, mx1, "[DNSSEC: unsigned]")?;
    if run.code != Some(1) {
        return Err(format!("exit {:?}, expected 1 (a warning)", run.code).into());
    }
    Ok(())
}
