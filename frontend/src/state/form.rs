//! The guided-session form in the state: what was typed, why the last Run
//! (or share, or export) was refused, whether the user touched it, and the
//! share link made of it. [`FormAction`] changes them.

use smtplab_shared::smtp::SessionSpec;

use crate::form::{AttachmentFile, Field, Form, FormError};
use crate::share::share_url;

/// The form and what hangs on its contents.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct FormState {
    /// The fields, as typed.
    pub(crate) fields: Form,
    /// Why the last Run (or share, or export) was refused.
    pub(crate) error: Option<FormError>,
    /// The form was edited or filled from a saved session, link or file:
    /// the sandbox preset must not overwrite it.
    pub(crate) touched: bool,
    /// The last share link made of the fields; an edit makes it stale, so
    /// it goes.
    pub(crate) share_link: Option<String>,
}

/// Everything that changes the form.
#[derive(Clone, PartialEq)]
pub(crate) enum FormAction {
    /// A field was edited.
    SetField(Field, String),
    /// Add a recipient field.
    AddRcpt,
    /// Remove a recipient field.
    RemoveRcpt(usize),
    /// Add a custom header row.
    AddHeader,
    /// Remove a custom header row.
    RemoveHeader(usize),
    /// Files picked and read: attach them.
    Attach(Vec<AttachmentFile>),
    /// Remove an attachment.
    RemoveAttachment(usize),
    /// An .eml file was loaded: whole-message mode with its bytes.
    LoadMessage(Vec<u8>),
    /// Run (or share, or export) was refused before anything happened.
    Invalid(FormError),
    /// Make a share link of the form for the page at `href`.
    MakeShareLink {
        /// The page address (its query and fragment are dropped).
        href: String,
        /// RFC 5322 date.
        date: String,
        /// Message-ID.
        message_id: String,
    },
}

impl std::fmt::Debug for FormAction {
    /// Never prints what was typed in the password field.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::SetField(field @ (Field::Password | Field::Token), _) => f
                .debug_tuple("SetField")
                .field(field)
                .field(&format_args!("<redacted>"))
                .finish(),
            Self::SetField(field, value) => {
                f.debug_tuple("SetField").field(field).field(value).finish()
            }
            Self::AddRcpt => f.write_str("AddRcpt"),
            Self::RemoveRcpt(i) => f.debug_tuple("RemoveRcpt").field(i).finish(),
            Self::AddHeader => f.write_str("AddHeader"),
            Self::RemoveHeader(i) => f.debug_tuple("RemoveHeader").field(i).finish(),
            Self::Attach(files) => f.debug_tuple("Attach").field(files).finish(),
            Self::RemoveAttachment(i) => f.debug_tuple("RemoveAttachment").field(i).finish(),
            Self::LoadMessage(text) => f.debug_tuple("LoadMessage").field(&text.len()).finish(),
            Self::Invalid(e) => f.debug_tuple("Invalid").field(e).finish(),
            Self::MakeShareLink {
                href,
                date,
                message_id,
            } => f
                .debug_struct("MakeShareLink")
                .field("href", href)
                .field("date", date)
                .field("message_id", message_id)
                .finish(),
        }
    }
}

impl FormState {
    /// Applies one action.
    pub(crate) fn apply(&mut self, action: FormAction) {
        match action {
            FormAction::SetField(field, value) => {
                self.touched = true;
                self.fields.set(field, value);
                self.error = None;
                self.share_link = None;
            }
            FormAction::AddRcpt => {
                self.touched = true;
                self.fields.add_rcpt();
            }
            FormAction::RemoveRcpt(i) => {
                self.touched = true;
                self.fields.remove_rcpt(i);
            }
            FormAction::AddHeader => {
                self.touched = true;
                self.fields.composer.add_header();
            }
            FormAction::RemoveHeader(i) => {
                self.touched = true;
                self.fields.composer.remove_header(i);
                self.error = None;
                self.share_link = None;
            }
            FormAction::Attach(files) => {
                self.touched = true;
                self.fields.composer.attachments.extend(files);
            }
            FormAction::RemoveAttachment(i) => self.fields.composer.remove_attachment(i),
            FormAction::LoadMessage(text) => {
                self.touched = true;
                self.fields.composer.load(text);
                self.error = None;
                self.share_link = None;
            }
            FormAction::Invalid(error) => self.error = Some(error),
            FormAction::MakeShareLink {
                href,
                date,
                message_id,
            } => match self.fields.to_spec(None, &date, &message_id) {
                Ok(spec) => {
                    self.share_link = Some(share_url(&href, &spec));
                    self.error = None;
                }
                Err(e) => {
                    self.share_link = None;
                    self.error = Some(e);
                }
            },
        }
    }

