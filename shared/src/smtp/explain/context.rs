//! Explanations that depend on the command a reply answers (and on its
//! enhanced status code): a 554 to RCPT TO is a refused recipient, not "no
//! SMTP service here"; a 550 5.7.1 to RCPT TO is a relay refusal, which
//! authenticating usually fixes; a 503 to AUTH means AUTH was not offered
//! at that point (often: only after STARTTLS), not "RCPT before MAIL".
//!
//! One table of cases ([`Case`]) chosen from (command, code, enhanced code),
//! worded in English here and in Japanese in [`super::ja`]; a reply no case
//! covers gets the code's general sentence.
//!
//! The cases follow the documented replies of Postfix (`smtpd`), Exim,
//! OpenSMTPD, Microsoft Exchange and Gmail; the unit tests quote them.

use super::super::reply::{EnhancedCode, ReplyCode};
use super::super::session::Step;

/// The command a reply answers, as far as its meaning depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReplyTo {
    /// The greeting, before any command.
    Greeting,
    /// `EHLO`.
    Ehlo,
    /// `HELO`.
    Helo,
    /// `STARTTLS`.
    StartTls,
    /// `AUTH` (and its continuation lines).
    Auth,
    /// `MAIL FROM`.
    Mail,
    /// `RCPT TO`.
    Rcpt,
    /// `DATA` (answered by 354, or a refusal before the content).
    Data,
    /// The message content and its final `.`.
    Message,
    /// `RSET`.
    Rset,
    /// `QUIT`.
    Quit,
    /// Another command (VRFY, NOOP, HELP, …) or an unknown one.
    Other,
}

impl ReplyTo {
    /// The command a session step sends.
    pub fn from_step(step: Step) -> Self {
        match step {
            Step::Connect => Self::Greeting,
            Step::Ehlo => Self::Ehlo,
            Step::Helo => Self::Helo,
            Step::StartTls => Self::StartTls,
            Step::Auth => Self::Auth,
            Step::Mail => Self::Mail,
            Step::Rcpt(_) => Self::Rcpt,
            Step::Data => Self::Data,
            Step::Message => Self::Message,
            Step::Quit => Self::Quit,
            Step::Rset => Self::Rset,
            Step::Probe { .. } => Self::Other,
        }
    }

    /// The command a line sent by the client starts, or `None` for a line
    /// that is no command (an AUTH response, message content); the final
    /// `.` of a message is [`ReplyTo::Message`].
    pub fn from_line(line: &str) -> Option<Self> {
        if line == "." {
            return Some(Self::Message);
        }
        let verb = line.split([' ', ':']).next().unwrap_or("");
        let known = match verb.to_ascii_uppercase().as_str() {
            "EHLO" | "LHLO" => Self::Ehlo,
            "HELO" => Self::Helo,
            "STARTTLS" => Self::StartTls,
            "AUTH" => Self::Auth,
            "MAIL" => Self::Mail,
            "RCPT" => Self::Rcpt,
            "DATA" | "BDAT" => Self::Data,
            "RSET" => Self::Rset,
            "QUIT" => Self::Quit,
            "VRFY" | "EXPN" | "NOOP" | "HELP" | "ETRN" => Self::Other,
            _ => return None,
        };
        Some(known)
    }
}

