//! The `smtplab` binary: parses arguments, picks the settings file
//! (`--config`, else `smtplab.toml` beside the program, else in the user's
//! config folder: [`settings`]), checks everything before binding anything,
//! sets up logging (stderr; text or JSON as `--log-format` says), binds the
//! listener (a taken default port moves to a free one: [`ports`]) and the
//! metrics listener if asked, starts the embedded SMTP sandbox (likewise; a
//! sandbox that cannot start is a warning), prints the URL line, the sandbox
//! line and how to stop on stdout, opens the default browser ([`browser`]),
//! and runs the bridge until ctrl-c or SIGTERM, then stops the sandbox. The
//! token appears only in that URL line, never in the log. The exit codes
//! are [`exit`]'s. `smtplab send` and `smtplab check` run the engine and
//! the Diagnostics checks in the terminal instead ([`cli`]); `smtplab
//! completions SHELL` and `smtplab man` print what clap generates.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use smtplab_bridge::audit::{JsonLines, LogFormat};
use smtplab_bridge::cli::{self, SendArgs};
use smtplab_bridge::exit::{self, Exit, Failure};
use smtplab_bridge::options::{Options, Startup};
use smtplab_bridge::settings::{self, Choice};
use smtplab_bridge::{browser, ports, sandbox, version};

/// The stdout line after the URL (and sandbox) line.
const STOP_LINE: &str = "Press Ctrl+C (or close this window) to stop smtplab.";

/// smtplab: SMTP testing from a browser tab (the bridge, the default) or a
/// terminal (`smtplab send`, `smtplab check`). With no subcommand, or
/// `smtplab serve`, it serves the smtplab UI and relays its WebSocket
/// sessions to mail servers.
/// Every bridge setting may also come from a TOML file: --config FILE, else
/// smtplab.toml beside the program, else smtplab.toml in the user's config
/// folder (~/.config/smtplab, %APPDATA%\smtplab, ~/Library/Application
/// Support/smtplab); flags override the file.
#[derive(Debug, Parser)]
#[command(
    name = "smtplab",
    version = version::VERSION_DETAIL,
    about = "smtplab: SMTP testing from a browser tab (the bridge, the default) or a terminal (smtplab send, smtplab check)",
    after_help = exit::HELP,
    args_conflicts_with_subcommands = true
)]
struct Cli {
    /// The bridge's flags, when no subcommand is given.
    #[command(flatten)]
    serve: Args,
    /// What to do; the bridge when absent.
    #[command(subcommand)]
    command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
enum Command {
    /// Start the bridge: serve the UI and relay its sessions (the default with no subcommand).
    #[command(after_help = exit::HELP)]
    Serve(Box<Args>),
    /// Send a test message from the terminal: the tab's engine, swaks' options and exit codes.
    #[command(
        after_help = send_help(),
        after_long_help = send_long_help(),
    )]
    Send(Box<SendArgs>),
    /// Run the tab's Diagnostics checks from the terminal: a domain's MX hosts, or one server.
    #[command(after_help = cli::check::HELP, after_long_help = check_long_help())]
    Check(Box<cli::check::CheckArgs>),
    /// Print a shell completion script (bash, zsh, fish, powershell or elvish) to standard output.
    #[command(after_help = COMPLETIONS_HELP)]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) of smtplab, or of one subcommand, to standard output.
    #[command(
        after_help = "Install: smtplab man > ~/.local/share/man/man1/smtplab.1 \
        && smtplab man send > ~/.local/share/man/man1/smtplab-send.1"
    )]
    Man {
        /// The subcommand (serve, send, completions); none: smtplab itself.
        subcommand: Option<String>,
    },
}

