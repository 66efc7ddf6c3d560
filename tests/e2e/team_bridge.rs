//! A bridge for a whole team (issue 19), on loopback: two `smtplab`
//! replicas behind HAProxy from Debian's packages, which balances WebSocket
//! sessions round-robin and sets the user header after its stub SSO; the
//! replicas trust that header from 127.0.0.1 only. Sessions of several users
//! deliver to the tests' Postfix over both replicas; a header from another
//! address is ignored; per-user limits hold; `/metrics` counts what the
//! trial did; SIGTERM drains one replica while the other keeps serving; the
//! audit log has one JSON line per session and no secret. The OCI image of
//! `deploy/Containerfile` is built with buildah and run; the examples in
//! `deploy/` start the bridge and pass HAProxy's check.
//!
//! One Postfix serves every trial; each trial starts its own team
//! (`team_bridge/team.rs`) so its counts are its own.

use std::future::Future;
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use libtest_mimic::Failed;
use smtplab_e2e::postfix::OTHER_USER;
use smtplab_e2e::trials::run_with_rig;
use smtplab_e2e::MailServer;
use smtplab_shared::smtp::{compose_message, AuthMechanism, SessionSpec, Verdict};
use smtplab_shared::wire::ErrorCode;

#[path = "team_bridge/client.rs"]
mod client;
#[path = "team_bridge/deploy_files.rs"]
mod deploy_files;
#[path = "team_bridge/image.rs"]
mod image;
#[path = "team_bridge/team.rs"]
mod team;

use client::{deliver, Delivery, Dial, RawSession, Refusal};
use team::Team;

/// The users of the trials, as the stub SSO names them.
const USERS: [&str; 3] = ["alice.ops", "bob.dev", "carol.qa"];

fn main() {
    run_with_rig(
        "team bridge",
        || MailServer::start().map_err(|e| e.to_string()),
        &[
            (
                "sessions_of_several_users_spread_over_both_replicas_and_deliver",
                sessions_spread_and_deliver,
            ),
            (
                "metrics_count_the_sessions_users_and_bytes_of_the_trial",
                metrics_count_what_the_trial_did,
            ),
            (
                "the_audit_log_has_one_json_line_per_session_with_its_user_and_no_secret",
                audit_log_one_line_per_session,
            ),
            (
                "a_user_header_from_an_untrusted_address_is_ignored",
                untrusted_header_is_ignored,
            ),
            (
                "the_per_user_session_limit_refuses_with_limit",
                per_user_session_limit,
            ),
            (
                "the_per_user_byte_limit_refuses_with_limit",
                per_user_byte_limit,
            ),
            (
                "sigterm_drains_one_replica_while_the_other_keeps_serving",
                sigterm_drains_one_replica,
            ),
            (
                "the_deploy_examples_start_the_bridge_and_pass_haproxys_check",
                deploy_files::are_valid,
            ),
            (
                "the_oci_image_builds_from_the_static_file_and_runs_as_a_non_root_user",
                image::builds_and_runs,
            ),
        ],
    );
}

/// A fresh single-threaded runtime for one trial's async part.
fn block_on<F: Future>(future: F) -> Result<F::Output, Failed> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    Ok(runtime.block_on(future))
}

/// A session for `user` (the SSO name) authenticating as the Postfix test
/// user with AUTH PLAIN and sending `needle` in the body to bob.
fn spec(server: &MailServer, needle: &str) -> SessionSpec {
    let rcpt_to = vec![OTHER_USER.to_owned()];
    let message = compose_message(
        server.user(),
        &rcpt_to,
        "team bridge",
        &format!("Sent through the team bridge.\n{needle}\n"),
        "Mon, 01 Jan 2024 00:00:00 +0000",
        &format!("<{needle}@smtplab.test>"),
    );
    server.session_spec(
        "team.smtplab.test",
        Some(AuthMechanism::Plain),
        rcpt_to,
        message,
    )
}

/// What a workload did: per user, the deliveries and their needles.
struct Workload {
    /// (user, needle, delivery) per session, in order.
    sessions: Vec<(String, String, Delivery)>,
}

