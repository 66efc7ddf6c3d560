//! The UI's languages and its message catalogue: every string the page
//! shows is a [`Msg`] key, looked up with [`t`] in [`en`] or [`ja`], with
//! `{0}`, `{1}`… placeholders filled by [`tf`]. Reply explanations come from
//! `smtplab_shared`'s English and Japanese tables through [`explain_reply`],
//! [`explain_enhanced`] and [`explain_extension`].
//!
//! The language follows the browser (`navigator.language` starting with
//! `ja`) until the user picks one; the choice is remembered in
//! `localStorage` (see `hooks::use_persistence`).

/// The two lookups of a per-feature catalogue (`i18n/composer.rs`,
/// `report.rs`, …): `$text(lang, key)` and `$textf(lang, key, args)`, over
/// the catalogue's own `en(key)` and `ja(key)` matches.
macro_rules! catalogue_lookups {
    ($key:ty, $text:ident, $textf:ident) => {
        /// The text of `msg` in `lang` (placeholders unfilled).
        pub(crate) fn $text(lang: $crate::i18n::Lang, msg: $key) -> &'static str {
            match lang {
                $crate::i18n::Lang::En => en(msg),
                $crate::i18n::Lang::Ja => ja(msg),
            }
        }

        /// The text of `msg` in `lang` with `{0}`, `{1}`… replaced by `args`.
        pub(crate) fn $textf(lang: $crate::i18n::Lang, msg: $key, args: &[&str]) -> String {
            $crate::i18n::fill($text(lang, msg), args)
        }
    };
}
pub(crate) use catalogue_lookups;

pub(crate) mod composer;
mod en;
mod ja;
pub(crate) mod pictures;
pub(crate) mod report;
pub(crate) mod sequence;
pub(crate) mod timeline;
pub(crate) mod views;

pub(crate) use composer::{tc, tcf, Cm};
pub(crate) use report::{tr, trf, Rm};
pub(crate) use timeline::{tt, ttf, Tm};

use smtplab_shared::diagnose::CheckKind;
use smtplab_shared::smtp::{self, EnhancedCode, Extension, ReplyCode};

/// A language the page speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub(crate) enum Lang {
    /// English.
    #[default]
    En,
    /// Japanese.
    Ja,
}

impl Lang {
    /// Every language, in the selector's order.
    pub(crate) const ALL: [Self; 2] = [Self::En, Self::Ja];

    /// The BCP 47 tag: the `<html lang>`, the selector's value and the
    /// stored preference.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Ja => "ja",
        }
    }

    /// The language's own name, for the selector.
    pub(crate) fn native_name(self) -> &'static str {
        match self {
            Self::En => "English",
            Self::Ja => "日本語",
        }
    }

    /// Parses a stored preference or a selector value.
    pub(crate) fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.code() == code)
    }

    /// The language for a browser whose `navigator.language` is `tag`:
    /// Japanese for `ja`, `ja-JP`…, else English.
    pub(crate) fn from_browser(tag: &str) -> Self {
        let primary = tag.split(['-', '_']).next().unwrap_or("");
        if primary.eq_ignore_ascii_case("ja") {
            Self::Ja
        } else {
            Self::En
        }
    }

    /// The language to start in: the stored choice, else the browser's.
    pub(crate) fn initial(stored: Option<&str>, browser: Option<&str>) -> Self {
        stored
            .and_then(Self::parse)
            .unwrap_or_else(|| browser.map_or(Self::En, Self::from_browser))
    }
}

macro_rules! catalogue {
    ($($key:ident,)*) => {
        /// A message key. Its English text is in [`en`], its Japanese text
        /// in [`ja`]; both are exhaustive matches, so a key cannot be added
        /// to one language only.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[allow(missing_docs)]
        pub(crate) enum Msg { $($key,)* }

        #[cfg(test)]
        impl Msg {
            /// Every key, for the completeness test.
            pub(crate) const ALL: &'static [Self] = &[$(Self::$key,)*];
        }
    };
}

