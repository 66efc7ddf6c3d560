//! A [`SessionSpec`] as an equivalent `swaks` command line, with POSIX shell
//! quoting, so a session tried in the tab can be repeated from a terminal.
//!
//! Stages map to swaks' `--quit-after` stop points (`CONNECT`, `EHLO`,
//! `AUTH`, `MAIL`, `RCPT`; a full delivery has none), TLS modes to `--tls`,
//! `--tls-optional-strict` and `--tls-on-connect`. The message's Subject
//! header and body become `--header 'Subject: …'` and `--body '…'`; swaks
//! writes its own Date, Message-Id, From and To headers.
//! <https://jetmore.org/john/code/swaks/latest/doc/ref.txt>

use super::spec::{SessionSpec, Stage, TlsMode};

/// What a password shows as in a command line that hides secrets.
pub const PASSWORD_MASK: &str = "****";

/// swaks' `--quit-after` stop point for a stage; `None` for a full delivery.
pub fn quit_after(stage: Stage) -> Option<&'static str> {
    match stage {
        Stage::Connect => Some("CONNECT"),
        // In a STARTTLS session swaks' EHLO is the second one, as ours.
        Stage::Ehlo => Some("EHLO"),
        Stage::Auth => Some("AUTH"),
        Stage::Mail => Some("MAIL"),
        Stage::Rcpt => Some("RCPT"),
        Stage::Data => None,
    }
}

/// Quotes one word for a POSIX shell: unchanged when it only holds
/// characters no shell treats specially, else in single quotes with each
/// `'` written as `'\''`. The empty word is `''`.
/// <https://pubs.opengroup.org/onlinepubs/9799919799/utilities/V3_chap02.html#tag_19_02_02>
pub fn shell_quote(word: &str) -> String {
    let safe = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"@%+=:,./-_".contains(&b));
    if safe {
        return word.to_owned();
    }
    let mut out = String::with_capacity(word.len() + 2);
    out.push('\'');
    for c in word.chars() {
        if c == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

/// The Subject header (unfolded, as written in the message, RFC 2047
/// encoding kept) and the body (LF line endings, its base64 or
/// quoted-printable transfer encoding undone when the message is one text
/// part) of an RFC 5322 text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageParts {
    /// The Subject header's value, if the message has one.
    pub subject: Option<String>,
    /// Everything after the blank line that ends the headers.
    pub body: String,
}

/// Splits a message into its Subject and body. A text without a blank line
/// is all headers when its first line looks like a header, else all body.
pub fn message_parts(message: &str) -> MessageParts {
    let text = message.replace("\r\n", "\n");
    let (head, body) = match text.split_once("\n\n") {
        Some((head, body)) => (head.to_owned(), body.to_owned()),
        None if looks_like_header(text.lines().next().unwrap_or("")) => {
            (text.clone(), String::new())
        }
        None => (String::new(), text.clone()),
    };
    let mut subject: Option<String> = None;
    let mut in_subject = false;
    let mut encoding = String::new();
    let mut multipart = false;
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            // A folded continuation (RFC 5322 §2.2.3).
            if in_subject {
                if let Some(s) = subject.as_mut() {
                    s.push_str(line);
                }
            }
            continue;
        }
        in_subject = false;
        if let Some((name, value)) = line.split_once(':') {
            let name = name.trim();
            if subject.is_none() && name.eq_ignore_ascii_case("subject") {
                subject = Some(value.trim_start().to_owned());
                in_subject = true;
            } else if name.eq_ignore_ascii_case("content-transfer-encoding") {
                encoding = value.trim().to_ascii_lowercase();
            } else if name.eq_ignore_ascii_case("content-type") {
                multipart = value
                    .trim_start()
                    .to_ascii_lowercase()
                    .starts_with("multipart/");
            }
        }
    }
    let body = match (multipart, encoding.as_str()) {
        (false, "base64") => decode_base64_body(&body).unwrap_or(body),
        (false, "quoted-printable") => decode_quoted_printable(&body),
        _ => body,
    };
    MessageParts { subject, body }
}

/// A base64 body as text (LF line ends); `None` if it is not base64.
fn decode_base64_body(body: &str) -> Option<String> {
    use base64::Engine as _;
    let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact)
        .ok()?;
    Some(String::from_utf8_lossy(&bytes).replace("\r\n", "\n"))
}

/// A quoted-printable body (RFC 2045 §6.7) as text: `=XX` octets, soft
/// line breaks (`=` at the end of a line) joined.
fn decode_quoted_printable(body: &str) -> String {
    let mut bytes = Vec::with_capacity(body.len());
    let raw = body.as_bytes();
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'=' if raw.get(i + 1) == Some(&b'\n') => i += 2,
            b'=' => match raw
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                Some(byte) => {
                    bytes.push(byte);
                    i += 3;
                }
                None => {
                    bytes.push(b'=');
                    i += 1;
                }
            },
            b => {
                bytes.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn looks_like_header(line: &str) -> bool {
    line.split_once(':').is_some_and(|(name, _)| {
        !name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic() && b != b':')
    })
}

