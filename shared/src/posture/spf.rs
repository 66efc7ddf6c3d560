//! SPF (RFC 7208): the record's parser, the selection among a name's TXT
//! strings (§4.5), and a sans-IO walk through `include:` and `redirect=`
//! that counts the DNS-querying terms (§4.6.4) and judges the chain.
//!
//! The walk does not evaluate a sender's address: it answers "is this
//! domain's SPF published correctly", not "would this IP pass".

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};

use super::{normalize_host, Assessment, CheckVerdict, Finding, LookupFailure, Selection};

/// RFC 7208 §4.6.4: more DNS-querying terms than this is a permerror.
pub const MAX_DNS_LOOKUPS: u32 = 10;

/// The SPF records among a name's TXT strings: those that are `v=spf1`
/// (any ASCII case, the ABNF's) followed by a space or the end (§4.5).
/// Several is a permerror.
pub fn spf_records(txts: &[String]) -> Selection {
    Selection::pick(txts, "v=spf1", &[' '], false)
}

/// A directive's qualifier (§4.6.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Qualifier {
    /// `+` (the default): a match passes.
    Pass,
    /// `-`: a match fails.
    Fail,
    /// `~`: a match soft-fails.
    SoftFail,
    /// `?`: a match is neutral.
    Neutral,
}

impl Qualifier {
    /// `+`, `-`, `~` or `?`.
    pub fn symbol(self) -> char {
        match self {
            Self::Pass => '+',
            Self::Fail => '-',
            Self::SoftFail => '~',
            Self::Neutral => '?',
        }
    }

    fn from_symbol(c: char) -> Option<Self> {
        match c {
            '+' => Some(Self::Pass),
            '-' => Some(Self::Fail),
            '~' => Some(Self::SoftFail),
            '?' => Some(Self::Neutral),
            _ => None,
        }
    }
}

/// A mechanism (§5), its arguments parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Mechanism {
    /// `all`: always matches.
    All,
    /// `include:domain`: matches when the domain's SPF passes.
    Include {
        /// The domain-spec (may hold macros).
        domain: String,
    },
    /// `a[:domain][/len4][//len6]`.
    A {
        /// The domain-spec; `None`: the current domain.
        domain: Option<String>,
        /// The IPv4 prefix length.
        cidr4: Option<u8>,
        /// The IPv6 prefix length.
        cidr6: Option<u8>,
    },
    /// `mx[:domain][/len4][//len6]`.
    Mx {
        /// The domain-spec; `None`: the current domain.
        domain: Option<String>,
        /// The IPv4 prefix length.
        cidr4: Option<u8>,
        /// The IPv6 prefix length.
        cidr6: Option<u8>,
    },
    /// `ptr[:domain]` (§5.5: SHOULD NOT be used).
    Ptr {
        /// The domain-spec; `None`: the current domain.
        domain: Option<String>,
    },
    /// `ip4:address[/len]`.
    Ip4 {
        /// The network's address.
        addr: Ipv4Addr,
        /// The prefix length (`None`: 32).
        prefix: Option<u8>,
    },
    /// `ip6:address[/len]`.
    Ip6 {
        /// The network's address.
        addr: Ipv6Addr,
        /// The prefix length (`None`: 128).
        prefix: Option<u8>,
    },
    /// `exists:domain`.
    Exists {
        /// The domain-spec (usually with macros).
        domain: String,
    },
}

impl Mechanism {
    /// Whether evaluating it queries DNS (§4.6.4: include, a, mx, ptr,
    /// exists).
    pub fn queries_dns(&self) -> bool {
        matches!(
            self,
            Self::Include { .. }
                | Self::A { .. }
                | Self::Mx { .. }
                | Self::Ptr { .. }
                | Self::Exists { .. }
        )
    }
}

fn write_cidr(f: &mut fmt::Formatter<'_>, cidr4: Option<u8>, cidr6: Option<u8>) -> fmt::Result {
    if let Some(len) = cidr4 {
        write!(f, "/{len}")?;
    }
    if let Some(len) = cidr6 {
        write!(f, "//{len}")?;
    }
    Ok(())
}

impl fmt::Display for Mechanism {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::All => f.write_str("all"),
            Self::Include { domain } => write!(f, "include:{domain}"),
            Self::A {
                domain,
                cidr4,
                cidr6,
            }
            | Self::Mx {
                domain,
                cidr4,
                cidr6,
            } => {
                f.write_str(if matches!(self, Self::A { .. }) {
                    "a"
                } else {
                    "mx"
                })?;
                if let Some(domain) = domain {
                    write!(f, ":{domain}")?;
                }
                write_cidr(f, *cidr4, *cidr6)
            }
            Self::Ptr { domain } => match domain {
                Some(domain) => write!(f, "ptr:{domain}"),
                None => f.write_str("ptr"),
            },
            Self::Ip4 { addr, prefix } => {
                write!(f, "ip4:{addr}")?;
                write_cidr(f, *prefix, None)
            }
            Self::Ip6 { addr, prefix } => {
                write!(f, "ip6:{addr}")?;
                write_cidr(f, *prefix, None)
            }
            Self::Exists { domain } => write!(f, "exists:{domain}"),
        }
    }
}

