//! The DHCID record type of RFC 4701.

mod dhcid;

pub use dhcid::Dhcid;
