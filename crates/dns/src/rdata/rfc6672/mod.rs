//! Record types of RFC 6672 (redirection of a whole subtree).

mod dname;

pub use dname::Dname;
