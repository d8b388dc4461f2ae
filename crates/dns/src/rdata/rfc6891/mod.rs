//! EDNS(0) (RFC 6891).

mod opt;

pub use opt::{EdnsOption, Opt, encode_options};
