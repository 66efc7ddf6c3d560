//! SMTP logic with no IO (being written).
