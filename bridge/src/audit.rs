//! The audit record: one line per session as it ends, the record a security
//! team asks for before approving a relay: who (the proxy-named user, else
//! none, and the client address), where to (the target as named, and the
//! address connected to), when and how long, bytes each way, and how it
//! ended. Never payloads, tokens or credentials: the record is built from
//! these fields only.
//!
//! `--log-format text` (the default) writes it as the `session ended` log
//! line; `--log-format json` as one JSON object:
//!
//! ```json
//! {"event":"session","user":"alice","client":"127.0.0.1:50312","target_host":"mx.example.org",
//!  "target_port":25,"target_addr":"192.0.2.25:25","start":"2026-12-06T12:00:00.123Z",
//!  "duration_ms":5210,"bytes_to_server":812,"bytes_to_client":1403,"end":"eof","by":"server"}
//! ```
//!
//! The JSON line is written with `serde_json`, not tracing-subscriber's JSON
//! formatter: that formatter wraps every event in its own object
//! (`timestamp`, `level`, `fields` or flattened fields, `target`, spans),
//! and a tracing field cannot be `null`, while this record's shape is a
//! contract (fixed keys, `user` `null` without proxy identity) that log
//! pipelines parse. The event carries the finished line in its `record`
//! field under [`TARGET`], and [`JsonLines`] (the binary's formatter in
//! JSON mode) writes that line as it is; every other event goes to
//! tracing-subscriber's JSON formatter, so the whole log stays one JSON
//! object per line.

use smtplab_shared::calendar::civil_from_days;
use std::fmt;
use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use smtplab_shared::wire::ClosedBy;
use tracing::field::{Field, Visit};
use tracing::{info, Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// The tracing target of the JSON audit event.
pub const TARGET: &str = "smtplab::audit";

/// How the log is written (`--log-format`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines, as tracing-subscriber writes them.
    #[default]
    Text,
    /// One JSON object per line; the audit record as documented above.
    Json,
}

/// One session's audit record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// The user a trusted proxy named, if any.
    pub user: Option<String>,
    /// The client's address (the proxy's, behind a proxy); `None` when
    /// unknown (sessions served without a listener, in tests).
    pub client: Option<SocketAddr>,
    /// The target host as the client named it, once a `connect` succeeded.
    pub target_host: Option<String>,
    /// The target port.
    pub target_port: Option<u16>,
    /// The address the bridge connected to.
    pub target_addr: Option<SocketAddr>,
    /// When the session started (the WebSocket upgrade).
    pub start: SystemTime,
    /// How long it lasted.
    pub duration: Duration,
    /// Bytes written to the server.
    pub bytes_to_server: u64,
    /// Bytes sent to the client.
    pub bytes_to_client: u64,
    /// How it ended: the `closed` reason (`eof`, `idle timeout`,
    /// `byte limit`, `shutdown`, `close requested`, `websocket closed`, …).
    pub end: &'static str,
    /// Who ended it, when anyone is told.
    pub by: Option<ClosedBy>,
}

impl SessionRecord {
    /// The JSON line (without its newline).
    pub fn to_json(&self) -> String {
        serde_json::json!({
            "event": "session",
            "user": self.user,
            "client": self.client.map(|c| c.to_string()),
            "target_host": self.target_host,
            "target_port": self.target_port,
            "target_addr": self.target_addr.map(|a| a.to_string()),
            "start": rfc3339(self.start),
            "duration_ms": millis(self.duration),
            "bytes_to_server": self.bytes_to_server,
            "bytes_to_client": self.bytes_to_client,
            "end": self.end,
            "by": self.by.map(by_name),
        })
        .to_string()
    }

    /// Writes the record to the log in `format`.
    pub fn emit(&self, format: LogFormat) {
        match format {
            LogFormat::Json => info!(target: TARGET, record = %self.to_json(), "session"),
            LogFormat::Text => {
                let target = match (&self.target_host, self.target_port) {
                    (Some(host), Some(port)) => format!("{host}:{port}"),
                    _ => "-".to_owned(),
                };
                info!(
                    user = self.user.as_deref().unwrap_or("-"),
                    client = %self.client.map_or_else(|| "-".to_owned(), |c| c.to_string()),
                    target,
                    target_addr = %self.target_addr.map_or_else(|| "-".to_owned(), |a| a.to_string()),
                    start = %rfc3339(self.start),
                    bytes_to_server = self.bytes_to_server,
                    bytes_to_client = self.bytes_to_client,
                    duration_ms = millis(self.duration),
                    ended = self.end,
                    by = ?self.by,
                    "session ended"
                );
            }
        }
    }
}

