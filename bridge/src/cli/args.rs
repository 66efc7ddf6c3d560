//! `smtplab send`'s options, with swaks' names where swaks has one.

use std::path::PathBuf;

use clap::Args;

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
  smtplab send --session smtplab-mail.example.com.json --lang ja";

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

    /// Authenticate: LOGIN or PLAIN (no value: LOGIN). Implied by --auth-user.
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

    /// A header, "Name: value", replacing one of the same name (repeatable).
    #[arg(long = "header", value_name = "NAME: VALUE", help_heading = "Message")]
    pub headers: Vec<String>,
    /// Message body: text, @FILE, or - for standard input ("\n" in text is a line break, as in swaks).
    #[arg(long, value_name = "TEXT|@FILE", help_heading = "Message")]
    pub body: Option<String>,
    /// The whole message (headers and body) from FILE (or @FILE; - for standard input), sent as is.
    #[arg(
        short = 'd',
        long,
        value_name = "FILE",
        conflicts_with_all = ["body", "headers"],
        help_heading = "Message"
    )]
    pub data: Option<String>,

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