/// A reply whose meaning depends on the command: one sentence each, in
/// English ([`explain_reply`]) and Japanese ([`super::explain_reply_ja`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Case {
    /// 554 (or 550/521) as the greeting: no service for this client.
    GreetingRefused,
    /// 421 as the greeting.
    GreetingBusy,
    /// 500/502 to EHLO: the client falls back to HELO.
    EhloUnknown,
    /// 501 to EHLO/HELO: the name.
    HeloNameRefused,
    /// 550/554 to EHLO/HELO: the client or its name refused.
    HeloRefused,
    /// 454 to STARTTLS.
    StartTlsUnavailable,
    /// 500/502 to STARTTLS.
    StartTlsUnknown,
    /// 503 to STARTTLS: TLS already active.
    StartTlsTwice,
    /// 503 to AUTH (Exim "AUTH command used when not advertised",
    /// OpenSMTPD "Invalid command", Postfix "authentication not enabled" or
    /// "already authenticated").
    AuthNotOffered,
    /// 502/500 to AUTH: no AUTH at all.
    AuthUnknown,
    /// 504 to AUTH: the mechanism.
    AuthMechanism,
    /// 530/538 or 5.7.10/5.7.11 to AUTH: TLS first.
    AuthNeedsTls,
    /// 534 (5.7.9) to AUTH: a stronger mechanism or an app password.
    AuthTooWeak,
    /// 454 to AUTH: the authentication backend is unavailable.
    AuthTemporary,
    /// 530 (or 5.7.0/5.7.57) to MAIL, RCPT or DATA: authenticate first.
    NeedsAuth,
    /// 503 to MAIL: a transaction is already open (or AUTH is missing).
    MailNested,
    /// 501/553 to MAIL, or 5.1.7/5.1.8: the sender address.
    SenderRefused,
    /// 550/553/554 5.7.x to MAIL: the sender not allowed for this client.
    SenderNotAllowed,
    /// 552 to MAIL: the announced size.
    SizeTooBig,
    /// 503 to RCPT: no MAIL FROM yet.
    RcptWithoutMail,
    /// 550/551/553 with 5.1.1 (or 5.1.10) to RCPT: unknown user.
    UnknownUser,
    /// 5.7.x (550/554) to RCPT: relay refused.
    RelayDenied,
    /// 550/554 to RCPT without a telling enhanced code.
    RecipientRefused,
    /// 452 or 4.5.3/5.5.3 to RCPT: too many recipients.
    TooManyRecipients,
    /// 450/451 to RCPT: try later (greylisting, a lookup failure).
    RecipientLater,
    /// 503 or 554 5.5.1 to DATA: no accepted recipient.
    DataWithoutRcpt,
    /// 5xx other than 552 after the message: content refused.
    MessageRefused,
    /// 552 after the message: too big or mailbox full.
    MessageTooBig,
    /// 4xx after the message.
    MessageLater,
}

/// The case of a reply to `to`, if its meaning depends on the command.
pub(crate) fn case(to: ReplyTo, code: ReplyCode, enhanced: Option<EnhancedCode>) -> Option<Case> {
    let code = code.as_u16();
    let sub = enhanced.map(|e| (e.subject, e.detail));
    let security = matches!(sub, Some((7, _)));
    use Case::*;
    let case = match (to, code) {
        (ReplyTo::Greeting, 521 | 550 | 554) => GreetingRefused,
        (ReplyTo::Greeting, 421) => GreetingBusy,
        (ReplyTo::Ehlo, 500 | 502) => EhloUnknown,
        (ReplyTo::Ehlo | ReplyTo::Helo, 501 | 504) => HeloNameRefused,
        (ReplyTo::Ehlo | ReplyTo::Helo, 550 | 554) => HeloRefused,
        (ReplyTo::StartTls, 454) => StartTlsUnavailable,
        (ReplyTo::StartTls, 500 | 502) => StartTlsUnknown,
        (ReplyTo::StartTls, 503) => StartTlsTwice,
        (ReplyTo::Auth, 503) => AuthNotOffered,
        (ReplyTo::Auth, 500 | 502) => AuthUnknown,
        (ReplyTo::Auth, 504) => AuthMechanism,
        (ReplyTo::Auth, 530 | 538) => AuthNeedsTls,
        (ReplyTo::Auth, _) if matches!(sub, Some((7, 10 | 11))) => AuthNeedsTls,
        (ReplyTo::Auth, 534) => AuthTooWeak,
        (ReplyTo::Auth, 454) => AuthTemporary,
        (ReplyTo::Mail | ReplyTo::Rcpt | ReplyTo::Data, 530) => NeedsAuth,
        (ReplyTo::Mail | ReplyTo::Rcpt, 550) if matches!(sub, Some((7, 57))) => NeedsAuth,
        (ReplyTo::Mail, 503) => MailNested,
        (ReplyTo::Mail, 552) => SizeTooBig,
        (ReplyTo::Mail, 550 | 553 | 554) if security => SenderNotAllowed,
        (ReplyTo::Mail, 501 | 550 | 553) => SenderRefused,
        (ReplyTo::Rcpt, 503) => RcptWithoutMail,
        (ReplyTo::Rcpt, 550 | 551 | 553 | 554) if matches!(sub, Some((1, 1 | 10))) => UnknownUser,
        (ReplyTo::Rcpt, 550 | 551 | 554) if security => RelayDenied,
        (ReplyTo::Rcpt, 550 | 551 | 554) => RecipientRefused,
        (ReplyTo::Rcpt, 452) => TooManyRecipients,
        (ReplyTo::Rcpt, _) if matches!(sub, Some((5, 3))) => TooManyRecipients,
        (ReplyTo::Rcpt, 450 | 451) => RecipientLater,
        (ReplyTo::Data, 503 | 554) => DataWithoutRcpt,
        (ReplyTo::Message, 552) => MessageTooBig,
        (ReplyTo::Message, 550 | 551 | 553 | 554) => MessageRefused,
        (ReplyTo::Message, 450..=499) => MessageLater,
        _ => return None,
    };
    Some(case)
}

