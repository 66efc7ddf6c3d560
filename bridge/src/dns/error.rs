//! Why a lookup gave no records ([`DnsError`]), each failure with its wire
//! code, and the mapping from hickory's errors ([`classify`]).

use std::time::Duration;

use hickory_resolver::net::{DnsError as HickoryDnsError, NetError};
use hickory_resolver::proto::op::ResponseCode;
use smtplab_shared::wire::{ErrorCode, RecordType, MAX_SERVER_MESSAGE_BYTES};

use super::{MAX_LABEL_LEN, MAX_NAME_LEN};

/// Why a lookup gave no records.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DnsError {
    /// The name is empty, too long, has an empty or over-long label, or
    /// characters other than ASCII letters, digits, `-` and `_`.
    #[error("{name:?} is not a valid DNS name (at most {MAX_NAME_LEN} characters, labels of 1 to {MAX_LABEL_LEN} ASCII letters, digits, '-' or '_'; write international names in their xn-- form)")]
    BadName {
        /// The name as asked (truncated for the message).
        name: String,
    },
    /// NXDOMAIN: the name does not exist.
    #[error("{name} does not exist (NXDOMAIN)")]
    Nxdomain {
        /// The name.
        name: String,
    },
    /// The name exists but has no record of this type.
    #[error("{name} has no {rtype} records")]
    NoRecords {
        /// The name.
        name: String,
        /// The type asked for.
        rtype: RecordType,
    },
    /// The server answered with an error code (SERVFAIL, REFUSED, …).
    #[error("the DNS server answered {rcode} for {name}")]
    Servfail {
        /// The name.
        name: String,
        /// The response code, as DNS names it.
        rcode: String,
    },
    /// No answer within the deadline.
    #[error("no DNS answer for {name} within {} ms", timeout.as_millis())]
    Timeout {
        /// The name.
        name: String,
        /// The deadline that passed.
        timeout: Duration,
    },
    /// With DNSSEC validation on, the answer (or the proof that there is
    /// none) is bogus: a signature is missing, expired or does not match,
    /// or the chain of trust from a trust anchor is broken. Not passed on:
    /// a validating resolver must not use it (RFC 4035 §5.5).
    #[error("the {rtype} answer for {name} failed DNSSEC validation (bogus): a signature is missing, expired or does not match the records, or the chain of trust from the trust anchor is broken")]
    Bogus {
        /// The name.
        name: String,
        /// The type asked for.
        rtype: RecordType,
    },
    /// The records would make a `resolved` message larger than a server
    /// message may be.
    #[error("the {rtype} records of {name} are too large to pass on (over {} KiB)", MAX_SERVER_MESSAGE_BYTES / 1024)]
    TooLarge {
        /// The name.
        name: String,
        /// The type asked for.
        rtype: RecordType,
    },
    /// Any other resolver failure (no server reachable, malformed answer, …).
    #[error("looking up {name} failed: {reason}")]
    Failed {
        /// The name.
        name: String,
        /// The resolver's explanation.
        reason: String,
    },
    /// The bridge has no usable DNS configuration.
    #[error("this bridge cannot resolve names: {reason}")]
    Unavailable {
        /// Why the resolver could not be set up.
        reason: String,
    },
}

impl DnsError {
    /// The wire code for this failure.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::BadName { .. } => ErrorCode::BadRequest,
            Self::Nxdomain { .. } => ErrorCode::Nxdomain,
            Self::NoRecords { .. } => ErrorCode::NoRecords,
            Self::Servfail { .. } => ErrorCode::Servfail,
            Self::Timeout { .. } => ErrorCode::Timeout,
            Self::Bogus { .. } => ErrorCode::Dnssec,
            Self::TooLarge { .. } => ErrorCode::Limit,
            Self::Failed { .. } | Self::Unavailable { .. } => ErrorCode::Dns,
        }
    }
}

/// Maps the resolver's error to ours.
pub(super) fn classify(
    name: String,
    rtype: RecordType,
    timeout: Duration,
    e: &NetError,
) -> DnsError {
    if e.is_nx_domain() {
        return DnsError::Nxdomain { name };
    }
    if e.is_no_records_found() {
        return DnsError::NoRecords { name, rtype };
    }
    match e {
        NetError::Timeout => DnsError::Timeout { name, timeout },
        NetError::Dns(HickoryDnsError::ResponseCode(code)) => DnsError::Servfail {
            name,
            rcode: rcode_text(*code),
        },
        NetError::Dns(HickoryDnsError::DnssecBogus) => DnsError::Bogus { name, rtype },
        // A negative answer whose NSEC/NSEC3 proof is not secure but not
        // bogus either (insecure, e.g. over the NSEC3 iteration limit):
        // what the server said.
        NetError::Dns(HickoryDnsError::Nsec { response, .. }) => {
            if response.response_code == ResponseCode::NXDomain {
                DnsError::Nxdomain { name }
            } else {
                DnsError::NoRecords { name, rtype }
            }
        }
        other => DnsError::Failed {
            name,
            reason: other.to_string(),
        },
    }
}

fn rcode_text(code: ResponseCode) -> String {
    match code {
        ResponseCode::ServFail => "SERVFAIL".to_owned(),
        ResponseCode::Refused => "REFUSED".to_owned(),
        ResponseCode::FormErr => "FORMERR".to_owned(),
        ResponseCode::NotImp => "NOTIMP".to_owned(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_map_to_the_documented_codes() {
        let n = || "x.test".to_owned();
        assert_eq!(DnsError::Nxdomain { name: n() }.code(), ErrorCode::Nxdomain);
        assert_eq!(
            DnsError::NoRecords {
                name: n(),
                rtype: RecordType::Mx
            }
            .code(),
            ErrorCode::NoRecords
        );
        let servfail = classify(
            n(),
            RecordType::A,
            Duration::from_secs(1),
            &NetError::Dns(HickoryDnsError::ResponseCode(ResponseCode::ServFail)),
        );
        assert_eq!(servfail.code(), ErrorCode::Servfail);
        assert!(servfail.to_string().contains("SERVFAIL"), "{servfail}");
        let timeout = classify(
            n(),
            RecordType::A,
            Duration::from_secs(1),
            &NetError::Timeout,
        );
        assert_eq!(timeout.code(), ErrorCode::Timeout);
        assert_eq!(
            classify(
                n(),
                RecordType::A,
                Duration::from_secs(1),
                &NetError::NoConnections
            )
            .code(),
            ErrorCode::Dns
        );
        let bogus = classify(
            n(),
            RecordType::Tlsa,
            Duration::from_secs(1),
            &NetError::Dns(HickoryDnsError::DnssecBogus),
        );
        assert_eq!(bogus.code(), ErrorCode::Dnssec);
        assert!(
            bogus
                .to_string()
                .contains("TLSA answer for x.test failed DNSSEC"),
            "{bogus}"
        );
        let big = DnsError::TooLarge {
            name: n(),
            rtype: RecordType::Txt,
        };
        assert_eq!(big.code(), ErrorCode::Limit);
        assert!(big.to_string().contains("96 KiB"), "{big}");
    }
}
