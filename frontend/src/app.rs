//! The root component: the states, every hook that does IO (the bridge,
//! the Diagnostics checks, persistence, the sandbox, the version), and the
//! page layout. Components get what those hooks offer as `on<verb>`
//! callbacks carrying domain values.
//!
//! # Test ids
//! Every element below has the same `id` and `data-testid`, stable for
//! WebDriver tests.
//!
//! | id | element |
//! | --- | --- |
//! | `views-nav` | the navigation bar: `<a id="view-link-NAME" data-testid="view-link" data-view="NAME" href="#/NAME">`, the current one `aria-current="page"` |
//! | `view-guided`, `view-console`, `view-diagnostics`, `view-inbox`, `view-saved` | the views (`data-testid="view"`, `data-view`); all in the page, every one but the current carries `hidden`; `#/NAME` shows one (anything else: guided), and the shown view takes the focus on a change |
//! | `theme-select` | theme switch: `auto` (follows `prefers-color-scheme`) / `light` / `dark`, remembered in `localStorage["smtplab.theme"]`; the palette shown is `<html data-theme="light|dark">` |
//! | `help-button`, `help-overlay`, `help-close` | the keyboard help (also `?`): a modal dialog listing Ctrl+Enter (run), Esc (cancel / close), `?`, Alt+1…5 (views) |
//! | `verdict-live` | a visually hidden `role="status"` live region: the last run's verdict, announced; `document.title` shows it too (`✓ Delivered · HOST:PORT — smtplab`) |
//! | `bridge-status` | bridge status line; `data-status` = `checking` / `ready` / `problem` |
//! | `session-form` | the guided-session form |
//! | `server-host`, `server-port` | server and port inputs |
//! | `port-preset-25`, `port-preset-587`, `port-preset-465`, `port-preset-2525` | port preset buttons |
//! | `ehlo-name` | EHLO name input |
//! | `auth-mechanism` | AUTH select: `none` / `login` / `plain` |
//! | `auth-username`, `auth-password` | AUTH inputs (present when AUTH is not `none`) |
//! | `mail-from` | MAIL FROM input |
//! | `rcpt-to-0`, `rcpt-to-1`, … | RCPT TO inputs; `rcpt-add` adds one, `rcpt-remove-N` removes one |
//! | `subject`, `body` | message subject input and body textarea |
//! | `stop-after` | stop-after select: `connect` / `ehlo` / `auth` / `mail` / `rcpt` / `data` |
//! | `run-button` | Run (submit); disabled while running |
//! | `cancel-button` | Cancel (present while running) |
//! | `form-error` | validation message shown before anything is sent |
//! | `step-list` | the step list; each `<li data-testid="step" data-step="EHLO" data-status="ok">` (`pending` / `running` / `ok` / `failed` / `skipped`) |
//! | `verdict` | the verdict card, at the top of the run; `data-verdict` = `delivered` / `completed` / `failed` |
//! | `step-timeline` | the steps as an SVG waterfall: one `<g data-testid="timeline-bar" data-step data-status data-ms tabindex="0">` per step, its `timeline-rect` as wide as the step's time; hover or focus shows the reply |
//! | `data-progress` | `<progress>` with `data-sent` / `data-total` bytes while the message goes (DATA or BDAT) |
//! | `cert-chain` | the certificate chain as SVG boxes (`chain-cert`, `data-index`, `data-subject`, `data-issuer`) joined by `chain-link`, each with its `validity-bar` and `validity-today`; `data-result` = `trusted` / `failed` / `skipped` / `unchecked` (above the `tls-cert` list) |
//! | `transcript-as-text`, `transcript-as-diagram` | the transcript's switch (`aria-pressed`); `transcript-diagram` is the client \| server sequence diagram (`seq-arrow` with `data-dir` = `c2s` / `s2c`, `data-code`); the console's are `console-transcript-…` |
//! | `capabilities` | EHLO capabilities with explanations |
//! | `reveal-secrets` | checkbox: show credentials in transcripts and exports |
//! | `transcript` | the guided transcript (`role="log"`); `transcript-copy`, `transcript-download` |
//! | `console-connect`, `console-disconnect`, `console-status` | raw console connection (`data-status` = `disconnected` / `connecting` / `connected`) |
//! | `console-implicit-tls` | checkbox: the console connects with implicit TLS (a typed `STARTTLS` always runs TLS after its 220) |
//! | `console-input`, `console-send` | console line input and Send (Enter also sends) |
//! | `console-ehlo`, `console-noop`, `console-rset`, `console-quit` | console shortcuts |
//! | `b64-input`, `b64-output`, `b64-use` | base64 helper |
//! | `auth-helper-username`, `auth-helper-password`, `auth-helper-build` | AUTH PLAIN line builder |
//! | `console-transcript` | console transcript; `console-transcript-copy`, `console-transcript-download`, `console-transcript-download-json` |
//! | `lang-select` | language selector: `en` / `ja` (follows `navigator.language`, remembered in `localStorage["smtplab.lang"]`); `<html lang>` follows |
//! | `tls-mode` | TLS mode select: `none` / `start_tls` / `start_tls_if_offered` / `implicit` (on an untouched form port 465 preselects `implicit`, 587 `start_tls`; a chosen mode is never changed); `port-tls-mismatch` says when the port usually expects another mode |
//! | `tls-verify` | checkbox: verify the certificate (on by default; present when the mode is not `none`); `tls-verify-off` warns when it is off |
//! | `tls-ca-pem`, `tls-ca-file` | private CA certificates and SHA-256 pins: PEM textarea and file input (a bad PEM refuses Run with `form-error`) |
//! | `tls-panel` | the TLS report (after `TlsEstablished`, or a failed handshake) |
//! | `tls-server-name`, `tls-protocol`, `tls-cipher`, `tls-key-exchange` | negotiated parameters |
//! | `tls-verification` | verification result; `data-result` = `trusted` / `failed` / `skipped` / `unchecked` |
//! | `tls-cert` | one `<li>` per certificate, server first; `data-index`, `data-validity` = `ok` / `soon` / `expired` / `early` / `unknown` |
//! | `verdict-unverified`, `verdict-hint` | in the verdict: "NOT verified" when verification was off; what to change (e.g. STARTTLS required) |
//! | `sandbox-panel` | the sandbox inbox (present when the bridge runs its SMTP sandbox) |
//! | `sandbox-account` | the demo account (`data-user`) |
//! | `sandbox-use` | fill the form for the sandbox (absent when it already targets it; `sandbox-preset` is shown then) |
//! | `sandbox-refresh` | read the inbox again (also done after every delivered run) |
//! | `sandbox-messages`, `sandbox-empty`, `sandbox-error` | the list (newest first), or why there is none |
//! | `sandbox-message` | one `<li data-queue-id="SBX000001">` per message; `sandbox-message-headers` and `sandbox-message-body` inside |
//! | `saved-sessions` | the saved-sessions box |
//! | `save-name`, `save-button` | name input and Save (Enter in the name also saves) |
//! | `remember-password` | checkbox: store the password with the session |
//! | `saved-list` | the list (absent when empty; `saved-empty` then); each `<li data-testid="saved-item" data-name="…" data-password="true|false">` |
//! | `saved-load-N`, `saved-delete-N` | Load / Delete of the N-th saved session (0-based) |
//! | `share-button` | make a share link of the form (refused with `form-error` if the form is invalid) |
//! | `share-link`, `share-copy` | the link (read-only input, `…#s=<base64url JSON>`, no password, no token) and its Copy |
//! | `export-swaks` | show / hide the swaks command (`aria-pressed`) |
//! | `swaks-command`, `swaks-copy` | the equivalent swaks command line (`<pre>`) and its Copy |
//! | `export-session-json` | download the session file (`smtplab-HOST_PORT.session.json`; password only when `reveal-secrets` is on) |
//! | `import-session` | file input: import a session file |
//! | `session-notice` | what the session tools did (above the views); `data-kind` = `info` / `error` |
//! | `transcript-download-json` | the guided transcript as JSON |
//! | `diagnostics` | the Diagnostics panel (in the Diagnostics view) |
//! | `diag-domain-form`, `diag-domain`, `diag-test-primary`, `diag-run-domain` | "Check this domain": domain input, "also test the primary MX" checkbox (adds checks 5 and 8 on the first MX host that answered), submit |
//! | `diag-server-form`, `diag-host`, `diag-port`, `diag-include-delivery`, `diag-run-server` | "Check this server": host, port (also the MX hosts' port), "include a real delivery" checkbox (check 3), submit |
//! | `diag-user`, `diag-from`, `diag-outside`, `diag-ehlo`, `diag-auth-user`, `diag-auth-password`, `diag-timeout` | the checks' inputs: mailbox, sender, open-relay recipient, EHLO name, AUTH PLAIN credentials (empty user: no AUTH), greeting/reply timeout in seconds |
//! | `diag-form-error` | why a run could not start |
//! | `diag-cancel` | stop the running checks (present while running) |
//! | `diag-progress` | the progress list (`data-running` = `true` / `false`); each `<li data-testid="diag-check" data-check="open_relay" data-status="pending|running|done|skipped" data-verdict="pass|warn|fail">` (verdict once done) |
//! | `diag-mx-table` | the MX table of the domain checks; rows `data-testid="diag-mx-row"` with `data-host`, `data-ok` |
//! | `diag-progress-summary` | "Check N of M: …" with `data-done`, `data-total`, `data-current` |
//! | `diag-grid` | the run's results as a check × server grid: cells `data-testid="diag-grid-cell"` with `data-check`, `data-scope`, `data-server`, `data-verdict`, each a button opening the check's result |
//! | `diag-results` | the results; each `<article id="diag-result-<check>" data-verdict="pass|warn|fail">` (`<check>` as in `data-check`: `reachability`, `service`, `delivery`, `domain_servers`, `user_receives`, `domain_receives`, `can_send`, `open_relay`) |
//! | `diag-overall` | the worst verdict (`data-verdict`), once the run is over |
//! | `diag-run-report` | "Domain report": the report's checks on the domain (`data-check` `spf`, `dmarc`, `mta_sts`, `tls_rpt`, `dane`, `reverse_dns`, `mx_tls`, and `dnsbl` when opted in) in one pass |
//! | `diag-dnsbl`, `diag-dnsbl-zones`, `diag-dnsbl-notice` | the opt-in DNS blocklists: checkbox, zones (shown once ticked; spaces or commas), the third-party notice |
//! | `diag-report-progress` | while the report runs: `data-done`, `data-known`, `data-step` (`lookup`, `policy`, `tls`), "Step N of M: …" |
//! | `diag-report`, `diag-report-grid` | the report's grid (`data-servers`): rows `data-testid="diag-report-row"` (`data-check`, `data-verdict`); cells `data-testid="diag-report-cell"` with `data-check`, `data-scope` (`domain`, `overall`, `server`), `data-server` (the MX host), `data-verdict` (`pass`, `warn`, `fail`, `none`), each a button opening the check's details |
//! | `diag-report-details` | each check's `<details id="diag-report-<check>" data-testid="diag-report-check">` (failures open) holding its `diag-result-<check>`; a server's cell adds `diag-report-focus` (`data-server`) with its note and evidence |
//! | `diag-download-text`, `diag-download-json` | the report as text / JSON (`smtplab-diagnostics-<domain or host_port>.txt/.json`; no password) |
//! | `version` | the page footer: the bridge's `smtplab X.Y.Z (commit …, built …)` from `/status` (absent until it answered) |