/// One sentence saying what this reply means as the answer to `to`: the
/// command-specific sentence when there is one, else the code's general
/// one ([`explain_code`](super::explain_code)).
pub fn explain_reply(to: ReplyTo, code: ReplyCode, enhanced: Option<EnhancedCode>) -> &'static str {
    match case(to, code, enhanced) {
        Some(case) => case_en(case),
        None => super::explain_code(code),
    }
}

fn case_en(case: Case) -> &'static str {
    match case {
        Case::GreetingRefused => "The server refuses to talk SMTP with this client (no mail service here for you, often because of the client's address or a block list).",
        Case::GreetingBusy => "The server will not serve this connection now (too busy, or this client is throttled); try later.",
        Case::EhloUnknown => "The server does not know EHLO (an old or minimal server); the client falls back to HELO, without extensions.",
        Case::HeloNameRefused => "The server does not accept this EHLO/HELO name (bad syntax, or not a fully qualified domain name); change the EHLO name.",
        Case::HeloRefused => "The server refuses this client or this EHLO/HELO name (policy, or the name is not accepted).",
        Case::StartTlsUnavailable => "TLS is not available right now (the server's TLS setup failed or is switched off); try later, or go on without TLS.",
        Case::StartTlsUnknown => "The server does not support STARTTLS (it was not advertised in the EHLO reply).",
        Case::StartTlsTwice => "STARTTLS is not valid here (TLS is already active, or STARTTLS came before EHLO).",
        Case::AuthNotOffered => "AUTH is not accepted at this point: the server did not advertise AUTH here (many offer it only after STARTTLS), or this session is already authenticated.",
        Case::AuthUnknown => "The server does not support AUTH on this connection (it was not advertised; it may be offered only after STARTTLS, or only on the submission port).",
        Case::AuthMechanism => "The server does not support this AUTH mechanism; pick one that its EHLO reply lists.",
        Case::AuthNeedsTls => "The server allows AUTH only over an encrypted connection: use STARTTLS (or implicit TLS) first.",
        Case::AuthTooWeak => "The server refuses this AUTH mechanism or password as too weak (some providers want an application-specific password or OAuth).",
        Case::AuthTemporary => "Authentication is temporarily unavailable (for example the server's password backend did not answer); try later.",
        Case::NeedsAuth => "The server wants the client to authenticate (AUTH, often after STARTTLS) before it accepts this command.",
        Case::MailNested => "MAIL FROM is not valid here: a transaction is already open (send RSET first), or the server wants AUTH first.",
        Case::SenderRefused => "The sender address is refused: bad syntax, or the sender's domain does not exist or is not accepted.",
        Case::SenderNotAllowed => "This client may not send as this sender address (for example the authenticated user does not own it, or the policy refuses it).",
        Case::SizeTooBig => "The announced message size is over the server's limit.",
        Case::RcptWithoutMail => "RCPT TO is not valid here: no MAIL FROM was accepted before it.",
        Case::UnknownUser => "The recipient does not exist: the server knows no such mailbox.",
        Case::RelayDenied => "Relay refused: the server does not pass mail to this recipient's domain for an unauthenticated client; authenticate (AUTH) first, or send to a domain this server receives mail for.",
        Case::RecipientRefused => "The recipient is refused: the mailbox does not exist here, or the server does not relay to that domain for this client (then authenticating with AUTH helps).",
        Case::TooManyRecipients => "Too many recipients for this message; send the others in another transaction.",
        Case::RecipientLater => "The recipient cannot be accepted right now (greylisting, or a lookup failed); try again later.",
        Case::DataWithoutRcpt => "DATA is not valid here: no recipient was accepted, so there is nowhere to send the message.",
        Case::MessageRefused => "The server received the message but refused it (content, spam or policy checks such as SPF, DKIM or DMARC).",
        Case::MessageTooBig => "The message is too big for the server, or the mailbox is full.",
        Case::MessageLater => "The server could not take the message now (a temporary local problem or rate limit); try later.",
    }
}

