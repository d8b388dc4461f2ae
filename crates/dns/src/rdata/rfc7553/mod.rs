//! The URI record type of RFC 7553.

mod uri;

pub use uri::Uri;
