//! The session tools in the state: sessions saved in this browser, the
//! save box, the swaks toggle, and the notice that says what the tools
//! last did. [`ToolsAction`] changes them; the actions that fill the form
//! (load, import, share link) are given the [`FormState`] to fill.

use smtplab_shared::smtp::SessionSpec;

use super::form::FormState;
use crate::i18n::{t, tf, Lang, Msg};
use crate::saved::{upsert, SavedSession};
use crate::session_file::ImportError;

/// A message about the session tools, shown under them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Notice {
    /// A session was saved under this name.
    Saved(String),
    /// A saved session was loaded.
    Loaded(String),
    /// A saved session was deleted.
    Deleted(String),
    /// A session file was imported.
    Imported(String),
    /// The form was filled from a share link.
    Shared,
    /// Save was pressed without a name.
    NameEmpty,
    /// A file or link could not be used (`link`: it came from a link).
    Import {
        /// What is wrong.
        error: ImportError,
        /// True for a share link, false for a file.
        link: bool,
    },
    /// `localStorage` refused the write.
    Storage,
    /// The browser could not read the chosen file.
    FileUnreadable,
    /// Text was copied.
    Copied,
}

impl Notice {
    /// The notice in words, in `lang`.
    pub(crate) fn describe(&self, lang: Lang) -> String {
        match self {
            Self::Saved(name) => tf(lang, Msg::NoticeSaved, &[name]),
            Self::Loaded(name) => tf(lang, Msg::NoticeLoaded, &[name]),
            Self::Deleted(name) => tf(lang, Msg::NoticeDeleted, &[name]),
            Self::Imported(file) => tf(lang, Msg::NoticeImported, &[file]),
            Self::Shared => t(lang, Msg::NoticeShared).to_owned(),
            Self::NameEmpty => t(lang, Msg::NoticeNameEmpty).to_owned(),
            Self::Import { error, link } => error.describe(lang, *link),
            Self::Storage => t(lang, Msg::NoticeStorage).to_owned(),
            Self::FileUnreadable => t(lang, Msg::NoticeFileUnreadable).to_owned(),
            Self::Copied => t(lang, Msg::NoticeCopied).to_owned(),
        }
    }

    /// True for notices that report a failure (shown as an alert).
    pub(crate) fn is_error(&self) -> bool {
        matches!(
            self,
            Self::NameEmpty | Self::Import { .. } | Self::Storage | Self::FileUnreadable
        )
    }
}

/// Where a session that fills the form came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SpecSource {
    /// A share link (the page's fragment).
    Link,
    /// A session file with this name.
    File(String),
}

/// The session tools.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ToolsState {
    /// Sessions saved in this browser.
    pub(crate) saved: Vec<SavedSession>,
    /// The name typed for the next save.
    pub(crate) save_name: String,
    /// Save the password with the session.
    pub(crate) remember_password: bool,
    /// Show the equivalent swaks command.
    pub(crate) show_swaks: bool,
    /// What the session tools last did.
    pub(crate) notice: Option<Notice>,
}

/// Everything that changes the session tools.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ToolsAction {
    /// The saved sessions read from storage at start.
    SavedLoaded(Vec<SavedSession>),
    /// The save name was edited.
    SetSaveName(String),
    /// The "remember password" box was ticked or cleared.
    SetRememberPassword(bool),
    /// Save the form under the save name; `date` and `message_id` go into
    /// the composed message.
    Save {
        /// RFC 5322 date.
        date: String,
        /// Message-ID.
        message_id: String,
    },
    /// Load the saved session at this index into the form.
    LoadSaved(usize),
    /// Delete the saved session at this index.
    DeleteSaved(usize),
    /// Fill the form from a session (a share link or an imported file).
    LoadSpec {
        /// The session (boxed: a spec is several times any other action).
        spec: Box<SessionSpec>,
        /// Where it came from.
        source: SpecSource,
    },
    /// Show or hide the swaks command.
    ToggleSwaks,
    /// Show a notice.
    Notice(Notice),
}

impl ToolsState {
    /// Applies one action; saving reads `form`, loading fills it.
    pub(crate) fn apply(&mut self, action: ToolsAction, form: &mut FormState) {
        match action {
            ToolsAction::SavedLoaded(saved) => self.saved = saved,
            ToolsAction::SetSaveName(name) => self.save_name = name,
            ToolsAction::SetRememberPassword(on) => self.remember_password = on,
            ToolsAction::Save { date, message_id } => self.save(form, &date, &message_id),
            ToolsAction::LoadSaved(i) => {
                if let Some(saved) = self.saved.get(i).cloned() {
                    form.fill(&saved.spec);
                    self.save_name = saved.name.clone();
                    self.remember_password = saved.remember_password;
                    self.notice = Some(Notice::Loaded(saved.name));
                }
            }
            ToolsAction::DeleteSaved(i) => {
                if i < self.saved.len() {
                    let gone = self.saved.remove(i);
                    self.notice = Some(Notice::Deleted(gone.name));
                }
            }
            ToolsAction::LoadSpec { spec, source } => {
                form.fill(&spec);
                self.notice = Some(match source {
                    SpecSource::Link => Notice::Shared,
                    SpecSource::File(name) => Notice::Imported(name),
                });
            }
            ToolsAction::ToggleSwaks => self.show_swaks = !self.show_swaks,
            ToolsAction::Notice(notice) => self.notice = Some(notice),
        }
    }

