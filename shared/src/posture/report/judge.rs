//! Turns what a [`DomainReport`](super::DomainReport) found into one
//! [`CheckResult`] per check: the verdict, a summary, the findings as
//! details, per-server cells for the grid, the DNS and SMTP evidence and
//! advice.

use std::fmt::Display;

use super::{Findings, MxHost, PolicyAnswer};
use crate::diagnose::{CheckKind, CheckResult, CheckVerdict, Fact, ServerCell};
use crate::posture::dane::{dane_check, DaneFinding};
use crate::posture::dmarc::{dmarc_check, Alignment};
use crate::posture::mta_sts::{
    content_type_finding, mta_sts_policy_check, mta_sts_txt_check, MtaStsFinding,
};
use crate::posture::mx_tls::mx_tls_check;
use crate::posture::reverse_dns::reverse_dns_check;
use crate::posture::tls_rpt::tls_rpt_check;
use crate::posture::{Assessment, Finding, LookupFailure};
use crate::wire::{DnsRecord, ErrorCode, RecordType};

/// One evidence line for a DNS answer.
pub(super) fn dns_line(
    name: &str,
    rtype: RecordType,
    answer: Result<&[DnsRecord], (ErrorCode, &str)>,
    authenticated: Option<bool>,
) -> String {
    let dnssec = match authenticated {
        Some(true) => " [DNSSEC: validated]",
        Some(false) => " [DNSSEC: unsigned]",
        None => "",
    };
    match answer {
        Ok(records) => {
            let shown: Vec<String> = records
                .iter()
                .map(|r| match r {
                    DnsRecord::Mx {
                        preference,
                        exchange,
                    } => format!("{preference} {exchange}"),
                    DnsRecord::Address { address } => address.to_string(),
                    DnsRecord::Txt { text } => format!("{text:?}"),
                    DnsRecord::Name { name } => name.clone(),
                    DnsRecord::Tlsa {
                        usage,
                        selector,
                        matching_type,
                        data,
                    } => format!("{usage} {selector} {matching_type} {data}"),
                })
                .collect();
            format!("DNS: {name} {rtype}: {}{dnssec}", shown.join(" | "))
        }
        Err((code, message)) => format!("DNS: {name} {rtype}: {} ({message})", code.as_str()),
    }
}

/// The results of `kinds`, in order.
pub(super) fn judge(kinds: &[CheckKind], found: &Findings) -> Vec<CheckResult> {
    kinds
        .iter()
        .map(|kind| {
            let mut result = match kind {
                CheckKind::Spf => spf(found),
                CheckKind::Dmarc => dmarc(found),
                CheckKind::MtaSts => mta_sts(found),
                CheckKind::TlsRpt => tls_rpt(found),
                CheckKind::Dane => per_mx(*kind, found, dane_cell),
                CheckKind::ReverseDns => per_mx(*kind, found, reverse_cell),
                CheckKind::MxTls => per_mx(*kind, found, tls_cell),
                CheckKind::Dnsbl => per_mx(*kind, found, dnsbl_cell),
                _ => CheckResult::new(
                    *kind,
                    CheckVerdict::Warn,
                    "not a domain report check",
                    Vec::new(),
                    "",
                ),
            };
            let mut evidence: Vec<String> = found
                .dns_lines
                .iter()
                .filter(|(tags, _)| tags.contains(kind))
                .map(|(_, line)| line.clone())
                .collect();
            if matches!(kind, CheckKind::MxTls | CheckKind::Dane) {
                for host in &found.hosts {
                    for (address, record) in &host.sessions {
                        // This heading opens a server's session lines: the
                        // tab's report finds them by it (server_evidence).
                        evidence.push(format!("— {} [{address}]", host.host));
                        evidence.push(record.connect_line());
                        evidence.extend(record.transcript());
                    }
                }
            }
            evidence.append(&mut result.evidence);
            result.evidence = evidence;
            result
        })
        .collect()
}

/// A result from an assessment, its findings as details.
fn from_assessment<F: Finding + Display>(
    kind: CheckKind,
    assessment: &Assessment<F>,
    advice: &str,
) -> CheckResult {
    let summary = assessment
        .findings
        .iter()
        .find(|f| f.verdict() == assessment.verdict)
        .map_or_else(|| "nothing found".to_owned(), ToString::to_string);
    let mut result = CheckResult::new(kind, assessment.verdict, summary, Vec::new(), advice);
    result.details = assessment
        .findings
        .iter()
        .map(|f| Fact::new(f.verdict().label(), f.to_string()))
        .collect();
    result
}