/// A term of a record (§4.6.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "term", rename_all = "snake_case")]
pub enum Term {
    /// A qualified mechanism.
    Directive {
        /// `+` when none was written.
        qualifier: Qualifier,
        /// The mechanism.
        mechanism: Mechanism,
    },
    /// `redirect=domain` (§6.1).
    Redirect {
        /// The domain-spec.
        domain: String,
    },
    /// `exp=domain` (§6.2).
    Explanation {
        /// The domain-spec.
        domain: String,
    },
    /// Any other modifier, kept (§6: ignored by evaluation).
    Unknown {
        /// Its name as written.
        name: String,
        /// Its value (a macro-string).
        value: String,
    },
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Directive {
                qualifier,
                mechanism,
            } => {
                if *qualifier != Qualifier::Pass {
                    write!(f, "{}", qualifier.symbol())?;
                }
                write!(f, "{mechanism}")
            }
            Self::Redirect { domain } => write!(f, "redirect={domain}"),
            Self::Explanation { domain } => write!(f, "exp={domain}"),
            Self::Unknown { name, value } => write!(f, "{name}={value}"),
        }
    }
}

/// Why a record does not parse, with the offending term as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum SpfError {
    /// It does not start with `v=spf1` and a space or the end.
    #[error("the record does not start with v=spf1")]
    NotSpf,
    /// A mechanism name RFC 7208 does not define.
    #[error("unknown mechanism: {term}")]
    UnknownMechanism {
        /// The term.
        term: String,
    },
    /// A modifier whose name is not `ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )`.
    #[error("invalid modifier name: {term}")]
    BadModifierName {
        /// The term.
        term: String,
    },
    /// `include`, `exists`, `ip4` or `ip6` without its argument.
    #[error("the mechanism needs an argument: {term}")]
    MissingArgument {
        /// The term.
        term: String,
    },
    /// An argument where the mechanism takes none (`all:…`, `ptr/24`).
    #[error("the mechanism takes no such argument: {term}")]
    UnexpectedArgument {
        /// The term.
        term: String,
    },
    /// A domain-spec that is no domain name or macro-string.
    #[error("invalid domain in: {term}")]
    BadDomainSpec {
        /// The term.
        term: String,
    },
    /// An `ip4:`/`ip6:` address that does not parse.
    #[error("invalid IP address in: {term}")]
    BadAddress {
        /// The term.
        term: String,
    },
    /// A prefix length out of range or with leading zeros.
    #[error("invalid prefix length in: {term}")]
    BadCidr {
        /// The term.
        term: String,
    },
    /// `redirect=` or `exp=` a second time (§6: permerror).
    #[error("modifier given twice: {term}")]
    DuplicateModifier {
        /// The second occurrence.
        term: String,
    },
}

/// A parsed SPF record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpfRecord {
    /// The record as published.
    pub text: String,
    /// Its terms in order.
    pub terms: Vec<Term>,
}

impl SpfRecord {
    /// Parses a record (§4.6.1 and §12): `v=spf1`, then terms separated by
    /// spaces; mechanism and modifier names in any ASCII case.
    pub fn parse(text: &str) -> Result<Self, SpfError> {
        let rest = match text.get(..6) {
            Some(version) if version.eq_ignore_ascii_case("v=spf1") => &text[6..],
            _ => return Err(SpfError::NotSpf),
        };
        if !(rest.is_empty() || rest.starts_with(' ')) {
            return Err(SpfError::NotSpf);
        }
        let mut terms = Vec::new();
        let (mut redirect, mut exp) = (false, false);
        for raw in rest.split(' ').filter(|t| !t.is_empty()) {
            let term = parse_term(raw)?;
            let seen = match term {
                Term::Redirect { .. } => Some(&mut redirect),
                Term::Explanation { .. } => Some(&mut exp),
                _ => None,
            };
            if let Some(seen) = seen {
                if *seen {
                    return Err(SpfError::DuplicateModifier { term: raw.into() });
                }
                *seen = true;
            }
            terms.push(term);
        }
        Ok(Self {
            text: text.into(),
            terms,
        })
    }

    /// The qualifier of the first `all`, if any.
    pub fn all(&self) -> Option<Qualifier> {
        self.terms.iter().find_map(|term| match term {
            Term::Directive {
                qualifier,
                mechanism: Mechanism::All,
            } => Some(*qualifier),
            _ => None,
        })
    }

    /// The `redirect=` domain, if any (ignored when the record has `all`).
    pub fn redirect(&self) -> Option<&str> {
        self.terms.iter().find_map(|term| match term {
            Term::Redirect { domain } => Some(domain.as_str()),
            _ => None,
        })
    }

    /// The `exp=` domain, if any.
    pub fn explanation(&self) -> Option<&str> {
        self.terms.iter().find_map(|term| match term {
            Term::Explanation { domain } => Some(domain.as_str()),
            _ => None,
        })
    }

    /// The `include:` domains in order.
    pub fn includes(&self) -> impl Iterator<Item = &str> {
        self.terms.iter().filter_map(|term| match term {
            Term::Directive {
                mechanism: Mechanism::Include { domain },
                ..
            } => Some(domain.as_str()),
            _ => None,
        })
    }

    /// The mechanisms in order.
    pub fn mechanisms(&self) -> impl Iterator<Item = &Mechanism> {
        self.terms.iter().filter_map(|term| match term {
            Term::Directive { mechanism, .. } => Some(mechanism),
            _ => None,
        })
    }

    /// This record's own DNS-querying terms (§4.6.4): include, a, mx, ptr,
    /// exists, and redirect when no `all` makes it unused.
    pub fn dns_lookups(&self) -> u32 {
        let mechanisms = self.mechanisms().filter(|m| m.queries_dns()).count();
        let redirect = self.all().is_none() && self.redirect().is_some();
        u32::try_from(mechanisms)
            .unwrap_or(u32::MAX)
            .saturating_add(u32::from(redirect))
    }

