//! The keyboard help: a modal dialog listing the shortcuts (`?` or the
//! header's button opens it; Esc, the Close button or a click outside
//! closes it).

use yew::prelude::*;

use super::use_app_state;
use crate::i18n::views::{tv, Vm};

/// Props of [`HelpOverlay`].
#[derive(Properties, PartialEq)]
pub(crate) struct HelpOverlayProps {
    /// Close it (the app then gives the focus back to the help button).
    pub(crate) onclose: Callback<()>,
}

/// The dialog, shown while it is in the page. The Close button takes the
/// focus when it opens, so Enter or Esc closes it at once.
#[component]
pub(crate) fn HelpOverlay(props: &HelpOverlayProps) -> Html {
    let lang = use_app_state().lang;
    let close_ref = use_node_ref();
    {
        let close_ref = close_ref.clone();
        use_effect_with((), move |()| {
            if let Some(button) = close_ref.cast::<web_sys::HtmlElement>() {
                let _ = button.focus();
            }
        });
    }
    let onclose = {
        let onclose = props.onclose.clone();
        Callback::from(move |_: MouseEvent| onclose.emit(()))
    };
    let onbackdrop = {
        let onclose = props.onclose.clone();
        Callback::from(move |e: MouseEvent| {
            // Only a click on the backdrop itself, not inside the dialog.
            if e.target() == e.current_target() {
                onclose.emit(());
            }
        })
    };
    // The Close button is the dialog's only control: Tab stays on it, so
    // the focus cannot wander to the page behind the modal.
    let onkeydown = Callback::from(|e: KeyboardEvent| {
        if e.key() == "Tab" {
            e.prevent_default();
        }
    });
    let keys: [(&str, Vm); 6] = [
        ("Ctrl+Enter", Vm::KeyRun),
        ("Esc", Vm::KeyCancel),
        ("?", Vm::KeyHelp),
        ("Alt+1 … Alt+5", Vm::KeyViews),
        ("Tab", Vm::KeyTab),
        ("Enter", Vm::KeyGrid),
    ];
    html! {
        <div class="overlay" onclick={onbackdrop}>
            <div id="help-overlay" data-testid="help-overlay" class="dialog" role="dialog"
                 aria-modal="true" aria-labelledby="help-title" {onkeydown}>
                <h2 id="help-title">{ tv(lang, Vm::HelpTitle) }</h2>
                <dl class="keys">
                    { for keys.into_iter().map(|(key, what)| html! {
                        <>
                            <dt><kbd>{ key }</kbd></dt>
                            <dd>{ tv(lang, what) }</dd>
                        </>
                    }) }
                </dl>
                <button type="button" id="help-close" data-testid="help-close" ref={close_ref}
                        onclick={onclose}>{ tv(lang, Vm::HelpClose) }</button>
            </div>
        </div>
    }
}
