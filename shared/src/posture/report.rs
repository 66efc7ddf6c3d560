//! The domain report's sans-IO orchestrator ([`DomainReport`]): one pass
//! over a domain's DNS, MTA-STS policy and every MX address, asking its
//! driver for each lookup, policy fetch and STARTTLS session in turn (the
//! same [`Action`] contract as the other checks), then judging SPF, DMARC,
//! MTA-STS, TLS-RPT, DANE, reverse DNS, TLS on every MX and, when zones are
//! given, DNS blocklists, each into a [`CheckResult`] with per-server cells.
//!
//! Only what the chosen checks need is looked up: the SPF check alone asks
//! for TXT records only; the TLS check asks for MX and addresses and runs
//! one session per address.

use std::collections::VecDeque;
use std::net::IpAddr;

use super::dane::Tlsa;
use super::reverse_dns::ReverseLookup;
use super::spf::{SpfChain, SpfWalk};
use super::LookupFailure;
use crate::diagnose::{
    Action, CheckError, CheckInput, CheckKind, CheckResult, InputError, PlannedSession,
    SessionRecord, MAX_MX_HOSTS,
};
use crate::smtp::session::SessionExtras;
use crate::smtp::{Stage, TlsMode};
use crate::wire::{reverse_name, DnsRecord, ErrorCode, RecordType};

mod judge;

/// At most this many addresses of one MX host get a session, a PTR lookup
/// and blocklist lookups (hosted mail can have dozens).
pub const MAX_ADDRESSES_PER_HOST: usize = 4;

/// At most this many PTR names of one address are looked up forward.
const MAX_PTR_NAMES: usize = 3;

/// What the report checks beyond the defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportOptions {
    /// DNS blocklist zones (e.g. `zen.spamhaus.org`) to look each IPv4 MX
    /// address up in. Empty: the blocklist check is skipped. Those lookups
    /// reach the zones' operators: a third party learns the addresses.
    pub dnsbl_zones: Vec<String>,
}

/// The policy fetch's answer, as the bridge gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyAnswer {
    /// `mta_sts_policy`.
    Fetched {
        /// The URL fetched.
        url: String,
        /// The body.
        body: String,
        /// The Content-Type header, if any.
        content_type: Option<String>,
    },
    /// An `error`.
    Failed {
        /// Its code.
        code: ErrorCode,
        /// Its sentence.
        message: String,
    },
}

/// A TLSA answer and its DNSSEC status (`authenticated`).
pub(crate) type TlsaAnswer = (Result<Vec<Tlsa>, LookupFailure>, Option<bool>);

/// One MX host and what was found about it.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct MxHost {
    /// `None` for the implicit MX.
    pub(crate) preference: Option<u16>,
    /// Lower case, no trailing dot.
    pub(crate) host: String,
    /// A then AAAA, at most [`MAX_ADDRESSES_PER_HOST`] used.
    pub(crate) addresses: Vec<IpAddr>,
    /// Address lookups answered (A and AAAA).
    address_answers: u8,
    /// Address lookup failures, in words.
    pub(crate) address_problems: Vec<String>,
    /// The TLSA answer and its DNSSEC status.
    pub(crate) tlsa: Option<TlsaAnswer>,
    /// Reverse lookups, one per address.
    pub(crate) reverse: Vec<ReverseLookup>,
    /// STARTTLS sessions, one per address.
    pub(crate) sessions: Vec<(IpAddr, SessionRecord)>,
    /// Blocklist answers: address, zone, the A records (listed) or why not.
    pub(crate) dnsbl: Vec<(IpAddr, String, Result<Vec<IpAddr>, LookupFailure>)>,
}

/// Why a lookup is asked.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Purpose {
    Mx,
    Address {
        mx: usize,
    },
    Spf {
        name: String,
    },
    Dmarc,
    StsTxt,
    TlsRpt,
    Tlsa {
        mx: usize,
    },
    Ptr {
        mx: usize,
        address: IpAddr,
    },
    Forward {
        mx: usize,
        address: IpAddr,
        name: String,
    },
    Dnsbl {
        mx: usize,
        address: IpAddr,
        zone: String,
    },
}

