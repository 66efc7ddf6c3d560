//! The page's keyboard shortcuts, listed in the help overlay: Ctrl+Enter
//! runs the guided session, Esc cancels (or closes the overlay), `?` opens
//! the help, Alt+1 … Alt+5 show a view.

use gloo_events::{EventListener, EventListenerOptions};
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::views::View;

/// What a key press asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shortcut {
    /// Ctrl+Enter (⌘+Enter on a Mac).
    Run,
    /// Esc.
    Escape,
    /// `?` outside a text field.
    Help,
    /// Alt+digit.
    Show(View),
}

/// The modifier keys held with a key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Mods {
    pub(crate) ctrl: bool,
    pub(crate) meta: bool,
    pub(crate) alt: bool,
}

/// The shortcut `key` (`KeyboardEvent.key`) with `mods` is, if any;
/// `typing` when the focus is in a text field, where `?` is a character.
pub(crate) fn shortcut(key: &str, mods: Mods, typing: bool) -> Option<Shortcut> {
    match key {
        "Enter" if (mods.ctrl || mods.meta) && !mods.alt => Some(Shortcut::Run),
        "Escape" => Some(Shortcut::Escape),
        "?" if !typing && !mods.ctrl && !mods.meta && !mods.alt => Some(Shortcut::Help),
        digit if mods.alt && !mods.ctrl && !mods.meta => {
            View::from_digit(digit).map(Shortcut::Show)
        }
        _ => None,
    }
}

/// Whether the element a key event came from takes text (so `?` types).
fn is_text_field(target: Option<web_sys::EventTarget>) -> bool {
    let Some(element) = target.and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else {
        return false;
    };
    match element.tag_name().to_ascii_lowercase().as_str() {
        "textarea" | "select" => true,
        "input" => !matches!(
            element.get_attribute("type").unwrap_or_default().as_str(),
            "checkbox" | "radio" | "button" | "submit" | "reset" | "file"
        ),
        _ => element.get_attribute("contenteditable").is_some(),
    }
}

/// Calls `on` with each shortcut pressed anywhere in the page; the latest
/// `on` given is the one called. A handled key's default is prevented.
#[hook]
pub(crate) fn use_shortcuts(on: Callback<Shortcut>) {
    let latest = use_mut_ref(|| on.clone());
    *latest.borrow_mut() = on;
    use_effect_with((), move |()| {
        let listener = web_sys::window().map(|window| {
            let options = EventListenerOptions::enable_prevent_default();
            EventListener::new_with_options(&window, "keydown", options, move |event| {
                let Some(key) = event.dyn_ref::<web_sys::KeyboardEvent>() else {
                    return;
                };
                let mods = Mods {
                    ctrl: key.ctrl_key(),
                    meta: key.meta_key(),
                    alt: key.alt_key(),
                };
                if let Some(cut) = shortcut(&key.key(), mods, is_text_field(key.target())) {
                    // Esc keeps its default (closing a select's list…).
                    if cut != Shortcut::Escape {
                        key.prevent_default();
                    }
                    latest.borrow().emit(cut);
                }
            })
        });
        move || drop(listener)
    });
}

#[cfg(test)]
mod tests {
    use super::{shortcut, Mods, Shortcut};
    use crate::views::View;

    const CTRL: Mods = Mods {
        ctrl: true,
        meta: false,
        alt: false,
    };
    const ALT: Mods = Mods {
        ctrl: false,
        meta: false,
        alt: true,
    };
    const NONE: Mods = Mods {
        ctrl: false,
        meta: false,
        alt: false,
    };

    #[test]
    fn keys_map_to_shortcuts() {
        assert_eq!(shortcut("Enter", CTRL, true), Some(Shortcut::Run));
        assert_eq!(
            shortcut("Enter", Mods { meta: true, ..NONE }, false),
            Some(Shortcut::Run)
        );
        assert_eq!(shortcut("Enter", NONE, false), None);
        assert_eq!(shortcut("Escape", NONE, true), Some(Shortcut::Escape));
        assert_eq!(shortcut("?", NONE, false), Some(Shortcut::Help));
        assert_eq!(
            shortcut("2", ALT, true),
            Some(Shortcut::Show(View::Console))
        );
        assert_eq!(shortcut("2", NONE, false), None);
    }

    #[test]
    fn a_question_mark_typed_in_a_field_is_text() {
        assert_eq!(shortcut("?", NONE, true), None);
        assert_eq!(shortcut("?", CTRL, false), None);
    }
}
