//! Attacks on EPP admission (issue 14), in a test binary of their own so that they run one at
//! a time and the memory they measure is theirs alone: real TLS on loopback, the registry on
//! SQLite and PostgreSQL, a registrar working while each attack runs.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

#[path = "codec/support.rs"]
#[allow(dead_code)]
mod xsd;

#[path = "session/support.rs"]
#[allow(dead_code)]
mod support;

#[path = "session/attacks.rs"]
mod attacks;
