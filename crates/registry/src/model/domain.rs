use std::collections::BTreeSet;

use time::OffsetDateTime;

use super::{AuthCode, Money, Stamps};

/// Domain statuses a client or the registry sets (RFC 5731 §2.3). The others EPP shows — `ok`,
/// `inactive`, `pendingDelete`, `pendingTransfer` — follow from the domain's state and are
/// derived by [`Domain::epp_statuses`], so they can never disagree with it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub enum DomainStatus {
    /// `clientDeleteProhibited`.
    ClientDeleteProhibited,
    /// `clientHold`: kept out of the zone.
    ClientHold,
    /// `clientRenewProhibited`.
    ClientRenewProhibited,
    /// `clientTransferProhibited`.
    ClientTransferProhibited,
    /// `clientUpdateProhibited`.
    ClientUpdateProhibited,
    /// `serverDeleteProhibited`.
    ServerDeleteProhibited,
    /// `serverHold`: kept out of the zone.
    ServerHold,
    /// `serverRenewProhibited`.
    ServerRenewProhibited,
    /// `serverTransferProhibited`.
    ServerTransferProhibited,
    /// `serverUpdateProhibited`.
    ServerUpdateProhibited,
}

impl DomainStatus {
    /// Every settable status, in EPP order.
    pub const ALL: [DomainStatus; 10] = [
        DomainStatus::ClientDeleteProhibited,
        DomainStatus::ClientHold,
        DomainStatus::ClientRenewProhibited,
        DomainStatus::ClientTransferProhibited,
        DomainStatus::ClientUpdateProhibited,
        DomainStatus::ServerDeleteProhibited,
        DomainStatus::ServerHold,
        DomainStatus::ServerRenewProhibited,
        DomainStatus::ServerTransferProhibited,
        DomainStatus::ServerUpdateProhibited,
    ];

    /// The EPP name (`clientHold`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            DomainStatus::ClientDeleteProhibited => "clientDeleteProhibited",
            DomainStatus::ClientHold => "clientHold",
            DomainStatus::ClientRenewProhibited => "clientRenewProhibited",
            DomainStatus::ClientTransferProhibited => "clientTransferProhibited",
            DomainStatus::ClientUpdateProhibited => "clientUpdateProhibited",
            DomainStatus::ServerDeleteProhibited => "serverDeleteProhibited",
            DomainStatus::ServerHold => "serverHold",
            DomainStatus::ServerRenewProhibited => "serverRenewProhibited",
            DomainStatus::ServerTransferProhibited => "serverTransferProhibited",
            DomainStatus::ServerUpdateProhibited => "serverUpdateProhibited",
        }
    }

    /// Parses an EPP status name (exact case, as the schema requires).
    pub fn parse(text: &str) -> Option<DomainStatus> {
        DomainStatus::ALL.into_iter().find(|status| status.as_str() == text)
    }

    /// Whether only the registry (not a registrar) may set or clear it.
    pub fn is_server(self) -> bool {
        self.as_str().starts_with("server")
    }
}

/// A contact's role on a domain.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum ContactRole {
    /// `admin`.
    Admin,
    /// `billing`.
    Billing,
    /// `tech`.
    Tech,
}

/// A contact attached to a domain in a role.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct DomainContact {
    /// The role.
    pub role: ContactRole,
    /// The contact's id.
    pub id: String,
}

/// One DS record's data (RFC 5910 `dsData`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct DsData {
    /// Key tag.
    pub key_tag: u16,
    /// DNSSEC algorithm number.
    pub alg: u8,
    /// Digest type.
    pub digest_type: u8,
    /// Digest, upper-case hex.
    pub digest: String,
}

/// The grace periods of RFC 3915 during which a command can be undone for a refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GraceKind {
    /// After create.
    Add,
    /// After the registry renewed the domain at expiry.
    AutoRenew,
    /// After an explicit renew.
    Renew,
    /// After a completed transfer.
    Transfer,
}