/// Two deliveries per user through the proxy, one after the other (so
/// round-robin alternates the replicas), each checked `Delivered`.
fn run_workload(server: &MailServer, team: &Team, tag: &str) -> Result<Workload, Failed> {
    let mut sessions = Vec::new();
    for round in 0..2 {
        for user in USERS {
            let needle = format!("team-{tag}-{user}-{round}-{}", server.port());
            let dial = Dial::via_proxy(team.proxy.addr(), user);
            let delivery = block_on(deliver(&dial, spec(server, &needle)))?
                .map_err(|e| format!("{user}'s session: {e}\n{}", team.logs()))?;
            if delivery.outcome.verdict != Verdict::Delivered {
                return Err(
                    format!("{user}'s session: {:?}\n{}", delivery.outcome, team.logs()).into(),
                );
            }
            sessions.push((user.to_owned(), needle, delivery));
        }
    }
    team.wait_idle()?;
    Ok(Workload { sessions })
}

fn sessions_spread_and_deliver(server: &MailServer) -> Result<(), Failed> {
    let team = Team::start(server.port(), &[])?;
    let work = run_workload(server, &team, "spread")?;
    for (_, needle, _) in &work.sessions {
        server.wait_for_message(OTHER_USER, needle, Duration::from_secs(15))?;
    }
    let per_replica: Vec<f64> = (0..2)
        .map(|i| {
            team.metrics(i)
                .map(|m| team::sample_sum(&m, "smtplab_sessions_total", &[]))
        })
        .collect::<Result<_, _>>()?;
    if per_replica.iter().any(|n| *n < 1.0) {
        return Err(format!(
            "sessions_total per replica {per_replica:?}: HAProxy should have used both\n{}",
            team.logs()
        )
        .into());
    }
    Ok(())
}

fn metrics_count_what_the_trial_did(server: &MailServer) -> Result<(), Failed> {
    let team = Team::start(server.port(), &[])?;
    let work = run_workload(server, &team, "metrics")?;
    let total = team.metric_sum("smtplab_sessions_total", &[])?;
    expect_count(
        "smtplab_sessions_total (both replicas)",
        total,
        work.sessions.len(),
    )?;
    expect_count(
        "smtplab_sessions_open (both replicas)",
        team.metric_sum("smtplab_sessions_open", &[])?,
        0,
    )?;
    for user in USERS {
        let count = team.metric_sum("smtplab_user_sessions_total", &[("user", user)])?;
        expect_count(
            &format!("smtplab_user_sessions_total{{user={user:?}}}"),
            count,
            2,
        )?;
    }
    let sent: u64 = work.sessions.iter().map(|s| s.2.bytes_to_server).sum();
    let received: u64 = work.sessions.iter().map(|s| s.2.bytes_to_client).sum();
    let to_server = team.metric_sum("smtplab_relay_bytes_total", &[("direction", "to_server")])?;
    let to_client = team.metric_sum("smtplab_relay_bytes_total", &[("direction", "to_client")])?;
    expect_count("relay bytes to_server", to_server, sent as usize)?;
    expect_count("relay bytes to_client", to_client, received as usize)?;
    // Every session connected once: one connect time observed each.
    expect_count(
        "smtplab_connect_seconds_count",
        team.metric_sum("smtplab_connect_seconds_count", &[])?,
        work.sessions.len(),
    )?;
    Ok(())
}

fn expect_count(what: &str, got: f64, want: usize) -> Result<(), Failed> {
    if (got - want as f64).abs() > 0.5 {
        return Err(format!("{what}: {got}, the trial did {want}").into());
    }
    Ok(())
}

fn audit_log_one_line_per_session(server: &MailServer) -> Result<(), Failed> {
    let team = Team::start(server.port(), &[])?;
    let work = run_workload(server, &team, "audit")?;
    let mut records = Vec::new();
    for i in 0..2 {
        let lines = team.audit(i);
        let sessions = team::sample_sum(&team.metrics(i)?, "smtplab_sessions_total", &[]);
        expect_count(
            &format!("audit lines of replica {i} (its sessions_total: {sessions})"),
            lines.len() as f64,
            sessions as usize,
        )?;
        records.extend(lines);
    }
    expect_count("audit lines", records.len() as f64, work.sessions.len())?;
    for user in USERS {
        let theirs: Vec<_> = records.iter().filter(|r| r["user"] == user).collect();
        expect_count(&format!("audit lines of {user}"), theirs.len() as f64, 2)?;
        for record in theirs {
            let fine = record["target_port"] == server.port()
                && record["target_host"] == "127.0.0.1"
                && record["bytes_to_server"].as_u64().is_some_and(|n| n > 0)
                && record["bytes_to_client"].as_u64().is_some_and(|n| n > 0)
                && record["duration_ms"].is_number()
                && record["start"].as_str().is_some_and(|s| s.contains('T'))
                && record["client"].as_str().is_some_and(|c| c.contains(':'))
                && record["end"].is_string();
            if !fine {
                return Err(format!("an incomplete audit record: {record}").into());
            }
        }
    }
    // No secret: the AUTH password (plain and inside AUTH PLAIN's base64)
    // and the message bodies never reach the log.
    let plain = smtplab_shared::smtp::plain_initial_response(server.user(), server.password());
    for i in 0..2 {
        let log = team.stderr(i);
        for (what, secret) in [
            ("the password", server.password()),
            ("AUTH PLAIN's blob", &plain),
        ] {
            if log.contains(secret) {
                return Err(format!("replica {i}'s stderr holds {what}").into());
            }
        }
        for (_, needle, _) in &work.sessions {
            if log.contains(needle.as_str()) {
                return Err(format!("replica {i}'s stderr holds a message body ({needle})").into());
            }
        }
    }
    Ok(())
}

