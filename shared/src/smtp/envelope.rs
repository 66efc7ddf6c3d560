//! What goes on the envelope beyond the addresses: the ESMTP options a
//! session asks for ([`EnvelopeOptions`]) and the parameters the engine
//! writes on `MAIL FROM` and `RCPT TO` from them, the message and what the
//! server offered.
//!
//! - `SIZE=` (RFC 1870) whenever the server offers SIZE;
//! - `BODY=8BITMIME` (RFC 6152) when the message has 8-bit bytes, or asked;
//! - `SMTPUTF8` (RFC 6531) when an address has non-ASCII characters;
//! - `RET`, `ENVID`, `NOTIFY`, `ORCPT` (RFC 3461) when asked.
//!
//! What the server must offer for a requested option is checked before
//! MAIL ([`requirements`]), so a missing extension is a clear refusal by
//! smtplab rather than a server's 555.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::smtp::capability::Capabilities;

/// ESMTP options of a session. The default asks for nothing beyond what
/// the message itself needs, and goes on past refused recipients.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvelopeOptions {
    /// Send MAIL, every RCPT and DATA in one flight when the server offers
    /// PIPELINING (RFC 2920). When it does not, the commands go one by one
    /// and [`Event::PipeliningNotOffered`](crate::smtp::Event::PipeliningNotOffered) says so.
    #[serde(default)]
    pub pipelining: bool,
    /// Send the message in `BDAT` chunks of this many bytes (RFC 3030)
    /// instead of DATA. Refused before MAIL when CHUNKING is not offered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bdat_chunk: Option<u32>,
    /// Put `BODY=8BITMIME` on MAIL even for a 7-bit message. (It is put
    /// there anyway when the message has 8-bit bytes.)
    #[serde(default)]
    pub eight_bit_mime: bool,
    /// Delivery status notification parameters (RFC 3461). Refused before
    /// MAIL when DSN is not offered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dsn: Option<DsnOptions>,
    /// End the session at the first refused recipient. By default the
    /// session goes on with the accepted ones (as swaks does, and RFC 5321
    /// allows) and the outcome lists the refused ones.
    #[serde(default)]
    pub strict_recipients: bool,
}

/// RFC 3461 parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DsnOptions {
    /// `RET=FULL|HDRS` on MAIL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ret: Option<DsnRet>,
    /// `ENVID=` on MAIL (xtext-encoded by the engine).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub envid: Option<String>,
    /// `NOTIFY=` on every RCPT; empty sends none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notify: Vec<DsnNotify>,
    /// `ORCPT=rfc822;<address>` on every RCPT.
    #[serde(default)]
    pub orcpt: bool,
}

/// What a bounce carries (`RET=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DsnRet {
    /// The whole message.
    Full,
    /// Its headers only.
    Hdrs,
}

/// When a notification is wanted (`NOTIFY=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DsnNotify {
    /// Never (alone only).
    Never,
    /// On delivery.
    Success,
    /// On failure.
    Failure,
    /// On delay.
    Delay,
}

impl fmt::Display for DsnRet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Full => "FULL",
            Self::Hdrs => "HDRS",
        })
    }
}

impl fmt::Display for DsnNotify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Never => "NEVER",
            Self::Success => "SUCCESS",
            Self::Failure => "FAILURE",
            Self::Delay => "DELAY",
        })
    }
}

/// An extension the session needs and the server did not offer: the
/// engine refuses before MAIL and says which.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    /// The message has 8-bit bytes and 8BITMIME is not offered.
    #[error("the message has 8-bit bytes but the server does not offer 8BITMIME; encode it (quoted-printable or base64) or use a server that offers it")]
    EightBitMime,
    /// An address has non-ASCII characters and SMTPUTF8 is not offered.
    #[error("an address has non-ASCII characters but the server does not offer SMTPUTF8")]
    SmtpUtf8,
    /// BDAT was asked for and CHUNKING is not offered.
    #[error("BDAT was asked for but the server does not offer CHUNKING")]
    Chunking,
    /// DSN parameters were asked for and DSN is not offered.
    #[error("DSN parameters were asked for but the server does not offer DSN")]
    Dsn,
}

/// What the message and addresses need from the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MessageNeeds {
    /// The message has a byte >= 0x80.
    pub eight_bit: bool,
    /// An address has a non-ASCII character.
    pub utf8_addresses: bool,
    /// The size as sent (CRLF line endings, before dot-stuffing).
    pub size: u64,
}

