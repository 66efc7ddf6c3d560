//! Turns the root `index.html` (which also serves `trunk serve`) into
//! `dist/index.html`: every `data-trunk` tag is removed and the module script
//! that loads the bindgen output and calls its `init()` goes in before
//! `</head>`.
//!
//! The bindgen files have content-hashed names, so the loader names both:
//! it imports the hashed JS and passes the hashed wasm URL to `init`, whose
//! default (`smtplab_bg.wasm` next to the JS) no longer exists. The bridge
//! allows this inline script by its CSP hash, computed from the embedded
//! page, so a new name is a new hash with nothing to update by hand.

/// The content-hashed names of the bindgen output in `dist/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Names {
    /// The JS glue, `smtplab-<hash>.js`.
    pub(crate) js: String,
    /// The WebAssembly, `smtplab_bg-<hash>.wasm`.
    pub(crate) wasm: String,
}

/// Why the page could not be rewritten.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PageError {
    /// The page has no `</head>` to put the script before.
    #[error("index.html has no </head>")]
    NoHead,
    /// A `data-trunk` tag is never closed with `>`.
    #[error("index.html has a data-trunk tag with no closing '>'")]
    UnclosedTag,
}

/// Returns `html` without its `data-trunk` tags and with the loader for
/// the hashed JS and wasm in `names` before `</head>`.
///
/// # Errors
/// [`PageError`] when the page has no `</head>` or an unclosed trunk tag.
pub(crate) fn for_dist(html: &str, names: &Names) -> Result<String, PageError> {
    let mut out = strip_trunk_tags(html)?;
    let at = out.find("</head>").ok_or(PageError::NoHead)?;
    let Names { js, wasm } = names;
    let loader = format!(
        "<link rel=\"modulepreload\" href=\"./{js}\">\n\
         <link rel=\"preload\" href=\"./{wasm}\" as=\"fetch\" type=\"application/wasm\" crossorigin>\n\
         <script type=\"module\">import init from \"./{js}\"; init({{ module_or_path: \"./{wasm}\" }});</script>\n"
    );
    out.insert_str(at, &loader);
    Ok(out)
}

/// Removes every tag that carries a `data-trunk` attribute, with the rest of
/// its line when only whitespace follows.
fn strip_trunk_tags(html: &str) -> Result<String, PageError> {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(attr) = rest.find("data-trunk") {
        let open = rest[..attr].rfind('<').ok_or(PageError::UnclosedTag)?;
        let close = attr + rest[attr..].find('>').ok_or(PageError::UnclosedTag)? + 1;
        let before = &rest[..open];
        let mut after = &rest[close..];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let only_indent_before = before[line_start..].trim().is_empty();
        let trimmed_after = after.trim_start_matches([' ', '\t']);
        if only_indent_before
            && (trimmed_after.starts_with('\n') || trimmed_after.starts_with("\r\n"))
        {
            // The tag was alone on its line: drop the whole line.
            out.push_str(&before[..line_start]);
            after = trimmed_after
                .strip_prefix("\r\n")
                .or_else(|| trimmed_after.strip_prefix('\n'))
                .unwrap_or(trimmed_after);
        } else {
            out.push_str(before);
        }
        rest = after;
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "<!doctype html>\n<html>\n<head>\n<title>t</title>\n  \
        <link data-trunk rel=\"rust\" href=\"frontend/Cargo.toml\" data-wasm-opt=\"0\">\n\
        <style>p{}</style>\n</head>\n<body></body>\n</html>\n";

    fn names() -> Names {
        Names {
            js: "smtplab-0123456789abcdef.js".into(),
            wasm: "smtplab_bg-fedcba9876543210.wasm".into(),
        }
    }

    #[test]
    fn trunk_links_are_removed_and_the_loader_inserted() {
        let out = for_dist(PAGE, &names()).expect("valid page");
        assert!(!out.contains("data-trunk"), "{out}");
        assert!(
            out.contains("<title>t</title>\n<style>p{}</style>\n"),
            "{out}"
        );
        let loader = out
            .find(
                "import init from \"./smtplab-0123456789abcdef.js\"; \
                 init({ module_or_path: \"./smtplab_bg-fedcba9876543210.wasm\" });",
            )
            .expect("loader");
        assert!(loader < out.find("</head>").expect("head"));
        assert!(out.contains("<link rel=\"modulepreload\" href=\"./smtplab-0123456789abcdef.js\">"));
        assert!(out.contains("href=\"./smtplab_bg-fedcba9876543210.wasm\""));
        assert!(
            !out.contains("smtplab.js") && !out.contains("smtplab_bg.wasm"),
            "{out}"
        );
    }

    #[test]
    fn inline_trunk_tag_keeps_the_rest_of_the_line() {
        let out =
            strip_trunk_tags("<p>a<link data-trunk rel=\"css\" href=\"x\">b</p>").expect("ok");
        assert_eq!(out, "<p>ab</p>");
    }

    #[test]
    fn missing_head_or_unclosed_tag_are_errors() {
        assert!(matches!(
            for_dist("<body></body>", &names()),
            Err(PageError::NoHead)
        ));
        assert!(matches!(
            for_dist("<head><link data-trunk", &names()),
            Err(PageError::UnclosedTag)
        ));
    }
}
