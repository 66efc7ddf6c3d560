//! Turns the root `index.html` (which also serves `trunk serve`) into
//! `dist/index.html`: every `data-trunk` tag is removed and the module script
//! that loads the bindgen output and calls its `init()` goes in before
//! `</head>`.

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
/// `<stem>.js` / `<stem>_bg.wasm` before `</head>`.
///
/// # Errors
/// [`PageError`] when the page has no `</head>` or an unclosed trunk tag.
pub(crate) fn for_dist(html: &str, stem: &str) -> Result<String, PageError> {
    let mut out = strip_trunk_tags(html)?;
    let at = out.find("</head>").ok_or(PageError::NoHead)?;
    let loader = format!(
        "<link rel=\"modulepreload\" href=\"./{stem}.js\">\n\
         <link rel=\"preload\" href=\"./{stem}_bg.wasm\" as=\"fetch\" type=\"application/wasm\" crossorigin>\n\
         <script type=\"module\">import init from \"./{stem}.js\"; init();</script>\n"
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
        if only_indent_before && (trimmed_after.starts_with('\n') || trimmed_after.starts_with("\r\n")) {
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

    #[test]
    fn trunk_links_are_removed_and_the_loader_inserted() {
        let out = for_dist(PAGE, "smtplab").expect("valid page");
        assert!(!out.contains("data-trunk"), "{out}");
        assert!(out.contains("<title>t</title>\n<style>p{}</style>\n"), "{out}");
        let loader = out.find("import init from \"./smtplab.js\"; init();").expect("loader");
        assert!(loader < out.find("</head>").expect("head"));
        assert!(out.contains("href=\"./smtplab_bg.wasm\""));
    }

    #[test]
    fn inline_trunk_tag_keeps_the_rest_of_the_line() {
        let out = strip_trunk_tags("<p>a<link data-trunk rel=\"css\" href=\"x\">b</p>").expect("ok");
        assert_eq!(out, "<p>ab</p>");
    }

    #[test]
    fn missing_head_or_unclosed_tag_are_errors() {
        assert!(matches!(for_dist("<body></body>", "x"), Err(PageError::NoHead)));
        assert!(matches!(for_dist("<head><link data-trunk", "x"), Err(PageError::UnclosedTag)));
    }
}
