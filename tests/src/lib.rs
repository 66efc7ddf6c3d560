//! End-to-end test harness for smtplab: a real Postfix (with Dovecot for
//! SASL) on a loopback port, the real `smtplab` bridge binary, and a native
//! driver that runs the shared SMTP engine through the bridge's WebSocket.
//!
//! The test binaries live in `tests/e2e/`; see `tests/README.md` for what they
//! need and how they run.
//!
//! # Layout
//! - [`postfix`]: [`MailServer`], a throw-away Postfix + Dovecot instance.
//! - [`bridge_process`]: [`Bridge`], the real `smtplab` binary as a child.
//! - [`browser`]: [`Browser`], chromedriver + headless Chromium for the
//!   browser trials.
//! - [`ws_driver`]: [`run_session`], the engine driven over the bridge.
//! - [`test_ca`]: [`TestCa`], a CA and Postfix's server certificate made
//!   at set-up for the TLS trials.
//! - `dovecot`: the auth-only Dovecot behind it.
//! - [`dnsmasq`]: [`dnsmasq::Dnsmasq`], a throw-away DNS server for `.test`.
//! - [`bind`]: [`bind::Named`], a throw-away BIND serving DNSSEC-signed
//!   zones (shared with the bridge's DNS tests by `#[path]`).
//! - [`posture_lab`]: [`PostureLab`], the domain posture report's lab: four
//!   STARTTLS MX listeners of one Postfix, dnsmasq zones for `good.test`,
//!   `bad.test` and `nomail.test`, an MTA-STS policy server over HTTPS.
//! - [`haproxy`]: [`haproxy::Haproxy`], a throw-away HAProxy balancing
//!   WebSocket sessions over `smtplab` replicas, with a stub SSO setting
//!   the user header (issue 19).
//! - [`exim`]: [`exim::Exim`], the second MTA: Debian's Exim unpacked under
//!   `target/`, STARTTLS with a `CA:TRUE` self-signed certificate, AUTH
//!   only after STARTTLS.
//! - [`tcp_driver`]: the engine (a session, or a diagnostic check) driven
//!   straight over TCP, without the bridge.
//! - [`trials`]: [`run_with_rig`], one rig shared by a table of trials.
//! - [`guided_form`]: filling the app's guided form as a person does.
//! - [`first_render`]: navigation-to-first-render timings from the page.
//! - [`ui_size`]: the `dist/` files, their gzip sizes, the served-bytes check.
//! - [`tab_bench`]: the tab's performance benchmark (`tab-bench` binary).
//! - [`fixture_error`]: [`FixtureError`], what can go wrong with the fixture.
//! - `pidfile`, `program`, `token`: stopping detached daemons, finding
//!   system programs, random tokens.

pub mod bind;
pub mod bridge_process;
pub mod browser;
pub mod dnsmasq;
mod dovecot;
pub mod exim;
pub mod finished;
pub mod first_render;
pub mod fixture_error;
pub mod guided_form;
pub mod haproxy;
mod pidfile;
pub mod portable;
pub mod postfix;
pub mod posture_lab;
mod program;
pub mod tab_bench;
pub mod tcp_driver;
pub mod test_ca;
mod token;
pub mod trials;
pub mod ui_size;
pub mod ws_driver;

pub use bridge_process::{Bridge, BridgeError};
pub use browser::{Browser, BrowserError, Page};
pub use postfix::{FixtureError, MailServer};
pub use posture_lab::PostureLab;
pub use test_ca::TestCa;
pub use trials::{run_with_rig, TrialFn};
pub use ws_driver::{run_session, run_session_tls, DriverError, SessionReport};
