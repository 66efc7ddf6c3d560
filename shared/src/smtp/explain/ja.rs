//! Japanese explanations of reply codes, enhanced status codes and EHLO
//! extensions: the same table as the English one in [`super`], entry for
//! entry (a test checks that every code explained in English is explained
//! here too).

use super::super::capability::{Extension, Mechanism};
use super::super::reply::{EnhancedCode, ReplyCode, Severity};
use super::{human_size, is_private};

/// [`explain_code`](super::explain_code) in Japanese. Codes outside the
/// table get the meaning of their first digit.
/// <https://www.rfc-editor.org/rfc/rfc5321#section-4.2.2>
pub fn explain_code_ja(code: ReplyCode) -> &'static str {
    match code.as_u16() {
        211 => "システム状態またはシステムのヘルプの応答です。",
        214 => "人が読むためのヘルプメッセージです。",
        220 => "サーバーは SMTP の準備ができています。",
        221 => "サーバーは接続を閉じます。",
        235 => "認証に成功しました。",
        250 => "要求された操作は完了しました。",
        251 => "宛先はこのサーバーのユーザーではありません。サーバーがメッセージを転送します。",
        252 => "サーバーはユーザーを確認できませんが、メッセージを受け取って配送を試みます。",
        334 => "認証のチャレンジです。サーバーは次の base64 の応答を待っています。",
        354 => "メッセージを送ってください。ドット 1 つだけの行で終わります。",
        421 => "サービスを利用できないため、サーバーは接続を閉じます。後で再試行してください。",
        450 => "メールボックスは今は利用できません（使用中、またはグレーリストなどのポリシー）。後で再試行してください。",
        451 => "処理中にサーバー側でエラーが起きました。後で再試行してください。",
        452 => "サーバーの記憶領域が今は足りません（または宛先が多すぎます）。後で再試行してください。",
        454 => "一時的な失敗です。認証または TLS が今は使えません。",
        455 => "サーバーは今はそのパラメーターに対応できません。",
        500 => "構文エラーです。コマンドが認識されませんでした（または行が長すぎます）。",
        501 => "コマンドのパラメーターまたは引数に構文エラーがあります。",
        502 => "このサーバーはそのコマンドを実装していません。",
        503 => "コマンドの順序が正しくありません（例: MAIL より前の RCPT、2 回目の AUTH）。",
        504 => "コマンドのパラメーター（AUTH の方式など）は実装されていません。",
        521 => "このホストはメールを一切受け付けません。",
        530 => "認証または暗号化（STARTTLS）を行うまでこのコマンドは受け付けられません。どちらが必要かは応答の本文に書かれています。",
        534 => "この認証方式はサーバーのポリシーでは弱すぎます。",
        535 => "認証に失敗しました。ユーザー名またはパスワードが受け付けられませんでした。",
        538 => "この認証方式には暗号化（STARTTLS）が必要です。",
        550 => "メールボックスを利用できません（存在しない、権限がない、またはポリシーで拒否）。",
        551 => "宛先はこのサーバーのユーザーではなく、サーバーは転送しません。",
        552 => "記憶領域の上限を超えました。メッセージが大きすぎるか、メールボックスがいっぱいです。",
        553 => "メールボックス名が許可されていません（例: 構文の誤り）。",
        554 => "トランザクションは失敗しました（接続時の応答なら、ここに SMTP サービスはありません）。",
        555 => "MAIL FROM または RCPT TO のパラメーターが認識されないか、実装されていません。",
        556 => "宛先のドメインはメールを受け付けません。",
        _ => match code.severity() {
            Severity::PositiveCompletion => "成功です。",
            Severity::PositiveIntermediate => "ここまでは受け付けられました。サーバーは続きの入力を待っています。",
            Severity::TransientNegative => "一時的な失敗です。同じコマンドが後で成功する可能性があります。",
            Severity::PermanentNegative => "恒久的な失敗です。同じコマンドを繰り返しても成功しません。",
        },
    }
}

