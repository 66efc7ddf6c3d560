//! A throw-away BIND for DNSSEC trials: zones signed in a temporary folder
//! with Debian's `bind9-utils` (dnssec-keygen, dnssec-signzone) and served
//! by `named` (package `bind9`) on a free 127.0.0.1 port, no recursion, so
//! no query ever leaves the machine. Killed on drop; the folder goes with
//! it.
//!
//! ```text
//! let files = ZoneFiles::new()?;
//! files.write("zone.db", &format!("{}www IN TXT \"hi\"\n", zone_header("zone.test")))?;
//! files.sign("zone.test", "zone.db", &[])?;          // zone.db.signed, dsset-zone.test.
//! let anchor = files.write_anchor("zone.test")?;     // for --dnssec-trust-anchor
//! let named = files.serve(&[("zone.test", "zone.db.signed")])?;
//! ```
//!
//! The trust anchor is every DNSKEY of the zone: hickory-resolver trusts a
//! DNSKEY set without a DS from the parent only when all its keys are
//! anchors, and it refuses DS records as anchors.
//!
//! This file is shared: the tests crate has it as `smtplab_e2e::bind`, and
//! the bridge's DNS tests include it by `#[path]`
//! (`bridge/tests/dns/dnssec.rs`), so it uses nothing but std, `tempfile`
//! and `crate::dnsmasq` (`tests/src/dnsmasq.rs`, which both crates have at
//! their root) for a free port.

use std::io::Write as _;
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::dnsmasq::free_udp_and_tcp_port;

/// The name server (package `bind9`).
pub const NAMED: &str = "/usr/sbin/named";
/// Makes the keys (package `bind9-utils`).
pub const KEYGEN: &str = "/usr/bin/dnssec-keygen";
/// Signs a zone file (package `bind9-utils`).
pub const SIGNZONE: &str = "/usr/bin/dnssec-signzone";

/// Why no signed zone can be served here (the first BIND program that is
/// missing), or `None` when all are installed.
pub fn missing() -> Option<String> {
    [NAMED, KEYGEN, SIGNZONE]
        .into_iter()
        .find(|p| !Path::new(p).exists())
        .map(|missing| {
            format!(
                "{missing} is missing, so no signed zone can be served: apt-get install -y bind9 bind9-utils (scripts/setup.sh does)"
            )
        })
}

/// Whether the BIND programs are installed. When they are not, prints
/// `SKIPPED (what): why` straight to stderr (past a test harness's
/// capture) and returns `false`, so the trial checks nothing more.
///
/// # Panics
/// When they are missing under CI (`CI` set), where scripts/setup.sh has
/// installed them: there a skip would hide a broken set-up.
pub fn installed_or_skip(what: &str) -> bool {
    let Some(reason) = missing() else {
        return true;
    };
    assert!(std::env::var_os("CI").is_none(), "{reason}");
    let _ = writeln!(std::io::stderr(), "SKIPPED ({what}): {reason}");
    false
}

/// The start of a zone file: `$TTL`, the SOA and the NS record, both
/// naming `ns.NS_ZONE.` (whose address the parent zone, or this one, must
/// give).
pub fn zone_header(ns_zone: &str) -> String {
    format!(
        "$TTL 300\n@ IN SOA ns.{ns_zone}. hostmaster.{ns_zone}. 1 3600 600 86400 300\n@ IN NS ns.{ns_zone}.\n"
    )
}

/// The temporary folder of zone files and keys, before named serves it.
#[derive(Debug)]
pub struct ZoneFiles {
    /// Zone files, keys, DS sets, anchors, then named.conf and its log.
    dir: tempfile::TempDir,
}

