//! One DNS question to the lab's dnsmasq over UDP, with hickory's message
//! types: the response code (NXDOMAIN vs an empty NOERROR) and the
//! answers as plain values.

use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::time::Duration;

use hickory_resolver::proto::op::{Message, Query, ResponseCode};
use hickory_resolver::proto::rr::{Name, RData, RecordType};

/// An answer record, reduced to what the trials compare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Answer {
    /// MX: preference and exchange (no trailing dot).
    Mx(u16, String),
    /// A.
    A(Ipv4Addr),
    /// TXT: its strings joined.
    Txt(String),
    /// PTR target (no trailing dot).
    Ptr(String),
    /// TLSA as presentation text: `usage selector matching hex`.
    Tlsa(String),
    /// Anything else, by type.
    Other(RecordType),
}

/// The response to one question.
#[derive(Debug)]
pub(crate) struct Response {
    /// NOERROR, NXDOMAIN…
    pub(crate) code: ResponseCode,
    /// The answer section, in the server's order.
    pub(crate) answers: Vec<Answer>,
}

/// Asks `server` for `rtype` records of `name` (three tries, 2 s each).
pub(crate) fn query(server: SocketAddr, name: &str, rtype: RecordType) -> Result<Response, String> {
    let fqdn = Name::from_ascii(format!("{}.", name.trim_end_matches('.')))
        .map_err(|e| format!("{name}: {e}"))?;
    let mut message = Message::query();
    message.add_query(Query::query(fqdn, rtype));
    message.metadata.recursion_desired = true;
    let bytes = message.to_vec().map_err(|e| e.to_string())?;
    let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).map_err(|e| e.to_string())?;
    socket
        .set_read_timeout(Some(Duration::from_secs(2)))
        .map_err(|e| e.to_string())?;
    let mut last = String::new();
    for _ in 0..3 {
        socket.send_to(&bytes, server).map_err(|e| e.to_string())?;
        let mut buf = [0u8; 4096];
        match socket.recv(&mut buf) {
            Ok(n) => {
                let reply = Message::from_vec(&buf[..n]).map_err(|e| e.to_string())?;
                if reply.metadata.id != message.metadata.id {
                    last = "a reply with another id".to_owned();
                    continue;
                }
                if reply.metadata.truncation {
                    return Err(format!("{name} {rtype}: truncated over UDP"));
                }
                return Ok(Response {
                    code: reply.metadata.response_code,
                    answers: reply.answers.iter().map(|r| answer(&r.data)).collect(),
                });
            }
            Err(e) => last = e.to_string(),
        }
    }
    Err(format!("{name} {rtype}: no answer from {server}: {last}"))
}

/// The PTR name of an IPv4 address: `d.c.b.a.in-addr.arpa`.
pub(crate) fn reverse_name(addr: Ipv4Addr) -> String {
    let [a, b, c, d] = addr.octets();
    format!("{d}.{c}.{b}.{a}.in-addr.arpa")
}

fn answer(data: &RData) -> Answer {
    let name = |n: &Name| n.to_ascii().trim_end_matches('.').to_owned();
    match data {
        RData::MX(mx) => Answer::Mx(mx.preference, name(&mx.exchange)),
        RData::A(a) => Answer::A(a.0),
        RData::TXT(txt) => Answer::Txt(
            txt.txt_data
                .iter()
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .collect(),
        ),
        RData::PTR(ptr) => Answer::Ptr(name(&ptr.0)),
        RData::TLSA(tlsa) => Answer::Tlsa(format!(
            "{} {} {} {}",
            u8::from(tlsa.cert_usage),
            u8::from(tlsa.selector),
            u8::from(tlsa.matching),
            tlsa.cert_data
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        )),
        other => Answer::Other(other.record_type()),
    }
}