/// A running grace period and what deleting (or, for auto-renew, transferring) within it refunds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GracePeriod {
    /// Which period.
    pub kind: GraceKind,
    /// When it ends.
    #[serde(with = "time::serde::rfc3339")]
    pub ends: OffsetDateTime,
    /// The registrar that paid.
    pub registrar: String,
    /// The amount refunded if the period's command is undone (positive).
    pub amount: Money,
    /// The years that command added (taken back off the expiry date on undo).
    pub years: u8,
}

/// Where a deleted domain is on its way out (RFC 3915).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeletionPhase {
    /// Restorable by its sponsor (30 days).
    Redemption,
    /// A restore was requested; the registry waits for the report (7 days).
    PendingRestore,
    /// Not restorable; purged when the phase ends (5 days).
    PendingDelete,
}

/// A deletion in progress.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Deletion {
    /// The current phase.
    pub phase: DeletionPhase,
    /// When the current phase ends.
    #[serde(with = "time::serde::rfc3339")]
    pub phase_ends: OffsetDateTime,
    /// When the delete was accepted.
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
}

/// The RFC 3915 `rgpStatus` values, derived from grace periods and deletion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum RgpStatus {
    /// `addPeriod`.
    AddPeriod,
    /// `autoRenewPeriod`.
    AutoRenewPeriod,
    /// `renewPeriod`.
    RenewPeriod,
    /// `transferPeriod`.
    TransferPeriod,
    /// `redemptionPeriod`.
    RedemptionPeriod,
    /// `pendingRestore`.
    PendingRestore,
    /// `pendingDelete`.
    PendingDelete,
}

impl RgpStatus {
    /// The EPP name.
    pub fn as_str(self) -> &'static str {
        match self {
            RgpStatus::AddPeriod => "addPeriod",
            RgpStatus::AutoRenewPeriod => "autoRenewPeriod",
            RgpStatus::RenewPeriod => "renewPeriod",
            RgpStatus::TransferPeriod => "transferPeriod",
            RgpStatus::RedemptionPeriod => "redemptionPeriod",
            RgpStatus::PendingRestore => "pendingRestore",
            RgpStatus::PendingDelete => "pendingDelete",
        }
    }
}

/// The `trStatus` of a domain's latest transfer (RFC 5730 §2.9.3.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TransferStatus {
    /// Waiting for the losing registrar (or the automatic approval date).
    Pending,
    /// Approved by the losing registrar.
    ClientApproved,
    /// Cancelled by the gaining registrar.
    ClientCancelled,
    /// Rejected by the losing registrar.
    ClientRejected,
    /// Approved by the registry (automatically after the pending period, or in bulk).
    ServerApproved,
    /// Cancelled by the registry.
    ServerCancelled,
}

impl TransferStatus {
    /// The EPP name.
    pub fn as_str(self) -> &'static str {
        match self {
            TransferStatus::Pending => "pending",
            TransferStatus::ClientApproved => "clientApproved",
            TransferStatus::ClientCancelled => "clientCancelled",
            TransferStatus::ClientRejected => "clientRejected",
            TransferStatus::ServerApproved => "serverApproved",
            TransferStatus::ServerCancelled => "serverCancelled",
        }
    }
}

/// A domain's latest transfer: the pending one, or the last one finished (kept so a transfer
/// query can still answer after completion).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Transfer {
    /// Where it stands.
    pub status: TransferStatus,
    /// The requesting (gaining) registrar.
    pub gaining: String,
    /// The sponsor when it was requested (losing registrar).
    pub losing: String,
    /// When it was requested.
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
    /// When it will be approved automatically (pending) or when it was acted on (otherwise).
    #[serde(with = "time::serde::rfc3339")]
    pub action_at: OffsetDateTime,
    /// Years added on approval (1 for an EPP transfer, 0 for a bulk transfer).
    pub years: u8,
    /// What the gaining registrar paid at request (refunded if the transfer does not happen).
    pub amount: Money,
}