impl MessageNeeds {
    /// Reads what `message` (as sent, CRLF) and the addresses need.
    pub fn of<'a>(message: &[u8], size: u64, addresses: impl IntoIterator<Item = &'a str>) -> Self {
        Self {
            eight_bit: message.iter().any(|&b| b >= 0x80),
            utf8_addresses: addresses.into_iter().any(|a| !a.is_ascii()),
            size,
        }
    }
}

/// The first extension `options` and `needs` require that `capabilities`
/// does not offer.
///
/// # Errors
/// The missing [`Requirement`].
pub fn requirements(
    options: &EnvelopeOptions,
    needs: MessageNeeds,
    capabilities: Option<&Capabilities>,
) -> Result<(), Requirement> {
    let offers = |keyword: &str| capabilities.is_some_and(|c| c.has(keyword));
    if needs.utf8_addresses && !offers("SMTPUTF8") {
        return Err(Requirement::SmtpUtf8);
    }
    // SMTPUTF8 implies 8-bit transport for the message (RFC 6531 §3.1).
    if needs.eight_bit && !offers("8BITMIME") && !(needs.utf8_addresses && offers("SMTPUTF8")) {
        return Err(Requirement::EightBitMime);
    }
    if options.bdat_chunk.is_some() && !offers("CHUNKING") {
        return Err(Requirement::Chunking);
    }
    if options.dsn.is_some() && !offers("DSN") {
        return Err(Requirement::Dsn);
    }
    Ok(())
}

/// The parameters after `MAIL FROM:<…>`, each with its leading space.
pub fn mail_parameters(
    options: &EnvelopeOptions,
    needs: MessageNeeds,
    capabilities: Option<&Capabilities>,
) -> String {
    let offers = |keyword: &str| capabilities.is_some_and(|c| c.has(keyword));
    let mut params = String::new();
    if offers("SIZE") {
        params.push_str(&format!(" SIZE={}", needs.size));
    }
    if (needs.eight_bit || options.eight_bit_mime) && offers("8BITMIME") {
        params.push_str(" BODY=8BITMIME");
    }
    if needs.utf8_addresses && offers("SMTPUTF8") {
        params.push_str(" SMTPUTF8");
    }
    if let Some(dsn) = &options.dsn {
        if let Some(ret) = dsn.ret {
            params.push_str(&format!(" RET={ret}"));
        }
        if let Some(envid) = &dsn.envid {
            params.push_str(&format!(" ENVID={}", xtext(envid)));
        }
    }
    params
}

/// The parameters after `RCPT TO:<address>`, each with its leading space.
pub fn rcpt_parameters(options: &EnvelopeOptions, address: &str) -> String {
    let mut params = String::new();
    if let Some(dsn) = &options.dsn {
        if !dsn.notify.is_empty() {
            let list: Vec<String> = dsn.notify.iter().map(ToString::to_string).collect();
            params.push_str(&format!(" NOTIFY={}", list.join(",")));
        }
        if dsn.orcpt {
            if address.is_ascii() {
                params.push_str(&format!(" ORCPT=rfc822;{}", xtext(address)));
            } else {
                // RFC 6533 §3: UTF-8 addresses go as utf-8-addr-xtext.
                params.push_str(&format!(" ORCPT=utf-8;{}", utf8_xtext(address)));
            }
        }
    }
    params
}

/// RFC 3461 §4 xtext: `+XX` for `+`, `=`, and anything outside `!`..`~`.
pub fn xtext(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for &b in text.as_bytes() {
        if (b'!'..=b'~').contains(&b) && b != b'+' && b != b'=' {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("+{b:02X}"));
        }
    }
    out
}