impl Purpose {
    /// The checks whose evidence shows this lookup.
    fn kinds(&self) -> Vec<CheckKind> {
        match self {
            Self::Mx | Self::Address { .. } => vec![
                CheckKind::MtaSts,
                CheckKind::Dane,
                CheckKind::ReverseDns,
                CheckKind::MxTls,
                CheckKind::Dnsbl,
            ],
            Self::Spf { .. } => vec![CheckKind::Spf],
            Self::Dmarc => vec![CheckKind::Dmarc],
            Self::StsTxt => vec![CheckKind::MtaSts],
            Self::TlsRpt => vec![CheckKind::TlsRpt],
            Self::Tlsa { .. } => vec![CheckKind::Dane],
            Self::Ptr { .. } | Self::Forward { .. } => vec![CheckKind::ReverseDns],
            Self::Dnsbl { .. } => vec![CheckKind::Dnsbl],
        }
    }
}

/// One thing for the driver to do.
#[derive(Debug, Clone, PartialEq)]
enum Task {
    Resolve {
        name: String,
        rtype: RecordType,
        purpose: Purpose,
    },
    Fetch,
    Session {
        plan: Box<PlannedSession>,
        mx: usize,
        address: IpAddr,
    },
}

/// What the lookups found, for [`judge`].
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Findings {
    pub(crate) domain: String,
    pub(crate) port: u16,
    /// The MX lookup failed (code, sentence); then there are no hosts.
    pub(crate) mx_failure: Option<(ErrorCode, String)>,
    /// The domain has a null MX (RFC 7505): it receives no mail.
    pub(crate) null_mx: bool,
    /// No MX records: the domain itself is the implicit MX.
    pub(crate) implicit_mx: bool,
    pub(crate) hosts: Vec<MxHost>,
    pub(crate) spf: Option<SpfChain>,
    pub(crate) dmarc: Option<Result<Vec<String>, LookupFailure>>,
    pub(crate) sts_txt: Option<Result<Vec<String>, LookupFailure>>,
    pub(crate) sts_policy: Option<PolicyAnswer>,
    pub(crate) tls_rpt: Option<Result<Vec<String>, LookupFailure>>,
    /// The DNS lines of the evidence, in the order answered, with the
    /// checks each belongs to.
    pub(crate) dns_lines: Vec<(Vec<CheckKind>, String)>,
    pub(crate) dnsbl_zones: Vec<String>,
}

/// The domain report: see the module docs. Calling contract as
/// [`Check`](crate::diagnose::Check): drain [`poll_action`](Self::poll_action),
/// answer each action, until [`results`](Self::results) is `Some`.
#[derive(Debug, Clone)]
pub struct DomainReport {
    kinds: Vec<CheckKind>,
    input: CheckInput,
    queue: VecDeque<Task>,
    /// The task handed out and not answered yet.
    current: Option<Task>,
    spf: Option<SpfWalk>,
    found: Findings,
    /// Tasks done, for progress.
    done: usize,
    results: Option<Vec<CheckResult>>,
}

impl DomainReport {
    /// A report of `input.domain` with `kinds` (posture kinds only; others
    /// are ignored), in [`CheckKind::POSTURE`] order.
    ///
    /// # Errors
    /// [`InputError::MissingDomain`].
    pub fn new(
        input: &CheckInput,
        kinds: &[CheckKind],
        options: &ReportOptions,
    ) -> Result<Self, InputError> {
        let domain = input.domain_name();
        if domain.is_empty() {
            return Err(InputError::MissingDomain);
        }
        let kinds: Vec<CheckKind> = CheckKind::POSTURE
            .into_iter()
            .filter(|k| kinds.contains(k))
            .filter(|k| *k != CheckKind::Dnsbl || !options.dnsbl_zones.is_empty())
            .collect();
        let mut report = Self {
            input: input.clone(),
            queue: VecDeque::new(),
            current: None,
            spf: None,
            found: Findings {
                domain: domain.clone(),
                port: input.port,
                dnsbl_zones: options.dnsbl_zones.clone(),
                ..Findings::default()
            },
            done: 0,
            results: None,
            kinds,
        };
        let wants = |k| report.kinds.contains(&k);
        let needs_mx = [
            CheckKind::MtaSts,
            CheckKind::Dane,
            CheckKind::ReverseDns,
            CheckKind::MxTls,
            CheckKind::Dnsbl,
        ]
        .into_iter()
        .any(wants);
        let mut first = Vec::new();
        if needs_mx {
            first.push((domain.clone(), RecordType::Mx, Purpose::Mx));
        }
        if wants(CheckKind::Spf) {
            report.spf = Some(SpfWalk::new(&domain));
        }
        if wants(CheckKind::Dmarc) {
            first.push((format!("_dmarc.{domain}"), RecordType::Txt, Purpose::Dmarc));
        }
        if wants(CheckKind::MtaSts) {
            first.push((
                format!("_mta-sts.{domain}"),
                RecordType::Txt,
                Purpose::StsTxt,
            ));
        }
        if wants(CheckKind::TlsRpt) {
            first.push((
                format!("_smtp._tls.{domain}"),
                RecordType::Txt,
                Purpose::TlsRpt,
            ));
        }
        for (name, rtype, purpose) in first {
            report.push(name, rtype, purpose);
        }
        report.next_spf();
        report.finish_if_idle();
        Ok(report)
    }

