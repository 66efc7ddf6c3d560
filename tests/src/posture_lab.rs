//! The domain posture lab (issue 18): everything a posture report of a
//! domain looks at, on loopback, started together and stopped on drop.
//!
//! | what | where |
//! | --- | --- |
//! | test CA | PEM in a temp file ([`PostureLab::ca_pem_path`]) for `--tls-ca` |
//! | `mx1.good.test` | `127.0.0.2:P`, CA-signed, valid [`GOOD_CERT_DAYS`] days |
//! | `mx2.good.test` | `127.0.0.3:P`, CA-signed, expires in [`EXPIRING_CERT_DAYS`] days |
//! | `mx1.bad.test` | `127.0.0.4:P`, CA-signed for `elsewhere.test` only (name mismatch) |
//! | `mx2.bad.test` | `127.0.0.5:P`, self-signed (untrusted) |
//! | dnsmasq | [`PostureLab::dns_addr`], `good.test`, `bad.test`, `nomail.test`, `127.in-addr.arpa` |
//! | MTA-STS policies | HTTPS on `127.0.0.1:H` ([`PostureLab::https_port`]) for `mta-sts.good.test` and `mta-sts.bad.test` |
//!
//! The four MX hosts are STARTTLS listeners of one Postfix, all on the
//! same port P ([`PostureLab::smtp_port`]), which also replaces 25 in the
//! TLSA owner names (`_P._tcp.mx1.good.test`). The zones are in [`zones`];
//! `tests/README.md` has the whole table.

mod policy_server;
mod zones;

use std::fs;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tempfile::TempDir;

use crate::dnsmasq::Dnsmasq;
use crate::fixture_error::FixtureError;
use crate::postfix::{MailOptions, MailServer, StarttlsListener};
use crate::test_ca::{ServerIdentity, TestCa, SERVER_VALID_DAYS};
use policy_server::PolicyServer;
pub use policy_server::POLICY_PATH;

/// The domain where every check passes.
pub const GOOD_DOMAIN: &str = "good.test";
/// The domain where every check fails or warns.
pub const BAD_DOMAIN: &str = "bad.test";
/// A domain with an A record (to [`NOMAIL_ADDR`]) and nothing else: no MX,
/// no TXT.
pub const NOMAIL_DOMAIN: &str = "nomail.test";
/// `nomail.test`'s address; nothing listens there.
pub const NOMAIL_ADDR: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 6);
/// The name `127.0.0.4` (mx1.bad.test) points back to: not an MX name.
pub const ELSEWHERE_HOST: &str = "host.elsewhere.test";
/// [`ELSEWHERE_HOST`]'s address, not `127.0.0.4`: the PTR is not
/// forward-confirmed.
pub const ELSEWHERE_ADDR: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 9);
/// The only name in mx1.bad.test's certificate.
pub const MISMATCH_CERT_NAME: &str = "elsewhere.test";
/// What `127.0.0.1` ([`POLICY_HOST_ADDR`]) points back to.
pub const POLICY_HOST_PTR: &str = "localhost";
/// Where `mta-sts.good.test` and `mta-sts.bad.test` resolve (the policy
/// server listens there on [`PostureLab::https_port`]).
pub const POLICY_HOST_ADDR: Ipv4Addr = Ipv4Addr::LOCALHOST;
/// How long the good certificates are valid from now, in days.
pub const GOOD_CERT_DAYS: u64 = SERVER_VALID_DAYS;
/// mx2.good.test's certificate expires this many days from now: under
/// the report's 21-day warning.
pub const EXPIRING_CERT_DAYS: u64 = 10;
/// The TLSA data of mx1.bad.test (`3 1 1`): 64 hex digits matching nothing.
pub const BAD_TLSA_HEX: &str = "0badc0de0badc0de0badc0de0badc0de0badc0de0badc0de0badc0de0badc0de";
/// The names `bad.test`'s second SPF record includes, each `v=spf1 -all`:
/// eleven lookups, one over RFC 7208's limit of ten.
pub const SPF_INCLUDES: [&str; 11] = [
    "a.bad.test",
    "b.bad.test",
    "c.bad.test",
    "d.bad.test",
    "e.bad.test",
    "f.bad.test",
    "g.bad.test",
    "h.bad.test",
    "i.bad.test",
    "j.bad.test",
    "k.bad.test",
];
/// The policy served for `good.test` (RFC 8461 §3.2): enforce, both MX
/// covered (one by name, one by the wildcard).
pub const GOOD_POLICY: &str =
    "version: STSv1\r\nmode: enforce\r\nmx: mx1.good.test\r\nmx: *.good.test\r\nmax_age: 86400\r\n";