catalogue! {
    // page
    GuidedSession, RunHeading, ShowCredentials, SessionTranscript, ConsoleTranscript, Language,
    // bridge banner and problems
    BridgeChecking, BridgeReady, ProblemUnreachable, ProblemTokenRejected, ProblemForbidden,
    ProblemWebSocketFailed, ProblemBusy, ProblemVersion,
    // wire errors and closes
    ErrDns, ErrRefused, ErrTimeout, ErrUnreachable, ErrReset, ErrForbidden, ErrForbiddenInternal, ErrForbiddenRule, ErrForbiddenAddress, ErrLimit, ErrBadRequest,
    ErrInternal, ErrNxdomain, ErrNoRecords, ErrServfail, ErrDnssec, ErrHttps, ErrWithBridgeWords, ClosedByServer, ClosedByBridge, ClosedByClient,
    // transcript notes
    NoteOpeningWebSocket, NoteConnectingVia, NoteConnectedIn, NoteWebSocketClosed, NoteMalformed,
    NoteNotAReply, NoteNotConnected, NoteTlsEstablished, NoteTlsFailed, NoteTlsSkipped, NotePlaintextDiscarded,
    NoteCannotOpen, NoteNoLocation, CancelledByUser, UnknownCipher,
    NoEnhancedExplanation, BareLfNote,
    // form
    LegendServer, LabelHost, LabelPort, PortPresets, LabelEhloName, LegendAuth, LabelAuth, AuthNone,
    LabelUsername, LabelPassword, LegendEnvelope, LabelMailFrom, LabelRcpt, RemoveRcptAria, Remove,
    AddRecipient, LegendMessage, LabelSubject, LabelBody, HeadersHint, LabelStopAfter, RunButton,
    Running, CancelButton,
    // stages
    StageConnect, StageEhlo, StageAuth, StageMail, StageRcpt, StageData,
    // form errors
    BadPort, PortNotAllowed, SpecEmptyHost, SpecZeroPort, SpecEmptyEhloName, SpecBadEhloName,
    SpecNoRecipients, SpecBadAddress, FieldSender, FieldRecipient, AddrEmpty, AddrLineBreak,
    AddrSpaces, AddrBrackets, AddrNoAt, AddrNothingBeforeAt, AddrNoDomain, SpecEmptyUsername,
    SpecNulInCredentials, SpecEmptyToken, SpecControlInCredentials, SpecZeroBdatChunk, SpecBadDsn,
    ReasonNotOffered, ReqEightBitMime, ReqSmtpUtf8, ReqChunking, ReqDsn,
    NotePipelined, NotePipeliningNotOffered, RefusedRecipients,
    // steps and verdict
    StepsAria, StatusPending, StatusRunning, StatusOk, StatusFailed, StatusSkipped, DeliveredWithId,
    Delivered, Completed, FailedAt, AnsweredPermanent, AnsweredTemporary, AnsweredUnexpected,
    ReasonTimeout, ReasonConnectionClosed, ReasonProtocol, ReasonTls,
    // typed reasons from the engine and the link
    AbortBridgeProtocol, AbortBridgeGone, AbortInvalidSpec, AbortUnencodable,
    AbortNoTlsContext, AbortTlsSetup, ParseLineTooLong, ParseReplyTooLong, ParseTooManyLines,
    ParseBadCode, ParseMismatched, ParseIncomplete, ProtocolUnsolicited, TlsSkipNotAdvertised,
    TlsSkipHeloOnly, TlsSkipRefused,
    // TLS: form, setup errors, report, failure kinds, verdict hints
    LegendTls, LabelTlsMode, TlsModeNone, TlsModeStartTls, TlsModeIfOffered, TlsModeImplicit,
    LabelTlsVerify, TlsVerifyOff, LabelCaPem, LabelCaFile, TlsCaHint, TlsSetupBadPem, TlsSetupNoCert,
    TlsSetupBadCa, TlsSetupNoAnchors, TlsSetupProvider, TlsSetupNoPublicRoots, TlsSetupPublicRootsUnavailable, TlsHeading, TlsServerName, TlsProtocol,
    TlsCipher, TlsKeyExchange, TlsNotAgreed, TlsVerificationLabel, TlsChainHeading, TlsNoChain,
    VerifUnchecked, VerifTrusted, VerifFailed, VerifSkippedOk, VerifSkippedFail, TlsFailureWords,
    TlsKindNotOffered, TlsKindExpired, TlsKindNotYetValid, TlsKindUnknownIssuer, TlsKindSelfSigned,
    TlsKindNameMismatch, TlsKindRevoked, TlsKindBadCertificate, TlsKindNotTls, TlsKindHandshake,
    TlsKindInvalidServerName, TlsAdviceNotOffered, TlsAdviceExpired, TlsAdviceNotYetValid,
    TlsAdviceUnknownIssuer, TlsAdviceSelfSigned, TlsAdviceNameMismatch, TlsAdviceRevoked,
    TlsAdviceBadCertificate, TlsAdviceNotTls, TlsAdviceHandshake, TlsAdviceInvalidServerName,
    CertServer, CertNumber, CertSubject, CertIssuer, CertSans, CertNoSans, CertValidity, CertPeriod,
    CertKey, KeyWithBits, CertFingerprint, CertSelfIssued, CertUnreadable, NotValidBefore, DaysLeft,
    DayLeft, ExpiresToday, ExpiredOneDay, ExpiredDaysAgo, HintStartTls, HintNotTls, HintImplicitTls, PortExpectsImplicit, PortExpectsStartTls, UnparsedMoreLines,
    // sandbox inbox
    SandboxHeading, SandboxIntro, SandboxAccount, SandboxPreset, SandboxUse, SandboxRefresh,
    SandboxEmpty, SandboxLoadingText, SandboxError, SandboxEnvelopeFrom, SandboxEnvelopeTo,
    SandboxNullSender, SandboxAuthAs, SandboxNoAuth, SandboxReceived, SandboxSize, SandboxHeaders,
    SandboxBody, SandboxNoSubject, SandboxNewestOf,
    // capabilities
    CapabilitiesHeading, NoExtensions,
    // transcripts
    Copy, DownloadTxt, DownloadJson,
    // console and AUTH helper
    ConsoleHeading, ConsoleHint, ConsoleImplicitTls, Connect, Disconnect, ConsoleNotConnected, ConsoleConnecting,
    ConsoleConnected, LineToSend, Send, ShortcutsAria, AuthHelpers, B64Value, PutInConsole,
    HelperUser, HelperPassword, BuildPlain,
    // saved sessions, share, export, import
    ToolsHeading, SavedHeading, SaveName, SaveButton, RememberPassword, SavedEmpty, Load, Delete,
    PasswordStored, ShareButton, ShareHint, ShareLinkLabel, ExportHeading, SwaksButton,
    SwaksLabel, SessionJsonButton, ImportLabel, NoticeSaved, NoticeLoaded, NoticeDeleted,
    NoticeImported, NoticeShared, NoticeNameEmpty, NoticeBadJson, NoticeBadSpec, NoticeInvalidSpec,
    NoticeBadLink, NoticeStorage, NoticeFileUnreadable, NoticeCopied,
    // diagnostics
    DiagHeading, DiagHint, DiagDomainLegend, DiagLabelDomain, DiagTestPrimaryMx, DiagRunDomain,
    DiagServerLegend, DiagLabelPort, DiagIncludeDelivery, DiagRunServer, DiagInputsLegend,
    DiagLabelUser, DiagLabelFrom, DiagLabelOutside, DiagLabelAuthUser, DiagLabelTimeout, DiagErrPort,
    DiagErrTimeout, DiagErrDomain, DiagErrHost, DiagProgressAria, DiagSkipped, DiagSkipNoPrimaryMx,
    DiagSkipCancelled, DiagPass, DiagWarn, DiagFail, DiagAdvice, DiagEvidence, DiagOverall,
    DiagDownloadText, DiagDownloadJson, DiagMxHeading, DiagMxPreference, DiagMxHost, DiagMxAddresses,
    DiagMxConnected, DiagMxBanner, DiagMxEhlo, DiagMxStartTls, DiagMxProblem, DiagImplicit, DiagYes,
    DiagNo, DiagCheckReachability, DiagCheckService, DiagCheckDelivery, DiagCheckDomainServers,
    DiagCheckUserReceives, DiagCheckDomainReceives, DiagCheckCanSend, DiagCheckOpenRelay,
}

