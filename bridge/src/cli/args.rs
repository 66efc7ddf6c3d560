//! `smtplab send`'s options, with swaks' names where swaks has one.

use std::path::PathBuf;

use clap::{Arg, ArgAction, ArgMatches, Args, Command, FromArgMatches};

/// The examples at the end of `smtplab help send`.
pub const EXAMPLES: &str = "\
Examples:
  # Deliver a test message over STARTTLS with AUTH LOGIN (the password is prompted for):
  smtplab send --server mail.example.com:587 --tls --auth LOGIN \\
      --auth-user kim@example.com --from kim@example.com --to ted@example.org

  # The same, the password from the environment, a machine-readable report:
  SMTPLAB_AUTH_PASSWORD=secret smtplab send --server mail.example.com:587 --tls \\
      --auth-user kim@example.com --from kim@example.com --to ted@example.org --json

  # Implicit TLS on 465, the certificate checked against a private CA:
  smtplab send --server mail.example.com --tls-on-connect --tls-verify \\
      --tls-ca-path ca.pem --from kim@example.com --to ted@example.org

  # Only check that a recipient is accepted (no message sent):
  smtplab send --server mx.example.org --from kim@example.com --to ted@example.org \\
      --quit-after RCPT

  # Replay a session file exported from the tab, answers explained in Japanese:
  smtplab send --session smtplab-mail.example.com.json --lang ja

  # A report as a PDF attachment and an HTML alternative, a custom header:
  smtplab send --server mail.example.com:587 --tls --auth-user kim@example.com \\
      --from kim@example.com --to ted@example.org --body 'The report is attached.' \\
      --html @report.html --attach-type application/pdf --attach report.pdf \\
      --header 'X-Campaign: q3'

  # MAIL, every RCPT and DATA in one round trip (PIPELINING), the message in
  # 64 KiB BDAT chunks, a DSN on failure or delay only:
  smtplab send --server mx.example.org --from kim@example.com \\
      --to ted@example.org,amy@example.org --pipeline --bdat 65536 \\
      --dsn-notify failure,delay --dsn-ret hdrs

  # A whole .eml file sent byte for byte (warned about bare LFs and long lines):
  smtplab send --server mx.example.org --from kim@example.com --to ted@example.org \\
      --data message.eml";

