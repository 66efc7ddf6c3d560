//! The sandbox inbox in the state: what the bridge said about its SMTP
//! sandbox and the messages read from it ([`Inbox`]). [`SandboxAction`]s
//! come from the `use_sandbox` hook and the "use the sandbox" button; the
//! bridge's answer and the button may preset the [`FormState`].

use crate::sandbox::{InboxMessage, InboxPage, SandboxInfo};

use super::form::FormState;
use crate::form::Form;

/// The inbox panel's state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Inbox {
    /// What the bridge said about its sandbox; `None` until it answered
    /// (and for ever with an older bridge).
    pub(crate) info: Option<SandboxInfo>,
    /// The newest messages, newest first; `None` until first read.
    pub(crate) messages: Option<Vec<InboxMessage>>,
    /// Messages the sandbox keeps in all (more than `messages` when the
    /// bridge served only the newest page).
    pub(crate) total: usize,
    /// A read is under way.
    pub(crate) loading: bool,
    /// Why the last read failed.
    pub(crate) error: Option<String>,
}

/// Everything that changes the inbox (and, for a preset, the form).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SandboxAction {
    /// The bridge answered `GET /sandbox`.
    Info(SandboxInfo),
    /// Fill the form for the sandbox (the "use the sandbox" button).
    Use,
    /// A read of the sandbox inbox started.
    Loading,
    /// A read of the sandbox inbox ended (its newest page, or why not).
    Messages(Result<InboxPage, String>),
}

impl Inbox {
    /// Applies one action; the bridge's answer presets an untouched
    /// `form`, the button any form.
    pub(crate) fn apply(&mut self, action: SandboxAction, form: &mut FormState) {
        match action {
            SandboxAction::Info(info) => {
                if let Some(fields) = self.apply_info(info, &form.fields, form.touched) {
                    form.fields = fields;
                }
            }
            SandboxAction::Use => {
                if let Some(fields) = self.info.as_ref().and_then(|i| i.preset(&form.fields)) {
                    form.fields = fields;
                    form.error = None;
                    form.share_link = None;
                }
            }
            SandboxAction::Loading => self.loading = true,
            SandboxAction::Messages(result) => self.apply_messages(result),
        }
    }

    /// Stores the bridge's answer; returns the preset form when `form` is
    /// to be replaced (sandbox enabled, form untouched).
    fn apply_info(&mut self, info: SandboxInfo, form: &Form, form_touched: bool) -> Option<Form> {
        let preset = if form_touched {
            None
        } else {
            info.preset(form)
        };
        self.info = Some(info);
        preset
    }

    /// True when the sandbox runs.
    pub(crate) fn enabled(&self) -> bool {
        self.info.as_ref().is_some_and(|i| i.enabled)
    }