fn spf(found: &Findings) -> CheckResult {
    let Some(chain) = &found.spf else {
        return CheckResult::new(
            CheckKind::Spf,
            CheckVerdict::Warn,
            "the SPF walk did not finish",
            Vec::new(),
            "Retry; the DNS lookups did not all answer.",
        );
    };
    let assessment = Assessment::from_findings(chain.findings.clone());
    let advice = match assessment.verdict {
        CheckVerdict::Pass => "Nothing to do.",
        _ => "Publish exactly one TXT record starting with v=spf1, naming the servers that send for the domain and ending in -all or ~all; keep the include chain within 10 DNS lookups (flatten includes you do not need).",
    };
    let mut result = from_assessment(CheckKind::Spf, &assessment, advice);
    result.verdict = chain.verdict;
    result.details.push(Fact::new(
        "DNS lookups",
        format!("{} of at most 10", chain.lookups),
    ));
    for (domain, record) in &chain.chain {
        result
            .details
            .push(Fact::new(format!("SPF {domain}"), record.to_string()));
    }
    result
}

fn dmarc(found: &Findings) -> CheckResult {
    let answer = found.dmarc.clone().unwrap_or(Err(LookupFailure::Other));
    let (record, assessment) = dmarc_check(answer.as_deref().map_err(|f| *f));
    let advice = match assessment.verdict {
        CheckVerdict::Pass => "Nothing to do; read the aggregate (rua) reports to see who sends as your domain.",
        _ => "Publish one TXT record at _dmarc.DOMAIN: v=DMARC1; p=quarantine or p=reject once the rua reports show your own mail passes; p=none only monitors.",
    };
    let mut result = from_assessment(CheckKind::Dmarc, &assessment, advice);
    if let Some(record) = record {
        let uris = |list: &[crate::posture::dmarc::DmarcUri]| {
            if list.is_empty() {
                "none".to_owned()
            } else {
                list.iter()
                    .map(|u| u.uri.clone())
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        let align = |a: Alignment| match a {
            Alignment::Relaxed => "relaxed: the domains need only share the organizational domain",
            Alignment::Strict => "strict: the domains must be identical",
        };
        result.details.extend([
            Fact::new(
                "policy",
                format!(
                    "p={} (subdomains: {})",
                    record.policy,
                    record.effective_subdomain_policy()
                ),
            ),
            Fact::new("aggregate reports (rua)", uris(&record.rua)),
            Fact::new("failure reports (ruf)", uris(&record.ruf)),
            Fact::new(
                "SPF alignment",
                format!(
                    "aspf {}: the MAIL FROM domain against the From: header's",
                    align(record.spf_alignment())
                ),
            ),
            Fact::new(
                "DKIM alignment",
                format!(
                    "adkim {}: the DKIM d= domain against the From: header's",
                    align(record.dkim_alignment())
                ),
            ),
        ]);
    }
    result
}

fn mta_sts(found: &Findings) -> CheckResult {
    let answer = found.sts_txt.clone().unwrap_or(Err(LookupFailure::Other));
    let (txt, txt_assessment) = mta_sts_txt_check(answer.as_deref().map_err(|f| *f));
    let advice_fix = "Publish _mta-sts.DOMAIN TXT \"v=STSv1; id=…\" and serve https://mta-sts.DOMAIN/.well-known/mta-sts.txt (a valid certificate for that name) listing every MX in mx: lines; start in mode testing, then enforce.";
    let Some(txt) = txt else {
        return from_assessment(CheckKind::MtaSts, &txt_assessment, advice_fix);
    };
    let hosts: Vec<String> = found.hosts.iter().map(|h| h.host.clone()).collect();
    let mut result = match &found.sts_policy {
        Some(PolicyAnswer::Fetched { url, body, content_type }) => {
            let (_, mut assessment) = mta_sts_policy_check(body, &hosts);
            if let Some(finding) = content_type_finding(content_type.as_deref()) {
                assessment.findings.push(finding);
                assessment = Assessment::from_findings(assessment.findings);
            }
            let advice = if assessment.verdict == CheckVerdict::Pass { "Nothing to do." } else { advice_fix };
            let mut result = from_assessment(CheckKind::MtaSts, &assessment, advice);
            result.evidence.push(format!("HTTPS GET {url}: 200, {}", content_type.as_deref().unwrap_or("no Content-Type")));
            result.evidence.extend(body.lines().map(|l| format!("  {l}")));
            for host in &found.hosts {
                let cell = assessment.findings.iter().find_map(|f| match f {
                    MtaStsFinding::MxMatched { host: h, pattern } if *h == host.host => {
                        Some((CheckVerdict::Pass, format!("matches {pattern}")))
                    }
                    MtaStsFinding::MxNotMatched { host: h } if *h == host.host => {
                        Some((CheckVerdict::Fail, "not in the policy".to_owned()))
                    }
                    _ => None,
                });
                let (verdict, note) = cell.unwrap_or((assessment.verdict, "policy mode none".into()));
                result.cells.push(ServerCell::new(&host.host, verdict, note));
            }
            result
        }
        Some(PolicyAnswer::Failed { code, message }) => CheckResult::new(
            CheckKind::MtaSts,
            CheckVerdict::Fail,
            format!("the MTA-STS record is published but its policy could not be fetched ({}): {message}", code.as_str()),
            Vec::new(),
            advice_fix,
        ),
        None => CheckResult::new(CheckKind::MtaSts, CheckVerdict::Warn, "the policy was not fetched", Vec::new(), advice_fix),
    };
    result
        .details
        .insert(0, Fact::new("policy id", txt.id.clone()));
    result
}

fn tls_rpt(found: &Findings) -> CheckResult {
    let answer = found.tls_rpt.clone().unwrap_or(Err(LookupFailure::Other));
    let (_, assessment) = tls_rpt_check(answer.as_deref().map_err(|f| *f));
    let advice = match assessment.verdict {
        CheckVerdict::Pass => "Nothing to do.",
        _ => "Publish _smtp._tls.DOMAIN TXT \"v=TLSRPTv1; rua=mailto:…\" to receive reports of senders' TLS failures (RFC 8460).",
    };
    from_assessment(CheckKind::TlsRpt, &assessment, advice)
}

/// A per-MX check: one cell per host, the worst cell is the verdict.
fn per_mx(
    kind: CheckKind,
    found: &Findings,
    cell: fn(&MxHost) -> (CheckVerdict, Vec<Note>),
) -> CheckResult {
    let advice = advice_per_mx(kind);
    if found.hosts.is_empty() {
        let summary = if found.null_mx {
            format!("{} has a null MX: it receives no mail", found.domain)
        } else if let Some((code, message)) = &found.mx_failure {
            format!(
                "no MX hosts: the MX lookup failed ({}): {message}",
                code.as_str()
            )
        } else {
            "no MX hosts to check".to_owned()
        };
        let verdict = if found.null_mx {
            CheckVerdict::Pass
        } else {
            CheckVerdict::Fail
        };
        return CheckResult::new(kind, verdict, summary, Vec::new(), advice);
    }
    let mut result = CheckResult::new(kind, CheckVerdict::Pass, "", Vec::new(), advice);
    for host in &found.hosts {
        let (verdict, notes) = cell(host);
        for (note_verdict, note) in &notes {
            // Each finding with its own verdict: a PASS note under a
            // failing cell (the cipher, the days left) is still a pass.
            result.details.push(Fact::new(
                format!("{} {}", note_verdict.label(), host.host),
                note.clone(),
            ));
        }
        let first = notes.into_iter().next().map(|(_, n)| n).unwrap_or_default();
        result
            .cells
            .push(ServerCell::new(&host.host, verdict, first));
    }
    result.verdict = result
        .cells
        .iter()
        .map(|c| c.verdict)
        .max()
        .unwrap_or(CheckVerdict::Pass);
    let bad: Vec<&ServerCell> = result
        .cells
        .iter()
        .filter(|c| c.verdict == result.verdict)
        .collect();
    result.summary = match result.verdict {
        CheckVerdict::Pass => format!("every MX host passes ({})", result.cells.len()),
        _ => bad
            .iter()
            .map(|c| format!("{}: {}", c.server, c.note))
            .collect::<Vec<_>>()
            .join("; "),
    };
    if result.verdict != CheckVerdict::Pass || kind == CheckKind::Dnsbl {
        return result;
    }
    result.advice = "Nothing to do.".into();
    result
}

fn advice_per_mx(kind: CheckKind) -> &'static str {
    match kind {
        CheckKind::Dane => "Publish TLSA records at _25._tcp.MX in a DNSSEC-signed zone (3 1 1 with the SHA-256 of the server key is the usual choice), and update them before changing the key.",
        CheckKind::ReverseDns => "Ask the owner of each MX address (your hosting or ISP) for a PTR record naming a host whose A/AAAA record points back to the address; receivers distrust servers without one.",
        CheckKind::MxTls => "Offer STARTTLS with a certificate from a public CA naming the MX host, renewed well before it expires (automate it), with TLS 1.2 or 1.3.",
        CheckKind::Dnsbl => "A listed address: find out why at the list's site (usually spam sent from it), fix the cause, then ask for delisting.",
        _ => "",
    }
}

/// One finding of a cell, with its own verdict.
type Note = (CheckVerdict, String);

/// Worst of `assessments`, with each finding as a note.
fn cell_of<F: Finding + Display>(assessments: &[Assessment<F>]) -> (CheckVerdict, Vec<Note>) {
    let verdict = assessments
        .iter()
        .map(|a| a.verdict)
        .max()
        .unwrap_or(CheckVerdict::Pass);
    let mut notes: Vec<(CheckVerdict, String)> = assessments
        .iter()
        .flat_map(|a| a.findings.iter().map(|f| (f.verdict(), f.to_string())))
        .collect();
    // The worst first, so the cell's note says why.
    notes.sort_by_key(|n| std::cmp::Reverse(n.0));
    (verdict, notes)
}

fn no_addresses(host: &MxHost) -> Option<(CheckVerdict, Vec<Note>)> {
    host.addresses.is_empty().then(|| {
        let why = if host.address_problems.is_empty() {
            "has no A or AAAA records".to_owned()
        } else {
            host.address_problems.join("; ")
        };
        (
            CheckVerdict::Fail,
            vec![(CheckVerdict::Fail, format!("{} {why}", host.host))],
        )
    })
}

fn tls_cell(host: &MxHost) -> (CheckVerdict, Vec<Note>) {
    if let Some(none) = no_addresses(host) {
        return none;
    }
    let assessments: Vec<_> = host
        .sessions
        .iter()
        .map(|(address, record)| {
            let (_, a) = mx_tls_check(record);
            (address, a)
        })
        .collect();
    let (verdict, notes) = cell_of(
        &assessments
            .iter()
            .map(|(_, a)| a.clone())
            .collect::<Vec<_>>(),
    );
    if host.addresses.len() > 1 {
        let per: Vec<String> = assessments
            .iter()
            .map(|(addr, a)| format!("{addr}: {}", a.verdict))
            .collect();
        let mut notes = notes;
        notes.push((CheckVerdict::Pass, per.join(", ")));
        return (verdict, notes);
    }
    (verdict, notes)
}

fn dane_cell(host: &MxHost) -> (CheckVerdict, Vec<Note>) {
    if let Some(none) = no_addresses(host) {
        return none;
    }
    let Some((tlsa, authenticated)) = &host.tlsa else {
        return (
            CheckVerdict::Warn,
            vec![(CheckVerdict::Warn, "the TLSA lookup did not run".into())],
        );
    };
    let assessments: Vec<Assessment<DaneFinding>> = if host.sessions.is_empty() {
        vec![dane_check(
            tlsa.as_deref().map_err(|f| *f),
            *authenticated,
            None,
        )]
    } else {
        host.sessions
            .iter()
            .map(|(_, record)| {
                let report = record.outcome().and_then(|o| o.tls.as_ref());
                let chain = report.map(|r| r.chain.as_slice()).filter(|c| !c.is_empty());
                dane_check(tlsa.as_deref().map_err(|f| *f), *authenticated, chain)
            })
            .collect()
    };
    cell_of(&assessments)
}

fn reverse_cell(host: &MxHost) -> (CheckVerdict, Vec<Note>) {
    if let Some(none) = no_addresses(host) {
        return none;
    }
    let assessments: Vec<_> = host
        .reverse
        .iter()
        .map(|l| reverse_dns_check(l, &host.host))
        .collect();
    cell_of(&assessments)
}

fn dnsbl_cell(host: &MxHost) -> (CheckVerdict, Vec<Note>) {
    if let Some(none) = no_addresses(host) {
        return none;
    }
    let mut verdict = CheckVerdict::Pass;
    let mut notes = Vec::new();
    for (address, zone, answer) in &host.dnsbl {
        match answer {
            Ok(codes) if !codes.is_empty() => {
                verdict = CheckVerdict::Fail;
                let codes: Vec<String> = codes.iter().map(ToString::to_string).collect();
                let listed = format!("{address} is listed in {zone} ({})", codes.join(", "));
                notes.insert(0, (CheckVerdict::Fail, listed));
            }
            Err(failure) if !failure.is_absent() => {
                verdict = verdict.max(CheckVerdict::Warn);
                notes.push((
                    CheckVerdict::Warn,
                    format!("{zone} did not answer for {address}: {failure}"),
                ));
            }
            _ => notes.push((
                CheckVerdict::Pass,
                format!("{address} is not listed in {zone}"),
            )),
        }
    }
    if host.dnsbl.is_empty() {
        notes.push((CheckVerdict::Pass, "no IPv4 address to look up".into()));
    }
    (verdict, notes)
}
