//! `smtplab check DOMAIN`'s domain report against the posture lab
//! (tests/src/posture_lab.rs): real DNS answers from dnsmasq, a real HTTPS
//! MTA-STS policy server and real STARTTLS handshakes with Postfix on four
//! loopback addresses. `good.test` passes every DNS check and its second MX
//! warns (its certificate expires in 10 days); `bad.test` fails SPF (two
//! records), MTA-STS (no MX in the policy), reverse DNS and TLS (a name
//! mismatch and a self-signed certificate), and warns for DMARC (`p=none`)
//! and TLS-RPT (none). Without a DNSSEC-validating resolver DANE is shown,
//! not judged. Each trial prints the time the whole report took.
//!
//! DANE judged on DNSSEC-validated answers from BIND: [`dane`].

#[path = "cli_report/dane.rs"]
mod dane;

use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::Instant;

use libtest_mimic::Failed;
use serde_json::Value;
use smtplab_e2e::bind;
use smtplab_e2e::posture_lab::{LabMx, BAD_DOMAIN, GOOD_DOMAIN, NOMAIL_DOMAIN};
use smtplab_e2e::trials::run_with_rig;
use smtplab_e2e::PostureLab;

fn main() {
    run_with_rig(
        "posture lab",
        Rig::start,
        &[
            (
                "a_good_domain_passes_its_dns_checks_and_warns_for_a_certificate_expiring_in_10_days",
                good_domain,
            ),
            ("a_bad_domain_fails_each_check_with_its_evidence", bad_domain),
            (
                "the_default_domain_run_prints_the_grid_and_the_report_as_json",
                default_run,
            ),
            ("a_domain_without_mail_fails_the_per_mx_checks", no_mail),
            (
                "dane_passes_and_fails_on_a_dnssec_validated_tlsa",
                dane::validated,
            ),
            (
                "dane_is_not_judged_without_dnssec_validation",
                dane::not_validated,
            ),
            (
                "dane_is_not_judged_on_a_tlsa_in_an_unsigned_zone",
                dane::unsigned,
            ),
        ],
    )
}

/// The lab, and BIND serving the DANE zones.
struct Rig {
    lab: PostureLab,
    /// Only the DANE trials need it: `Err` says why it is not there (BIND
    /// missing, or it did not start), and the other trials run anyway.
    dane: Result<dane::Zones, String>,
}

impl Rig {
    fn start() -> Result<Self, String> {
        let lab = PostureLab::start().map_err(|e| e.to_string())?;
        let dane = match bind::missing() {
            Some(reason) => Err(reason),
            None => dane::Zones::start(&lab),
        };
        Ok(Self { lab, dane })
    }

    /// The DANE zones; `None` when the trial is skipped (BIND missing,
    /// outside CI).
    fn dane(&self, trial: &str) -> Result<Option<&dane::Zones>, Failed> {
        if !bind::installed_or_skip(trial) {
            return Ok(None);
        }
        self.dane.as_ref().map(Some).map_err(|e| e.as_str().into())
    }
}

/// The report's checks with their CLI names, all but the blocklists.
const REPORT: [&str; 7] = [
    "spf",
    "dmarc",
    "mta-sts",
    "tls-rpt",
    "dane",
    "reverse-dns",
    "mx-tls",
];

/// What one run gave: the exit code, the JSON report and stderr.
struct Run {
    code: Option<i32>,
    report: Value,
    text: String,
}

/// `smtplab check DOMAIN ARGS` against the lab, `--json` unless `text`.
fn check(lab: &PostureLab, domain: &str, args: &[&str], json: bool) -> Result<Run, Failed> {
    check_with_dns(lab, lab.dns_addr(), domain, args, json)
}

