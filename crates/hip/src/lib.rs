//! nameward-hip: Host Identity Tags, host keys and the RFC 5205 lookup.
#![forbid(unsafe_code)]
