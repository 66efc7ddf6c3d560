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
//! - [`context`]: [`TlsOptions`] (the user's choices), [`TlsContext`] (what
//!   the driver builds from them), [`TlsSetupError`].
//! - [`report`]: [`TlsReport`], [`CertInfo`], [`Verification`].
//! - [`failure`]: [`TlsFailure`], [`TlsFailureKind`] and how rustls's
//!   errors map to them.
//! - `verifier`: the recording wrapper around rustls's WebPKI verifier.
//! - `channel`: the TLS client connection and its byte buffers.

pub(crate) mod channel;
pub mod context;
pub mod failure;
pub mod report;
pub(crate) mod verifier;

pub use context::{TlsContext, TlsOptions, TlsSetupError};
pub use failure::{TlsFailure, TlsFailureKind};
pub use report::{CertInfo, TlsReport, Verification};
/// Re-exported so drivers name the same rustls types the engine uses.
pub use rustls::{crypto::CryptoProvider, pki_types::UnixTime, time_provider::TimeProvider};
