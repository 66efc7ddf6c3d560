//! `smtplab send`'s exit codes: swaks' own, so scripts written for swaks
//! keep working, and the mapping from the engine's verdict to them.
//!
//! | code | meaning |
//! | --- | --- |
//! | 0 | the session did what was asked (delivered, or stopped at `--quit-after`) |
//! | 1 | bad command line (an option, a file it names, an invalid session) |
//! | 2 | cannot connect (DNS, refused, timeout, unreachable: the message says which) |
//! | 6 | the connection closed unexpectedly |
//! | 21 | error reading the banner (not 220, timeout, garbage) |
//! | 22 | error in EHLO/HELO |
//! | 23 | error in MAIL FROM |
//! | 24 | no RCPT TO accepted |
//! | 25 | the server refused DATA |
//! | 26 | the message was not accepted after the final dot |
//! | 28 | error in AUTH |
//! | 29 | error in TLS (STARTTLS refused or not offered, handshake, certificate) |
//! | 32 | error in the EHLO after TLS |
//! | 41 | smtplab's own: the session could not run (TLS setup, an internal error) |
//!
//! <https://jetmore.org/john/code/swaks/latest/doc/ref.txt> ("EXIT CODES")
//!
//! # Some recipients refused
//! A delivery to the accepted recipients while others were refused exits
//! **0**, as swaks: its `smtp_rcpt_callback` counts the refusals and quits
//! with 24 only when every recipient was refused; otherwise the message
//! goes to the rest and the exit is that of the delivery. smtplab lists
//! each refused recipient with its reply after the verdict (and in the
//! `--json` report's `refused_recipients`), so a script that must know
//! reads those. `--strict-rcpt` ends the session at the first refusal
//! instead, with 24. A missing extension a session option needs
//! (`FailReason::NotOffered`: CHUNKING for `--bdat`, DSN, 8BITMIME,
//! SMTPUTF8) is refused by smtplab before MAIL, so it maps by its step:
//! 23, where swaks would get the server's refusal of MAIL FROM.

use smtplab_shared::smtp::{AbortReason, FailReason, Step, Verdict};

/// An exit code of `smtplab send`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum SendExit {
    /// The session did what was asked.
    Ok = 0,
    /// Bad command line.
    Usage = 1,
    /// No TCP connection.
    CannotConnect = 2,
    /// The connection closed before the session was over.
    Closed = 6,
    /// The banner was not a 220 (or did not come).
    Banner = 21,
    /// EHLO/HELO failed.
    Ehlo = 22,
    /// MAIL FROM failed.
    Mail = 23,
    /// No recipient accepted (or, with `--strict-rcpt`, one refused).
    Rcpt = 24,
    /// DATA refused.
    Data = 25,
    /// The message was refused after the final dot.
    Message = 26,
    /// AUTH failed.
    Auth = 28,
    /// TLS failed.
    Tls = 29,
    /// The EHLO after TLS failed.
    EhloAfterTls = 32,
    /// smtplab's own (no swaks code): the session could not run.
    Internal = 41,
}

impl SendExit {
    /// The number.
    pub fn code(self) -> u8 {
        self as u8
    }
}

impl From<SendExit> for std::process::ExitCode {
    fn from(exit: SendExit) -> Self {
        Self::from(exit.code())
    }
}

/// The exit-code table for `smtplab send --help`.
pub const HELP: &str = "\
Exit codes (swaks' own):
   0  ok: delivered (some recipients may have been refused: listed after the verdict, as swaks goes on), or stopped where --quit-after said
   1  bad command line (an option, a file it names, an invalid session)
   2  cannot connect (DNS, refused, timeout, unreachable: the message says which)
   6  connection closed unexpectedly
  21  error reading the banner
  22  error in EHLO/HELO
  23  error in MAIL FROM
  24  no RCPT TO accepted
  25  the server refused DATA
  26  the message was not accepted after the final dot
  28  error in AUTH
  29  error in TLS (STARTTLS refused or not offered, handshake, certificate)
  32  error in the EHLO after TLS
  41  smtplab's own: the session could not run (TLS setup, internal error)";

