//! `smtplab check DOMAIN | HOST[:PORT]`: the tab's Diagnostics checks
//! natively. The checks themselves are `shared::diagnose` (the same code the
//! tab runs, so the same verdicts, evidence and advice); this is their
//! driver: DNS with the system resolver or `--dns` (the bridge's own
//! hickory lookups), sessions over TCP with [`super::driver`], the report as
//! text or `--json`, a progress line on a terminal, and the exit code from
//! the worst verdict.

use std::io::{IsTerminal as _, Write as _};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::{Args, ValueEnum};
use smtplab_shared::diagnose::{
    Action, Check, CheckInput, CheckKind, CheckVerdict, PlannedSession, Report, SessionRecord,
};
use smtplab_shared::posture::{PolicyAnswer, ReportOptions};
use smtplab_shared::smtp::{AuthMechanism, AuthSpec, Secret, Timeouts, TlsMode};
use smtplab_shared::tls::{TlsContext, TlsOptions};
use tokio::time::Instant;

use super::driver;
use super::plan::{self, Family, UsageError, PASSWORD_ENV};
use crate::dns::{Dns, Validation};
use crate::mta_sts::{self, MtaSts};

/// `smtplab check`'s exit codes.
pub const HELP: &str = "\
Exit codes (the worst verdict):
   0  every check passed
   1  a check warns (and none failed)
   2  a check failed
   3  bad command line, or the checks could not run";

/// The examples at the end of `smtplab help check`.
pub const EXAMPLES: &str = "\
Examples:
  # Every MX host of a domain takes connections and EHLO; postmaster@ receives:
  smtplab check example.org

  # One server: reachability, the SMTP service, open relay; a mailbox receives:
  smtplab check mx.example.org:25 --user ted@example.org --from kim@example.com

  # Only the open-relay check, as JSON:
  smtplab check mx.example.org --server-checks --check open-relay --json";

/// One of the eight checks, as named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    /// 1. A TCP connection and a 220 banner.
    Reachability,
    /// 2. Banner, EHLO, capabilities, HELP/NOOP/RSET/VRFY/EXPN.
    Service,
    /// 3. A full delivery to --user (sends a message).
    Delivery,
    /// 4. Every MX host of the domain accepts a connection and EHLO.
    DomainServers,
    /// 5. MAIL FROM + RCPT TO --user, then RSET (no DATA).
    UserReceives,
    /// 6. 4 and 5 for postmaster@ the domain.
    DomainReceives,
    /// 7. AUTH with --auth-user, then MAIL FROM accepted.
    CanSend,
    /// 8. An unauthenticated RCPT TO an outside address must be refused.
    OpenRelay,
    /// Report: one SPF record, it parses, at most 10 DNS lookups, no +all.
    Spf,
    /// Report: the _dmarc record and its policy.
    Dmarc,
    /// Report: the MTA-STS record, its policy fetched over HTTPS, every MX in it.
    MtaSts,
    /// Report: the _smtp._tls (TLS-RPT) record.
    TlsRpt,
    /// Report: TLSA records against each MX's certificate (judged with a DNSSEC-validated answer, --dnssec).
    Dane,
    /// Report: PTR of every MX address, forward-confirmed.
    ReverseDns,
    /// Report: a STARTTLS handshake on every MX address; chain, name, expiry.
    MxTls,
    /// Report: DNS blocklists, with the zones of --dnsbl (a lookup to third parties).
    Dnsbl,
}

impl From<KindArg> for CheckKind {
    fn from(k: KindArg) -> Self {
        match k {
            KindArg::Reachability => Self::Reachability,
            KindArg::Service => Self::Service,
            KindArg::Delivery => Self::Delivery,
            KindArg::DomainServers => Self::DomainServers,
            KindArg::UserReceives => Self::UserReceives,
            KindArg::DomainReceives => Self::DomainReceives,
            KindArg::CanSend => Self::CanSend,
            KindArg::OpenRelay => Self::OpenRelay,
            KindArg::Spf => Self::Spf,
            KindArg::Dmarc => Self::Dmarc,
            KindArg::MtaSts => Self::MtaSts,
            KindArg::TlsRpt => Self::TlsRpt,
            KindArg::Dane => Self::Dane,
            KindArg::ReverseDns => Self::ReverseDns,
            KindArg::MxTls => Self::MxTls,
            KindArg::Dnsbl => Self::Dnsbl,
        }
    }
}

