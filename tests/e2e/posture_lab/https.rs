//! One HTTPS GET to the lab's policy server, verified against the test CA
//! for the `mta-sts.` host asked for.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use rustls::crypto::ring;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};

/// A response: status line, headers (as sent) and body.
#[derive(Debug)]
pub(crate) struct HttpResponse {
    /// `HTTP/1.1 200 OK`.
    pub(crate) status: String,
    /// The header lines.
    pub(crate) headers: Vec<String>,
    /// The body.
    pub(crate) body: String,
}

/// `GET path` from `addr` with SNI and `Host` set to `host`, the server
/// verified against `ca_pem` for `host`.
pub(crate) fn get(
    addr: SocketAddr,
    host: &str,
    path: &str,
    ca_pem: &str,
) -> Result<HttpResponse, String> {
    let mut roots = RootCertStore::empty();
    let ca = CertificateDer::from_pem_slice(ca_pem.as_bytes()).map_err(|e| e.to_string())?;
    roots.add(ca).map_err(|e| e.to_string())?;
    let config = ClientConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = ServerName::try_from(host.to_owned()).map_err(|e| e.to_string())?;
    let conn = ClientConnection::new(Arc::new(config), name).map_err(|e| e.to_string())?;
    let tcp = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
        .map_err(|e| format!("connect {addr}: {e}"))?;
    tcp.set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    let mut tls = StreamOwned::new(conn, tcp);
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {host}:{}\r\nUser-Agent: smtplab-lab-check\r\nConnection: close\r\n\r\n",
        addr.port()
    );
    tls.write_all(request.as_bytes())
        .map_err(|e| format!("{host}: {e}"))?;
    let mut raw = Vec::new();
    tls.read_to_end(&mut raw)
        .map_err(|e| format!("{host}: read: {e}"))?;
    let raw = String::from_utf8(raw).map_err(|e| e.to_string())?;
    let (head, body) = raw
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("no header end in {raw:?}"))?;
    let mut lines = head.split("\r\n").map(str::to_owned);
    Ok(HttpResponse {
        status: lines.next().unwrap_or_default(),
        headers: lines.collect(),
        body: body.to_owned(),
    })
}
