//! What can go wrong in the store, and how a database error is classified.

use crate::model::Money;

/// An error from the store. Conflicts the registry must answer (an object that exists or not,
/// a linked object, too little money) have their own variants; everything else carries the
/// database error and the operation it interrupted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The engine cannot do what was asked.
    #[error("not supported: {what}")]
    Unsupported {
        /// What was asked.
        what: &'static str,
    },
    /// A file next to the database could not be written.
    #[error("{operation} {path}: {source}")]
    Io {
        /// What was being done.
        operation: &'static str,
        /// The file.
        path: String,
        /// The failure.
        #[source]
        source: std::io::Error,
    },
    /// The URL names no engine the store speaks.
    #[error("unsupported database URL {url:?}: expected sqlite:PATH or postgres://USER@HOST/DB")]
    BadUrl {
        /// The URL as given (without its password).
        url: String,
    },
    /// An insert met an object with the same key.
    #[error("{kind} {id:?} already exists")]
    Exists {
        /// What kind of object (`domain`, `host`, ...).
        kind: &'static str,
        /// Its key.
        id: String,
    },
    /// The object an operation names is not there.
    #[error("{kind} {id:?} does not exist")]
    NotFound {
        /// What kind of object.
        kind: &'static str,
        /// Its key.
        id: String,
    },
    /// A write names an object that does not exist (a sponsor, a contact, a name server ...).
    #[error("{kind} {id:?} refers to something that does not exist: {detail}")]
    MissingReference {
        /// What kind of object was being written.
        kind: &'static str,
        /// Its key.
        id: String,
        /// The database's account of the broken reference.
        detail: String,
    },
    /// A delete or rename would leave other objects pointing at nothing.
    #[error("{kind} {id:?} is still referenced by other objects")]
    Linked {
        /// What kind of object.
        kind: &'static str,
        /// Its key.
        id: String,
    },
    /// A debit would take a prepaid account below zero.
    #[error(
        "registrar {registrar:?} has {balance} on its prepaid account, too little for a debit of {}",
        amount.unsigned_abs()
    )]
    InsufficientFunds {
        /// Whose account.
        registrar: String,
        /// The balance before the debit.
        balance: Money,
        /// The (negative) amount refused.
        amount: Money,
    },
    /// A poll message id that is not in the registrar's queue.
    #[error("poll message {id} is not queued for registrar {registrar:?}")]
    NoSuchMessage {
        /// The registrar that acked.
        registrar: String,
        /// The id it gave.
        id: u64,
    },
    /// A value the store cannot keep (an overflowing sum, a duplicate in a list, ...).
    #[error("cannot store {what}: {detail}")]
    Invalid {
        /// Which value.
        what: String,
        /// What is wrong with it.
        detail: String,
    },
    /// A stored row that does not decode into the model.
    #[error("stored {what} is corrupt: {detail}")]
    Corrupt {
        /// Which row or column.
        what: String,
        /// What failed.
        detail: String,
    },
    /// A write attempted in a transaction opened with [`crate::store::Store::begin_read`].
    #[error("{operation} is a write, but the transaction is read-only")]
    ReadOnly {
        /// The refused operation.
        operation: &'static str,
    },
    /// An earlier statement of this transaction failed; it can only be rolled back.
    #[error("the transaction already failed ({first}); roll it back")]
    Aborted {
        /// The operation that failed first.
        first: &'static str,
    },
    /// The database has migrations this build does not know, or a known one was edited.
    #[error("database schema does not match this build: {detail}")]
    Schema {
        /// What differs.
        detail: String,
    },
    /// A migration failed to apply.
    #[error("migration {version} ({name}) failed: {source}")]
    Migration {
        /// Its version number.
        version: u32,
        /// Its file name.
        name: &'static str,
        /// The database error.
        source: sqlx::Error,
    },
    /// Any other database failure, with the operation it interrupted.
    #[error("{operation}: {source}")]
    Database {
        /// What the store was doing.
        operation: &'static str,
        /// The database error.
        source: sqlx::Error,
    },
}

impl StoreError {
    /// Whether running the whole transaction again may succeed: a PostgreSQL serialization
    /// failure or deadlock, or SQLite still busy after its timeout.
    pub fn is_retryable(&self) -> bool {
        match self {
            StoreError::Database { source, .. } => classify(source) == Class::Retryable,
            _ => false,
        }
    }
}

/// How a database error bears on the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    /// A unique or primary key constraint.
    Unique,
    /// A foreign key constraint.
    ForeignKey,
    /// Contention: try the transaction again.
    Retryable,
    /// Anything else.
    Other,
}

/// Classifies a database error by its SQLSTATE (PostgreSQL) or extended result code (SQLite).
pub(crate) fn classify(error: &sqlx::Error) -> Class {
    let sqlx::Error::Database(database) = error else {
        return Class::Other;
    };
    match database.kind() {
        sqlx::error::ErrorKind::UniqueViolation => return Class::Unique,
        sqlx::error::ErrorKind::ForeignKeyViolation => return Class::ForeignKey,
        _ => {}
    }
    match database.code().as_deref() {
        // PostgreSQL serialization_failure, deadlock_detected, lock_not_available.
        Some("40001" | "40P01" | "55P03") => Class::Retryable,
        // SQLite BUSY, LOCKED and their extended codes (BUSY_RECOVERY, BUSY_SNAPSHOT,
        // BUSY_TIMEOUT, LOCKED_SHAREDCACHE).
        Some("5" | "6" | "261" | "517" | "773" | "262") => Class::Retryable,
        _ => Class::Other,
    }
}
