use crate::lifecycle::Refusal;
use crate::store::StoreError;

/// Why a registry command did not happen. [`ServiceError::epp_code`] gives the EPP result
/// code to answer with.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The lifecycle engine refused the command.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The login was refused (unknown client, wrong password or certificate, not ACTIVE).
    #[error("authentication failed")]
    Authentication,
    /// The name lies in no TLD this registry runs.
    #[error("no TLD `{0}` in this registry")]
    UnknownTld(String),
    /// Stored data could not be turned into a zone, or a secret could not be hashed.
    #[error("{0}")]
    Internal(String),
    /// A TLD policy that cannot work ([`crate::policy::Policy::check`]).
    #[error(transparent)]
    Policy(#[from] crate::policy::PolicyError),
    /// An escrow key or deposit was refused.
    #[error(transparent)]
    Escrow(#[from] super::EscrowRefusal),
    /// The store failed or refused a write.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ServiceError {
    /// The EPP result code (RFC 5730 §3).
    pub fn epp_code(&self) -> u16 {
        match self {
            ServiceError::Refused(refusal) => refusal.epp_code(),
            ServiceError::Authentication => 2200,
            ServiceError::UnknownTld(_) => 2306,
            ServiceError::Internal(_) => 2400,
            ServiceError::Store(StoreError::InsufficientFunds { .. }) => 2104,
            ServiceError::Store(StoreError::Exists { .. }) => 2302,
            ServiceError::Store(StoreError::NotFound { .. }) => 2303,
            ServiceError::Store(StoreError::Linked { .. }) => 2305,
            ServiceError::Store(StoreError::NoSuchMessage { .. }) => 2303,
            ServiceError::Escrow(_) | ServiceError::Policy(_) => 2306,
            ServiceError::Store(_) => 2400,
        }
    }

    /// Whether running the command again may succeed (contention in the database).
    pub fn is_retryable(&self) -> bool {
        matches!(self, ServiceError::Store(error) if error.is_retryable())
    }
}