/// The exit code for a verdict; `after_tls` says whether the TLS handshake
/// had finished when the session failed (an EHLO failure is then 32).
///
/// As swaks: a reply the step could not go on with, a timeout or bytes
/// that are no reply all count against the step; a close is 6 unless a
/// failure came first (the engine's verdict is that first failure).
pub fn for_verdict(verdict: &Verdict, after_tls: bool) -> SendExit {
    let (step, reason) = match verdict {
        Verdict::Delivered | Verdict::Completed { .. } => return SendExit::Ok,
        Verdict::Failed { step, reason } => (step, reason),
    };
    match reason {
        FailReason::ConnectionClosed => return SendExit::Closed,
        FailReason::Tls(_) => return SendExit::Tls,
        FailReason::Aborted(AbortReason::Bridge { .. }) => return SendExit::CannotConnect,
        FailReason::Aborted(AbortReason::InvalidSpec(_)) => return SendExit::Usage,
        FailReason::Aborted(_) => return SendExit::Internal,
        FailReason::UnexpectedReply(_)
        | FailReason::Timeout
        | FailReason::Protocol(_)
        | FailReason::NotOffered(_) => {}
    }
    match step {
        Step::Connect => SendExit::Banner,
        Step::Ehlo | Step::Helo if after_tls => SendExit::EhloAfterTls,
        Step::Ehlo | Step::Helo => SendExit::Ehlo,
        Step::StartTls => SendExit::Tls,
        Step::Auth => SendExit::Auth,
        Step::Mail => SendExit::Mail,
        Step::Rcpt(_) => SendExit::Rcpt,
        Step::Data => SendExit::Data,
        Step::Message => SendExit::Message,
        Step::Quit | Step::Probe { .. } | Step::Rset => SendExit::Internal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use smtplab_shared::smtp::{Reply, Stage, TlsFailure, TlsFailureKind};
    use smtplab_shared::wire::ErrorCode;

    fn failed(step: Step, reason: FailReason) -> Verdict {
        Verdict::Failed { step, reason }
    }

    #[test]
    fn each_step_maps_to_swaks_code_and_the_help_lists_every_code() {
        let reply = || FailReason::UnexpectedReply(Reply::from_lines(&["550 no"]).expect("reply"));
        assert_eq!(for_verdict(&Verdict::Delivered, false), SendExit::Ok);
        assert_eq!(
            for_verdict(&Verdict::Completed { stage: Stage::Rcpt }, false),
            SendExit::Ok
        );
        for (step, code) in [
            (Step::Connect, 21),
            (Step::Ehlo, 22),
            (Step::Helo, 22),
            (Step::StartTls, 29),
            (Step::Auth, 28),
            (Step::Mail, 23),
            (Step::Rcpt(2), 24),
            (Step::Data, 25),
            (Step::Message, 26),
        ] {
            assert_eq!(for_verdict(&failed(step, reply()), false).code(), code);
        }
        assert_eq!(
            for_verdict(&failed(Step::Ehlo, FailReason::Timeout), true).code(),
            32
        );
        assert_eq!(
            for_verdict(&failed(Step::Mail, FailReason::ConnectionClosed), false).code(),
            6
        );
        let tls = FailReason::Tls(TlsFailure {
            kind: TlsFailureKind::NotOffered,
            detail: String::new(),
        });
        assert_eq!(for_verdict(&failed(Step::StartTls, tls), false).code(), 29);
        let refused = FailReason::Aborted(AbortReason::Bridge {
            host: "h".into(),
            port: 25,
            error: ErrorCode::Refused,
            message: "refused".into(),
        });
        assert_eq!(
            for_verdict(&failed(Step::Connect, refused), false).code(),
            2
        );
        for exit in [
            SendExit::Ok,
            SendExit::Usage,
            SendExit::CannotConnect,
            SendExit::Closed,
            SendExit::Banner,
            SendExit::Ehlo,
            SendExit::Mail,
            SendExit::Rcpt,
            SendExit::Data,
            SendExit::Message,
            SendExit::Auth,
            SendExit::Tls,
            SendExit::EhloAfterTls,
            SendExit::Internal,
        ] {
            let row = format!("\n{:>4}  ", exit.code());
            assert!(HELP.contains(&row), "{row:?} in {HELP}");
        }
    }
}
