//! Runs a table of trials that share one rig (a Postfix, a bridge, a
//! browser…) under libtest-mimic, so every e2e binary keeps cargo's
//! `test result:` summary while starting its expensive fixtures once.

use std::fmt::Display;
use std::sync::Arc;

use libtest_mimic::{Arguments, Failed, Trial};

/// One trial: a name that states the behaviour, and the check itself.
pub type TrialFn<R> = fn(&R) -> Result<(), Failed>;

/// Starts the rig, runs `trials` against it (filtered by the usual test
/// arguments), drops the rig — stopping its daemons — and exits with the
/// runner's verdict. A rig that cannot start ends the binary with code 101
/// and the reason, like a panicking test binary.
pub fn run_with_rig<R, E>(
    what: &str,
    start: impl FnOnce() -> Result<R, E>,
    trials: &[(&'static str, TrialFn<R>)],
) -> !
where
    R: Send + Sync + 'static,
    E: Display,
{
    let args = Arguments::from_args();
    let rig = match start() {
        Ok(rig) => Arc::new(rig),
        Err(e) => {
            eprintln!("cannot start the {what} rig: {e}");
            std::process::exit(101);
        }
    };
    let list = trials
        .iter()
        .map(|&(name, test)| {
            let rig = Arc::clone(&rig);
            Trial::test(name, move || test(&rig))
        })
        .collect();
    let conclusion = libtest_mimic::run(&args, list);
    drop(rig);
    conclusion.exit()
}
