//! From `smtplab send`'s options (and a session file) to what the driver
//! runs: the engine's [`SessionSpec`], the TLS choices, the timeout and the
//! output settings. Everything wrong here is a bad command line (exit 1).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use smtplab_shared::smtp::envelope::check_dsn;
use smtplab_shared::smtp::{
    compose_message, message_parts, AuthMechanism, AuthSpec, DsnNotify, DsnOptions, DsnRet,
    EnvelopeOptions, Secret, SessionSpec, Stage, Timeouts, TlsMode,
};

use super::args::{AttachName, SendArgs};
use super::compose::{self, Composed, FileAttachment};
use super::output::Lang;

/// swaks' default timeout for each reply.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// swaks' default body.
pub const DEFAULT_BODY: &str = "This is a test mailing\n";
/// The environment variable the password may come from.
pub const PASSWORD_ENV: &str = "SMTPLAB_AUTH_PASSWORD";
/// The environment variable the XOAUTH2/OAUTHBEARER token may come from.
pub const TOKEN_ENV: &str = "SMTPLAB_AUTH_TOKEN";

/// A bad command line, in words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

fn usage(text: impl Into<String>) -> UsageError {
    UsageError(text.into())
}

/// Which address family to connect over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Family {
    /// Whatever the name resolves to, in order.
    #[default]
    Any,
    /// `-4`.
    V4,
    /// `-6`.
    V6,
}

/// What the driver runs and how it shows it.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The session.
    pub spec: SessionSpec,
    /// Stop on a certificate that does not verify.
    pub tls_verify: bool,
    /// Extra CA certificates (PEM), from `--tls-ca-path`.
    pub ca_pem: String,
    /// The connect timeout (and each reply's).
    pub timeout: Duration,
    /// `-4` / `-6`.
    pub family: Family,
    /// Where the password came from the command line itself (warned about).
    pub password_on_command_line: bool,
    /// Where the bearer token came from the command line itself (warned about).
    pub token_on_command_line: bool,
    /// What the user should know before the session (printed on stderr):
    /// a `--data` file's bare LFs and over-long lines.
    pub warnings: Vec<String>,
}

/// Asks for a password on the terminal, given the question.
pub type Prompt<'a> = &'a mut dyn FnMut(&str) -> std::io::Result<String>;

/// Where a password may come from besides the options; passed in so the
/// order is testable.
pub struct PasswordSources<'a> {
    /// The value of [`PASSWORD_ENV`], if set.
    pub env: Option<String>,
    /// The value of [`TOKEN_ENV`], if set.
    pub token_env: Option<String>,
    /// Asks on the terminal (`None` when there is no terminal).
    pub prompt: Option<Prompt<'a>>,
}

/// Reads a file named by an option; `-` is standard input.
pub fn read_source(path: &str, what: &str) -> Result<String, UsageError> {
    if path == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .map_err(|e| usage(format!("{what}: cannot read standard input: {e}")))?;
        return Ok(text);
    }
    std::fs::read_to_string(path).map_err(|e| usage(format!("{what}: cannot read {path}: {e}")))
}

/// Reads a file named by an option as bytes (any encoding); `-` is
/// standard input.
pub fn read_bytes(path: &str, what: &str) -> Result<Vec<u8>, UsageError> {
    if path == "-" {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes)
            .map_err(|e| usage(format!("{what}: cannot read standard input: {e}")))?;
        return Ok(bytes);
    }
    std::fs::read(path).map_err(|e| usage(format!("{what}: cannot read {path}: {e}")))
}

/// A host name (`--server`, `--ehlo`) with an internationalised domain
/// name as A-labels (`bücher.example` → `xn--bcher-kva.example`), so DNS
/// and EHLO see ASCII; ASCII names and IP literals stay as they are.
pub fn ascii_host(host: &str, what: &str) -> Result<String, UsageError> {
    if host.is_ascii() {
        return Ok(host.to_owned());
    }
    idna::domain_to_ascii(host).map_err(|e| {
        usage(format!(
            "{what} {host}: not a valid internationalised domain name ({e})"
        ))
    })
}

/// An address with an internationalised domain as A-labels when its local
/// part is ASCII (`kim@bücher.example` → `kim@xn--bcher-kva.example`), so
/// no SMTPUTF8 is needed. A UTF-8 local part has no ASCII form: such an
/// address is kept as it is (the engine then requires SMTPUTF8).
pub fn ascii_domain_address(address: &str, what: &str) -> Result<String, UsageError> {
    if address.is_ascii() {
        return Ok(address.to_owned());
    }
    match address.rsplit_once('@') {
        Some((local, domain)) if local.is_ascii() && !domain.is_empty() => {
            let ascii = idna::domain_to_ascii(domain).map_err(|e| {
                usage(format!(
                    "{what} {address}: {domain:?} is not a valid internationalised domain name ({e})"
                ))
            })?;
            Ok(format!("{local}@{ascii}"))
        }
        _ => Ok(address.to_owned()),
    }
}

