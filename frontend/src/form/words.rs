//! The form's messages in the page's language: why it was refused
//! ([`FormError::describe`], [`describe_spec_error`]) and the "stop after"
//! stages' labels.

use smtplab_shared::mime::ComposeError;
use smtplab_shared::smtp::{AddressField, AddressProblem, SpecError, Stage};

use super::{FormError, HeaderProblem, PortTlsMismatch};
use crate::i18n::{t, tc, tcf, tf, Cm, Lang, Msg};

impl FormError {
    /// The error in words, in `lang`.
    pub(crate) fn describe(&self, lang: Lang) -> String {
        match self {
            Self::BadPort(p) => tf(lang, Msg::BadPort, &[p]),
            Self::PortNotAllowed { port, allowed } => tf(
                lang,
                Msg::PortNotAllowed,
                &[
                    &port.to_string(),
                    &allowed
                        .iter()
                        .map(u16::to_string)
                        .collect::<Vec<_>>()
                        .join(", "),
                ],
            ),
            Self::Spec(e) => describe_spec_error(e, lang),
            Self::TlsSetup(e) => crate::tls_view::setup_error_words(e, lang),
            Self::Header { row, problem } => {
                let msg = match problem {
                    HeaderProblem::EmptyName => Cm::ErrHeaderEmptyName,
                    HeaderProblem::BadName => Cm::ErrHeaderBadName,
                    HeaderProblem::LineBreak => Cm::ErrHeaderLineBreak,
                    HeaderProblem::Reserved => Cm::ErrHeaderReserved,
                };
                tcf(lang, msg, &[&(row + 1).to_string()])
            }
            Self::EmptyMessage => tc(lang, Cm::ErrEmptyMessage).to_owned(),
            Self::Compose(e) => compose_error_words(e, lang),
            Self::BadChunk(c) => tcf(lang, Cm::ErrBadChunk, &[c]),
            Self::NotifyNeverAlone => tc(lang, Cm::ErrNotifyNever).to_owned(),
            Self::BadEnvid => tc(lang, Cm::ErrBadEnvid).to_owned(),
            Self::BadIdn(d) => tcf(lang, Cm::ErrBadIdn, &[d]),
        }
    }
}

/// What the composer refused, in words.
fn compose_error_words(error: &ComposeError, lang: Lang) -> String {
    match error {
        ComposeError::BadHeaderName { name } => tcf(lang, Cm::ErrComposeName, &[name]),
        ComposeError::LineBreakInHeader { name } => tcf(lang, Cm::ErrComposeLineBreak, &[name]),
        ComposeError::MimeHeader { name } => tcf(lang, Cm::ErrComposeMime, &[name]),
        ComposeError::BadContentType {
            filename,
            content_type,
        } => tcf(lang, Cm::ErrBadContentType, &[filename, content_type]),
        ComposeError::NonAsciiAddress { name, address } => {
            tcf(lang, Cm::ErrNonAsciiAddress, &[name, address])
        }
        ComposeError::NonAsciiValue { name } => tcf(lang, Cm::ErrNonAsciiValue, &[name]),
    }
}

impl PortTlsMismatch {
    /// The mismatch in words, in `lang`.
    pub(crate) fn describe(self, lang: Lang) -> String {
        match self {
            Self::ExpectsImplicit(port) => tf(lang, Msg::PortExpectsImplicit, &[&port.to_string()]),
            Self::ExpectsStartTls(port) => tf(lang, Msg::PortExpectsStartTls, &[&port.to_string()]),
        }
    }
}

/// A spec validation error in words, in `lang` (shared's `Display` is the
/// English text).
pub(crate) fn describe_spec_error(error: &SpecError, lang: Lang) -> String {
    match error {
        SpecError::EmptyHost => t(lang, Msg::SpecEmptyHost).to_owned(),
        SpecError::ZeroPort => t(lang, Msg::SpecZeroPort).to_owned(),
        SpecError::EmptyEhloName => t(lang, Msg::SpecEmptyEhloName).to_owned(),
        SpecError::BadEhloName => t(lang, Msg::SpecBadEhloName).to_owned(),
        SpecError::NoRecipients => t(lang, Msg::SpecNoRecipients).to_owned(),
        SpecError::BadAddress {
            field,
            address,
            problem,
        } => {
            let field = match field {
                AddressField::MailFrom => t(lang, Msg::FieldSender).to_owned(),
                AddressField::RcptTo(i) => tf(lang, Msg::FieldRecipient, &[&(i + 1).to_string()]),
            };
            let problem = t(
                lang,
                match problem {
                    AddressProblem::Empty => Msg::AddrEmpty,
                    AddressProblem::LineBreak => Msg::AddrLineBreak,
                    AddressProblem::Spaces => Msg::AddrSpaces,
                    AddressProblem::Brackets => Msg::AddrBrackets,
                    AddressProblem::NoAt => Msg::AddrNoAt,
                    AddressProblem::NothingBeforeAt => Msg::AddrNothingBeforeAt,
                    AddressProblem::NoDomain => Msg::AddrNoDomain,
                },
            );
            tf(lang, Msg::SpecBadAddress, &[&field, address, problem])
        }
        SpecError::EmptyUsername => t(lang, Msg::SpecEmptyUsername).to_owned(),
        SpecError::NulInCredentials => t(lang, Msg::SpecNulInCredentials).to_owned(),
        SpecError::EmptyToken => t(lang, Msg::SpecEmptyToken).to_owned(),
        SpecError::ControlInCredentials => t(lang, Msg::SpecControlInCredentials).to_owned(),
        SpecError::ZeroBdatChunk => t(lang, Msg::SpecZeroBdatChunk).to_owned(),
        SpecError::BadDsn(why) => tf(lang, Msg::SpecBadDsn, &[why]),
    }
}

/// The label of a stage in the "stop after" list.
pub(crate) fn stage_label(stage: Stage, lang: Lang) -> &'static str {
    let msg = match stage {
        Stage::Connect => Msg::StageConnect,
        Stage::Ehlo => Msg::StageEhlo,
        Stage::Auth => Msg::StageAuth,
        Stage::Mail => Msg::StageMail,
        Stage::Rcpt => Msg::StageRcpt,
        Stage::Data => Msg::StageData,
    };
    t(lang, msg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::tests::filled;
    use crate::form::Field;

    #[test]
    fn errors_are_worded_in_both_languages() {
        let mut form = filled();
        form.set(Field::Rcpt(0), "no-at-sign".into());
        let err = form.to_spec(None, "d", "m").expect_err("invalid");
        assert_eq!(err.describe(Lang::En), err.to_string());
        assert_eq!(
            err.describe(Lang::Ja),
            "宛先 #1 のアドレス「no-at-sign」は@ がありません"
        );
        let port = FormError::PortNotAllowed {
            port: 26,
            allowed: vec![25, 587],
        };
        assert!(port.describe(Lang::Ja).contains("--allow-port 26"));
        assert_eq!(stage_label(Stage::Data, Lang::Ja), "DATA（配送）");
    }
}