    /// Whether a mechanism follows `all` (never evaluated, §5.1).
    pub fn has_terms_after_all(&self) -> bool {
        let mut mechanisms = self.mechanisms().skip_while(|m| **m != Mechanism::All);
        mechanisms.next().is_some() && mechanisms.next().is_some()
    }
}

impl fmt::Display for SpfRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("v=spf1")?;
        for term in &self.terms {
            write!(f, " {term}")?;
        }
        Ok(())
    }
}

fn parse_term(raw: &str) -> Result<Term, SpfError> {
    let err = |make: fn(String) -> SpfError| make(raw.to_owned());
    if let Some(i) = raw
        .find([':', '/', '='])
        .filter(|&i| raw[i..].starts_with('='))
    {
        let (name, value) = (&raw[..i], &raw[i + 1..]);
        let mut chars = name.chars();
        let good_name = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !good_name {
            return Err(err(|term| SpfError::BadModifierName { term }));
        }
        let lower = name.to_ascii_lowercase();
        if lower == "redirect" || lower == "exp" {
            if !valid_domain_spec(value) {
                return Err(err(|term| SpfError::BadDomainSpec { term }));
            }
            let domain = value.to_owned();
            return Ok(if lower == "redirect" {
                Term::Redirect { domain }
            } else {
                Term::Explanation { domain }
            });
        }
        if !valid_macro_string(value) {
            return Err(err(|term| SpfError::BadDomainSpec { term }));
        }
        return Ok(Term::Unknown {
            name: name.into(),
            value: value.into(),
        });
    }
    let mut chars = raw.chars();
    let (qualifier, body) = match chars.next().and_then(Qualifier::from_symbol) {
        Some(q) => (q, chars.as_str()),
        None => (Qualifier::Pass, raw),
    };
    let split = body.find([':', '/']).unwrap_or(body.len());
    let (name, args) = (body[..split].to_ascii_lowercase(), &body[split..]);
    let domain_arg = |args: &str| -> Result<String, SpfError> {
        let Some(domain) = args.strip_prefix(':') else {
            return Err(err(|term| SpfError::MissingArgument { term }));
        };
        if valid_domain_spec(domain) {
            Ok(domain.to_owned())
        } else {
            Err(err(|term| SpfError::BadDomainSpec { term }))
        }
    };
    let mechanism = match name.as_str() {
        "all" if args.is_empty() => Mechanism::All,
        "all" => return Err(err(|term| SpfError::UnexpectedArgument { term })),
        "include" => Mechanism::Include {
            domain: domain_arg(args)?,
        },
        "exists" => Mechanism::Exists {
            domain: domain_arg(args)?,
        },
        "ptr" if args.is_empty() => Mechanism::Ptr { domain: None },
        "ptr" if args.starts_with('/') => {
            return Err(err(|term| SpfError::UnexpectedArgument { term }))
        }
        "ptr" => Mechanism::Ptr {
            domain: Some(domain_arg(args)?),
        },
        "a" | "mx" => {
            let mut head = args;
            let mut cidr6 = None;
            if let Some(i) = head.rfind("//") {
                cidr6 = Some(
                    cidr(&head[i + 2..], 128)
                        .ok_or_else(|| err(|term| SpfError::BadCidr { term }))?,
                );
                head = &head[..i];
            }
            let mut cidr4 = None;
            if let Some(i) = head.rfind('/') {
                cidr4 = Some(
                    cidr(&head[i + 1..], 32)
                        .ok_or_else(|| err(|term| SpfError::BadCidr { term }))?,
                );
                head = &head[..i];
            }
            let domain = if head.is_empty() {
                None
            } else {
                Some(domain_arg(head)?)
            };
            if name == "a" {
                Mechanism::A {
                    domain,
                    cidr4,
                    cidr6,
                }
            } else {
                Mechanism::Mx {
                    domain,
                    cidr4,
                    cidr6,
                }
            }
        }
        "ip4" | "ip6" => {
            let Some(network) = args.strip_prefix(':') else {
                return Err(err(|term| SpfError::MissingArgument { term }));
            };
            let (addr, prefix) = match network.split_once('/') {
                Some((addr, len)) => {
                    let max = if name == "ip4" { 32 } else { 128 };
                    let len =
                        cidr(len, max).ok_or_else(|| err(|term| SpfError::BadCidr { term }))?;
                    (addr, Some(len))
                }
                None => (network, None),
            };
            let bad = || err(|term| SpfError::BadAddress { term });
            if name == "ip4" {
                Mechanism::Ip4 {
                    addr: addr.parse().map_err(|_| bad())?,
                    prefix,
                }
            } else {
                Mechanism::Ip6 {
                    addr: addr.parse().map_err(|_| bad())?,
                    prefix,
                }
            }
        }
        _ => return Err(err(|term| SpfError::UnknownMechanism { term })),
    };
    Ok(Term::Directive {
        qualifier,
        mechanism,
    })
}

/// A prefix length: `"0"` or digits without a leading zero, at most `max`.
fn cidr(text: &str, max: u8) -> Option<u8> {
    let digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    if !digits || (text.len() > 1 && text.starts_with('0')) || text.len() > 3 {
        return None;
    }
    text.parse().ok().filter(|len| *len <= max)
}