/// Builds the plan. `session_text` is the `--session` file's content.
///
/// # Errors
/// A [`UsageError`] naming the option that is wrong.
pub fn plan(
    args: &SendArgs,
    session_text: Option<&str>,
    passwords: PasswordSources<'_>,
) -> Result<Plan, UsageError> {
    let file: Option<SessionSpec> = match session_text {
        Some(text) => Some(serde_json::from_str(text).map_err(|e| {
            usage(format!(
                "--session: not a session file exported by smtplab: {e}"
            ))
        })?),
        None => None,
    };
    let tls = tls_mode(args, file.as_ref().map(|f| f.tls))?;
    let (host, port) = server(args, file.as_ref(), tls)?;
    let host = ascii_host(&host, "--server")?;
    let ehlo_name = match (&args.ehlo, &file) {
        (Some(name), _) => ascii_host(name, "--ehlo")?,
        (None, Some(f)) => f.ehlo_name.clone(),
        (None, None) => host_name(),
    };
    let mail_from = match (&args.from, &file) {
        (Some(from), _) if from == "<>" => String::new(),
        (Some(from), _) => ascii_domain_address(from, "--from")?,
        (None, Some(f)) => f.mail_from.clone(),
        (None, None) => format!("{}@{}", user_name(), host_name()),
    };
    let rcpt_to: Vec<String> = if args.to.is_empty() {
        file.as_ref().map(|f| f.rcpt_to.clone()).unwrap_or_default()
    } else {
        args.to
            .iter()
            .map(|a| a.trim())
            .filter(|a| !a.is_empty())
            .map(|a| ascii_domain_address(a, "--to"))
            .collect::<Result<_, _>>()?
    };
    if rcpt_to.is_empty() {
        return Err(usage("--to is required (one or more recipients)"));
    }
    let timeout = match &args.timeout {
        Some(text) => parse_timeout(text)?,
        None => file
            .as_ref()
            .map(|f| Duration::from_millis(f.timeouts.reply_ms))
            .unwrap_or(DEFAULT_TIMEOUT),
    };
    let timeout_ms = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
    let stop_after = match &args.quit_after {
        Some(stage) => parse_stage(stage)?,
        None => file.as_ref().map_or(Stage::Data, |f| f.stop_after),
    };
    let mut password_on_command_line = false;
    let mut token_on_command_line = false;
    let auth = auth(
        args,
        file.as_ref().and_then(|f| f.auth.as_ref()),
        passwords,
        &mut password_on_command_line,
        &mut token_on_command_line,
    )?;
    let envelope = envelope(args, file.as_ref().map(|f| &f.envelope))?;
    let mut warnings = Vec::new();
    let message = message(
        args,
        file.as_ref(),
        &mail_from,
        &rcpt_to,
        &ehlo_name,
        &mut warnings,
    )?;
    let spec = SessionSpec {
        host,
        port,
        ehlo_name,
        auth,
        mail_from,
        rcpt_to,
        message,
        stop_after,
        timeouts: Timeouts {
            greeting_ms: timeout_ms,
            reply_ms: timeout_ms,
        },
        tls,
        envelope,
    };
    spec.validate()
        .map_err(|e| usage(format!("invalid session: {e}")))?;
    let ca_pem = match &args.tls_ca_path {
        Some(path) => read_source(&path.to_string_lossy(), "--tls-ca-path")?,
        None => String::new(),
    };
    let family = match (args.ipv4, args.ipv6) {
        (true, _) => Family::V4,
        (_, true) => Family::V6,
        _ => Family::Any,
    };
    Ok(Plan {
        spec,
        tls_verify: args.tls_verify,
        ca_pem,
        timeout,
        family,
        password_on_command_line,
        token_on_command_line,
        warnings,
    })
}

/// The envelope options: the session file's, with the options' on top.
fn envelope(
    args: &SendArgs,
    file: Option<&EnvelopeOptions>,
) -> Result<EnvelopeOptions, UsageError> {
    let mut envelope = file.cloned().unwrap_or_default();
    envelope.pipelining |= args.pipeline;
    envelope.eight_bit_mime |= args.eight_bit_mime;
    envelope.strict_recipients |= args.strict_rcpt;
    if let Some(chunk) = args.bdat {
        if chunk == 0 {
            return Err(usage("--bdat 0: the chunk size must be at least 1 byte"));
        }
        envelope.bdat_chunk = Some(chunk);
    }
    let dsn_asked = args.dsn_ret.is_some()
        || args.dsn_envid.is_some()
        || args.dsn_notify.is_some()
        || args.dsn_orcpt;
    if dsn_asked {
        let mut dsn: DsnOptions = envelope.dsn.take().unwrap_or_default();
        if let Some(ret) = &args.dsn_ret {
            dsn.ret = Some(parse_dsn_ret(ret)?);
        }
        if let Some(envid) = &args.dsn_envid {
            dsn.envid = Some(envid.clone());
            check_dsn(&DsnOptions {
                envid: Some(envid.clone()),
                ..DsnOptions::default()
            })
            .map_err(|why| usage(format!("--dsn-envid {envid:?}: {why}")))?;
        }
        if let Some(notify) = &args.dsn_notify {
            dsn.notify = parse_dsn_notify(notify)?;
        }
        dsn.orcpt |= args.dsn_orcpt;
        envelope.dsn = Some(dsn);
    }
    Ok(envelope)
}

/// `--dsn-ret full|hdrs`, any case.
pub fn parse_dsn_ret(text: &str) -> Result<DsnRet, UsageError> {
    match text.trim().to_ascii_uppercase().as_str() {
        "FULL" => Ok(DsnRet::Full),
        "HDRS" => Ok(DsnRet::Hdrs),
        _ => Err(usage(format!("--dsn-ret {text}: expected full or hdrs"))),
    }
}

/// `--dsn-notify never` or a comma-separated list of success, failure and
/// delay, any case (RFC 3461 §4.1: NEVER stands alone).
pub fn parse_dsn_notify(text: &str) -> Result<Vec<DsnNotify>, UsageError> {
    let mut list = Vec::new();
    for word in text.split(',').map(str::trim) {
        let notify = match word.to_ascii_uppercase().as_str() {
            "NEVER" => DsnNotify::Never,
            "SUCCESS" => DsnNotify::Success,
            "FAILURE" => DsnNotify::Failure,
            "DELAY" => DsnNotify::Delay,
            _ => {
                return Err(usage(format!(
                    "--dsn-notify {text}: {word:?} is not one of never, success, failure, delay"
                )))
            }
        };
        if !list.contains(&notify) {
            list.push(notify);
        }
    }
    if list.contains(&DsnNotify::Never) && list.len() > 1 {
        return Err(usage(format!(
            "--dsn-notify {text}: never cannot be combined with success, failure or delay"
        )));
    }
    Ok(list)
}

