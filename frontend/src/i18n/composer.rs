//! The message composer's and the "Extensions" fieldset's words, in both
//! languages: a catalogue of its own ([`Cm`]) beside [`super::Msg`], with
//! exhaustive matches so a key cannot be added to one language only.

use super::{fill, Lang};

/// A composer message key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub(crate) enum Cm {
    LegendExtensions,
    ExtensionsHint,
    LabelPipelining,
    LabelBdat,
    LabelBdatChunk,
    LabelEightBit,
    LabelDsn,
    LabelDsnRet,
    RetNone,
    RetFull,
    RetHdrs,
    LabelEnvid,
    LegendNotify,
    LabelOrcpt,
    LabelStrict,
    LabelToken,
    TokenHint,
    LegendHeaders,
    LabelHeaderName,
    LabelHeaderValue,
    AddHeader,
    RemoveHeaderAria,
    LabelHtmlOn,
    LabelHtml,
    LegendAttachments,
    LabelAttach,
    AttachHint,
    RemoveAttachmentAria,
    Bytes,
    LabelWhole,
    LabelRaw,
    LabelEml,
    WholeHint,
    LoadedNotUtf8,
    WarnBareLf,
    WarnLongLines,
    WarnEightBit,
    WarnNoSeparator,
    MessageSize,
    SizeOver,
    SizeWithin,
    ErrHeaderEmptyName,
    ErrHeaderBadName,
    ErrHeaderLineBreak,
    ErrHeaderReserved,
    ErrEmptyMessage,
    ErrNonAsciiAddress,
    ErrNonAsciiValue,
    ErrBadContentType,
    ErrComposeName,
    ErrComposeLineBreak,
    ErrComposeMime,
    ErrBadChunk,
    ErrNotifyNever,
    ErrBadEnvid,
    ErrBadIdn,
    IdnHint,
}

/// The text of `msg` in `lang` (placeholders unfilled).
pub(crate) fn tc(lang: Lang, msg: Cm) -> &'static str {
    match lang {
        Lang::En => en(msg),
        Lang::Ja => ja(msg),
    }
}

/// The text of `msg` in `lang` with `{0}`, `{1}`… replaced by `args`.
pub(crate) fn tcf(lang: Lang, msg: Cm, args: &[&str]) -> String {
    fill(tc(lang, msg), args)
}