/// Run the Diagnostics checks of the tab natively: a DOMAIN's MX hosts, or
/// one HOST[:PORT]. Exit code from the worst verdict.
#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    /// DOMAIN (its MX hosts) or HOST[:PORT] (one server; a port or an IP address makes it a server).
    #[arg(value_name = "DOMAIN|HOST[:PORT]")]
    pub target: String,
    /// Treat a bare name as a server, not a mail domain.
    #[arg(long)]
    pub server_checks: bool,
    /// Port of a server target (default 25).
    #[arg(short = 'p', long)]
    pub port: Option<u16>,
    /// Which checks to run (repeatable); default: a domain's two domain checks and its report (SPF, DMARC, MTA-STS, TLS-RPT, DANE, reverse DNS, TLS on every MX), or a server's reachability, service and open relay, plus user-receives with --user and can-send with --auth-user.
    #[arg(long = "check", value_enum, value_name = "CHECK")]
    pub checks: Vec<KindArg>,
    /// The mail domain of a server target (for postmaster@ and the open-relay check).
    #[arg(long)]
    pub domain: Option<String>,
    /// A mailbox to test receiving for (and to deliver to with --check delivery).
    #[arg(long, value_name = "ADDRESS")]
    pub user: Option<String>,
    /// Envelope sender (default: the --auth-user, else the null sender <> where a check allows it, as in the tab).
    #[arg(short = 'f', long, value_name = "ADDRESS")]
    pub from: Option<String>,
    /// The open-relay check's recipient, outside the server's domains.
    #[arg(long, value_name = "ADDRESS")]
    pub outside: Option<String>,
    /// Name sent with EHLO (default: this computer's host name).
    #[arg(long, value_name = "NAME")]
    pub ehlo: Option<String>,
    /// AUTH user for the can-send check (LOGIN; the password from SMTPLAB_AUTH_PASSWORD, --auth-password-file or a prompt).
    #[arg(long, value_name = "USER")]
    pub auth_user: Option<String>,
    /// Read the AUTH password from the first line of this file.
    #[arg(long, value_name = "FILE")]
    pub auth_password_file: Option<std::path::PathBuf>,
    /// STARTTLS (required) in the server checks' sessions.
    #[arg(long, conflicts_with = "tls_on_connect")]
    pub tls: bool,
    /// Implicit TLS in the server checks' sessions.
    #[arg(long)]
    pub tls_on_connect: bool,
    /// Also trust the CA certificates in this PEM file (for the sessions' TLS and the MTA-STS policy fetch).
    #[arg(long, value_name = "FILE")]
    pub tls_ca_path: Option<std::path::PathBuf>,
    /// Validate DNS answers with DNSSEC (hickory's validator, the root trust anchor unless --dnssec-trust-anchor): DANE is judged only on validated TLSA records.
    #[arg(long)]
    pub dnssec: bool,
    /// DNSKEY records (zone-file format, every key of the zone) to trust besides the root's keys, for a private or test zone; implies --dnssec.
    #[arg(long, value_name = "FILE")]
    pub dnssec_trust_anchor: Option<std::path::PathBuf>,
    /// Port of the MTA-STS policy server (default 443; for tests and private deployments).
    #[arg(long, value_name = "PORT", hide = true)]
    pub mta_sts_port: Option<u16>,
    /// DNS server for the MX and address lookups, IP:PORT (default: the system's).
    #[arg(long, value_name = "ADDR:PORT")]
    pub dns: Option<SocketAddr>,
    /// Wait this long for each reply and lookup: seconds, or 30s, 2m (default 30s).
    #[arg(long, value_name = "TIME")]
    pub timeout: Option<String>,
    /// Print the report as JSON (the tab's download) instead of text.
    #[arg(long)]
    pub json: bool,
    /// Also look each IPv4 MX address up in this DNS blocklist zone (repeatable, e.g. zen.spamhaus.org). Off by default: the zone's operator learns the addresses.
    #[arg(long = "dnsbl", value_name = "ZONE")]
    pub dnsbl: Vec<String>,
}

