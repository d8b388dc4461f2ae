//! Continuity mode: what the registry does for registrants when their registrar has failed.
//!
//! Pure rules only (no I/O, no clock): the service runs them inside store transactions.

pub mod desk;
pub mod notices;
