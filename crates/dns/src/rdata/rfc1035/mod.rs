//! Record types of RFC 1035.

mod a;
mod hinfo;
mod mx;
mod name_only;
mod soa;
mod txt;

pub use a::A;
pub use hinfo::Hinfo;
pub use mx::Mx;
pub use name_only::{Cname, Ns, Ptr};
pub use soa::Soa;
pub use txt::{TextStrings, Txt};
