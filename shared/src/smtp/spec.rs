//! What one test session should do (`SessionSpec`, serde JSON), its
//! validation, and a helper that composes a simple message.

use serde::{Deserialize, Serialize};

use super::auth::Secret;
use super::envelope::{check_dsn, EnvelopeOptions};

/// Everything the engine needs to run one session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionSpec {
    /// Host to connect to; used by the driver, not by the engine.
    pub host: String,
    /// TCP port to connect to; used by the driver.
    pub port: u16,
    /// The name sent with EHLO/HELO.
    pub ehlo_name: String,
    /// Authenticate after EHLO when set.
    #[serde(default)]
    pub auth: Option<AuthSpec>,
    /// Bare sender address; the engine writes `MAIL FROM:<addr>`. Empty
    /// means the null reverse-path `<>` (as for bounces).
    pub mail_from: String,
    /// Bare recipient addresses, one `RCPT TO` each.
    pub rcpt_to: Vec<String>,
    /// The whole RFC 5322 message (headers, blank line, body) as bytes, any
    /// line endings: the engine sends it with CRLF endings, dot-stuffed
    /// after DATA or as it is in BDAT chunks. JSON: a string when the bytes
    /// are UTF-8, else `{"base64":"…"}`.
    #[serde(with = "super::message::serde_bytes")]
    pub message: Vec<u8>,
    /// The last stage to run before QUIT.
    #[serde(default = "Stage::data")]
    pub stop_after: Stage,
    /// How long to wait for the server.
    #[serde(default)]
    pub timeouts: Timeouts,
    /// Whether and how to use TLS; the certificate is checked against
    /// `host`. Anything but [`TlsMode::None`] needs a session made with
    /// [`Session::with_tls`](super::Session::with_tls).
    #[serde(default)]
    pub tls: TlsMode,
    /// PIPELINING, BDAT, 8BITMIME, DSN and how refused recipients are
    /// treated; the default asks for nothing.
    #[serde(default)]
    pub envelope: EnvelopeOptions,
}

/// Whether and how the session uses TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TlsMode {
    /// Plaintext throughout.
    #[default]
    None,
    /// STARTTLS after EHLO, then EHLO again (RFC 3207); the session fails
    /// if the server does not offer it or refuses it.
    /// <https://www.rfc-editor.org/rfc/rfc3207>
    StartTls,
    /// STARTTLS when EHLO offers it; otherwise (or if it is refused with a
    /// 4xx/5xx) go on in plaintext and say so in an event.
    StartTlsIfOffered,
    /// TLS from the first byte (submissions over TLS, port 465; RFC 8314).
    /// <https://www.rfc-editor.org/rfc/rfc8314#section-3>
    Implicit,
}

/// How to authenticate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuthSpec {
    /// Which SASL mechanism.
    pub mechanism: AuthMechanism,
    /// The authentication identity.
    pub username: String,
    /// The password, or the bearer token for XOAUTH2 and OAUTHBEARER;
    /// never printed.
    pub password: Secret,
}

/// The SASL mechanisms the engine can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthMechanism {
    /// `AUTH LOGIN`: user name and password in two 334 rounds.
    Login,
    /// `AUTH PLAIN` with an initial response (RFC 4616).
    Plain,
    /// `AUTH CRAM-MD5`: HMAC-MD5 of the server's challenge keyed with the
    /// password (RFC 2195).
    #[serde(rename = "cram_md5")]
    CramMd5,
    /// `AUTH XOAUTH2` with a bearer token (Google's and Microsoft's SASL).
    #[serde(rename = "xoauth2")]
    XOAuth2,
    /// `AUTH OAUTHBEARER` with a bearer token (RFC 7628).
    #[serde(rename = "oauthbearer")]
    OAuthBearer,
}

