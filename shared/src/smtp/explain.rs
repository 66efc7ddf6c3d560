//! Plain-language explanations of reply codes, enhanced status codes and EHLO
//! extensions: one sentence each, shared by the UI and the tests.
//!
//! Sources: RFC 5321 §4.2.2/§4.2.3 and RFC 7504 (reply codes), RFC 3463 and
//! the IANA registry of RFC 5248 (enhanced codes), RFC 4954 (AUTH codes).

use super::capability::{Extension, Mechanism};
use super::reply::{EnhancedCode, ReplyCode, Severity};

mod context;
mod ja;

pub use context::{explain_reply, ReplyTo};
pub use ja::{explain_code_ja, explain_enhanced_ja, explain_extension_ja, explain_reply_ja};

/// One sentence saying what a reply code means. Codes outside the table get
/// the meaning of their first digit.
/// <https://www.rfc-editor.org/rfc/rfc5321#section-4.2.2>
pub fn explain_code(code: ReplyCode) -> &'static str {
    match code.as_u16() {
        211 => "System status or system help reply.",
        214 => "Help message for a human reader.",
        220 => "The server is ready to talk SMTP.",
        221 => "The server is closing the connection.",
        235 => "Authentication succeeded.",
        250 => "The requested action was completed.",
        251 => "The user is not local; the server will forward the message.",
        252 => {
            "The server cannot verify the user but will accept the message and try to deliver it."
        }
        334 => "Authentication challenge: the server waits for the next base64 response.",
        354 => "Start the message; end it with a line holding only a dot.",
        421 => "The service is not available and the server is closing the connection; try later.",
        450 => {
            "The mailbox is unavailable for now (busy, or a policy such as greylisting); try later."
        }
        451 => "The server hit a local error while processing; try later.",
        452 => "The server has not enough storage (or too many recipients) for now; try later.",
        454 => "Temporary failure: authentication or TLS is not available right now.",
        455 => "The server cannot accommodate the parameters for now.",
        500 => "Syntax error: the command was not recognised (or the line was too long).",
        501 => "Syntax error in the command's parameters or arguments.",
        502 => "The command is not implemented by this server.",
        503 => "Bad sequence of commands (for example RCPT before MAIL, or AUTH twice).",
        504 => "The command parameter (such as the AUTH mechanism) is not implemented.",
        521 => "This host does not accept mail at all.",
        530 => "Access denied until the client authenticates or starts TLS (STARTTLS); the reply text says which one this server wants.",
        534 => "The authentication mechanism is too weak for this server's policy.",
        535 => "Authentication failed: the user name or password was not accepted.",
        538 => "Encryption (STARTTLS) is required for this authentication mechanism.",
        550 => "The mailbox is unavailable (not found, no access, or refused by policy).",
        551 => "The user is not local; the server will not forward the message.",
        552 => "Storage allocation exceeded: the message is too big or the mailbox is full.",
        553 => "The mailbox name is not allowed (for example bad syntax).",
        554 => "Transaction failed (as a greeting: no SMTP service here).",
        555 => "A MAIL FROM or RCPT TO parameter is not recognised or not implemented.",
        556 => "The recipient's domain does not accept mail.",
        _ => match code.severity() {
            Severity::PositiveCompletion => "Success.",
            Severity::PositiveIntermediate => "Accepted so far; the server waits for more input.",
            Severity::TransientNegative => "Temporary failure; the same command may succeed later.",
            Severity::PermanentNegative => {
                "Permanent failure; repeating the command will not help."
            }
        },
    }
}

