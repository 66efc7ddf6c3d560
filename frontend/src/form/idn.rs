//! International domain names: the domain of an address (and the EHLO
//! name) converted to A-labels (`xn--…`) before the session, the local
//! part kept as typed (UTF-8 local parts go with SMTPUTF8 when the server
//! offers it). The conversion itself is the browser's URL parser
//! (`browser::idn_to_ascii`); this module is the pure part around it.

/// The page's converter: the browser's URL parser in the tab; none in
/// native unit tests (which pass their own).
pub(crate) fn platform(domain: &str) -> Option<String> {
    #[cfg(target_arch = "wasm32")]
    {
        crate::browser::idn_to_ascii(domain)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = domain;
        None
    }
}

/// Characters that would make the URL parser read something else than a
/// host name (a path, a port, credentials…).
const NOT_IN_A_HOST: [char; 8] = ['/', '?', '#', ':', '@', '\\', ' ', '%'];

/// `name` (a domain or EHLO name) in ASCII: as it is when it is ASCII, else
/// converted by `to_ascii`.
///
/// # Errors
/// The name, when it cannot be converted.
pub(crate) fn ascii_host(
    name: &str,
    to_ascii: &dyn Fn(&str) -> Option<String>,
) -> Result<String, String> {
    if name.is_ascii() {
        return Ok(name.to_owned());
    }
    if name.contains(NOT_IN_A_HOST) || name.chars().any(char::is_control) {
        return Err(name.to_owned());
    }
    match to_ascii(name) {
        Some(ascii) if ascii.is_ascii() && !ascii.is_empty() => Ok(ascii),
        _ => Err(name.to_owned()),
    }
}

/// `address` with its domain in ASCII and its local part as typed; an
/// address without `@` is left to the spec's validation.
///
/// # Errors
/// The domain, when it cannot be converted.
pub(crate) fn ascii_domain(
    address: &str,
    to_ascii: &dyn Fn(&str) -> Option<String>,
) -> Result<String, String> {
    match address.rsplit_once('@') {
        Some((local, domain)) if !domain.is_ascii() => {
            Ok(format!("{local}@{}", ascii_host(domain, to_ascii)?))
        }
        _ => Ok(address.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stands in for the browser: knows two names.
    fn fake(name: &str) -> Option<String> {
        match name {
            "bücher.example" => Some("xn--bcher-kva.example".into()),
            "例え.テスト" => Some("xn--r8jz45g.xn--zckzah".into()),
            _ => None,
        }
    }

    #[test]
    fn only_the_domain_is_converted() {
        assert_eq!(
            ascii_domain("kim@bücher.example", &fake),
            Ok("kim@xn--bcher-kva.example".into())
        );
        assert_eq!(
            ascii_domain("用户@例え.テスト", &fake),
            Ok("用户@xn--r8jz45g.xn--zckzah".into()),
            "the UTF-8 local part stays"
        );
        assert_eq!(
            ascii_domain("用户@example.test", &fake),
            Ok("用户@example.test".into()),
            "an ASCII domain is not touched"
        );
        assert_eq!(ascii_domain("no-at", &fake), Ok("no-at".into()));
        assert_eq!(
            ascii_domain("a@b@bücher.example", &fake),
            Ok("a@b@xn--bcher-kva.example".into())
        );
    }

    #[test]
    fn names_the_parser_would_misread_or_refuses_are_errors() {
        assert_eq!(
            ascii_host("smtplab.localhost", &fake),
            Ok("smtplab.localhost".into())
        );
        assert_eq!(
            ascii_host("bücher.example", &fake),
            Ok("xn--bcher-kva.example".into())
        );
        assert_eq!(ascii_host("ü/x", &fake), Err("ü/x".into()));
        assert_eq!(ascii_host("ü:25", &fake), Err("ü:25".into()));
        assert_eq!(ascii_host("unknown.ü", &fake), Err("unknown.ü".into()));
        assert_eq!(ascii_domain("kim@ü x", &fake), Err("ü x".into()));
        let echo = |s: &str| Some(s.to_owned());
        assert!(
            ascii_host("ü.example", &echo).is_err(),
            "a non-ASCII answer is refused"
        );
    }
}
