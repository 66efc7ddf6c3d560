//! A transcript: telnet-like lines with swaks markers and timestamps, reply
//! explanations, masked credentials, and Copy / Download buttons that export
//! exactly what is shown.

use yew::prelude::*;

use crate::browser;
use crate::transcript::{entry_lines, timestamp, to_text, Entry, Marker};

/// Props of [`TranscriptView`].
#[derive(Properties, PartialEq)]
pub struct TranscriptViewProps {
    /// The entries.
    pub entries: Vec<Entry>,
    /// Show credentials instead of the mask.
    pub reveal: bool,
    /// `id` / `data-testid` of the log; the buttons get `<id>-copy` and
    /// `<id>-download`.
    pub id: AttrValue,
    /// File name for the download.
    pub file_name: AttrValue,
    /// Accessible name of the log.
    pub label: AttrValue,
}

/// Renders a transcript.
#[component]
pub fn TranscriptView(props: &TranscriptViewProps) -> Html {
    let oncopy = {
        let text = to_text(&props.entries, props.reveal);
        Callback::from(move |_: MouseEvent| browser::copy_text(&text))
    };
    let ondownload = {
        let text = to_text(&props.entries, props.reveal);
        let name = props.file_name.clone();
        Callback::from(move |_: MouseEvent| browser::download_text(&name, &text))
    };
    let empty = props.entries.is_empty();
    html! {
        <div class="transcript-box">
            <div class="toolbar">
                <button type="button" id={format!("{}-copy", props.id)} data-testid={format!("{}-copy", props.id)}
                        onclick={oncopy} disabled={empty}>{ "Copy" }</button>
                <button type="button" id={format!("{}-download", props.id)} data-testid={format!("{}-download", props.id)}
                        onclick={ondownload} disabled={empty}>{ "Download .txt" }</button>
            </div>
            <div id={props.id.clone()} data-testid={props.id.clone()} class="transcript" role="log"
                 aria-label={props.label.clone()} tabindex="0">
                { for props.entries.iter().map(|entry| html! {
                    <div key={entry.id} class="entry">
                        { for entry_lines(entry, props.reveal).into_iter().map(|line| {
                            let stamp = if line.marker == Marker::Explain { String::new() } else { timestamp(entry.at_ms) };
                            html! {
                                <div class={classes!("line", line.marker.class(), line.masked.then_some("masked"))}>
                                    <span class="ts">{ stamp }</span>
                                    <span class="marker">{ line.marker.as_str() }</span>
                                    <span class="text">{ line.text }</span>
                                </div>
                            }
                        }) }
                    </div>
                }) }
            </div>
        </div>
    }
}