    /// The checks this report judges, in order.
    pub fn kinds(&self) -> &[CheckKind] {
        &self.kinds
    }

    /// The next thing to do, once; `None` while waiting or when done.
    #[must_use]
    pub fn poll_action(&mut self) -> Option<Action> {
        if self.current.is_some() || self.results.is_some() {
            return None;
        }
        let task = self.queue.pop_front()?;
        let action = match &task {
            Task::Resolve { name, rtype, .. } => Action::Resolve {
                name: name.clone(),
                rtype: *rtype,
            },
            Task::Fetch => Action::FetchMtaSts {
                domain: self.found.domain.clone(),
            },
            Task::Session { plan, .. } => Action::RunSession(plan.clone()),
        };
        self.current = Some(task);
        Some(action)
    }

    /// Tasks done and tasks known so far (more appear as answers come).
    pub fn progress(&self) -> (usize, usize) {
        let open = self.queue.len() + usize::from(self.current.is_some());
        (self.done, self.done + open)
    }

    /// Records of a lookup; `authenticated` as the bridge said.
    ///
    /// # Errors
    /// [`CheckError::UnexpectedResolve`] if this lookup is not the pending one.
    pub fn handle_resolved(
        &mut self,
        name: &str,
        rtype: RecordType,
        records: &[DnsRecord],
        authenticated: Option<bool>,
    ) -> Result<(), CheckError> {
        let purpose = self.take_resolve(name, rtype)?;
        let line = judge::dns_line(name, rtype, Ok(records), authenticated);
        self.found.dns_lines.push((purpose.kinds(), line));
        self.on_answer(purpose, Ok(records), authenticated);
        Ok(())
    }

    /// A failed lookup.
    ///
    /// # Errors
    /// [`CheckError::UnexpectedResolve`] if this lookup is not the pending one.
    pub fn handle_resolve_error(
        &mut self,
        name: &str,
        rtype: RecordType,
        code: ErrorCode,
        message: &str,
    ) -> Result<(), CheckError> {
        let purpose = self.take_resolve(name, rtype)?;
        let line = judge::dns_line(name, rtype, Err((code, message)), None);
        self.found.dns_lines.push((purpose.kinds(), line));
        if purpose == Purpose::Mx {
            self.found.mx_failure = Some((code, message.to_owned()));
        }
        self.on_answer(purpose, Err(LookupFailure::from(code)), None);
        Ok(())
    }

    /// The answer to [`Action::FetchMtaSts`].
    ///
    /// # Errors
    /// [`CheckError::UnexpectedResolve`] if no fetch is pending.
    pub fn handle_policy(&mut self, answer: PolicyAnswer) -> Result<(), CheckError> {
        if self.current != Some(Task::Fetch) {
            return Err(CheckError::UnexpectedResolve {
                name: format!("mta-sts.{}", self.found.domain),
                rtype: RecordType::A,
            });
        }
        self.current = None;
        self.done += 1;
        self.found.sts_policy = Some(answer);
        self.finish_if_idle();
        Ok(())
    }

    /// A finished STARTTLS session.
    ///
    /// # Errors
    /// [`CheckError::UnexpectedSession`] if no session with `label` is pending.
    pub fn handle_session(
        &mut self,
        label: &str,
        record: &SessionRecord,
    ) -> Result<(), CheckError> {
        let (mx, address) = match &self.current {
            Some(Task::Session { plan, mx, address }) if plan.label == label => (*mx, *address),
            _ => {
                return Err(CheckError::UnexpectedSession {
                    label: label.to_owned(),
                })
            }
        };
        self.current = None;
        self.done += 1;
        self.found.hosts[mx]
            .sessions
            .push((address, record.clone()));
        self.finish_if_idle();
        Ok(())
    }

    /// One result per check, once done.
    pub fn results(&self) -> Option<&[CheckResult]> {
        self.results.as_deref()
    }

    fn push(&mut self, name: String, rtype: RecordType, purpose: Purpose) {
        self.queue.push_back(Task::Resolve {
            name,
            rtype,
            purpose,
        });
    }

