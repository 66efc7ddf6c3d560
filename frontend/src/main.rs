//! The tab's entry point: renders [`App`](smtplab_frontend::app::App) into
//! the page body. Everything else is in the library.

fn main() {
    // The wasm is compiled and instantiated: what is left is the app's own
    // start and first render (`smtplab:rendered`, marked by the app).
    smtplab_frontend::browser::mark("smtplab:wasm-started");
    yew::Renderer::<smtplab_frontend::app::App>::new().render();
}