/// What `check` runs.
struct CheckPlan {
    input: CheckInput,
    kinds: Vec<CheckKind>,
    timeout: Duration,
    ca_pem: String,
    /// The domain report's options (blocklist zones).
    report: ReportOptions,
}

fn usage(text: impl Into<String>) -> UsageError {
    UsageError(text.into())
}

fn make_plan(args: &CheckArgs, env_password: Option<String>) -> Result<CheckPlan, UsageError> {
    let (host, port) = plan::split_server(&args.target)?;
    let is_ip = host.parse::<std::net::IpAddr>().is_ok();
    let server = port.is_some() || is_ip || args.server_checks;
    let ehlo = args.ehlo.clone().unwrap_or_else(plan::host_name);
    let timeout = match &args.timeout {
        Some(t) => plan::parse_timeout(t)?,
        None => plan::DEFAULT_TIMEOUT,
    };
    let ms = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
    let mut input = CheckInput::new(host.clone(), args.port.or(port).unwrap_or(25), &ehlo);
    input.domain = match (&args.domain, server) {
        (Some(d), _) => d.clone(),
        (None, false) => host.clone(),
        (None, true) => String::new(),
    };
    input.user_address = args.user.clone().unwrap_or_default();
    // As the tab: no sender is the null sender `<>` where a check allows
    // it; the AUTH user when there is one (delivery and can-send need one).
    input.from_address = match args.from.as_deref() {
        Some("<>") => String::new(),
        Some(from) => from.to_owned(),
        None => args.auth_user.clone().unwrap_or_default(),
    };
    if let Some(outside) = &args.outside {
        input.outside_address = outside.clone();
    }
    input.timeouts = Timeouts {
        greeting_ms: ms,
        reply_ms: ms,
    };
    input.tls = if args.tls {
        TlsMode::StartTls
    } else if args.tls_on_connect {
        TlsMode::Implicit
    } else {
        TlsMode::None
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    input.date_rfc2822 = plan::rfc2822_date(now.as_secs());
    input.message_id = format!("<{}.{}.check@{ehlo}>", now.as_secs(), std::process::id());
    // Domain mode tests the MX hosts by the addresses DNS gave.
    input.mx_connect_by_address = true;
    if let Some(user) = &args.auth_user {
        let password = match (
            env_password.filter(|p| !p.is_empty()),
            &args.auth_password_file,
        ) {
            (Some(p), _) => p,
            (None, Some(path)) => {
                plan::read_source(&path.to_string_lossy(), "--auth-password-file")?
                    .lines()
                    .next()
                    .unwrap_or("")
                    .to_owned()
            }
            (None, None) if std::io::stdin().is_terminal() => {
                plan::prompt_password(&format!("Password for {user}: "))
                    .map_err(|e| usage(format!("cannot read the password: {e}")))?
            }
            (None, None) => {
                return Err(usage(format!(
                    "--auth-user needs a password: {PASSWORD_ENV} or --auth-password-file"
                )))
            }
        };
        input.auth = Some(AuthSpec {
            mechanism: AuthMechanism::Login,
            username: user.clone(),
            password: Secret::new(password),
        });
    }
    let kinds: Vec<CheckKind> = if !args.checks.is_empty() {
        args.checks.iter().map(|k| CheckKind::from(*k)).collect()
    } else if server {
        let mut k = vec![CheckKind::Reachability, CheckKind::Service];
        if args.user.is_some() {
            k.push(CheckKind::UserReceives);
        }
        if args.auth_user.is_some() {
            k.push(CheckKind::CanSend);
        }
        k.push(CheckKind::OpenRelay);
        k
    } else {
        let mut k = vec![CheckKind::DomainServers, CheckKind::DomainReceives];
        k.extend(CheckKind::POSTURE);
        k
    };
    let mut kinds = kinds;
    if !args.dnsbl.is_empty() && !kinds.contains(&CheckKind::Dnsbl) {
        kinds.push(CheckKind::Dnsbl);
    }
    if kinds.contains(&CheckKind::Dnsbl) && args.dnsbl.is_empty() {
        if args.checks.contains(&KindArg::Dnsbl) {
            return Err(usage("--check dnsbl needs the zones to ask: --dnsbl ZONE"));
        }
        kinds.retain(|k| *k != CheckKind::Dnsbl);
    }
    for zone in &args.dnsbl {
        crate::dns::check_name(zone).map_err(|e| usage(format!("--dnsbl {zone}: {e}")))?;
    }
    let ca_pem = match &args.tls_ca_path {
        Some(path) => plan::read_source(&path.to_string_lossy(), "--tls-ca-path")?,
        None => String::new(),
    };
    Ok(CheckPlan {
        input,
        kinds,
        timeout,
        ca_pem,
        report: ReportOptions {
            dnsbl_zones: args.dnsbl.clone(),
        },
    })
}

/// Runs `smtplab check`; returns the exit code.
pub fn main(args: &CheckArgs) -> u8 {
    let plan = match make_plan(args, std::env::var(PASSWORD_ENV).ok()) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return 3;
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return 3;
        }
    };
    let progress = std::io::stderr().is_terminal() && !args.json;
    let validation = match Validation::from_settings(
        args.dnssec.then_some(true),
        args.dnssec_trust_anchor.as_deref(),
    ) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("error: --dnssec-trust-anchor: {e}");
            return 3;
        }
    };
    let extra_roots = match &args.tls_ca_path {
        Some(path) => match crate::tls::certificates(path) {
            Ok(roots) => roots,
            Err(e) => {
                eprintln!("error: --tls-ca-path: {e}");
                return 3;
            }
        },
        None => Vec::new(),
    };
    let resolver = match Dns::with_validation(args.dns, plan.timeout, validation.as_ref()) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: DNS: {e}");
            return 3;
        }
    };
    let fetcher = MtaSts::new(
        Ok(resolver.clone()),
        mta_sts::Settings {
            port: args.mta_sts_port.unwrap_or(mta_sts::DEFAULT_PORT),
            extra_roots,
            ..mta_sts::Settings::default()
        },
    );
    match runtime.block_on(run(&plan, &resolver, &fetcher, progress)) {
        Ok(report) => {
            if args.json {
                println!("{}", report.to_json());
            } else {
                print!("{}", report.to_text());
            }
            exit_code(report.overall())
        }
        Err(e) => {
            eprintln!("error: {e}");
            3
        }
    }
}