    /// Saves the form under the save name (a draft: it need not be valid).
    fn save(&mut self, form: &mut FormState, date: &str, message_id: &str) {
        if self.save_name.trim().is_empty() {
            self.notice = Some(Notice::NameEmpty);
            return;
        }
        match form.fields.to_draft_spec(date, message_id) {
            Ok(spec) => {
                let saved = SavedSession::new(&self.save_name, &spec, self.remember_password);
                self.notice = Some(Notice::Saved(saved.name.clone()));
                upsert(&mut self.saved, saved);
                form.error = None;
            }
            Err(e) => form.error = Some(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::Field;
    use crate::state::form::FormAction;

    fn filled() -> FormState {
        let mut form = FormState::default();
        for (field, value) in [
            (Field::Host, "127.0.0.1"),
            (Field::Port, "587"),
            (Field::Auth, "login"),
            (Field::Username, "kim"),
            (Field::Password, "pw-secret"),
            (Field::MailFrom, "a@b.test"),
            (Field::Rcpt(0), "c@d.test"),
        ] {
            form.apply(FormAction::SetField(field, value.into()));
        }
        form
    }

    fn save(tools: &mut ToolsState, form: &mut FormState, name: &str, remember: bool) {
        tools.apply(ToolsAction::SetSaveName(name.into()), form);
        tools.apply(ToolsAction::SetRememberPassword(remember), form);
        tools.apply(
            ToolsAction::Save {
                date: "d".into(),
                message_id: "m".into(),
            },
            form,
        );
    }

    #[test]
    fn saved_sessions_keep_the_password_only_when_asked_and_load_back() {
        let mut form = filled();
        let mut tools = ToolsState::default();
        save(&mut tools, &mut form, "", false);
        assert_eq!(tools.notice, Some(Notice::NameEmpty));
        save(&mut tools, &mut form, "no password", false);
        save(&mut tools, &mut form, "with password", true);
        assert_eq!(tools.notice, Some(Notice::Saved("with password".into())));
        assert_eq!(tools.saved.len(), 2);
        form.apply(FormAction::SetField(Field::Host, "elsewhere".into()));
        tools.apply(ToolsAction::LoadSaved(0), &mut form);
        assert_eq!(form.fields.host, "127.0.0.1");
        assert_eq!(form.fields.password.expose(), "", "not remembered");
        assert!(!tools.remember_password);
        tools.apply(ToolsAction::LoadSaved(1), &mut form);
        assert_eq!(form.fields.password.expose(), "pw-secret");
        assert_eq!(tools.save_name, "with password");
        assert!(tools.remember_password);
        tools.apply(ToolsAction::DeleteSaved(0), &mut form);
        assert_eq!(tools.notice, Some(Notice::Deleted("no password".into())));
        assert_eq!(tools.saved.len(), 1);
        tools.apply(ToolsAction::DeleteSaved(7), &mut form);
        assert_eq!(tools.saved.len(), 1);
    }

    #[test]
    fn a_share_link_needs_a_valid_form_and_fills_another_tab() {
        let mut form = filled();
        let href = "http://127.0.0.1:8025/?token=tok".to_owned();
        form.apply(FormAction::MakeShareLink {
            href: href.clone(),
            date: "d".into(),
            message_id: "m".into(),
        });
        let link = form.share_link.clone().expect("link");
        assert!(
            !link.contains("tok") && !link.contains("pw-secret"),
            "{link}"
        );
        form.apply(FormAction::SetField(Field::Subject, "changed".into()));
        assert_eq!(form.share_link, None, "an edit makes the link stale");

        let spec = crate::share::decode_fragment(link.split_once('#').expect("fragment").1)
            .expect("valid")
            .expect("present");
        let (mut other, mut other_tools) = (FormState::default(), ToolsState::default());
        other_tools.apply(
            ToolsAction::LoadSpec {
                spec: Box::new(spec),
                source: SpecSource::Link,
            },
            &mut other,
        );
        assert_eq!(other_tools.notice, Some(Notice::Shared));
        assert_eq!(other.fields.username, "kim");
        assert_eq!(other.fields.password.expose(), "");
        assert_eq!(other.fields.rcpt_to, ["c@d.test"]);

        let mut empty = FormState::default();
        empty.apply(FormAction::MakeShareLink {
            href,
            date: "d".into(),
            message_id: "m".into(),
        });
        assert_eq!(empty.share_link, None);
        assert!(empty.error.is_some());
    }
}