/// Checks a macro-string (§7.1): visible ASCII, each `%` starting `%%`,
/// `%_`, `%-` or `%{letter digits [r] delimiters}`. Returns whether it
/// ends with a macro-expand, or `None` when it is invalid.
fn scan_macro_string(text: &str) -> Option<bool> {
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut ends_with_macro = false;
    while i < bytes.len() {
        let b = bytes[i];
        if !(0x21..=0x7e).contains(&b) {
            return None;
        }
        if b != b'%' {
            ends_with_macro = false;
            i += 1;
            continue;
        }
        match bytes.get(i + 1)? {
            b'%' | b'_' | b'-' => i += 2,
            b'{' => {
                let close = i + 2 + text[i + 2..].find('}')?;
                let inner = &text[i + 2..close];
                let mut chars = inner.chars();
                if !chars
                    .next()
                    .is_some_and(|c| "slodiphcrtv".contains(c.to_ascii_lowercase()))
                {
                    return None;
                }
                let rest = chars
                    .as_str()
                    .trim_start_matches(|c: char| c.is_ascii_digit());
                let rest = rest.strip_prefix(['r', 'R']).unwrap_or(rest);
                if !rest.chars().all(|c| ".-+,/_=".contains(c)) {
                    return None;
                }
                i = close + 1;
            }
            _ => return None,
        }
        ends_with_macro = true;
    }
    Some(ends_with_macro)
}

fn valid_macro_string(text: &str) -> bool {
    scan_macro_string(text).is_some()
}

/// A domain-spec (§7.1): a macro-string ending with a macro-expand or with
/// `.toplabel` (and an optional final dot).
fn valid_domain_spec(spec: &str) -> bool {
    match scan_macro_string(spec) {
        None => false,
        Some(true) => true,
        Some(false) => {
            let trimmed = spec.strip_suffix('.').unwrap_or(spec);
            let Some((_, top)) = trimmed.rsplit_once('.') else {
                return false;
            };
            !top.is_empty()
                && top.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !top.starts_with('-')
                && !top.ends_with('-')
                && !top.bytes().all(|b| b.is_ascii_digit())
        }
    }
}

/// How a record was reached from the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Link {
    /// By `include:`.
    Include,
    /// By `redirect=`.
    Redirect,
}

impl fmt::Display for Link {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Include => "include:",
            Self::Redirect => "redirect=",
        })
    }
}

/// What the SPF walk found, one fact per value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum SpfFinding {
    /// The domain publishes no SPF record (fail).
    #[error("{domain} publishes no SPF record")]
    NoRecord {
        /// The domain.
        domain: String,
    },
    /// Several `v=spf1` records: permerror (fail).
    #[error("{domain} publishes {count} SPF records; exactly one is allowed")]
    SeveralRecords {
        /// The domain.
        domain: String,
        /// How many.
        count: usize,
    },
    /// A record does not parse: permerror (fail).
    #[error("the SPF record of {domain} does not parse: {error}")]
    Syntax {
        /// The domain whose record it is.
        domain: String,
        /// What is wrong.
        error: SpfError,
    },
    /// An `include:` or `redirect=` target has no SPF record: permerror (fail).
    #[error("{link}{domain} (from {from}) has no SPF record")]
    MissingTarget {
        /// The target.
        domain: String,
        /// The domain whose record names it.
        from: String,
        /// How.
        link: Link,
    },
    /// The TXT lookup failed: temperror, nothing decided (warn).
    #[error("the TXT lookup of {domain} failed: {failure}")]
    LookupFailed {
        /// The name looked up.
        domain: String,
        /// How it failed.
        failure: LookupFailure,
    },
    /// More than 10 DNS-querying terms: permerror (fail).
    #[error("{lookups} DNS lookups counted so far; at most 10 are allowed")]
    TooManyLookups {
        /// The count when the walk stopped.
        lookups: u32,
    },
    /// An `include:`/`redirect=` leads back to a record above it (fail).
    #[error("{link}{domain} (from {from}) loops back to a record already being evaluated")]
    Loop {
        /// The repeated domain.
        domain: String,
        /// The domain whose record names it.
        from: String,
        /// How.
        link: Link,
    },
    /// `+all`: anyone may send as the domain (fail).
    #[error("the record of {domain} ends with +all: any server may send as the domain")]
    PassAll {
        /// The domain whose record has it.
        domain: String,
    },
    /// `?all`: the record says nothing about other servers (warn).
    #[error("the record of {domain} ends with ?all: other servers are neutral, not refused")]
    NeutralAll {
        /// The domain.
        domain: String,
    },
    /// No `all` and no `redirect=`: neutral by default (warn).
    #[error("the record of {domain} has neither all nor redirect: other servers are neutral")]
    NoAll {
        /// The domain.
        domain: String,
    },
    /// `~all`: other servers soft-fail (a note; pass).
    #[error("the record of {domain} ends with ~all: other servers soft-fail")]
    SoftFailAll {
        /// The domain.
        domain: String,
    },
    /// `-all`: other servers fail (pass).
    #[error("the record of {domain} ends with -all: other servers fail")]
    FailAll {
        /// The domain.
        domain: String,
    },
    /// `ptr` is used (§5.5: SHOULD NOT; slow, unreliable) (warn).
    #[error("the record of {domain} uses ptr, which RFC 7208 says not to use")]
    PtrUsed {
        /// The domain.
        domain: String,
    },
    /// Mechanisms after `all` are never evaluated (warn).
    #[error("the record of {domain} has mechanisms after all, which are never evaluated")]
    TermsAfterAll {
        /// The domain.
        domain: String,
    },
    /// An `include:`/`redirect=` target holds macros (it depends on the
    /// sender): not followed, its lookups not counted (warn).
    #[error("{link}{target} (from {domain}) depends on the sender and was not followed")]
    MacroNotFollowed {
        /// The domain whose record names it.
        domain: String,
        /// The domain-spec.
        target: String,
        /// How.
        link: Link,
    },
}

