//! Registrant notices and the registrant desk on both engines, with a real SMTP server
//! (aiosmtpd) and a real DNS server (nameward-server) where they need one.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod attacks;
mod browser;
mod continuity_dns;
mod desk;
mod dkim;
mod notices;
mod support;