/// The policy served for `bad.test`: valid, but naming no MX of the domain.
pub const BAD_POLICY: &str =
    "version: STSv1\r\nmode: enforce\r\nmx: mail.other.test\r\nmax_age: 86400\r\n";

/// The four MX hosts of the lab.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabMx {
    /// `mx1.good.test`, 127.0.0.2: trusted, 90 days, TLSA 3 1 1 matching.
    Mx1Good,
    /// `mx2.good.test`, 127.0.0.3: trusted, expires in 10 days, TLSA 3 0 1
    /// matching.
    Mx2Good,
    /// `mx1.bad.test`, 127.0.0.4: CA-signed for `elsewhere.test` (name
    /// mismatch), TLSA matching nothing, PTR elsewhere.
    Mx1Bad,
    /// `mx2.bad.test`, 127.0.0.5: self-signed, no TLSA, no PTR.
    Mx2Bad,
}

impl LabMx {
    /// All four, in the order of the lab's table.
    pub const ALL: [Self; 4] = [Self::Mx1Good, Self::Mx2Good, Self::Mx1Bad, Self::Mx2Bad];

    /// The MX host name.
    pub fn host(self) -> &'static str {
        match self {
            Self::Mx1Good => "mx1.good.test",
            Self::Mx2Good => "mx2.good.test",
            Self::Mx1Bad => "mx1.bad.test",
            Self::Mx2Bad => "mx2.bad.test",
        }
    }

    /// Its address (A record and listener).
    pub fn addr(self) -> Ipv4Addr {
        match self {
            Self::Mx1Good => Ipv4Addr::new(127, 0, 0, 2),
            Self::Mx2Good => Ipv4Addr::new(127, 0, 0, 3),
            Self::Mx1Bad => Ipv4Addr::new(127, 0, 0, 4),
            Self::Mx2Bad => Ipv4Addr::new(127, 0, 0, 5),
        }
    }

    /// Its MX preference in its domain.
    pub fn preference(self) -> u16 {
        match self {
            Self::Mx1Good | Self::Mx1Bad => 10,
            Self::Mx2Good | Self::Mx2Bad => 20,
        }
    }

    /// The DNS names in its certificate.
    pub fn cert_names(self) -> &'static [&'static str] {
        match self {
            Self::Mx1Good => &["mx1.good.test"],
            Self::Mx2Good => &["mx2.good.test"],
            Self::Mx1Bad => &[MISMATCH_CERT_NAME],
            Self::Mx2Bad => &["mx2.bad.test"],
        }
    }

    /// Days from now until its certificate expires.
    pub fn valid_days(self) -> u64 {
        match self {
            Self::Mx2Good => EXPIRING_CERT_DAYS,
            _ => GOOD_CERT_DAYS,
        }
    }

    /// Whether the test CA signed its certificate (all but mx2.bad.test).
    pub fn is_ca_signed(self) -> bool {
        self != Self::Mx2Bad
    }
}

/// What an MX presents after STARTTLS, and its hashes as DANE uses them.
#[derive(Debug, Clone)]
pub struct MxCertificate {
    /// The certificate and key.
    pub identity: ServerIdentity,
    /// SHA-256 of the certificate DER, lower-case hex (TLSA `x 0 1`).
    pub cert_sha256_hex: String,
    /// SHA-256 of the SubjectPublicKeyInfo DER, lower-case hex (TLSA `x 1 1`).
    pub spki_sha256_hex: String,
}

