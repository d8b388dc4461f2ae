//! Record types of RFC 2782 (service location).

mod srv;

pub use srv::Srv;
