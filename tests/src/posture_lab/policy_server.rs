//! The lab's MTA-STS policy host: HTTPS on `127.0.0.1:<free port>`, one
//! certificate naming every `mta-sts.DOMAIN` host, and
//! `GET /.well-known/mta-sts.txt` answered by the `Host` header
//! (RFC 8461 §3.3). Anything else is a 404.
//!
//! Blocking std threads and rustls, no async runtime: a policy fetch is one
//! small request, and a thread per connection keeps the server obvious.
//! Every response closes the connection (`Connection: close`).

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};

use crate::test_ca::ServerIdentity;

/// The one path a policy is served at (RFC 8461 §3.2).
pub const POLICY_PATH: &str = "/.well-known/mta-sts.txt";
/// How long a client may take to send its request (and to read the
/// answer) before the connection is dropped.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);
/// The most request head bytes read: a policy fetch is a few hundred.
const MAX_HEAD: usize = 16 * 1024;

/// A running policy server; stopped (listener closed, thread joined) on
/// drop.
#[derive(Debug)]
pub(crate) struct PolicyServer {
    /// Where it listens.
    addr: SocketAddr,
    /// Set on drop; the accept loop checks it after each connection.
    stop: Arc<AtomicBool>,
    /// The accept loop.
    thread: Option<JoinHandle<()>>,
}

impl PolicyServer {
    /// Listens on a free 127.0.0.1 port and serves `policies`: pairs of a
    /// host name (`mta-sts.good.test`) and the policy text for it.
    ///
    /// # Errors
    /// The certificate or key is unusable, or the port cannot be bound.
    pub(crate) fn start(
        identity: &ServerIdentity,
        policies: Vec<(String, String)>,
    ) -> io::Result<Self> {
        let config = Arc::new(server_config(identity)?);
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let policies = Arc::new(policies);
        let thread = {
            let stop = Arc::clone(&stop);
            thread::Builder::new()
                .name("mta-sts-policy".to_owned())
                .spawn(move || accept_loop(&listener, &config, &policies, &stop))?
        };
        Ok(Self {
            addr,
            stop,
            thread: Some(thread),
        })
    }

    /// The listening address, `127.0.0.1:PORT`.
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for PolicyServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the blocking accept, which then sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn server_config(identity: &ServerIdentity) -> io::Result<ServerConfig> {
    let invalid =
        |e: &dyn std::fmt::Display| io::Error::new(io::ErrorKind::InvalidData, e.to_string());
    let key =
        PrivateKeyDer::from_pem_slice(identity.key_pem.as_bytes()).map_err(|e| invalid(&e))?;
    let cert = CertificateDer::from(identity.cert_der.clone());
    ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| invalid(&e))?
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .map_err(|e| invalid(&e))
}

fn accept_loop(
    listener: &TcpListener,
    config: &Arc<ServerConfig>,
    policies: &Arc<Vec<(String, String)>>,
    stop: &AtomicBool,
) {
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else { continue };
        let (config, policies) = (Arc::clone(config), Arc::clone(policies));
        // A connection's failure (a client that hangs up, a bad
        // handshake) is the client's business; the server carries on.
        let _ = thread::Builder::new()
            .name("mta-sts-conn".to_owned())
            .spawn(move || {
                let _ = serve(stream, config, &policies);
            });
    }
}

/// One connection: the handshake, one request, one response, close.
fn serve(
    stream: TcpStream,
    config: Arc<ServerConfig>,
    policies: &[(String, String)],
) -> io::Result<()> {
    stream.set_read_timeout(Some(CLIENT_TIMEOUT))?;
    stream.set_write_timeout(Some(CLIENT_TIMEOUT))?;
    let conn = ServerConnection::new(config).map_err(io::Error::other)?;
    let mut tls = StreamOwned::new(conn, stream);
    let head = read_head(&mut tls)?;
    let response = respond(&head, policies);
    tls.write_all(&response)?;
    tls.conn.send_close_notify();
    tls.flush()
}

/// The request line and headers, up to the blank line.
fn read_head(tls: &mut impl Read) -> io::Result<String> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        if head.len() > MAX_HEAD {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "request head too long",
            ));
        }
        let n = tls.read(&mut buf)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        head.extend_from_slice(&buf[..n]);
    }
    Ok(String::from_utf8_lossy(&head).into_owned())
}

/// The whole HTTP/1.1 response to a request `head`: the policy for its
/// `Host` at [`POLICY_PATH`] (200, `text/plain`), else 404 (405 for a
/// method other than GET and HEAD).
pub(crate) fn respond(head: &str, policies: &[(String, String)]) -> Vec<u8> {
    let mut lines = head.split("\r\n");
    let mut request = lines.next().unwrap_or_default().split(' ');
    let (method, target) = (request.next().unwrap_or_default(), request.next());
    let host = lines
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("host"))
        .map(|(_, value)| host_name(value));
    let policy = policies
        .iter()
        .find(|(name, _)| Some(name.as_str()) == host.as_deref())
        .map(|(_, text)| text.as_str());
    let (status, body) = match (method, target, policy) {
        ("GET" | "HEAD", Some(POLICY_PATH), Some(text)) => ("200 OK", text),
        ("GET" | "HEAD", _, _) => ("404 Not Found", "not found\n"),
        _ => ("405 Method Not Allowed", "only GET\n"),
    };
    let mut response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    if method != "HEAD" {
        response.extend_from_slice(body.as_bytes());
    }
    response
}

/// A `Host` header's name: no port, lower case, no trailing dot.
fn host_name(value: &str) -> String {
    let value = value.trim();
    let name = value.rsplit_once(':').map_or(value, |(name, _)| name);
    name.trim_end_matches('.').to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policies() -> Vec<(String, String)> {
        vec![(
            "mta-sts.good.test".to_owned(),
            "version: STSv1\r\n".to_owned(),
        )]
    }

    #[test]
    fn policy_is_chosen_by_host_header_without_port_or_case() {
        let head = "GET /.well-known/mta-sts.txt HTTP/1.1\r\nhost: MTA-STS.Good.Test:8443\r\n\r\n";
        let response = String::from_utf8(respond(head, &policies())).expect("ASCII");
        assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
        assert!(response.contains("Content-Type: text/plain\r\n"));
        assert!(response.ends_with("\r\n\r\nversion: STSv1\r\n"));
    }

    #[test]
    fn unknown_host_or_path_is_404_and_post_is_405() {
        let other = "GET /.well-known/mta-sts.txt HTTP/1.1\r\nHost: mta-sts.x.test\r\n\r\n";
        let path = "GET / HTTP/1.1\r\nHost: mta-sts.good.test\r\n\r\n";
        let post = "POST /.well-known/mta-sts.txt HTTP/1.1\r\nHost: mta-sts.good.test\r\n\r\n";
        for (head, status) in [(other, "404"), (path, "404"), (post, "405")] {
            let response = String::from_utf8(respond(head, &policies())).expect("ASCII");
            assert!(
                response.starts_with(&format!("HTTP/1.1 {status} ")),
                "{response}"
            );
        }
    }
}
