//! PTR lookups of loopback addresses, asked of the configured server.
//!
//! hickory's resolver answers the reverse names of 127.0.0.0/8 and ::1
//! itself with `localhost` (RFC 6303's locally served zones) and never asks
//! a server. That is right for the system resolver, but with `--dns` the
//! user named the server whose answer they want: a lab or a split-horizon
//! zone that gives loopback addresses their own names (the tests' posture
//! lab does). So those PTRs go to that server directly, one UDP query with
//! hickory's plain client, no cache and no DNSSEC (the zone is local).

use std::net::SocketAddr;
use std::time::Duration;

use hickory_resolver::net::client::{Client, ClientHandle as _};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::udp::UdpClientStream;
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{DNSClass, Name, RecordType as HickoryType};
use smtplab_shared::wire::{DnsRecord, RecordType};

use super::error::DnsError;
use super::records;

/// Whether `name` (checked, lower case, no trailing dot) is the reverse
/// name of a loopback address, which hickory would answer itself.
pub(super) fn is_loopback_reverse(name: &str) -> bool {
    name.ends_with(".127.in-addr.arpa") || name == format!("1.{}ip6.arpa", "0.".repeat(31))
}

/// The PTR records of `name` from `server`.
pub(super) async fn ptr(
    server: SocketAddr,
    name: &str,
    timeout: Duration,
) -> Result<Vec<DnsRecord>, DnsError> {
    let failed = |reason: String| DnsError::Failed {
        name: name.to_owned(),
        reason,
    };
    let query = Name::from_ascii(format!("{name}.")).map_err(|_| DnsError::BadName {
        name: name.to_owned(),
    })?;
    let stream = UdpClientStream::builder(server, TokioRuntimeProvider::default())
        .with_timeout(Some(timeout))
        .build();
    let (mut client, background) = Client::<TokioRuntimeProvider>::from_sender(stream);
    let task = tokio::spawn(background);
    let answer =
        tokio::time::timeout(timeout, client.query(query, DNSClass::IN, HickoryType::PTR)).await;
    task.abort();
    let response = match answer {
        Err(_) => {
            return Err(DnsError::Timeout {
                name: name.to_owned(),
                timeout,
            })
        }
        Ok(Err(e)) => return Err(failed(e.to_string())),
        Ok(Ok(response)) => response,
    };
    match response.response_code {
        ResponseCode::NoError => {}
        ResponseCode::NXDomain => {
            return Err(DnsError::Nxdomain {
                name: name.to_owned(),
            })
        }
        code => {
            return Err(DnsError::Servfail {
                name: name.to_owned(),
                rcode: code.to_string(),
            })
        }
    }
    let mut found: Vec<DnsRecord> = response
        .answers
        .iter()
        .filter_map(|record| records::to_record(RecordType::Ptr, &record.data))
        .collect();
    records::arrange(RecordType::Ptr, &mut found);
    if found.is_empty() {
        return Err(DnsError::NoRecords {
            name: name.to_owned(),
            rtype: RecordType::Ptr,
        });
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_reverse_names_are_asked_directly() {
        assert!(is_loopback_reverse("2.0.0.127.in-addr.arpa"));
        assert!(is_loopback_reverse(&smtplab_shared::wire::reverse_name(
            std::net::Ipv6Addr::LOCALHOST.into()
        )));
        assert!(!is_loopback_reverse("2.0.0.128.in-addr.arpa"));
        assert!(!is_loopback_reverse("127.in-addr.arpa.example"));
        assert!(!is_loopback_reverse(&smtplab_shared::wire::reverse_name(
            "2001:db8::1".parse().expect("ip")
        )));
    }
}
