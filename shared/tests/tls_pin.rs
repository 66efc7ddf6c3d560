//! A stock self-signed certificate, as `openssl req -x509` makes it by
//! default (`basicConstraints = critical, CA:TRUE`), presented as the
//! server's own certificate: webpki refuses such a certificate even when it
//! is pasted as a trusted CA. The refusal must be said in words (a CA
//! certificate used as the server's own; self-signed), and "trust exactly
//! this certificate" — its SHA-256 fingerprint, or the certificate itself,
//! in the CA field — must make it verify.

#[cfg(all(target_family = "wasm", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

// The engine tests' helpers, shared with `tls.rs`; not every one is used here.
#[allow(dead_code)]
mod tls {
    pub(crate) mod pki;
    pub(crate) mod run;
    pub(crate) mod server;
}

use rcgen::{date_time_ymd, BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
use rustls::pki_types::PrivatePkcs8KeyDer;
use smtplab_shared::smtp::{FailReason, Step, TlsFailureKind, TlsMode, TlsOptions, Verdict};
use smtplab_shared::tls::{pin_lines, TlsContext};
use tls::pki::{ServerIdentity, TestCa, VALID_FROM, VALID_UNTIL};
use tls::run::{context, run_with, HOST};
use tls::server::Script;

/// A self-signed certificate with `CA:TRUE`, as `openssl req -x509` makes
/// it (no key usage, no extended key usage), for `names`; and its PEM.
fn openssl_style_self_signed(names: &[&str]) -> (ServerIdentity, String) {
    let key = KeyPair::generate().expect("key");
    let sans: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    let mut params = CertificateParams::new(sans).expect("params");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, names[0]);
    params.not_before = date_time_ymd(VALID_FROM.0, VALID_FROM.1, VALID_FROM.2);
    params.not_after = date_time_ymd(VALID_UNTIL.0, VALID_UNTIL.1, VALID_UNTIL.2);
    let cert = params.self_signed(&key).expect("certificate");
    (
        ServerIdentity {
            chain: vec![cert.der().clone()],
            key: PrivatePkcs8KeyDer::from(key.serialize_der()),
        },
        cert.pem(),
    )
}

fn only(extra: &str) -> TlsContext {
    context(&TlsOptions {
        mozilla_roots: false,
        extra_ca_pem: extra.to_owned(),
        ..TlsOptions::default()
    })
}

fn failure_detail(run: &tls::run::Run) -> (TlsFailureKind, String) {
    match run.failure() {
        (Step::StartTls, FailReason::Tls(f)) => (f.kind, f.detail.clone()),
        other => panic!("expected a TLS failure at STARTTLS, got {other:?}"),
    }
}

#[test]
fn a_ca_certificate_as_the_servers_own_is_refused_in_words() {
    let (identity, _) = openssl_style_self_signed(&[HOST]);
    let run = run_with(
        TlsMode::StartTls,
        context(&TlsOptions::default()),
        Script::default(),
        &identity,
        usize::MAX,
    );
    let (kind, detail) = failure_detail(&run);
    assert_eq!(kind, TlsFailureKind::SelfSigned, "{detail}");
    assert!(
        detail.contains("CA certificate") && detail.contains("server's own certificate"),
        "{detail}"
    );
    assert!(!detail.contains("OtherError"), "{detail}");
    // The advice names both ways out, and the fingerprint to pin.
    let sha = &run.outcome().tls.as_ref().expect("report").chain[0].sha256;
    assert!(detail.contains("without the CA flag"), "{detail}");
    assert!(detail.contains(sha.as_str()), "{detail}");
}

#[test]
fn a_ca_certificate_signed_by_a_pasted_ca_is_refused_in_words() {
    // Not self-signed: a CA's certificate with CA:TRUE used as a server's.
    let ca = TestCa::new();
    let (identity, _) = openssl_style_self_signed(&[HOST]);
    let run = run_with(
        TlsMode::StartTls,
        only(&ca.pem),
        Script::default(),
        &identity,
        usize::MAX,
    );
    let (_, detail) = failure_detail(&run);
    assert!(!detail.contains("OtherError"), "{detail}");
}