fn tls_mode(args: &SendArgs, file: Option<TlsMode>) -> Result<TlsMode, UsageError> {
    let chosen: Vec<TlsMode> = [
        (args.tls, TlsMode::StartTls),
        (args.tls_optional, TlsMode::StartTlsIfOffered),
        (args.tls_on_connect, TlsMode::Implicit),
    ]
    .into_iter()
    .filter_map(|(on, mode)| on.then_some(mode))
    .collect();
    match chosen.as_slice() {
        [] => Ok(file.unwrap_or_default()),
        [one] => Ok(*one),
        _ => Err(usage(
            "choose one of --tls, --tls-optional and --tls-on-connect",
        )),
    }
}

/// `--server` (and `--port`): host and port.
fn server(
    args: &SendArgs,
    file: Option<&SessionSpec>,
    tls: TlsMode,
) -> Result<(String, u16), UsageError> {
    let default_port = if tls == TlsMode::Implicit { 465 } else { 25 };
    let (host, port) = match (&args.server, file) {
        (Some(server), _) => split_server(server)?,
        (None, Some(f)) => (f.host.clone(), Some(f.port)),
        (None, None) => {
            return Err(usage(
                "--server is required (smtplab send makes no MX lookup)",
            ))
        }
    };
    let port = args.port.or(port).unwrap_or(default_port);
    if port == 0 {
        return Err(usage("--port must be from 1 to 65535"));
    }
    Ok((host, port))
}

/// `host`, `host:port`, `[v6]`, `[v6]:port`, or a bare IPv6 address.
pub fn split_server(text: &str) -> Result<(String, Option<u16>), UsageError> {
    let bad = || {
        usage(format!(
            "--server {text:?}: expected HOST, HOST:PORT or [IPv6]:PORT"
        ))
    };
    let port = |p: &str| p.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(bad);
    if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or_else(bad)?;
        return match after {
            "" => Ok((host.to_owned(), None)),
            _ => Ok((
                host.to_owned(),
                Some(port(after.strip_prefix(':').ok_or_else(bad)?)?),
            )),
        };
    }
    match text.matches(':').count() {
        0 if !text.is_empty() => Ok((text.to_owned(), None)),
        1 => {
            let (host, p) = text.split_once(':').ok_or_else(bad)?;
            if host.is_empty() {
                return Err(bad());
            }
            Ok((host.to_owned(), Some(port(p)?)))
        }
        // A bare IPv6 address: no port.
        _ if text.parse::<std::net::Ipv6Addr>().is_ok() => Ok((text.to_owned(), None)),
        _ => Err(bad()),
    }
}

/// swaks' `--timeout`: seconds, or a number with `s`, `m` or `h`.
pub fn parse_timeout(text: &str) -> Result<Duration, UsageError> {
    let text = text.trim();
    let (number, unit) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&text[..i], c.to_ascii_lowercase()),
        _ => (text, 's'),
    };
    let n: u64 = number
        .parse()
        .map_err(|_| usage(format!("--timeout {text:?}: expected 30, 30s, 2m or 1h")))?;
    let secs = match unit {
        's' => n,
        'm' => n.saturating_mul(60),
        'h' => n.saturating_mul(3600),
        _ => return Err(usage(format!("--timeout {text:?}: the unit is s, m or h"))),
    };
    if secs == 0 {
        // swaks' "no timeout": a day is as good.
        return Ok(Duration::from_secs(24 * 3600));
    }
    Ok(Duration::from_secs(secs.min(24 * 3600)))
}

/// swaks' `--quit-after` stop points that the engine has.
pub fn parse_stage(text: &str) -> Result<Stage, UsageError> {
    match text.to_ascii_uppercase().as_str() {
        "CONNECT" | "BANNER" => Ok(Stage::Connect),
        "EHLO" | "HELO" | "LHLO" => Ok(Stage::Ehlo),
        "AUTH" => Ok(Stage::Auth),
        "MAIL" | "FROM" => Ok(Stage::Mail),
        "RCPT" | "TO" => Ok(Stage::Rcpt),
        "DATA" => Ok(Stage::Data),
        other => Err(usage(format!(
            "--quit-after {other}: expected CONNECT, BANNER, EHLO, HELO, AUTH, MAIL, FROM, RCPT or TO"
        ))),
    }
}

/// `--auth`'s mechanism, any case.
pub fn mechanism(text: &str) -> Result<AuthMechanism, UsageError> {
    match text.trim().to_ascii_uppercase().as_str() {
        "LOGIN" | "" => Ok(AuthMechanism::Login),
        "PLAIN" => Ok(AuthMechanism::Plain),
        "CRAM-MD5" => Ok(AuthMechanism::CramMd5),
        "XOAUTH2" => Ok(AuthMechanism::XOAuth2),
        "OAUTHBEARER" => Ok(AuthMechanism::OAuthBearer),
        other => Err(usage(format!(
            "--auth {other}: smtplab speaks LOGIN, PLAIN, CRAM-MD5, XOAUTH2 and OAUTHBEARER"
        ))),
    }
}

