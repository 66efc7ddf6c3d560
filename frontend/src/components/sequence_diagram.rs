//! The transcript drawn as a sequence diagram: the client's lifeline (this
//! tab) on the left, the server's on the right, one arrow per line sent or
//! reply received, top to bottom, with its time at the left. A picture of
//! who spoke when is easier to follow than the log for a first session,
//! and a 4xx or 5xx stands out; the text transcript stays one click away.
//!
//! Rows come from [`layout`] (pure, tested natively); this component only
//! draws them. Colours are the theme's variables (index.html), every reply
//! also carries its code as text, and each arrow is focusable with its
//! whole text in its `<title>` and in the caption under the picture, which
//! keyboard users see too.

use yew::prelude::*;

use super::use_app_state;
use crate::i18n::sequence::{ts, tsf, Sq};
use crate::transcript::sequence::{
    layout, Dir, Row, RowKind, Tone, ARROW_ROW, CLIENT_X, HEAD_Y, MARKER_ROW, SERVER_X, TIME_X,
    VIEW_WIDTH,
};
use crate::transcript::Transcript;

/// Length of an arrowhead along its arrow.
const HEAD_LENGTH: f64 = 7.0;
/// Half the width of an arrowhead.
const HEAD_HALF: f64 = 4.0;

/// Props of [`SequenceDiagram`].
#[derive(Properties, PartialEq)]
pub(crate) struct SequenceDiagramProps {
    /// The entries (shared with the state, not copied).
    pub(crate) entries: Transcript,
    /// Show credentials instead of the mask.
    pub(crate) reveal: bool,
    /// `id` / `data-testid` of the `<svg>`; the caption gets `<id>-caption`.
    pub(crate) id: AttrValue,
}

/// `value` in user units, as an attribute (two decimals are plenty).
fn units(value: f64) -> String {
    format!("{value:.2}")
}

/// The arrow itself: a line between the lifelines and its head.
fn arrow_shape(dir: Dir, y: f64) -> Html {
    let (from, to, sign) = match dir {
        Dir::C2s => (CLIENT_X, SERVER_X, 1.0),
        Dir::S2c => (SERVER_X, CLIENT_X, -1.0),
    };
    let base = to - sign * HEAD_LENGTH;
    let head = format!(
        "{},{} {},{} {},{}",
        units(to),
        units(y),
        units(base),
        units(y - HEAD_HALF),
        units(base),
        units(y + HEAD_HALF)
    );
    html! {
        <>
            <line class="seq-line" x1={units(from)} x2={units(base)} y1={units(y)} y2={units(y)} />
            <polygon class="seq-head" points={head} />
        </>
    }
}