#[cfg(test)]
mod tests {
    use super::super::explain_reply_ja;
    use super::*;
    use crate::smtp::Reply;
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// (server, command, reply as the server documents it, English
    /// words, Japanese words).
    const REPLIES: &[(&str, ReplyTo, &str, &str, &str)] = &[
        // Postfix smtpd
        ("postfix", ReplyTo::Greeting, "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org", "refuses to talk SMTP", "SMTP を話すことを拒否"),
        ("postfix", ReplyTo::Greeting, "421 4.3.2 Service shutting down", "try later", "後で"),
        ("postfix", ReplyTo::Ehlo, "501 5.5.2 Syntax: EHLO hostname", "EHLO name", "EHLO 名"),
        ("postfix", ReplyTo::Auth, "503 5.5.1 Error: authentication not enabled", "only after STARTTLS", "STARTTLS の後"),
        ("postfix", ReplyTo::Auth, "503 5.5.1 Error: already authenticated", "already authenticated", "認証済み"),
        ("postfix", ReplyTo::Auth, "535 5.7.8 Error: authentication failed: authentication failure", "password was not accepted", "パスワード"),
        ("postfix", ReplyTo::Auth, "504 5.5.4 Unsupported authentication mechanism", "mechanism", "方式"),
        ("postfix", ReplyTo::Mail, "530 5.7.0 Must issue a STARTTLS command first", "authenticate", "認証"),
        ("postfix", ReplyTo::Mail, "503 5.5.1 Error: nested MAIL command", "RSET", "RSET"),
        ("postfix", ReplyTo::Mail, "553 5.7.1 <a@example.com>: Sender address rejected: not owned by user bob", "may not send as this sender", "送信者アドレスとして送ることを"),
        ("postfix", ReplyTo::Mail, "552 5.3.4 Message size exceeds fixed limit", "size", "サイズ"),
        ("postfix", ReplyTo::Rcpt, "550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown in local recipient table", "does not exist", "存在しません"),
        ("postfix", ReplyTo::Rcpt, "554 5.7.1 <x@elsewhere.example>: Relay access denied", "authenticate (AUTH)", "認証（AUTH）"),
        ("postfix", ReplyTo::Rcpt, "503 5.5.1 Error: need MAIL command", "no MAIL FROM", "MAIL FROM"),
        ("postfix", ReplyTo::Rcpt, "450 4.2.0 <a@example.com>: Recipient address rejected: Greylisted", "later", "後で"),
        ("postfix", ReplyTo::Rcpt, "452 4.5.3 Error: too many recipients", "Too many recipients", "宛先が多すぎ"),
        ("postfix", ReplyTo::Data, "554 5.5.1 Error: no valid recipients", "no recipient was accepted", "宛先が 1 つも"),
        ("postfix", ReplyTo::Data, "503 5.5.1 Error: need RCPT command", "no recipient was accepted", "宛先が 1 つも"),
        ("postfix", ReplyTo::Message, "552 5.3.4 Message size exceeds fixed limit", "too big", "大きすぎ"),
        ("postfix", ReplyTo::StartTls, "454 4.7.0 TLS not available due to local problem", "TLS is not available", "TLS は今は使えません"),
        // Exim
        ("exim", ReplyTo::Auth, "503 AUTH command used when not advertised", "did not advertise AUTH", "AUTH を提示していません"),
        ("exim", ReplyTo::Auth, "535 Incorrect authentication data", "password was not accepted", "パスワード"),
        ("exim", ReplyTo::Rcpt, "550 relay not permitted", "authenticating with AUTH helps", "AUTH で認証"),
        ("exim", ReplyTo::Rcpt, "550 Unrouteable address", "does not relay to that domain", "中継しません"),
        ("exim", ReplyTo::Rcpt, "503 sender not yet given", "no MAIL FROM", "MAIL FROM"),
        ("exim", ReplyTo::Data, "503 valid RCPT command must precede DATA", "no recipient was accepted", "宛先が 1 つも"),
        ("exim", ReplyTo::Greeting, "554 SMTP synchronization error", "refuses to talk SMTP", "SMTP を話すことを拒否"),
        ("exim", ReplyTo::Ehlo, "501 Syntactically invalid EHLO argument(s)", "EHLO name", "EHLO 名"),
        ("exim", ReplyTo::StartTls, "503 STARTTLS command used when not advertised", "TLS is already active", "TLS がすでに"),
        // OpenSMTPD
        ("opensmtpd", ReplyTo::Auth, "503 5.5.1 Invalid command: Command not supported", "did not advertise AUTH", "AUTH を提示していません"),
        ("opensmtpd", ReplyTo::Auth, "535 Authentication failed", "password was not accepted", "パスワード"),
        ("opensmtpd", ReplyTo::Rcpt, "550 Invalid recipient: <x@elsewhere.example>", "authenticating with AUTH helps", "AUTH で認証"),
        ("opensmtpd", ReplyTo::Mail, "530 5.5.1 Invalid command: Must issue a STARTTLS command first", "authenticate", "認証"),
        ("opensmtpd", ReplyTo::Rcpt, "503 5.5.1 Invalid command: No sender specified", "no MAIL FROM", "MAIL FROM"),
        ("opensmtpd", ReplyTo::Message, "554 5.0.0 Transaction failed", "refused it", "拒否しました"),
        // Microsoft Exchange
        ("exchange", ReplyTo::Rcpt, "550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain", "authenticate (AUTH)", "認証（AUTH）"),
        ("exchange", ReplyTo::Rcpt, "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup", "does not exist", "存在しません"),
        ("exchange", ReplyTo::Mail, "530 5.7.57 Client not authenticated to send mail", "authenticate", "認証"),
        ("exchange", ReplyTo::Auth, "504 5.7.4 Unrecognized authentication type", "mechanism", "方式"),
        ("exchange", ReplyTo::Rcpt, "550 5.7.1 Unable to relay", "authenticate (AUTH)", "認証（AUTH）"),
        ("exchange", ReplyTo::Auth, "535 5.7.3 Authentication unsuccessful", "password was not accepted", "パスワード"),
        ("exchange", ReplyTo::Message, "550 5.7.520 Access denied, Your organization does not allow external forwarding", "refused it", "拒否しました"),
        ("exchange", ReplyTo::Greeting, "421 4.3.2 Service not available", "try later", "後で"),
        // Gmail
        ("gmail", ReplyTo::Rcpt, "550 5.1.1 The email account that you tried to reach does not exist.", "does not exist", "存在しません"),
        ("gmail", ReplyTo::Auth, "535 5.7.8 Username and Password not accepted.", "password was not accepted", "パスワード"),
        ("gmail", ReplyTo::Auth, "534 5.7.9 Application-specific password required.", "application-specific password", "アプリ固有のパスワード"),
        ("gmail", ReplyTo::Mail, "530 5.7.0 Must issue a STARTTLS command first.", "authenticate", "認証"),
        ("gmail", ReplyTo::Auth, "530 5.7.0 Must issue a STARTTLS command first.", "STARTTLS", "STARTTLS"),
        ("gmail", ReplyTo::Rcpt, "550 5.7.1 Relaying denied", "authenticate (AUTH)", "認証（AUTH）"),
        ("gmail", ReplyTo::Rcpt, "452 4.5.3 Your message has too many recipients.", "Too many recipients", "宛先が多すぎ"),
        ("gmail", ReplyTo::Rcpt, "450 4.2.1 The user you are trying to contact is receiving mail at a rate that prevents additional messages from being delivered.", "later", "後で"),
        ("gmail", ReplyTo::Message, "550 5.7.26 Unauthenticated email from example.com is not accepted due to domain's DMARC policy.", "DMARC", "DMARC"),
        ("gmail", ReplyTo::Message, "552 5.3.4 Your message exceeded Google's message size limits.", "too big", "大きすぎ"),
        ("gmail", ReplyTo::Message, "421 4.7.0 Try again later, closing connection.", "try later", "後で"),
        ("gmail", ReplyTo::Data, "530 5.7.0 Authentication Required.", "authenticate", "認証"),
    ];