/// [`explain_enhanced`](super::explain_enhanced) in Japanese, or `None` if
/// the code is unknown.
/// <https://www.rfc-editor.org/rfc/rfc3463#section-3>
pub fn explain_enhanced_ja(code: EnhancedCode) -> Option<&'static str> {
    let text = match (code.subject, code.detail) {
        (0, 0) => "その他、または未定義の状態です。",
        (1, 0) => "その他のアドレスの状態です。",
        (1, 1) => "宛先メールボックスのアドレスが正しくありません。メールボックスが存在しません。",
        (1, 2) => "宛先システムのアドレスが正しくありません。ドメインが存在しないか、メールを受け付けません。",
        (1, 3) => "宛先メールボックスのアドレスの構文が正しくありません。",
        (1, 4) => "宛先メールボックスのアドレスがあいまいです。",
        (1, 5) => "宛先アドレスは有効です。",
        (1, 6) => "宛先メールボックスは移動し、転送先のアドレスがありません。",
        (1, 7) => "送信者のメールボックスのアドレスの構文が正しくありません。",
        (1, 8) => "送信者のシステムのアドレスが正しくありません。",
        (1, 9) => "メッセージは規格に従わないメールサーバーへ中継されました。",
        (1, 10) => "宛先のドメインは null MX を持ち、メールを受け付けません。",
        (2, 0) => "その他、または未定義のメールボックスの状態です。",
        (2, 1) => "メールボックスは無効にされていて、メッセージを受け付けません。",
        (2, 2) => "メールボックスがいっぱいです。",
        (2, 3) => "メッセージが管理上の上限より長いです。",
        (2, 4) => "メーリングリストの展開で問題が起きました。",
        (3, 0) => "その他、または未定義のメールシステムの状態です。",
        (3, 1) => "メールシステムがいっぱいです。",
        (3, 2) => "システムはネットワークからのメッセージを受け付けていません。",
        (3, 3) => "システムは選ばれた機能に対応していません。",
        (3, 4) => "メッセージがシステムにとって大きすぎます。",
        (3, 5) => "システムの設定が正しくありません。",
        (4, 0) => "その他、または未定義のネットワークまたはルーティングの状態です。",
        (4, 1) => "ホストから応答がありません。",
        (4, 2) => "接続に問題があります。",
        (4, 3) => "ディレクトリサーバー（DNS など）の障害です。",
        (4, 4) => "メッセージの経路を決められません。",
        (4, 5) => "メールシステムが混雑しています。",
        (4, 6) => "ルーティングのループを検出しました。",
        (4, 7) => "配送の期限が切れました。",
        (5, 0) => "その他、または未定義のプロトコルの状態です。",
        (5, 1) => "無効なコマンドです。",
        (5, 2) => "構文エラーです。",
        (5, 3) => "宛先が多すぎます。",
        (5, 4) => "コマンドの引数が無効です。",
        (5, 5) => "プロトコルのバージョンが違います。",
        (5, 6) => "認証のやり取りの行が長すぎます。",
        (6, 0) => "その他、または未定義のメディアのエラーです。",
        (6, 1) => "メディアに対応していません。",
        (6, 2) => "変換が必要ですが、禁止されています。",
        (6, 3) => "変換が必要ですが、対応していません。",
        (6, 4) => "情報の欠落を伴う変換を行いました。",
        (6, 5) => "変換に失敗しました。",
        (6, 6) => "メッセージの内容を利用できません。",
        (6, 7) => "その送信者または宛先には非 ASCII のアドレスは許可されていません。",
        (6, 8) => "UTF-8 の文字列が ASCII にダウングレードされました。",
        (6, 9) => "UTF-8 のメッセージは SMTPUTF8 に対応しないホストへ送れません。",
        (6, 10) => "ここでは非 ASCII のアドレスは許可されていません。",
        (7, 0) => "その他、または未定義のセキュリティの状態です（AUTH では成功または一時的な失敗）。",
        (7, 1) => "配送が許可されず、メッセージは拒否されました（例: 中継の拒否）。",
        (7, 2) => "メーリングリストの展開は禁止されています。",
        (7, 3) => "セキュリティの変換が必要ですが、できません。",
        (7, 4) => "セキュリティ機能に対応していません。",
        (7, 5) => "暗号処理に失敗しました。",
        (7, 6) => "暗号アルゴリズムに対応していません。",
        (7, 7) => "メッセージの完全性の検査に失敗しました。",
        (7, 8) => "認証情報が正しくありません。",
        (7, 9) => "認証方式が弱すぎます。",
        (7, 10) => "暗号化が必要です。",
        (7, 11) => "要求された認証方式には暗号化が必要です。",
        (7, 12) => "パスワードの移行が必要です。",
        (7, 13) => "ユーザーアカウントは無効にされています。",
        (7, 14) => "信頼関係が必要です。",
        (7, 15) => "要求された優先度には対応していません。",
        (7, 16) => "要求された優先度にはメッセージが大きすぎます。",
        (7, 17) => "メールボックスの所有者が変わりました。",
        (7, 18) => "ドメインの所有者が変わりました。",
        (7, 19) => "必要な宛先の確認を完了できません。",
        (7, 20) => "合格する DKIM 署名がありません。",
        (7, 21) => "受け入れられる DKIM 署名がありません。",
        (7, 22) => "作成者ドメインと一致する有効な DKIM 署名がありません。",
        (7, 23) => "SPF の検証に失敗しました。",
        (7, 24) => "SPF の検証でエラーが起きました。",
        (7, 25) => "逆引き DNS の検証に失敗しました。",
        (7, 26) => "複数の認証チェックに失敗しました。",
        (7, 27) => "送信者のアドレスのドメインは null MX を持っています。",
        _ => return None,
    };
    Some(text)
}

