//! Sans-IO TLS for the session engine: the driver's crypto provider and
//! clock, the trust anchors and the "verify" choice ([`TlsContext`]), a
//! certificate verifier that records what it found, the client side of
//! rustls's unbuffered (IO-free) connection, and the report shown to the
//! user ([`TlsReport`]).
//!
//! Nothing here picks a crypto provider or reads the clock: the driver
//! passes both in (ring in the tab and in the tests), so this crate builds
//! for wasm32 without any browser glue. rustls's buffered `ClientConnection`
//! needs rustls's `std` feature, which on wasm32 needs the clock through
//! `web-time`/`wasm-bindgen`; the unbuffered `UnbufferedClientConnection`
//! has the same sans-IO shape (bytes in, bytes out) without it.
//!
//! # Layout
//! - [`anchors`]: the binary encoding of a trust-anchor list, in which the
//!   bridge serves the public root CAs to the tab.
//! - [`context`]: [`TlsOptions`] (the user's choices), [`TlsContext`] (what
//!   the driver builds from them), [`TlsSetupError`].
//! - [`report`]: [`TlsReport`], [`CertInfo`], [`Verification`].
//! - [`failure`]: [`TlsFailure`], [`TlsFailureKind`] and how rustls's
//!   errors map to them (every webpki refusal in words).
//! - [`pin`]: "trust exactly this certificate", SHA-256 pins read from the
//!   CA field.
//! - `verifier`: the recording wrapper around rustls's WebPKI verifier.
//! - `certificate`, `der`: the certificate fields the report shows, read
//!   with a small DER reader of our own (smaller in wasm than x509-parser).
//! - `channel`: the TLS client connection and its byte buffers.

pub mod anchors;
pub(crate) mod certificate;
pub(crate) mod channel;
pub mod context;
pub(crate) mod der;
pub mod failure;
pub mod pin;
pub mod report;
pub(crate) mod verifier;

pub use anchors::AnchorsError;
pub use context::{TlsContext, TlsOptions, TlsSetupError};
pub use failure::{TlsFailure, TlsFailureKind};
pub use pin::{fingerprint, pin_lines, BadPin};
pub use report::{hex, CertInfo, DaneDigests, TlsReport, Verification};
/// Re-exported: the element type of [`TlsContext::new`]'s public roots.
pub use rustls::pki_types::TrustAnchor;
/// Re-exported so drivers name the same rustls types the engine uses.
pub use rustls::{crypto::CryptoProvider, pki_types::UnixTime, time_provider::TimeProvider};
