//! The registry's objects as plain data: what the lifecycle engine decides over and what the
//! store keeps. No behaviour lives here beyond small derived views (such as a domain's EPP
//! status list), so the engine, the store and the protocol layers all share one vocabulary.

mod contact;
mod domain;
mod host;
mod journal;
mod ledger;
mod registrar;

pub use contact::{Contact, ContactStatus, Disclose, PostalInfo, PostalKind};
pub use domain::{
    ContactRole, Deletion, DeletionPhase, Domain, DomainContact, DomainStatus, DsData, GraceKind,
    GracePeriod, RgpStatus, Transfer, TransferStatus,
};
pub use host::{Host, HostStatus};
pub use journal::{HistoryEntry, ObjectKind, PollBody, PollMessage};
pub use ledger::{Account, Charge, ChargeKind, Money};
pub use registrar::{Registrar, RegistrarState};

use time::OffsetDateTime;

/// A secret a registrar or registrant presents (a domain's transfer code, a contact's authInfo),
/// kept only as a salted hash (RFC 9154 §4.3), with the instant it was set so the registry can
/// expire it (ICANN Transfer Policy: at most 14 days).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuthCode {
    /// The salted hash in PHC string form.
    pub hash: String,
    /// When the code was set.
    #[serde(with = "time::serde::rfc3339")]
    pub set_at: OffsetDateTime,
}

/// Who created and last changed an object, and when: the audit columns every object carries.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Stamps {
    /// The registrar (or `registry` for the operator) that created the object.
    pub created_by: String,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// The last registrar or operator to change it, if anyone has.
    pub updated_by: Option<String>,
    /// When it was last changed.
    #[serde(with = "time::serde::rfc3339::option")]
    pub updated_at: Option<OffsetDateTime>,
}

impl Stamps {
    /// Stamps for an object `by` creates `at`.
    pub fn new(by: &str, at: OffsetDateTime) -> Stamps {
        Stamps { created_by: by.to_owned(), created_at: at, updated_by: None, updated_at: None }
    }

    /// Records a change by `by` at `at`.
    pub fn touch(&mut self, by: &str, at: OffsetDateTime) {
        self.updated_by = Some(by.to_owned());
        self.updated_at = Some(at);
    }
}