/// One row: an arrow, or a band across the lifelines.
fn row_html(row: &Row, show: &UseStateHandle<Option<u64>>) -> Html {
    let id = row.id;
    let onshow = {
        let show = show.clone();
        Callback::from(move |()| show.set(Some(id)))
    };
    let onhide = {
        let show = show.clone();
        Callback::from(move |()| {
            if *show == Some(id) {
                show.set(None);
            }
        })
    };
    let time = format!("{} ms", row.at_ms);
    let hit = html! {
        <rect class="seq-hit" x="0" y={units(row.y)} width={units(VIEW_WIDTH)} height={units(row.height)} />
    };
    let title = format!("+{time}  {}", row.title);
    match &row.kind {
        RowKind::Arrow { dir, code, masked } => {
            let line_y = row.y + ARROW_ROW - 7.0;
            html! {
                <g key={id} data-testid="seq-arrow" data-dir={dir.as_str()}
                   data-code={code.map(|c| c.to_string())}
                   class={classes!("seq-arrow", dir.as_str(), row.tone.class(), masked.then_some("masked"))}
                   tabindex="0" role="img" aria-label={title.clone()}
                   onfocus={onshow.reform(|_: FocusEvent| ())} onblur={onhide.reform(|_: FocusEvent| ())}
                   onmouseenter={onshow.reform(|_: MouseEvent| ())} onmouseleave={onhide.reform(|_: MouseEvent| ())}>
                    <title>{ title }</title>
                    { hit }
                    <text class="seq-time" x={units(TIME_X)} y={units(line_y + 3.0)} text-anchor="end">{ time }</text>
                    { arrow_shape(*dir, line_y) }
                    <text class="seq-label" x={units((CLIENT_X + SERVER_X) / 2.0)} y={units(line_y - 5.0)}
                          text-anchor="middle">{ row.label.clone() }</text>
                </g>
            }
        }
        RowKind::Marker => {
            let band = MARKER_ROW - 6.0;
            html! {
                <g key={id} data-testid="seq-marker" class={classes!("seq-marker", row.tone.class())}
                   tabindex="0" role="img" aria-label={title.clone()}
                   onfocus={onshow.reform(|_: FocusEvent| ())} onblur={onhide.reform(|_: FocusEvent| ())}
                   onmouseenter={onshow.reform(|_: MouseEvent| ())} onmouseleave={onhide.reform(|_: MouseEvent| ())}>
                    <title>{ title }</title>
                    { hit }
                    <text class="seq-time" x={units(TIME_X)} y={units(row.y + 3.0 + band / 2.0 + 3.0)}
                          text-anchor="end">{ time }</text>
                    <rect class="seq-band" x={units(CLIENT_X - 4.0)} y={units(row.y + 3.0)}
                          width={units(SERVER_X - CLIENT_X + 8.0)} height={units(band)} rx="3" />
                    <text class="seq-label" x={units((CLIENT_X + SERVER_X) / 2.0)}
                          y={units(row.y + 3.0 + band / 2.0 + 3.5)} text-anchor="middle">
                        { if row.tone == Tone::Fail { "✗ " } else { "✓ " } }{ row.label.clone() }
                    </text>
                </g>
            }
        }
    }
}

/// The transcript as a sequence diagram.
#[component]
pub(crate) fn SequenceDiagram(props: &SequenceDiagramProps) -> Html {
    let lang = use_app_state().lang;
    // The row the pointer is over or the focus is on, by entry id.
    let shown = use_state(|| None::<u64>);
    let diagram = layout(&props.entries.items(), props.reveal, lang);
    let caption = shown
        .and_then(|id| diagram.rows.iter().find(|r| r.id == id))
        .map_or_else(
            || ts(lang, Sq::Hint).to_owned(),
            |row| format!("+{} ms  {}", row.at_ms, row.title),
        );
    let target = diagram
        .server_title
        .split_once(' ')
        .map_or(diagram.server_title.as_str(), |(_, t)| t);
    let aria = tsf(
        lang,
        Sq::DiagramAria,
        &[
            target,
            &diagram.sent.to_string(),
            &diagram.replies.to_string(),
        ],
    );
    let caption_id = format!("{}-caption", props.id);
    let bottom = units(diagram.height - 4.0);
    html! {
        <figure class="sequence-diagram">
            <svg id={props.id.clone()} data-testid={props.id.clone()} role="group" aria-label={aria}
                 aria-describedby={caption_id.clone()}
                 viewBox={format!("0 0 {} {}", units(VIEW_WIDTH), units(diagram.height))}
                 width="100%" preserveAspectRatio="xMinYMin meet">
                <g class="seq-lifelines" aria-hidden="true">
                    <text class="seq-who" x="2" y={units(HEAD_Y)}>{ diagram.client.clone() }</text>
                    <text class="seq-who" x={units(VIEW_WIDTH - 2.0)} y={units(HEAD_Y)} text-anchor="end">
                        <title>{ diagram.server_title.clone() }</title>
                        { diagram.server.clone() }
                    </text>
                    <line class="seq-life" x1={units(CLIENT_X)} x2={units(CLIENT_X)}
                          y1={units(HEAD_Y + 6.0)} y2={bottom.clone()} />
                    <line class="seq-life" x1={units(SERVER_X)} x2={units(SERVER_X)}
                          y1={units(HEAD_Y + 6.0)} y2={bottom} />
                </g>
                { for diagram.rows.iter().map(|row| row_html(row, &shown)) }
            </svg>
            <figcaption id={caption_id.clone()} data-testid={caption_id} class="seq-caption">{ caption }</figcaption>
        </figure>
    }
}
