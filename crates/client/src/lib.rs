//! A DNS client for every part of nameward that asks a server something: the HIP lookup, the
//! DNSSEC validator's fetcher, the desk's checks. It asks one server (authoritative or
//! recursive) over UDP with a timeout and retries, repeats the question over TCP when the answer
//! is truncated, and returns the whole response, every section, with DNSSEC records in it when
//! asked for them (the DO bit of EDNS(0), RFC 3225).
//!
//! The message handling is pure ([`query_message`], [`match_response`]); [`Client::exchange`]
//! is the only function here that does I/O. nameward-dns stays free of sockets, so the client
//! is a crate of its own rather than a module there.

#![forbid(unsafe_code)]

mod response;
mod transport;

pub use response::{Received, match_response, query_message};
pub use transport::{Client, ClientError};
