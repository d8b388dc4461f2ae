//! nameward-desk: the registrant desk and the notice mailer.
//!
//! When a registrar fails, its registrants need the registry itself: [`web`] serves the pages
//! where they open a case for a name, prove they hold it (a code mailed to the registrant
//! address on record, or a TXT record at `_nameward-challenge.<name>` looked up with [`dns`]),
//! and receive a transfer code any active registrar can use; [`api`] offers the same steps as
//! JSON. What proves control is bound to the browser [`session`]. [`smtp`] sends the desk's
//! codes ([`mail`]) and the registry's notices through an SMTP relay. The rules and the state
//! live in `nameward_registry::continuity` and `nameward_registry::service`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod api;
pub mod dns;
pub mod mail;
pub mod session;
pub mod smtp;
#[cfg(feature = "testing")]
#[allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]
pub mod testing;
pub mod web;

pub use api::{Clock, Desk, router, serve};
pub use session::CookiePolicy;
pub use smtp::{SmtpConfig, SmtpMailer, SmtpSecurity};