impl AuthMechanism {
    /// The name on the AUTH line and in EHLO's AUTH list.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Login => "LOGIN",
            Self::Plain => "PLAIN",
            Self::CramMd5 => "CRAM-MD5",
            Self::XOAuth2 => "XOAUTH2",
            Self::OAuthBearer => "OAUTHBEARER",
        }
    }

    /// True when the secret is a bearer token rather than a password.
    pub fn uses_token(self) -> bool {
        matches!(self, Self::XOAuth2 | Self::OAuthBearer)
    }
}

/// How far a session goes. Ordered: each stage includes the earlier ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Wait for the 220 greeting.
    Connect,
    /// EHLO (or HELO).
    Ehlo,
    /// AUTH (skipped when the spec has no `auth`).
    Auth,
    /// MAIL FROM.
    Mail,
    /// Every RCPT TO.
    Rcpt,
    /// DATA and the message: a full delivery.
    Data,
}

impl Stage {
    /// [`Stage::Data`]; the serde default of [`SessionSpec::stop_after`].
    pub fn data() -> Self {
        Self::Data
    }
}

/// Timeouts in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timeouts {
    /// From the TCP connect to the final line of the 220 greeting.
    #[serde(default = "Timeouts::default_greeting_ms")]
    pub greeting_ms: u64,
    /// From sending a command to the final line of its reply.
    #[serde(default = "Timeouts::default_reply_ms")]
    pub reply_ms: u64,
}

impl Timeouts {
    fn default_greeting_ms() -> u64 {
        30_000
    }
    fn default_reply_ms() -> u64 {
        60_000
    }
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            greeting_ms: Self::default_greeting_ms(),
            reply_ms: Self::default_reply_ms(),
        }
    }
}

/// Which field of the spec an address problem is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AddressField {
    /// `mail_from`.
    MailFrom,
    /// `rcpt_to[index]`.
    RcptTo(usize),
}

/// Why a spec cannot be run; each message is fit to show the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum SpecError {
    /// The host is empty.
    #[error("the server host is empty")]
    EmptyHost,
    /// The port is 0.
    #[error("the port must be between 1 and 65535")]
    ZeroPort,
    /// The EHLO name is empty.
    #[error("the EHLO name is empty")]
    EmptyEhloName,
    /// The EHLO name contains whitespace or control characters.
    #[error("the EHLO name must be one word without spaces or control characters")]
    BadEhloName,
    /// There are no recipients.
    #[error("add at least one recipient")]
    NoRecipients,
    /// An address is malformed.
    #[error("{} address {address:?} {problem}", field_name(*field))]
    BadAddress {
        /// Where the address is.
        field: AddressField,
        /// The address as given.
        address: String,
        /// What is wrong.
        problem: AddressProblem,
    },
    /// AUTH is requested with an empty user name.
    #[error("the AUTH user name is empty")]
    EmptyUsername,
    /// A user name containing NUL cannot be sent with AUTH PLAIN.
    #[error("the AUTH user name or password contains a NUL character")]
    NulInCredentials,
    /// XOAUTH2/OAUTHBEARER without a token.
    #[error("the bearer token is empty")]
    EmptyToken,
    /// A user name or token with a character its SASL message cannot carry
    /// (`\x01` for XOAUTH2/OAUTHBEARER, `,` or `=` unescaped is fine).
    #[error("the AUTH user name or token contains a control character")]
    ControlInCredentials,
    /// BDAT with a chunk size of 0.
    #[error("the BDAT chunk size must be at least 1 byte")]
    ZeroBdatChunk,
    /// The DSN options are inconsistent.
    #[error("DSN: {0}")]
    BadDsn(String),
}

/// What is wrong with an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum AddressProblem {
    /// Nothing was given.
    #[error("is empty")]
    Empty,
    /// CR or LF: would inject a command.
    #[error("contains a line break")]
    LineBreak,
    /// Whitespace or control characters.
    #[error("contains spaces or control characters")]
    Spaces,
    /// Given as `<a@b>`; the engine adds the brackets.
    #[error("must be given without < >")]
    Brackets,
    /// No `@`.
    #[error("has no @")]
    NoAt,
    /// Nothing before the `@`.
    #[error("has nothing before the @")]
    NothingBeforeAt,
    /// Nothing after the `@`.
    #[error("has no domain after the @")]
    NoDomain,
}

