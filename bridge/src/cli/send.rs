//! The whole `smtplab send`: options → plan → TLS context → connect → the
//! engine over the socket → transcript and exit code.

use std::io::IsTerminal as _;
use std::sync::Arc;
use std::time::Duration;

use smtplab_shared::smtp::{Event, Outcome, Session, TlsMode};
use smtplab_shared::tls::{TlsContext, TlsOptions};
use tokio::time::Instant;

use super::args::SendArgs;
use super::driver::{self, ConnectError};
use super::exit::{self, SendExit};
use super::output::{verdict_text, Lang, Style, Transcript};
use super::plan::{self, PasswordSources, Plan, PASSWORD_ENV, TOKEN_ENV};

/// Runs `smtplab send` with `args`; returns the exit code.
pub fn main(args: &SendArgs) -> SendExit {
    match prepare(args) {
        Ok((plan, style)) => {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("error: cannot start the async runtime: {e}");
                    return SendExit::Internal;
                }
            };
            runtime.block_on(run(plan, style, std::io::stdout()))
        }
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!("Run `smtplab send --help` for the options.");
            SendExit::Usage
        }
    }
}

/// Reads the files, the password and the terminal: the plan and the style.
fn prepare(args: &SendArgs) -> Result<(Plan, Style), plan::UsageError> {
    let lang = plan::language(args.lang.as_deref())?;
    let session_text = match &args.session {
        Some(path) => Some(plan::read_source(&path.to_string_lossy(), "--session")?),
        None => None,
    };
    let mut ask = plan::prompt_password;
    let terminal = std::io::stdin().is_terminal();
    let plan = plan::plan(
        args,
        session_text.as_deref(),
        PasswordSources {
            env: std::env::var(PASSWORD_ENV).ok(),
            token_env: std::env::var(TOKEN_ENV).ok(),
            prompt: if terminal { Some(&mut ask) } else { None },
        },
    )?;
    if plan.password_on_command_line {
        eprintln!(
            "warning: --auth-password on the command line is visible to other users of this computer (ps, shell history); prefer {PASSWORD_ENV}, --auth-password-file or the prompt"
        );
    }
    if plan.token_on_command_line {
        eprintln!(
            "warning: --auth-token on the command line is visible to other users of this computer (ps, shell history); prefer {TOKEN_ENV} or --auth-token-file"
        );
    }
    for warning in &plan.warnings {
        eprintln!("warning: {warning}");
    }
    let hide_all = args.hide_all;
    let style = Style {
        json: args.json,
        silent: args.silent.unwrap_or(0),
        hide_send: args.hide_send || hide_all,
        hide_receive: args.hide_receive || hide_all,
        hide_info: args.hide_informational || hide_all,
        reveal: args.show_credentials,
        color: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        lang,
    };
    Ok((plan, style))
}

/// A TLS context with ring, the system clock, Mozilla's roots and the CA
/// file's certificates.
fn tls_context(plan: &Plan) -> Result<TlsContext, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let clock = Arc::new(rustls::time_provider::DefaultTimeProvider);
    let options = TlsOptions {
        verify: plan.tls_verify,
        mozilla_roots: true,
        extra_ca_pem: plan.ca_pem.clone(),
    };
    TlsContext::new(provider, clock, &options, webpki_roots::TLS_SERVER_ROOTS)
        .map_err(|e| format!("--tls-ca-path: {e}"))
}

/// Runs the plan, printing to `out`; returns the exit code.
pub async fn run<W: std::io::Write>(plan: Plan, style: Style, out: W) -> SendExit {
    let lang = style.lang;
    let mut transcript = Transcript::new(style, out);
    let spec = plan.spec.clone();
    let mut session = if spec.tls == TlsMode::None {
        Session::new(spec.clone())
    } else {
        match tls_context(&plan) {
            Ok(ctx) => Session::with_tls(spec.clone(), ctx),
            Err(e) => {
                eprintln!("error: {e}");
                return SendExit::Usage;
            }
        }
    };
    let start = Instant::now();
    let target = if spec.host.contains(':') {
        format!("[{}]:{}", spec.host, spec.port)
    } else {
        format!("{}:{}", spec.host, spec.port)
    };
    transcript.info(
        Duration::ZERO,
        match lang {
            Lang::En => format!("Trying {target}..."),
            Lang::Ja => format!("{target} に接続しています..."),
        },
    );
    let mut outcome: Option<Outcome> = None;
    let mut connect_error: Option<ConnectError> = None;
    match driver::connect(&spec.host, spec.port, plan.family, plan.timeout).await {
        Ok((stream, peer)) => {
            transcript.info(
                start.elapsed(),
                match lang {
                    Lang::En => format!("Connected to {peer}."),
                    Lang::Ja => format!("{peer} に接続しました。"),
                },
            );
            driver::run(&mut session, stream, start, |now, event| {
                transcript.event(now, &event);
                if let Event::Finished(o) = event {
                    outcome = Some(o);
                }
            })
            .await;
        }
        Err(e) => {
            let now = start.elapsed();
            session.abort(now, e.abort_reason(&spec.host, spec.port));
            while let Some(event) = session.poll_event() {
                if let Event::Finished(o) = event {
                    outcome = Some(o);
                }
            }
            connect_error = Some(e);
        }
    }
    let Some(outcome) = outcome else {
        eprintln!("error: the session ended without a verdict");
        return SendExit::Internal;
    };
    let after_tls = transcript.after_tls()
        && matches!(spec.tls, TlsMode::StartTls | TlsMode::StartTlsIfOffered);
    let exit = match &connect_error {
        Some(_) => SendExit::CannotConnect,
        None => exit::for_verdict(&outcome.verdict, after_tls),
    };
    let words_lang = if style.json { Lang::En } else { lang };
    let text = match &connect_error {
        Some(e) => match words_lang {
            Lang::En => format!("cannot connect to {target}: {e}"),
            Lang::Ja => format!("{target} に接続できません: {e}"),
        },
        None => verdict_text(&outcome, words_lang),
    };
    transcript.finish(&outcome, exit, &text);
    exit
}