/// RFC 6533 §3 utf-8-addr-xtext: `\x{HEX}` for `+`, `=`, `\`, controls and
/// space; other characters, non-ASCII included, as they are.
fn utf8_xtext(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c == '+' || c == '=' || c == '\\' || c.is_ascii_control() || c == ' ' {
            out.push_str(&format!("\\x{{{:X}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// DSN options checked before the session: `NEVER` stands alone, and an
/// ENVID is printable ASCII of at most 100 characters (RFC 3461 §4.4).
///
/// # Errors
/// A sentence for the user.
pub fn check_dsn(dsn: &DsnOptions) -> Result<(), &'static str> {
    if dsn.notify.contains(&DsnNotify::Never) && dsn.notify.len() > 1 {
        return Err("NOTIFY=NEVER cannot be combined with other NOTIFY values");
    }
    if let Some(envid) = &dsn.envid {
        if envid.is_empty()
            || envid.len() > 100
            || !envid.bytes().all(|b| (b' '..=b'~').contains(&b))
        {
            return Err("ENVID must be 1 to 100 printable ASCII characters");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smtp::reply::Reply;
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn caps(lines: &[&str]) -> Capabilities {
        let mut all = vec!["250-mx.example".to_owned()];
        all.extend(lines.iter().map(|s| format!("250-{s}")));
        all.push("250 HELP".to_owned());
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        Capabilities::from_ehlo(&Reply::from_lines(&all).expect("valid reply"))
    }

    #[test]
    fn size_and_body_follow_the_message_and_the_offer() {
        let options = EnvelopeOptions::default();
        let needs = MessageNeeds::of("héllo".as_bytes(), 6, ["a@b"]);
        let offered = caps(&["SIZE 1000", "8BITMIME"]);
        assert_eq!(
            mail_parameters(&options, needs, Some(&offered)),
            " SIZE=6 BODY=8BITMIME"
        );
        assert_eq!(requirements(&options, needs, Some(&offered)), Ok(()));
        let bare = caps(&["PIPELINING"]);
        assert_eq!(mail_parameters(&options, needs, Some(&bare)), "");
        assert_eq!(
            requirements(&options, needs, Some(&bare)),
            Err(Requirement::EightBitMime)
        );
        let ascii = MessageNeeds::of(b"hello", 5, ["a@b"]);
        assert_eq!(requirements(&options, ascii, Some(&bare)), Ok(()));
        let forced = EnvelopeOptions {
            eight_bit_mime: true,
            ..EnvelopeOptions::default()
        };
        assert_eq!(
            mail_parameters(&forced, ascii, Some(&offered)),
            " SIZE=5 BODY=8BITMIME"
        );
    }

    #[test]
    fn utf8_addresses_need_smtputf8() {
        let options = EnvelopeOptions::default();
        let needs = MessageNeeds::of(b"x", 1, ["用户@example.test"]);
        assert_eq!(
            requirements(&options, needs, Some(&caps(&["8BITMIME"]))),
            Err(Requirement::SmtpUtf8)
        );
        let offered = caps(&["8BITMIME", "SMTPUTF8"]);
        assert_eq!(requirements(&options, needs, Some(&offered)), Ok(()));
        assert_eq!(
            mail_parameters(&options, needs, Some(&offered)),
            " SMTPUTF8"
        );
    }

    #[test]
    fn chunking_and_dsn_are_required_when_asked() {
        let needs = MessageNeeds::of(b"x", 1, ["a@b"]);
        let bdat = EnvelopeOptions {
            bdat_chunk: Some(1024),
            ..EnvelopeOptions::default()
        };
        assert_eq!(
            requirements(&bdat, needs, Some(&caps(&[]))),
            Err(Requirement::Chunking)
        );
        assert_eq!(
            requirements(&bdat, needs, Some(&caps(&["CHUNKING"]))),
            Ok(())
        );
        let dsn = EnvelopeOptions {
            dsn: Some(DsnOptions {
                ret: Some(DsnRet::Hdrs),
                envid: Some("id+1=2".into()),
                notify: vec![DsnNotify::Success, DsnNotify::Failure],
                orcpt: true,
            }),
            ..EnvelopeOptions::default()
        };
        assert_eq!(requirements(&dsn, needs, None), Err(Requirement::Dsn));
        assert_eq!(
            mail_parameters(&dsn, needs, Some(&caps(&["DSN"]))),
            " RET=HDRS ENVID=id+2B1+3D2"
        );
        assert_eq!(
            rcpt_parameters(&dsn, "ted@contoso.com"),
            " NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;ted@contoso.com"
        );
        assert_eq!(
            rcpt_parameters(&dsn, "пользователь@example.test"),
            " NOTIFY=SUCCESS,FAILURE ORCPT=utf-8;пользователь@example.test"
        );
        assert_eq!(rcpt_parameters(&EnvelopeOptions::default(), "a@b"), "");
    }

    #[test]
    fn dsn_options_are_checked() {
        let mut dsn = DsnOptions {
            notify: vec![DsnNotify::Never, DsnNotify::Success],
            ..DsnOptions::default()
        };
        assert!(check_dsn(&dsn).is_err());
        dsn.notify = vec![DsnNotify::Never];
        assert_eq!(check_dsn(&dsn), Ok(()));
        dsn.envid = Some("a\r\nb".into());
        assert!(check_dsn(&dsn).is_err());
    }

    #[test]
    fn xtext_escapes_plus_equals_and_non_printables() {
        assert_eq!(xtext("a+b=c d"), "a+2Bb+3Dc+20d");
    }
}