/// A domain object (RFC 5731) with its lifecycle state.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Domain {
    /// Fully qualified name, lower case (A-labels), without the trailing dot.
    pub name: String,
    /// Repository object id.
    pub roid: String,
    /// Sponsoring registrar.
    pub sponsor: String,
    /// The sponsor's reseller through whom the registrant holds the name, if any.
    pub reseller: Option<String>,
    /// Registrant contact id.
    pub registrant: Option<String>,
    /// Admin, billing and tech contacts.
    pub contacts: Vec<DomainContact>,
    /// Delegated name servers (host object names).
    pub ns: Vec<String>,
    /// DS data (RFC 5910).
    pub ds: Vec<DsData>,
    /// Maximum signature lifetime the registrant asked for (RFC 5910), in seconds.
    pub max_sig_life: Option<u32>,
    /// Statuses set by the client or the registry.
    pub statuses: BTreeSet<DomainStatus>,
    /// Audit stamps.
    pub stamps: Stamps,
    /// Expiry.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// When the domain last changed sponsor.
    #[serde(with = "time::serde::rfc3339::option")]
    pub transferred_at: Option<OffsetDateTime>,
    /// The transfer code (RFC 9154: set only when a transfer is wanted).
    pub auth: Option<AuthCode>,
    /// Running grace periods.
    pub grace: Vec<GracePeriod>,
    /// Deletion in progress.
    pub deletion: Option<Deletion>,
    /// Latest transfer.
    pub transfer: Option<Transfer>,
}

impl Domain {
    /// Whether a transfer is waiting for approval.
    pub fn transfer_pending(&self) -> bool {
        self.transfer.as_ref().is_some_and(|transfer| transfer.status == TransferStatus::Pending)
    }

    /// Whether the domain is on hold (client or server) and so kept out of the zone.
    pub fn on_hold(&self) -> bool {
        self.statuses.contains(&DomainStatus::ClientHold)
            || self.statuses.contains(&DomainStatus::ServerHold)
    }

    /// Whether the domain belongs in the published zone: delegated, not on hold, not deleted.
    pub fn in_zone(&self) -> bool {
        !self.ns.is_empty() && !self.on_hold() && self.deletion.is_none()
    }

    /// The status list EPP shows (RFC 5731 §2.3): the set statuses plus the derived ones.
    pub fn epp_statuses(&self) -> Vec<&'static str> {
        let mut shown: Vec<&'static str> =
            self.statuses.iter().map(|status| status.as_str()).collect();
        if self.deletion.is_some() {
            shown.push("pendingDelete");
        }
        if self.transfer_pending() {
            shown.push("pendingTransfer");
        }
        if self.ns.is_empty() {
            shown.push("inactive");
        }
        if shown.is_empty() {
            shown.push("ok");
        }
        shown
    }

    /// The RFC 3915 statuses in force at `now`.
    pub fn rgp_statuses(&self, now: OffsetDateTime) -> Vec<RgpStatus> {
        if let Some(deletion) = &self.deletion {
            return vec![match deletion.phase {
                DeletionPhase::Redemption => RgpStatus::RedemptionPeriod,
                DeletionPhase::PendingRestore => RgpStatus::PendingRestore,
                DeletionPhase::PendingDelete => RgpStatus::PendingDelete,
            }];
        }
        self.grace
            .iter()
            .filter(|grace| grace.ends > now)
            .map(|grace| match grace.kind {
                GraceKind::Add => RgpStatus::AddPeriod,
                GraceKind::AutoRenew => RgpStatus::AutoRenewPeriod,
                GraceKind::Renew => RgpStatus::RenewPeriod,
                GraceKind::Transfer => RgpStatus::TransferPeriod,
            })
            .collect()
    }
}
