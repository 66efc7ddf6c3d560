//! A real DNS server on loopback for the tests: Debian's dnsmasq (package
//! `dnsmasq-base`, see scripts/setup.sh) on 127.0.0.1:<free port>,
//! authoritative for `*.test` with the records a test gives, no upstream
//! and no hosts file, so no query ever leaves the machine and every other
//! `*.test` name is NXDOMAIN. Killed on drop.

use std::net::SocketAddr;
use std::process::Stdio;
use std::time::Duration;

const DNSMASQ: &str = "/usr/sbin/dnsmasq";

/// A running dnsmasq.
pub(crate) struct Dnsmasq {
    child: tokio::process::Child,
    /// Where it answers, UDP and TCP.
    pub(crate) addr: SocketAddr,
}

impl Dnsmasq {
    /// Starts dnsmasq with `zone` (dnsmasq options such as
    /// `--host-record=NAME,ADDR` or `--mx-host=…`) on a free port,
    /// retrying if another process takes the port first, and waits until
    /// it answers on TCP.
    ///
    /// # Panics
    /// When dnsmasq is missing or does not start: these are tests.
    pub(crate) async fn start(zone: &[String]) -> Self {
        assert!(
            std::path::Path::new(DNSMASQ).exists(),
            "{DNSMASQ} is missing: apt-get install -y dnsmasq-base (scripts/setup.sh does)"
        );
        for _ in 0..10 {
            let port = free_udp_and_tcp_port().await;
            let mut child = tokio::process::Command::new(DNSMASQ)
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
                .args(zone)
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .kill_on_drop(true)
                .spawn()
                .expect("spawn dnsmasq");
            let addr: SocketAddr = ([127, 0, 0, 1], port).into();
            for _ in 0..100 {
                if let Ok(Some(_)) = child.try_wait() {
                    break; // lost the port race: try another
                }
                if tokio::net::TcpStream::connect(addr).await.is_ok() {
                    return Self { child, addr };
                }
                tokio::time::sleep(Duration::from_millis(30)).await;
            }
            let _ = child.kill().await;
        }
        panic!("dnsmasq did not start");
    }
}

impl Drop for Dnsmasq {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

/// A port free for both UDP and TCP on 127.0.0.1 (just now).
async fn free_udp_and_tcp_port() -> u16 {
    loop {
        let udp = tokio::net::UdpSocket::bind("127.0.0.1:0")
            .await
            .expect("bind udp");
        let port = udp.local_addr().expect("addr").port();
        if tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return port;
        }
    }
}