/// The man page of `smtplab` or of `smtplab SUBCOMMAND`.
fn man_page(subcommand: Option<&str>) -> Result<Vec<u8>, String> {
    let top = <Cli as clap::CommandFactory>::command();
    let command = match subcommand {
        None => top,
        Some(name) => {
            // `smtplab-send(1)`, as git and cargo name theirs.
            let page = match name {
                "serve" => "smtplab-serve",
                "send" => "smtplab-send",
                "completions" => "smtplab-completions",
                "check" => "smtplab-check",
                _ => {
                    return Err(format!(
                        "no man page for {name:?}: serve, send, check or completions"
                    ))
                }
            };
            let sub = top
                .find_subcommand(name)
                .ok_or_else(|| format!("no subcommand {name:?}"))?
                .clone();
            sub.name(page)
        }
    };
    let mut page = Vec::new();
    clap_mangen::Man::new(command)
        .render(&mut page)
        .map_err(|e| e.to_string())?;
    Ok(page)
}

/// `smtplab completions --help`: where each script goes.
const COMPLETIONS_HELP: &str = "\
Install:
  bash:        smtplab completions bash > ~/.local/share/bash-completion/completions/smtplab
  zsh:         smtplab completions zsh > ~/.zfunc/_smtplab   (with fpath+=~/.zfunc before compinit)
  fish:        smtplab completions fish > ~/.config/fish/completions/smtplab.fish
  powershell:  smtplab completions powershell | Out-String | Invoke-Expression   (add to $PROFILE)";

/// `smtplab send -h`'s footer: the exit codes.
fn send_help() -> String {
    cli::exit::HELP.to_owned()
}

/// `smtplab send --help` and `smtplab help send`: examples, then exit codes.
fn send_long_help() -> String {
    format!("{}\n\n{}", cli::args::EXAMPLES, cli::exit::HELP)
}

/// `smtplab check --help` and `smtplab help check`: examples, then exit codes.
fn check_long_help() -> String {
    format!("{}\n\n{}", cli::check::EXAMPLES, cli::check::HELP)
}

