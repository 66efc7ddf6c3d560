//! What a server advertises in its EHLO reply: the greeting line and one
//! [`Extension`] per following line, unknown keywords included.
//! <https://www.rfc-editor.org/rfc/rfc5321#section-4.1.1.1>

use std::fmt;

use serde::{Deserialize, Serialize};

use super::reply::Reply;

/// A SASL mechanism named in an `AUTH` line.
/// <https://www.rfc-editor.org/rfc/rfc4954#section-3>
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Mechanism {
    /// `LOGIN` (draft-murchison-sasl-login).
    Login,
    /// `PLAIN`, RFC 4616.
    Plain,
    /// `CRAM-MD5`, RFC 2195.
    CramMd5,
    /// `GSSAPI` (Kerberos), RFC 4752.
    Gssapi,
    /// `NTLM` (Microsoft).
    Ntlm,
    /// `XOAUTH2` (Google, Microsoft).
    XOAuth2,
    /// Any other mechanism, as the server spelled it.
    Other(String),
}

impl Mechanism {
    /// Parses a mechanism name, case-insensitively.
    pub fn parse(name: &str) -> Self {
        match name.to_ascii_uppercase().as_str() {
            "LOGIN" => Self::Login,
            "PLAIN" => Self::Plain,
            "CRAM-MD5" => Self::CramMd5,
            "GSSAPI" => Self::Gssapi,
            "NTLM" => Self::Ntlm,
            "XOAUTH2" => Self::XOAuth2,
            _ => Self::Other(name.to_owned()),
        }
    }

    /// The mechanism's name as written in SMTP.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Login => "LOGIN",
            Self::Plain => "PLAIN",
            Self::CramMd5 => "CRAM-MD5",
            Self::Gssapi => "GSSAPI",
            Self::Ntlm => "NTLM",
            Self::XOAuth2 => "XOAUTH2",
            Self::Other(name) => name,
        }
    }
}

impl fmt::Display for Mechanism {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One EHLO keyword line.
///
/// A known keyword that carries parameters it should not have (or a `SIZE`
/// whose value is not a number) is kept as [`Extension::Other`], so nothing
/// the server said is lost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Extension {
    /// `STARTTLS`, RFC 3207.
    StartTls,
    /// `PIPELINING`, RFC 2920.
    Pipelining,
    /// `SIZE [n]`, RFC 1870: the largest message in octets (`0` or absent:
    /// no fixed limit announced).
    Size(Option<u64>),
    /// `AUTH mech...`, RFC 4954.
    Auth(Vec<Mechanism>),
    /// `8BITMIME`, RFC 6152.
    EightBitMime,
    /// `SMTPUTF8`, RFC 6531.
    SmtpUtf8,
    /// `ENHANCEDSTATUSCODES`, RFC 2034.
    EnhancedStatusCodes,
    /// `CHUNKING` (BDAT), RFC 3030.
    Chunking,
    /// `BINARYMIME`, RFC 3030.
    BinaryMime,
    /// `DSN`, RFC 3461.
    Dsn,
    /// `VRFY`, RFC 5321 §3.5.
    Vrfy,
    /// `ETRN`, RFC 1985.
    Etrn,
    /// `TURN`, RFC 821 (obsolete, insecure).
    Turn,
    /// `ATRN`, RFC 2645.
    Atrn,
    /// `HELP`, RFC 5321 §4.1.1.8.
    Help,
    /// Any other keyword, with its parameters, as the server spelled them.
    Other {
        /// The keyword, original case kept.
        keyword: String,
        /// The space-separated parameters.
        params: Vec<String>,
    },
}

impl Extension {
    /// Parses the text of one EHLO line (after `250-`); `None` for a blank line.
    pub fn parse(text: &str) -> Option<Self> {
        let mut words = text.split_whitespace();
        let keyword = words.next()?;
        let params: Vec<String> = words.map(str::to_owned).collect();
        let upper = keyword.to_ascii_uppercase();
        let bare = |ext: Self| params.is_empty().then_some(ext);
        let known = match upper.as_str() {
            "STARTTLS" => bare(Self::StartTls),
            "PIPELINING" => bare(Self::Pipelining),
            "8BITMIME" => bare(Self::EightBitMime),
            "SMTPUTF8" => bare(Self::SmtpUtf8),
            "ENHANCEDSTATUSCODES" => bare(Self::EnhancedStatusCodes),
            "CHUNKING" => bare(Self::Chunking),
            "BINARYMIME" => bare(Self::BinaryMime),
            "DSN" => bare(Self::Dsn),
            "VRFY" => bare(Self::Vrfy),
            "ETRN" => bare(Self::Etrn),
            "TURN" => bare(Self::Turn),
            "ATRN" => bare(Self::Atrn),
            "HELP" => bare(Self::Help),
            "SIZE" => match params.as_slice() {
                [] => Some(Self::Size(None)),
                [n] => n.parse().ok().map(|n| Self::Size(Some(n))),
                _ => None,
            },
            "AUTH" => Some(Self::Auth(
                params.iter().map(|m| Mechanism::parse(m)).collect(),
            )),
            _ => None,
        };
        Some(known.unwrap_or_else(|| Self::Other {
            keyword: keyword.to_owned(),
            params,
        }))
    }