/// One sentence saying what an enhanced status code's subject and detail
/// mean (the class is the reply's success/failure), or `None` if unknown.
/// <https://www.rfc-editor.org/rfc/rfc3463#section-3>
pub fn explain_enhanced(code: EnhancedCode) -> Option<&'static str> {
    let text = match (code.subject, code.detail) {
        (0, 0) => "Other or undefined status.",
        (1, 0) => "Other address status.",
        (1, 1) => "Bad destination mailbox address: the mailbox does not exist.",
        (1, 2) => "Bad destination system address: the domain does not exist or takes no mail.",
        (1, 3) => "Bad destination mailbox address syntax.",
        (1, 4) => "Destination mailbox address is ambiguous.",
        (1, 5) => "Destination address is valid.",
        (1, 6) => "Destination mailbox has moved and there is no forwarding address.",
        (1, 7) => "Bad sender's mailbox address syntax.",
        (1, 8) => "Bad sender's system address.",
        (1, 9) => "Message relayed to a non-compliant mailer.",
        (1, 10) => "The recipient's domain has a null MX: it takes no mail.",
        (2, 0) => "Other or undefined mailbox status.",
        (2, 1) => "The mailbox is disabled and not accepting messages.",
        (2, 2) => "The mailbox is full.",
        (2, 3) => "The message is longer than the administrative limit.",
        (2, 4) => "Mailing list expansion problem.",
        (3, 0) => "Other or undefined mail system status.",
        (3, 1) => "The mail system is full.",
        (3, 2) => "The system is not accepting network messages.",
        (3, 3) => "The system is not capable of the selected features.",
        (3, 4) => "The message is too big for the system.",
        (3, 5) => "The system is incorrectly configured.",
        (4, 0) => "Other or undefined network or routing status.",
        (4, 1) => "No answer from the host.",
        (4, 2) => "Bad connection.",
        (4, 3) => "Directory server (for example DNS) failure.",
        (4, 4) => "Unable to route the message.",
        (4, 5) => "Mail system congestion.",
        (4, 6) => "Routing loop detected.",
        (4, 7) => "Delivery time expired.",
        (5, 0) => "Other or undefined protocol status.",
        (5, 1) => "Invalid command.",
        (5, 2) => "Syntax error.",
        (5, 3) => "Too many recipients.",
        (5, 4) => "Invalid command arguments.",
        (5, 5) => "Wrong protocol version.",
        (5, 6) => "Authentication exchange line is too long.",
        (6, 0) => "Other or undefined media error.",
        (6, 1) => "Media not supported.",
        (6, 2) => "Conversion required and prohibited.",
        (6, 3) => "Conversion required but not supported.",
        (6, 4) => "Conversion with loss performed.",
        (6, 5) => "Conversion failed.",
        (6, 6) => "Message content not available.",
        (6, 7) => "Non-ASCII addresses are not permitted for that sender or recipient.",
        (6, 8) => "A UTF-8 string was downgraded to ASCII.",
        (6, 9) => "The UTF-8 message cannot be sent to a non-SMTPUTF8 host.",
        (6, 10) => "Non-ASCII addresses are not permitted here.",
        (7, 0) => "Other or undefined security status (for AUTH: success or a temporary failure).",
        (7, 1) => "Delivery not authorized, message refused (for example relay access denied).",
        (7, 2) => "Mailing list expansion prohibited.",
        (7, 3) => "Security conversion required but not possible.",
        (7, 4) => "Security features not supported.",
        (7, 5) => "Cryptographic failure.",
        (7, 6) => "Cryptographic algorithm not supported.",
        (7, 7) => "Message integrity failure.",
        (7, 8) => "Authentication credentials are invalid.",
        (7, 9) => "The authentication mechanism is too weak.",
        (7, 10) => "Encryption is needed.",
        (7, 11) => "Encryption is required for the requested authentication mechanism.",
        (7, 12) => "A password transition is needed.",
        (7, 13) => "The user account is disabled.",
        (7, 14) => "A trust relationship is required.",
        (7, 15) => "The requested priority level is not supported.",
        (7, 16) => "The message is too big for the requested priority.",
        (7, 17) => "The mailbox owner has changed.",
        (7, 18) => "The domain owner has changed.",
        (7, 19) => "The required recipient validation cannot be completed.",
        (7, 20) => "No passing DKIM signature found.",
        (7, 21) => "No acceptable DKIM signature found.",
        (7, 22) => "No valid author-matched DKIM signature found.",
        (7, 23) => "SPF validation failed.",
        (7, 24) => "SPF validation error.",
        (7, 25) => "Reverse DNS validation failed.",
        (7, 26) => "Multiple authentication checks failed.",
        (7, 27) => "The sender address has a null MX.",
        _ => return None,
    };
    Some(text)
}