/// The bridge's flags (`smtplab` and `smtplab serve`).
#[derive(Debug, clap::Args)]
struct Args {
    /// TOML settings file (keys as in docs/security.md); only this file is read. Flags override it.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Do not open the default browser at start (also: SMTPLAB_NO_BROWSER set).
    #[arg(long)]
    no_browser: bool,
    /// Address to listen on (default 127.0.0.1:8025, or a free port near it if taken); port 0: any free port.
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// Fixed access token (URL-safe characters); random at every start if unset.
    #[arg(long, env = "SMTPLAB_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Refuse the token this many seconds after start (401 "token expired").
    #[arg(long, value_name = "SECS")]
    token_ttl: Option<u64>,
    /// Another origin whose pages may open a WebSocket (repeatable), e.g. http://ui.example:8080.
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    allow_origins: Vec<String>,
    /// Another target port to allow besides 25, 465, 587 and 2525 (repeatable).
    #[arg(long = "allow-port", value_name = "PORT")]
    allow_ports: Vec<u16>,
    /// Target host, *.domain, address or CIDR allowed even if denied otherwise (repeatable).
    #[arg(long = "allow-target", value_name = "RULE")]
    allow_targets: Vec<String>,
    /// Target host, *.domain, address or CIDR to refuse (repeatable); checked after DNS.
    #[arg(long = "deny-target", value_name = "RULE")]
    deny_targets: Vec<String>,
    /// Refuse loopback/private/link-local targets (default: on off loopback).
    #[arg(long, value_name = "BOOL")]
    deny_internal: Option<bool>,
    /// Connect timeout in ms (DNS included); also caps the client's timeout_ms (default 10000).
    #[arg(long)]
    connect_timeout_ms: Option<u64>,
    /// Close a session after this many ms without relayed bytes (default 300000).
    #[arg(long)]
    idle_timeout_ms: Option<u64>,
    /// Deadline in ms for a request's headers and the TLS handshake (default 10000).
    #[arg(long)]
    header_timeout_ms: Option<u64>,
    /// Close a connection whose writes make no progress for this many ms: the client stopped reading (default 10000).
    #[arg(long)]
    write_timeout_ms: Option<u64>,
    /// How long shutdown waits for sessions to close, in ms (default 5000).
    #[arg(long)]
    shutdown_grace_ms: Option<u64>,
    /// Concurrent WebSocket sessions (default 64).
    #[arg(long)]
    max_sessions: Option<usize>,
    /// Concurrent sessions from one client: an IPv4 address or an IPv6 /64 (default 16).
    #[arg(long)]
    max_sessions_per_client: Option<usize>,
    /// Open TCP connections to the bridge (default: max(256, max sessions + 64)).
    #[arg(long)]
    max_connections: Option<usize>,
    /// Open TCP connections from one client address (default: max(64, max sessions per client + 16)).
    #[arg(long)]
    max_connections_per_client: Option<usize>,
    /// Largest binary frame accepted from the client, in bytes (default 65536).
    #[arg(long)]
    max_frame_bytes: Option<usize>,
    /// Bytes one session may relay, both ways together (default 268435456).
    #[arg(long)]
    max_session_bytes: Option<u64>,
    /// Longest a session may last, in seconds (default 1800).
    #[arg(long, value_name = "SECS")]
    max_session_secs: Option<u64>,
    /// PEM certificate chain: serve the page over HTTPS/WSS.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// PEM private key for --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Allow plain HTTP on a non-loopback address (the token then travels in clear).
    #[arg(long)]
    insecure_listen: bool,
    /// Where the embedded SMTP sandbox listens (default 127.0.0.1:2525, or a free port if taken; loopback only; port 0 for any).
    #[arg(long, value_name = "ADDR")]
    sandbox_listen: Option<SocketAddr>,
    /// Bearer token the sandbox's demo account accepts over AUTH XOAUTH2/OAUTHBEARER (default smtplab-demo-token).
    #[arg(long, value_name = "TOKEN")]
    sandbox_bearer_token: Option<String>,
    /// Do not start the embedded SMTP sandbox.
    #[arg(long, conflicts_with = "sandbox_listen")]
    no_sandbox: bool,
    /// DNS server for the UI's lookups (`resolve`), IP:PORT; default: /etc/resolv.conf.
    #[arg(long, value_name = "ADDR:PORT")]
    dns: Option<SocketAddr>,
    /// Validate the UI's lookups with DNSSEC: answers say whether they were signed, bogus ones are refused.
    #[arg(long)]
    dnssec: bool,
    /// DNSKEY records (zone-file format) to trust besides the root's keys, e.g. a test zone's; implies --dnssec.
    #[arg(long, value_name = "FILE")]
    dnssec_trust_anchor: Option<PathBuf>,
    /// Runtime threads (default 1: lowest latency per session; more spread many sessions over cores).
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Port the MTA-STS policy fetch uses (default 443; for tests and private deployments).
    #[arg(long, value_name = "PORT")]
    mta_sts_port: Option<u16>,
    /// PEM file of CA certificates the MTA-STS policy fetch trusts besides Mozilla's roots (a private CA, tests).
    #[arg(long, value_name = "FILE")]
    mta_sts_ca: Option<PathBuf>,
    /// Header a trusted reverse proxy names the user in (e.g. X-Forwarded-User): such a WebSocket needs no token; needs --trusted-proxy.
    #[arg(long, value_name = "NAME")]
    trust_proxy_header: Option<String>,
    /// Address or CIDR of the proxy whose --trust-proxy-header is believed (repeatable); never 0.0.0.0/0 or ::/0.
    #[arg(long = "trusted-proxy", value_name = "CIDR")]
    trusted_proxies: Vec<String>,
    /// Concurrent sessions of one proxy-named user on this bridge (default: no limit).
    #[arg(long, value_name = "N")]
    max_sessions_per_user: Option<usize>,
    /// Bytes one proxy-named user may relay per rolling hour, both ways (default: no limit).
    #[arg(long, value_name = "N")]
    max_bytes_per_user: Option<u64>,
    /// Log format: text (default) or json (one JSON object per line; one audit line per session).
    #[arg(long, value_name = "FORMAT")]
    log_format: Option<LogFormat>,
    /// Also serve /metrics (Prometheus), /healthz and /readyz here, plain HTTP, no token (e.g. 127.0.0.1:9025).
    #[arg(long, value_name = "ADDR")]
    metrics_listen: Option<SocketAddr>,
}