    /// The keyword, upper case for known extensions.
    pub fn keyword(&self) -> &str {
        match self {
            Self::StartTls => "STARTTLS",
            Self::Pipelining => "PIPELINING",
            Self::Size(_) => "SIZE",
            Self::Auth(_) => "AUTH",
            Self::EightBitMime => "8BITMIME",
            Self::SmtpUtf8 => "SMTPUTF8",
            Self::EnhancedStatusCodes => "ENHANCEDSTATUSCODES",
            Self::Chunking => "CHUNKING",
            Self::BinaryMime => "BINARYMIME",
            Self::Dsn => "DSN",
            Self::Vrfy => "VRFY",
            Self::Etrn => "ETRN",
            Self::Turn => "TURN",
            Self::Atrn => "ATRN",
            Self::Help => "HELP",
            Self::Other { keyword, .. } => keyword,
        }
    }

    /// The parameters, as they would be written after the keyword.
    pub fn params(&self) -> Vec<String> {
        match self {
            Self::Size(Some(n)) => vec![n.to_string()],
            Self::Auth(mechs) => mechs.iter().map(|m| m.as_str().to_owned()).collect(),
            Self::Other { params, .. } => params.clone(),
            _ => Vec::new(),
        }
    }
}

impl fmt::Display for Extension {
    /// `KEYWORD param param`, as on the wire.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.keyword())?;
        for param in self.params() {
            write!(f, " {param}")?;
        }
        Ok(())
    }
}

/// The server's EHLO answer, decoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capabilities {
    /// The text of the first line (the server's name and greeting).
    pub greeting: String,
    /// One entry per further line, in the server's order.
    pub extensions: Vec<Extension>,
}

impl Capabilities {
    /// Decodes a (positive) EHLO reply. The code is not checked: callers
    /// decide whether the reply was a success.
    pub fn from_ehlo(reply: &Reply) -> Self {
        let mut texts = reply.text_lines();
        let greeting = texts.next().unwrap_or("").to_owned();
        Self {
            greeting,
            extensions: texts.filter_map(Extension::parse).collect(),
        }
    }

    /// True if an extension with this keyword (any case) was advertised.
    pub fn has(&self, keyword: &str) -> bool {
        self.extensions
            .iter()
            .any(|e| e.keyword().eq_ignore_ascii_case(keyword))
    }

    /// The SASL mechanisms from every `AUTH` line.
    pub fn auth_mechanisms(&self) -> Vec<Mechanism> {
        self.extensions
            .iter()
            .filter_map(|e| match e {
                Extension::Auth(mechs) => Some(mechs.iter().cloned()),
                _ => None,
            })
            .flatten()
            .collect()
    }

    /// The `SIZE` limit in octets, if one was announced.
    pub fn max_size(&self) -> Option<u64> {
        self.extensions.iter().find_map(|e| match e {
            Extension::Size(n) => *n,
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn keywords_match_case_insensitively() {
        assert_eq!(Extension::parse("starttls"), Some(Extension::StartTls));
        assert_eq!(Extension::parse("8bitmime"), Some(Extension::EightBitMime));
        assert_eq!(
            Extension::parse("auth login Plain xoauth2"),
            Some(Extension::Auth(vec![
                Mechanism::Login,
                Mechanism::Plain,
                Mechanism::XOAuth2
            ]))
        );
        assert_eq!(Extension::parse("size"), Some(Extension::Size(None)));
        assert_eq!(Extension::parse("   "), None);
    }

    #[test]
    fn odd_parameters_are_kept_as_other() {
        assert_eq!(
            Extension::parse("SIZE lots"),
            Some(Extension::Other {
                keyword: "SIZE".into(),
                params: vec!["lots".into()]
            })
        );
        assert_eq!(
            Extension::parse("AUTH=LOGIN PLAIN"),
            Some(Extension::Other {
                keyword: "AUTH=LOGIN".into(),
                params: vec!["PLAIN".into()]
            })
        );
        let ext = Extension::parse("PIPELINING now").expect("a keyword");
        assert_eq!(ext.to_string(), "PIPELINING now");
    }

    #[test]
    fn display_round_trips_the_line() {
        for line in [
            "SIZE 10240000",
            "AUTH PLAIN LOGIN",
            "X-EXPS GSSAPI NTLM",
            "DSN",
        ] {
            let ext = Extension::parse(line).expect("a keyword");
            assert_eq!(ext.to_string(), line);
        }
    }

    #[test]
    fn capabilities_helpers_find_extensions() {
        let reply = Reply::from_lines(&[
            "250-mx.example Hi",
            "250-SIZE 1000",
            "250-AUTH PLAIN",
            "250 starttls",
        ])
        .expect("parses");
        let caps = Capabilities::from_ehlo(&reply);
        assert_eq!(caps.greeting, "mx.example Hi");
        assert!(caps.has("STARTTLS"));
        assert!(!caps.has("CHUNKING"));
        assert_eq!(caps.max_size(), Some(1000));
        assert_eq!(caps.auth_mechanisms(), [Mechanism::Plain]);
    }
}