/// Send a test message through the shared SMTP engine, natively (no bridge,
/// no browser). Options use swaks' names; so do the exit codes.
#[derive(Debug, Clone, Default, Args)]
pub struct SendArgs {
    /// Session file exported from the tab (JSON); the options below override its fields.
    #[arg(long, value_name = "FILE.json", help_heading = "Session")]
    pub session: Option<PathBuf>,
    /// Server to connect to: host, host:port, [v6]:port (no MX lookup is made).
    #[arg(
        short = 's',
        long,
        value_name = "HOST[:PORT]",
        help_heading = "Session"
    )]
    pub server: Option<String>,
    /// Port (default 25, or 465 with --tls-on-connect).
    #[arg(short = 'p', long, help_heading = "Session")]
    pub port: Option<u16>,
    /// Name sent with EHLO (default: this computer's host name).
    #[arg(
        long,
        visible_alias = "helo",
        value_name = "NAME",
        help_heading = "Session"
    )]
    pub ehlo: Option<String>,
    /// Envelope sender, MAIL FROM (default: $USER@host name; "<>" for the null sender).
    #[arg(short = 'f', long, value_name = "ADDRESS", help_heading = "Session")]
    pub from: Option<String>,
    /// Recipient, RCPT TO: repeatable, or a comma-separated list.
    #[arg(
        short = 't',
        long,
        value_name = "ADDRESS",
        value_delimiter = ',',
        help_heading = "Session"
    )]
    pub to: Vec<String>,
    /// Stop after this stage and QUIT: CONNECT (or BANNER), EHLO (or HELO), AUTH, MAIL (or FROM), RCPT (or TO).
    #[arg(
        short = 'q',
        long,
        visible_alias = "quit",
        value_name = "STAGE",
        help_heading = "Session"
    )]
    pub quit_after: Option<String>,
    /// Wait this long for each reply: seconds, or 30s, 2m, 1h (default 30s, as swaks).
    #[arg(long, value_name = "TIME", help_heading = "Session")]
    pub timeout: Option<String>,
    /// Connect over IPv4 only.
    #[arg(short = '4', conflicts_with = "ipv6", help_heading = "Session")]
    pub ipv4: bool,
    /// Connect over IPv6 only.
    #[arg(short = '6', help_heading = "Session")]
    pub ipv6: bool,

    /// Authenticate: LOGIN, PLAIN, CRAM-MD5, XOAUTH2 or OAUTHBEARER, any case (no value: LOGIN). Implied by --auth-user (LOGIN) and by a token option (XOAUTH2).
    #[arg(
        short = 'a',
        long,
        value_name = "MECHANISM",
        num_args = 0..=1,
        default_missing_value = "LOGIN",
        help_heading = "Authentication"
    )]
    pub auth: Option<String>,
    /// User name for AUTH.
    #[arg(long, value_name = "USER", help_heading = "Authentication")]
    pub auth_user: Option<String>,
    /// Password for AUTH. Visible to other users in the process list: prefer SMTPLAB_AUTH_PASSWORD, --auth-password-file or the prompt.
    #[arg(long, value_name = "PASSWORD", help_heading = "Authentication")]
    pub auth_password: Option<String>,
    /// Read the AUTH password from the first line of this file.
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "auth_password",
        help_heading = "Authentication"
    )]
    pub auth_password_file: Option<PathBuf>,
    /// Bearer token for XOAUTH2 and OAUTHBEARER. Visible to other users in the process list: prefer SMTPLAB_AUTH_TOKEN or --auth-token-file.
    #[arg(long, value_name = "TOKEN", help_heading = "Authentication")]
    pub auth_token: Option<String>,
    /// Read the bearer token from the first line of this file.
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "auth_token",
        help_heading = "Authentication"
    )]
    pub auth_token_file: Option<PathBuf>,
    /// Show AUTH payloads in the transcript instead of masking them.
    #[arg(long, help_heading = "Authentication")]
    pub show_credentials: bool,

    /// STARTTLS, required: fail (exit 29) if the server does not offer it.
    #[arg(long, help_heading = "TLS")]
    pub tls: bool,
    /// STARTTLS if the server offers it, else go on in plaintext (also --tls-optional-strict).
    #[arg(long, visible_alias = "tls-optional-strict", help_heading = "TLS")]
    pub tls_optional: bool,
    /// TLS from the first byte (implicit TLS, port 465).
    #[arg(long, help_heading = "TLS")]
    pub tls_on_connect: bool,
    /// Stop when the server's certificate does not verify (off by default, as in swaks; the transcript says what the check found either way).
    #[arg(long, help_heading = "TLS")]
    pub tls_verify: bool,
    /// Also trust the CA certificates in this PEM file (besides Mozilla's roots).
    #[arg(long, value_name = "FILE", help_heading = "TLS")]
    pub tls_ca_path: Option<PathBuf>,

    /// A header, "Name: value", replacing one of the same name (repeatable; non-ASCII values are sent as RFC 2047 encoded words). --add-header is the same option (unlike swaks' it also replaces).
    #[arg(
        long = "header",
        visible_alias = "add-header",
        value_name = "NAME: VALUE",
        help_heading = "Message"
    )]
    pub headers: Vec<String>,
    /// Message body: text, @FILE, or - for standard input ("\n" in text is a line break, as in swaks).
    #[arg(long, value_name = "TEXT|@FILE", help_heading = "Message")]
    pub body: Option<String>,
    /// An HTML alternative to the body: HTML, or @FILE (the message becomes multipart/alternative).
    #[arg(long, value_name = "HTML|@FILE", help_heading = "Message")]
    pub html: Option<String>,
    /// The attachments, in the order given.
    #[command(flatten)]
    pub attach: Attachments,
    /// The whole message (headers and body) from FILE (or @FILE; - for standard input), sent byte for byte (only line endings become CRLF).
    #[arg(
        short = 'd',
        long,
        value_name = "FILE",
        conflicts_with_all = ["body", "headers", "html", ATTACH, ATTACH_TYPE, ATTACH_NAME],
        help_heading = "Message"
    )]
    pub data: Option<String>,

    /// Send MAIL, the RCPTs and DATA in one flight when the server offers PIPELINING (RFC 2920).
    #[arg(long, help_heading = "Envelope")]
    pub pipeline: bool,
    /// Send the message with BDAT in chunks of CHUNK bytes (default 1048576) instead of DATA (RFC 3030; the server must offer CHUNKING).
    #[arg(
        long,
        value_name = "CHUNK",
        num_args = 0..=1,
        default_missing_value = "1048576",
        value_parser = clap::value_parser!(u32).range(1..),
        help_heading = "Envelope"
    )]
    pub bdat: Option<u32>,
    /// Put BODY=8BITMIME on MAIL FROM even for a 7-bit message (it is put there anyway when the message has 8-bit bytes).
    #[arg(long = "8bitmime", help_heading = "Envelope")]
    pub eight_bit_mime: bool,
    /// DSN: what a bounce carries, full or hdrs (RET=, RFC 3461; the server must offer DSN).
    #[arg(long, value_name = "full|hdrs", help_heading = "Envelope")]
    pub dsn_ret: Option<String>,
    /// DSN: the envelope id bounces quote (ENVID=).
    #[arg(long, value_name = "ID", help_heading = "Envelope")]
    pub dsn_envid: Option<String>,
    /// DSN: when to notify, never or a list of success, failure, delay (NOTIFY= on every RCPT).
    #[arg(long, value_name = "LIST", help_heading = "Envelope")]
    pub dsn_notify: Option<String>,
    /// DSN: put ORCPT= (the original recipient) on every RCPT.
    #[arg(long, help_heading = "Envelope")]
    pub dsn_orcpt: bool,
    /// End the session at the first refused recipient (by default, as swaks, the message goes to the accepted ones and the refused ones are listed).
    #[arg(long, help_heading = "Envelope")]
    pub strict_rcpt: bool,

    /// Print the machine-readable report (JSON) instead of the transcript.
    #[arg(long, help_heading = "Output")]
    pub json: bool,
    /// 1: print nothing unless an error occurs, then everything; 2: only errors; 3: nothing.
    #[arg(
        short = 'S',
        long,
        value_name = "LEVEL",
        num_args = 0..=1,
        default_missing_value = "1",
        value_parser = clap::value_parser!(u8).range(1..=3),
        help_heading = "Output"
    )]
    pub silent: Option<u8>,
    /// Do not print the lines smtplab sends.
    #[arg(long, help_heading = "Output")]
    pub hide_send: bool,
    /// Do not print the server's replies.
    #[arg(long, help_heading = "Output")]
    pub hide_receive: bool,
    /// Do not print the informational (===) lines.
    #[arg(long, help_heading = "Output")]
    pub hide_informational: bool,
    /// Print only errors and the result.
    #[arg(long, help_heading = "Output")]
    pub hide_all: bool,
    /// Language of the explanations: en or ja (default: ja under a Japanese locale, else en).
    #[arg(long, value_name = "LANG", help_heading = "Output")]
    pub lang: Option<String>,
}