fn auth(
    args: &SendArgs,
    file: Option<&AuthSpec>,
    passwords: PasswordSources<'_>,
    on_command_line: &mut bool,
    token_on_command_line: &mut bool,
) -> Result<Option<AuthSpec>, UsageError> {
    let token_given = args.auth_token.is_some() || args.auth_token_file.is_some();
    let password_given = args.auth_password.is_some() || args.auth_password_file.is_some();
    let wanted = args.auth.is_some()
        || args.auth_user.is_some()
        || password_given
        || token_given
        || file.is_some();
    if !wanted {
        return Ok(None);
    }
    let mechanism = match (&args.auth, file) {
        (Some(m), _) => mechanism(m)?,
        (None, Some(f)) if !token_given => f.mechanism,
        // A token alone says which kind of AUTH is meant.
        (None, _) if token_given => AuthMechanism::XOAuth2,
        (None, _) => AuthMechanism::Login,
    };
    let username = match (&args.auth_user, file) {
        (Some(u), _) => u.clone(),
        (None, Some(f)) => f.username.clone(),
        (None, None) => {
            return Err(usage(format!(
                "--auth {} needs --auth-user",
                mechanism.as_str()
            )))
        }
    };
    let file_password = file
        .map(|f| f.password.expose().to_owned())
        .filter(|p| !p.is_empty());
    if mechanism.uses_token() {
        let name = mechanism.as_str();
        if password_given {
            return Err(usage(format!(
                "--auth {name} takes a bearer token, not a password: give {TOKEN_ENV}, --auth-token-file or --auth-token"
            )));
        }
        let token = if let Some(t) = &args.auth_token {
            *token_on_command_line = true;
            t.clone()
        } else if let Some(t) = passwords.token_env.filter(|t| !t.is_empty()) {
            t
        } else if let Some(path) = &args.auth_token_file {
            let text = read_source(&path.to_string_lossy(), "--auth-token-file")?;
            text.lines().next().unwrap_or("").trim().to_owned()
        } else {
            file_password.unwrap_or_default()
        };
        if token.is_empty() {
            return Err(usage(format!(
                "--auth {name} needs a bearer token: give {TOKEN_ENV}, --auth-token-file or --auth-token"
            )));
        }
        return Ok(Some(AuthSpec {
            mechanism,
            username,
            password: Secret::new(token),
        }));
    }
    if token_given {
        return Err(usage(format!(
            "--auth-token and --auth-token-file are for XOAUTH2 and OAUTHBEARER; --auth {} takes a password",
            mechanism.as_str()
        )));
    }
    let password = if let Some(p) = &args.auth_password {
        *on_command_line = true;
        p.clone()
    } else if let Some(p) = passwords.env.filter(|p| !p.is_empty()) {
        p
    } else if let Some(path) = &args.auth_password_file {
        let text = read_source(&path.to_string_lossy(), "--auth-password-file")?;
        text.lines().next().unwrap_or("").to_owned()
    } else if let Some(p) = file_password {
        p
    } else if let Some(prompt) = passwords.prompt {
        prompt(&format!("Password for {username}: "))
            .map_err(|e| usage(format!("cannot read the password: {e}")))?
    } else {
        return Err(usage(format!(
            "no AUTH password: give {PASSWORD_ENV}, --auth-password-file or --auth-password (or run on a terminal to be asked)"
        )));
    };
    Ok(Some(AuthSpec {
        mechanism,
        username,
        password: Secret::new(password),
    }))
}

/// The message: `--data` as is (bytes, any encoding); else, with an
/// attachment or `--html`, a MIME message from the shared composer (the
/// session file's Subject and body, or swaks' defaults, as its text);
/// else the session file's message with `--header`/`--body` applied; else
/// composed as swaks does (with `--header`s through the composer).
fn message(
    args: &SendArgs,
    file: Option<&SessionSpec>,
    from: &str,
    to: &[String],
    ehlo: &str,
    warnings: &mut Vec<String>,
) -> Result<Vec<u8>, UsageError> {
    if let Some(data) = &args.data {
        let path = data.strip_prefix('@').unwrap_or(data);
        let bytes = read_bytes(path, "--data")?;
        warnings.extend(compose::whole_message_warnings(path, &bytes));
        return Ok(bytes);
    }
    let body = match &args.body {
        Some(b) if b == "-" => Some(read_source("-", "--body")?),
        Some(b) if b.starts_with('@') => Some(read_source(&b[1..], "--body")?),
        Some(b) => Some(b.replace("\\n", "\n")),
        None => None,
    };
    let html = match &args.html {
        Some(h) if h == "-" => Some(read_source("-", "--html")?),
        Some(h) if h.starts_with('@') => Some(read_source(&h[1..], "--html")?),
        Some(h) => Some(h.clone()),
        None => None,
    };
    let attachments = attachments(args)?;
    let mime = html.is_some() || !attachments.is_empty();
    let headers = args
        .headers
        .iter()
        .map(|h| split_header(h))
        .collect::<Result<Vec<_>, _>>()?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let date = rfc2822_date(now.as_secs());
    let id = format!(
        "<{}.{}.smtplab@{}>",
        now.as_secs(),
        std::process::id(),
        ehlo
    );
    let composed = |subject: String, text: String| {
        compose::build(Composed {
            from,
            to,
            subject,
            text,
            html: html.clone(),
            headers: headers.clone(),
            attachments: attachments.clone(),
            date: date.clone(),
            message_id: id.clone(),
        })
        .map_err(|e| usage(format!("cannot build the message: {e}")))
    };
    let subject = format!("test {date}");
    let ascii_addresses = from.is_ascii() && to.iter().all(|a| a.is_ascii());
    match (file, body) {
        (Some(f), body) if mime => {
            let parts = message_parts(&String::from_utf8_lossy(&f.message));
            composed(parts.subject.unwrap_or(subject), body.unwrap_or(parts.body))
        }
        (Some(f), None) if args.headers.is_empty() => Ok(f.message.clone()),
        (Some(f), body) => {
            let text = String::from_utf8_lossy(&f.message).replace("\r\n", "\n");
            let mut message = match body {
                Some(body) => {
                    let head = text.split_once("\n\n").map_or("", |(h, _)| h);
                    format!("{head}\n\n{body}")
                }
                None => text,
            };
            for header in &args.headers {
                message = set_header(&message, header)?;
            }
            Ok(message.into_bytes())
        }
        (None, body) if mime || (!headers.is_empty() && ascii_addresses) => {
            composed(subject, body.unwrap_or_else(|| DEFAULT_BODY.to_owned()))
        }
        (None, body) => {
            // Plain, or headers with a UTF-8 address (RFC 6532: the MIME
            // composer writes 7-bit messages only): as before.
            let message = compose_message(
                from,
                to,
                &subject,
                body.as_deref().unwrap_or(DEFAULT_BODY),
                &date,
                &id,
            );
            if args.headers.is_empty() {
                return Ok(message);
            }
            let mut text = String::from_utf8_lossy(&message).into_owned();
            for header in &args.headers {
                text = set_header(&text, header)?;
            }
            Ok(text.into_bytes())
        }
    }
}

