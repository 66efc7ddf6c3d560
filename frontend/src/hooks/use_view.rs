//! The view the URL fragment names, kept in step with `hashchange` (links
//! in the navigation bar, Back and Forward, Alt+digit, an edited address).

use gloo_events::EventListener;
use yew::prelude::*;

use crate::browser;
use crate::views::View;

/// The view shown now. On a change the view's section takes the keyboard
/// focus, so a screen reader announces it and Tab continues inside it; the
/// first render leaves the focus alone.
#[hook]
pub(crate) fn use_view() -> View {
    let view = use_state_eq(|| View::from_fragment(&browser::page_fragment().unwrap_or_default()));
    {
        let view = view.clone();
        use_effect_with((), move |()| {
            let listener = web_sys::window().map(|window| {
                EventListener::new(&window, "hashchange", move |_| {
                    view.set(View::from_fragment(
                        &browser::page_fragment().unwrap_or_default(),
                    ));
                })
            });
            move || drop(listener)
        });
    }
    let first = use_mut_ref(|| true);
    use_effect_with(*view, move |view| {
        if !std::mem::replace(&mut *first.borrow_mut(), false) {
            browser::focus_id(&format!("view-{}", view.name()));
        }
    });
    *view
}
