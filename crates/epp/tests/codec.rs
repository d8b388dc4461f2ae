//! The EPP codec: RFC examples in, typed commands out; typed responses in, schema-valid XML
//! out; hostile documents refused.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod codec {
    pub mod support;

    mod bombs;
    mod commands;
    mod errors;
    mod properties;
    mod responses;
}
