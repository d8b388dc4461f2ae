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

impl HostStatus {
    /// Every status, in declaration order.
    pub const ALL: [HostStatus; 4] = [
        HostStatus::ClientDeleteProhibited,
        HostStatus::ClientUpdateProhibited,
        HostStatus::ServerDeleteProhibited,
        HostStatus::ServerUpdateProhibited,
    ];

    /// The EPP name (`clientDeleteProhibited`).
    pub fn as_str(self) -> &'static str {
        match self {
            HostStatus::ClientDeleteProhibited => "clientDeleteProhibited",
            HostStatus::ClientUpdateProhibited => "clientUpdateProhibited",
            HostStatus::ServerDeleteProhibited => "serverDeleteProhibited",
            HostStatus::ServerUpdateProhibited => "serverUpdateProhibited",
        }
    }

    /// The status an EPP name names.
    pub fn parse(text: &str) -> Option<HostStatus> {
        HostStatus::ALL.into_iter().find(|status| status.as_str() == text)
    }
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