/// The `--attach` files, read, with their names and types.
fn attachments(args: &SendArgs) -> Result<Vec<FileAttachment>, UsageError> {
    args.attach
        .0
        .iter()
        .map(|a| {
            let bytes = read_bytes(&a.file, "--attach")?;
            let filename = match &a.name {
                AttachName::Given(name) => Some(name.clone()),
                AttachName::Omitted => None,
                AttachName::FromFile if a.file == "-" => None,
                AttachName::FromFile => std::path::Path::new(&a.file)
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned()),
            };
            let content_type = match &a.content_type {
                Some(t) if !t.contains('/') => {
                    return Err(usage(format!(
                        "--attach-type {t:?}: expected a MIME type such as application/pdf"
                    )))
                }
                Some(t) => t.trim().to_owned(),
                None => {
                    compose::guess_content_type(filename.as_deref().unwrap_or(&a.file)).to_owned()
                }
            };
            Ok(FileAttachment {
                filename,
                content_type,
                bytes,
            })
        })
        .collect()
}

/// `--header "Name: value"`: the name and the value (leading space
/// dropped), checked as one header line.
pub fn split_header(header: &str) -> Result<(String, String), UsageError> {
    let (name, value) = header
        .split_once(':')
        .filter(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| usage(format!("--header {header:?}: expected \"Name: value\"")))?;
    if header.contains(['\r', '\n']) {
        return Err(usage("--header: no line breaks"));
    }
    Ok((name.to_owned(), value.trim_start().to_owned()))
}

/// `message` with `header` ("Name: value") replacing every header of the
/// same name, or added at the end of the header block.
pub fn set_header(message: &str, header: &str) -> Result<String, UsageError> {
    let (name, value) = header
        .split_once(':')
        .filter(|(n, _)| !n.trim().is_empty() && !n.contains(char::is_whitespace))
        .ok_or_else(|| usage(format!("--header {header:?}: expected \"Name: value\"")))?;
    if header.contains(['\r', '\n']) {
        return Err(usage("--header: no line breaks"));
    }
    let line = format!("{name}: {}", value.trim_start());
    let text = message.replace("\r\n", "\n");
    let (head, body) = text.split_once("\n\n").unwrap_or((text.as_str(), ""));
    let mut out: Vec<String> = Vec::new();
    let mut replaced = false;
    let mut skipping = false;
    for l in head.lines() {
        if skipping && l.starts_with([' ', '\t']) {
            continue;
        }
        skipping = false;
        let same = l
            .split_once(':')
            .is_some_and(|(n, _)| n.trim().eq_ignore_ascii_case(name.trim()));
        if same {
            skipping = true;
            if !replaced {
                out.push(line.clone());
                replaced = true;
            }
            continue;
        }
        out.push(l.to_owned());
    }
    if !replaced {
        out.push(line);
    }
    Ok(format!(
        "{}\r\n\r\n{}",
        out.join("\r\n"),
        body.replace('\n', "\r\n")
    ))
}

/// `Sun, 06 Dec 2026 05:13:27 +0000` for UNIX seconds (UTC).
pub fn rfc2822_date(unix: u64) -> String {
    smtplab_shared::calendar::rfc5322_date(unix)
}

/// This computer's host name, one word, for EHLO (swaks uses it too).
pub fn host_name() -> String {
    let candidates = [
        std::env::var("HOSTNAME").ok(),
        std::fs::read_to_string("/etc/hostname").ok(),
        std::env::var("COMPUTERNAME").ok(),
    ];
    candidates
        .into_iter()
        .flatten()
        .map(|h| h.trim().to_owned())
        .find(|h| !h.is_empty() && !h.contains(|c: char| c.is_whitespace() || c.is_control()))
        .unwrap_or_else(|| "localhost".to_owned())
}

fn user_name() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|u| !u.trim().is_empty()))
        .map(|u| u.trim().replace(char::is_whitespace, ""))
        .unwrap_or_else(|| "smtplab".to_owned())
}

/// The language: `--lang`, else Japanese under a Japanese locale.
pub fn language(arg: Option<&str>) -> Result<Lang, UsageError> {
    match arg.map(str::to_ascii_lowercase).as_deref() {
        Some("en") => Ok(Lang::En),
        Some("ja") => Ok(Lang::Ja),
        Some(other) => Err(usage(format!("--lang {other}: expected en or ja"))),
        None => {
            let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
                .iter()
                .find_map(|v| std::env::var(v).ok().filter(|l| !l.is_empty()))
                .unwrap_or_default();
            Ok(if locale.starts_with("ja") {
                Lang::Ja
            } else {
                Lang::En
            })
        }
    }
}

