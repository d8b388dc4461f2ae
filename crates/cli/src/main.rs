//! The `nameward` command.

fn main() {}
