use time::OffsetDateTime;

use super::TransferStatus;

/// Which kind of object a history entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
    /// A domain.
    Domain,
    /// A host.
    Host,
    /// A contact.
    Contact,
    /// A registrar.
    Registrar,
}

impl ObjectKind {
    /// The kind's name as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Domain => "domain",
            ObjectKind::Host => "host",
            ObjectKind::Contact => "contact",
            ObjectKind::Registrar => "registrar",
        }
    }
}

/// One entry of the append-only history: who changed what, when, under which transaction, and
/// the object before and after (as JSON, `None` for a create or a purge).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HistoryEntry {
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The registrar id, or `registry` for the operator and the lifecycle engine.
    pub actor: String,
    /// The client transaction id, if the change came through EPP.
    pub cl_trid: Option<String>,
    /// The server transaction id.
    pub sv_trid: String,
    /// What kind of object.
    pub object: ObjectKind,
    /// Its name or id.
    pub object_id: String,
    /// What happened (`create`, `update`, `transfer_request`, `auto_renew`, `purge`, …).
    pub action: String,
    /// A reason given by the operator, if any.
    pub reason: Option<String>,
    /// The object before the change.
    pub before: Option<serde_json::Value>,
    /// The object after the change.
    pub after: Option<serde_json::Value>,
}

/// What a poll message tells a registrar.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PollBody {
    /// A domain transfer changed state (RFC 5731 `panData`/`trnData` style).
    Transfer {
        /// The domain.
        domain: String,
        /// Its transfer state now.
        status: TransferStatus,
        /// The gaining registrar.
        gaining: String,
        /// The losing registrar.
        losing: String,
        /// When it was requested.
        #[serde(with = "time::serde::rfc3339")]
        requested_at: OffsetDateTime,
        /// When it was (or will be) acted on.
        #[serde(with = "time::serde::rfc3339")]
        action_at: OffsetDateTime,
        /// The expiry date after the transfer.
        #[serde(with = "time::serde::rfc3339")]
        expires_at: OffsetDateTime,
    },
    /// A domain was renewed by the registry at expiry.
    AutoRenew {
        /// The domain.
        domain: String,
        /// The new expiry.
        #[serde(with = "time::serde::rfc3339")]
        expires_at: OffsetDateTime,
    },
    /// A domain was purged after its deletion ran its course.
    Purged {
        /// The domain.
        domain: String,
    },
    /// Anything else the registry tells the registrar in words.
    System {
        /// The text.
        text: String,
    },
}

/// A message queued for a registrar, delivered through EPP poll.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PollMessage {
    /// The registrar it is for.
    pub registrar: String,
    /// When it was queued.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// A human-readable summary (the `<msg>` element).
    pub text: String,
    /// The structured content.
    pub body: PollBody,
}