impl ZoneFiles {
    /// A new empty folder.
    ///
    /// # Errors
    /// The folder cannot be made.
    pub fn new() -> Result<Self, String> {
        let dir = tempfile::Builder::new()
            .prefix("smtplab-bind-")
            .tempdir()
            .map_err(|e| format!("create the zone folder: {e}"))?;
        Ok(Self { dir })
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `text` to the file `name` in the folder.
    ///
    /// # Errors
    /// The write fails.
    pub fn write(&self, name: &str, text: &str) -> Result<(), String> {
        std::fs::write(self.path().join(name), text).map_err(|e| format!("write {name}: {e}"))
    }

    /// The text of the file `name` in the folder.
    ///
    /// # Errors
    /// The read fails.
    pub fn read(&self, name: &str) -> Result<String, String> {
        std::fs::read_to_string(self.path().join(name)).map_err(|e| format!("read {name}: {e}"))
    }

    /// Makes a KSK and a ZSK for `zone` (ECDSA P-256) and signs `file`
    /// into `file.signed` (NSEC), with `extra` flags for dnssec-signzone.
    /// dnssec-signzone also writes `dsset-ZONE.`, the parent's DS records
    /// ([`Self::ds`]).
    ///
    /// # Errors
    /// A tool fails (with its stderr).
    pub fn sign(&self, zone: &str, file: &str, extra: &[&str]) -> Result<(), String> {
        let d = self
            .path()
            .to_str()
            .ok_or("the temp path is not UTF-8")?
            .to_owned();
        for ksk in [true, false] {
            let mut args = vec!["-q", "-K", &d, "-a", "ECDSAP256SHA256", "-n", "ZONE"];
            if ksk {
                args.extend(["-f", "KSK"]);
            }
            args.push(zone);
            self.tool(KEYGEN, &args)?;
        }
        let signed = format!("{file}.signed");
        let mut args = vec!["-q", "-S", "-K", &d, "-d", &d, "-o", zone, "-f", &signed];
        args.extend(extra);
        args.push(file);
        self.tool(SIGNZONE, &args)
    }

    /// The DS records of a signed `zone`, as zone-file lines for its
    /// parent (a secure delegation).
    ///
    /// # Errors
    /// `zone` was not signed here.
    pub fn ds(&self, zone: &str) -> Result<String, String> {
        self.read(&format!("dsset-{zone}."))
    }

    /// Writes `ZONE.anchor`, every DNSKEY of the signed `zone` (its
    /// `KZONE.+…key` files), and returns its path for
    /// `--dnssec-trust-anchor`.
    ///
    /// # Errors
    /// `zone` has no keys here, or a file cannot be read or written.
    pub fn write_anchor(&self, zone: &str) -> Result<PathBuf, String> {
        let prefix = format!("K{zone}.+");
        let mut anchor = String::new();
        let entries =
            std::fs::read_dir(self.path()).map_err(|e| format!("read the folder: {e}"))?;
        for entry in entries {
            let file = entry.map_err(|e| format!("read the folder: {e}"))?.path();
            let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.starts_with(&prefix) && name.ends_with(".key") {
                anchor.push_str(&self.read(name)?);
            }
        }
        if anchor.is_empty() {
            return Err(format!("no keys of {zone}: sign it first"));
        }
        let name = format!("{zone}.anchor");
        self.write(&name, &anchor)?;
        Ok(self.path().join(name))
    }

    /// Starts named on a free port of 127.0.0.1 (retrying if another
    /// process takes the port first), primary for each `(zone, file)`,
    /// and waits until it answers on TCP.
    ///
    /// # Errors
    /// named is missing or did not start (with the end of its log).
    pub fn serve(self, zones: &[(&str, &str)]) -> Result<Named, String> {
        if let Some(reason) = missing() {
            return Err(reason);
        }
        let d = self.path().display().to_string();
        let zones: String = zones
            .iter()
            .map(|(zone, file)| {
                format!("zone \"{zone}\" {{ type primary; file \"{d}/{file}\"; }};\n")
            })
            .collect();
        let log = self.path().join("named.log");
        for _ in 0..10 {
            let port = free_udp_and_tcp_port()?;
            self.write(
                "named.conf",
                &format!(
                    "options {{\n\
                       directory \"{d}\";\n\
                       pid-file none;\n\
                       listen-on port {port} {{ 127.0.0.1; }};\n\
                       listen-on-v6 {{ none; }};\n\
                       recursion no;\n\
                       dnssec-validation no;\n\
                       session-keyfile \"{d}/session.key\";\n\
                       managed-keys-directory \"{d}\";\n\
                       notify no;\n\
                     }};\n\
                     controls {{ }};\n\
                     {zones}"
                ),
            )?;
            let stderr = std::fs::File::create(&log).map_err(|e| format!("named.log: {e}"))?;
            let mut child = Command::new(NAMED)
                .arg("-g")
                .arg("-c")
                .arg(self.path().join("named.conf"))
                .args(["-n", "1"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(stderr)
                .spawn()
                .map_err(|e| format!("spawn {NAMED}: {e}"))?;
            let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
            for _ in 0..200 {
                if let Ok(Some(_)) = child.try_wait() {
                    break; // lost the port race (or a bad zone: see the log)
                }
                if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                    return Ok(Named {
                        child,
                        addr,
                        files: self,
                    });
                }
                std::thread::sleep(Duration::from_millis(30));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        let log = std::fs::read_to_string(&log).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(15).collect();
        Err(format!(
            "named did not start on any of ten ports; its log ends:\n{}",
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        ))
    }

    /// Runs a BIND tool in the folder.
    fn tool(&self, program: &str, args: &[&str]) -> Result<(), String> {
        let out = Command::new(program)
            .args(args)
            .current_dir(self.path())
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("{program}: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{program} {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }
}

/// A running named; killed on drop, then its folder is removed.
#[derive(Debug)]
pub struct Named {
    /// The process.
    child: Child,
    /// Where it answers (UDP and TCP).
    addr: SocketAddr,
    /// The zone files it serves, anchors included.
    files: ZoneFiles,
}

impl Named {
    /// Where it answers (UDP and TCP), for `--dns`.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The folder of its zone files, keys and anchors.
    pub fn dir(&self) -> &Path {
        self.files.path()
    }
}

impl Drop for Named {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
