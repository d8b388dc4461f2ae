//! The lookup against one server, through nameward-client (UDP with retries and a timeout per
//! attempt, TCP when the answer is truncated): the only I/O of nameward-hip.

use std::net::SocketAddr;
use std::time::Duration;

use nameward_client::Client;
use nameward_dns::Name;

use super::{Fallback, Lookup, LookupError, Procedure};

/// Which server to ask and how patiently.
#[derive(Debug, Clone)]
pub struct ResolverConfig {
    /// The DNS server (authoritative for the name, or a recursive resolver).
    pub server: SocketAddr,
    /// How long to wait for each UDP attempt, and for each TCP read.
    pub timeout: Duration,
    /// How many times to resend a UDP query that got no answer.
    pub retries: u32,
    /// What to do when the name has no HIP records.
    pub fallback: Fallback,
}

impl ResolverConfig {
    /// Two-second attempts, two retries, fallback to IP.
    pub fn new(server: SocketAddr) -> ResolverConfig {
        ResolverConfig {
            server,
            timeout: Duration::from_secs(2),
            retries: 2,
            fallback: Fallback::Ip,
        }
    }

    /// The client that asks the server, without DNSSEC records.
    pub fn client(&self) -> Client {
        Client {
            server: self.server,
            timeout: self.timeout,
            retries: self.retries,
            dnssec_ok: false,
        }
    }
}

/// Runs the RFC 5205 §3 lookup of `name` against the configured server.
pub fn resolve(name: &Name, config: &ResolverConfig) -> Result<Lookup, LookupError> {
    let client = config.client();
    let mut procedure = Procedure::new(name.clone(), config.fallback);
    while let Some(question) = procedure.next_query() {
        let response = client.exchange(&question)?;
        procedure.receive(&question, &response)?;
    }
    Ok(procedure.finish())
}
