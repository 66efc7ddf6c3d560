//! How a line typed in the raw console is shown in its transcript: AUTH
//! initial responses and answers to a 334 challenge are credentials.

use super::MASK;

/// How a line typed in the raw console is shown: AUTH initial responses and
/// answers to a 334 challenge are credentials. Returns the display form and
/// whether the line is secret.
pub(crate) fn console_display(line: &str, answering_challenge: bool) -> (String, bool) {
    if answering_challenge {
        return (MASK.to_owned(), true);
    }
    let mut words = line.split_whitespace();
    let verb = words.next().unwrap_or("");
    if verb.eq_ignore_ascii_case("AUTH") {
        if let Some(mechanism) = words.next() {
            if words.next().is_some() {
                return (format!("{verb} {mechanism} {MASK}"), true);
            }
        }
    }
    (line.to_owned(), false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn console_masks_auth_payloads_and_challenge_answers() {
        assert_eq!(
            console_display("AUTH PLAIN AGtpbQBodW50ZXIy", false),
            ("AUTH PLAIN ********".to_owned(), true)
        );
        assert_eq!(
            console_display("auth login", false),
            ("auth login".to_owned(), false)
        );
        assert_eq!(console_display("a2lt", true), ("********".to_owned(), true));
        assert_eq!(console_display("NOOP", false), ("NOOP".to_owned(), false));
    }
}