/// Reads a password on the terminal without echo (POSIX `stty`; elsewhere
/// with echo, said so).
pub fn prompt_password(question: &str) -> std::io::Result<String> {
    use std::io::Write as _;
    let mut err = std::io::stderr();
    write!(err, "{question}")?;
    err.flush()?;
    let stty = |arg: &str| {
        std::process::Command::new("stty")
            .arg(arg)
            .stdin(std::process::Stdio::inherit())
            .status()
            .is_ok_and(|s| s.success())
    };
    let hidden = cfg!(unix) && stty("-echo");
    let mut line = String::new();
    let read = std::io::stdin().read_line(&mut line);
    if hidden {
        stty("echo");
        writeln!(err)?;
    }
    read?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args() -> SendArgs {
        SendArgs {
            server: Some("mx.example.test".into()),
            from: Some("kim@example.test".into()),
            to: vec!["ted@example.test".into(), "amy@example.test".into()],
            ehlo: Some("client.example.test".into()),
            ..SendArgs::default()
        }
    }

    fn no_password() -> PasswordSources<'static> {
        PasswordSources {
            env: None,
            token_env: None,
            prompt: None,
        }
    }

    #[test]
    fn servers_ports_timeouts_and_stages_parse_as_swaks_writes_them() {
        assert_eq!(split_server("mx:587"), Ok(("mx".into(), Some(587))));
        assert_eq!(split_server("mx"), Ok(("mx".into(), None)));
        assert_eq!(split_server("[::1]:2525"), Ok(("::1".into(), Some(2525))));
        assert_eq!(split_server("::1"), Ok(("::1".into(), None)));
        assert!(split_server("mx:0").is_err());
        assert!(split_server("mx:x").is_err());
        assert_eq!(parse_timeout("30"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_timeout("5s"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_timeout("2m"), Ok(Duration::from_secs(120)));
        assert!(parse_timeout("2w").is_err());
        assert_eq!(parse_stage("rcpt"), Ok(Stage::Rcpt));
        assert_eq!(parse_stage("BANNER"), Ok(Stage::Connect));
        assert!(parse_stage("XCLIENT").is_err());
    }

    #[test]
    fn the_plan_defaults_as_swaks_and_composes_a_message() {
        let plan = plan(&args(), None, no_password()).expect("valid");
        assert_eq!(plan.spec.port, 25);
        assert_eq!(plan.spec.rcpt_to.len(), 2);
        assert_eq!(plan.spec.stop_after, Stage::Data);
        assert_eq!(plan.spec.timeouts.reply_ms, 30_000);
        assert!(plan.spec.auth.is_none());
        let message = String::from_utf8_lossy(&plan.spec.message);
        assert!(message.contains("Subject: test "));
        assert!(message.trim_end().ends_with(DEFAULT_BODY.trim_end()));
        let implicit = SendArgs {
            tls_on_connect: true,
            ..args()
        };
        assert_eq!(
            super::plan(&implicit, None, no_password())
                .expect("valid")
                .spec
                .port,
            465
        );
        let both = SendArgs {
            tls: true,
            tls_on_connect: true,
            ..args()
        };
        assert!(super::plan(&both, None, no_password()).is_err());
        let none = SendArgs {
            to: Vec::new(),
            ..args()
        };
        assert!(super::plan(&none, None, no_password()).is_err());
    }

    #[test]
    fn the_password_comes_from_the_line_the_environment_or_the_prompt() {
        let with_user = SendArgs {
            auth_user: Some("kim".into()),
            ..args()
        };
        let err = plan(&with_user, None, no_password()).expect_err("no password");
        assert!(err.0.contains(PASSWORD_ENV), "{err}");
        let env = plan(
            &with_user,
            None,
            PasswordSources {
                env: Some("from-env".into()),
                token_env: None,
                prompt: None,
            },
        )
        .expect("env");
        let auth = env.spec.auth.expect("auth implied by --auth-user");
        assert_eq!(auth.password.expose(), "from-env");
        assert_eq!(auth.mechanism, AuthMechanism::Login);
        assert!(!env.password_on_command_line);
        let mut asked = |_: &str| Ok("typed".to_owned());
        let prompted = plan(
            &with_user,
            None,
            PasswordSources {
                env: None,
                token_env: None,
                prompt: Some(&mut asked),
            },
        )
        .expect("prompt");
        assert_eq!(prompted.spec.auth.expect("auth").password.expose(), "typed");
        let line = SendArgs {
            auth_password: Some("on-line".into()),
            auth: Some("plain".into()),
            ..with_user
        };
        let line = plan(&line, None, no_password()).expect("line");
        assert!(line.password_on_command_line);
        assert_eq!(
            line.spec.auth.expect("auth").mechanism,
            AuthMechanism::Plain
        );
    }

    #[test]
    fn a_session_file_is_the_base_and_options_override_it() {
        let file = r#"{"host":"127.0.0.1","port":2525,"ehlo_name":"me","mail_from":"a@b.test",
            "rcpt_to":["c@d.test"],"message":"Subject: x\r\n\r\nbody","tls":"start_tls",
            "auth":{"mechanism":"plain","username":"u","password":""}}"#;
        let only = SendArgs::default();
        let plan1 = plan(
            &only,
            Some(file),
            PasswordSources {
                env: Some("pw".into()),
                token_env: None,
                prompt: None,
            },
        )
        .expect("valid");
        assert_eq!(
            (plan1.spec.host.as_str(), plan1.spec.port),
            ("127.0.0.1", 2525)
        );
        assert_eq!(plan1.spec.tls, TlsMode::StartTls);
        assert_eq!(plan1.spec.message, b"Subject: x\r\n\r\nbody");
        assert_eq!(plan1.spec.auth.expect("auth").password.expose(), "pw");
        let over = SendArgs {
            to: vec!["e@f.test".into()],
            port: Some(2526),
            headers: vec!["Subject: y".into()],
            ..SendArgs::default()
        };
        let plan2 = plan(
            &over,
            Some(file),
            PasswordSources {
                env: Some("pw".into()),
                token_env: None,
                prompt: None,
            },
        )
        .expect("valid");
        assert_eq!(plan2.spec.port, 2526);
        assert_eq!(plan2.spec.rcpt_to, vec!["e@f.test".to_owned()]);
        assert_eq!(plan2.spec.message, b"Subject: y\r\n\r\nbody");
        assert!(plan(&only, Some("{}"), no_password()).is_err());
    }

    #[test]
    fn headers_replace_or_add_and_dates_are_rfc_2822() {
        let m = "From: a\r\nSubject: old\r\n  folded\r\n\r\nbody\r\n";
        assert_eq!(
            set_header(m, "Subject: new").expect("ok"),
            "From: a\r\nSubject: new\r\n\r\nbody\r\n"
        );
        assert_eq!(
            set_header(m, "X-Test: 1").expect("ok"),
            "From: a\r\nSubject: old\r\n  folded\r\nX-Test: 1\r\n\r\nbody\r\n"
        );
        assert!(set_header(m, "no colon").is_err());
        assert_eq!(rfc2822_date(0), "Thu, 01 Jan 1970 00:00:00 +0000");
        assert_eq!(
            rfc2822_date(1_796_534_007),
            "Sun, 06 Dec 2026 05:13:27 +0000"
        );
    }

    fn tokens(env: Option<&str>) -> PasswordSources<'static> {
        PasswordSources {
            env: None,
            token_env: env.map(str::to_owned),
            prompt: None,
        }
    }

    #[test]
    fn mechanisms_parse_in_any_case_and_tokens_come_from_their_own_options() {
        for (text, m) in [
            ("login", AuthMechanism::Login),
            ("Plain", AuthMechanism::Plain),
            ("cram-md5", AuthMechanism::CramMd5),
            ("XOAUTH2", AuthMechanism::XOAuth2),
            ("oauthbearer", AuthMechanism::OAuthBearer),
        ] {
            assert_eq!(mechanism(text), Ok(m), "{text}");
        }
        assert!(mechanism("DIGEST-MD5").is_err());
        let xoauth = SendArgs {
            auth: Some("xoauth2".into()),
            auth_user: Some("kim@example.test".into()),
            ..args()
        };
        let err = plan(&xoauth, None, tokens(None)).expect_err("no token");
        assert!(err.0.contains("XOAUTH2 needs a bearer token"), "{err}");
        assert!(err.0.contains(TOKEN_ENV), "{err}");
        let env = plan(&xoauth, None, tokens(Some("ya29.env"))).expect("env token");
        let auth = env.spec.auth.expect("auth");
        assert_eq!(auth.mechanism, AuthMechanism::XOAuth2);
        assert_eq!(auth.password.expose(), "ya29.env");
        assert!(!env.token_on_command_line);
        let line = SendArgs {
            auth_token: Some("ya29.line".into()),
            auth: Some("OAUTHBEARER".into()),
            ..xoauth.clone()
        };
        let line = plan(&line, None, tokens(Some("ya29.env"))).expect("line token");
        assert!(line.token_on_command_line);
        assert_eq!(line.spec.auth.expect("auth").password.expose(), "ya29.line");
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("token");
        std::fs::write(&path, "ya29.file\n").expect("write");
        let file = SendArgs {
            auth: None,
            auth_token_file: Some(path),
            ..xoauth.clone()
        };
        let file = plan(&file, None, tokens(None)).expect("file token");
        let auth = file.spec.auth.expect("a token implies AUTH");
        assert_eq!(auth.mechanism, AuthMechanism::XOAuth2);
        assert_eq!(auth.password.expose(), "ya29.file");
        let password = SendArgs {
            auth_password: Some("pw".into()),
            ..xoauth.clone()
        };
        assert!(plan(&password, None, tokens(None))
            .expect_err("a password for XOAUTH2")
            .0
            .contains("not a password"));
        let login_token = SendArgs {
            auth: Some("LOGIN".into()),
            auth_token: Some("t".into()),
            ..xoauth
        };
        assert!(plan(&login_token, None, tokens(None))
            .expect_err("a token for LOGIN")
            .0
            .contains("XOAUTH2 and OAUTHBEARER"));
    }

    #[test]
    fn envelope_options_reach_the_spec_and_bad_dsn_values_are_named() {
        let all = SendArgs {
            pipeline: true,
            bdat: Some(65_536),
            eight_bit_mime: true,
            strict_rcpt: true,
            dsn_ret: Some("HDRS".into()),
            dsn_envid: Some("run-17".into()),
            dsn_notify: Some("failure, delay".into()),
            dsn_orcpt: true,
            ..args()
        };
        let e = plan(&all, None, no_password())
            .expect("valid")
            .spec
            .envelope;
        assert!(e.pipelining && e.eight_bit_mime && e.strict_recipients);
        assert_eq!(e.bdat_chunk, Some(65_536));
        assert_eq!(
            e.dsn,
            Some(DsnOptions {
                ret: Some(DsnRet::Hdrs),
                envid: Some("run-17".into()),
                notify: vec![DsnNotify::Failure, DsnNotify::Delay],
                orcpt: true,
            })
        );
        assert_eq!(
            plan(&args(), None, no_password())
                .expect("valid")
                .spec
                .envelope,
            EnvelopeOptions::default()
        );
        assert_eq!(parse_dsn_notify("never"), Ok(vec![DsnNotify::Never]));
        assert_eq!(
            parse_dsn_notify("SUCCESS,success"),
            Ok(vec![DsnNotify::Success])
        );
        for bad in ["never,success", "sometimes", "failure,", ""] {
            let err = parse_dsn_notify(bad).expect_err(bad);
            assert!(err.0.starts_with("--dsn-notify"), "{err}");
        }
        let bad = SendArgs {
            dsn_notify: Some("always".into()),
            ..args()
        };
        assert!(plan(&bad, None, no_password()).is_err());
        assert!(parse_dsn_ret("headers").is_err());
        assert_eq!(parse_dsn_ret("Full"), Ok(DsnRet::Full));
        let envid = SendArgs {
            dsn_envid: Some("has space\u{e9}".into()),
            ..args()
        };
        let err = plan(&envid, None, no_password()).expect_err("bad envid");
        assert!(err.0.starts_with("--dsn-envid"), "{err}");
        let zero = SendArgs {
            bdat: Some(0),
            ..args()
        };
        let err = plan(&zero, None, no_password()).expect_err("--bdat 0");
        assert!(err.0.contains("--bdat 0"), "{err}");
    }

    #[test]
    fn idn_domains_become_a_labels_unless_the_local_part_is_utf8() {
        let idn = SendArgs {
            server: Some("mail.bücher.example:2525".into()),
            ehlo: Some("client.bücher.example".into()),
            from: Some("kim@bücher.example".into()),
            to: vec!["ted@例え.jp".into(), "用户@例子.example".into()],
            ..args()
        };
        let spec = plan(&idn, None, no_password()).expect("valid").spec;
        assert_eq!(spec.host, "mail.xn--bcher-kva.example");
        assert_eq!(spec.port, 2525);
        assert_eq!(spec.ehlo_name, "client.xn--bcher-kva.example");
        assert_eq!(spec.mail_from, "kim@xn--bcher-kva.example");
        assert_eq!(spec.rcpt_to[0], "ted@xn--r8jz45g.jp");
        assert_eq!(spec.rcpt_to[1], "用户@例子.example", "kept for SMTPUTF8");
        assert_eq!(
            ascii_domain_address("a@b.example", "--to"),
            Ok("a@b.example".to_owned())
        );
        let bad = ascii_domain_address("a@xn--é.example", "--to").expect_err("bad IDN");
        assert!(bad.0.starts_with("--to a@xn--é.example"), "{bad}");
    }

    #[test]
    fn attachments_html_and_headers_go_through_the_composer() {
        let dir = tempfile::tempdir().expect("temp dir");
        let pdf = dir.path().join("report.pdf");
        std::fs::write(&pdf, b"%PDF-1.7 \xff\x00").expect("write");
        let bin = dir.path().join("blob");
        std::fs::write(&bin, [0u8, 1, 2, 3]).expect("write");
        let mut attach = crate::cli::args::Attachments::default();
        attach.0.push(crate::cli::args::Attach {
            file: pdf.to_string_lossy().into_owned(),
            content_type: None,
            name: AttachName::FromFile,
        });
        attach.0.push(crate::cli::args::Attach {
            file: bin.to_string_lossy().into_owned(),
            content_type: Some("image/png".into()),
            name: AttachName::Given("picture.png".into()),
        });
        let with = SendArgs {
            attach,
            html: Some("<p>hello</p>".into()),
            headers: vec!["X-Campaign: q3".into()],
            body: Some("hello".into()),
            ..args()
        };
        let message = plan(&with, None, no_password())
            .expect("valid")
            .spec
            .message;
        let text = String::from_utf8(message).expect("7-bit");
        for wanted in [
            "multipart/mixed",
            "multipart/alternative",
            "text/html",
            "report.pdf",
            "application/pdf",
            "image/png",
            "picture.png",
            "X-Campaign: q3\r\n",
        ] {
            assert!(text.contains(wanted), "{wanted} in {text}");
        }
        let mut missing = crate::cli::args::Attachments::default();
        let gone = dir.path().join("gone.bin");
        missing.0.push(crate::cli::args::Attach {
            file: gone.to_string_lossy().into_owned(),
            content_type: None,
            name: AttachName::FromFile,
        });
        let err = plan(
            &SendArgs {
                attach: missing,
                ..args()
            },
            None,
            no_password(),
        )
        .expect_err("unreadable");
        assert!(err.0.starts_with("--attach: cannot read "), "{err}");
        assert!(err.0.contains(&*gone.to_string_lossy()), "{err}");
        let headers_only = SendArgs {
            headers: vec!["Subject: 日本語の件名".into()],
            ..args()
        };
        let message = plan(&headers_only, None, no_password())
            .expect("valid")
            .spec
            .message;
        let text = String::from_utf8(message).expect("7-bit");
        assert!(text.contains("Subject: =?utf-8?"), "{text}");
        assert!(text.contains("This is a test mailing"), "{text}");
        let bad = SendArgs {
            headers: vec!["Bad Name: x".into()],
            ..args()
        };
        assert!(plan(&bad, None, no_password()).is_err());
    }

    #[test]
    fn data_is_read_as_bytes_and_warned_about() {
        let dir = tempfile::tempdir().expect("temp dir");
        let eml = dir.path().join("m.eml");
        let bytes = b"Subject: caf\xe9\n\nna\xefve body\n".to_vec();
        std::fs::write(&eml, &bytes).expect("write");
        let data = SendArgs {
            data: Some(format!("@{}", eml.to_string_lossy())),
            ..args()
        };
        let plan = plan(&data, None, no_password()).expect("valid");
        assert_eq!(plan.spec.message, bytes, "byte for byte, not UTF-8");
        assert_eq!(plan.warnings.len(), 1, "{:?}", plan.warnings);
        assert!(plan.warnings[0].contains("bare LF"), "{:?}", plan.warnings);
        let missing = SendArgs {
            data: Some("/nonexistent/m.eml".into()),
            ..args()
        };
        let err = super::plan(&missing, None, no_password()).expect_err("missing");
        assert!(err.0.contains("/nonexistent/m.eml"), "{err}");
    }
}
