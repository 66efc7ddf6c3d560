//! The TLS handshake time, measured natively through the bridge.

use std::time::Duration;

use libtest_mimic::Failed;
use smtplab_shared::smtp::{Stage, Step, TlsMode, Verdict};

use crate::checks::{expect_verified_report, handshake_time};
use crate::rig::{failure, Rig, HOST};

/// Handshake times, natively: STARTTLS sessions that stop after EHLO (so
/// they do STARTTLS and the second EHLO only), and implicit-TLS ones.
pub(crate) fn measure_handshakes(rig: &Rig) -> Result<(), Failed> {
    const RUNS: usize = 5;
    for (port, mode, step) in [
        (rig.ports.submission, TlsMode::StartTls, Step::StartTls),
        (rig.ports.smtps, TlsMode::Implicit, Step::Connect),
    ] {
        let mut times = Vec::with_capacity(RUNS);
        let mut step_times = Vec::with_capacity(RUNS);
        let mut protocol = String::new();
        for _ in 0..RUNS {
            let mut spec = rig.spec(HOST, port, mode, None, &rig.needle("timing"));
            spec.stop_after = Stage::Ehlo;
            let report = rig.run(spec, Some(rig.context(true, true)?))?;
            if report.outcome.verdict != (Verdict::Completed { stage: Stage::Ehlo }) {
                return Err(failure("Completed after EHLO", &report));
            }
            let tls = expect_verified_report(rig, &report, HOST)?;
            protocol = tls.protocol.clone().unwrap_or_default();
            times.push(
                handshake_time(&report, step)
                    .ok_or_else(|| failure("a measurable handshake", &report))?,
            );
            step_times.extend(
                report
                    .outcome
                    .steps
                    .iter()
                    .find(|t| t.step == step && t.ok)
                    .map(|t| t.elapsed),
            );
        }
        times.sort();
        step_times.sort();
        let total: Duration = times.iter().sum();
        println!(
            "    {mode:?} handshake over {RUNS} runs ({protocol}): min {:?}, median {:?}, max {:?}, mean {:?}",
            times[0],
            times[RUNS / 2],
            times[RUNS - 1],
            total / u32::try_from(RUNS).unwrap_or(1)
        );
        println!(
            "      whole {step} step (engine's StepTiming): median {:?}",
            step_times
                .get(step_times.len() / 2)
                .copied()
                .unwrap_or_default()
        );
        if times[RUNS / 2] > Duration::from_secs(5) {
            return Err(format!("{mode:?} handshakes take too long: {times:?}").into());
        }
    }
    Ok(())
}
