//! The tab's entry point: renders [`App`](smtplab_frontend::app::App) into
//! the page body. Everything else is in the library.

fn main() {
    yew::Renderer::<smtplab_frontend::app::App>::new().render();
}