/// [`explain_extension`](super::explain_extension) in Japanese, e.g.
/// `SIZE 5242880: 5 MiB までのメッセージを受け付けます`.
pub fn explain_extension_ja(extension: &Extension) -> String {
    let what = match extension {
        Extension::StartTls => "この接続を TLS に切り替えられます".to_owned(),
        Extension::Pipelining => "クライアントは応答を待たずに複数のコマンドを送れます".to_owned(),
        Extension::Size(None | Some(0)) => "メッセージの大きさの上限を示していません".to_owned(),
        Extension::Size(Some(n)) => format!("{} までのメッセージを受け付けます", human_size(*n)),
        Extension::Auth(mechs) if mechs.is_empty() => {
            "認証を提供していますが、方式を示していません".to_owned()
        }
        Extension::Auth(mechs) => format!(
            "次の方式で認証できます: {}",
            mechs
                .iter()
                .map(describe_mechanism_ja)
                .collect::<Vec<_>>()
                .join("、")
        ),
        Extension::EightBitMime => "8 ビットのメッセージ本文を受け付けます".to_owned(),
        Extension::SmtpUtf8 => "UTF-8 のアドレスとヘッダーを受け付けます".to_owned(),
        Extension::EnhancedStatusCodes => {
            "応答に 2.1.5 のような拡張ステータスコードが付きます".to_owned()
        }
        Extension::Chunking => "DATA の代わりに BDAT でメッセージを分割して送れます".to_owned(),
        Extension::BinaryMime => "バイナリのメッセージ本文を受け付けます（BDAT で）".to_owned(),
        Extension::Dsn => "配送状態通知（DSN）を要求できます".to_owned(),
        Extension::Vrfy => "VRFY でメールボックスを確認できます".to_owned(),
        Extension::Etrn => "ドメインのキューの再送をサーバーに依頼できます".to_owned(),
        Extension::Turn => {
            "TURN で役割を入れ替えられます（廃止済みで安全ではありません）".to_owned()
        }
        Extension::Atrn => "認証したクライアントが ATRN でキューのメールを受け取れます".to_owned(),
        Extension::Help => "HELP に応答します".to_owned(),
        Extension::Other { keyword, .. } if is_private(keyword) => {
            "独自またはベンダー固有の拡張です".to_owned()
        }
        Extension::Other { .. } => "このツールが知らない拡張です".to_owned(),
    };
    format!("{extension}: {what}")
}

fn describe_mechanism_ja(mechanism: &Mechanism) -> String {
    match mechanism {
        Mechanism::Login => "LOGIN（ユーザー名とパスワード、base64）".to_owned(),
        Mechanism::Plain => "PLAIN（ユーザー名とパスワード、base64）".to_owned(),
        Mechanism::CramMd5 => "CRAM-MD5（チャレンジレスポンス）".to_owned(),
        Mechanism::Gssapi => "GSSAPI（Kerberos）".to_owned(),
        Mechanism::Ntlm => "NTLM（Windows）".to_owned(),
        Mechanism::XOAuth2 => "XOAUTH2（OAuth 2 トークン）".to_owned(),
        Mechanism::Other(name) => name.clone(),
    }
}

