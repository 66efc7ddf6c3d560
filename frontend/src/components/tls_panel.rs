//! The TLS panel: negotiated version, cipher suite and key exchange, the
//! verification result, and the server's certificate chain (a picture,
//! [`CertChain`], above the list of every certificate's details).

use smtplab_shared::tls::TlsReport;
use yew::prelude::*;

use super::cert_chain::CertChain;
use super::use_app_state;
use crate::i18n::{t, Msg};
use crate::tls_view::{cert_view, parameter_rows, pinned_words, verification_view};

/// Props of [`TlsPanel`].
#[derive(Properties, PartialEq)]
pub(crate) struct TlsPanelProps {
    /// The engine's report (after a failed handshake: what was known).
    pub(crate) report: TlsReport,
}

/// What TLS the session used and what the certificate check found.
#[component]
pub(crate) fn TlsPanel(props: &TlsPanelProps) -> Html {
    let lang = use_app_state().lang;
    let report = &props.report;
    let mut verification =
        verification_view(report.verification.as_ref(), &report.server_name, lang);
    if let (Some(sha), "trusted") = (&report.pinned_sha256, verification.result) {
        verification.words = pinned_words(sha, lang);
    }
    // The check's own clock when the report has one, so the picture and the
    // days-left words agree; else the page's.
    let today = report
        .checked_at_unix
        .and_then(|t| i64::try_from(t).ok())
        .unwrap_or_else(|| (js_sys::Date::now() / 1000.0) as i64);
    html! {
        <section id="tls-panel" data-testid="tls-panel" class="tls-panel" aria-labelledby="tls-title">
            <h3 id="tls-title">{ t(lang, Msg::TlsHeading) }</h3>
            <p id="tls-verification" data-testid="tls-verification" data-result={verification.result}
               class={classes!("tls-verification", verification.result)}>
                <strong>{ t(lang, Msg::TlsVerificationLabel) }{ ": " }</strong>{ verification.words }
            </p>
            <dl class="kv">
                { for parameter_rows(report, lang).into_iter().map(|(id, label, value)| html! {
                    <>
                        <dt>{ label }</dt>
                        <dd id={id} data-testid={id}>{ value }</dd>
                    </>
                }) }
            </dl>
            <h4>{ t(lang, Msg::TlsChainHeading) }</h4>
            if report.chain.is_empty() {
                <p class="hint">{ t(lang, Msg::TlsNoChain) }</p>
            } else {
                <CertChain chain={report.chain.clone()} result={verification.result} {today}
                           checked_at={report.checked_at_unix} />
                <ol class="chain">
                    { for report.chain.iter().enumerate().map(|(i, cert)| {
                        let view = cert_view(cert, i, report.checked_at_unix, lang);
                        html! {
                            <li data-testid="tls-cert" data-index={i.to_string()} data-validity={view.validity}
                                class={classes!("cert", view.validity)}>
                                <strong>{ view.title }</strong>
                                <dl class="kv">
                                    { for view.rows.into_iter().map(|(label, value)| html! {
                                        <>
                                            <dt>{ label }</dt>
                                            <dd>{ value }</dd>
                                        </>
                                    }) }
                                </dl>
                            </li>
                        }
                    }) }
                </ol>
            }
        </section>
    }
}
