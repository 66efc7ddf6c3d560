//! Filling the app's guided form (`#session-form`) the way a person does:
//! typed values, so the app sees real `input` events.

use crate::browser::{Page, Problem};
use crate::postfix::USER;

/// What the guided form is filled with. Mail goes from [`USER`] to [`USER`].
#[derive(Debug, Clone)]
pub struct FormInput<'a> {
    /// The mail server's port on 127.0.0.1.
    pub port: u16,
    /// The EHLO name.
    pub ehlo: &'a str,
    /// User name and password for AUTH LOGIN; `None` for no AUTH.
    pub login: Option<(&'a str, &'a str)>,
    /// The Subject header.
    pub subject: &'a str,
    /// The message body.
    pub body: &'a str,
}

/// Types `input` into the guided form: server 127.0.0.1 and the port, the
/// EHLO name, AUTH LOGIN or none, MAIL FROM and RCPT TO [`USER`], subject
/// and body.
///
/// # Errors
/// A missing field, or a field that does not hold what was typed.
pub async fn fill_form(page: &Page, input: &FormInput<'_>) -> Result<(), Problem> {
    page.fill("#server-host", "127.0.0.1").await?;
    page.fill("#server-port", &input.port.to_string()).await?;
    page.fill("#ehlo-name", input.ehlo).await?;
    if let Some((user, password)) = input.login {
        page.select("#auth-mechanism", "login").await?;
        page.fill("#auth-username", user).await?;
        page.fill("#auth-password", password).await?;
    } else {
        page.select("#auth-mechanism", "none").await?;
    }
    page.fill("#mail-from", USER).await?;
    page.fill("#rcpt-to-0", USER).await?;
    page.fill("#subject", input.subject).await?;
    page.fill("#body", input.body).await?;
    Ok(())
}
