//! Hashed authenticated denial of existence (RFC 5155).

mod nsec3;
mod nsec3param;
mod salt;

pub use nsec3::Nsec3;
pub use nsec3param::Nsec3param;