impl Finding for SpfFinding {
    fn verdict(&self) -> CheckVerdict {
        match self {
            Self::SoftFailAll { .. } | Self::FailAll { .. } => CheckVerdict::Pass,
            Self::LookupFailed { .. }
            | Self::NeutralAll { .. }
            | Self::NoAll { .. }
            | Self::PtrUsed { .. }
            | Self::TermsAfterAll { .. }
            | Self::MacroNotFollowed { .. } => CheckVerdict::Warn,
            Self::NoRecord { .. }
            | Self::SeveralRecords { .. }
            | Self::Syntax { .. }
            | Self::MissingTarget { .. }
            | Self::TooManyLookups { .. }
            | Self::Loop { .. }
            | Self::PassAll { .. } => CheckVerdict::Fail,
        }
    }
}

/// The end of an SPF walk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpfChain {
    /// The domain walked.
    pub domain: String,
    /// DNS-querying terms counted over the chain (§4.6.4).
    pub lookups: u32,
    /// The records read, in the order they were fetched (the domain first).
    pub chain: Vec<(String, SpfRecord)>,
    /// Pass, warn or fail.
    pub verdict: CheckVerdict,
    /// Why, in the order found.
    pub findings: Vec<SpfFinding>,
}

/// The driver answered a lookup that was not asked (misuse).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpfWalkError {
    /// No TXT lookup of this name is pending.
    #[error("no TXT lookup of {name} is pending")]
    Unexpected {
        /// The name answered.
        name: String,
    },
}

#[derive(Debug, Clone)]
struct Pending {
    name: String,
    /// `None`: the walked domain itself.
    via: Option<(Link, String)>,
    asked: bool,
}

#[derive(Debug, Clone)]
struct Frame {
    domain: String,
    targets: Vec<(Link, String)>,
    next: usize,
}

/// A sans-IO walk of a domain's SPF: asks for TXT records one name at a
/// time, follows `include:` and `redirect=` depth first, counts the
/// DNS-querying terms, stops past 10 or on a loop, and judges.
///
/// ```text
/// let mut walk = SpfWalk::new("example.com");
/// while !walk.is_done() {
///     if let Some(name) = walk.poll_lookup() {
///         let answer = resolve_txt(&name); // Result<Vec<String>, LookupFailure>
///         walk.handle_txt(&name, answer)?;
///     }
/// }
/// let chain = walk.result();
/// ```
#[derive(Debug, Clone)]
pub struct SpfWalk {
    domain: String,
    lookups: u32,
    chain: Vec<(String, SpfRecord)>,
    findings: Vec<SpfFinding>,
    stack: Vec<Frame>,
    pending: Option<Pending>,
    done: Option<SpfChain>,
}

impl SpfWalk {
    /// A walk of `domain`'s SPF (compared without case or final dot).
    pub fn new(domain: &str) -> Self {
        let domain = normalize_host(domain);
        Self {
            pending: Some(Pending {
                name: domain.clone(),
                via: None,
                asked: false,
            }),
            domain,
            lookups: 0,
            chain: Vec::new(),
            findings: Vec::new(),
            stack: Vec::new(),
            done: None,
        }
    }

    /// The next name whose TXT records the driver looks up, once; `None`
    /// while an answer is awaited or when done.
    pub fn poll_lookup(&mut self) -> Option<String> {
        let pending = self.pending.as_mut().filter(|p| !p.asked)?;
        pending.asked = true;
        Some(pending.name.clone())
    }

    /// The TXT strings of `name` (each record's strings joined), or why
    /// there are none.
    pub fn handle_txt(
        &mut self,
        name: &str,
        answer: Result<Vec<String>, LookupFailure>,
    ) -> Result<(), SpfWalkError> {
        let pending = match self.pending.take() {
            Some(p) if p.asked && p.name == normalize_host(name) => p,
            other => {
                self.pending = other;
                return Err(SpfWalkError::Unexpected { name: name.into() });
            }
        };
        let domain = pending.name;
        let txts = match answer {
            Ok(txts) => txts,
            Err(failure) if failure.is_absent() => Vec::new(),
            Err(failure) => {
                self.findings
                    .push(SpfFinding::LookupFailed { domain, failure });
                self.finish();
                return Ok(());
            }
        };
        let text = match spf_records(&txts) {
            Selection::One(text) => text,
            Selection::None => {
                self.findings.push(match pending.via {
                    None => SpfFinding::NoRecord { domain },
                    Some((link, from)) => SpfFinding::MissingTarget { domain, from, link },
                });
                self.finish();
                return Ok(());
            }
            Selection::Several(records) => {
                self.findings.push(SpfFinding::SeveralRecords {
                    domain,
                    count: records.len(),
                });
                self.finish();
                return Ok(());
            }
        };
        let record = match SpfRecord::parse(&text) {
            Ok(record) => record,
            Err(error) => {
                self.findings.push(SpfFinding::Syntax { domain, error });
                self.finish();
                return Ok(());
            }
        };
        self.judge_record(&domain, &record, pending.via.map(|(link, _)| link));
        self.lookups = self.lookups.saturating_add(record.dns_lookups());
        let mut targets: Vec<(Link, String)> = Vec::new();
        let redirect = record.redirect().filter(|_| record.all().is_none());
        let named = record
            .includes()
            .map(|d| (Link::Include, d))
            .chain(redirect.map(|d| (Link::Redirect, d)));
        for (link, target) in named {
            if target.contains('%') {
                self.findings.push(SpfFinding::MacroNotFollowed {
                    domain: domain.clone(),
                    target: target.into(),
                    link,
                });
            } else {
                targets.push((link, normalize_host(target)));
            }
        }
        self.chain.push((domain.clone(), record));
        if self.lookups > MAX_DNS_LOOKUPS {
            self.findings.push(SpfFinding::TooManyLookups {
                lookups: self.lookups,
            });
            self.finish();
            return Ok(());
        }
        self.stack.push(Frame {
            domain,
            targets,
            next: 0,
        });
        self.advance();
        Ok(())
    }