/// The id of `--attach`.
pub const ATTACH: &str = "attach";
/// The id of `--attach-type`.
pub const ATTACH_TYPE: &str = "attach_type";
/// The id of `--attach-name`.
pub const ATTACH_NAME: &str = "attach_name";

/// The file name an attachment is sent with.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum AttachName {
    /// The file's own name (none for standard input).
    #[default]
    FromFile,
    /// `--attach-name` without a value: no file name at all (as swaks).
    Omitted,
    /// `--attach-name NAME`.
    Given(String),
}

/// One `--attach` with the `--attach-type` and `--attach-name` in force for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attach {
    /// The file (`@` prefix removed; `-` is standard input).
    pub file: String,
    /// The last `--attach-type` before it (it applies to every following
    /// `--attach`, as in swaks); `None`: guessed from the name.
    pub content_type: Option<String>,
    /// The `--attach-name` just before it (it applies to the next
    /// `--attach` only, as in swaks).
    pub name: AttachName,
}

/// `--attach`, `--attach-type` and `--attach-name` in command-line order.
/// clap's derive keeps each option's values apart; their order is what
/// says which type and name go with which file, so this reads the
/// matches' indices itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attachments(pub Vec<Attach>);

impl Attachments {
    /// True when nothing is attached.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromArgMatches for Attachments {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let mut items: Vec<(usize, &str, String)> = Vec::new();
        for id in [ATTACH, ATTACH_TYPE, ATTACH_NAME] {
            let (Some(indices), Some(values)) =
                (matches.indices_of(id), matches.get_many::<String>(id))
            else {
                continue;
            };
            for (index, value) in indices.zip(values) {
                items.push((index, id, value.clone()));
            }
        }
        items.sort_by_key(|(index, _, _)| *index);
        let mut content_type: Option<String> = None;
        let mut name = AttachName::FromFile;
        let mut out = Vec::new();
        for (_, id, value) in items {
            match id {
                ATTACH_TYPE => content_type = Some(value),
                ATTACH_NAME if value.is_empty() => name = AttachName::Omitted,
                ATTACH_NAME => name = AttachName::Given(value),
                _ => {
                    let file = match value.strip_prefix('@') {
                        Some(path) => path.to_owned(),
                        None => value,
                    };
                    out.push(Attach {
                        file,
                        content_type: content_type.clone(),
                        name: std::mem::take(&mut name),
                    });
                }
            }
        }
        Ok(Self(out))
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl Args for Attachments {
    fn augment_args(cmd: Command) -> Command {
        cmd.arg(
            Arg::new(ATTACH)
                .long("attach")
                .value_name("FILE")
                .action(ArgAction::Append)
                .help_heading("Message")
                .help("Attach FILE (or @FILE; - for standard input), repeatable; the message becomes multipart/mixed"),
        )
        .arg(
            Arg::new(ATTACH_TYPE)
                .long("attach-type")
                .value_name("TYPE")
                .action(ArgAction::Append)
                .help_heading("Message")
                .help("MIME type of every following --attach, as swaks (default: guessed from the file name)"),
        )
        .arg(
            Arg::new(ATTACH_NAME)
                .long("attach-name")
                .value_name("NAME")
                .num_args(0..=1)
                .default_missing_value("")
                .action(ArgAction::Append)
                .help_heading("Message")
                .help("File name of the next --attach (default: its own; no value: none)"),
        )
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        Self::augment_args(cmd)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        send: SendArgs,
    }

    fn parse(args: &[&str]) -> Result<SendArgs, clap::Error> {
        Cli::try_parse_from(std::iter::once("send").chain(args.iter().copied())).map(|c| c.send)
    }

    #[test]
    fn attach_types_apply_onwards_and_names_to_the_next_file_only() {
        let args = parse(&[
            "--attach",
            "a.bin",
            "--attach-type",
            "application/pdf",
            "--attach-name",
            "report.pdf",
            "--attach",
            "@r.pdf",
            "--attach",
            "s.pdf",
            "--attach-name",
            "--attach",
            "-",
        ])
        .expect("valid");
        let pdf = Some("application/pdf".to_owned());
        assert_eq!(
            args.attach.0,
            vec![
                Attach {
                    file: "a.bin".into(),
                    content_type: None,
                    name: AttachName::FromFile
                },
                Attach {
                    file: "r.pdf".into(),
                    content_type: pdf.clone(),
                    name: AttachName::Given("report.pdf".into())
                },
                Attach {
                    file: "s.pdf".into(),
                    content_type: pdf.clone(),
                    name: AttachName::FromFile
                },
                Attach {
                    file: "-".into(),
                    content_type: pdf,
                    name: AttachName::Omitted
                },
            ]
        );
        assert!(parse(&["--attach"]).is_err(), "--attach needs a file");
    }

    #[test]
    fn envelope_options_parse_and_bdat_takes_an_optional_chunk() {
        let args = parse(&[
            "--pipeline",
            "--bdat",
            "--8bitmime",
            "--dsn-ret",
            "hdrs",
            "--dsn-notify",
            "failure,delay",
            "--dsn-envid",
            "x1",
            "--dsn-orcpt",
            "--strict-rcpt",
        ])
        .expect("valid");
        assert!(args.pipeline && args.eight_bit_mime && args.dsn_orcpt && args.strict_rcpt);
        assert_eq!(args.bdat, Some(1_048_576));
        assert_eq!(args.dsn_ret.as_deref(), Some("hdrs"));
        assert_eq!(args.dsn_notify.as_deref(), Some("failure,delay"));
        assert_eq!(
            parse(&["--bdat", "65536"]).expect("valid").bdat,
            Some(65_536)
        );
        assert_eq!(parse(&[]).expect("valid").bdat, None);
        for bad in ["0", "big"] {
            let err = parse(&["--bdat", bad]).expect_err(bad);
            assert!(err.to_string().contains("--bdat"), "{err}");
        }
        assert!(parse(&["--bdat", "-1"]).is_err());
    }

    #[test]
    fn data_excludes_the_options_that_build_a_message() {
        for other in [
            ["--attach", "a.txt"],
            ["--html", "<p>x</p>"],
            ["--header", "X-A: 1"],
            ["--add-header", "X-A: 1"],
            ["--body", "x"],
        ] {
            let mut args = vec!["--data", "m.eml"];
            args.extend(other);
            assert!(parse(&args).is_err(), "{args:?}");
        }
        let headers = parse(&["--add-header", "X-A: 1", "--header", "X-B: 2"]).expect("valid");
        assert_eq!(
            headers.headers,
            vec!["X-A: 1".to_owned(), "X-B: 2".to_owned()]
        );
        let token = parse(&["--auth-token", "t", "--auth-token-file", "f"]);
        assert!(token.is_err(), "one token source on the command line");
    }
}