use smtplab_shared::smtp::Verdict;
use yew::prelude::*;

use crate::browser;
use crate::components::bridge_banner::BridgeBanner;
use crate::components::capability_list::CapabilityList;
use crate::components::console_panel::ConsolePanel;
use crate::components::data_progress::DataProgress;
use crate::components::diagnostics_panel::DiagnosticsPanel;
use crate::components::help_overlay::HelpOverlay;
use crate::components::language_select::LanguageSelect;
use crate::components::sandbox_panel::SandboxPanel;
use crate::components::saved_sessions::SavedSessions;
use crate::components::session_form::SessionForm;
use crate::components::share_export::ShareExport;
use crate::components::step_list::StepList;
use crate::components::step_timeline::StepTimeline;
use crate::components::theme_select::ThemeSelect;
use crate::components::tls_panel::TlsPanel;
use crate::components::transcript_view::TranscriptView;
use crate::components::verdict_panel::VerdictPanel;
use crate::components::view_nav::ViewNav;
use crate::components::StateHandle;
use crate::diagnostics::DiagState;
use crate::hooks::{
    use_bridge, use_checks, use_files, use_persistence, use_sandbox, use_shortcuts, use_theme,
    use_version, use_view, ConsoleTarget, Shortcut,
};
use crate::i18n::views::{tv, tvf, Vm};
use crate::i18n::{t, Msg};
use crate::note::Note;
use crate::session_file::file_name;
use crate::state::{Action, BridgeStatus, ConsoleAction, FormAction, State};
use crate::title::page_title;
use crate::verdict::VerdictView;
use crate::views::View;