fn en(msg: Cm) -> &'static str {
    match msg {
        Cm::LegendExtensions => "Extensions",
        Cm::ExtensionsHint => "Each option is used only when the server offers its extension; BDAT and DSN stop the session before MAIL when it does not.",
        Cm::LabelPipelining => "PIPELINING: send MAIL, RCPT and DATA in one flight",
        Cm::LabelBdat => "BDAT (CHUNKING) instead of DATA",
        Cm::LabelBdatChunk => "Chunk size (bytes)",
        Cm::LabelEightBit => "Force BODY=8BITMIME",
        Cm::LabelDsn => "Ask for delivery status notifications (DSN)",
        Cm::LabelDsnRet => "RET (what a bounce carries)",
        Cm::RetNone => "not set",
        Cm::RetFull => "FULL (the whole message)",
        Cm::RetHdrs => "HDRS (the headers only)",
        Cm::LabelEnvid => "ENVID (envelope ID)",
        Cm::LegendNotify => "NOTIFY",
        Cm::LabelOrcpt => "ORCPT (the original recipient on each RCPT)",
        Cm::LabelStrict => "Stop at the first refused recipient",
        Cm::LabelToken => "Bearer token",
        Cm::TokenHint => "The OAuth 2.0 access token; kept like a password (not in share links, saved only with \"remember password\").",
        Cm::LegendHeaders => "Custom headers",
        Cm::LabelHeaderName => "Header {0} name",
        Cm::LabelHeaderValue => "Header {0} value",
        Cm::AddHeader => "Add header",
        Cm::RemoveHeaderAria => "Remove header {0}",
        Cm::LabelHtmlOn => "Add an HTML alternative",
        Cm::LabelHtml => "HTML",
        Cm::LegendAttachments => "Attachments",
        Cm::LabelAttach => "Attach files",
        Cm::AttachHint => "Attachments go with this run only: they are not kept in saved sessions, share links or session files.",
        Cm::RemoveAttachmentAria => "Remove {0}",
        Cm::Bytes => "{0} bytes",
        Cm::LabelWhole => "Whole message: send a pasted or loaded RFC 5322 message as is",
        Cm::LabelRaw => "Message (headers, blank line, body)",
        Cm::LabelEml => "Load an .eml file",
        Cm::WholeHint => "Sent as is: only line endings become CRLF and lines starting with a dot are doubled. No Date, Message-ID, From or To is added.",
        Cm::LoadedNotUtf8 => "The loaded file is not UTF-8: its bytes are sent exactly as loaded (shown here with � for what is not UTF-8); editing the text replaces them with what is shown.",
        Cm::WarnBareLf => "{0} lines end with a bare LF (no CR): they are sent with CRLF.",
        Cm::WarnLongLines => "{0} lines are longer than 998 octets (the longest has {1}): servers may refuse or break them.",
        Cm::WarnEightBit => "The message has 8-bit bytes and the server is not known to offer 8BITMIME (a run shows what it offers).",
        Cm::WarnNoSeparator => "No blank line between headers and body: everything would be read as headers.",
        Cm::MessageSize => "Message size as sent: {0} bytes",
        Cm::SizeOver => "Over the server's SIZE limit of {0} bytes (from the last EHLO): the server will likely refuse it.",
        Cm::SizeWithin => "Within the server's SIZE limit of {0} bytes.",
        Cm::ErrHeaderEmptyName => "Custom header {0} has a value but no name.",
        Cm::ErrHeaderBadName => "Custom header {0}: a name has printable ASCII characters only, without spaces or a colon.",
        Cm::ErrHeaderLineBreak => "Custom header {0}: the value has a line break.",
        Cm::ErrHeaderReserved => "Custom header {0}: MIME-Version, Content-Type and Content-Transfer-Encoding are written from the body and attachments; use the whole-message mode to set them.",
        Cm::ErrEmptyMessage => "The whole message is empty: paste or load one.",
        Cm::ErrNonAsciiAddress => "The {0} address {1} has non-ASCII characters before the @, which a composed (7-bit) message cannot carry: send it in the whole-message mode (the server must offer SMTPUTF8).",
        Cm::ErrNonAsciiValue => "The {0} header must be ASCII.",
        Cm::ErrBadContentType => "Attachment {0}: {1} is not a MIME type (type/subtype, e.g. application/pdf).",
        Cm::ErrComposeName => "{0} is not a valid header name.",
        Cm::ErrComposeLineBreak => "The {0} header contains a line break.",
        Cm::ErrComposeMime => "The {0} header is written by the composer from the body and attachments.",
        Cm::ErrBadChunk => "The BDAT chunk size {0} is not a number from 1 to 4294967295.",
        Cm::ErrNotifyNever => "NOTIFY=NEVER cannot be combined with another NOTIFY value.",
        Cm::ErrBadEnvid => "The ENVID must be 1 to 100 printable ASCII characters.",
        Cm::ErrBadIdn => "The domain {0} cannot be converted to ASCII (IDNA): check it for typing errors.",
        Cm::IdnHint => "International domains are sent as A-labels (xn--…); a UTF-8 user name before the @ needs SMTPUTF8.",
    }
}