/// [`check`], asking `dns` instead of the lab's dnsmasq.
fn check_with_dns<S: AsRef<str>>(
    lab: &PostureLab,
    dns: SocketAddr,
    domain: &str,
    args: &[S],
    json: bool,
) -> Result<Run, Failed> {
    let args: Vec<&str> = args.iter().map(AsRef::as_ref).collect();
    let binary = smtplab_e2e::bridge_process::binary().map_err(|e| e.to_string())?;
    let mut command = Command::new(binary);
    command
        .arg("check")
        .arg(domain)
        .args(["--port", &lab.smtp_port().to_string()])
        .args(["--dns", &dns.to_string()])
        .args(["--mta-sts-port", &lab.https_port().to_string()])
        .args(["--tls-ca-path", &lab.ca_pem_path().to_string_lossy()])
        .args(["--ehlo", "report.smtplab.test", "--timeout", "10"])
        .args(&args)
        .stdin(Stdio::null());
    if json {
        command.arg("--json");
    }
    let started = Instant::now();
    let out = command
        .output()
        .map_err(|e| format!("run smtplab check: {e}"))?;
    println!(
        "smtplab check {domain} {}: {:.0} ms",
        args.join(" "),
        started.elapsed().as_secs_f64() * 1000.0
    );
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let report = if json {
        serde_json::from_str(&stdout).map_err(|e| format!("not JSON ({e}):\n{stdout}\n{stderr}"))?
    } else {
        Value::Null
    };
    Ok(Run {
        code: out.status.code(),
        report,
        text: format!("{stdout}\n{stderr}"),
    })
}

fn report_args() -> Vec<&'static str> {
    REPORT.iter().flat_map(|k| ["--check", *k]).collect()
}

/// The result of check `kind` (serde name).
fn result<'a>(run: &'a Run, kind: &str) -> Result<&'a Value, Failed> {
    run.report["results"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["kind"] == kind))
        .ok_or_else(|| format!("no {kind} result in:\n{:#}", run.report).into())
}

/// Check `kind`'s verdict is `want`, and each `(server, verdict)` cell.
fn expect(run: &Run, kind: &str, want: &str, cells: &[(&str, &str)]) -> Result<(), Failed> {
    let r = result(run, kind)?;
    if r["verdict"] != want {
        return Err(format!("{kind}: expected {want}, got {:#}", r).into());
    }
    for (server, verdict) in cells {
        let cell = r["cells"]
            .as_array()
            .and_then(|c| c.iter().find(|c| c["server"] == *server))
            .ok_or_else(|| format!("{kind}: no cell for {server}: {:#}", r))?;
        if cell["verdict"] != *verdict {
            return Err(format!("{kind} on {server}: expected {verdict}, got {:#}", cell).into());
        }
    }
    println!("{kind}: {want} {cells:?} — {}", r["summary"]);
    Ok(())
}

/// Some line of `kind`'s evidence contains `needle`.
fn expect_evidence(run: &Run, kind: &str, needle: &str) -> Result<(), Failed> {
    let r = result(run, kind)?;
    let found = r["evidence"].as_array().is_some_and(|lines| {
        lines
            .iter()
            .any(|l| l.as_str().is_some_and(|l| l.contains(needle)))
    });
    if found {
        Ok(())
    } else {
        Err(format!("{kind}: {needle:?} not in the evidence {:#}", r["evidence"]).into())
    }
}

fn good_domain(rig: &Rig) -> Result<(), Failed> {
    let lab = &rig.lab;
    let run = check(lab, GOOD_DOMAIN, &report_args(), true)?;
    let (mx1, mx2) = (LabMx::Mx1Good.host(), LabMx::Mx2Good.host());
    for kind in ["spf", "dmarc", "tls_rpt"] {
        expect(&run, kind, "pass", &[])?;
    }
    expect(&run, "mta_sts", "pass", &[(mx1, "pass"), (mx2, "pass")])?;
    expect(&run, "mx_tls", "warn", &[(mx1, "pass"), (mx2, "warn")])?;
    expect(&run, "dane", "warn", &[(mx1, "warn"), (mx2, "warn")])?;
    let tls = result(&run, "mx_tls")?;
    if !tls.to_string().contains("expires in 10 days")
        && !tls.to_string().contains("expires in 9 days")
    {
        return Err(format!("the expiry is not told: {tls:#}").into());
    }
    expect_evidence(&run, "mx_tls", "C: STARTTLS")?;
    expect_evidence(&run, "mta_sts", "mode: enforce")?;
    expect_evidence(&run, "dane", "[DNSSEC").or_else(|_| {
        // Without --dnssec the TLSA line carries no DNSSEC mark; the
        // finding says why DANE was not judged.
        expect_evidence(&run, "dane", "._tcp.mx1.good.test TLSA: ")
    })?;
    if !result(&run, "dane")?
        .to_string()
        .contains("not DNSSEC-validated")
    {
        return Err("DANE does not say it was not judged".into());
    }
    expect(&run, "reverse_dns", "pass", &[(mx1, "pass"), (mx2, "pass")])?;
    if run.code != Some(1) {
        return Err(format!("exit {:?}, expected 1 (a warning)", run.code).into());
    }
    Ok(())
}