    /// Stores the result of a read.
    fn apply_messages(&mut self, result: Result<InboxPage, String>) {
        self.loading = false;
        match result {
            Ok(page) => {
                let total = usize::try_from(page.total).unwrap_or(usize::MAX);
                self.total = total.max(page.messages.len());
                self.messages = Some(page.messages);
                self.error = None;
            }
            Err(e) => self.error = Some(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::{AuthChoice, Field};
    use crate::sandbox::{parse_info, parse_messages, DEMO_FROM, DEMO_TO};
    use crate::state::form::FormAction;
    use crate::state::tools::{SpecSource, ToolsAction, ToolsState};
    use smtplab_shared::smtp::{Stage, TlsMode};

    const INFO: &str = r#"{"enabled":true,"addr":"127.0.0.1:2525","host":"127.0.0.1","port":2525,
        "user":"demo@sandbox.smtplab","password":"smtplab-demo"}"#;

    fn sandbox_info() -> SandboxInfo {
        parse_info(
            r#"{"enabled":true,"addr":"127.0.0.1:2525","user":"demo@sandbox.smtplab","password":"smtplab-demo"}"#,
        )
        .expect("info")
    }

    #[test]
    fn an_untouched_form_is_preset_for_the_sandbox() {
        let info = parse_info(INFO).expect("info");
        let mut inbox = Inbox::default();
        let form = inbox
            .apply_info(info, &Form::default(), false)
            .expect("preset");
        assert!(inbox.enabled());
        assert_eq!(
            (form.host.as_str(), form.port.as_str()),
            ("127.0.0.1", "2525")
        );
        assert_eq!(form.auth, AuthChoice::Login);
        assert_eq!(
            (form.username.as_str(), form.password.expose()),
            ("demo@sandbox.smtplab", "smtplab-demo")
        );
        assert_eq!(form.mail_from, DEMO_FROM);
        assert_eq!(form.rcpt_to, [DEMO_TO]);
        assert_eq!(form.tls, TlsMode::None);
        assert_eq!(form.subject, Form::default().subject, "the rest stays");
        let spec = form.to_spec(None, "d", "m").expect("a valid session");
        assert_eq!(
            spec.auth.map(|a| a.username),
            Some("demo@sandbox.smtplab".to_owned())
        );
    }

    #[test]
    fn a_touched_form_or_a_disabled_sandbox_is_left_alone() {
        let info = parse_info(INFO).expect("info");
        assert_eq!(
            Inbox::default().apply_info(info, &Form::default(), true),
            None
        );
        let off = parse_info(r#"{"enabled":false}"#).expect("info");
        let mut inbox = Inbox::default();
        assert_eq!(inbox.apply_info(off, &Form::default(), false), None);
        assert!(!inbox.enabled());
    }

    #[test]
    fn the_sandbox_preselects_only_an_untouched_form() {
        let mut fresh = (Inbox::default(), FormState::default());
        fresh
            .0
            .apply(SandboxAction::Info(sandbox_info()), &mut fresh.1);
        assert_eq!(fresh.1.fields.host, "127.0.0.1");
        assert_eq!(fresh.1.fields.username, "demo@sandbox.smtplab");
        assert!(fresh.0.enabled());

        let mut typed = (Inbox::default(), FormState::default());
        typed
            .1
            .apply(FormAction::SetField(Field::Host, "mx.example.test".into()));
        typed
            .0
            .apply(SandboxAction::Info(sandbox_info()), &mut typed.1);
        assert_eq!(typed.1.fields.host, "mx.example.test");
        typed.0.apply(SandboxAction::Use, &mut typed.1);
        assert_eq!(
            typed.1.fields.host, "127.0.0.1",
            "the button sets it up on request"
        );

        let mut linked = (Inbox::default(), FormState::default());
        ToolsState::default().apply(
            ToolsAction::LoadSpec {
                spec: Box::new(crate::state::test_spec(Stage::Rcpt, 1)),
                source: SpecSource::Link,
            },
            &mut linked.1,
        );
        linked
            .0
            .apply(SandboxAction::Info(sandbox_info()), &mut linked.1);
        assert_eq!(
            linked.1.fields.stop_after,
            Stage::Rcpt,
            "a shared session stays"
        );
        assert_eq!(linked.1.fields.username, "");

        let mut rcpt = (Inbox::default(), FormState::default());
        rcpt.1.apply(FormAction::AddRcpt);
        rcpt.0
            .apply(SandboxAction::Info(sandbox_info()), &mut rcpt.1);
        assert_eq!(rcpt.1.fields.host, "");
    }

    #[test]
    fn inbox_reads_are_tracked() {
        let mut inbox = Inbox::default();
        let mut form = FormState::default();
        inbox.apply(SandboxAction::Loading, &mut form);
        assert!(inbox.loading);
        inbox.apply(SandboxAction::Messages(Ok(InboxPage::default())), &mut form);
        assert!(!inbox.loading);
        assert_eq!(inbox.messages, Some(Vec::new()));
    }

    #[test]
    fn a_read_keeps_the_newest_page_and_the_total_or_says_why_not() {
        let page = parse_messages(
            r#"{"total":5,"next_before":1,"messages":[
              {"id":2,"queue_id":"SBX000002","received_at_unix_ms":1767225601000,"helo":"h","mail_from":"",
               "rcpt_to":["x@y"],"authenticated_as":null,"size":3,"headers":[],"body":"hi"},
              {"id":1,"queue_id":"SBX000001","received_at_unix_ms":1767225600000,"helo":"h","mail_from":"",
               "rcpt_to":["x@y"],"authenticated_as":null,"size":3,"headers":[],"body":"hi"}]}"#,
        )
        .expect("messages");
        let mut inbox = Inbox {
            loading: true,
            ..Inbox::default()
        };
        inbox.apply_messages(Err("HTTP 404".into()));
        assert_eq!(
            (inbox.loading, inbox.error.as_deref()),
            (false, Some("HTTP 404"))
        );
        inbox.apply_messages(Ok(page));
        assert_eq!(inbox.error, None);
        assert_eq!(inbox.messages.as_ref().map(Vec::len), Some(2));
        assert_eq!(inbox.total, 5, "the newest 2 of 5");
    }
}
