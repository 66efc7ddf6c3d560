//! MIME types of attachments: guessed from a file name, or checked.

/// The MIME type for `filename`'s extension (case-insensitive), or
/// `application/octet-stream` for an unknown or missing one.
pub fn guess_content_type(filename: &str) -> &'static str {
    let Some((_, extension)) = filename.rsplit_once('.') else {
        return "application/octet-stream";
    };
    match extension.to_ascii_lowercase().as_str() {
        "txt" | "text" | "log" => "text/plain",
        "htm" | "html" => "text/html",
        "css" => "text/css",
        "csv" => "text/csv",
        "md" => "text/markdown",
        "ics" => "text/calendar",
        "vcf" => "text/vcard",
        "xml" => "application/xml",
        "json" => "application/json",
        "js" | "mjs" => "text/javascript",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "gz" => "application/gzip",
        "tar" => "application/x-tar",
        "7z" => "application/x-7z-compressed",
        "rtf" => "application/rtf",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "ppt" => "application/vnd.ms-powerpoint",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "odt" => "application/vnd.oasis.opendocument.text",
        "ods" => "application/vnd.oasis.opendocument.spreadsheet",
        "eml" => "message/rfc822",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        "bmp" => "image/bmp",
        "ico" => "image/vnd.microsoft.icon",
        "tif" | "tiff" => "image/tiff",
        "mp3" => "audio/mpeg",
        "wav" => "audio/wav",
        "ogg" => "audio/ogg",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "mov" => "video/quicktime",
        "wasm" => "application/wasm",
        _ => "application/octet-stream",
    }
}

/// A token of RFC 2045 §5.1.
fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?=".contains(&b))
}

/// `type/subtype` (lowercased), with any parameters after it kept as
/// they are; `None` when it is not one, or has line breaks or non-ASCII.
pub(super) fn normalize(given: &str) -> Option<String> {
    if !given.is_ascii() || given.contains(['\r', '\n']) {
        return None;
    }
    let (essence, parameters) = match given.split_once(';') {
        Some((essence, parameters)) => (essence, Some(parameters)),
        None => (given, None),
    };
    let (kind, subtype) = essence.trim().split_once('/')?;
    if !is_token(kind) || !is_token(subtype) {
        return None;
    }
    let mut out = format!(
        "{}/{}",
        kind.to_ascii_lowercase(),
        subtype.to_ascii_lowercase()
    );
    if let Some(parameters) = parameters.map(str::trim).filter(|p| !p.is_empty()) {
        out.push_str("; ");
        out.push_str(parameters);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn types_are_guessed_by_extension() {
        assert_eq!(guess_content_type("report.PDF"), "application/pdf");
        assert_eq!(guess_content_type("photo.jpeg"), "image/jpeg");
        assert_eq!(guess_content_type("notes.txt"), "text/plain");
        assert_eq!(guess_content_type("README"), "application/octet-stream");
        assert_eq!(guess_content_type("x.unknown"), "application/octet-stream");
    }

    #[test]
    fn given_types_are_checked_and_lowercased() {
        assert_eq!(normalize("Image/PNG").as_deref(), Some("image/png"));
        assert_eq!(
            normalize("text/plain; charset=iso-8859-1").as_deref(),
            Some("text/plain; charset=iso-8859-1")
        );
        assert_eq!(normalize("pdf"), None);
        assert_eq!(normalize("text/"), None);
        assert_eq!(normalize("text/plain\r\nX: y"), None);
        assert_eq!(normalize("bild/ä"), None);
    }
}
