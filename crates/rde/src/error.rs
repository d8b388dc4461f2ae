//! What can go wrong with a deposit, each saying what and where.

use std::path::{Path, PathBuf};

use nameward_registry::store::StoreError;

/// A deposit could not be written, read, verified or restored.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RdeError {
    /// A file could not be read or written.
    #[error("{path}: {what}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done.
        what: &'static str,
        /// The cause.
        source: std::io::Error,
    },
    /// The deposit XML is not well-formed, or breaks one of the reader's limits.
    #[error("{file}: byte {at}: {detail}")]
    Xml {
        /// The XML file (its name inside the deposit).
        file: String,
        /// The byte offset in it.
        at: u64,
        /// What is wrong.
        detail: String,
    },
    /// An element of the deposit does not say what the registry needs.
    #[error("{file}: {element}: {detail}")]
    Content {
        /// The XML file.
        file: String,
        /// The element, as a path (`rdeDomain:domain[example.test]/exDate`).
        element: String,
        /// What is wrong.
        detail: String,
    },
    /// An OpenPGP key, message or signature was refused.
    #[error("{path}: {detail}")]
    OpenPgp {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// The registry database refused.
    #[error("{what}: {source}")]
    Store {
        /// What was being done.
        what: String,
        /// The cause.
        source: StoreError,
    },
    /// A deposit failed verification; each problem is listed.
    #[error("the deposit has {} problem(s), first: {}", .0.len(), .0.first().map(ToString::to_string).unwrap_or_default())]
    Problems(Vec<Problem>),
    /// The arguments do not describe a deposit that can be made or read.
    #[error("{0}")]
    Usage(String),
}

/// One thing wrong with a deposit, found by verification.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// The file (a `.ryde`, `.sig` or the XML inside).
    pub file: String,
    /// The element (`rdeDomain:domain[example.test]/ns/hostObj`) or `-` for the file itself.
    pub element: String,
    /// What is wrong.
    pub detail: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{}: {}: {}", self.file, self.element, self.detail)
    }
}

impl RdeError {
    pub(crate) fn io(path: &Path, what: &'static str) -> impl FnOnce(std::io::Error) -> RdeError {
        let path = path.to_owned();
        move |source| RdeError::Io { path, what, source }
    }

    pub(crate) fn store(what: impl Into<String>) -> impl FnOnce(StoreError) -> RdeError {
        let what = what.into();
        move |source| RdeError::Store { what, source }
    }
}
