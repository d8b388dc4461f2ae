//! The OPENPGPKEY record type of RFC 7929.

mod openpgpkey;

pub use openpgpkey::Openpgpkey;
