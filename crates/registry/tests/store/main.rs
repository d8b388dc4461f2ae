//! The store on both engines: every test body runs against a fresh SQLite file and a fresh
//! PostgreSQL database (see `nameward_registry::testing`).

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod concurrency;
mod fixtures;
mod journal;
mod ledger;
mod links;
mod objects;
mod queries;
mod rde;
mod schema;
