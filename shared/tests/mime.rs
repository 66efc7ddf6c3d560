//! The MIME composer's output parsed back by Stalwart's `mail-parser`.

#[cfg(all(target_family = "wasm", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use mail_parser::{MessageParser, MimeHeaders};
use sha2::{Digest, Sha256};
use smtplab_shared::mime::{
    check_whole_message, decode_encoded_words, Attachment, ComposeError, Composition, Header,
};

fn composition() -> Composition {
    Composition {
        from: "kim@fourthcoffee.com".into(),
        to: vec!["ted@contoso.com".into(), "amy@contoso.com".into()],
        subject: "Hello".into(),
        text: "Hi Ted,\nsee you.\n".into(),
        date: "Mon, 1 Jan 2024 10:00:00 +0000".into(),
        message_id: "abc@smtplab".into(),
        ..Composition::default()
    }
}

fn build(c: &Composition) -> Vec<u8> {
    let bytes = c.build().expect("builds");
    assert!(bytes.is_ascii(), "7-bit output");
    assert!(
        check_whole_message(&bytes).bare_lf_lines == 0,
        "CRLF only:\n{}",
        String::from_utf8_lossy(&bytes)
    );
    bytes
}

/// The header section's lines, unfolded into (name, raw value) pairs kept
/// with their physical lines.
fn header_lines(bytes: &[u8]) -> Vec<String> {
    let text = std::str::from_utf8(bytes).expect("ASCII");
    let (head, _) = text.split_once("\r\n\r\n").expect("blank line");
    head.split("\r\n").map(str::to_owned).collect()
}

/// Every `=?…?=` word in `line`.
fn encoded_words(line: &str) -> Vec<&str> {
    let mut words = Vec::new();
    let mut rest = line;
    while let Some(start) = rest.find("=?") {
        let after = &rest[start + 2..];
        // charset ? enc ? text ?=
        let mut q = 0;
        let mut end = None;
        for (i, c) in after.char_indices() {
            if c == '?' {
                q += 1;
                if q == 3 && after[i..].starts_with("?=") {
                    end = Some(i + 2);
                    break;
                }
            }
        }
        let Some(end) = end else { break };
        words.push(&rest[start..start + 2 + end]);
        rest = &rest[start + 2 + end..];
    }
    words
}

#[test]
fn japanese_subject_is_split_into_short_words_and_round_trips() {
    let subject: String = "日本語の件名は長くなります。テスト用の文字列を六十文字まで続けてみましょう、ちゃんと読めるかな？いろはにほへとちりぬるを"
        .chars()
        .take(60)
        .collect();
    assert_eq!(subject.chars().count(), 60);
    let mut c = composition();
    c.subject = subject.clone();
    let bytes = build(&c);
    let lines = header_lines(&bytes);
    let subject_lines: Vec<&String> = lines
        .iter()
        .skip_while(|l| !l.starts_with("Subject:"))
        .take_while(|l| l.starts_with("Subject:") || l.starts_with(' ') || l.starts_with('\t'))
        .collect();
    assert!(subject_lines.len() > 1, "folded: {subject_lines:?}");
    let mut words = 0;
    for line in &lines {
        assert!(line.len() <= 78, "header line over 78: {line:?}");
        for word in encoded_words(line) {
            words += 1;
            assert!(word.len() <= 75, "encoded word over 75: {word}");
        }
    }
    assert!(words >= 3, "split into several words");
    let parsed = MessageParser::new().parse(&bytes).expect("parses");
    assert_eq!(parsed.subject(), Some(subject.as_str()));
    // Each word decodes alone (no character split across words).
    for line in &subject_lines {
        for word in encoded_words(line) {
            let decoded = decode_encoded_words(word);
            assert!(!decoded.contains('\u{FFFD}'), "{word} splits a character");
        }
    }
    let unfolded = subject_lines
        .iter()
        .map(|l| l.as_str())
        .collect::<Vec<_>>()
        .join("\r\n");
    let value = unfolded.strip_prefix("Subject:").expect("name").trim();
    assert_eq!(decode_encoded_words(value), subject);
}

#[test]
fn long_ascii_subject_is_folded_not_encoded() {
    let mut c = composition();
    c.subject =
        "A rather long plain subject line that goes on and on until it has to be folded somewhere"
            .into();
    let bytes = build(&c);
    let lines = header_lines(&bytes);
    assert!(lines.iter().all(|l| l.len() <= 78), "{lines:?}");
    assert!(!String::from_utf8_lossy(&bytes).contains("=?"));
    let parsed = MessageParser::new().parse(&bytes).expect("parses");
    assert_eq!(parsed.subject(), Some(c.subject.as_str()));
}

