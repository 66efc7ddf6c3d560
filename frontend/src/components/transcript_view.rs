//! A transcript: telnet-like lines with swaks markers and timestamps, reply
//! explanations, masked credentials, and Copy / Download .txt / Download
//! .json buttons that export exactly what is shown.
//!
//! Above it, a Text / Diagram switch shows the same entries as a sequence
//! diagram instead ([`SequenceDiagram`]); the choice lives as long as the
//! page (the component is never unmounted, the views only hide it).
//!
//! The entries come as a shared [`Transcript`] (cloning it copies none),
//! and the exports are made when a button is pressed, not at every render.

use smtplab_shared::smtp::Outcome;
use yew::prelude::*;

use super::sequence_diagram::SequenceDiagram;
use super::use_app_state;
use crate::browser;
use crate::i18n::sequence::{ts, Sq};
use crate::i18n::{t, Msg};
use crate::transcript::{
    entry_lines_to, reply_targets, timestamp, to_json, to_text, Marker, Transcript,
};

/// Props of [`TranscriptView`].
#[derive(Properties, PartialEq)]
pub(crate) struct TranscriptViewProps {
    /// The entries (shared with the state, not copied).
    pub(crate) entries: Transcript,
    /// Show credentials instead of the mask.
    pub(crate) reveal: bool,
    /// `id` / `data-testid` of the log; the buttons get `<id>-copy`,
    /// `<id>-download` and `<id>-download-json`, the switch
    /// `<id>-as-text` and `<id>-as-diagram`, the picture `<id>-diagram`.
    pub(crate) id: AttrValue,
    /// File name of the downloads, without extension.
    pub(crate) file_name: AttrValue,
    /// Accessible name of the log.
    pub(crate) label: AttrValue,
    /// The session's outcome, for the JSON export (none for the console).
    #[prop_or_default]
    pub(crate) outcome: Option<Outcome>,
}

/// Renders a transcript.
#[component]
pub(crate) fn TranscriptView(props: &TranscriptViewProps) -> Html {
    let lang = use_app_state().lang;
    // Text (false) or the sequence diagram (true); text until switched.
    let diagram = use_state(|| false);
    let oncopy = {
        let (entries, reveal) = (props.entries.clone(), props.reveal);
        Callback::from(move |_: MouseEvent| {
            browser::copy_text(&to_text(&entries.items(), reveal, lang));
        })
    };
    let ondownload = {
        let (entries, reveal) = (props.entries.clone(), props.reveal);
        let name = format!("{}.txt", props.file_name);
        Callback::from(move |_: MouseEvent| {
            browser::download_text(&name, &to_text(&entries.items(), reveal, lang));
        })
    };
    let ondownloadjson = {
        let (entries, reveal) = (props.entries.clone(), props.reveal);
        let outcome = props.outcome.clone();
        let name = format!("{}.json", props.file_name);
        Callback::from(move |_: MouseEvent| {
            let json = to_json(&entries.items(), reveal, outcome.as_ref());
            let text = serde_json::to_string_pretty(&json).unwrap_or_default();
            browser::download_json(&name, &text);
        })
    };
    let entries = props.entries.items();
    let empty = entries.is_empty();
    let button = |suffix: &str, onclick: Callback<MouseEvent>, label: Msg| {
        let id = format!("{}-{suffix}", props.id);
        html! {
            <button type="button" id={id.clone()} data-testid={id} {onclick} disabled={empty}>{ t(lang, label) }</button>
        }
    };
    let switch = |as_diagram: bool, suffix: &str, label: Sq| {
        let id = format!("{}-{suffix}", props.id);
        let onclick = {
            let diagram = diagram.clone();
            Callback::from(move |_: MouseEvent| diagram.set(as_diagram))
        };
        let pressed = *diagram == as_diagram;
        html! {
            <button type="button" id={id.clone()} data-testid={id} {onclick}
                    aria-pressed={pressed.to_string()}>{ ts(lang, label) }</button>
        }
    };
    html! {
        <div class="transcript-box">
            <div role="group" class="toolbar transcript-as" aria-label={ts(lang, Sq::ShowAs)}>
                { switch(false, "as-text", Sq::AsText) }
                { switch(true, "as-diagram", Sq::AsDiagram) }
            </div>
            <div class="toolbar">
                { button("copy", oncopy, Msg::Copy) }
                { button("download", ondownload, Msg::DownloadTxt) }
                { button("download-json", ondownloadjson, Msg::DownloadJson) }
            </div>
            <div id={props.id.clone()} data-testid={props.id.clone()} class="transcript" role="log"
                 aria-label={props.label.clone()} tabindex="0" hidden={*diagram}>
                { for entries.iter().zip(reply_targets(entries.iter())).map(|(entry, to)| html! {
                    <div key={entry.id} class="entry">
                        { for entry_lines_to(entry, to, props.reveal, lang).into_iter().map(|line| {
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
            if *diagram {
                <SequenceDiagram entries={props.entries.clone()} reveal={props.reveal}
                                 id={format!("{}-diagram", props.id)} />
            }
        </div>
    }
}
