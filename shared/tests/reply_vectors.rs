//! Reply vectors from `tests/vectors/*.txt`, table-driven: each one is fed in
//! every chunk size from 1 to its length, with CRLF and with bare LF, and
//! must give the same replies every time.

#[cfg(all(target_family = "wasm", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use smtplab_shared::smtp::{
    decode_challenge, explain_code, explain_enhanced, Capabilities, Extension, Mechanism,
    ParseError, Reply, ReplyParser,
};

const SEED_EHLO: &str = include_str!("vectors/seed_ehlo.txt");
const SEED_AUTH_LOGIN: &str = include_str!("vectors/seed_auth_login.txt");
const SEED_TRANSACTION: &str = include_str!("vectors/seed_transaction.txt");
const POSTFIX_EHLO: &str = include_str!("vectors/postfix_ehlo.txt");
const MULTILINE_GREETING: &str = include_str!("vectors/multiline_greeting.txt");
const POSTFIX_REJECTIONS: &str = include_str!("vectors/postfix_rejections.txt");
const MISMATCHED_CONTINUATION: &str = include_str!("vectors/mismatched_continuation.txt");

/// What the parser should yield, in order.
#[derive(Debug)]
enum Expect {
    Reply {
        code: u16,
        enhanced: Option<&'static str>,
        lines: usize,
    },
    Mismatch {
        expected: u16,
        found: u16,
    },
}

const fn reply(code: u16, enhanced: Option<&'static str>, lines: usize) -> Expect {
    Expect::Reply {
        code,
        enhanced,
        lines,
    }
}

const VECTORS: &[(&str, &str, &[Expect])] = &[
    ("seed_ehlo", SEED_EHLO, &[reply(250, None, 17)]),
    (
        "seed_auth_login",
        SEED_AUTH_LOGIN,
        &[
            reply(334, None, 1),
            reply(334, None, 1),
            reply(235, Some("2.7.0"), 1),
        ],
    ),
    (
        "seed_transaction",
        SEED_TRANSACTION,
        &[
            reply(250, Some("2.1.0"), 1),
            reply(250, Some("2.1.5"), 1),
            reply(354, None, 1),
            reply(250, Some("2.6.0"), 1),
        ],
    ),
    ("postfix_ehlo", POSTFIX_EHLO, &[reply(250, None, 11)]),
    (
        "multiline_greeting",
        MULTILINE_GREETING,
        &[reply(220, None, 3)],
    ),
    (
        "postfix_rejections",
        POSTFIX_REJECTIONS,
        &[
            reply(535, Some("5.7.8"), 1),
            reply(550, Some("5.1.1"), 1),
            reply(554, Some("5.7.1"), 1),
            reply(552, Some("5.3.4"), 1),
            reply(421, Some("4.3.2"), 1),
            reply(221, Some("2.0.0"), 1),
        ],
    ),
    (
        "mismatched_continuation",
        MISMATCHED_CONTINUATION,
        &[
            Expect::Mismatch {
                expected: 250,
                found: 550,
            },
            reply(550, Some("5.0.0"), 1),
            reply(250, None, 1),
        ],
    ),
];

/// The vector's lines, whatever endings the file was saved with.
fn lines_of(text: &str) -> Vec<&str> {
    text.lines().collect()
}

fn with_ending(text: &str, ending: &str) -> Vec<u8> {
    lines_of(text)
        .iter()
        .flat_map(|l| [*l, ending])
        .collect::<String>()
        .into_bytes()
}

fn parse_in_chunks(input: &[u8], chunk: usize) -> Vec<Result<Reply, ParseError>> {
    let mut parser = ReplyParser::new();
    let mut out = Vec::new();
    for piece in input.chunks(chunk) {
        parser.push(piece);
        loop {
            match parser.next_reply() {
                Ok(Some(reply)) => out.push(Ok(reply)),
                Ok(None) => break,
                Err(e) => out.push(Err(e)),
            }
        }
    }
    assert!(!parser.has_partial(), "bytes left over");
    out
}

fn check(name: &str, got: &[Result<Reply, ParseError>], expected: &[Expect], bare_lf: bool) {
    assert_eq!(got.len(), expected.len(), "{name}: {got:?}");
    for (got, expected) in got.iter().zip(expected) {
        match (got, expected) {
            (
                Ok(reply),
                Expect::Reply {
                    code,
                    enhanced,
                    lines,
                },
            ) => {
                assert_eq!(reply.code.as_u16(), *code, "{name}");
                assert_eq!(
                    reply.enhanced.map(|e| e.to_string()).as_deref(),
                    *enhanced,
                    "{name}"
                );
                assert_eq!(reply.lines.len(), *lines, "{name}");
                assert_eq!(reply.bare_lf, bare_lf, "{name}");
            }
            (
                Err(ParseError::MismatchedContinuation {
                    expected: e,
                    found: f,
                }),
                Expect::Mismatch { expected, found },
            ) => {
                assert_eq!((e, f), (expected, found), "{name}");
            }
            (got, expected) => panic!("{name}: got {got:?}, expected {expected:?}"),
        }
    }
}

