//! Record types of RFC 3403 (Dynamic Delegation Discovery System).

mod naptr;

pub use naptr::Naptr;