fn untrusted_header_is_ignored(server: &MailServer) -> Result<(), Failed> {
    let team = Team::start(server.port(), &[])?;
    let replica = team.addr(0);
    let untrusted = Ipv4Addr::new(127, 0, 0, 2);
    block_on(async {
        // From 127.0.0.2 the header is no identity: no token, no session.
        let dial = Dial::direct(replica, untrusted, Some("mallory"), None);
        match client::open(&dial).await {
            Err(Refusal::Status(401)) => {}
            other => {
                return Err(format!(
                    "header from 127.0.0.2 without a token: {:?}, expected 401",
                    other.map(|_| "upgraded")
                ))
            }
        }
        // With the token it is an ordinary session, of no user.
        let token = team.replicas[0].bridge.token().to_owned();
        let dial = Dial::direct(replica, untrusted, Some("mallory"), Some(&token));
        let session = RawSession::open(&dial, team.echo_port)
            .await
            .map_err(|r| format!("header + token from 127.0.0.2: {r:?}"))?;
        session.close().await?;
        // From the trusted address the same header is the user.
        let dial = Dial::direct(replica, Ipv4Addr::LOCALHOST, Some("trent"), None);
        let session = RawSession::open(&dial, team.echo_port)
            .await
            .map_err(|r| format!("header from 127.0.0.1 (trusted): {r:?}"))?;
        session.close().await?;
        // Through the proxy a client's own user header is replaced by the
        // SSO's user.
        let mut dial = Dial::via_proxy(team.proxy.addr(), "victor");
        dial.headers
            .push((smtplab_e2e::haproxy::USER_HEADER.into(), "mallory".into()));
        let session = RawSession::open(&dial, team.echo_port)
            .await
            .map_err(|r| format!("through the proxy: {r:?}"))?;
        session.close().await?;
        Ok(())
    })?
    .map_err(|e| format!("{e}\n{}", team.logs()))?;
    team.wait_idle()?;
    let records: Vec<_> = (0..2).flat_map(|i| team.audit(i)).collect();
    let users: Vec<&serde_json::Value> = records.iter().map(|r| &r["user"]).collect();
    if records.iter().any(|r| r["user"] == "mallory") {
        return Err(format!("mallory became a user: {users:?}").into());
    }
    let direct: Vec<_> = team
        .audit(0)
        .into_iter()
        .filter(|r| {
            r["client"]
                .as_str()
                .is_some_and(|c| c.starts_with("127.0.0.2:"))
        })
        .collect();
    if direct.len() != 1 || !direct[0]["user"].is_null() {
        return Err(
            format!("the session from 127.0.0.2 should be one of no user: {direct:?}").into(),
        );
    }
    for user in ["trent", "victor"] {
        if !records.iter().any(|r| r["user"] == user) {
            return Err(format!("no audit line of {user}: {users:?}").into());
        }
    }
    if team.metric_sum("smtplab_user_sessions_total", &[("user", "mallory")])? > 0.0 {
        return Err("mallory counted in smtplab_user_sessions_total".into());
    }
    Ok(())
}

/// `user` opens a session through the proxy, has `bytes` echoed and
/// closes it: what another user's limit must leave alone.
async fn echo_as(team: &Team, user: &str, bytes: &[u8]) -> Result<(), String> {
    let mut session = RawSession::open(&Dial::via_proxy(team.proxy.addr(), user), team.echo_port)
        .await
        .map_err(|r| format!("{user} refused: {r:?}"))?;
    session
        .echo(bytes)
        .await
        .map_err(|r| format!("{user}: {r:?}"))?;
    session.close().await?;
    Ok(())
}

/// The replicas together refused `want` sessions for a per-user limit.
fn expect_user_limit_refusals(team: &Team, want: usize) -> Result<(), Failed> {
    expect_count(
        "smtplab_sessions_refused_total{reason=\"user_limit\"}",
        team.metric_sum(
            "smtplab_sessions_refused_total",
            &[("reason", "user_limit")],
        )?,
        want,
    )
}

