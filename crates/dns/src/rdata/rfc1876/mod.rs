//! The LOC record type of RFC 1876.

mod loc;

pub use loc::Loc;
