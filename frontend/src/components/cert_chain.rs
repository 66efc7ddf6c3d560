//! The certificate chain as a picture: one box per certificate, server
//! first, each naming its subject and issuer and holding its validity as a
//! bar on a time axis shared by the whole chain, with today marked; an
//! "issued by" link from each box to the next; and the verification result
//! as a badge (icon and word, never colour alone).
//!
//! The geometry is `tls_view::chain` (pure, unit-tested); this component
//! only draws it, colouring with the theme's CSS variables (see the
//! `.cert-chain` rules in index.html) so both themes work.

use smtplab_shared::tls::CertInfo;
use yew::prelude::*;

use super::use_app_state;
use crate::i18n::pictures::{tp, tpf, Pm};
use crate::i18n::Lang;
use crate::tls_view::cert_view;
use crate::tls_view::chain::{
    box_top, chain_axis, fit_text, picture_height, short_date, today_mark, validity_bar, Axis, Bar,
    Side, BADGE_HEIGHT, BOX_HEIGHT, GAP, MARGIN, PADDING, TRACK, WIDTH,
};

/// Props of [`CertChain`].
#[derive(Properties, PartialEq)]
pub(crate) struct CertChainProps {
    /// The chain, server first.
    pub(crate) chain: Vec<CertInfo>,
    /// `trusted`, `failed`, `skipped` or `unchecked` (`verification_view`).
    pub(crate) result: &'static str,
    /// Now, in Unix seconds (the report's check time, else the page's).
    pub(crate) today: i64,
    /// When the chain was checked, for the validity words (`cert_view`).
    pub(crate) checked_at: Option<u64>,
}

/// The badge's icon and word for a verification result.
fn badge(lang: Lang, result: &str) -> (&'static str, &'static str) {
    match result {
        "trusted" => ("\u{2714}", tp(lang, Pm::BadgeTrusted)),
        "failed" => ("\u{2716}", tp(lang, Pm::BadgeFailed)),
        "skipped" => ("\u{26a0}", tp(lang, Pm::BadgeSkipped)),
        _ => ("?", tp(lang, Pm::BadgeUnchecked)),
    }
}

/// Characters of a name that fit in a box (about 7 units per character at
/// the picture's font size).
const NAME_ROOM: usize = 82;

/// Whole units as SVG attribute text.
fn n(v: f64) -> String {
    format!("{v:.1}")
}

/// One certificate's box.
fn cert_box(lang: Lang, props: &CertChainProps, axis: Option<Axis>, i: usize) -> Html {
    let cert = &props.chain[i];
    let view = cert_view(cert, i, props.checked_at, lang);
    let top = box_top(i);
    let (bar, mark) = match (axis, cert.parse_error.is_none()) {
        (Some(axis), true) => (
            validity_bar(axis, cert.not_before_unix, cert.not_after_unix, TRACK),
            today_mark(axis, props.today, TRACK),
        ),
        _ => (
            Bar {
                x: TRACK.x,
                width: TRACK.width,
            },
            today_mark(
                Axis {
                    start: props.today - 1,
                    end: props.today + 1,
                },
                props.today,
                TRACK,
            ),
        ),
    };
    let subject = if cert.self_issued {
        format!("{} ({})", cert.subject, tp(lang, Pm::ChainSelfIssued))
    } else {
        cert.subject.clone()
    };
    let subject_line = tpf(lang, Pm::ChainSubject, &[&subject]);
    let issuer_line = tpf(lang, Pm::ChainIssuer, &[&cert.issuer]);
    let today_label = match mark.side {
        Side::Before => format!("\u{25c2} {}", tp(lang, Pm::ChainToday)),
        Side::Within => tp(lang, Pm::ChainToday).to_owned(),
        Side::After => format!("{} \u{25b8}", tp(lang, Pm::ChainToday)),
    };
    let readable = cert.parse_error.is_none();
    let bar_title = if readable {
        tpf(
            lang,
            Pm::ChainBarTitle,
            &[&cert.not_before, &cert.not_after, &today_label],
        )
    } else {
        tp(lang, Pm::ChainUnreadable).to_owned()
    };
    let track_y = top + 80.0;
    html! {
        <g data-testid="chain-cert" data-index={i.to_string()} data-subject={cert.subject.clone()}
           data-issuer={cert.issuer.clone()} data-validity={view.validity}
           class={classes!("chain-cert", view.validity)}>
            <title>{ format!("{}: {subject_line}; {issuer_line}", view.title) }</title>
            <rect class="chain-box" x={n(MARGIN)} y={n(top)} width={n(WIDTH - 2.0 * MARGIN)}
                  height={n(BOX_HEIGHT)} rx="6" />
            <text class="chain-title" x={n(TRACK.x)} y={n(top + 20.0)}>{ view.title.clone() }</text>
            <text class="chain-name" x={n(TRACK.x)} y={n(top + 38.0)}>{ fit_text(&subject_line, NAME_ROOM) }</text>
            <text class="chain-name" x={n(TRACK.x)} y={n(top + 56.0)}>{ fit_text(&issuer_line, NAME_ROOM) }</text>
            <rect class="chain-track" x={n(TRACK.x)} y={n(track_y)} width={n(TRACK.width)} height="10" rx="2" />
            <rect data-testid="validity-bar" class={classes!("validity-bar", view.validity)}
                  data-x={n(bar.x)} data-width={n(bar.width)}
                  x={n(bar.x)} y={n(track_y)} width={n(bar.width)} height="10" rx="2">
                <title>{ bar_title }</title>
            </rect>
            if readable {
                <text class="chain-date" x={n(TRACK.x)} y={n(top + 106.0)}>{ short_date(&cert.not_before).to_owned() }</text>
                <text class="chain-date" x={n(TRACK.right())} y={n(top + 106.0)} text-anchor="end">
                    { short_date(&cert.not_after).to_owned() }
                </text>
            }
            <g data-testid="validity-today" class="validity-today" data-x={n(mark.x)} data-side={mark.side.as_str()}>
                <line x1={n(mark.x)} x2={n(mark.x)} y1={n(track_y - 4.0)} y2={n(track_y + 14.0)} />
                <text x={n(mark.x)} y={n(track_y - 7.0)} text-anchor={mark.anchor}>{ today_label }</text>
            </g>
        </g>
    }
}

