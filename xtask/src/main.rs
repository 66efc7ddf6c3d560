//! Build tasks (being written).
fn main() {}