/// [`explain_reply`](super::explain_reply) in Japanese: the sentence for
/// this reply as the answer to `to`, else the code's general one.
pub fn explain_reply_ja(
    to: super::ReplyTo,
    code: ReplyCode,
    enhanced: Option<EnhancedCode>,
) -> &'static str {
    match super::context::case(to, code, enhanced) {
        Some(case) => case_ja(case),
        None => explain_code_ja(code),
    }
}

fn case_ja(case: super::context::Case) -> &'static str {
    use super::context::Case;
    match case {
        Case::GreetingRefused => "サーバーはこのクライアントと SMTP を話すことを拒否しています（このクライアントにはメールサービスを提供しません。クライアントのアドレスやブロックリストが理由のことが多い）。",
        Case::GreetingBusy => "サーバーは今はこの接続に応じません（混雑、またはこのクライアントが制限されている）。後で再試行してください。",
        Case::EhloUnknown => "サーバーは EHLO を知りません（古い、または最小限のサーバー）。クライアントは拡張なしの HELO に切り替えます。",
        Case::HeloNameRefused => "サーバーはこの EHLO/HELO の名前を受け付けません（構文の誤り、または完全修飾ドメイン名でない）。EHLO 名を変えてください。",
        Case::HeloRefused => "サーバーはこのクライアントまたはこの EHLO/HELO の名前を拒否しています（ポリシー、または名前が受け付けられない）。",
        Case::StartTlsUnavailable => "TLS は今は使えません（サーバーの TLS 設定が失敗しているか無効）。後で再試行するか、TLS なしで続けてください。",
        Case::StartTlsUnknown => "サーバーは STARTTLS に対応していません（EHLO の応答で提示されていません）。",
        Case::StartTlsTwice => "ここでは STARTTLS は使えません（TLS がすでに有効、または EHLO の前に STARTTLS を送った）。",
        Case::AuthNotOffered => "ここでは AUTH は受け付けられません。サーバーはこの時点で AUTH を提示していません（STARTTLS の後にだけ提示するサーバーが多い）。または、このセッションはすでに認証済みです。",
        Case::AuthUnknown => "この接続ではサーバーは AUTH に対応していません（提示されていません。STARTTLS の後、またはサブミッションポートでだけ提示されることがあります）。",
        Case::AuthMechanism => "サーバーはこの AUTH 方式に対応していません。EHLO の応答に並ぶ方式を選んでください。",
        Case::AuthNeedsTls => "サーバーは暗号化された接続でだけ AUTH を許します。先に STARTTLS（または暗黙の TLS）を使ってください。",
        Case::AuthTooWeak => "サーバーはこの AUTH 方式またはパスワードを弱すぎるとして拒否しています（アプリ固有のパスワードや OAuth を求めるプロバイダーがあります）。",
        Case::AuthTemporary => "認証が一時的に使えません（例: サーバーのパスワード照合先が応答しない）。後で再試行してください。",
        Case::NeedsAuth => "サーバーはこのコマンドを受け付ける前にクライアントの認証（AUTH、多くは STARTTLS の後）を求めています。",
        Case::MailNested => "ここでは MAIL FROM は使えません。すでにトランザクションが始まっている（先に RSET を送る）か、サーバーが先に AUTH を求めています。",
        Case::SenderRefused => "送信者アドレスが拒否されました。構文の誤り、または送信者のドメインが存在しないか受け付けられません。",
        Case::SenderNotAllowed => "このクライアントはこの送信者アドレスとして送ることを許されていません（例: 認証したユーザーのアドレスではない、またはポリシーで拒否）。",
        Case::SizeTooBig => "申告したメッセージのサイズがサーバーの上限を超えています。",
        Case::RcptWithoutMail => "ここでは RCPT TO は使えません。その前に受け付けられた MAIL FROM がありません。",
        Case::UnknownUser => "宛先は存在しません。サーバーはそのメールボックスを知りません。",
        Case::RelayDenied => "中継が拒否されました。サーバーは認証していないクライアントからこの宛先のドメインへメールを渡しません。先に認証（AUTH）するか、このサーバーが受け取るドメイン宛てに送ってください。",
        Case::RecipientRefused => "宛先が拒否されました。このサーバーにそのメールボックスがないか、このクライアントのためにはそのドメインへ中継しません（その場合は AUTH で認証すると通ります）。",
        Case::TooManyRecipients => "このメッセージの宛先が多すぎます。残りは別のトランザクションで送ってください。",
        Case::RecipientLater => "宛先を今は受け付けられません（グレーリスト、または検索の失敗）。後で再試行してください。",
        Case::DataWithoutRcpt => "ここでは DATA は使えません。受け付けられた宛先が 1 つもないため、メッセージの送り先がありません。",
        Case::MessageRefused => "サーバーはメッセージを受け取ったうえで拒否しました（内容、スパム、または SPF・DKIM・DMARC などのポリシーの検査）。",
        Case::MessageTooBig => "メッセージがサーバーにとって大きすぎるか、メールボックスがいっぱいです。",
        Case::MessageLater => "サーバーは今はメッセージを受け取れませんでした（一時的なローカルの問題または送信数の制限）。後で再試行してください。",
    }
}