/// The swaks command line that runs the same session as `spec`. The
/// password is [`PASSWORD_MASK`] unless `reveal`.
///
/// A body swaks would read as a file (`-` or starting with `@`) is piped in
/// on standard input instead: `printf '%s\n' '…' | swaks … --body -`.
pub fn swaks_command(spec: &SessionSpec, reveal: bool) -> String {
    let mut args: Vec<String> = vec!["swaks".to_owned()];
    let mut push = |option: &str, value: &str| {
        args.push(option.to_owned());
        args.push(shell_quote(value));
    };
    let server = if spec.host.contains(':') {
        format!("[{}]:{}", spec.host, spec.port)
    } else {
        format!("{}:{}", spec.host, spec.port)
    };
    push("--server", &server);
    push("--ehlo", &spec.ehlo_name);
    // swaks reads "<>" as the null sender.
    push(
        "--from",
        if spec.mail_from.is_empty() {
            "<>"
        } else {
            &spec.mail_from
        },
    );
    if !spec.rcpt_to.is_empty() {
        push("--to", &spec.rcpt_to.join(","));
    }
    if let Some(auth) = &spec.auth {
        push("--auth", auth.mechanism.as_str());
        push(
            "--auth-user",
            if auth.username.is_empty() {
                "<>"
            } else {
                &auth.username
            },
        );
        let password = match (reveal, auth.password.expose()) {
            (false, _) => PASSWORD_MASK,
            (true, "") => "<>",
            (true, password) => password,
        };
        push("--auth-password", password);
    }
    let parts = message_parts(&String::from_utf8_lossy(&spec.message));
    if let Some(subject) = &parts.subject {
        push("--header", &format!("Subject: {subject}"));
    }
    let piped = parts.body == "-" || parts.body.starts_with('@');
    push("--body", if piped { "-" } else { &parts.body });
    match spec.tls {
        TlsMode::None => {}
        TlsMode::StartTls => args.push("--tls".to_owned()),
        TlsMode::StartTlsIfOffered => args.push("--tls-optional-strict".to_owned()),
        TlsMode::Implicit => args.push("--tls-on-connect".to_owned()),
    }
    if spec.envelope.pipelining {
        args.push("--pipeline".to_owned());
    }
    if let Some(point) = quit_after(spec.stop_after) {
        args.push("--quit-after".to_owned());
        args.push(point.to_owned());
    }
    let command = args.join(" ");
    if piped {
        format!("printf '%s\\n' {} | {command}", shell_quote(&parts.body))
    } else {
        command
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smtp::{compose_message, AuthMechanism, AuthSpec, Secret, Timeouts};
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn spec() -> SessionSpec {
        let rcpt = vec!["b@example.test".to_owned(), "c@example.test".to_owned()];
        SessionSpec {
            host: "127.0.0.1".into(),
            port: 2525,
            ehlo_name: "client.example".into(),
            auth: None,
            mail_from: "a@example.test".into(),
            message: compose_message(
                "a@example.test",
                &rcpt,
                "Hi there",
                "line 1\nline 2",
                "d",
                "m@x",
            ),
            rcpt_to: rcpt,
            stop_after: Stage::Data,
            timeouts: Timeouts::default(),
            tls: TlsMode::None,
            envelope: Default::default(),
        }
    }

    /// Splits a command line the way `sh` would (single quotes and `\'`
    /// outside quotes only: all that [`shell_quote`] writes).
    fn sh_words(line: &str) -> Vec<String> {
        let mut words = Vec::new();
        let mut word: Option<String> = None;
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            match c {
                ' ' => words.extend(word.take()),
                '\'' => {
                    let w = word.get_or_insert_with(String::new);
                    for q in chars.by_ref() {
                        if q == '\'' {
                            break;
                        }
                        w.push(q);
                    }
                }
                '\\' => word.get_or_insert_with(String::new).extend(chars.next()),
                c => word.get_or_insert_with(String::new).push(c),
            }
        }
        words.extend(word);
        words
    }

    #[test]
    fn shell_quote_leaves_plain_words_and_quotes_the_rest() {
        assert_eq!(shell_quote("a@example.test"), "a@example.test");
        assert_eq!(shell_quote("127.0.0.1:25"), "127.0.0.1:25");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("two words"), "'two words'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        assert_eq!(
            shell_quote("$HOME `x` \"q\" \\ ; & | * ? ~ # !"),
            "'$HOME `x` \"q\" \\ ; & | * ? ~ # !'"
        );
        assert_eq!(shell_quote("<>"), "'<>'");
        assert_eq!(shell_quote("件名"), "'件名'");
        for word in ["it's", "a'b'c", "''", "x\ny", "$(rm -rf /)", "\\'"] {
            assert_eq!(sh_words(&shell_quote(word)), [word], "{word:?}");
        }
    }

    #[test]
    fn a_full_delivery_has_server_ehlo_envelope_subject_and_body() {
        let line = swaks_command(&spec(), false);
        assert_eq!(
            line,
            "swaks --server 127.0.0.1:2525 --ehlo client.example --from a@example.test \
             --to b@example.test,c@example.test --header 'Subject: Hi there' --body 'line 1\nline 2'"
        );
        assert_eq!(
            sh_words(&line)[9..],
            ["--header", "Subject: Hi there", "--body", "line 1\nline 2"]
        );
    }

    #[test]
    fn the_password_is_masked_unless_revealed() {
        let mut spec = spec();
        spec.auth = Some(AuthSpec {
            mechanism: AuthMechanism::Login,
            username: "kim".into(),
            password: Secret::new("it's $ecret"),
        });
        let hidden = swaks_command(&spec, false);
        assert!(
            hidden.contains(" --auth LOGIN --auth-user kim --auth-password '****' "),
            "{hidden}"
        );
        assert!(!hidden.contains("ecret"), "{hidden}");
        let shown = swaks_command(&spec, true);
        assert!(
            shown.contains(" --auth-password 'it'\\''s $ecret' "),
            "{shown}"
        );
        let words = sh_words(&shown);
        let at = words
            .iter()
            .position(|w| w == "--auth-password")
            .expect("option");
        assert_eq!(words[at + 1], "it's $ecret");
        spec.auth = spec.auth.map(|a| AuthSpec {
            mechanism: AuthMechanism::Plain,
            password: Secret::new(""),
            ..a
        });
        assert!(swaks_command(&spec, true)
            .contains("--auth PLAIN --auth-user kim --auth-password '<>'"));
    }

    #[test]
    fn stages_and_tls_modes_map_to_swaks_options() {
        let mut spec = spec();
        for (stage, point) in [
            (Stage::Connect, "CONNECT"),
            (Stage::Ehlo, "EHLO"),
            (Stage::Auth, "AUTH"),
            (Stage::Mail, "MAIL"),
            (Stage::Rcpt, "RCPT"),
        ] {
            spec.stop_after = stage;
            assert!(
                swaks_command(&spec, false).ends_with(&format!(" --quit-after {point}")),
                "{stage:?}"
            );
        }
        spec.stop_after = Stage::Data;
        assert!(!swaks_command(&spec, false).contains("--quit-after"));
        for (mode, option) in [
            (TlsMode::StartTls, " --tls"),
            (TlsMode::StartTlsIfOffered, " --tls-optional-strict"),
            (TlsMode::Implicit, " --tls-on-connect"),
        ] {
            spec.tls = mode;
            assert!(swaks_command(&spec, false).ends_with(option), "{mode:?}");
        }
        assert!(!swaks_command(&spec, false).contains("--pipeline"));
        spec.envelope.pipelining = true;
        spec.stop_after = Stage::Rcpt;
        let command = swaks_command(&spec, false);
        assert!(
            command.ends_with(" --tls-on-connect --pipeline --quit-after RCPT"),
            "{command}"
        );
    }

    #[test]
    fn null_sender_ipv6_and_odd_bodies_are_kept_exact() {
        let mut spec = spec();
        spec.mail_from = String::new();
        spec.host = "::1".into();
        spec.message = "Subject: x\r\n\r\n@not-a-file".into();
        let line = swaks_command(&spec, false);
        assert!(line.contains("--server '[::1]:2525'"), "{line}");
        assert!(line.contains("--from '<>'"), "{line}");
        assert!(
            line.starts_with("printf '%s\\n' @not-a-file | swaks "),
            "{line}"
        );
        assert!(line.ends_with("--body -"), "{line}");
    }

    #[test]
    fn message_parts_unfold_the_subject_and_split_the_body() {
        let parts =
            message_parts("From: <a@b>\r\nSubject: one\r\n two\r\nX: y\r\n\r\nbody\r\nmore\r\n");
        assert_eq!(parts.subject.as_deref(), Some("one two"));
        assert_eq!(parts.body, "body\nmore\n");
        let encoded = String::from_utf8(compose_message(
            "a@b",
            &["c@d".to_owned()],
            "件名",
            "本文",
            "d",
            "m",
        ))
        .expect("UTF-8");
        let parts = message_parts(&encoded);
        assert!(
            parts
                .subject
                .as_deref()
                .is_some_and(|s| s.to_ascii_lowercase().starts_with("=?utf-8?b?")),
            "{parts:?}"
        );
        assert_eq!(parts.body.trim_end(), "本文", "the base64 body is decoded");
        let qp = message_parts(
            "Subject: x\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nGr=C3=BC=C3=9Fe, a long =\r\nline=3D\r\n",
        );
        assert_eq!(qp.body, "Grüße, a long line=\n");
        let mixed = "Content-Type: multipart/mixed; boundary=b\r\nContent-Transfer-Encoding: base64\r\n\r\n--b\r\n";
        assert_eq!(
            message_parts(mixed).body,
            "--b\n",
            "multipart bodies stay as they are"
        );
        assert_eq!(message_parts("just text").subject, None);
        assert_eq!(message_parts("just text").body, "just text");
        assert_eq!(
            message_parts("Subject: only").subject.as_deref(),
            Some("only")
        );
    }
}