/// The text of `msg` in `lang` (placeholders unfilled).
pub(crate) fn t(lang: Lang, msg: Msg) -> &'static str {
    match lang {
        Lang::En => en::text(msg),
        Lang::Ja => ja::text(msg),
    }
}

/// The text of `msg` in `lang` with `{0}`, `{1}`… replaced by `args`.
pub(crate) fn tf(lang: Lang, msg: Msg, args: &[&str]) -> String {
    fill(t(lang, msg), args)
}

/// Replaces `{0}`, `{1}`… in `template` by `args`; a placeholder without an
/// argument stays as written.
pub(crate) fn fill(template: &str, args: &[&str]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let arg = after
            .find('}')
            .and_then(|close| after[..close].parse::<usize>().ok().map(|i| (i, close)))
            .and_then(|(i, close)| args.get(i).map(|a| (*a, close)));
        match arg {
            Some((value, close)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A Diagnostics check's name, in `lang`.
pub(crate) fn check_title(lang: Lang, kind: CheckKind) -> &'static str {
    if let Some((title, _)) = report::report_check(kind) {
        return tr(lang, title);
    }
    t(
        lang,
        match kind {
            CheckKind::Reachability => Msg::DiagCheckReachability,
            CheckKind::Service => Msg::DiagCheckService,
            CheckKind::Delivery => Msg::DiagCheckDelivery,
            CheckKind::DomainServers => Msg::DiagCheckDomainServers,
            CheckKind::UserReceives => Msg::DiagCheckUserReceives,
            CheckKind::DomainReceives => Msg::DiagCheckDomainReceives,
            CheckKind::CanSend => Msg::DiagCheckCanSend,
            CheckKind::OpenRelay => Msg::DiagCheckOpenRelay,
            _ => Msg::DiagCheckDomainServers,
        },
    )
}

/// What a reply code means, in `lang` (the tab explains replies with
/// [`explain_reply`], by the command that got them).
#[cfg(test)]
pub(crate) fn explain_code(lang: Lang, code: ReplyCode) -> &'static str {
    match lang {
        Lang::En => smtp::explain_code(code),
        Lang::Ja => smtp::explain_code_ja(code),
    }
}

/// What a reply means as the answer to `to` (the command that got it, and
/// its enhanced code), in `lang`.
pub(crate) fn explain_reply(
    lang: Lang,
    to: smtp::ReplyTo,
    code: ReplyCode,
    enhanced: Option<EnhancedCode>,
) -> &'static str {
    match lang {
        Lang::En => smtp::explain_reply(to, code, enhanced),
        Lang::Ja => smtp::explain_reply_ja(to, code, enhanced),
    }
}

