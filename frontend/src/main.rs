//! smtplab frontend (being written).
fn main() {}
