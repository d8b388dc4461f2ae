//! nameward-hip: Host Identity Tags, host keys and the RFC 5205 lookup.
//!
//! No I/O outside [`lookup::transport`]: HIT checks work on a decoded
//! [`nameward_dns::rdata::hip::Hip`] record, [`keys`] on key file contents, and [`lookup`] is a
//! state machine that a transport drives.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod check;
pub mod host_id;
pub mod keys;
pub mod lookup;
pub mod orchid;

pub use check::{HitMatch, check_hip, verify_hit};
pub use host_id::{Curve, HitError, HostId};
pub use orchid::{HitSuite, OrchidVersion, V2Variant, hit_of, orchid_v1, orchid_v2};
