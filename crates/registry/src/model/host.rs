use std::collections::BTreeSet;
use std::net::IpAddr;

use super::Stamps;

/// Host statuses that can be set (RFC 5732 §2.3); `ok`, `linked` and `pending*` are derived.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub enum HostStatus {
    /// `clientDeleteProhibited`.
    ClientDeleteProhibited,
    /// `clientUpdateProhibited`.
    ClientUpdateProhibited,
    /// `serverDeleteProhibited`.
    ServerDeleteProhibited,
    /// `serverUpdateProhibited`.
    ServerUpdateProhibited,
}

/// A host object (RFC 5732): a name server a domain can delegate to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Host {
    /// Fully qualified name, lower case, without the trailing dot.
    pub name: String,
    /// Repository object id.
    pub roid: String,
    /// Sponsoring registrar (for a subordinate host, always its superordinate domain's sponsor).
    pub sponsor: String,
    /// The registry domain this host is subordinate to, if it lies inside one of our TLDs; such
    /// hosts need addresses (they become glue) and follow their domain on transfer.
    pub superordinate: Option<String>,
    /// Addresses (only for subordinate hosts).
    pub addrs: Vec<IpAddr>,
    /// Statuses set on the host.
    pub statuses: BTreeSet<HostStatus>,
    /// Audit stamps.
    pub stamps: Stamps,
}
