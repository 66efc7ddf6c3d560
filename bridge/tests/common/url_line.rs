//! The line the `smtplab` binary prints once it listens (`smtplab listening
//! on http://HOST:PORT/?token=…`), read from its piped stdout for the
//! `HOST:PORT` the tests connect to.

use std::time::Duration;

use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::Child;

/// Takes `child`'s stdout and reads its first line within `limit`; the
/// `host:port` of the URL in it.
///
/// # Panics
/// When stdout is not piped, the line does not come in time, or it holds no
/// `http://` URL: these are tests.
pub(crate) async fn authority(child: &mut Child, limit: Duration) -> String {
    let stdout = child.stdout.take().expect("stdout piped");
    let mut line = String::new();
    tokio::time::timeout(limit, BufReader::new(stdout).read_line(&mut line))
        .await
        .expect("the URL line in time")
        .expect("read stdout");
    line.split_whitespace()
        .last()
        .and_then(|url| url.strip_prefix("http://"))
        .and_then(|rest| rest.split_once('/'))
        .map(|(authority, _)| authority.to_owned())
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
}