    /// Whether the walk has ended.
    pub fn is_done(&self) -> bool {
        self.done.is_some()
    }

    /// The chain and its verdict, once done.
    pub fn result(&self) -> Option<&SpfChain> {
        self.done.as_ref()
    }

    /// The chain and its verdict, once done.
    pub fn into_result(self) -> Option<SpfChain> {
        self.done
    }

    /// The findings of one record on its own: how it ends (for the
    /// domain's record and what it redirects to; only `+all` matters in an
    /// included one), `ptr`, mechanisms after `all`.
    fn judge_record(&mut self, domain: &str, record: &SpfRecord, via: Option<Link>) {
        let domain = domain.to_owned();
        let all = record.all();
        if via == Some(Link::Include) {
            if all == Some(Qualifier::Pass) {
                self.findings.push(SpfFinding::PassAll {
                    domain: domain.clone(),
                });
            }
        } else {
            match all {
                Some(Qualifier::Pass) => self.findings.push(SpfFinding::PassAll {
                    domain: domain.clone(),
                }),
                Some(Qualifier::Neutral) => self.findings.push(SpfFinding::NeutralAll {
                    domain: domain.clone(),
                }),
                Some(Qualifier::SoftFail) => self.findings.push(SpfFinding::SoftFailAll {
                    domain: domain.clone(),
                }),
                Some(Qualifier::Fail) => self.findings.push(SpfFinding::FailAll {
                    domain: domain.clone(),
                }),
                None if record.redirect().is_none() => self.findings.push(SpfFinding::NoAll {
                    domain: domain.clone(),
                }),
                None => {}
            }
        }
        if record
            .mechanisms()
            .any(|m| matches!(m, Mechanism::Ptr { .. }))
        {
            self.findings.push(SpfFinding::PtrUsed {
                domain: domain.clone(),
            });
        }
        if record.has_terms_after_all() {
            self.findings.push(SpfFinding::TermsAfterAll { domain });
        }
    }

    /// Asks for the next target depth first, or ends.
    fn advance(&mut self) {
        while let Some(frame) = self.stack.last_mut() {
            let Some((link, target)) = frame.targets.get(frame.next).cloned() else {
                self.stack.pop();
                continue;
            };
            frame.next += 1;
            let from = frame.domain.clone();
            if self.stack.iter().any(|f| f.domain == target) {
                self.findings.push(SpfFinding::Loop {
                    domain: target,
                    from,
                    link,
                });
                self.finish();
                return;
            }
            self.pending = Some(Pending {
                name: target,
                via: Some((link, from)),
                asked: false,
            });
            return;
        }
        self.finish();
    }

