//! The ZONEMD record type of RFC 8976.

mod zonemd;

pub use zonemd::Zonemd;