impl Args {
    /// The flags as options; an absent flag (or empty list) is `None`.
    fn options(&self) -> Options {
        let list = |v: &Vec<String>| (!v.is_empty()).then(|| v.clone());
        Options {
            listen: self.listen,
            token: self.token.clone(),
            token_ttl_secs: self.token_ttl,
            allow_origins: list(&self.allow_origins),
            allow_ports: (!self.allow_ports.is_empty()).then(|| self.allow_ports.clone()),
            allow_targets: list(&self.allow_targets),
            deny_targets: list(&self.deny_targets),
            deny_internal: self.deny_internal,
            max_sessions: self.max_sessions,
            max_sessions_per_client: self.max_sessions_per_client,
            max_connections: self.max_connections,
            max_connections_per_client: self.max_connections_per_client,
            max_frame_bytes: self.max_frame_bytes,
            max_session_bytes: self.max_session_bytes,
            max_session_secs: self.max_session_secs,
            connect_timeout_ms: self.connect_timeout_ms,
            idle_timeout_ms: self.idle_timeout_ms,
            header_timeout_ms: self.header_timeout_ms,
            write_timeout_ms: self.write_timeout_ms,
            shutdown_grace_ms: self.shutdown_grace_ms,
            tls_cert: self.tls_cert.clone(),
            tls_key: self.tls_key.clone(),
            insecure_listen: self.insecure_listen.then_some(true),
            sandbox: self.no_sandbox.then_some(false),
            sandbox_listen: self.sandbox_listen,
            sandbox_bearer_token: self.sandbox_bearer_token.clone(),
            dns: self.dns,
            dnssec: self.dnssec.then_some(true),
            dnssec_trust_anchor: self.dnssec_trust_anchor.clone(),
            threads: self.threads,
            mta_sts_port: self.mta_sts_port,
            mta_sts_ca: self.mta_sts_ca.clone(),
            trust_proxy_header: self.trust_proxy_header.clone(),
            trusted_proxies: list(&self.trusted_proxies),
            max_sessions_per_user: self.max_sessions_per_user,
            max_bytes_per_user: self.max_bytes_per_user,
            log_format: self.log_format,
            metrics_listen: self.metrics_listen,
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return parse_error(&e),
    };
    let args = match cli.command {
        Some(Command::Send(send)) => return cli::send::main(&send).into(),
        Some(Command::Check(check)) => return ExitCode::from(cli::check::main(&check)),
        Some(Command::Serve(args)) => *args,
        Some(Command::Completions { shell }) => {
            let mut command = <Cli as clap::CommandFactory>::command();
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut command, "smtplab", &mut script);
            // A closed pipe (`| head`) is not an error worth a panic.
            let _ = std::io::stdout().write_all(&script);
            return ExitCode::SUCCESS;
        }
        Some(Command::Man { subcommand }) => {
            return match man_page(subcommand.as_deref()) {
                Ok(page) => {
                    let _ = std::io::stdout().write_all(&page);
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    Exit::Usage.into()
                }
            };
        }
        None => cli.serve,
    };
    match start(&args) {
        Ok(()) => Exit::Stopped.into(),
        Err(failure) => {
            eprintln!("error: {failure:#}");
            if holds_window(
                cfg!(windows),
                std::env::args_os().len(),
                std::io::IsTerminal::is_terminal(&std::io::stdin()),
            ) {
                eprintln!("Press Enter to close this window.");
                let _ = std::io::stdin().read_line(&mut String::new());
            }
            failure.exit().into()
        }
    }
}

/// clap's error or help: help and version print and exit 0; a usage error
/// exits 2 for the bridge, but 1 for `smtplab send` (swaks' code for a bad
/// command line, which scripts written for swaks check).
fn parse_error(e: &clap::Error) -> ExitCode {
    let _ = e.print();
    if !e.use_stderr() {
        return ExitCode::SUCCESS;
    }
    match std::env::args_os()
        .nth(1)
        .and_then(|a| a.into_string().ok())
        .as_deref()
    {
        Some("send") => cli::SendExit::Usage.into(),
        // 1 and 2 are `check`'s warn and fail.
        Some("check") => ExitCode::from(3),
        _ => Exit::Usage.into(),
    }
}

