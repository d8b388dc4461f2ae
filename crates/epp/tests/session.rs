//! EPP sessions end to end: real TLS on loopback, the registry on SQLite and PostgreSQL, one
//! test per ICANN RST v2 EPP case, concurrency against a limited balance, hostile input. Every
//! response is validated against the IANA schemas.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

#[path = "codec/support.rs"]
#[allow(dead_code)]
mod xsd;

mod session {
    // Some helpers serve only the attacks binary (tests/attacks.rs).
    #[allow(dead_code)]
    pub mod support;

    mod concurrency;
    mod robustness;
    mod rst;
    mod third_party;
}
