//! nameward-epp: the Extensible Provisioning Protocol for registrars.
//!
//! The XML codec (commands in, responses out) is pure; the TLS transport and the sessions that
//! map commands onto the registry sit around it.