#[test]
fn the_pasted_certificate_itself_is_trusted_exactly() {
    let (identity, pem) = openssl_style_self_signed(&[HOST]);
    let run = run_with(
        TlsMode::StartTls,
        only(&pem),
        Script::default(),
        &identity,
        usize::MAX,
    );
    assert_eq!(
        run.outcome().verdict,
        Verdict::Delivered,
        "{:?}",
        run.outcome()
    );
    let report = run.outcome().tls.as_ref().expect("report");
    assert_eq!(
        report.pinned_sha256.as_deref(),
        Some(report.chain[0].sha256.as_str())
    );
    let verification = report.verification.as_ref().expect("checked");
    assert!(verification.is_trusted(), "{verification}");
}

#[test]
fn a_sha256_pin_from_the_report_makes_it_verify() {
    let (identity, _) = openssl_style_self_signed(&[HOST]);
    // First run: refused; the report shows the fingerprint.
    let run = run_with(
        TlsMode::StartTls,
        context(&TlsOptions::default()),
        Script::default(),
        &identity,
        usize::MAX,
    );
    let sha = run.outcome().tls.as_ref().expect("report").chain[0]
        .sha256
        .clone();
    // As the report shows it, as `openssl x509 -fingerprint -sha256` prints
    // it, and as plain lower-case hex.
    let plain = sha.replace(':', "").to_ascii_lowercase();
    for pin in [
        format!("sha256 {sha}"),
        format!("SHA256 Fingerprint={sha}"),
        format!("sha256:{plain}"),
        sha.clone(),
    ] {
        let options = TlsOptions {
            extra_ca_pem: pin.clone(),
            ..TlsOptions::default()
        };
        assert_eq!(
            pin_lines(&options.extra_ca_pem),
            Ok(vec![sha.clone()]),
            "{pin}"
        );
        let run = run_with(
            TlsMode::StartTls,
            context(&options),
            Script::default(),
            &identity,
            7,
        );
        assert_eq!(run.outcome().verdict, Verdict::Delivered, "{pin}");
        let report = run.outcome().tls.as_ref().expect("report");
        assert_eq!(report.pinned_sha256.as_deref(), Some(sha.as_str()));
    }
    // Another certificate's pin does not help.
    let (other, _) = openssl_style_self_signed(&[HOST]);
    let options = TlsOptions {
        extra_ca_pem: format!("sha256 {sha}"),
        ..TlsOptions::default()
    };
    let run = run_with(
        TlsMode::StartTls,
        context(&options),
        Script::default(),
        &other,
        usize::MAX,
    );
    assert_eq!(failure_detail(&run).0, TlsFailureKind::SelfSigned);
    assert_eq!(
        run.outcome().tls.as_ref().expect("report").pinned_sha256,
        None
    );
}

#[test]
fn a_pin_line_with_a_wrong_length_is_refused_before_the_session() {
    assert!(pin_lines("sha256 AB:CD").is_err());
    assert_eq!(pin_lines("no pins here\n"), Ok(Vec::new()));
}

#[test]
fn starttls_if_offered_goes_on_in_plaintext_when_the_server_answers_250() {
    // A broken server (the diagnostics' test peers): STARTTLS offered, then
    // answered `250`. "If offered" means: no TLS here, go on without it.
    let (identity, _) = openssl_style_self_signed(&[HOST]);
    let script = Script {
        starttls_reply: "250 2.0.0 Ok",
        auth_only_under_tls: false,
        ..Script::default()
    };
    let run = run_with(
        TlsMode::StartTlsIfOffered,
        context(&TlsOptions::default()),
        script,
        &identity,
        usize::MAX,
    );
    assert_eq!(
        run.outcome().verdict,
        Verdict::Delivered,
        "{:#?}",
        run.events
    );
    assert!(run
        .events
        .iter()
        .any(|e| matches!(e, smtplab_shared::smtp::Event::TlsSkipped { .. })));
}
