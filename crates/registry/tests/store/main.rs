//! The store on both engines: every test body runs against a fresh SQLite file and a fresh
//! PostgreSQL database (see `harness`).

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod concurrency;
mod fixtures;
mod harness;
mod journal;
mod ledger;
mod links;
mod objects;
mod queries;
mod schema;