fn bad_domain(rig: &Rig) -> Result<(), Failed> {
    let lab = &rig.lab;
    let run = check(lab, BAD_DOMAIN, &report_args(), true)?;
    let (mx1, mx2) = (LabMx::Mx1Bad.host(), LabMx::Mx2Bad.host());
    expect(&run, "spf", "fail", &[])?;
    expect(&run, "dmarc", "warn", &[])?;
    expect(&run, "tls_rpt", "warn", &[])?;
    expect(&run, "mta_sts", "fail", &[(mx1, "fail"), (mx2, "fail")])?;
    expect(&run, "mx_tls", "fail", &[(mx1, "fail"), (mx2, "fail")])?;
    expect_evidence(&run, "spf", "v=spf1 +all")?;
    expect_evidence(&run, "dmarc", "p=none")?;
    expect_evidence(&run, "mx_tls", "C: STARTTLS")?;
    let tls = result(&run, "mx_tls")?.to_string();
    for needle in ["elsewhere.test", "self-signed"] {
        if !tls.to_lowercase().contains(needle) {
            return Err(format!("{needle:?} not in the TLS result: {tls}").into());
        }
    }
    expect(&run, "reverse_dns", "fail", &[(mx1, "warn"), (mx2, "fail")])?;
    expect_evidence(&run, "reverse_dns", "host.elsewhere.test")?;
    if run.code != Some(2) {
        return Err(format!("exit {:?}, expected 2 (a failure)", run.code).into());
    }
    Ok(())
}

fn default_run(rig: &Rig) -> Result<(), Failed> {
    let lab = &rig.lab;
    let text = check(lab, GOOD_DOMAIN, &[], false)?.text;
    for needle in [
        "summary (check × server):",
        LabMx::Mx1Good.host(),
        "TLS on every MX",
        "All mail servers of the domain",
        "DNS: _dmarc.good.test TXT",
    ] {
        if !text.contains(needle) {
            return Err(format!("{needle:?} not in:\n{text}").into());
        }
    }
    let json = check(lab, GOOD_DOMAIN, &[], true)?;
    let kinds: Vec<String> = json.report["results"]
        .as_array()
        .map(|r| {
            r.iter()
                .map(|r| r["kind"].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default();
    let want = [
        "domain_servers",
        "domain_receives",
        "spf",
        "dmarc",
        "mta_sts",
        "tls_rpt",
        "dane",
        "reverse_dns",
        "mx_tls",
    ];
    if kinds != want {
        return Err(format!("results {kinds:?}, expected {want:?}").into());
    }
    Ok(())
}

fn no_mail(rig: &Rig) -> Result<(), Failed> {
    let lab = &rig.lab;
    let run = check(lab, NOMAIL_DOMAIN, &report_args(), true)?;
    expect(&run, "spf", "fail", &[])?;
    expect(&run, "dmarc", "fail", &[])?;
    // No MX: the implicit MX (the domain's own address) is tested, and
    // nothing listens there.
    expect(&run, "mx_tls", "fail", &[(NOMAIL_DOMAIN, "fail")])?;
    Ok(())
}
