//! Service binding records (RFC 9460): SVCB and HTTPS.

mod param;
mod svcb;

pub use param::{KeyName, SvcParam, key_name};
pub use svcb::{Https, ServiceBinding, Svcb};
