//! The KX record type of RFC 2230.

mod kx;

pub use kx::Kx;