    #[test]
    fn each_documented_reply_is_explained_for_its_command_in_both_languages() {
        for &(server, to, line, en, ja) in REPLIES {
            let reply = Reply::from_lines(&[line]).expect("a reply");
            let english = explain_reply(to, reply.code, reply.enhanced);
            let japanese = explain_reply_ja(to, reply.code, reply.enhanced);
            assert!(english.contains(en), "{server} {to:?} {line:?}: {english}");
            assert!(
                japanese.contains(ja),
                "{server} {to:?} {line:?}: {japanese}"
            );
        }
    }

    #[test]
    fn the_same_code_means_different_things_at_different_commands() {
        let code = |c| ReplyCode::new(c).expect("code");
        let at_rcpt = explain_reply(ReplyTo::Rcpt, code(554), None);
        assert!(!at_rcpt.contains("greeting"), "{at_rcpt}");
        assert_ne!(at_rcpt, explain_reply(ReplyTo::Greeting, code(554), None));
        let at_auth = explain_reply(ReplyTo::Auth, code(503), None);
        assert!(!at_auth.contains("RCPT before MAIL"), "{at_auth}");
        assert_ne!(at_auth, explain_reply(ReplyTo::Rcpt, code(503), None));
        // Without a case, the code's general sentence.
        assert_eq!(
            explain_reply(ReplyTo::Quit, code(221), None),
            super::super::explain_code(code(221))
        );
        assert_eq!(
            explain_reply_ja(ReplyTo::Quit, code(221), None),
            super::super::explain_code_ja(code(221))
        );
    }

    #[test]
    fn lines_and_steps_name_their_command() {
        assert_eq!(ReplyTo::from_line("RCPT TO:<a@b>"), Some(ReplyTo::Rcpt));
        assert_eq!(ReplyTo::from_line("mail from:<>"), Some(ReplyTo::Mail));
        assert_eq!(
            ReplyTo::from_line("AUTH PLAIN ********"),
            Some(ReplyTo::Auth)
        );
        assert_eq!(ReplyTo::from_line("."), Some(ReplyTo::Message));
        assert_eq!(ReplyTo::from_line("dXNlcg=="), None);
        assert_eq!(ReplyTo::from_step(Step::Rcpt(2)), ReplyTo::Rcpt);
        assert_eq!(ReplyTo::from_step(Step::Connect), ReplyTo::Greeting);
    }
}