    /// Puts `spec` in the form; the old form's errors and link go, its
    /// TLS verification choice and pasted CA (not in a spec) stay.
    pub(crate) fn fill(&mut self, spec: &SessionSpec) {
        let previous = std::mem::replace(&mut self.fields, Form::from_spec(spec));
        self.fields.tls_verify = previous.tls_verify;
        self.fields.ca_pem = previous.ca_pem;
        self.touched = true;
        self.error = None;
        self.share_link = None;
    }

    /// The current form as a valid spec, for exports.
    ///
    /// # Errors
    /// The form's first problem.
    pub(crate) fn export_spec(
        &self,
        date: &str,
        message_id: &str,
    ) -> Result<SessionSpec, FormError> {
        self.fields.to_spec(None, date, message_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::ComposerField;
    use smtplab_shared::smtp::Stage;

    fn spec(stop_after: Stage) -> SessionSpec {
        crate::state::test_spec(stop_after, 1)
    }

    #[test]
    fn editing_clears_the_form_error() {
        let mut form = FormState::default();
        form.apply(FormAction::Invalid(FormError::BadPort("x".into())));
        assert_eq!(form.error, Some(FormError::BadPort("x".into())));
        form.apply(FormAction::SetField(Field::Host, "x".into()));
        assert_eq!(form.error, None);
        assert_eq!(form.fields.host, "x");
    }

    #[test]
    fn loading_a_session_keeps_the_tls_choices_outside_the_spec() {
        let mut form = FormState::default();
        form.apply(FormAction::SetField(Field::TlsVerify, "false".into()));
        form.apply(FormAction::SetField(Field::CaPem, "PEM".into()));
        form.fill(&spec(Stage::Data));
        assert!(!form.fields.tls_verify);
        assert_eq!(form.fields.ca_pem, "PEM");
    }

    #[test]
    fn header_rows_attachments_and_a_loaded_message() {
        let mut form = FormState::default();
        form.apply(FormAction::AddHeader);
        form.apply(FormAction::AddHeader);
        form.apply(FormAction::SetField(
            Field::Composer(ComposerField::HeaderName(1)),
            "X-Two".into(),
        ));
        form.apply(FormAction::RemoveHeader(0));
        assert_eq!(form.fields.composer.headers.len(), 1);
        assert_eq!(form.fields.composer.headers[0].name, "X-Two");
        assert!(form.touched);
        let file = AttachmentFile::new("a.txt", "text/plain", b"hello".to_vec());
        form.apply(FormAction::Attach(vec![file.clone(), file]));
        form.apply(FormAction::RemoveAttachment(0));
        assert_eq!(form.fields.composer.attachments.len(), 1);
        form.apply(FormAction::Invalid(FormError::EmptyMessage));
        form.apply(FormAction::LoadMessage(b"Subject: x\r\n\r\nbody".to_vec()));
        assert!(form.fields.composer.whole);
        assert_eq!(form.fields.composer.raw, "Subject: x\r\n\r\nbody");
        assert_eq!(form.error, None);
        let text = format!("{:?}", FormAction::LoadMessage(b"secret-ish body".to_vec()));
        assert!(!text.contains("secret-ish"), "{text}");
    }

    #[test]
    fn the_token_never_shows_in_debug() {
        let typed = FormAction::SetField(Field::Token, "ya29-secret".into());
        let text = format!("{typed:?}");
        assert!(
            !text.contains("ya29-secret") && text.contains("Token"),
            "{text}"
        );
    }

    #[test]
    fn the_password_never_shows_in_debug() {
        let typed = FormAction::SetField(Field::Password, "pw-secret".into());
        let text = format!("{typed:?}");
        assert!(!text.contains("pw-secret"), "{text}");
        assert!(text.contains("Password"), "{text}");
        let host = format!("{:?}", FormAction::SetField(Field::Host, "mx".into()));
        assert!(host.contains("\"mx\""), "{host}");
    }
}