    fn finish(&mut self) {
        self.stack.clear();
        self.pending = None;
        let assessment = Assessment::from_findings(std::mem::take(&mut self.findings));
        self.done = Some(SpfChain {
            domain: self.domain.clone(),
            lookups: self.lookups,
            chain: std::mem::take(&mut self.chain),
            verdict: assessment.verdict,
            findings: assessment.findings,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const GOOGLE: &str = "v=spf1 include:_spf.google.com ~all";
    const MICROSOFT: &str = "v=spf1 include:_spf-a.microsoft.com include:_spf-b.microsoft.com \
        include:_spf-c.microsoft.com include:_spf-ssg-a.msft.net include:spf-a.hotmail.com \
        include:_spf1-meo.microsoft.com -all";

    fn parse(text: &str) -> SpfRecord {
        SpfRecord::parse(text).expect("parses")
    }

    fn error(text: &str) -> SpfError {
        SpfRecord::parse(text).expect_err("refused")
    }

    /// Walks a single record with no include or redirect followed.
    fn judge(text: &str) -> SpfChain {
        let mut walk = SpfWalk::new("example.com");
        let name = walk.poll_lookup().expect("asks");
        walk.handle_txt(&name, Ok(vec![text.to_owned()]))
            .expect("asked");
        walk.into_result().expect("done")
    }

    #[test]
    fn googles_record_parses() {
        let record = parse(GOOGLE);
        assert_eq!(record.includes().collect::<Vec<_>>(), ["_spf.google.com"]);
        assert_eq!(record.all(), Some(Qualifier::SoftFail));
        assert_eq!(record.dns_lookups(), 1);
        let netblocks =
            parse("v=spf1 ip4:35.190.247.0/24 ip4:64.233.160.0/19 ip6:2001:4860:4000::/36 ~all");
        assert_eq!(
            netblocks.mechanisms().nth(2),
            Some(&Mechanism::Ip6 {
                addr: "2001:4860:4000::".parse().expect("ip6"),
                prefix: Some(36)
            })
        );
        assert_eq!(netblocks.dns_lookups(), 0);
    }

    #[test]
    fn microsofts_record_counts_six_lookups() {
        let record = parse(MICROSOFT);
        assert_eq!(record.includes().count(), 6);
        assert_eq!(record.dns_lookups(), 6);
        assert_eq!(record.all(), Some(Qualifier::Fail));
    }

    #[test]
    fn every_mechanism_and_qualifier_parses() {
        let record = parse(
            "v=spf1 +a -MX:mail.example.com/24//64 ~ptr ?exists:%{i}._spf.%{d} \
             ip4:192.0.2.0/24 ip6:2001:db8::/32 a//0 include:_spf.example.net -all",
        );
        let got: Vec<&Term> = record.terms.iter().collect();
        assert_eq!(got.len(), 9);
        assert_eq!(
            got[1],
            &Term::Directive {
                qualifier: Qualifier::Fail,
                mechanism: Mechanism::Mx {
                    domain: Some("mail.example.com".into()),
                    cidr4: Some(24),
                    cidr6: Some(64)
                }
            }
        );
        assert_eq!(
            got[2],
            &Term::Directive {
                qualifier: Qualifier::SoftFail,
                mechanism: Mechanism::Ptr { domain: None }
            }
        );
        assert_eq!(
            got[3],
            &Term::Directive {
                qualifier: Qualifier::Neutral,
                mechanism: Mechanism::Exists {
                    domain: "%{i}._spf.%{d}".into()
                }
            }
        );
        assert_eq!(
            got[6],
            &Term::Directive {
                qualifier: Qualifier::Pass,
                mechanism: Mechanism::A {
                    domain: None,
                    cidr4: None,
                    cidr6: Some(0)
                }
            }
        );
        // a, mx, ptr, exists, a, include
        assert_eq!(record.dns_lookups(), 6);
    }

    #[test]
    fn modifiers_are_typed_and_unknown_ones_kept() {
        let record = parse("v=spf1 redirect=_spf.example.com exp=explain.%{d} moo.cow-1=%{s}x");
        assert_eq!(record.redirect(), Some("_spf.example.com"));
        assert_eq!(record.explanation(), Some("explain.%{d}"));
        assert_eq!(
            record.terms[2],
            Term::Unknown {
                name: "moo.cow-1".into(),
                value: "%{s}x".into()
            }
        );
        // redirect counts only without all
        assert_eq!(record.dns_lookups(), 1);
        assert_eq!(parse("v=spf1 redirect=a.example -all").dns_lookups(), 0);
    }

    #[test]
    fn the_version_is_v_spf1_then_a_space_or_the_end() {
        assert_eq!(error("v=spf10 -all"), SpfError::NotSpf);
        assert_eq!(error("v=spf1-all"), SpfError::NotSpf);
        assert_eq!(error("spf1 -all"), SpfError::NotSpf);
        assert_eq!(error(""), SpfError::NotSpf);
        assert!(parse("V=SPF1  -ALL ").all() == Some(Qualifier::Fail));
        assert!(parse("v=spf1").terms.is_empty());
    }

    #[test]
    fn an_unknown_mechanism_is_named() {
        assert_eq!(
            error("v=spf1 ipv4:192.0.2.1 -all"),
            SpfError::UnknownMechanism {
                term: "ipv4:192.0.2.1".into()
            }
        );
        assert_eq!(
            error("v=spf1 mx\t-all"),
            SpfError::UnknownMechanism {
                term: "mx\t-all".into()
            }
        );
    }

    #[test]
    fn bad_addresses_and_prefix_lengths_are_named() {
        let bad_address = |term: &str| SpfError::BadAddress { term: term.into() };
        let bad_cidr = |term: &str| SpfError::BadCidr { term: term.into() };
        assert_eq!(
            error("v=spf1 ip4:192.0.2.300 -all"),
            bad_address("ip4:192.0.2.300")
        );
        assert_eq!(
            error("v=spf1 ip6:2001:db8::g -all"),
            bad_address("ip6:2001:db8::g")
        );
        assert_eq!(
            error("v=spf1 ip4:192.0.2.0/33"),
            bad_cidr("ip4:192.0.2.0/33")
        );
        assert_eq!(
            error("v=spf1 ip6:2001:db8::/129"),
            bad_cidr("ip6:2001:db8::/129")
        );
        assert_eq!(error("v=spf1 a/024"), bad_cidr("a/024"));
        assert_eq!(error("v=spf1 mx//129"), bad_cidr("mx//129"));
        assert_eq!(error("v=spf1 a:example.com/"), bad_cidr("a:example.com/"));
    }

    #[test]
    fn missing_and_unexpected_arguments_are_named() {
        assert_eq!(
            error("v=spf1 include -all"),
            SpfError::MissingArgument {
                term: "include".into()
            }
        );
        assert_eq!(
            error("v=spf1 ip4 -all"),
            SpfError::MissingArgument { term: "ip4".into() }
        );
        assert_eq!(
            error("v=spf1 all:example.com"),
            SpfError::UnexpectedArgument {
                term: "all:example.com".into()
            }
        );
        assert_eq!(
            error("v=spf1 ptr/24"),
            SpfError::UnexpectedArgument {
                term: "ptr/24".into()
            }
        );
    }

    #[test]
    fn bad_domain_specs_are_named() {
        for term in [
            "include:",
            "include:localhost",
            "include:example.123",
            "exists:%{x}.example.com",
            "a:example.-com",
            "redirect=",
            "exp=%",
        ] {
            assert_eq!(
                error(&format!("v=spf1 {term} -all")),
                SpfError::BadDomainSpec { term: term.into() },
                "{term}"
            );
        }
        assert!(SpfRecord::parse("v=spf1 include:%{d} include:example.com. -all").is_ok());
        assert_eq!(
            error("v=spf1 1bad=x"),
            SpfError::BadModifierName {
                term: "1bad=x".into()
            }
        );
    }

    #[test]
    fn a_second_redirect_or_exp_is_an_error() {
        assert_eq!(
            error("v=spf1 redirect=a.example.com REDIRECT=b.example.com"),
            SpfError::DuplicateModifier {
                term: "REDIRECT=b.example.com".into()
            }
        );
        assert_eq!(
            error("v=spf1 exp=a.example.com exp=b.example.com -all"),
            SpfError::DuplicateModifier {
                term: "exp=b.example.com".into()
            }
        );
    }

    #[test]
    fn display_writes_the_canonical_record() {
        let record = parse("v=spf1 +A  MX/24//64 ?ip4:192.0.2.1 redirect=x.example.com");
        assert_eq!(
            record.to_string(),
            "v=spf1 a mx/24//64 ?ip4:192.0.2.1 redirect=x.example.com"
        );
        assert_eq!(
            record.text,
            "v=spf1 +A  MX/24//64 ?ip4:192.0.2.1 redirect=x.example.com"
        );
    }

    #[test]
    fn only_exactly_one_v_spf1_string_is_selected() {
        let txts = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            spf_records(&txts(&["MS=ms12345", GOOGLE, "v=spf10"])),
            Selection::One(GOOGLE.into())
        );
        assert_eq!(spf_records(&txts(&["v=DMARC1; p=none"])), Selection::None);
        assert_eq!(
            spf_records(&txts(&[GOOGLE, "v=spf1 -all"])),
            Selection::Several(txts(&[GOOGLE, "v=spf1 -all"]))
        );
    }

    #[test]
    fn how_the_record_ends_sets_the_verdict() {
        let cases: [(&str, CheckVerdict, SpfFinding); 5] = [
            (
                "v=spf1 mx -all",
                CheckVerdict::Pass,
                SpfFinding::FailAll {
                    domain: "example.com".into(),
                },
            ),
            (
                "v=spf1 mx ~all",
                CheckVerdict::Pass,
                SpfFinding::SoftFailAll {
                    domain: "example.com".into(),
                },
            ),
            (
                "v=spf1 mx ?all",
                CheckVerdict::Warn,
                SpfFinding::NeutralAll {
                    domain: "example.com".into(),
                },
            ),
            (
                "v=spf1 mx +all",
                CheckVerdict::Fail,
                SpfFinding::PassAll {
                    domain: "example.com".into(),
                },
            ),
            (
                "v=spf1 mx",
                CheckVerdict::Warn,
                SpfFinding::NoAll {
                    domain: "example.com".into(),
                },
            ),
        ];
        for (text, verdict, finding) in cases {
            let chain = judge(text);
            assert_eq!(chain.verdict, verdict, "{text}");
            assert_eq!(chain.findings, [finding], "{text}");
            assert_eq!(chain.lookups, 1, "{text}");
        }
    }

    #[test]
    fn ptr_and_mechanisms_after_all_warn() {
        let chain = judge("v=spf1 ptr -all");
        assert_eq!(chain.verdict, CheckVerdict::Warn);
        assert!(chain.findings.contains(&SpfFinding::PtrUsed {
            domain: "example.com".into()
        }));
        let chain = judge("v=spf1 -all ip4:192.0.2.1");
        assert_eq!(chain.verdict, CheckVerdict::Warn);
        assert!(chain.findings.contains(&SpfFinding::TermsAfterAll {
            domain: "example.com".into()
        }));
        assert!(!parse("v=spf1 ip4:192.0.2.1 -all").has_terms_after_all());
    }

    #[test]
    fn a_broken_record_fails_with_its_error() {
        let chain = judge("v=spf1 ip4:192.0.2.300 include:_spf.example.net ~all");
        assert_eq!(chain.verdict, CheckVerdict::Fail);
        assert_eq!(
            chain.findings,
            [SpfFinding::Syntax {
                domain: "example.com".into(),
                error: SpfError::BadAddress {
                    term: "ip4:192.0.2.300".into()
                }
            }]
        );
        assert!(chain.chain.is_empty());
    }

    #[test]
    fn a_macro_include_is_not_followed() {
        let chain = judge("v=spf1 include:%{ir}.%{v}._spf.example.com -all");
        assert_eq!(chain.verdict, CheckVerdict::Warn);
        assert_eq!(chain.lookups, 1);
        assert!(chain.findings.contains(&SpfFinding::MacroNotFollowed {
            domain: "example.com".into(),
            target: "%{ir}.%{v}._spf.example.com".into(),
            link: Link::Include
        }));
    }

    #[test]
    fn findings_serialize_with_codes_and_read_in_english() {
        let finding = SpfFinding::PassAll {
            domain: "example.com".into(),
        };
        let json = serde_json::to_value(&finding).expect("json");
        assert_eq!(json["code"], "pass_all");
        assert_eq!(
            finding.to_string(),
            "the record of example.com ends with +all: any server may send as the domain"
        );
        let error = serde_json::to_value(SpfError::BadCidr {
            term: "a/33".into(),
        })
        .expect("json");
        assert_eq!(error["code"], "bad_cidr");
        assert_eq!(error["term"], "a/33");
    }
}
