//! The tab's entry point: [`smtplab_frontend::start`] renders the app into
//! the page body. Everything else is in the library.

fn main() {
    smtplab_frontend::start();
}
