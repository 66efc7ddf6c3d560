//! What `smtplab send` prints: the tab's transcript (swaks' markers, a
//! time on every line, a one-line explanation under every reply, 334
//! challenges decoded, credentials masked unless `--show-credentials`),
//! the step times and the result; or, with `--json`, the report.
//!
//! Markers: ` ->` sent, `<- ` received, `<**` a reply the session could
//! not go on with, ` ~>` / `<~ ` / `<~*` the same over TLS, `===`
//! information, `***` an error.

use std::io::Write;
use std::time::Duration;

use serde_json::{json, Value};
use smtplab_shared::smtp::{
    decode_printable_challenge, explain_code, explain_code_ja, explain_enhanced,
    explain_enhanced_ja, Event, Outcome, Reply, Step, StepTiming, TlsReport, Verdict,
};

use super::exit::SendExit;

/// The language of the explanations and of smtplab's own lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Japanese.
    Ja,
}

/// How to print.
#[derive(Debug, Clone, Copy, Default)]
pub struct Style {
    /// `--json`: only the report, at the end.
    pub json: bool,
    /// `--silent` level: 0 (not silent) to 3.
    pub silent: u8,
    /// `--hide-send`.
    pub hide_send: bool,
    /// `--hide-receive`.
    pub hide_receive: bool,
    /// `--hide-informational`.
    pub hide_info: bool,
    /// `--show-credentials`.
    pub reveal: bool,
    /// ANSI colours (stdout is a terminal and `NO_COLOR` is unset).
    pub color: bool,
    /// Explanations' language.
    pub lang: Lang,
}

/// One transcript entry.
#[derive(Debug, Clone)]
struct Entry {
    at_ms: u64,
    kind: Kind,
}

#[derive(Clone)]
enum Kind {
    Sent {
        text: String,
        display: String,
        secret: bool,
        encrypted: bool,
    },
    Reply {
        reply: Reply,
        expected: bool,
        encrypted: bool,
    },
    Info(String),
    Error(String),
}

impl std::fmt::Debug for Kind {
    /// Never prints a secret line's text.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sent { display, .. } => f.debug_tuple("Sent").field(display).finish(),
            Self::Reply { reply, .. } => f.debug_tuple("Reply").field(reply).finish(),
            Self::Info(t) => f.debug_tuple("Info").field(t).finish(),
            Self::Error(t) => f.debug_tuple("Error").field(t).finish(),
        }
    }
}

/// A printable line: marker, text, colour.
struct Line {
    marker: &'static str,
    text: String,
    color: &'static str,
    explain: bool,
}

/// The transcript of one `smtplab send`, printed as it grows.
pub struct Transcript<W: Write> {
    style: Style,
    out: W,
    entries: Vec<Entry>,
    /// The TLS handshake has finished: what follows is encrypted.
    encrypted: bool,
}