/// Targets whose trace and debug events carry relayed bytes: tungstenite
/// logs every message it reads or writes (`Received message AUTH PLAIN …`),
/// so at trace level a plaintext session's password would reach the log.
const PAYLOAD_TARGETS: [&str; 2] = ["tungstenite", "tokio_tungstenite"];

/// Logging on stderr at `RUST_LOG`'s levels (default info), except that
/// [`PAYLOAD_TARGETS`] never log below info, whatever `RUST_LOG` says: a
/// second filter that `RUST_LOG` cannot override (an `EnvFilter` directive
/// could, with a more specific target). `json`: one JSON object per line
/// (tracing-subscriber's, fields flattened), the audit line as
/// `smtplab_bridge::audit` writes it ([`JsonLines`]).
fn init_logging(format: LogFormat) {
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let filter = || {
        tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"))
    };
    let payloads = || {
        tracing_subscriber::filter::filter_fn(|meta| {
            never_logs_payloads(meta.target(), *meta.level())
        })
    };
    match format {
        LogFormat::Text => tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .with_env_filter(filter())
            .finish()
            .with(payloads())
            .init(),
        LogFormat::Json => tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_env_filter(filter())
            .json()
            .event_format(JsonLines(
                tracing_subscriber::fmt::format().json().flatten_event(true),
            ))
            .finish()
            .with(payloads())
            .init(),
    }
}

/// Whether an event or span of `target` at `level` may be logged: anything
/// at info or above, and below info anything outside [`PAYLOAD_TARGETS`]
/// (and their modules).
fn never_logs_payloads(target: &str, level: tracing::Level) -> bool {
    let carries_payload = PAYLOAD_TARGETS.iter().any(|t| {
        target
            .strip_prefix(t)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
    });
    // More verbose levels compare greater: TRACE > DEBUG > INFO.
    !carries_payload || level <= tracing::Level::INFO
}

/// Whether to wait for Enter before exiting with an error: on Windows, a
/// double-clicked program (no arguments, a console of its own) gets a
/// window that closes as soon as it exits, taking the error with it. A
/// start from a script (stdin not a terminal) never waits.
fn holds_window(windows: bool, arg_count: usize, stdin_is_terminal: bool) -> bool {
    windows && arg_count <= 1 && stdin_is_terminal
}

/// Reads the settings, checks them, builds the runtime and serves.
fn start(args: &Args) -> Result<(), Failure> {
    let choice = settings::locate(args.config.as_deref());
    eprintln!("{choice}");
    let file = match &choice {
        Choice::File { path, .. } => Options::load(path)?,
        Choice::Defaults { .. } => Options::default(),
    };
    // Every check happens here, before anything is bound.
    let startup = file.overridden_by(args.options()).into_startup()?;
    init_logging(startup.config.log_format);
    for warning in &startup.warnings {
        eprintln!("{warning}");
    }
    // The runtime's flavour is a setting, so it is built after the checks.
    let runtime = if startup.threads == 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(startup.threads)
            .enable_all()
            .build()
    }
    .context("starting the async runtime")?;
    runtime.block_on(serve(startup, args.no_browser))
}

