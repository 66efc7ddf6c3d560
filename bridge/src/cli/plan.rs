//! From `smtplab send`'s options (and a session file) to what the driver
//! runs: the engine's [`SessionSpec`], the TLS choices, the timeout and the
//! output settings. Everything wrong here is a bad command line (exit 1).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use smtplab_shared::smtp::{
    compose_message, AuthMechanism, AuthSpec, Secret, SessionSpec, Stage, Timeouts, TlsMode,
};

use super::args::SendArgs;
use super::output::Lang;

/// swaks' default timeout for each reply.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// swaks' default body.
pub const DEFAULT_BODY: &str = "This is a test mailing\n";
/// The environment variable the password may come from.
pub const PASSWORD_ENV: &str = "SMTPLAB_AUTH_PASSWORD";

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
}

/// Asks for a password on the terminal, given the question.
pub type Prompt<'a> = &'a mut dyn FnMut(&str) -> std::io::Result<String>;

/// Where a password may come from besides the options; passed in so the
/// order is testable.
pub struct PasswordSources<'a> {
    /// The value of [`PASSWORD_ENV`], if set.
    pub env: Option<String>,
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
    let ehlo_name = match (&args.ehlo, &file) {
        (Some(name), _) => name.clone(),
        (None, Some(f)) => f.ehlo_name.clone(),
        (None, None) => host_name(),
    };
    let mail_from = match (&args.from, &file) {
        (Some(from), _) if from == "<>" => String::new(),
        (Some(from), _) => from.clone(),
        (None, Some(f)) => f.mail_from.clone(),
        (None, None) => format!("{}@{}", user_name(), host_name()),
    };
    let rcpt_to: Vec<String> = if args.to.is_empty() {
        file.as_ref().map(|f| f.rcpt_to.clone()).unwrap_or_default()
    } else {
        args.to
            .iter()
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty())
            .collect()
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
    let auth = auth(
        args,
        file.as_ref().and_then(|f| f.auth.as_ref()),
        passwords,
        &mut password_on_command_line,
    )?;
    let message = message(args, file.as_ref(), &mail_from, &rcpt_to, &ehlo_name)?;
    let spec = SessionSpec {
        host,
        port,
        ehlo_name,
        auth,
        mail_from,
        rcpt_to,
        message: message.into_bytes(),
        stop_after,
        timeouts: Timeouts {
            greeting_ms: timeout_ms,
            reply_ms: timeout_ms,
        },
        tls,
        envelope: Default::default(),
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
    })
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

fn mechanism(text: &str) -> Result<AuthMechanism, UsageError> {
    match text.to_ascii_uppercase().as_str() {
        "LOGIN" | "" => Ok(AuthMechanism::Login),
        "PLAIN" => Ok(AuthMechanism::Plain),
        other => Err(usage(format!(
            "--auth {other}: smtplab speaks LOGIN and PLAIN"
        ))),
    }
}

fn auth(
    args: &SendArgs,
    file: Option<&AuthSpec>,
    passwords: PasswordSources<'_>,
    on_command_line: &mut bool,
) -> Result<Option<AuthSpec>, UsageError> {
    let wanted = args.auth.is_some()
        || args.auth_user.is_some()
        || args.auth_password.is_some()
        || args.auth_password_file.is_some()
        || file.is_some();
    if !wanted {
        return Ok(None);
    }
    let mechanism = match (&args.auth, file) {
        (Some(m), _) => mechanism(m)?,
        (None, Some(f)) => f.mechanism,
        (None, None) => AuthMechanism::Login,
    };
    let username = match (&args.auth_user, file) {
        (Some(u), _) => u.clone(),
        (None, Some(f)) => f.username.clone(),
        (None, None) => return Err(usage("--auth needs --auth-user")),
    };
    let file_password = file
        .map(|f| f.password.expose().to_owned())
        .filter(|p| !p.is_empty());
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

/// The message: `--data` as is; else the session file's message (with
/// `--header`/`--body` applied); else composed as swaks does.
fn message(
    args: &SendArgs,
    file: Option<&SessionSpec>,
    from: &str,
    to: &[String],
    ehlo: &str,
) -> Result<String, UsageError> {
    if let Some(data) = &args.data {
        let path = data.strip_prefix('@').unwrap_or(data);
        return read_source(path, "--data");
    }
    let body = match &args.body {
        Some(b) if b == "-" => Some(read_source("-", "--body")?),
        Some(b) if b.starts_with('@') => Some(read_source(&b[1..], "--body")?),
        Some(b) => Some(b.replace("\\n", "\n")),
        None => None,
    };
    let mut message = match (file, body) {
        (Some(f), None) => String::from_utf8_lossy(&f.message).into_owned(),
        (Some(f), Some(body)) => {
            let text = String::from_utf8_lossy(&f.message).replace("\r\n", "\n");
            let head = text.split_once("\n\n").map_or("", |(h, _)| h);
            format!("{head}\n\n{body}")
        }
        (None, body) => {
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
            let composed = compose_message(
                from,
                to,
                &format!("test {date}"),
                body.as_deref().unwrap_or(DEFAULT_BODY),
                &date,
                &id,
            );
            String::from_utf8_lossy(&composed).into_owned()
        }
    };
    for header in &args.headers {
        message = set_header(&message, header)?;
    }
    Ok(message)
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
        assert!(message.ends_with(DEFAULT_BODY));
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
}
