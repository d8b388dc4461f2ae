//! nameward-registry: the registry's model, its lifecycle engine and its store.
//!
//! Lifecycle decisions are pure functions over (state, now); the store (SQLite or PostgreSQL)
//! and the clock live at the edges.

pub mod continuity;
pub mod lifecycle;
pub mod model;
pub mod policy;
pub mod publish;
pub mod secret;
pub mod service;
pub mod store;
#[cfg(feature = "testing")]
#[allow(clippy::expect_used, clippy::panic, missing_docs)]
pub mod testing;