    fn wants(&self, kind: CheckKind) -> bool {
        self.kinds.contains(&kind)
    }

    fn take_resolve(&mut self, name: &str, rtype: RecordType) -> Result<Purpose, CheckError> {
        match self.current.take() {
            Some(Task::Resolve {
                name: asked,
                rtype: asked_type,
                purpose,
            }) if asked.eq_ignore_ascii_case(name.trim_end_matches('.')) && asked_type == rtype => {
                self.done += 1;
                Ok(purpose)
            }
            other => {
                self.current = other;
                Err(CheckError::UnexpectedResolve {
                    name: name.to_owned(),
                    rtype,
                })
            }
        }
    }

    fn on_answer(
        &mut self,
        purpose: Purpose,
        answer: Result<&[DnsRecord], LookupFailure>,
        authenticated: Option<bool>,
    ) {
        let texts = |a: Result<&[DnsRecord], LookupFailure>| a.map(txt_strings);
        match purpose {
            Purpose::Mx => self.on_mx(answer),
            Purpose::Address { mx } => self.on_address(mx, answer),
            Purpose::Spf { name } => self.on_spf(&name, texts(answer)),
            Purpose::Dmarc => self.found.dmarc = Some(texts(answer)),
            Purpose::TlsRpt => self.found.tls_rpt = Some(texts(answer)),
            Purpose::StsTxt => {
                let found = texts(answer);
                let has_record = found.as_ref().is_ok_and(|txts| {
                    txts.iter().any(|t| {
                        t.get(..7)
                            .is_some_and(|v| v.eq_ignore_ascii_case("v=STSv1"))
                    })
                });
                self.found.sts_txt = Some(found);
                if has_record {
                    self.queue.push_back(Task::Fetch);
                }
            }
            Purpose::Tlsa { mx } => {
                let tlsa = answer.map(Tlsa::from_records);
                self.found.hosts[mx].tlsa = Some((tlsa, authenticated));
            }
            Purpose::Ptr { mx, address } => self.on_ptr(mx, address, answer),
            Purpose::Forward { mx, address, name } => {
                let addresses = answer.map(addresses_of).unwrap_or_default();
                if let Some(lookup) = self.found.hosts[mx]
                    .reverse
                    .iter_mut()
                    .find(|l| l.address == address)
                {
                    lookup.forward.push((name, addresses));
                }
            }
            Purpose::Dnsbl { mx, address, zone } => {
                let listed = answer.map(addresses_of);
                self.found.hosts[mx].dnsbl.push((address, zone, listed));
            }
        }
        self.finish_if_idle();
    }

    fn on_mx(&mut self, answer: Result<&[DnsRecord], LookupFailure>) {
        let hosts: Vec<(Option<u16>, String)> = match answer {
            Ok(records) => records
                .iter()
                .filter_map(|r| match r {
                    DnsRecord::Mx {
                        preference,
                        exchange,
                    } => Some((
                        Some(*preference),
                        exchange.trim_end_matches('.').to_ascii_lowercase(),
                    )),
                    _ => None,
                })
                .collect(),
            Err(failure) if failure.is_absent() && failure == LookupFailure::NoRecords => {
                // RFC 5321 §5.1: no MX, the domain's own address records.
                self.found.implicit_mx = true;
                self.found.mx_failure = None;
                vec![(None, self.found.domain.clone())]
            }
            Err(_) => Vec::new(),
        };
        if hosts.len() == 1 && hosts[0].1.is_empty() {
            self.found.null_mx = true;
            return;
        }
        for (i, (preference, host)) in hosts.into_iter().take(MAX_MX_HOSTS).enumerate() {
            self.found.hosts.push(MxHost {
                preference,
                host: host.clone(),
                ..MxHost::default()
            });
            self.push(host.clone(), RecordType::A, Purpose::Address { mx: i });
            self.push(host, RecordType::Aaaa, Purpose::Address { mx: i });
        }
    }

