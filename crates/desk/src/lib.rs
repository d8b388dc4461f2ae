//! nameward-desk: the registrant desk and the notice mailer.
//!
//! When a registrar fails, its registrants need the registry itself: [`api`] is a JSON HTTP
//! API where they open a case for a name, prove they hold it (a code mailed to the registrant
//! address on record, or a TXT record at `_nameward-challenge.<name>` looked up with [`dns`]),
//! and receive a transfer code any active registrar can use. [`smtp`] sends the desk's codes
//! and the registry's notices through an SMTP relay. The rules and the state live in
//! `nameward_registry::continuity` and `nameward_registry::service`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod api;
pub mod dns;
pub mod smtp;
#[cfg(feature = "testing")]
#[allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]
pub mod testing;

pub use api::{Clock, Desk, router, serve};
pub use smtp::{SmtpConfig, SmtpMailer, SmtpSecurity};