fn per_user_session_limit(server: &MailServer) -> Result<(), Failed> {
    let team = Team::start(server.port(), &["--max-sessions-per-user", "1"])?;
    let proxy = team.proxy.addr();
    block_on(async {
        // Round-robin: dave's first two land on replica 0 and 1, the third
        // on replica 0 again, where dave already has his one session.
        let mut held = Vec::new();
        let mut refused = Vec::new();
        for _ in 0..3 {
            match RawSession::open(&Dial::via_proxy(proxy, "dave"), team.echo_port).await {
                Ok(session) => held.push(session),
                Err(refusal) => refused.push(refusal),
            }
        }
        if held.len() != 2 || refused != [Refusal::Code(ErrorCode::Limit)] {
            return Err(format!(
                "dave with a limit of 1 per replica: {} open, refused {refused:?}",
                held.len()
            ));
        }
        // Another user is not affected.
        echo_as(&team, "erin", b"hello").await?;
        for session in held {
            session.close().await?;
        }
        // Once dave's sessions ended he may open one again.
        let again = RawSession::open(&Dial::via_proxy(proxy, "dave"), team.echo_port)
            .await
            .map_err(|r| format!("dave after closing: {r:?}"))?;
        again.close().await?;
        Ok(())
    })?
    .map_err(|e| format!("{e}\n{}", team.logs()))?;
    team.wait_idle()?;
    // Counted as a per-user refusal, not as the bridge's own total limit.
    expect_user_limit_refusals(&team, 1)?;
    expect_count(
        "smtplab_sessions_refused_total{reason=\"limit\"}",
        team.metric_sum("smtplab_sessions_refused_total", &[("reason", "limit")])?,
        0,
    )
}

fn per_user_byte_limit(server: &MailServer) -> Result<(), Failed> {
    const CAP: usize = 16 * 1024;
    let team = Team::start(server.port(), &["--max-bytes-per-user", &CAP.to_string()])?;
    let proxy = team.proxy.addr();
    block_on(async {
        // One session on each replica relays past the cap (echoed: both
        // directions count) and is ended with `limit`.
        for replica in 0..2 {
            let mut session = RawSession::open(&Dial::via_proxy(proxy, "frank"), team.echo_port)
                .await
                .map_err(|r| format!("frank's session {replica}: {r:?}"))?;
            let chunk = vec![b'x'; 4096];
            let mut ended = None;
            for _ in 0..(4 * CAP / chunk.len()) {
                if let Err(refusal) = session.echo(&chunk).await {
                    ended = Some(refusal);
                    break;
                }
            }
            match ended {
                Some(Refusal::Code(ErrorCode::Limit)) => {}
                Some(Refusal::Closed(reason)) if reason.contains("limit") => {}
                other => {
                    return Err(format!(
                    "frank relayed {} bytes past a cap of {CAP} on replica {replica}: {other:?}",
                    4 * CAP
                ))
                }
            }
        }
        // Within the hour, neither replica gives frank a new session.
        for attempt in 0..2 {
            match RawSession::open(&Dial::via_proxy(proxy, "frank"), team.echo_port).await {
                Err(Refusal::Code(ErrorCode::Limit)) => {}
                Err(Refusal::Closed(reason)) if reason.contains("limit") => {}
                other => {
                    return Err(format!(
                        "frank's new session {attempt} over his byte cap: {:?}",
                        other.map(|_| "connected")
                    ))
                }
            }
        }
        // grace has her own allowance.
        echo_as(&team, "grace", &[b'y'; 1024]).await?;
        Ok(())
    })?
    .map_err(|e| format!("{e}\n{}", team.logs()))?;
    team.wait_idle()?;
    // The two new sessions over the cap; the sessions ended mid-way were
    // not refused at their start.
    expect_user_limit_refusals(&team, 2)
}

