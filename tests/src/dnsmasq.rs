//! A throw-away DNS server for the tests: Debian's `dnsmasq` on a free
//! 127.0.0.1 port (UDP and TCP), authoritative for `.test` with the records
//! a test gives (NXDOMAIN for the rest of `.test`). Killed on drop.

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The dnsmasq binary (Debian's `dnsmasq-base`, installed by `scripts/setup.sh`).
pub const DNSMASQ: &str = "/usr/sbin/dnsmasq";

/// A running dnsmasq.
pub struct Dnsmasq {
    /// The process.
    child: Child,
    /// Where it answers (UDP and TCP).
    pub addr: SocketAddr,
}

impl Dnsmasq {
    /// Starts dnsmasq with `records`: its own options, such as
    /// `--mx-host=smtplab.test,mx1.smtplab.test,10` and
    /// `--host-record=mx1.smtplab.test,127.0.0.1`.
    ///
    /// # Errors
    /// dnsmasq is missing or did not start on any of ten free ports.
    pub fn start<S: AsRef<str>>(records: &[S]) -> Result<Self, String> {
        if !std::path::Path::new(DNSMASQ).exists() {
            return Err(format!(
                "{DNSMASQ} is missing: apt-get install -y dnsmasq-base (scripts/setup.sh does)"
            ));
        }
        for _ in 0..10 {
            let port = free_udp_and_tcp_port()?;
            let mut child = Command::new(DNSMASQ)
                .args([
                    "--keep-in-foreground",
                    "--conf-file=/dev/null",
                    "--pid-file=",
                    "--user=root",
                    "--no-resolv",
                    "--no-hosts",
                    "--listen-address=127.0.0.1",
                    "--bind-interfaces",
                    "--local=/test/",
                ])
                .args(records.iter().map(AsRef::as_ref))
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| format!("spawn dnsmasq: {e}"))?;
            let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
            for _ in 0..100 {
                if let Ok(Some(_)) = child.try_wait() {
                    break; // lost the port race
                }
                if TcpStream::connect(addr).is_ok() {
                    return Ok(Self { child, addr });
                }
                std::thread::sleep(Duration::from_millis(30));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        Err("dnsmasq did not start".to_owned())
    }
}

impl Drop for Dnsmasq {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port free for both UDP and TCP on 127.0.0.1 (dnsmasq serves both).
pub fn free_udp_and_tcp_port() -> Result<u16, String> {
    for _ in 0..50 {
        let udp = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).map_err(|e| e.to_string())?;
        let port = udp.local_addr().map_err(|e| e.to_string())?.port();
        if TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok() {
            return Ok(port);
        }
    }
    Err("no free UDP+TCP port".to_owned())
}
