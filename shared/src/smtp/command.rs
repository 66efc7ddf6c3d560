//! SMTP commands and their exact wire form.
//! <https://www.rfc-editor.org/rfc/rfc5321#section-4.1>

use std::fmt;

/// A client command. Arguments are given bare: the encoder adds `<>`,
/// keywords and the CRLF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `EHLO name`.
    Ehlo(String),
    /// `HELO name`.
    Helo(String),
    /// `AUTH LOGIN`.
    AuthLogin,
    /// `AUTH PLAIN initial-response` (the response already base64-encoded).
    AuthPlain(String),
    /// A base64 answer to a 334 challenge, alone on its line.
    AuthResponse(String),
    /// `MAIL FROM:<addr>`; an empty address is the null reverse-path `<>`.
    MailFrom(String),
    /// `RCPT TO:<addr>`.
    RcptTo(String),
    /// `DATA`.
    Data,
    /// `RSET`.
    Rset,
    /// `NOOP`.
    Noop,
    /// `QUIT`.
    Quit,
    /// `VRFY string`.
    Vrfy(String),
    /// `EXPN string`.
    Expn(String),
    /// `HELP [topic]`.
    Help(Option<String>),
    /// `STARTTLS`.
    StartTls,
}

/// Why a command cannot be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// An argument holds CR or LF, which would end the line early and inject
    /// another command.
    #[error("{verb} argument contains CR or LF")]
    LineBreak {
        /// The command's verb.
        verb: &'static str,
    },
    /// A required argument is empty.
    #[error("{verb} needs an argument")]
    EmptyArgument {
        /// The command's verb.
        verb: &'static str,
    },
}

impl Command {
    /// The verb, e.g. `"MAIL FROM"` or `"AUTH PLAIN"`.
    pub fn verb(&self) -> &'static str {
        match self {
            Self::Ehlo(_) => "EHLO",
            Self::Helo(_) => "HELO",
            Self::AuthLogin => "AUTH LOGIN",
            Self::AuthPlain(_) => "AUTH PLAIN",
            Self::AuthResponse(_) => "AUTH response",
            Self::MailFrom(_) => "MAIL FROM",
            Self::RcptTo(_) => "RCPT TO",
            Self::Data => "DATA",
            Self::Rset => "RSET",
            Self::Noop => "NOOP",
            Self::Quit => "QUIT",
            Self::Vrfy(_) => "VRFY",
            Self::Expn(_) => "EXPN",
            Self::Help(_) => "HELP",
            Self::StartTls => "STARTTLS",
        }
    }

    /// The command line without its CRLF.
    ///
    /// # Errors
    /// [`CommandError::LineBreak`] if an argument contains CR or LF, and
    /// [`CommandError::EmptyArgument`] for an empty required argument.
    pub fn to_line(&self) -> Result<String, CommandError> {
        let verb = self.verb();
        let arg = |value: &str, required: bool| -> Result<(), CommandError> {
            if value.contains(['\r', '\n']) {
                Err(CommandError::LineBreak { verb })
            } else if required && value.is_empty() {
                Err(CommandError::EmptyArgument { verb })
            } else {
                Ok(())
            }
        };
        let line = match self {
            Self::Ehlo(v) | Self::Helo(v) | Self::Vrfy(v) | Self::Expn(v) | Self::AuthPlain(v) => {
                arg(v, true)?;
                format!("{verb} {v}")
            }
            Self::AuthResponse(v) => {
                // An empty response is legal (RFC 4954 §4: a bare CRLF).
                arg(v, false)?;
                v.clone()
            }
            Self::MailFrom(v) => {
                arg(v, false)?;
                format!("MAIL FROM:<{v}>")
            }
            Self::RcptTo(v) => {
                arg(v, true)?;
                format!("RCPT TO:<{v}>")
            }
            Self::Help(Some(v)) => {
                arg(v, false)?;
                if v.is_empty() {
                    verb.to_owned()
                } else {
                    format!("HELP {v}")
                }
            }
            Self::AuthLogin
            | Self::Data
            | Self::Rset
            | Self::Noop
            | Self::Quit
            | Self::StartTls
            | Self::Help(None) => verb.to_owned(),
        };
        Ok(line)
    }

    /// The exact bytes to send: the line and CRLF.
    ///
    /// # Errors
    /// As [`Command::to_line`].
    pub fn encode(&self) -> Result<Vec<u8>, CommandError> {
        let mut bytes = self.to_line()?.into_bytes();
        bytes.extend_from_slice(b"\r\n");
        Ok(bytes)
    }
}

impl fmt::Display for Command {
    /// The line for display; an unencodable command shows its error instead.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_line() {
            Ok(line) => f.write_str(&line),
            Err(e) => write!(f, "<{e}>"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn commands_encode_the_exact_line() {
        let cases = [
            (
                Command::Ehlo("client.example".into()),
                "EHLO client.example\r\n",
            ),
            (
                Command::Helo("client.example".into()),
                "HELO client.example\r\n",
            ),
            (Command::AuthLogin, "AUTH LOGIN\r\n"),
            (
                Command::AuthPlain("AGEAYg==".into()),
                "AUTH PLAIN AGEAYg==\r\n",
            ),
            (Command::AuthResponse("dXNlcg==".into()), "dXNlcg==\r\n"),
            (Command::AuthResponse(String::new()), "\r\n"),
            (
                Command::MailFrom("kim@fourthcoffee.com".into()),
                "MAIL FROM:<kim@fourthcoffee.com>\r\n",
            ),
            (Command::MailFrom(String::new()), "MAIL FROM:<>\r\n"),
            (
                Command::RcptTo("ted@contoso.com".into()),
                "RCPT TO:<ted@contoso.com>\r\n",
            ),
            (Command::Data, "DATA\r\n"),
            (Command::Rset, "RSET\r\n"),
            (Command::Noop, "NOOP\r\n"),
            (Command::Quit, "QUIT\r\n"),
            (Command::Vrfy("ted".into()), "VRFY ted\r\n"),
            (Command::Expn("staff".into()), "EXPN staff\r\n"),
            (Command::Help(None), "HELP\r\n"),
            (Command::Help(Some("MAIL".into())), "HELP MAIL\r\n"),
            (Command::StartTls, "STARTTLS\r\n"),
        ];
        for (command, wire) in cases {
            assert_eq!(
                command.encode().expect("encodable"),
                wire.as_bytes(),
                "{command:?}"
            );
        }
    }

    #[test]
    fn encoder_refuses_cr_or_lf_in_arguments() {
        for command in [
            Command::Ehlo("a\r\nMAIL FROM:<x>".into()),
            Command::MailFrom("a@b\n".into()),
            Command::RcptTo("a@b\rc".into()),
            Command::AuthResponse("abc\r\n".into()),
            Command::AuthPlain("abc\n".into()),
            Command::Vrfy("x\ny".into()),
            Command::Help(Some("\r".into())),
        ] {
            assert!(
                matches!(command.encode(), Err(CommandError::LineBreak { .. })),
                "{command:?}"
            );
        }
    }

    #[test]
    fn required_arguments_may_not_be_empty() {
        assert_eq!(
            Command::Ehlo(String::new()).encode(),
            Err(CommandError::EmptyArgument { verb: "EHLO" })
        );
        assert_eq!(
            Command::RcptTo(String::new()).encode(),
            Err(CommandError::EmptyArgument { verb: "RCPT TO" })
        );
    }
}
