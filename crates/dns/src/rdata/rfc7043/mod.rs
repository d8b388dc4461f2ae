//! The EUI48 and EUI64 record types of RFC 7043.

mod eui;

pub use eui::{Eui, Eui48, Eui64};