/// What an enhanced status code means, in `lang`.
pub(crate) fn explain_enhanced(lang: Lang, code: EnhancedCode) -> Option<&'static str> {
    match lang {
        Lang::En => smtp::explain_enhanced(code),
        Lang::Ja => smtp::explain_enhanced_ja(code),
    }
}

/// What an EHLO extension means, in `lang`.
pub(crate) fn explain_extension(lang: Lang, extension: &Extension) -> String {
    match lang {
        Lang::En => smtp::explain_extension(extension),
        Lang::Ja => smtp::explain_extension_ja(extension),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The placeholders a text uses, sorted.
    fn placeholders(text: &str) -> Vec<usize> {
        let mut found: Vec<usize> = (0..10)
            .filter(|i| text.contains(&format!("{{{i}}}")))
            .collect();
        found.sort_unstable();
        found
    }

    #[test]
    fn every_key_has_text_in_every_language_with_the_same_placeholders() {
        assert!(Msg::ALL.len() > 150, "{}", Msg::ALL.len());
        for &msg in Msg::ALL {
            let en = t(Lang::En, msg);
            let ja = t(Lang::Ja, msg);
            assert!(!en.trim().is_empty(), "{msg:?} has no English text");
            assert!(!ja.trim().is_empty(), "{msg:?} has no Japanese text");
            assert_eq!(
                placeholders(en),
                placeholders(ja),
                "{msg:?}: placeholders differ"
            );
        }
    }

    #[test]
    fn japanese_text_is_japanese() {
        // Names and protocol words may stay as they are; most text must not.
        let same = Msg::ALL
            .iter()
            .filter(|&&m| t(Lang::En, m) == t(Lang::Ja, m))
            .count();
        assert!(same * 10 < Msg::ALL.len(), "{same} keys are not translated");
        assert!(!t(Lang::Ja, Msg::SaveButton).is_ascii());
    }

    #[test]
    fn placeholders_are_filled_in_any_order() {
        assert_eq!(fill("{1} then {0}", &["a", "b"]), "b then a");
        assert_eq!(fill("{0}{0} {x} {2}", &["z"]), "zz {x} {2}");
        assert_eq!(fill("{", &[]), "{");
        assert_eq!(tf(Lang::En, Msg::LabelRcpt, &["2"]), "RCPT TO #2");
    }

    #[test]
    fn the_language_follows_the_browser_unless_chosen() {
        assert_eq!(Lang::from_browser("ja-JP"), Lang::Ja);
        assert_eq!(Lang::from_browser("ja"), Lang::Ja);
        assert_eq!(Lang::from_browser("en-US"), Lang::En);
        assert_eq!(Lang::from_browser("jav"), Lang::En);
        assert_eq!(Lang::initial(None, Some("ja-JP")), Lang::Ja);
        assert_eq!(Lang::initial(Some("en"), Some("ja-JP")), Lang::En);
        assert_eq!(Lang::initial(Some("bogus"), None), Lang::En);
        for lang in Lang::ALL {
            assert_eq!(Lang::parse(lang.code()), Some(lang));
        }
    }

    #[test]
    fn check_titles_follow_the_shared_titles_in_english() {
        for kind in CheckKind::ALL {
            assert_eq!(check_title(Lang::En, kind), kind.title());
            assert!(!check_title(Lang::Ja, kind).is_ascii(), "{kind:?}");
        }
    }

    #[test]
    fn explanations_follow_the_language() {
        let code = ReplyCode::new(550).expect("valid");
        assert_ne!(explain_code(Lang::En, code), explain_code(Lang::Ja, code));
        assert!(explain_extension(Lang::Ja, &Extension::StartTls).contains("TLS"));
    }
}