fn field_name(field: AddressField) -> String {
    match field {
        AddressField::MailFrom => "sender".to_owned(),
        AddressField::RcptTo(i) => format!("recipient #{}", i + 1),
    }
}

impl SessionSpec {
    /// Checks the spec before anything is sent, so the UI can show a clear
    /// message instead of a server's 501.
    ///
    /// # Errors
    /// The first problem found, as a [`SpecError`].
    pub fn validate(&self) -> Result<(), SpecError> {
        if self.host.trim().is_empty() {
            return Err(SpecError::EmptyHost);
        }
        if self.port == 0 {
            return Err(SpecError::ZeroPort);
        }
        if self.ehlo_name.is_empty() {
            return Err(SpecError::EmptyEhloName);
        }
        if self
            .ehlo_name
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(SpecError::BadEhloName);
        }
        if let Some(auth) = &self.auth {
            if auth.username.is_empty() {
                return Err(SpecError::EmptyUsername);
            }
            if auth.username.contains('\0') || auth.password.expose().contains('\0') {
                return Err(SpecError::NulInCredentials);
            }
            if auth.mechanism.uses_token() {
                if auth.password.is_empty() {
                    return Err(SpecError::EmptyToken);
                }
                if auth.username.chars().any(char::is_control)
                    || auth.password.expose().chars().any(char::is_control)
                {
                    return Err(SpecError::ControlInCredentials);
                }
            }
        }
        if self.envelope.bdat_chunk == Some(0) {
            return Err(SpecError::ZeroBdatChunk);
        }
        if let Some(dsn) = &self.envelope.dsn {
            check_dsn(dsn).map_err(|why| SpecError::BadDsn(why.to_owned()))?;
        }
        if !self.mail_from.is_empty() {
            check_address(AddressField::MailFrom, &self.mail_from)?;
        }
        if self.rcpt_to.is_empty() {
            return Err(SpecError::NoRecipients);
        }
        for (i, rcpt) in self.rcpt_to.iter().enumerate() {
            check_address(AddressField::RcptTo(i), rcpt)?;
        }
        Ok(())
    }
}

fn check_address(field: AddressField, address: &str) -> Result<(), SpecError> {
    let problem = if address.is_empty() {
        Some(AddressProblem::Empty)
    } else if address.chars().any(|c| c == '\r' || c == '\n') {
        Some(AddressProblem::LineBreak)
    } else if address.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Some(AddressProblem::Spaces)
    } else if address.contains(['<', '>']) {
        Some(AddressProblem::Brackets)
    } else {
        match address.rsplit_once('@') {
            None => Some(AddressProblem::NoAt),
            Some(("", _)) => Some(AddressProblem::NothingBeforeAt),
            Some((_, "")) => Some(AddressProblem::NoDomain),
            Some(_) => None,
        }
    };
    match problem {
        Some(problem) => Err(SpecError::BadAddress {
            field,
            address: address.to_owned(),
            problem,
        }),
        None => Ok(()),
    }
}

