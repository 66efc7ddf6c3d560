//! Content negotiation for the embedded UI files: which encoding a request's
//! `Accept-Encoding` picks (RFC 9110 §12.5.3), and whether its
//! `If-None-Match` names the representation's ETag (§13.1.2). Plain string
//! logic, no IO.

/// A content coding the bridge can send an embedded file in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// `Content-Encoding: br`.
    Brotli,
    /// `Content-Encoding: gzip`.
    Gzip,
    /// No `Content-Encoding`: the file's own bytes.
    Identity,
}

impl Encoding {
    /// The `Content-Encoding` token (`None` for identity).
    pub fn token(self) -> Option<&'static str> {
        match self {
            Self::Brotli => Some("br"),
            Self::Gzip => Some("gzip"),
            Self::Identity => None,
        }
    }
}

/// A q-value in thousandths (`q=0.5` → 500), so it compares exactly.
type Quality = u16;

/// The encoding for a request with these `Accept-Encoding` header values,
/// among `available` (the compressed copies the file has; identity is always
/// possible).
///
/// Each coding gets the q-value of its own entry (`x-gzip` counts as
/// `gzip`), else that of `*`, else 0 (not acceptable); `q=0` refuses it. The
/// acceptable coding with the highest q-value wins and ties go to `br`, then
/// `gzip`. Identity wins only when the request names it (or `*`) with a
/// higher q-value than any acceptable coding, or when no coding is
/// acceptable: a request with no `Accept-Encoding` at all gets identity,
/// like `curl` without `--compressed` expects. A request that refuses
/// identity too still gets it (§12.5.3 allows that instead of a 406).
pub fn choose<'a>(
    accept_encoding: impl IntoIterator<Item = &'a str>,
    available: &[Encoding],
) -> Encoding {
    let entries = parse(accept_encoding);
    let quality = |name: &str| -> Option<Quality> {
        entries
            .iter()
            .find(|(coding, _)| coding == name)
            .or_else(|| entries.iter().find(|(coding, _)| coding == "*"))
            .map(|&(_, q)| q)
    };
    let mut best: Option<(Encoding, Quality)> = None;
    for encoding in [Encoding::Brotli, Encoding::Gzip] {
        let Some(token) = encoding.token() else {
            continue;
        };
        if !available.contains(&encoding) {
            continue;
        }
        let q = quality(token).unwrap_or(0);
        if q > 0 && best.is_none_or(|(_, best_q)| q > best_q) {
            best = Some((encoding, q));
        }
    }
    match (best, quality("identity")) {
        (Some((_, q)), Some(identity_q)) if identity_q > q => Encoding::Identity,
        (Some((encoding, _)), _) => encoding,
        (None, _) => Encoding::Identity,
    }
}

/// The (lowercase coding, q-value) entries of `Accept-Encoding` values;
/// entries with an unreadable q-value are dropped.
fn parse<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<(String, Quality)> {
    let mut entries = Vec::new();
    for element in values.into_iter().flat_map(|v| v.split(',')) {
        let mut parts = element.split(';');
        let coding = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        if coding.is_empty() {
            continue;
        }
        let mut q = Some(1000);
        for param in parts {
            if let Some((name, value)) = param.split_once('=') {
                if name.trim().eq_ignore_ascii_case("q") {
                    q = parse_quality(value.trim());
                }
            }
        }
        let Some(q) = q else {
            continue;
        };
        let coding = if coding == "x-gzip" {
            "gzip".to_owned()
        } else {
            coding
        };
        entries.push((coding, q));
    }
    entries
}

