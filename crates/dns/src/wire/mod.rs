//! The DNS wire format: a bounds-checked reader that decompresses names safely, and a writer that
//! compresses them.

mod error;
mod reader;
mod writer;

pub use error::{WireError, WireErrorKind};
pub use reader::{DecodeOptions, Pointers, Reader};
pub use writer::{Mark, WireMode, Writer};