/// 0 pass (or nothing run), 1 warn, 2 fail.
pub fn exit_code(overall: Option<CheckVerdict>) -> u8 {
    match overall {
        None | Some(CheckVerdict::Pass) => 0,
        Some(CheckVerdict::Warn) => 1,
        Some(CheckVerdict::Fail) => 2,
    }
}

async fn run(
    plan: &CheckPlan,
    resolver: &Dns,
    fetcher: &MtaSts,
    progress: bool,
) -> Result<Report, String> {
    // The report's STARTTLS sessions need TLS whatever --tls says.
    let tls = {
        let options = TlsOptions {
            verify: true,
            mozilla_roots: true,
            extra_ca_pem: plan.ca_pem.clone(),
        };
        TlsContext::new(
            Arc::new(rustls::crypto::ring::default_provider()),
            Arc::new(rustls::time_provider::DefaultTimeProvider),
            &options,
            webpki_roots::TLS_SERVER_ROOTS,
        )
        .map_err(|e| format!("--tls-ca-path: {e}"))?
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let mut report = Report::new(&plan.input, plan::rfc2822_date(now.as_secs()));
    let checks = plan_checks(plan)?;
    let total = checks.len();
    for (i, mut check) in checks.into_iter().enumerate() {
        let kind = check.kind();
        let title = if check.kinds().len() > 1 {
            "Domain report".to_owned()
        } else {
            kind.title().to_owned()
        };
        let mut step = 0;
        while !check.is_done() {
            let Some(action) = check.poll_action() else {
                return Err(format!("{kind}: the check stopped without a result"));
            };
            step += 1;
            if progress {
                let what = match &action {
                    Action::Resolve { name, rtype } => format!("{rtype} {name}"),
                    Action::RunSession(p) => format!("{}:{}", p.connect_to(), p.spec.port),
                    Action::FetchMtaSts { domain } => fetcher.url(domain),
                };
                let count = check
                    .progress()
                    .map_or(String::new(), |(done, known)| format!(" ({done}/{known})"));
                eprint!("\r\x1b[2K[{}/{total}] {title}{count} … {what}", i + 1);
                let _ = std::io::stderr().flush();
            }
            match action {
                Action::Resolve { name, rtype } => {
                    let handled = match resolver.lookup_answer(&name, rtype).await {
                        Ok(answer) => {
                            check.handle_answer(&name, rtype, &answer.records, answer.authenticated)
                        }
                        Err(e) => {
                            check.handle_resolve_error(&name, rtype, e.code(), &e.to_string())
                        }
                    };
                    handled.map_err(|e| format!("{kind}: {e}"))?;
                }
                Action::RunSession(planned) => {
                    let record = run_session(&planned, Some(&tls), plan.timeout).await;
                    check
                        .handle_session(&planned.label, &record)
                        .map_err(|e| format!("{kind}: {e}"))?;
                }
                Action::FetchMtaSts { domain } => {
                    let answer = match fetcher.fetch_policy(&domain).await {
                        Ok(fetched) => PolicyAnswer::Fetched {
                            url: fetched.url,
                            body: String::from_utf8_lossy(&fetched.body).into_owned(),
                            content_type: fetched.content_type,
                        },
                        Err(e) => PolicyAnswer::Failed {
                            code: e.code(),
                            message: e.to_string(),
                        },
                    };
                    check
                        .handle_policy(answer)
                        .map_err(|e| format!("{kind}: {e}"))?;
                }
            }
            if step > 2000 {
                return Err(format!("{kind}: too many steps"));
            }
        }
        for result in check.results() {
            report.push(result);
        }
    }
    if progress {
        eprint!("\r\x1b[2K");
    }
    Ok(report)
}

/// The checks to run, in the plan's order: the report's checks as one
/// [`Check::posture`] where the first of them stands.
fn plan_checks(plan: &CheckPlan) -> Result<Vec<Check>, String> {
    let mut checks = Vec::new();
    let posture: Vec<CheckKind> = plan
        .kinds
        .iter()
        .copied()
        .filter(|k| k.is_posture())
        .collect();
    let mut report_added = false;
    for kind in &plan.kinds {
        if kind.is_posture() {
            if !report_added {
                report_added = true;
                checks.push(
                    Check::posture(&plan.input, &posture, &plan.report)
                        .map_err(|e| format!("domain report: {e}"))?,
                );
            }
        } else {
            checks.push(Check::new(*kind, &plan.input).map_err(|e| format!("{kind}: {e}"))?);
        }
    }
    Ok(checks)
}

/// Connects and runs one planned session, recording what a check judges.
async fn run_session(
    planned: &PlannedSession,
    tls: Option<&TlsContext>,
    timeout: Duration,
) -> SessionRecord {
    let spec = &planned.spec;
    let start = Instant::now();
    let mut session = match (spec.tls, tls) {
        (TlsMode::None, _) | (_, None) => planned.session(),
        (_, Some(ctx)) => planned.session_with_tls(ctx.clone()),
    };
    match driver::connect(planned.connect_to(), spec.port, Family::Any, timeout).await {
        Ok((stream, peer)) => {
            let connect_ms = start.elapsed().as_secs_f64() * 1000.0;
            let mut record = SessionRecord::connected(peer.to_string(), connect_ms);
            let clock = Instant::now();
            driver::run(&mut session, stream, clock, |_, event| record.push(event)).await;
            record.greeting_first_byte_at = session.greeting_first_byte_at();
            record
        }
        Err(e) => {
            let mut record = SessionRecord::failed(e.code(), e.to_string());
            session.abort(start.elapsed(), e.abort_reason(&spec.host, spec.port));
            while let Some(event) = session.poll_event() {
                record.push(event);
            }
            record
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(target: &str) -> CheckArgs {
        CheckArgs {
            target: target.into(),
            server_checks: false,
            port: None,
            checks: Vec::new(),
            domain: None,
            user: None,
            from: None,
            outside: None,
            ehlo: Some("check.test".into()),
            auth_user: None,
            auth_password_file: None,
            tls: false,
            tls_on_connect: false,
            tls_ca_path: None,
            dns: None,
            timeout: None,
            json: false,
            dnsbl: Vec::new(),
            dnssec: false,
            dnssec_trust_anchor: None,
            mta_sts_port: None,
        }
    }

    #[test]
    fn a_bare_name_is_a_domain_and_a_port_or_ip_a_server() {
        let domain = make_plan(&args("example.org"), None).expect("valid");
        // A domain gets its two checks and the report, without the
        // blocklists, which need zones.
        let mut want = vec![CheckKind::DomainServers, CheckKind::DomainReceives];
        want.extend(
            CheckKind::POSTURE
                .iter()
                .filter(|k| **k != CheckKind::Dnsbl),
        );
        assert_eq!(domain.kinds, want);
        let with_zones = CheckArgs {
            dnsbl: vec!["bl.example".into()],
            ..args("example.org")
        };
        let plan = make_plan(&with_zones, None).expect("valid");
        assert!(plan.kinds.contains(&CheckKind::Dnsbl));
        assert_eq!(plan.report.dnsbl_zones, ["bl.example"]);
        let no_zones = CheckArgs {
            checks: vec![KindArg::Dnsbl],
            ..args("example.org")
        };
        assert!(
            make_plan(&no_zones, None).is_err(),
            "--check dnsbl without --dnsbl"
        );
        let bad_zone = CheckArgs {
            dnsbl: vec!["not a zone".into()],
            ..args("example.org")
        };
        assert!(make_plan(&bad_zone, None).is_err());
        let posture = plan_checks(&plan).expect("checks");
        assert_eq!(posture.len(), 3, "two domain checks and one report");
        assert_eq!(posture[2].kinds().len(), 8);
        assert_eq!(domain.input.domain, "example.org");
        let server = make_plan(&args("127.0.0.1:2525"), None).expect("valid");
        assert_eq!(
            server.kinds,
            [
                CheckKind::Reachability,
                CheckKind::Service,
                CheckKind::OpenRelay
            ]
        );
        assert_eq!(server.input.port, 2525);
        let user = CheckArgs {
            user: Some("ted@example.org".into()),
            ..args("mx.example.org:25")
        };
        assert!(make_plan(&user, None)
            .expect("valid")
            .kinds
            .contains(&CheckKind::UserReceives));
        let no_password = CheckArgs {
            auth_user: Some("kim".into()),
            ..args("mx.example.org:25")
        };
        assert!(make_plan(&no_password, None).is_err());
        assert_eq!(exit_code(Some(CheckVerdict::Warn)), 1);
        assert_eq!(exit_code(Some(CheckVerdict::Fail)), 2);
        assert_eq!(exit_code(None), 0);
    }
}
