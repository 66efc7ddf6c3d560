//! The tab's half of TLS: the crypto provider and the wall clock the engine
//! needs, made into a [`TlsContext`] from the user's [`TlsOptions`].
//!
//! `shared` picks neither (docs/tls.md): here the provider is ring's
//! algorithms trimmed to what a mail-server test negotiates, with no client
//! keys ([`crate::tls_provider`]), compiled to wasm32 (ring's C and assembly parts are built
//! with clang; its randomness is `crypto.getRandomValues` through
//! getrandom's `js` backend), and the clock is `Date.now()`. rustls's
//! `std` feature stays off, so nothing asks rustls-pki-types for the time.
//! The public root CAs are passed in too: the tab fetches them from the
//! bridge ([`crate::trust_anchors`]) rather than carrying them in its wasm.

use std::sync::Arc;
use std::time::Duration;

use smtplab_shared::tls::{
    TimeProvider, TlsContext, TlsOptions, TlsSetupError, TrustAnchor, UnixTime,
};

/// The browser's wall clock (`Date.now()`), for certificate validity and
/// the report's days left.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BrowserClock;

impl TimeProvider for BrowserClock {
    fn current_time(&self) -> Option<UnixTime> {
        unix_time_from_ms(js_sys::Date::now())
    }
}

/// Milliseconds since the epoch (a JavaScript time value) as a [`UnixTime`];
/// `None` for a clock before 1970 or not a number.
pub(crate) fn unix_time_from_ms(ms: f64) -> Option<UnixTime> {
    if !ms.is_finite() || ms < 0.0 {
        return None;
    }
    Some(UnixTime::since_unix_epoch(Duration::from_secs_f64(
        ms / 1000.0,
    )))
}

/// The engine's TLS context for `options`, with ring and `clock`;
/// `public_roots` are trusted when `options.mozilla_roots` is on (the list
/// from [`crate::trust_anchors::load`]; `&[]` when it is off).
///
/// # Errors
/// A [`TlsSetupError`] for pasted CA text that is not usable PEM or not a
/// CA certificate, public roots asked for but not given, or no trust anchor
/// at all.
pub(crate) fn context_with_clock(
    options: &TlsOptions,
    public_roots: &[TrustAnchor<'static>],
    clock: Arc<dyn TimeProvider>,
) -> Result<TlsContext, TlsSetupError> {
    TlsContext::new(
        Arc::new(crate::tls_provider::provider()),
        clock,
        options,
        public_roots,
    )
}

/// [`context_with_clock`] with the browser's clock.
///
/// # Errors
/// As [`context_with_clock`].
pub(crate) fn context(
    options: &TlsOptions,
    public_roots: &[TrustAnchor<'static>],
) -> Result<TlsContext, TlsSetupError> {
    context_with_clock(options, public_roots, Arc::new(BrowserClock))
}

/// A fixed clock (1 June 2025) for native tests, which have no `Date.now()`.
#[cfg(test)]
#[derive(Debug)]
pub(crate) struct Fixed;

#[cfg(test)]
impl TimeProvider for Fixed {
    fn current_time(&self) -> Option<UnixTime> {
        unix_time_from_ms(1_748_736_000_000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(pem: &str) -> TlsOptions {
        TlsOptions {
            extra_ca_pem: pem.to_owned(),
            ..TlsOptions::default()
        }
    }

    const ROOTS: &[TrustAnchor<'static>] = webpki_roots::TLS_SERVER_ROOTS;

    #[test]
    fn ring_makes_a_context_with_mozilla_roots() {
        let ctx =
            context_with_clock(&TlsOptions::default(), ROOTS, Arc::new(Fixed)).expect("a context");
        assert!(ctx.verify());
        assert_eq!(ctx.extra_ca_count(), 0);
        assert_eq!(ctx.unix_now().map(|t| t.as_secs()), Some(1_748_736_000));
    }

    #[test]
    fn mozilla_roots_without_the_list_are_refused() {
        let err =
            context_with_clock(&TlsOptions::default(), &[], Arc::new(Fixed)).expect_err("refused");
        assert_eq!(err, TlsSetupError::NoPublicRoots);
        let off = TlsOptions {
            mozilla_roots: false,
            ..TlsOptions::default()
        };
        assert_eq!(
            context_with_clock(&off, &[], Arc::new(Fixed)).expect_err("refused"),
            TlsSetupError::NoTrustAnchors
        );
    }

    #[test]
    fn bad_pasted_ca_text_is_refused_before_the_session() {
        let err = context_with_clock(&options("not a certificate"), ROOTS, Arc::new(Fixed))
            .expect_err("refused");
        assert_eq!(err, TlsSetupError::NoCertificateInPem);
        let err = context_with_clock(
            &options("-----BEGIN CERTIFICATE-----\nMIIB\n"),
            ROOTS,
            Arc::new(Fixed),
        )
        .expect_err("refused");
        assert!(matches!(err, TlsSetupError::BadPem(_)), "{err:?}");
        let none = TlsOptions {
            mozilla_roots: false,
            ..TlsOptions::default()
        };
        assert_eq!(
            context_with_clock(&none, ROOTS, Arc::new(Fixed)).expect_err("refused"),
            TlsSetupError::NoTrustAnchors
        );
    }

    #[test]
    fn javascript_times_become_unix_times() {
        assert_eq!(unix_time_from_ms(1_500.0).map(|t| t.as_secs()), Some(1));
        assert!(unix_time_from_ms(-1.0).is_none());
        assert!(unix_time_from_ms(f64::NAN).is_none());
    }
}