/// `qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )` in
/// thousandths; `None` when it is not one.
fn parse_quality(value: &str) -> Option<Quality> {
    let (int, frac) = value.split_once('.').unwrap_or((value, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let frac_value: Quality = format!("{frac:0<3}").parse().ok()?;
    match int {
        "0" => Some(frac_value),
        "1" if frac_value == 0 => Some(1000),
        _ => None,
    }
}

/// Whether `If-None-Match` header values name `etag` (quoted, strong) or
/// are `*`. The comparison is the weak one §13.1.2 prescribes, so
/// `W/"x"` matches `"x"`.
pub fn none_match<'a>(if_none_match: impl IntoIterator<Item = &'a str>, etag: &str) -> bool {
    if_none_match
        .into_iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
}

#[cfg(test)]
mod tests {
    use super::*;

    use Encoding::{Brotli, Gzip, Identity};

    const BOTH: &[Encoding] = &[Brotli, Gzip];

    fn pick(header: &str) -> Encoding {
        choose([header], BOTH)
    }

    #[test]
    fn browsers_get_brotli_and_older_clients_gzip() {
        // Chromium, Firefox, Safari.
        assert_eq!(pick("gzip, deflate, br, zstd"), Brotli);
        assert_eq!(pick("gzip, deflate, br"), Brotli);
        assert_eq!(pick("br"), Brotli);
        assert_eq!(pick("gzip, deflate"), Gzip);
        assert_eq!(pick("x-gzip"), Gzip);
        assert_eq!(pick("GZIP"), Gzip);
        assert_eq!(pick("deflate"), Identity);
        assert_eq!(pick(""), Identity);
        assert_eq!(choose([], BOTH), Identity);
    }

    #[test]
    fn q_values_are_respected() {
        assert_eq!(pick("br;q=0, gzip"), Gzip);
        assert_eq!(pick("br;q=0.0, gzip;q=0.000"), Identity);
        assert_eq!(pick("br;q=0.5, gzip;q=0.8"), Gzip);
        assert_eq!(pick("br;q=0.8, gzip;q=0.8"), Brotli);
        assert_eq!(pick("br ; q=0.001"), Brotli);
        assert_eq!(pick("gzip;Q=1.000, br;q=0.999"), Gzip);
        // An unreadable q-value drops the entry.
        assert_eq!(pick("br;q=2, gzip"), Gzip);
        assert_eq!(pick("br;q=0.5000, gzip;q=x"), Identity);
    }

    #[test]
    fn the_wildcard_covers_codings_not_named() {
        assert_eq!(pick("*"), Brotli);
        assert_eq!(pick("br;q=0, *"), Gzip);
        assert_eq!(pick("*;q=0"), Identity);
        assert_eq!(pick("gzip, *;q=0"), Gzip);
    }

    #[test]
    fn identity_wins_only_when_preferred() {
        assert_eq!(pick("identity"), Identity);
        assert_eq!(pick("gzip;q=0.5, identity"), Identity);
        assert_eq!(pick("gzip, identity;q=0.5"), Gzip);
        assert_eq!(pick("gzip;q=0.5"), Gzip);
        // Refused identity with nothing else acceptable: identity anyway.
        assert_eq!(pick("identity;q=0, br;q=0"), Identity);
    }

    #[test]
    fn only_copies_the_file_has_are_chosen() {
        assert_eq!(choose(["br, gzip"], &[Gzip]), Gzip);
        assert_eq!(choose(["br"], &[Gzip]), Identity);
        assert_eq!(choose(["br, gzip"], &[]), Identity);
    }

    #[test]
    fn several_header_lines_are_one_list() {
        assert_eq!(choose(["gzip", "br"], BOTH), Brotli);
        assert_eq!(choose(["gzip", "br;q=0"], BOTH), Gzip);
    }

    #[test]
    fn if_none_match_compares_weakly_and_knows_the_wildcard() {
        let etag = "\"0123abcd-br\"";
        assert!(none_match(["\"0123abcd-br\""], etag));
        assert!(none_match(["W/\"0123abcd-br\""], etag));
        assert!(none_match(["\"other\", \"0123abcd-br\""], etag));
        assert!(none_match(["\"other\"", " \"0123abcd-br\" "], etag));
        assert!(none_match(["*"], etag));
        assert!(!none_match(["\"0123abcd-gz\""], etag));
        assert!(!none_match(["\"0123abcd\""], etag));
        assert!(!none_match([], etag));
    }
}