/// One sentence saying what an advertised extension means for a client,
/// e.g. `SIZE 5242880: the server accepts messages up to 5 MiB`.
pub fn explain_extension(extension: &Extension) -> String {
    let what = match extension {
        Extension::StartTls => "the server can upgrade this connection to TLS".to_owned(),
        Extension::Pipelining => {
            "the client may send several commands without waiting for each reply".to_owned()
        }
        Extension::Size(None | Some(0)) => {
            "the server announces no fixed message size limit".to_owned()
        }
        Extension::Size(Some(n)) => format!("the server accepts messages up to {}", human_size(*n)),
        Extension::Auth(mechs) if mechs.is_empty() => {
            "the server offers authentication but lists no mechanism".to_owned()
        }
        Extension::Auth(mechs) => format!(
            "the server accepts authentication with {}",
            mechs
                .iter()
                .map(describe_mechanism)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Extension::EightBitMime => "the server accepts 8-bit message bodies".to_owned(),
        Extension::SmtpUtf8 => "the server accepts UTF-8 addresses and headers".to_owned(),
        Extension::EnhancedStatusCodes => {
            "replies carry enhanced status codes such as 2.1.5".to_owned()
        }
        Extension::Chunking => {
            "the client may send the message in BDAT chunks instead of DATA".to_owned()
        }
        Extension::BinaryMime => "the server accepts binary message bodies (with BDAT)".to_owned(),
        Extension::Dsn => "the client may ask for delivery status notifications".to_owned(),
        Extension::Vrfy => "the server answers VRFY to check a mailbox".to_owned(),
        Extension::Etrn => "a client may ask the server to flush its queue for a domain".to_owned(),
        Extension::Turn => "the roles may be swapped with TURN (obsolete and insecure)".to_owned(),
        Extension::Atrn => "an authenticated client may take queued mail with ATRN".to_owned(),
        Extension::Help => "the server answers HELP".to_owned(),
        Extension::Other { keyword, .. } if is_private(keyword) => {
            "a private or vendor-specific extension".to_owned()
        }
        Extension::Other { .. } => "an extension this tool does not know".to_owned(),
    };
    format!("{extension}: {what}")
}

/// True for `X`-prefixed keywords, reserved for private use (RFC 5321 §4.1.5).
fn is_private(keyword: &str) -> bool {
    keyword.starts_with(['X', 'x'])
}

fn describe_mechanism(mechanism: &Mechanism) -> String {
    match mechanism {
        Mechanism::Login => "LOGIN (user name and password, base64)".to_owned(),
        Mechanism::Plain => "PLAIN (user name and password, base64)".to_owned(),
        Mechanism::CramMd5 => "CRAM-MD5 (challenge-response)".to_owned(),
        Mechanism::Gssapi => "GSSAPI (Kerberos)".to_owned(),
        Mechanism::Ntlm => "NTLM (Windows)".to_owned(),
        Mechanism::XOAuth2 => "XOAUTH2 (OAuth 2 token)".to_owned(),
        Mechanism::Other(name) => name.clone(),
    }
}

/// `5242880` → `5 MiB`; sizes that are not a whole number of the largest
/// unit get one decimal and the exact byte count.
fn human_size(bytes: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    match UNITS.iter().find(|(size, _)| bytes >= *size) {
        Some((size, unit)) if bytes / size * size == bytes => format!("{} {unit}", bytes / size),
        // One decimal is enough for a human; the byte count stays exact.
        Some((size, unit)) => format!("{:.1} {unit} ({bytes} bytes)", bytes as f64 / *size as f64),
        None => format!("{bytes} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const RFC_CODES: [u16; 33] = [
        211, 214, 220, 221, 235, 250, 251, 252, 334, 354, 421, 450, 451, 452, 454, 455, 500, 501,
        502, 503, 504, 521, 530, 534, 535, 538, 550, 551, 552, 553, 554, 555, 556,
    ];

    #[test]
    fn every_rfc_code_has_its_own_sentence() {
        let fallbacks: Vec<&str> = [299, 399, 499, 599]
            .iter()
            .map(|&c| explain_code(ReplyCode::new(c).expect("valid")))
            .collect();
        for code in RFC_CODES {
            let text = explain_code(ReplyCode::new(code).expect("valid"));
            assert!(!fallbacks.contains(&text), "{code} uses a fallback");
            assert!(text.ends_with('.'), "{code}: one sentence");
        }
    }

    #[test]
    fn enhanced_codes_from_rfc3463_are_explained() {
        let code = |s| EnhancedCode::parse(s).expect("valid");
        assert_eq!(
            explain_enhanced(code("5.1.1")),
            Some("Bad destination mailbox address: the mailbox does not exist.")
        );
        assert_eq!(
            explain_enhanced(code("5.7.8")),
            Some("Authentication credentials are invalid.")
        );
        for subject in 0..=7 {
            assert!(explain_enhanced(EnhancedCode {
                class: 4,
                subject,
                detail: 0
            })
            .is_some());
        }
        assert_eq!(explain_enhanced(code("5.9.9")), None);
    }

    #[test]
    fn extension_explanations_name_the_values() {
        assert_eq!(
            explain_extension(&Extension::Size(Some(5_242_880))),
            "SIZE 5242880: the server accepts messages up to 5 MiB"
        );
        assert_eq!(
            explain_extension(&Extension::Size(Some(10_240_000))),
            "SIZE 10240000: the server accepts messages up to 9.8 MiB (10240000 bytes)"
        );
        let auth = explain_extension(&Extension::Auth(vec![Mechanism::Gssapi, Mechanism::Ntlm]));
        assert!(auth.starts_with("AUTH GSSAPI NTLM: "), "{auth}");
        assert!(auth.contains("Kerberos"));
        let other = Extension::Other {
            keyword: "XEXCH50".into(),
            params: vec![],
        };
        assert_eq!(
            explain_extension(&other),
            "XEXCH50: a private or vendor-specific extension"
        );
    }
}