/// Binds, starts the sandbox, announces the URL, opens the browser and
/// serves until a signal.
async fn serve(startup: Startup, no_browser: bool) -> Result<(), Failure> {
    let mut config = startup.config;
    let shutdown = shutdown_signal().context("installing the signal handlers")?;
    let bound = ports::bind(startup.listen, startup.listen_may_move).await?;
    let listener = bound.listener;
    let addr = listener.local_addr().context("reading the bound address")?;
    // Bound before the announcement: a taken metrics address is a start-up
    // failure (exit code 3), never a bridge without its probes.
    let metrics_listener = match config.metrics_listen {
        Some(metrics_addr) => Some(ports::bind(metrics_addr, false).await?.listener),
        None => None,
    };
    if let Some(from) = bound.moved_from {
        eprintln!("{}", ports::moved_line("smtplab listens", from, addr));
    }
    // The bridge is bound: a sandbox that cannot start is only a warning.
    let sandbox = match startup.sandbox {
        Some(settings) => match ports::start_sandbox(settings, startup.sandbox_may_move).await {
            Ok((handle, moved_from)) => {
                if let Some(from) = moved_from {
                    eprintln!(
                        "{}",
                        ports::moved_line("the SMTP sandbox listens", from, handle.addr())
                    );
                }
                Some(handle)
            }
            Err(warning) => {
                eprintln!("{warning}");
                None
            }
        },
        None => None,
    };
    config.sandbox = sandbox.as_ref().map(sandbox::SandboxLink::new);
    let grace = config.shutdown_grace;
    let url_line = smtplab_bridge::listening_line(addr, &config.token, config.tls.is_some());
    {
        // One write for all lines: a reader that stops after the URL line
        // and closes the pipe cannot make a second write fail.
        let mut lines = url_line.clone() + "\n";
        if let Some(handle) = &sandbox {
            lines.push_str(&sandbox::announcement(handle.addr()));
            lines.push('\n');
        }
        lines.push_str(STOP_LINE);
        lines.push('\n');
        let mut out = std::io::stdout().lock();
        // A closed stdout (a reader that went away) does not stop the bridge.
        let _ = out.write_all(lines.as_bytes()).and_then(|()| out.flush());
    }
    let env = |name: &str| std::env::var_os(name);
    match browser::decide(no_browser, browser::UNIX_DESKTOP, env) {
        Ok(()) => {
            if let Some(url) = url_line.split_whitespace().last() {
                browser::open_in_background(url.to_owned());
            }
        }
        Err(browser::Skip::NoGraphicalSession) => {
            eprintln!("no graphical session (DISPLAY/WAYLAND_DISPLAY unset): open the URL above in a browser");
        }
        Err(browser::Skip::Flag | browser::Skip::Environment) => {}
    }
    smtplab_bridge::run_with_metrics(listener, metrics_listener, config, shutdown)
        .await
        .context("serving")?;
    // The bridge has closed its sessions (the sandbox's clients); now the sandbox.
    if let Some(handle) = sandbox {
        handle.shutdown();
        let _ = tokio::time::timeout(grace, handle.stopped()).await;
    }
    Ok(())
}

/// A future that completes at ctrl-c or (on Unix) SIGTERM. The handlers
/// are installed here, before the URL line announces the bridge, so a
/// signal sent right after the announcement is never missed.
#[cfg(unix)]
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = terminate.recv() => {}
            _ = interrupt.recv() => {}
        }
    })
}

/// A future that completes at ctrl-c.
#[cfg(not(unix))]
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::{holds_window, never_logs_payloads};
    use tracing::Level;

    #[test]
    fn websocket_libraries_never_log_below_info() {
        for target in [
            "tungstenite",
            "tungstenite::protocol",
            "tokio_tungstenite",
            "tokio_tungstenite::compat",
        ] {
            assert!(!never_logs_payloads(target, Level::TRACE), "{target}");
            assert!(!never_logs_payloads(target, Level::DEBUG), "{target}");
            assert!(never_logs_payloads(target, Level::INFO), "{target}");
            assert!(never_logs_payloads(target, Level::WARN), "{target}");
        }
        for target in [
            "smtplab_bridge::session",
            "tungstenitex",
            "hyper",
            "smtplab",
        ] {
            assert!(never_logs_payloads(target, Level::TRACE), "{target}");
        }
    }

    #[test]
    fn only_a_bare_interactive_windows_start_waits_for_enter() {
        assert!(holds_window(true, 1, true));
        assert!(
            !holds_window(true, 2, true),
            "started with arguments: a terminal user"
        );
        assert!(
            !holds_window(true, 1, false),
            "stdin from a script or a service"
        );
        assert!(
            !holds_window(false, 1, true),
            "Linux and macOS terminals stay open"
        );
    }
}
