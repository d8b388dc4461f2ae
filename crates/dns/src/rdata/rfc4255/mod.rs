//! Record types of RFC 4255 (SSH host key fingerprints).

mod sshfp;

pub use sshfp::Sshfp;