/// The "issued by" link from box `i` down to box `i + 1`.
fn link(lang: Lang, i: usize) -> Html {
    let x = WIDTH / 2.0;
    let from = box_top(i) + BOX_HEIGHT;
    let to = from + GAP;
    html! {
        <g data-testid="chain-link" class="chain-link" data-from={i.to_string()} data-to={(i + 1).to_string()}>
            <line x1={n(x)} x2={n(x)} y1={n(from)} y2={n(to - 6.0)} />
            <path d={format!("M{} {} L{} {} L{} {} Z", n(x - 5.0), n(to - 7.0), n(x + 5.0), n(to - 7.0), n(x), n(to))} />
            <text x={n(x + 10.0)} y={n(from + GAP / 2.0 + 4.0)}>{ tp(lang, Pm::ChainLink) }</text>
        </g>
    }
}

/// `<svg id="cert-chain" data-result>`: see the module docs.
#[component]
pub(crate) fn CertChain(props: &CertChainProps) -> Html {
    let lang = use_app_state().lang;
    let count = props.chain.len();
    let axis = chain_axis(&props.chain);
    let (icon, word) = badge(lang, props.result);
    let height = picture_height(count);
    let name = tpf(lang, Pm::ChainAria, &[&count.to_string(), word]);
    let badge_width = word
        .chars()
        .fold(40.0, |w, c| w + if c.is_ascii() { 8.0 } else { 14.0 });
    html! {
        <svg id="cert-chain" data-testid="cert-chain" data-result={props.result} class="cert-chain"
             role="img" aria-label={name.clone()} viewBox={format!("0 0 {} {}", n(WIDTH), n(height))}
             preserveAspectRatio="xMinYMin meet">
            <title>{ name }</title>
            <g data-testid="chain-badge" class={classes!("chain-badge", props.result)} data-result={props.result}>
                <rect x={n(MARGIN)} y="4" width={n(badge_width)} height={n(BADGE_HEIGHT - 12.0)} rx="12" />
                <text x={n(MARGIN + PADDING)} y="21">
                    <tspan class="badge-icon" aria-hidden="true">{ icon }</tspan>{ " " }{ word }
                </text>
            </g>
            { for (0..count).map(|i| html! {
                <>
                    { cert_box(lang, props, axis, i) }
                    if i + 1 < count {
                        { link(lang, i) }
                    }
                </>
            }) }
        </svg>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_result_has_an_icon_and_a_word() {
        for result in ["trusted", "failed", "skipped", "unchecked"] {
            for lang in Lang::ALL {
                let (icon, word) = badge(lang, result);
                assert!(!icon.is_empty() && !word.is_empty(), "{result}");
            }
        }
        assert_ne!(badge(Lang::En, "trusted").0, badge(Lang::En, "failed").0);
    }
}
