//! The sandbox inbox: where the bridge's SMTP sandbox listens, its demo
//! account, a button that fills the form for it, and the messages it
//! received (envelope, headers and body), newest first.

use smtplab_shared::wire::sandbox::InboxMessage;
use yew::prelude::*;

use super::use_app_state;
use crate::browser;
use crate::i18n::{t, tf, Msg};
use crate::state::{Action, SandboxAction};

/// Props of [`SandboxPanel`].
#[derive(Properties, PartialEq)]
pub(crate) struct SandboxPanelProps {
    /// Read the inbox again.
    pub(crate) onrefresh: Callback<()>,
}

/// The sandbox inbox panel; empty when the bridge runs no sandbox.
#[component]
pub(crate) fn SandboxPanel(props: &SandboxPanelProps) -> Html {
    let state = use_app_state();
    let lang = state.lang;
    let inbox = &state.inbox;
    let Some(info) = inbox.info.as_ref().filter(|i| i.enabled) else {
        return html! {};
    };
    let onrefresh = {
        let onrefresh = props.onrefresh.clone();
        Callback::from(move |_: MouseEvent| onrefresh.emit(()))
    };
    let onuse = {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| state.dispatch(Action::Sandbox(SandboxAction::Use)))
    };
    let targeted = info.is_target(&state.form.fields.host, &state.form.fields.port);
    html! {
        <section id="sandbox-panel" data-testid="sandbox-panel" class="sandbox" aria-labelledby="sandbox-title">
            <h2 id="sandbox-title">{ t(lang, Msg::SandboxHeading) }</h2>
            <p class="hint">{ tf(lang, Msg::SandboxIntro, &[&info.addr]) }</p>
            <p id="sandbox-account" data-testid="sandbox-account" data-user={info.user.clone()}>
                { tf(lang, Msg::SandboxAccount, &[&info.user, &info.password]) }
            </p>
            <div class="toolbar">
                if targeted {
                    <span id="sandbox-preset" data-testid="sandbox-preset" class="hint">{ t(lang, Msg::SandboxPreset) }</span>
                } else {
                    <button type="button" id="sandbox-use" data-testid="sandbox-use" onclick={onuse}>
                        { t(lang, Msg::SandboxUse) }
                    </button>
                }
                <button type="button" id="sandbox-refresh" data-testid="sandbox-refresh" onclick={onrefresh}
                        disabled={inbox.loading}>{ t(lang, Msg::SandboxRefresh) }</button>
                if inbox.loading {
                    <span class="hint" role="status">{ t(lang, Msg::SandboxLoadingText) }</span>
                }
            </div>
            if let Some(error) = &inbox.error {
                <p id="sandbox-error" data-testid="sandbox-error" class="form-error" role="alert">
                    { tf(lang, Msg::SandboxError, &[error]) }
                </p>
            }
            if let Some(messages) = &inbox.messages {
                if messages.is_empty() {
                    <p id="sandbox-empty" data-testid="sandbox-empty" class="hint">{ t(lang, Msg::SandboxEmpty) }</p>
                } else {
                    if inbox.total > messages.len() {
                        <p id="sandbox-count" data-testid="sandbox-count" class="hint">
                            { tf(lang, Msg::SandboxNewestOf, &[&messages.len().to_string(), &inbox.total.to_string()]) }
                        </p>
                    }
                    <ol id="sandbox-messages" data-testid="sandbox-messages" class="inbox">
                        { for messages.iter().map(|m| message(m, lang)) }
                    </ol>
                }
            }
        </section>
    }
}

/// One received message.
fn message(m: &InboxMessage, lang: crate::i18n::Lang) -> Html {
    let subject = m
        .header("Subject")
        .map_or_else(|| t(lang, Msg::SandboxNoSubject).to_owned(), str::to_owned);
    let from = if m.mail_from.is_empty() {
        t(lang, Msg::SandboxNullSender).to_owned()
    } else {
        m.mail_from.clone()
    };
    let auth = m
        .authenticated_as
        .clone()
        .unwrap_or_else(|| t(lang, Msg::SandboxNoAuth).to_owned());
    html! {
        <li key={m.id} data-testid="sandbox-message" data-queue-id={m.queue_id.clone()} class="mail">
            <strong>{ subject }</strong>{ " · " }<code>{ m.queue_id.clone() }</code>
            <dl class="kv">
                <dt>{ t(lang, Msg::SandboxReceived) }</dt>
                <dd>{ browser::local_time(m.received_at_unix_ms, lang.code()) }{ " · " }{ tf(lang, Msg::SandboxSize, &[&m.size.to_string()]) }</dd>
                <dt>{ t(lang, Msg::SandboxEnvelopeFrom) }</dt>
                <dd>{ from }</dd>
                <dt>{ t(lang, Msg::SandboxEnvelopeTo) }</dt>
                <dd>{ m.rcpt_to.join(", ") }</dd>
                <dt>{ t(lang, Msg::SandboxAuthAs) }</dt>
                <dd>{ auth }</dd>
            </dl>
            <span class="hint">{ t(lang, Msg::SandboxHeaders) }</span>
            <pre data-testid="sandbox-message-headers" class="mail-text">
                { m.headers.iter().map(|(n, v)| format!("{n}: {v}\n")).collect::<String>() }
            </pre>
            <span class="hint">{ t(lang, Msg::SandboxBody) }</span>
            <pre data-testid="sandbox-message-body" class="mail-text">{ m.body.clone() }</pre>
        </li>
    }
}