impl MxCertificate {
    fn new(identity: ServerIdentity) -> Self {
        Self {
            cert_sha256_hex: sha256_hex(&identity.cert_der),
            spki_sha256_hex: sha256_hex(&identity.spki_der),
            identity,
        }
    }
}

/// Why the lab did not start.
#[derive(Debug, thiserror::Error)]
pub enum PostureLabError {
    /// The CA or a certificate could not be made.
    #[error("make a certificate: {0}")]
    Certificate(#[from] rcgen::Error),
    /// Postfix (the MX listeners) did not start.
    #[error(transparent)]
    MailServer(#[from] FixtureError),
    /// dnsmasq did not start.
    #[error("dnsmasq: {0}")]
    Dns(String),
    /// A file or the policy server failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// The running lab; every daemon stops and every file goes on drop.
pub struct PostureLab {
    /// The STARTTLS port of the four MX listeners.
    smtp_port: u16,
    /// The MTA-STS policy server (a thread of this process).
    policy_server: PolicyServer,
    /// dnsmasq, killed on drop.
    dns: Dnsmasq,
    /// The Postfix serving the four MX listeners.
    mail: MailServer,
    /// The certificates, in [`LabMx::ALL`]'s order.
    certificates: Vec<MxCertificate>,
    /// The CA's certificate, PEM.
    ca_pem: String,
    /// The policy host's certificate (both `mta-sts.` names).
    policy_identity: ServerIdentity,
    /// Holds `ca.pem`; removed last.
    files: TempDir,
}

impl std::fmt::Debug for PostureLab {
    /// The addresses and ports; keys stay out of test output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostureLab")
            .field("smtp_port", &self.smtp_port)
            .field("dns_addr", &self.dns.addr)
            .field("https_addr", &self.policy_server.addr())
            .field("ca_pem_path", &self.ca_pem_path())
            .finish_non_exhaustive()
    }
}

impl PostureLab {
    /// Makes the CA and certificates, starts Postfix with the four MX
    /// listeners (waiting until each offers STARTTLS), dnsmasq with the
    /// zones and the policy server.
    ///
    /// # Errors
    /// [`PostureLabError`]: what did not start, with Postfix's log for the
    /// listeners. Needs root (Postfix), `postfix`, `dovecot-core` and
    /// `dnsmasq-base`.
    pub fn start() -> Result<Self, PostureLabError> {
        let ca = TestCa::new("smtplab posture lab CA")?;
        let files = tempfile::Builder::new()
            .prefix("smtplab-posture-")
            .tempdir()
            .map_err(|source| PostureLabError::Io {
                what: "create the lab's temp dir",
                source,
            })?;
        fs::write(files.path().join("ca.pem"), ca.pem()).map_err(|source| PostureLabError::Io {
            what: "write ca.pem",
            source,
        })?;
        let certificates = LabMx::ALL
            .into_iter()
            .map(|mx| mx_identity(&ca, mx).map(MxCertificate::new))
            .collect::<Result<Vec<_>, _>>()?;
        let listeners: Vec<StarttlsListener> = LabMx::ALL
            .into_iter()
            .zip(&certificates)
            .map(|(mx, cert)| StarttlsListener {
                addr: mx.addr(),
                hostname: mx.host().to_owned(),
                identity: cert.identity.clone(),
            })
            .collect();
        let mail = MailServer::start_with_starttls_listeners(&MailOptions::default(), &listeners)?;
        let smtp_port = mail
            .starttls_port()
            .expect("Postfix was started with four STARTTLS listeners");
        let records = zones::records(&zones::ZoneInputs {
            smtp_port,
            mx1_good_spki_sha256: &certificates[0].spki_sha256_hex,
            mx2_good_cert_sha256: &certificates[1].cert_sha256_hex,
        });
        let records: Vec<&str> = records.iter().map(String::as_str).collect();
        let dns = Dnsmasq::start(&records).map_err(PostureLabError::Dns)?;
        let policy_identity = ca.server_identity_for(&["mta-sts.good.test", "mta-sts.bad.test"])?;
        let policies = vec![
            ("mta-sts.good.test".to_owned(), GOOD_POLICY.to_owned()),
            ("mta-sts.bad.test".to_owned(), BAD_POLICY.to_owned()),
        ];
        let policy_server = PolicyServer::start(&policy_identity, policies).map_err(|source| {
            PostureLabError::Io {
                what: "start the MTA-STS policy server",
                source,
            }
        })?;
        Ok(Self {
            smtp_port,
            policy_server,
            dns,
            mail,
            certificates,
            ca_pem: ca.pem().to_owned(),
            policy_identity,
            files,
        })
    }

    /// The test CA's certificate file (PEM), for `--tls-ca FILE`.
    pub fn ca_pem_path(&self) -> PathBuf {
        self.files.path().join("ca.pem")
    }

    /// The test CA's certificate, PEM.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The one STARTTLS port P of all four MX hosts (and of the TLSA
    /// owner names, `_P._tcp.HOST`).
    pub fn smtp_port(&self) -> u16 {
        self.smtp_port
    }

    /// `host:P` of an MX, as a socket address.
    pub fn smtp_addr(&self, mx: LabMx) -> SocketAddr {
        SocketAddr::from((mx.addr(), self.smtp_port()))
    }

    /// dnsmasq's address (UDP and TCP), for `--dns`.
    pub fn dns_addr(&self) -> SocketAddr {
        self.dns.addr
    }

    /// The policy server's port on 127.0.0.1 (HTTPS).
    pub fn https_port(&self) -> u16 {
        self.policy_server.addr().port()
    }

    /// The policy server's address, `127.0.0.1:H`.
    pub fn https_addr(&self) -> SocketAddr {
        self.policy_server.addr()
    }

    /// The certificate the policy server presents: CA-signed for
    /// `mta-sts.good.test` and `mta-sts.bad.test`.
    pub fn policy_identity(&self) -> &ServerIdentity {
        &self.policy_identity
    }

    /// What `mx` presents, with its hashes.
    pub fn certificate(&self, mx: LabMx) -> &MxCertificate {
        let index = LabMx::ALL
            .iter()
            .position(|&m| m == mx)
            .expect("LabMx::ALL lists every host");
        &self.certificates[index]
    }

    /// The TLSA owner name of `mx`: `_P._tcp.HOST`.
    pub fn tlsa_name(&self, mx: LabMx) -> String {
        format!("_{}._tcp.{}", self.smtp_port(), mx.host())
    }

    /// The TLSA record of `mx` as presentation text (`3 1 1 HEX`), `None`
    /// for mx2.bad.test, which has none.
    pub fn tlsa_record(&self, mx: LabMx) -> Option<String> {
        match mx {
            LabMx::Mx1Good => Some(format!("3 1 1 {}", self.certificate(mx).spki_sha256_hex)),
            LabMx::Mx2Good => Some(format!("3 0 1 {}", self.certificate(mx).cert_sha256_hex)),
            LabMx::Mx1Bad => Some(format!("3 1 1 {BAD_TLSA_HEX}")),
            LabMx::Mx2Bad => None,
        }
    }

    /// The second SPF record of `bad.test` (the one over the lookup limit).
    pub fn spf_over_the_limit(&self) -> String {
        zones::spf_over_the_limit()
    }

    /// The Postfix behind the MX listeners (its log, for failure messages).
    pub fn mail_server(&self) -> &MailServer {
        &self.mail
    }

    /// The directory holding `ca.pem`, for more files a test writes.
    pub fn files_dir(&self) -> &Path {
        self.files.path()
    }
}

/// The certificate of one MX, as the table in the module doc says.
fn mx_identity(ca: &TestCa, mx: LabMx) -> Result<ServerIdentity, rcgen::Error> {
    if mx.is_ca_signed() {
        ca.server_identity_valid_for(mx.cert_names(), mx.valid_days())
    } else {
        ServerIdentity::self_signed(mx.cert_names(), mx.valid_days())
    }
}

/// SHA-256, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    zones::hex(&Sha256::digest(bytes))
}
