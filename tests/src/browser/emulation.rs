//! What a page is shown in, beyond W3C WebDriver: the viewport's width (a
//! phone or a wide screen) and the user's colour-scheme preference.
//!
//! The preference has no WebDriver command, so it goes through
//! chromedriver's own endpoint for Chrome DevTools Protocol commands
//! (`POST /session/{id}/goog/cdp/execute`). fantoccini has no call for it
//! and its custom-command trait would need the `http` and `url` crates, so
//! the request is one plain HTTP/1.1 POST on loopback. chromedriver keeps
//! the connection open even after `Connection: close` (and answers nothing
//! to HTTP/1.0), so the answer is read by its `Content-Length`.

use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use super::{BrowserError, Page};

/// How long a window resize gets to reach the page's layout.
const RESIZE: Duration = Duration::from_secs(5);
/// How long chromedriver gets to answer a CDP command.
const ANSWER: Duration = Duration::from_secs(30);

/// A `prefers-color-scheme` value to emulate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorScheme {
    /// `prefers-color-scheme: light`.
    Light,
    /// `prefers-color-scheme: dark`.
    Dark,
}

impl ColorScheme {
    fn as_str(self) -> &'static str {
        match self {
            Self::Light => "light",
            Self::Dark => "dark",
        }
    }
}

/// Reads one HTTP answer: the head, and a body of `Content-Length` bytes.
async fn read_answer(stream: &mut TcpStream) -> Result<(String, String), String> {
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = answer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&answer[..end]).into_owned();
            let length = head
                .lines()
                .filter_map(|l| l.split_once(':'))
                .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
                .and_then(|(_, n)| n.trim().parse::<usize>().ok())
                .ok_or_else(|| format!("no Content-Length in {head:?}"))?;
            let body_start = end + 4;
            if answer.len() >= body_start + length {
                let body = &answer[body_start..body_start + length];
                return Ok((head, String::from_utf8_lossy(body).into_owned()));
            }
        }
        let n = stream
            .read(&mut buf)
            .await
            .map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            return Err(format!(
                "the connection closed after {:?}",
                String::from_utf8_lossy(&answer)
            ));
        }
        answer.extend_from_slice(&buf[..n]);
    }
}

impl Page {
    /// Runs a Chrome DevTools Protocol command (`Domain.method`) in this
    /// session and returns its result.
    ///
    /// # Errors
    /// [`BrowserError::Driver`] when chromedriver cannot be reached or
    /// answers with an error.
    pub async fn cdp(&self, command: &str, params: Value) -> Result<Value, BrowserError> {
        let fail = |detail: String| BrowserError::Driver {
            detail: format!("CDP {command}: {detail}"),
        };
        let session = self
            .client
            .session_id()
            .await
            .map_err(BrowserError::command("session id"))?
            .ok_or_else(|| fail("no session".to_owned()))?;
        let authority = self
            .endpoint
            .strip_prefix("http://")
            .unwrap_or(&self.endpoint)
            .trim_end_matches('/');
        let body = json!({ "cmd": command, "params": params }).to_string();
        let request = format!(
            "POST /session/{session}/goog/cdp/execute HTTP/1.1\r\nHost: {authority}\r\n\
             Connection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let mut stream = TcpStream::connect(authority)
            .await
            .map_err(|e| fail(format!("connect {authority}: {e}")))?;
        stream
            .write_all(request.as_bytes())
            .await
            .map_err(|e| fail(format!("send: {e}")))?;
        let (head, body) = tokio::time::timeout(ANSWER, read_answer(&mut stream))
            .await
            .map_err(|_| fail(format!("no answer within {ANSWER:?}")))?
            .map_err(fail)?;
        let value: Value =
            serde_json::from_str(&body).map_err(|e| fail(format!("{e} in {body:?} ({head})")))?;
        let ok = head
            .lines()
            .next()
            .is_some_and(|status| status.split_whitespace().nth(1) == Some("200"));
        if ok {
            Ok(value["value"].clone())
        } else {
            Err(fail(format!("{head}\n{body}")))
        }
    }

    /// Emulates `prefers-color-scheme` (`None`: the browser's own again).
    /// The page sees the change at once, as when the system theme changes.
    ///
    /// # Errors
    /// As [`Page::cdp`].
    pub async fn emulate_color_scheme(
        &self,
        scheme: Option<ColorScheme>,
    ) -> Result<(), BrowserError> {
        let value = scheme.map_or("", ColorScheme::as_str);
        self.cdp(
            "Emulation.setEmulatedMedia",
            json!({ "features": [{ "name": "prefers-color-scheme", "value": value }] }),
        )
        .await
        .map(drop)
    }

    /// Resizes the window so the page's viewport is `width` × `height` CSS
    /// px (headless Chromium has no window chrome), and waits until the
    /// page's layout has that width.
    ///
    /// # Errors
    /// When the resize fails or the page keeps another width.
    pub async fn set_viewport(&self, width: u32, height: u32) -> Result<(), BrowserError> {
        self.client
            .set_window_size(width, height)
            .await
            .map_err(BrowserError::command(format!("resize to {width}x{height}")))?;
        self.poll(
            &format!("the viewport to be {width} px wide"),
            RESIZE,
            || async {
                let now = self.eval("return window.innerWidth;", vec![]).await?;
                Ok(if now.as_u64() == Some(u64::from(width)) {
                    Ok(())
                } else {
                    Err(format!("innerWidth {now}"))
                })
            },
        )
        .await
    }
}