fn ja(msg: Cm) -> &'static str {
    match msg {
        Cm::LegendExtensions => "拡張機能",
        Cm::ExtensionsHint => "各オプションはサーバーがその拡張を提供しているときだけ使います。BDAT と DSN は提供されていなければ MAIL の前にセッションを止めます。",
        Cm::LabelPipelining => "PIPELINING：MAIL・RCPT・DATA をまとめて送る",
        Cm::LabelBdat => "DATA の代わりに BDAT (CHUNKING)",
        Cm::LabelBdatChunk => "チャンクサイズ（バイト）",
        Cm::LabelEightBit => "BODY=8BITMIME を常に付ける",
        Cm::LabelDsn => "配送状態通知 (DSN) を求める",
        Cm::LabelDsnRet => "RET（バウンスに含める内容）",
        Cm::RetNone => "指定しない",
        Cm::RetFull => "FULL（メッセージ全体）",
        Cm::RetHdrs => "HDRS（ヘッダーのみ）",
        Cm::LabelEnvid => "ENVID（エンベロープ ID）",
        Cm::LegendNotify => "NOTIFY",
        Cm::LabelOrcpt => "ORCPT（各 RCPT に元の宛先を付ける）",
        Cm::LabelStrict => "拒否された最初の宛先で止める",
        Cm::LabelToken => "Bearer トークン",
        Cm::TokenHint => "OAuth 2.0 のアクセストークン。パスワードと同じ扱いです（共有リンクには含めず、「パスワードを保存」のときだけ保存）。",
        Cm::LegendHeaders => "追加ヘッダー",
        Cm::LabelHeaderName => "ヘッダー {0} の名前",
        Cm::LabelHeaderValue => "ヘッダー {0} の値",
        Cm::AddHeader => "ヘッダーを追加",
        Cm::RemoveHeaderAria => "ヘッダー {0} を削除",
        Cm::LabelHtmlOn => "HTML 版を付ける",
        Cm::LabelHtml => "HTML",
        Cm::LegendAttachments => "添付ファイル",
        Cm::LabelAttach => "ファイルを添付",
        Cm::AttachHint => "添付ファイルはこの実行でだけ送ります。保存したセッション、共有リンク、セッションファイルには含まれません。",
        Cm::RemoveAttachmentAria => "{0} を削除",
        Cm::Bytes => "{0} バイト",
        Cm::LabelWhole => "メッセージ全体：貼り付けた／読み込んだ RFC 5322 メッセージをそのまま送る",
        Cm::LabelRaw => "メッセージ（ヘッダー、空行、本文）",
        Cm::LabelEml => ".eml ファイルを読み込む",
        Cm::WholeHint => "そのまま送ります。改行を CRLF にし、ドットで始まる行のドットを重ねるだけです。Date・Message-ID・From・To は付けません。",
        Cm::LoadedNotUtf8 => "読み込んだファイルは UTF-8 ではありません。読み込んだバイトのまま送ります（UTF-8 でない部分はここでは � と表示）。ここで編集すると、表示されているテキストに置き換わります。",
        Cm::WarnBareLf => "{0} 行が CR のない LF で終わっています。CRLF にして送ります。",
        Cm::WarnLongLines => "{0} 行が 998 オクテットを超えています（最長 {1}）。サーバーが拒否したり行を折ったりすることがあります。",
        Cm::WarnEightBit => "8 ビットのバイトを含みますが、サーバーが 8BITMIME を提供しているかは分かっていません（一度実行すると分かります）。",
        Cm::WarnNoSeparator => "ヘッダーと本文の間に空行がありません。全体がヘッダーとして読まれます。",
        Cm::MessageSize => "送信するメッセージのサイズ：{0} バイト",
        Cm::SizeOver => "サーバーの SIZE 上限 {0} バイト（直前の EHLO より）を超えています。拒否される可能性が高いです。",
        Cm::SizeWithin => "サーバーの SIZE 上限 {0} バイト以内です。",
        Cm::ErrHeaderEmptyName => "追加ヘッダー {0} に値がありますが名前がありません。",
        Cm::ErrHeaderBadName => "追加ヘッダー {0}：名前に使えるのは空白とコロン以外の表示可能な ASCII 文字だけです。",
        Cm::ErrHeaderLineBreak => "追加ヘッダー {0}：値に改行が含まれています。",
        Cm::ErrHeaderReserved => "追加ヘッダー {0}：MIME-Version・Content-Type・Content-Transfer-Encoding は本文と添付ファイルから書きます。指定するにはメッセージ全体モードを使ってください。",
        Cm::ErrEmptyMessage => "メッセージ全体が空です。貼り付けるか読み込んでください。",
        Cm::ErrNonAsciiAddress => "{0} のアドレス {1} は @ の前に ASCII 以外の文字を含み、組み立てたメッセージ（7 ビット）には入れられません。メッセージ全体モードで送ってください（サーバーが SMTPUTF8 を提供している必要があります）。",
        Cm::ErrNonAsciiValue => "{0} ヘッダーは ASCII にしてください。",
        Cm::ErrBadContentType => "添付ファイル {0}：{1} は MIME タイプではありません（type/subtype の形、例 application/pdf）。",
        Cm::ErrComposeName => "{0} はヘッダー名として使えません。",
        Cm::ErrComposeLineBreak => "{0} ヘッダーに改行が含まれています。",
        Cm::ErrComposeMime => "{0} ヘッダーは本文と添付ファイルからフォームが書きます。",
        Cm::ErrBadChunk => "BDAT のチャンクサイズ {0} は 1～4294967295 の数ではありません。",
        Cm::ErrNotifyNever => "NOTIFY=NEVER は他の NOTIFY の値と組み合わせられません。",
        Cm::ErrBadEnvid => "ENVID は 1～100 文字の表示可能な ASCII 文字にしてください。",
        Cm::ErrBadIdn => "ドメイン {0} を ASCII (IDNA) に変換できません。入力ミスがないか確認してください。",
        Cm::IdnHint => "国際化ドメインは A ラベル (xn--…) で送ります。@ の前が UTF-8 のときは SMTPUTF8 が必要です。",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_match_between_languages() {
        let all = [
            Cm::LabelHeaderName,
            Cm::RemoveHeaderAria,
            Cm::Bytes,
            Cm::WarnLongLines,
            Cm::MessageSize,
            Cm::SizeOver,
            Cm::ErrHeaderReserved,
            Cm::ErrBadIdn,
            Cm::ErrNonAsciiAddress,
            Cm::ErrBadContentType,
            Cm::ErrBadChunk,
        ];
        for msg in all {
            for slot in ["{0}", "{1}"] {
                assert_eq!(
                    en(msg).contains(slot),
                    ja(msg).contains(slot),
                    "{msg:?} {slot}"
                );
            }
        }
        assert_eq!(tcf(Lang::Ja, Cm::Bytes, &["12"]), "12 バイト");
    }
}