/// `[+   123 ms]`, as the tab.
fn timestamp(at_ms: u64) -> String {
    format!("[+{at_ms:>6} ms]")
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl<W: Write> Transcript<W> {
    /// An empty transcript printing to `out`.
    pub fn new(style: Style, out: W) -> Self {
        Self {
            style,
            out,
            entries: Vec::new(),
            encrypted: false,
        }
    }

    /// The output, for tests.
    pub fn into_inner(self) -> W {
        self.out
    }

    /// True once TLS is up (an EHLO failure is then exit 32).
    pub fn after_tls(&self) -> bool {
        self.encrypted
    }

    /// An `===` line.
    pub fn info(&mut self, at: Duration, text: impl Into<String>) {
        self.push(ms(at), Kind::Info(text.into()));
    }

    /// A `***` line.
    pub fn error(&mut self, at: Duration, text: impl Into<String>) {
        self.push(ms(at), Kind::Error(text.into()));
    }

    /// Records what one engine event shows; `now` is when it was drained.
    pub fn event(&mut self, now: Duration, event: &Event) {
        let lang = self.style.lang;
        match event {
            Event::Sent { line, .. } => {
                let kind = Kind::Sent {
                    text: line.text.clone(),
                    display: line.display.clone(),
                    secret: line.secret,
                    encrypted: self.encrypted,
                };
                self.push(ms(now), kind);
            }
            Event::Reply {
                reply,
                expected,
                at,
                ..
            } => {
                let kind = Kind::Reply {
                    reply: reply.clone(),
                    expected: *expected,
                    encrypted: self.encrypted,
                };
                self.push(ms(*at), kind);
            }
            Event::TlsEstablished(report) => {
                self.encrypted = true;
                self.info(now, tls_line(report, lang));
            }
            Event::TlsSkipped { reason } => {
                let text = match lang {
                    Lang::En => reason.to_string(),
                    Lang::Ja => format!("STARTTLS を使わず平文で続けます: {reason}"),
                };
                self.info(now, text);
            }
            Event::PlaintextDiscarded { bytes, text, .. } => {
                let text = match lang {
                    Lang::En => format!(
                        "{bytes} bytes of plaintext after the 220 to STARTTLS were dropped unread (possibly injected): {text:?}"
                    ),
                    Lang::Ja => format!(
                        "STARTTLS の 220 の後の平文 {bytes} バイトを読まずに捨てました（注入の疑い）: {text:?}"
                    ),
                };
                self.error(now, text);
            }
            Event::Pipelined { commands } => {
                let saved = commands.saturating_sub(1);
                let text = match lang {
                    Lang::En => format!(
                        "PIPELINING: {commands} commands in one flight, {saved} round trips saved"
                    ),
                    Lang::Ja => format!(
                        "PIPELINING: {commands} 個のコマンドを一度に送信（往復 {saved} 回分を節約）"
                    ),
                };
                self.info(now, text);
            }
            Event::PipeliningNotOffered => {
                let text = match lang {
                    Lang::En => {
                        "the server does not offer PIPELINING; commands go one by one".to_owned()
                    }
                    Lang::Ja => {
                        "サーバーは PIPELINING を提供していません。コマンドを一つずつ送ります"
                            .to_owned()
                    }
                };
                self.info(now, text);
            }
            Event::StepStarted { .. }
            | Event::Capabilities(_)
            | Event::StepFinished { .. }
            | Event::Finished(_) => {}
        }
    }

    fn push(&mut self, at_ms: u64, kind: Kind) {
        let entry = Entry { at_ms, kind };
        if !self.style.json && self.style.silent == 0 {
            self.print(&entry, false);
        } else if !self.style.json && self.style.silent == 2 && is_error(&entry) {
            self.print(&entry, true);
        }
        self.entries.push(entry);
    }

    fn visible(&self, entry: &Entry) -> bool {
        match &entry.kind {
            Kind::Sent { .. } => !self.style.hide_send,
            Kind::Reply { expected, .. } => !self.style.hide_receive || !expected,
            Kind::Info(_) => !self.style.hide_info,
            Kind::Error(_) => true,
        }
    }

    fn print(&mut self, entry: &Entry, force: bool) {
        if !force && !self.visible(entry) {
            return;
        }
        let lines = lines(entry, self.style.reveal, self.style.lang);
        let blank = " ".repeat(timestamp(0).len());
        let mut text = String::new();
        for line in lines {
            let stamp = if line.explain {
                blank.clone()
            } else {
                timestamp(entry.at_ms)
            };
            let body = format!("{stamp} {} {}", line.marker, line.text);
            if self.style.color && !line.color.is_empty() {
                text.push_str(&format!("\x1b[{}m{body}\x1b[0m\n", line.color));
            } else {
                text.push_str(&body);
                text.push('\n');
            }
        }
        let _ = self.out.write_all(text.as_bytes());
        let _ = self.out.flush();
    }

    /// Prints the end: the step times and the result line (or the report,
    /// or, `--silent 1` after a failure, everything held back).
    pub fn finish(&mut self, outcome: &Outcome, exit: SendExit, verdict_text: &str) {
        let lang = self.style.lang;
        if self.style.json {
            let report = self.report(outcome, exit, verdict_text);
            let text = serde_json::to_string_pretty(&report).unwrap_or_default();
            let _ = writeln!(self.out, "{text}");
            let _ = self.out.flush();
            return;
        }
        let failed = exit != SendExit::Ok;
        match self.style.silent {
            3 => return,
            2 if !failed => return,
            1 if !failed => return,
            1 => {
                let entries = std::mem::take(&mut self.entries);
                for entry in &entries {
                    self.print(entry, false);
                }
                self.entries = entries;
            }
            _ => {}
        }
        let steps = steps_line(&outcome.steps, lang);
        let result = match (lang, failed) {
            (Lang::En, false) => format!("=== {verdict_text}"),
            (Lang::Ja, false) => format!("=== 成功: {verdict_text}"),
            (Lang::En, true) => format!("*** {verdict_text} (exit {})", exit.code()),
            (Lang::Ja, true) => format!("*** 失敗: {verdict_text}（終了コード {}）", exit.code()),
        };
        let mut text = String::new();
        if self.style.silent == 0 && !self.style.hide_info && !steps.is_empty() {
            text.push_str(&format!("=== {steps}\n"));
        }
        let color = if failed { "1;31" } else { "1;32" };
        if self.style.color {
            text.push_str(&format!("\x1b[{color}m{result}\x1b[0m\n"));
        } else {
            text.push_str(&result);
            text.push('\n');
        }
        for line in after_verdict(outcome, lang) {
            if self.style.color {
                let color = if line.starts_with("***") { "31" } else { "33" };
                text.push_str(&format!("\x1b[{color}m{line}\x1b[0m\n"));
            } else {
                text.push_str(&line);
                text.push('\n');
            }
        }
        let _ = self.out.write_all(text.as_bytes());
        let _ = self.out.flush();
    }

    /// The machine-readable report: the tab's transcript JSON (entries,
    /// `outcome` with its serde codes, `verdict` in English) plus the exit
    /// code and the step times in milliseconds.
    pub fn report(&self, outcome: &Outcome, exit: SendExit, verdict_text: &str) -> Value {
        let rows: Vec<Value> = self
            .entries
            .iter()
            .map(|entry| {
                let lines = lines(entry, self.style.reveal, Lang::En);
                let texts: Vec<&str> = lines
                    .iter()
                    .filter(|l| !l.explain)
                    .map(|l| l.text.as_str())
                    .collect();
                let explains: Vec<&str> = lines
                    .iter()
                    .filter(|l| l.explain)
                    .map(|l| l.text.as_str())
                    .collect();
                let mut row = json!({
                    "at_ms": entry.at_ms,
                    "marker": lines.first().map_or("", |l| l.marker.trim()),
                    "lines": texts,
                });
                match &entry.kind {
                    Kind::Sent {
                        secret, encrypted, ..
                    } => {
                        row["kind"] = json!("sent");
                        row["encrypted"] = json!(encrypted);
                        row["masked"] = json!(*secret && !self.style.reveal);
                    }
                    Kind::Reply {
                        reply,
                        expected,
                        encrypted,
                    } => {
                        row["kind"] = json!("reply");
                        row["encrypted"] = json!(encrypted);
                        row["expected"] = json!(expected);
                        row["code"] = json!(reply.code.as_u16());
                        row["enhanced"] = json!(reply.enhanced.map(|e| e.to_string()));
                        row["explanation"] = json!(explains);
                    }
                    Kind::Info(_) => row["kind"] = json!("info"),
                    Kind::Error(_) => row["kind"] = json!("error"),
                }
                row
            })
            .collect();
        let steps: Vec<Value> = outcome
            .steps
            .iter()
            .map(|t| {
                json!({
                    "step": t.step.to_string(),
                    "ms": t.elapsed.as_secs_f64() * 1000.0,
                    "ok": t.ok,
                })
            })
            .collect();
        let refused: Vec<Value> = outcome
            .refused_recipients
            .iter()
            .map(|r| {
                json!({
                    "index": r.index,
                    "address": r.address,
                    "code": r.reply.code.as_u16(),
                    "enhanced": r.reply.enhanced.map(|e| e.to_string()),
                    "lines": r.reply.lines,
                })
            })
            .collect();
        json!({
            "smtplab_transcript": 1,
            "exit_code": exit.code(),
            "success": exit == SendExit::Ok,
            "verdict": verdict_text,
            "outcome": serde_json::to_value(outcome).unwrap_or(Value::Null),
            "refused_recipients": refused,
            "pipelined_flights": outcome.pipelined_flights,
            "round_trips_saved": round_trips_saved(&outcome.pipelined_flights),
            "steps": steps,
            "entries": rows,
        })
    }
}

/// Round trips PIPELINING saved: a flight of `n` commands saves `n - 1`.
pub fn round_trips_saved(flights: &[usize]) -> usize {
    flights.iter().map(|n| n.saturating_sub(1)).sum()
}

/// The lines after the verdict: each refused recipient with its reply
/// (the message went to the others), and what PIPELINING saved.
pub fn after_verdict(outcome: &Outcome, lang: Lang) -> Vec<String> {
    let mut lines = Vec::new();
    for refused in &outcome.refused_recipients {
        let reply = refused.reply.lines.join(" / ");
        lines.push(match lang {
            Lang::En => format!("*** refused recipient {}: {reply}", refused.address),
            Lang::Ja => format!("*** 拒否された宛先 {}: {reply}", refused.address),
        });
    }
    if !outcome.pipelined_flights.is_empty() {
        let saved = round_trips_saved(&outcome.pipelined_flights);
        let flights: Vec<String> = outcome
            .pipelined_flights
            .iter()
            .map(ToString::to_string)
            .collect();
        lines.push(match lang {
            Lang::En => format!(
                "=== PIPELINING: {saved} round trips saved (flights of {} commands)",
                flights.join(", ")
            ),
            Lang::Ja => format!(
                "=== PIPELINING: 往復 {saved} 回分を節約（{} 個のコマンドを一度に送信）",
                flights.join(", ")
            ),
        });
    }
    lines
}

fn is_error(entry: &Entry) -> bool {
    matches!(
        entry.kind,
        Kind::Error(_)
            | Kind::Reply {
                expected: false,
                ..
            }
    )
}

fn lines(entry: &Entry, reveal: bool, lang: Lang) -> Vec<Line> {
    let plain = |marker, text: String, color| Line {
        marker,
        text,
        color,
        explain: false,
    };
    match &entry.kind {
        Kind::Sent {
            text,
            display,
            secret,
            encrypted,
        } => {
            let shown = if *secret && !reveal { display } else { text };
            vec![plain(
                if *encrypted { " ~>" } else { " ->" },
                shown.clone(),
                "36",
            )]
        }
        Kind::Reply {
            reply,
            expected,
            encrypted,
        } => {
            let (marker, color) = match (expected, encrypted) {
                (true, false) => ("<- ", "32"),
                (false, false) => ("<**", "1;31"),
                (true, true) => ("<~ ", "32"),
                (false, true) => ("<~*", "1;31"),
            };
            let mut out: Vec<Line> = reply
                .lines
                .iter()
                .map(|raw| {
                    let mut text = raw.clone();
                    if reply.code.as_u16() == 334 {
                        if let Some(decoded) =
                            decode_printable_challenge(raw.get(4..).unwrap_or("").trim())
                        {
                            text.push_str(&format!("  ({decoded})"));
                        }
                    }
                    plain(marker, text, color)
                })
                .collect();
            out.push(Line {
                marker: "  #",
                text: explanation(reply, lang),
                color: "2",
                explain: true,
            });
            out
        }
        Kind::Info(text) => vec![plain("===", text.clone(), "33")],
        Kind::Error(text) => vec![plain("***", text.clone(), "31")],
    }
}

/// `250: The requested action was completed. 2.0.0: …`, as the tab.
pub fn explanation(reply: &Reply, lang: Lang) -> String {
    let (code, enhanced, none) = match lang {
        Lang::En => (
            explain_code(reply.code),
            reply.enhanced.map(explain_enhanced),
            "(no explanation for this enhanced code)",
        ),
        Lang::Ja => (
            explain_code_ja(reply.code),
            reply.enhanced.map(explain_enhanced_ja),
            "（この拡張ステータスコードの説明はありません）",
        ),
    };
    let mut text = format!("{}: {code}", reply.code);
    if let (Some(e), Some(words)) = (reply.enhanced, enhanced) {
        text.push_str(&format!(" {e}: {}", words.unwrap_or(none)));
    }
    text
}

fn tls_line(report: &TlsReport, lang: Lang) -> String {
    let protocol = report.protocol.as_deref().unwrap_or("?");
    let cipher = report.cipher_suite.as_deref().unwrap_or("?");
    let subject = report
        .chain
        .first()
        .map_or(String::new(), |c| format!(", {}", c.subject));
    let check = report
        .verification
        .as_ref()
        .map_or(String::new(), |v| format!("; {v}"));
    match lang {
        Lang::En => format!("TLS started: {protocol}, {cipher}{subject}{check}"),
        Lang::Ja => format!("TLS 開始: {protocol}, {cipher}{subject}{check}"),
    }
}

fn steps_line(steps: &[StepTiming], lang: Lang) -> String {
    let list: Vec<String> = steps
        .iter()
        .map(|t| {
            let mark = if t.ok { "" } else { " ✗" };
            format!(
                "{} {:.1} ms{mark}",
                t.step,
                t.elapsed.as_secs_f64() * 1000.0
            )
        })
        .collect();
    if list.is_empty() {
        return String::new();
    }
    let total: f64 = steps
        .iter()
        .filter(|t| t.step != Step::Quit)
        .map(|t| t.elapsed.as_secs_f64() * 1000.0)
        .sum();
    match lang {
        Lang::En => format!("steps: {} (total {total:.1} ms)", list.join(", ")),
        Lang::Ja => format!("ステップ: {}（合計 {total:.1} ms）", list.join(", ")),
    }
}

/// The result sentence: English (`--json` carries it too) or Japanese.
pub fn verdict_text(outcome: &Outcome, lang: Lang) -> String {
    match (&outcome.verdict, lang) {
        (Verdict::Delivered, Lang::En) => match &outcome.queue_id {
            Some(q) => format!("delivered: {q}"),
            None => "delivered".to_owned(),
        },
        (Verdict::Delivered, Lang::Ja) => match &outcome.queue_id {
            Some(q) => format!("配送されました: {q}"),
            None => "配送されました".to_owned(),
        },
        (Verdict::Completed { stage }, Lang::En) => {
            format!("completed (stopped after {stage:?} as asked)")
        }
        (Verdict::Completed { stage }, Lang::Ja) => {
            format!("指定どおり {stage:?} の後で終了しました")
        }
        (verdict @ Verdict::Failed { .. }, Lang::En) => verdict.to_string(),
        // The step and the engine's typed reason: the reason's English
        // words stay (they are the export's, and carry the server's text).
        (Verdict::Failed { step, reason }, Lang::Ja) => format!("{step} で失敗しました: {reason}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use smtplab_shared::smtp::SentLine;

    fn style() -> Style {
        Style::default()
    }

    fn reply(lines: &[&str]) -> Reply {
        Reply::from_lines(lines).expect("reply")
    }

    #[test]
    fn the_transcript_has_swaks_markers_times_explanations_and_masks() {
        let mut t = Transcript::new(style(), Vec::new());
        t.event(
            Duration::from_millis(3),
            &Event::Reply {
                step: Step::Connect,
                reply: reply(&["220 mx ESMTP"]),
                expected: true,
                at: Duration::from_millis(2),
            },
        );
        t.event(
            Duration::from_millis(4),
            &Event::Sent {
                step: Step::Auth,
                line: SentLine {
                    text: "AUTH PLAIN AGtpbQBodW50ZXIy".into(),
                    secret: true,
                    display: "AUTH PLAIN ********".into(),
                },
            },
        );
        t.event(
            Duration::from_millis(5),
            &Event::Reply {
                step: Step::Rcpt(0),
                reply: reply(&["550 5.1.1 <x@y>: Recipient address rejected"]),
                expected: false,
                at: Duration::from_millis(5),
            },
        );
        let out = String::from_utf8(t.into_inner()).expect("utf-8");
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "[+     2 ms] <-  220 mx ESMTP");
        assert!(lines[1].starts_with("               # 220: "), "{out}");
        assert_eq!(lines[2], "[+     4 ms]  -> AUTH PLAIN ********");
        assert!(lines[3].contains("<** 550 5.1.1"), "{out}");
        assert!(lines[4].contains(" 5.1.1: "), "{out}");
        assert!(!out.contains("AGtpbQ"), "{out}");
        assert!(!out.contains("\x1b["), "no colour unless asked");
    }

    fn sample(t: &mut Transcript<Vec<u8>>) {
        t.info(Duration::ZERO, "Trying x...");
        t.event(
            Duration::from_millis(1),
            &Event::Reply {
                step: Step::Connect,
                reply: reply(&["220 mx"]),
                expected: true,
                at: Duration::from_millis(1),
            },
        );
        t.event(
            Duration::from_millis(2),
            &Event::Sent {
                step: Step::Ehlo,
                line: SentLine {
                    text: "EHLO me".into(),
                    secret: false,
                    display: "EHLO me".into(),
                },
            },
        );
        t.event(
            Duration::from_millis(3),
            &Event::Reply {
                step: Step::Ehlo,
                reply: reply(&["554 no"]),
                expected: false,
                at: Duration::from_millis(3),
            },
        );
    }

    fn outcome(verdict: Verdict) -> Outcome {
        Outcome {
            refused_recipients: Vec::new(),
            pipelined_flights: Vec::new(),
            verdict,
            queue_id: None,
            capabilities: None,
            steps: Vec::new(),
            tls: None,
        }
    }

    #[test]
    fn silent_and_hide_options_print_what_swaks_would() {
        let failed = outcome(Verdict::Failed {
            step: Step::Ehlo,
            reason: smtplab_shared::smtp::FailReason::Timeout,
        });
        let run = |style: Style, exit: SendExit| {
            let mut t = Transcript::new(style, Vec::new());
            sample(&mut t);
            let o = if exit == SendExit::Ok {
                outcome(Verdict::Delivered)
            } else {
                failed.clone()
            };
            t.finish(&o, exit, "words");
            String::from_utf8(t.into_inner()).expect("utf-8")
        };
        // --silent 1: nothing on success; everything after a failure.
        let quiet = Style {
            silent: 1,
            ..style()
        };
        assert_eq!(run(quiet, SendExit::Ok), "");
        let all = run(quiet, SendExit::Ehlo);
        assert!(
            all.contains("<-  220 mx") && all.contains("*** words (exit 22)"),
            "{all}"
        );
        // --silent 2: only errors; --silent 3: nothing.
        let errors = run(
            Style {
                silent: 2,
                ..style()
            },
            SendExit::Ehlo,
        );
        assert!(
            errors.contains("<** 554 no") && !errors.contains("220 mx"),
            "{errors}"
        );
        assert_eq!(
            run(
                Style {
                    silent: 3,
                    ..style()
                },
                SendExit::Ehlo
            ),
            ""
        );
        // --hide-send / --hide-receive / --hide-informational.
        let hidden = run(
            Style {
                hide_send: true,
                hide_info: true,
                ..style()
            },
            SendExit::Ehlo,
        );
        assert!(
            !hidden.contains("EHLO me") && !hidden.contains("Trying"),
            "{hidden}"
        );
        assert!(hidden.contains("<-  220 mx"), "{hidden}");
        let no_receive = run(
            Style {
                hide_receive: true,
                ..style()
            },
            SendExit::Ehlo,
        );
        assert!(!no_receive.contains("220 mx"), "{no_receive}");
        assert!(
            no_receive.contains("<** 554 no"),
            "errors stay: {no_receive}"
        );
        // Colour only when asked (a terminal).
        let colour = run(
            Style {
                color: true,
                ..style()
            },
            SendExit::Ok,
        );
        assert!(colour.contains("\x1b[32m"), "{colour}");
        assert_eq!(
            verdict_text(&failed, Lang::Ja),
            "EHLO で失敗しました: timed out waiting for the server"
        );
    }

    #[test]
    fn refused_recipients_and_saved_round_trips_follow_the_verdict() {
        let mut o = outcome(Verdict::Delivered);
        o.refused_recipients = vec![smtplab_shared::smtp::session::RefusedRecipient {
            index: 1,
            address: "nobody@example.test".into(),
            reply: reply(&["550 5.1.1 <nobody@example.test>: Recipient address rejected"]),
        }];
        o.pipelined_flights = vec![4];
        let mut t = Transcript::new(style(), Vec::new());
        t.finish(&o, SendExit::Ok, "delivered");
        let out = String::from_utf8(t.into_inner()).expect("utf-8");
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "=== delivered", "{out}");
        assert_eq!(
            lines[1],
            "*** refused recipient nobody@example.test: 550 5.1.1 <nobody@example.test>: Recipient address rejected"
        );
        assert_eq!(
            lines[2],
            "=== PIPELINING: 3 round trips saved (flights of 4 commands)"
        );
        let mut j = Transcript::new(
            Style {
                json: true,
                ..style()
            },
            Vec::new(),
        );
        j.finish(&o, SendExit::Ok, "delivered");
        let v: Value = serde_json::from_slice(&j.into_inner()).expect("json");
        assert_eq!(v["refused_recipients"][0]["address"], "nobody@example.test");
        assert_eq!(v["refused_recipients"][0]["code"], 550);
        assert_eq!(v["refused_recipients"][0]["enhanced"], "5.1.1");
        assert_eq!(v["pipelined_flights"], json!([4]));
        assert_eq!(v["round_trips_saved"], 3);
        let plain = outcome(Verdict::Delivered);
        assert!(after_verdict(&plain, Lang::En).is_empty());
    }

    #[test]
    fn japanese_explanations_and_json_in_english_with_codes() {
        let r = reply(&["250 2.0.0 Ok"]);
        assert!(explanation(&r, Lang::Ja).starts_with("250: "));
        assert_ne!(explanation(&r, Lang::Ja), explanation(&r, Lang::En));
        let mut t = Transcript::new(
            Style {
                json: true,
                lang: Lang::Ja,
                ..style()
            },
            Vec::new(),
        );
        t.event(
            Duration::ZERO,
            &Event::Reply {
                step: Step::Connect,
                reply: reply(&["220 mx"]),
                expected: true,
                at: Duration::ZERO,
            },
        );
        let outcome = Outcome {
            refused_recipients: Vec::new(),
            pipelined_flights: Vec::new(),
            verdict: Verdict::Delivered,
            queue_id: Some("2.0.0 Ok: queued as X".into()),
            capabilities: None,
            steps: vec![StepTiming {
                step: Step::Connect,
                elapsed: Duration::from_millis(7),
                ok: true,
            }],
            tls: None,
        };
        let text = verdict_text(&outcome, Lang::En);
        t.finish(&outcome, SendExit::Ok, &text);
        let out = String::from_utf8(t.into_inner()).expect("utf-8");
        let v: Value = serde_json::from_str(&out).expect("json");
        assert_eq!(v["exit_code"], 0);
        assert_eq!(v["outcome"]["verdict"], "Delivered");
        assert_eq!(v["steps"][0]["ms"], 7.0);
        assert_eq!(v["entries"][0]["code"], 220);
        assert!(v["entries"][0]["explanation"][0]
            .as_str()
            .is_some_and(|e| e.contains("ready")));
    }
}