/// Starts the tab: marks the wasm start for the start-up figures, then
/// renders [`App`] into the page body.
pub fn start() {
    // The wasm is compiled and instantiated: what is left is the app's own
    // start and first render (`smtplab:rendered`, marked by the app).
    browser::mark("smtplab:wasm-started");
    yew::Renderer::<App>::new().render();
}

/// The page.
#[component]
pub(crate) fn App() -> Html {
    let state = use_reducer_eq(State::default);
    let bridge = use_bridge(state.dispatcher());
    let persistence = use_persistence(&state);
    let files = use_files(&state);
    let sandbox = use_sandbox(state.dispatcher());
    let version = use_version();
    let diagnostics = use_reducer_eq(DiagState::default);
    let checks = use_checks(diagnostics.dispatcher());
    let view = use_view();
    let theme = use_theme();
    let help_open = use_state_eq(|| false);
    // The console and the Diagnostics panel sit below the guided session and
    // are not needed for the first paint: they join in the render right
    // after the first one, so a first visit shows the form sooner (a cold
    // page pays for every component's first run: docs/benchmarks.md).
    let below_ready = use_state_eq(|| false);
    {
        // Effects run once the render is in the page: the first one marks
        // the app's first render for the start-up figures.
        let below_ready = below_ready.clone();
        use_effect_with((), move |()| {
            browser::mark("smtplab:rendered");
            below_ready.set(true);
        });
    }
    {
        // A delivered run (to the sandbox or not) may have added a message.
        let refresh = sandbox.refresh.clone();
        let delivered = state.inbox.enabled()
            && state.run.as_ref().is_some_and(|r| {
                r.outcome
                    .as_ref()
                    .is_some_and(|o| o.verdict == Verdict::Delivered)
            });
        let run_id = state
            .run
            .as_ref()
            .and_then(|r| r.transcript.items().first().map(|e| e.id))
            .filter(|_| delivered);
        use_effect_with(run_id, move |id| {
            if id.is_some() {
                refresh.emit(());
            }
        });
    }
    let lang = state.lang;

    let onrun = {
        let state = state.clone();
        let run = bridge.run.clone();
        Callback::from(move |()| {
            // The bridge lets the tab reach its own sandbox whatever the port policy says.
            let sandbox = state
                .inbox
                .info
                .as_ref()
                .is_some_and(|i| i.is_target(&state.form.fields.host, &state.form.fields.port));
            let policy = match &state.bridge {
                BridgeStatus::Ready(policy) if !sandbox => Some(policy),
                _ => None,
            };
            let date = browser::rfc5322_now();
            let message_id = browser::new_message_id(state.form.fields.message_id_domain());
            match state
                .form
                .fields
                .to_run_spec(policy, &date, &message_id, &browser::idn_to_ascii)
            {
                Ok(spec) => run.emit((spec, state.form.fields.tls_options())),
                Err(e) => state.dispatch(Action::Form(FormAction::Invalid(e))),
            }
        })
    };
    let onconsoleconnect = {
        let state = state.clone();
        let connect = bridge.console_connect.clone();
        Callback::from(move |()| {
            let policy = match &state.bridge {
                BridgeStatus::Ready(policy) => Some(policy),
                _ => None,
            };
            match state.form.fields.console_target(policy) {
                Ok((host, port)) => connect.emit(ConsoleTarget {
                    host,
                    port,
                    implicit_tls: state.console.implicit_tls,
                    tls: state.form.fields.tls_options(),
                }),
                Err(e) => state.dispatch(Action::Console(ConsoleAction::Note {
                    at_ms: 0,
                    error: true,
                    note: Note::Form(e),
                })),
            }
        })
    };
    // The checks use the guided session's TLS choices (verify, CA, pins);
    // memoised on them, so the panel does not re-render on every event.
    let onchecks = use_callback(
        (state.form.fields.tls_options(), checks.run.clone()),
        |plan, (tls, run)| run.emit((plan, tls.clone())),
    );
    let ontogglereveal = {
        let state = state.clone();
        Callback::from(move |_: Event| state.dispatch(Action::ToggleReveal))
    };

    // The page title and the live region follow the last run.
    let title = page_title(
        lang,
        state.run.as_ref().map(|r| {
            (
                r.target.as_str(),
                r.running,
                r.outcome.as_ref().map(|o| &o.verdict),
            )
        }),
    );
    use_effect_with(title, |title| browser::set_title(title));
    let live = state
        .run
        .as_ref()
        .and_then(|r| r.outcome.as_ref())
        .map(|o| VerdictView::from_outcome(o, lang).headline)
        .unwrap_or_default();

    let onshortcut = {
        let state = state.clone();
        let onrun = onrun.clone();
        let cancel = bridge.cancel.clone();
        let cancel_checks = checks.cancel.clone();
        let diagnostics_running = diagnostics.running();
        let help_open = help_open.clone();
        Callback::from(move |shortcut| {
            let running = state.run.as_ref().is_some_and(|r| r.running);
            match shortcut {
                Shortcut::Run if !running => {
                    // The run shows in the guided view: go there to see it.
                    help_open.set(false);
                    browser::set_fragment(&View::Guided.fragment());
                    onrun.emit(());
                }
                Shortcut::Run => {}
                Shortcut::Escape if *help_open => {
                    help_open.set(false);
                    browser::focus_id("help-button");
                }
                Shortcut::Escape if running => cancel.emit(()),
                Shortcut::Escape if diagnostics_running && view == View::Diagnostics => {
                    cancel_checks.emit(())
                }
                Shortcut::Escape => {}
                Shortcut::Help => help_open.set(true),
                Shortcut::Show(to) => browser::set_fragment(&to.fragment()),
            }
        })
    };
    use_shortcuts(onshortcut);
    let onhelp = {
        let help_open = help_open.clone();
        Callback::from(move |_: MouseEvent| help_open.set(true))
    };
    let onhelpclose = {
        let help_open = help_open.clone();
        Callback::from(move |()| {
            help_open.set(false);
            browser::focus_id("help-button");
        })
    };

    let run = state.run.as_ref();
    let stem = run
        .map(|r| file_name(&r.target, ""))
        .unwrap_or_else(|| "smtplab".to_owned());
    let handle: StateHandle = state.clone();
    // A view is drawn while shown; the others join after the first render
    // (a cold page pays for every component's first run, so the shown view
    // paints sooner) and then stay in the page, hidden, so what they hold
    // (a typed console line, the checks' inputs) survives a change of view.
    let drawn = |v: View| v == view || *below_ready;
    // "Diagnostics view": the panels inside are regions named by their
    // headings ("Diagnostics"), and two landmarks must not share a name.
    let view_attrs = |v: View| {
        (
            format!("view-{}", v.name()),
            v != view,
            tvf(lang, Vm::ViewRegion, &[tv(lang, v.label())]),
        )
    };
    let inbox_on = state.inbox.info.as_ref().is_some_and(|i| i.enabled);
    html! {
        <ContextProvider<StateHandle> context={handle}>
            <header class="top">
                <h1>{ "smtplab" }</h1>
                <BridgeBanner />
                <div class="header-tools">
                    <LanguageSelect onchange={persistence.set_lang.clone()} />
                    <ThemeSelect theme={theme.theme} onchange={theme.set.clone()} />
                    <button type="button" id="help-button" data-testid="help-button" class="help-button"
                            aria-haspopup="dialog" aria-keyshortcuts="?" onclick={onhelp}
                            title={tv(lang, Vm::HelpButton)}>
                        <span aria-hidden="true">{ "?" }</span>
                        <span class="visually-hidden">{ tv(lang, Vm::HelpButton) }</span>
                    </button>
                </div>
            </header>
            <ViewNav current={view} />
            <div id="verdict-live" data-testid="verdict-live" class="visually-hidden" role="status"
                 aria-live="polite">{ live }</div>
            // What the session tools did (a link or a file loaded, a save):
            // above every view, so a share link's notice shows where it lands.
            if let Some(notice) = &state.tools.notice {
                <p id="session-notice" data-testid="session-notice"
                   data-kind={if notice.is_error() { "error" } else { "info" }}
                   class={classes!("notice", if notice.is_error() { "form-error" } else { "hint" })}
                   role={if notice.is_error() { "alert" } else { "status" }}>
                    { notice.describe(lang) }
                </p>
            }
            <main id="main">
                { for View::ALL.into_iter().map(|v| {
                    let (id, hidden, label) = view_attrs(v);
                    let body = if !drawn(v) {
                        html! {}
                    } else {
                        match v {
                            View::Guided => html! {
                                <div class="layout">
                                    <section class="pane" aria-labelledby="guided-title">
                                        <h2 id="guided-title">{ t(lang, Msg::GuidedSession) }</h2>
                                        <SessionForm onrun={onrun.clone()} oncancel={bridge.cancel.clone()}
                                                     oncafile={persistence.load_ca.clone()}
                                                     onattach={files.attach.clone()}
                                                     onloadmessage={files.load_message.clone()} />
                                    </section>
                                    <section class="pane" aria-labelledby="results-title">
                                        <h2 id="results-title">{ t(lang, Msg::RunHeading) }</h2>
                                        if let Some(outcome) = run.and_then(|r| r.outcome.clone()) {
                                            <VerdictPanel {outcome} />
                                        }
                                        <StepTimeline />
                                        <DataProgress />
                                        <StepList />
                                        if let Some(report) = run.and_then(|r| r.tls.clone()) {
                                            <TlsPanel {report} />
                                        }
                                        if let Some(capabilities) = run.and_then(|r| r.capabilities.clone()) {
                                            <CapabilityList {capabilities} />
                                        }
                                        <div class="reveal">
                                            <input type="checkbox" id="reveal-secrets" data-testid="reveal-secrets"
                                                   checked={state.reveal} onchange={ontogglereveal.clone()} />
                                            <label for="reveal-secrets">{ t(lang, Msg::ShowCredentials) }</label>
                                        </div>
                                        <TranscriptView entries={run.map(|r| r.transcript.clone()).unwrap_or_default()}
                                                        outcome={run.and_then(|r| r.outcome.clone())} reveal={state.reveal}
                                                        id="transcript" file_name={stem.clone()}
                                                        label={t(lang, Msg::SessionTranscript)} />
                                    </section>
                                </div>
                            },
                            View::Console => html! {
                                <ConsolePanel onconnect={onconsoleconnect.clone()}
                                              onsend={bridge.console_send.clone()}
                                              ondisconnect={bridge.console_disconnect.clone()} />
                            },
                            View::Diagnostics => html! {
                                <DiagnosticsPanel state={diagnostics.clone()} onrun={onchecks.clone()}
                                                  oncancel={checks.cancel.clone()} />
                            },
                            View::Inbox if inbox_on => html! {
                                <div class="pane"><SandboxPanel onrefresh={sandbox.refresh.clone()} /></div>
                            },
                            View::Inbox => html! {
                                <div class="pane">
                                    <h2>{ tv(lang, Vm::Inbox) }</h2>
                                    <p id="inbox-none" data-testid="inbox-none" class="hint">{ tv(lang, Vm::InboxNone) }</p>
                                </div>
                            },
                            View::Saved => html! {
                                <section class="pane tools" aria-labelledby="tools-title">
                                    <h2 id="tools-title">{ t(lang, Msg::ToolsHeading) }</h2>
                                    <p class="hint">{ tv(lang, Vm::SavedIntro) }</p>
                                    <SavedSessions />
                                    <ShareExport onimport={persistence.import.clone()} />
                                </section>
                            },
                        }
                    };
                    html! {
                        <section key={v.name()} {id} data-testid="view" data-view={v.name()} tabindex="-1"
                                 class={classes!("view", format!("view-{}", v.name()))} {hidden}
                                 aria-label={label}>
                            { body }
                        </section>
                    }
                }) }
            </main>
            if let Some(version) = version {
                <footer id="version" data-testid="version" class="hint">{ version }</footer>
            }
            if *help_open {
                <HelpOverlay onclose={onhelpclose} />
            }
        </ContextProvider<StateHandle>>
    }
}
