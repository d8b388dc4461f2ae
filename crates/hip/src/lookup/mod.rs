//! The RFC 5205 §3 initiator lookup: from a responder's name to its Host Identities and the
//! addresses an I1 packet would be sent to.
//!
//! [`Procedure`] is the procedure itself as a state machine with no I/O: it says which question
//! to ask next and takes each response. [`transport`] sends those questions to one server
//! through nameward-client (UDP, TCP when truncated, timeouts and retries), and [`resolve`] ties
//! the two together; [`resolve_validated`] also validates every answer it uses with DNSSEC.

mod procedure;
pub mod transport;
mod validated;

pub use nameward_client::{Client, ClientError, Received, match_response, query_message};
pub use procedure::Procedure;
pub use transport::{ResolverConfig, resolve};
pub use validated::{Checked, Validated, resolve_validated};

use std::fmt;
use std::net::IpAddr;

use nameward_dns::rdata::hip::Hip;
use nameward_dns::{Name, Question};

use crate::orchid::OrchidVersion;

/// What the initiator does when the name has no HIP records (RFC 5205 §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fallback {
    /// Fall back to opportunistic HIP or plain IP: query A and AAAA at the name.
    #[default]
    Ip,
    /// Stop: HIP with a known Host Identity or nothing.
    None,
}

/// How the lookup ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// HIP records were found.
    Hip,
    /// The name does not exist (RCODE 3); nothing more was asked about it.
    NxDomain,
    /// The name exists but has no HIP records, and the policy allows no fallback.
    NoData,
    /// The name has no HIP records; its A and AAAA records were looked up instead.
    NoDataFallback,
}

impl Outcome {
    /// The outcome as `nameward hip resolve --json` writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Hip => "hip",
            Outcome::NxDomain => "nxdomain",
            Outcome::NoData => "nodata",
            Outcome::NoDataFallback => "nodata-fallback",
        }
    }
}

/// A rendezvous server of a HIP record, with its addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendezvous {
    /// The server's name, as the record gives it.
    pub name: Name,
    /// Its A and AAAA addresses (empty when it has none).
    pub addresses: Vec<IpAddr>,
    /// Whether the addresses came from the HIP response's additional section (no query made).
    pub from_additional: bool,
}

/// One HIP record found, with its HIT checked against its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HipRecord {
    /// The record.
    pub hip: Hip,
    /// Which ORCHID of the key the record's HIT is; `None` when it is neither, so the record
    /// cannot identify the host (RFC 5205 §4.1).
    pub hit_matches: Option<OrchidVersion>,
    /// Its rendezvous servers in the record's order of preference, the owner itself left out
    /// (RFC 5205 §4.1 makes naming the owner the same as naming no server).
    pub rvs: Vec<Rendezvous>,
}

/// What the lookup found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookup {
    /// The name looked up.
    pub name: Name,
    /// How it ended.
    pub outcome: Outcome,
    /// The HIP records, in the order received.
    pub records: Vec<HipRecord>,
    /// Where an I1 would be sent: each record's rendezvous servers' addresses in order, or the
    /// name's own addresses for a record without servers (and after a fallback); no repeats.
    pub addresses: Vec<IpAddr>,
    /// How many questions were asked (a TCP retry of a truncated answer is not counted again).
    pub queries: usize,
}

impl Lookup {
    /// Whether every record's HIT is its key's ORCHID.
    pub fn all_hits_match(&self) -> bool {
        self.records.iter().all(|r| r.hit_matches.is_some())
    }
}

/// Why a lookup failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LookupError {
    /// The server could not be asked, or gave no usable response.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The server answered with an error code other than NXDOMAIN.
    #[error("the server answered `{}` with RCODE {rcode} ({})", question_text(question), rcode_name(*rcode))]
    Rcode {
        /// The question.
        question: Question,
        /// The response code.
        rcode: u16,
    },
    /// The procedure was given a response to a question it did not ask.
    #[error("the lookup got a response to `{}`, which it did not ask", question_text(.0))]
    Unexpected(Question),
}

fn question_text(q: &Question) -> String {
    format!("{} {}", q.name, q.qtype)
}

fn rcode_name(rcode: u16) -> &'static str {
    match rcode {
        1 => "FORMERR",
        2 => "SERVFAIL",
        4 => "NOTIMP",
        5 => "REFUSED",
        9 => "NOTAUTH",
        _ => "error",
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