#[test]
fn five_megabyte_attachment_comes_back_byte_for_byte() {
    // xorshift64*: 5 MB of bytes that are not text.
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let bytes: Vec<u8> = (0..5 * 1024 * 1024)
        .map(|_| {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8
        })
        .collect();
    let digest = Sha256::digest(&bytes);
    let mut c = composition();
    c.attachments.push(Attachment {
        filename: "random.bin".into(),
        content_type: None,
        bytes,
    });
    let out = build(&c);
    let text = std::str::from_utf8(&out).expect("ASCII");
    assert!(text.contains("Content-Type: multipart/mixed;"));
    assert!(text.contains("Content-Transfer-Encoding: base64"));
    let base64_lines: Vec<&str> = text
        .split("\r\n")
        .filter(|l| l.len() == 76 && !l.contains(' '))
        .collect();
    assert!(base64_lines.len() > 90_000, "76-character base64 lines");
    assert!(text.split("\r\n").all(|l| l.len() <= 78));
    let parsed = MessageParser::new().parse(&out).expect("parses");
    let attachment = parsed.attachment(0).expect("an attachment");
    assert_eq!(attachment.attachment_name(), Some("random.bin"));
    assert_eq!(
        attachment.content_type().map(|ct| ct.ctype()),
        Some("application")
    );
    assert_eq!(Sha256::digest(attachment.contents()), digest);
}

#[test]
fn non_ascii_filename_comes_back() {
    let mut c = composition();
    c.attachments.push(Attachment {
        filename: "Jahresabschluß 2024 – 請求書.pdf".into(),
        content_type: None,
        bytes: b"%PDF-1.4\n".to_vec(),
    });
    let out = build(&c);
    let text = String::from_utf8(out.clone()).expect("ASCII");
    assert!(text.contains("filename*"), "RFC 2231: {text}");
    assert!(text.contains("Content-Type: application/pdf"), "{text}");
    let parsed = MessageParser::new().parse(&out).expect("parses");
    let attachment = parsed.attachment(0).expect("an attachment");
    assert_eq!(
        attachment.attachment_name(),
        Some("Jahresabschluß 2024 – 請求書.pdf")
    );
    assert_eq!(attachment.contents(), b"%PDF-1.4\n");
}

#[test]
fn custom_headers_keep_their_order_and_replace_generated_ones() {
    let mut c = composition();
    c.headers = vec![
        Header {
            name: "X-First".into(),
            value: "1".into(),
        },
        Header {
            name: "subject".into(),
            value: "Replaced ümlaut".into(),
        },
        Header {
            name: "X-Second".into(),
            value: "2".into(),
        },
        Header {
            name: "X-Third".into(),
            value: "3".into(),
        },
    ];
    let out = build(&c);
    let lines = header_lines(&out);
    let names: Vec<&str> = lines
        .iter()
        .filter(|l| !l.starts_with(' '))
        .filter_map(|l| l.split_once(':').map(|(n, _)| n))
        .collect();
    assert_eq!(
        names[..8],
        [
            "From",
            "To",
            "Subject",
            "Date",
            "Message-ID",
            "X-First",
            "X-Second",
            "X-Third"
        ],
        "{names:?}"
    );
    assert_eq!(
        names
            .iter()
            .filter(|n| n.eq_ignore_ascii_case("subject"))
            .count(),
        1
    );
    let parsed = MessageParser::new().parse(&out).expect("parses");
    assert_eq!(parsed.subject(), Some("Replaced ümlaut"));
    let customs: Vec<&str> = parsed
        .headers()
        .iter()
        .filter(|h| h.name().starts_with("X-"))
        .map(|h| h.value().as_text().expect("text"))
        .collect();
    assert_eq!(customs, ["1", "2", "3"]);
}