fn sigterm_drains_one_replica(server: &MailServer) -> Result<(), Failed> {
    const GRACE_MS: u64 = 4000;
    let team = Team::start(
        server.port(),
        &["--shutdown-grace-ms", &GRACE_MS.to_string()],
    )?;
    let proxy = team.proxy.addr();
    let result = block_on(async {
        // Four sessions: round-robin puts two on each replica; which is
        // which is read from the replicas' /status after each opens.
        let mut on = [Vec::new(), Vec::new()];
        for n in 0..4 {
            let before = [team.open_sessions(0)?, team.open_sessions(1)?];
            let session = RawSession::open(&Dial::via_proxy(proxy, "heidi"), team.echo_port)
                .await
                .map_err(|r| format!("session {n}: {r:?}"))?;
            let after = [team.open_sessions(0)?, team.open_sessions(1)?];
            let replica = usize::from(after[1] > before[1]);
            on[replica].push(session);
        }
        if on[0].len() != 2 || on[1].len() != 2 {
            return Err(format!(
                "sessions per replica before the drain: {} and {}",
                on[0].len(),
                on[1].len()
            ));
        }
        team.sigterm(0)?;
        let signalled = Instant::now();
        // Not ready at once; still alive.
        let mut ready = team.status_of(0, "/readyz")?;
        while ready != 503 && signalled.elapsed() < Duration::from_secs(1) {
            tokio::time::sleep(Duration::from_millis(20)).await;
            ready = team.status_of(0, "/readyz")?;
        }
        if ready != 503 {
            return Err(format!(
                "/readyz of the draining replica: {ready}, expected 503"
            ));
        }
        let live = team.status_of(0, "/healthz")?;
        if live != 200 {
            return Err(format!(
                "/healthz of the draining replica: {live}, expected 200"
            ));
        }
        if team.status_of(1, "/readyz")? != 200 {
            return Err("/readyz of the other replica is not 200".into());
        }
        // An open session on the draining replica finishes its work…
        let mut finishing = on[0].pop().ok_or("no session on replica 0")?;
        finishing
            .echo(b"still relaying while draining")
            .await
            .map_err(|r| format!("the draining replica's open session: {r:?}"))?;
        finishing.close().await?;
        // A new upgrade straight to the draining replica is refused with 503.
        let token = team.replicas[0].bridge.token().to_owned();
        let direct = Dial::direct(team.addr(0), Ipv4Addr::LOCALHOST, None, Some(&token));
        match client::open(&direct).await {
            Err(Refusal::Status(503)) => {}
            other => {
                return Err(format!(
                    "a new upgrade at the draining replica: {:?}, expected 503",
                    other.map(|_| "upgraded")
                ))
            }
        }
        let draining = team.metrics(0).map(|m| {
            team::sample_sum(
                &m,
                "smtplab_sessions_refused_total",
                &[("reason", "draining")],
            )
        })?;
        if draining < 1.0 {
            return Err(format!(
                "refused{{reason=\"draining\"}} of the draining replica: {draining}"
            ));
        }
        // Meanwhile the proxy sends every new session to the other replica.
        let before = team
            .metrics(1)
            .map(|m| team::sample_sum(&m, "smtplab_sessions_total", &[]))?;
        for n in 0..4 {
            let needle = format!("team-drain-{n}-{}", server.port());
            let delivery = deliver(&Dial::via_proxy(proxy, "ivan"), spec(server, &needle))
                .await
                .map_err(|e| format!("delivery {n} during the drain: {e}"))?;
            if delivery.outcome.verdict != Verdict::Delivered {
                return Err(format!(
                    "delivery {n} during the drain: {:?}",
                    delivery.outcome
                ));
            }
        }
        // One that stays idle is told `closed` `shutdown` after the grace.
        let mut idle = on[0].pop().ok_or("no second session on replica 0")?;
        let reason = idle
            .wait_closed(Duration::from_millis(GRACE_MS + 10_000))
            .await?;
        if reason != "shutdown" {
            return Err(format!(
                "the idle session was closed with {reason:?}, expected \"shutdown\""
            ));
        }
        let waited = signalled.elapsed();
        if waited + Duration::from_millis(500) < Duration::from_millis(GRACE_MS) {
            return Err(format!(
                "closed after {waited:?}, before the grace of {GRACE_MS} ms"
            ));
        }
        // The other replica's sessions were never touched.
        for session in &mut on[1] {
            session
                .echo(b"the other replica still relays")
                .await
                .map_err(|r| format!("a session on the other replica: {r:?}"))?;
        }
        for session in on[1].drain(..) {
            session.close().await?;
        }
        let after = team
            .metrics(1)
            .map(|m| team::sample_sum(&m, "smtplab_sessions_total", &[]))?;
        if after - before < 4.0 {
            return Err(format!(
                "the serving replica's sessions_total went from {before} to {after}: the drain's deliveries did not all go there"
            ));
        }
        Ok(())
    })?;
    result.map_err(|e| format!("{e}\n{}", team.logs()))?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while team.is_running(0) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    if team.is_running(0) {
        return Err(format!("the drained replica still runs\n{}", team.logs()).into());
    }
    Ok(())
}
