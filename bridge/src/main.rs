//! The `smtplab` binary (being written).
fn main() {}