#[test]
fn bad_custom_headers_are_refused() {
    let with = |name: &str, value: &str| {
        let mut c = composition();
        c.headers = vec![Header {
            name: name.into(),
            value: value.into(),
        }];
        c.build()
    };
    assert_eq!(
        with("X-Evil", "a\r\nBcc: victim@example.com"),
        Err(ComposeError::LineBreakInHeader {
            name: "X-Evil".into()
        })
    );
    assert_eq!(
        with("X-Evil", "a\nb"),
        Err(ComposeError::LineBreakInHeader {
            name: "X-Evil".into()
        })
    );
    for name in ["", "Bad Name", "Bad:Name", "Näme"] {
        assert_eq!(
            with(name, "v"),
            Err(ComposeError::BadHeaderName { name: name.into() })
        );
    }
    let err = with("content-type", "text/html").expect_err("the composer's");
    assert_eq!(
        err,
        ComposeError::MimeHeader {
            name: "Content-Type".into()
        }
    );
    assert!(err.to_string().contains("Content-Type"), "{err}");
    let mut c = composition();
    c.subject = "two\nlines".into();
    assert!(matches!(
        c.build(),
        Err(ComposeError::LineBreakInHeader { .. })
    ));
    let mut c = composition();
    c.to = vec!["用户@例子.广告".into()];
    assert!(matches!(
        c.build(),
        Err(ComposeError::NonAsciiAddress { .. })
    ));
    let mut c = composition();
    c.attachments.push(Attachment {
        filename: "a.bin".into(),
        content_type: Some("not a type".into()),
        bytes: vec![1],
    });
    assert!(matches!(
        c.build(),
        Err(ComposeError::BadContentType { .. })
    ));
}

#[test]
fn text_and_html_make_multipart_alternative() {
    let mut c = composition();
    c.html = Some("<p>Hi Ted,</p>\n<p>see you.</p>".into());
    let out = build(&c);
    let text = String::from_utf8(out.clone()).expect("ASCII");
    assert!(
        text.contains("Content-Type: multipart/alternative;"),
        "{text}"
    );
    assert!(!text.contains("multipart/mixed"), "{text}");
    assert!(text.contains("MIME-Version: 1.0\r\n"));
    let parsed = MessageParser::new().parse(&out).expect("parses");
    assert_eq!(
        parsed.body_text(0).as_deref(),
        Some("Hi Ted,\r\nsee you.\r\n")
    );
    assert_eq!(
        parsed.body_html(0).as_deref(),
        Some("<p>Hi Ted,</p>\r\n<p>see you.</p>")
    );
}

#[test]
fn non_ascii_text_goes_quoted_printable_and_round_trips() {
    let mut c = composition();
    // Mostly ASCII: quoted-printable is shorter than base64 (mail-builder
    // takes the shorter; text mostly in Japanese goes base64).
    c.text = "Liebe Grüße aus Köln, wir sehen uns am Montag im Büro.\r\n\r\nKim\r\n".into();
    let out = build(&c);
    let text = String::from_utf8(out.clone()).expect("ASCII");
    assert!(
        text.contains("Content-Type: text/plain; charset=utf-8\r\n"),
        "{text}"
    );
    assert!(
        text.contains("Content-Transfer-Encoding: quoted-printable\r\n"),
        "{text}"
    );
    let parsed = MessageParser::new().parse(&out).expect("parses");
    assert_eq!(parsed.body_text(0).as_deref(), Some(c.text.as_str()));

    // A long ASCII line is not sent as 7bit either.
    let mut c = composition();
    c.text = "word ".repeat(300);
    let out = build(&c);
    let text = String::from_utf8(out.clone()).expect("ASCII");
    assert!(text.contains("Content-Transfer-Encoding: quoted-printable\r\n"));
    assert!(check_whole_message(&out).longest_line <= 78);
    let parsed = MessageParser::new().parse(&out).expect("parses");
    assert_eq!(parsed.body_text(0).as_deref(), Some(c.text.as_str()));
}

#[test]
fn short_ascii_text_stays_7bit_with_crlf() {
    let out = build(&composition());
    let text = String::from_utf8(out).expect("ASCII");
    assert!(
        text.contains("Content-Transfer-Encoding: 7bit\r\n\r\nHi Ted,\r\nsee you.\r\n"),
        "{text}"
    );
    assert!(
        text.starts_with(
            "From: <kim@fourthcoffee.com>\r\nTo: <ted@contoso.com>, <amy@contoso.com>\r\n"
        ),
        "{text}"
    );
    assert!(text.contains("\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n"));
    assert!(text.contains("\r\nMessage-ID: <abc@smtplab>\r\n"));
}

#[test]
fn output_is_7bit_for_any_input() {
    let mut c = composition();
    c.subject = "Ünïcödé ✉ 🚀".into();
    c.text = "日本語\rmixed\nline\r\nendings 🚀".into();
    c.html = Some("<b>ü</b>".into());
    c.headers = vec![Header {
        name: "X-Note".into(),
        value: "naïve ✓".into(),
    }];
    c.attachments.push(Attachment {
        filename: "ファイル.txt".into(),
        content_type: Some("text/plain; charset=utf-8".into()),
        bytes: "ü\n".as_bytes().to_vec(),
    });
    let out = build(&c);
    let parsed = MessageParser::new().parse(&out).expect("parses");
    assert_eq!(parsed.subject(), Some("Ünïcödé ✉ 🚀"));
    assert_eq!(
        parsed.body_text(0).as_deref(),
        Some("日本語\r\nmixed\r\nline\r\nendings 🚀")
    );
    let raw = parsed.header_raw("X-Note").expect("X-Note arrives");
    assert_eq!(decode_encoded_words(raw.trim()), "naïve ✓");
    assert_eq!(
        parsed.attachment(0).map(|a| a.contents()),
        Some(&b"\xc3\xbc\n"[..])
    );
}

