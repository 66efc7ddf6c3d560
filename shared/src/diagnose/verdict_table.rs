//! How the domain checks judge DNS failures and the MX table.

use super::check::{CheckKind, CheckResult, CheckVerdict, Fact};
use super::server_row::ServerRow;
use crate::wire::ErrorCode;

/// A domain whose MX lookup failed (or that has no mail host at all).
pub(crate) fn dns_failure(domain: &str, code: ErrorCode, message: &str) -> CheckResult {
    let (summary, advice) = match code {
        ErrorCode::Nxdomain => (
            format!("{domain} does not exist in DNS (NXDOMAIN)"),
            "Check the spelling; a registered domain needs its zone published by its name servers.",
        ),
        ErrorCode::NoRecords => (
            format!("{domain}: {message}"),
            "Publish an MX record pointing to your mail server (and A/AAAA records for that host).",
        ),
        ErrorCode::Timeout | ErrorCode::Servfail => (
            format!("the MX lookup of {domain} failed ({}): {message}", code.as_str()),
            "The domain's name servers do not answer properly (SERVFAIL: often broken DNSSEC or lame delegation). Senders will defer mail until it is fixed.",
        ),
        _ => (
            format!("the MX lookup of {domain} failed ({}): {message}", code.as_str()),
            "Retry; if it persists, check the domain's DNS and the bridge's resolver.",
        ),
    };
    CheckResult::new(
        CheckKind::DomainServers,
        CheckVerdict::Fail,
        summary,
        Vec::new(),
        advice,
    )
}

/// A null MX (RFC 7505): the domain declares it receives no mail.
pub(crate) fn null_mx(domain: &str) -> CheckResult {
    CheckResult::new(
        CheckKind::DomainServers,
        CheckVerdict::Fail,
        format!("{domain} publishes a null MX (\"0 .\"): it declares that it accepts no mail (RFC 7505)"),
        Vec::new(),
        "If the domain should receive mail, replace the null MX with MX records naming your mail servers.",
    )
}

/// The verdict on the tested hosts: all fine → pass; some failing → warn;
/// none → fail.
pub(crate) fn judge_servers(
    kind: CheckKind,
    domain: &str,
    rows: &[ServerRow],
    implicit_mx: bool,
    dns_lines: &[String],
) -> CheckResult {
    let ok = rows.iter().filter(|r| r.ok()).count();
    let total = rows.len();
    let no_tls = rows.iter().filter(|r| r.ok() && !r.starttls).count();
    let source = if implicit_mx {
        "no MX records; the domain's own address (implicit MX)"
    } else {
        "MX hosts"
    };
    let (verdict, summary, advice) = if ok == 0 {
        (
            CheckVerdict::Fail,
            format!("{domain}: none of {total} {source} accepts connections and EHLO"),
            "No server of the domain can be reached: mail to it is deferred and finally bounced. See each row's problem.".to_owned(),
        )
    } else if ok < total {
        let primary_down = rows.first().is_some_and(|r| !r.ok());
        let mut advice = "Senders skip failing hosts, but each one costs them timeouts, and a backup MX that is down or refuses mail causes delays or bounces. Fix or remove the failing hosts.".to_owned();
        if primary_down {
            advice.insert_str(
                0,
                "The primary (lowest preference) host fails: all mail goes to backups. ",
            );
        }
        (
            CheckVerdict::Warn,
            format!("{domain}: {ok} of {total} {source} accept connections and EHLO"),
            advice,
        )
    } else if no_tls > 0 {
        (
            CheckVerdict::Warn,
            format!("{domain}: all {total} {source} accept connections and EHLO; {no_tls} offer no STARTTLS"),
            "Offer STARTTLS on every MX host, or mail to the domain travels unencrypted.".to_owned(),
        )
    } else {
        (
            CheckVerdict::Pass,
            format!("{domain}: all {total} {source} accept connections and EHLO, with STARTTLS"),
            "Every mail server of the domain answers.".to_owned(),
        )
    };
    let mut evidence = dns_lines.to_vec();
    for row in rows {
        let status = if row.ok() { "ok" } else { "FAILED" };
        let pref = row
            .preference
            .map_or("implicit".to_owned(), |p| p.to_string());
        let mut line = format!("{pref} {}: {status}", row.host);
        if let Some(ms) = row.connect_ms {
            line.push_str(&format!(", connect {ms:.0} ms"));
        }
        if let Some(banner) = &row.banner {
            line.push_str(&format!(", banner \"{banner}\""));
        }
        if let Some(problem) = &row.problem {
            line.push_str(&format!(", {problem}"));
        }
        evidence.push(line);
    }
    let mut result = CheckResult::new(kind, verdict, summary, evidence, advice);
    result.servers = rows.to_vec();
    if implicit_mx {
        result.details.push(Fact::new(
            "MX",
            "none: RFC 5321 §5.1 uses the domain's A/AAAA as an implicit MX (an explicit MX record is recommended)",
        ));
    }
    result
}