/// Composes a plain-text RFC 5322 message with CRLF line endings through
/// [`Composition::build`](crate::mime::Composition::build): `From`, `To`,
/// `Subject`, `Date`, `Message-ID`, the MIME headers, a blank line and
/// `body` (7bit, or quoted-printable/base64 when not short-lined ASCII). A
/// non-ASCII subject becomes RFC 2047 encoded words; `message_id` is
/// wrapped in `<>` unless it already is. Line breaks in the one-line
/// fields are written as spaces, and non-ASCII addresses, date or ID as
/// UTF-8 (RFC 6532, for SMTPUTF8 tests), so it cannot fail.
pub fn compose_message(
    from: &str,
    to: &[String],
    subject: &str,
    body: &str,
    date_rfc2822: &str,
    message_id: &str,
) -> Vec<u8> {
    let one_line = |text: &str| text.replace("\r\n", " ").replace(['\r', '\n'], " ");
    let composition = crate::mime::Composition {
        from: one_line(from),
        to: to.iter().map(|to| one_line(to)).collect(),
        subject: one_line(subject),
        text: body.to_owned(),
        date: one_line(date_rfc2822),
        message_id: one_line(message_id),
        ..Default::default()
    };
    composition.build_with(true).expect(
        "no custom headers or attachments, no line breaks and UTF-8 allowed: nothing to refuse",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn spec() -> SessionSpec {
        SessionSpec {
            host: "127.0.0.1".into(),
            port: 2525,
            ehlo_name: "client.example".into(),
            auth: None,
            mail_from: "kim@fourthcoffee.com".into(),
            rcpt_to: vec!["ted@contoso.com".into()],
            message: "Subject: hi\r\n\r\nhello\r\n".into(),
            stop_after: Stage::Data,
            timeouts: Timeouts::default(),
            tls: TlsMode::None,
            envelope: Default::default(),
        }
    }

    #[test]
    fn minimal_json_takes_documented_defaults() {
        let json = r#"{"host":"h","port":25,"ehlo_name":"e","mail_from":"a@b","rcpt_to":["c@d"],"message":"m"}"#;
        let spec: SessionSpec = serde_json::from_str(json).expect("valid spec");
        assert_eq!(spec.stop_after, Stage::Data);
        assert_eq!(
            spec.timeouts,
            Timeouts {
                greeting_ms: 30_000,
                reply_ms: 60_000
            }
        );
        assert_eq!(spec.auth, None);
        assert_eq!(spec.tls, TlsMode::None);
        let json = r#"{"host":"h","port":465,"ehlo_name":"e","mail_from":"a@b","rcpt_to":["c@d"],"message":"m","tls":"implicit"}"#;
        let spec: SessionSpec = serde_json::from_str(json).expect("valid spec");
        assert_eq!(spec.tls, TlsMode::Implicit);
        assert_eq!(
            serde_json::to_value(TlsMode::StartTlsIfOffered).expect("serializes"),
            "start_tls_if_offered"
        );
        let json = r#"{"host":"h","port":25,"ehlo_name":"e","mail_from":"a@b","rcpt_to":["c@d"],"message":"m",
            "auth":{"mechanism":"login","username":"u","password":"p"},"stop_after":"rcpt","timeouts":{"reply_ms":5}}"#;
        let spec: SessionSpec = serde_json::from_str(json).expect("valid spec");
        assert_eq!(spec.stop_after, Stage::Rcpt);
        assert_eq!(
            spec.timeouts,
            Timeouts {
                greeting_ms: 30_000,
                reply_ms: 5
            }
        );
        let auth = spec.auth.expect("auth given");
        assert_eq!(auth.mechanism, AuthMechanism::Login);
        assert_eq!(auth.password.expose(), "p");
        let back = serde_json::to_value(&auth).expect("serializes");
        assert_eq!(back["password"], "p");
    }

    #[test]
    fn valid_spec_passes_and_null_sender_is_allowed() {
        assert_eq!(spec().validate(), Ok(()));
        let mut s = spec();
        s.mail_from.clear();
        assert_eq!(s.validate(), Ok(()));
    }

    #[test]
    fn validation_names_the_problem() {
        type Case = (fn(&mut SessionSpec), SpecError);
        let cases: Vec<Case> = vec![
            (|s| s.host = " ".into(), SpecError::EmptyHost),
            (|s| s.port = 0, SpecError::ZeroPort),
            (|s| s.ehlo_name.clear(), SpecError::EmptyEhloName),
            (|s| s.ehlo_name = "a b".into(), SpecError::BadEhloName),
            (|s| s.ehlo_name = "a\r\nRSET".into(), SpecError::BadEhloName),
            (|s| s.rcpt_to.clear(), SpecError::NoRecipients),
            (
                |s| {
                    s.auth = Some(AuthSpec {
                        mechanism: AuthMechanism::Plain,
                        username: String::new(),
                        password: "p".into(),
                    });
                },
                SpecError::EmptyUsername,
            ),
        ];
        for (mutate, expected) in cases {
            let mut s = spec();
            mutate(&mut s);
            assert_eq!(s.validate(), Err(expected));
        }
    }

    #[test]
    fn bad_addresses_are_refused() {
        for (address, problem) in [
            ("ted", AddressProblem::NoAt),
            ("ted @contoso.com", AddressProblem::Spaces),
            ("<ted@contoso.com>", AddressProblem::Brackets),
            ("ted@contoso.com\r\nDATA", AddressProblem::LineBreak),
            ("@contoso.com", AddressProblem::NothingBeforeAt),
            ("ted@", AddressProblem::NoDomain),
        ] {
            let mut s = spec();
            s.rcpt_to.push(address.into());
            let err = s.validate().expect_err(address);
            assert_eq!(
                err,
                SpecError::BadAddress {
                    field: AddressField::RcptTo(1),
                    address: address.into(),
                    problem
                }
            );
            assert!(err.to_string().starts_with("recipient #2 address"), "{err}");
        }
        let mut s = spec();
        s.mail_from = "kim".into();
        assert!(matches!(
            s.validate(),
            Err(SpecError::BadAddress {
                field: AddressField::MailFrom,
                ..
            })
        ));
    }

    #[test]
    fn composed_message_has_headers_blank_line_and_body() {
        let text = compose_message(
            "kim@fourthcoffee.com",
            &["ted@contoso.com".into(), "amy@contoso.com".into()],
            "Café",
            "Hello\n",
            "Mon, 1 Jan 2024 10:00:00 +0000",
            "abc@smtplab",
        );
        let text = String::from_utf8(text).expect("UTF-8");
        assert_eq!(
            text,
            "From: <kim@fourthcoffee.com>\r\n\
             To: <ted@contoso.com>, <amy@contoso.com>\r\n\
             Subject: =?utf-8?B?Q2Fmw6k=?=\r\n\
             Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n\
             Message-ID: <abc@smtplab>\r\n\
             MIME-Version: 1.0\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\
             Content-Transfer-Encoding: 7bit\r\n\
             \r\n\
             Hello\r\n"
        );
        assert_eq!(
            crate::mime::decode_encoded_words("=?utf-8?B?Q2Fmw6k=?="),
            "Café"
        );
    }

    #[test]
    fn composed_message_is_7bit_and_takes_what_the_form_gives() {
        // A non-ASCII body is quoted-printable, not 8bit.
        let text = compose_message("a@b", &["c@d".into()], "s", "naïve\n", "d", "<i@d>");
        assert!(text.is_ascii());
        let text = String::from_utf8(text).expect("ASCII");
        assert!(
            text.contains("Content-Transfer-Encoding: quoted-printable\r\n\r\nna=C3=AFve\r\n"),
            "{text}"
        );
        assert!(text.contains("\r\nMessage-ID: <i@d>\r\n"), "{text}");
        // Line breaks in one-line fields cannot inject headers.
        let text = compose_message("a@b", &["c@d".into()], "x\r\nBcc: e@f", "", "d", "i@d");
        let text = String::from_utf8(text).expect("ASCII");
        assert!(text.contains("\r\nSubject: x Bcc: e@f\r\n"), "{text}");
        // SMTPUTF8 tests: a non-ASCII address is written as UTF-8 (RFC 6532).
        let text = compose_message("用户@例子.广告", &["c@d".into()], "s", "", "d", "i@d");
        assert!(String::from_utf8(text)
            .expect("UTF-8")
            .starts_with("From: <用户@例子.广告>\r\n"));
    }
}