#[test]
fn whole_message_check_counts_bare_lf_long_lines_and_8bit() {
    let clean = check_whole_message(b"Subject: x\r\n\r\nbody\r\n");
    assert_eq!(clean.bare_lf_lines, 0);
    assert_eq!(clean.long_lines, 0);
    assert!(!clean.eight_bit);
    assert!(clean.has_body_separator);
    assert_eq!(clean.size, 20);
    assert_eq!(clean.longest_line, 10);

    let bare = check_whole_message(b"Subject: x\n\r\nbody\nmore\r\n");
    assert_eq!(bare.bare_lf_lines, 2);
    assert_eq!(bare.size, 26);

    let mut long = b"Subject: x\r\n\r\n".to_vec();
    long.extend(std::iter::repeat_n(b'a', 1000));
    long.extend(b"\r\n");
    long.extend(std::iter::repeat_n(b'b', 998));
    long.extend(b"\r\n");
    let long = check_whole_message(&long);
    assert_eq!(long.long_lines, 1, "998 octets is allowed, 1000 is not");
    assert_eq!(long.longest_line, 1000);

    let eight = check_whole_message("Subject: Grüße\r\n\r\n".as_bytes());
    assert!(eight.eight_bit);
    let headers_only = check_whole_message(b"Subject: x\r\nFrom: <a@b>\r\n");
    assert!(!headers_only.has_body_separator);
}

#[test]
fn custom_address_header_encodes_only_the_display_names() {
    let mut c = composition();
    c.headers = vec![
        Header {
            name: "From".into(),
            value: "Kim Müller <kim@fourthcoffee.com>".into(),
        },
        Header {
            name: "Cc".into(),
            value: "\"Ted, 営業部\" <ted@contoso.com>, amy@contoso.com".into(),
        },
    ];
    let out = build(&c);
    let parsed = MessageParser::new().parse(&out).expect("parses");
    let from = parsed.from().and_then(|a| a.first()).expect("From");
    assert_eq!(from.name(), Some("Kim Müller"));
    assert_eq!(from.address(), Some("kim@fourthcoffee.com"));
    let cc: Vec<(Option<&str>, Option<&str>)> = parsed
        .cc()
        .expect("Cc")
        .iter()
        .map(|a| (a.name(), a.address()))
        .collect();
    assert_eq!(
        cc,
        [
            (Some("Ted, 営業部"), Some("ted@contoso.com")),
            (None, Some("amy@contoso.com"))
        ]
    );

    let mut c = composition();
    c.headers = vec![Header {
        name: "Date".into(),
        value: "月曜日".into(),
    }];
    assert_eq!(
        c.build(),
        Err(ComposeError::NonAsciiValue {
            name: "Date".into()
        })
    );
    c.headers = vec![Header {
        name: "Reply-To".into(),
        value: "Kim <kim@bücher.example>".into(),
    }];
    assert!(matches!(
        c.build(),
        Err(ComposeError::NonAsciiAddress { .. })
    ));
}

#[test]
fn mixed_subjects_keep_words_short_and_lines_folded() {
    let pieces = ["a", "é", "日", "🚀", " ", "word", "Ü", "x̃", "?", "=", "_"];
    let mut state = 7u32;
    for length in 1..160 {
        let subject: String = (0..length)
            .map(|_| {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                pieces[(state >> 16) as usize % pieces.len()]
            })
            .collect();
        let mut c = composition();
        c.subject = subject.clone();
        let out = build(&c);
        for line in header_lines(&out) {
            let unbreakable = line.trim_start().split(' ').count() == 1
                || line.starts_with("Subject: ") && !line[9..].contains(' ');
            assert!(line.len() <= 78 || unbreakable, "{line:?} for {subject:?}");
            for word in encoded_words(&line) {
                assert!(word.len() <= 75, "{word} for {subject:?}");
                assert!(!decode_encoded_words(word).contains('\u{FFFD}'), "{word}");
            }
        }
        let parsed = MessageParser::new().parse(&out).expect("parses");
        assert_eq!(parsed.subject(), Some(subject.as_str()), "{subject:?}");
    }
}