#[cfg(test)]
mod tests {
    use super::super::{explain_code, explain_enhanced, explain_extension};
    use super::*;
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn code(n: u16) -> ReplyCode {
        ReplyCode::new(n).expect("valid code")
    }

    /// The fallback sentence of `n`'s first digit.
    fn fallback(explain: fn(ReplyCode) -> &'static str, n: u16) -> &'static str {
        explain(code(n / 100 * 100 + 99))
    }

    #[test]
    fn every_code_explained_in_english_is_explained_in_japanese() {
        let mut own = 0;
        for n in 200..=599 {
            let Some(c) = ReplyCode::new(n) else { continue };
            let english_own = explain_code(c) != fallback(explain_code, n);
            let japanese_own = explain_code_ja(c) != fallback(explain_code_ja, n);
            assert_eq!(
                english_own, japanese_own,
                "{n}: both tables explain it, or neither"
            );
            assert!(
                !explain_code_ja(c).is_empty() && explain_code_ja(c).ends_with('。'),
                "{n}"
            );
            own += usize::from(english_own);
        }
        assert!(own >= 33, "the table has the RFC codes ({own})");
    }

    #[test]
    fn every_enhanced_code_explained_in_english_is_explained_in_japanese() {
        let mut known = 0;
        for subject in 0..=9 {
            for detail in 0..=40 {
                let c = EnhancedCode {
                    class: 5,
                    subject,
                    detail,
                };
                assert_eq!(
                    explain_enhanced(c).is_some(),
                    explain_enhanced_ja(c).is_some(),
                    "5.{subject}.{detail}"
                );
                known += usize::from(explain_enhanced_ja(c).is_some());
            }
        }
        assert!(known > 70, "the table has the RFC 3463 codes ({known})");
        assert_eq!(
            explain_enhanced_ja(EnhancedCode::parse("5.7.8").expect("valid")),
            Some("認証情報が正しくありません。")
        );
    }

    #[test]
    fn extensions_are_explained_in_japanese_with_their_values() {
        let all = [
            Extension::StartTls,
            Extension::Pipelining,
            Extension::Size(None),
            Extension::Size(Some(5_242_880)),
            Extension::Auth(vec![]),
            Extension::Auth(vec![Mechanism::Login, Mechanism::Plain, Mechanism::CramMd5]),
            Extension::EightBitMime,
            Extension::SmtpUtf8,
            Extension::EnhancedStatusCodes,
            Extension::Chunking,
            Extension::BinaryMime,
            Extension::Dsn,
            Extension::Vrfy,
            Extension::Etrn,
            Extension::Turn,
            Extension::Atrn,
            Extension::Help,
            Extension::Other {
                keyword: "XFOO".into(),
                params: vec![],
            },
            Extension::Other {
                keyword: "FOO".into(),
                params: vec![],
            },
        ];
        for ext in &all {
            let ja = explain_extension_ja(ext);
            assert!(ja.starts_with(&format!("{ext}: ")), "{ja}");
            assert_ne!(ja, explain_extension(ext));
        }
        assert_eq!(
            explain_extension_ja(&Extension::Size(Some(5_242_880))),
            "SIZE 5242880: 5 MiB までのメッセージを受け付けます"
        );
    }
}
