//! nameward-hip: Host Identity Tags, host keys and the RFC 5205 lookup.
//!
//! No I/O: everything here works on a decoded [`nameward_dns::rdata::hip::Hip`] record.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod check;
pub mod host_id;
pub mod orchid;

pub use check::{HitMatch, check_hip, verify_hit};
pub use host_id::{Curve, HitError, HostId};
pub use orchid::{HitSuite, V2Variant, orchid_v1, orchid_v2};
