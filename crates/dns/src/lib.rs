//! nameward-dns: domain names, the wire codec, record data (with HIP as a first-class type),
//! zone files and zone checks. No I/O: callers bring the bytes and the files' contents.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod check;
pub mod dnssec;
pub mod message;
pub mod name;
pub mod rdata;
pub mod record;
pub mod rtype;
pub mod serial;
pub mod store;
pub mod text;
pub mod tsig;
pub mod wire;
pub mod zone;

pub use message::{Edns, Header, Message};
pub use name::{Name, NameError};
pub use rdata::{RecordData, RecordType};
pub use record::{Question, Record};
pub use rtype::{Class, Rtype};