    fn on_address(&mut self, mx: usize, answer: Result<&[DnsRecord], LookupFailure>) {
        let host = &mut self.found.hosts[mx];
        host.address_answers += 1;
        match answer {
            Ok(records) => {
                for address in addresses_of(records) {
                    if host.addresses.len() < MAX_ADDRESSES_PER_HOST
                        && !host.addresses.contains(&address)
                    {
                        host.addresses.push(address);
                    }
                }
            }
            Err(LookupFailure::NoRecords) => {}
            Err(failure) => host.address_problems.push(failure.to_string()),
        }
        if host.address_answers < 2 {
            return;
        }
        // Both families answered: everything per address can be queued.
        let name = host.host.clone();
        let addresses = host.addresses.clone();
        if self.wants(CheckKind::Dane) {
            let tlsa = format!("_{}._tcp.{name}", self.found.port);
            self.push(tlsa, RecordType::Tlsa, Purpose::Tlsa { mx });
        }
        for address in addresses {
            if self.wants(CheckKind::ReverseDns) {
                self.push(
                    reverse_name(address),
                    RecordType::Ptr,
                    Purpose::Ptr { mx, address },
                );
            }
            if self.wants(CheckKind::MxTls) || self.wants(CheckKind::Dane) {
                if let Ok(plan) = self.tls_session(&name, address) {
                    self.queue.push_back(Task::Session {
                        plan: Box::new(plan),
                        mx,
                        address,
                    });
                }
            }
            if let IpAddr::V4(v4) = address {
                if self.wants(CheckKind::Dnsbl) {
                    let [a, b, c, d] = v4.octets();
                    for zone in self.found.dnsbl_zones.clone() {
                        self.push(
                            format!("{d}.{c}.{b}.{a}.{zone}"),
                            RecordType::A,
                            Purpose::Dnsbl { mx, address, zone },
                        );
                    }
                }
            }
        }
    }

    fn on_ptr(&mut self, mx: usize, address: IpAddr, answer: Result<&[DnsRecord], LookupFailure>) {
        let names = answer.map(|records| {
            records
                .iter()
                .filter_map(|r| match r {
                    DnsRecord::Name { name } => {
                        Some(name.trim_end_matches('.').to_ascii_lowercase())
                    }
                    _ => None,
                })
                .collect::<Vec<_>>()
        });
        let rtype = if address.is_ipv4() {
            RecordType::A
        } else {
            RecordType::Aaaa
        };
        for name in names.iter().flatten().take(MAX_PTR_NAMES) {
            self.push(
                name.clone(),
                rtype,
                Purpose::Forward {
                    mx,
                    address,
                    name: name.clone(),
                },
            );
        }
        self.found.hosts[mx].reverse.push(ReverseLookup {
            address,
            names,
            forward: Vec::new(),
        });
    }

    fn on_spf(&mut self, name: &str, answer: Result<Vec<String>, LookupFailure>) {
        let Some(walk) = &mut self.spf else { return };
        // The walk only errs on an answer it did not ask for, and it asked
        // for exactly this name when the lookup was queued.
        let _ = walk.handle_txt(name, answer);
        self.next_spf();
    }

    /// Queues the SPF walk's next lookup, or keeps its result.
    fn next_spf(&mut self) {
        let Some(walk) = &mut self.spf else { return };
        if let Some(name) = walk.poll_lookup() {
            self.queue.push_back(Task::Resolve {
                name: name.clone(),
                rtype: RecordType::Txt,
                purpose: Purpose::Spf { name },
            });
        } else if walk.is_done() {
            self.found.spf = walk.result().cloned();
        }
    }

    /// A STARTTLS session on `address`, checking the certificate against
    /// `host` (the MX name, sent as SNI). It stops after the EHLO that
    /// follows the handshake.
    fn tls_session(&self, host: &str, address: IpAddr) -> Result<PlannedSession, InputError> {
        let mut spec = self.input.base_spec(host, Stage::Ehlo);
        spec.tls = TlsMode::StartTls;
        let mut plan = PlannedSession::new(
            format!("tls:{host}@{address}"),
            spec,
            SessionExtras::default(),
        )?;
        plan.connect_host = Some(address.to_string());
        Ok(plan)
    }

    fn finish_if_idle(&mut self) {
        if self.current.is_some() || !self.queue.is_empty() || self.results.is_some() {
            return;
        }
        if let Some(walk) = &self.spf {
            if !walk.is_done() {
                return;
            }
            self.found.spf = walk.result().cloned();
        }
        self.results = Some(judge::judge(&self.kinds, &self.found));
    }
}

/// The TXT strings of an answer.
fn txt_strings(records: &[DnsRecord]) -> Vec<String> {
    records
        .iter()
        .filter_map(|r| match r {
            DnsRecord::Txt { text } => Some(text.clone()),
            _ => None,
        })
        .collect()
}

/// The addresses of an answer.
fn addresses_of(records: &[DnsRecord]) -> Vec<IpAddr> {
    records
        .iter()
        .filter_map(|r| match r {
            DnsRecord::Address { address } => Some(*address),
            _ => None,
        })
        .collect()
}