#[test]
fn vectors_parse_the_same_in_every_chunking_and_line_ending() {
    for (name, text, expected) in VECTORS {
        for (ending, bare_lf) in [("\r\n", false), ("\n", true)] {
            let input = with_ending(text, ending);
            let whole = parse_in_chunks(&input, input.len());
            check(name, &whole, expected, bare_lf);
            for chunk in 1..=input.len() {
                let got = parse_in_chunks(&input, chunk);
                assert_eq!(got, whole, "{name}: chunk size {chunk}, ending {ending:?}");
            }
        }
    }
}

#[test]
fn raw_lines_are_kept_verbatim() {
    for (name, text, expected) in VECTORS {
        if expected
            .iter()
            .any(|e| matches!(e, Expect::Mismatch { .. }))
        {
            continue;
        }
        let replies = parse_in_chunks(&with_ending(text, "\r\n"), 5);
        let lines: Vec<String> = replies
            .into_iter()
            .flat_map(|r| r.expect("valid vector").lines)
            .collect();
        assert_eq!(lines, lines_of(text), "{name}");
    }
}

#[test]
fn seed_ehlo_capabilities_drop_nothing() {
    let reply = &parse_in_chunks(&with_ending(SEED_EHLO, "\r\n"), 7)[0];
    let caps = Capabilities::from_ehlo(reply.as_ref().expect("valid"));
    assert_eq!(caps.greeting, "mail1.fourthcoffee.com Hello [172.16.0.0]");
    let other = |keyword: &str, params: &[&str]| Extension::Other {
        keyword: keyword.into(),
        params: params.iter().map(|p| (*p).to_owned()).collect(),
    };
    assert_eq!(
        caps.extensions,
        vec![
            Extension::Turn,
            Extension::Atrn,
            Extension::Size(Some(5_242_880)),
            Extension::Etrn,
            Extension::Pipelining,
            Extension::Dsn,
            Extension::EnhancedStatusCodes,
            Extension::EightBitMime,
            Extension::BinaryMime,
            Extension::Chunking,
            Extension::Vrfy,
            other("X-EXPS", &["GSSAPI", "NTLM"]),
            Extension::Auth(vec![Mechanism::Gssapi, Mechanism::Ntlm]),
            other("X-LINK2STATE", &[]),
            other("XEXCH50", &[]),
            other("OK", &[]),
        ]
    );
    assert_eq!(caps.max_size(), Some(5_242_880));
    assert!(caps.has("8BITMIME"));
}

#[test]
fn postfix_ehlo_capabilities_are_typed() {
    let reply = &parse_in_chunks(&with_ending(POSTFIX_EHLO, "\n"), 3)[0];
    let caps = Capabilities::from_ehlo(reply.as_ref().expect("valid"));
    assert_eq!(caps.greeting, "mail.example.test");
    assert_eq!(caps.extensions.len(), 10);
    assert_eq!(caps.auth_mechanisms(), [Mechanism::Plain, Mechanism::Login]);
    assert_eq!(caps.max_size(), Some(10_240_000));
    assert!(caps.has("smtputf8") && caps.has("CHUNKING"));
}

#[test]
fn seed_login_challenges_decode_to_prompts() {
    let replies = parse_in_chunks(&with_ending(SEED_AUTH_LOGIN, "\r\n"), 4);
    let texts: Vec<String> = replies[..2]
        .iter()
        .map(|r| decode_challenge(&r.as_ref().expect("valid").text()).expect("base64"))
        .collect();
    assert_eq!(texts, ["Username:", "Password:"]);
}

#[test]
fn seed_queue_reply_keeps_enhanced_code_and_text() {
    let replies = parse_in_chunks(&with_ending(SEED_TRANSACTION, "\r\n"), 9);
    let queued = replies[3].as_ref().expect("valid");
    assert_eq!(
        queued.text(),
        "2.6.0 <INET-IMC-01UWr81nn9000fbad8@mail1.fourthcoffee.com> Queued mail for delivery"
    );
    assert_eq!(
        queued.message_lines().collect::<Vec<_>>(),
        ["<INET-IMC-01UWr81nn9000fbad8@mail1.fourthcoffee.com> Queued mail for delivery"]
    );
    assert_eq!(
        explain_code(queued.code),
        "The requested action was completed."
    );
    let sender = replies[0].as_ref().expect("valid");
    assert_eq!(
        sender.enhanced.and_then(explain_enhanced),
        Some("Other address status.")
    );
}