fn by_name(by: ClosedBy) -> &'static str {
    match by {
        ClosedBy::Client => "client",
        ClosedBy::Server => "server",
        ClosedBy::Bridge => "bridge",
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// `t` as RFC 3339 in UTC with milliseconds (`2026-12-06T12:00:00.123Z`),
/// with the engine's calendar (`smtplab_shared::calendar`).
pub fn rfc3339(t: SystemTime) -> String {
    let since = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let days = i64::try_from(secs / 86_400).unwrap_or(i64::MAX / 2);
    let rem = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        since.subsec_millis()
    )
}

/// The binary's event formatter in JSON mode: the audit event ([`TARGET`])
/// as its finished line, everything else through `F` (tracing-subscriber's
/// JSON format).
#[derive(Debug)]
pub struct JsonLines<F>(pub F);

/// Takes the `record` field of the audit event.
struct RecordField(Option<String>);

impl Visit for RecordField {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "record" {
            self.0 = Some(value.to_owned());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "record" {
            // `%value` fields are recorded through a Debug that displays.
            self.0 = Some(format!("{value:?}"));
        }
    }
}

impl<S, N, F> FormatEvent<S, N> for JsonLines<F>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        if event.metadata().target() == TARGET {
            let mut record = RecordField(None);
            event.record(&mut record);
            if let Some(line) = record.0 {
                return writeln!(writer, "{line}");
            }
        }
        self.0.format_event(ctx, writer, event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_matches_known_instants() {
        let at = |secs: u64, ms: u64| UNIX_EPOCH + Duration::from_millis(secs * 1000 + ms);
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(at(951_782_400, 5)), "2000-02-29T00:00:00.005Z");
        assert_eq!(rfc3339(at(1_796_558_399, 999)), "2026-12-06T11:59:59.999Z");
        assert_eq!(rfc3339(at(4_102_444_800, 0)), "2100-01-01T00:00:00.000Z");
    }

    #[test]
    fn the_json_record_has_the_documented_keys_and_null_for_what_is_unknown() {
        let record = SessionRecord {
            user: None,
            client: Some("127.0.0.1:5000".parse().expect("addr")),
            target_host: None,
            target_port: None,
            target_addr: None,
            start: UNIX_EPOCH,
            duration: Duration::from_millis(1500),
            bytes_to_server: 0,
            bytes_to_client: 0,
            end: "idle timeout",
            by: Some(ClosedBy::Bridge),
        };
        let v: serde_json::Value = serde_json::from_str(&record.to_json()).expect("json");
        assert_eq!(v["event"], "session");
        assert!(v["user"].is_null() && v["target_addr"].is_null() && v["target_host"].is_null());
        assert_eq!(v["client"], "127.0.0.1:5000");
        assert_eq!(v["start"], "1970-01-01T00:00:00.000Z");
        assert_eq!(v["duration_ms"], 1500);
        assert_eq!(v["end"], "idle timeout");
        assert_eq!(v["by"], "bridge");
        let keys: Vec<&String> = v.as_object().expect("object").keys().collect();
        assert_eq!(keys.len(), 12, "{keys:?}");
        let named = SessionRecord {
            user: Some("alice \"x\"".into()),
            target_host: Some("mx.example".into()),
            target_port: Some(25),
            target_addr: Some("192.0.2.1:25".parse().expect("addr")),
            ..record
        };
        let v: serde_json::Value = serde_json::from_str(&named.to_json()).expect("json");
        assert_eq!(v["user"], "alice \"x\"");
        assert_eq!(v["target_port"], 25);
        assert_eq!(v["target_addr"], "192.0.2.1:25");
    }

    #[test]
    fn log_format_parses_from_toml() {
        #[derive(serde::Deserialize)]
        struct F {
            log_format: LogFormat,
        }
        let f: F = toml::from_str("log_format = \"json\"").expect("json");
        assert_eq!(f.log_format, LogFormat::Json);
        assert!(toml::from_str::<F>("log_format = \"xml\"").is_err());
    }
}
