//! Why a deposit was refused, with the file, line and field at fault.

/// An escrow deposit that cannot be read, or a deposit that cannot be written. Every variant
/// that concerns one file names it; CSV errors also name the line (the CSV record's first line,
/// counted from 1 with the header as line 1) and the column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EscrowError {
    /// The archive framing (tar, gzip) is broken or truncated.
    #[error("archive: {detail}")]
    Archive {
        /// What the archive reader found.
        detail: String,
    },
    /// A size or count limit was reached; the deposit is refused rather than read further.
    #[error("{what} exceeds the limit of {limit}")]
    Limit {
        /// What grew too large (`archive`, `unpacked data`, `entries`, `domains.csv line 7 row`).
        what: String,
        /// The limit, in the unit of `what`.
        limit: u64,
    },
    /// A file the deposit format requires is absent.
    #[error("{file}: missing from the deposit")]
    Missing {
        /// The file.
        file: String,
    },
    /// A file the deposit format has no place for, or the same file twice.
    #[error("{file}: {detail}")]
    Unexpected {
        /// The file as named in the archive.
        file: String,
        /// Why it is refused.
        detail: String,
    },
    /// `manifest.json` does not parse or says something impossible.
    #[error("manifest.json: {detail}")]
    Manifest {
        /// What is wrong.
        detail: String,
    },
    /// `manifest.sig` is not a valid Ed25519 signature of `manifest.json` by the expected key.
    #[error("manifest.sig: {detail}")]
    Signature {
        /// What is wrong.
        detail: String,
    },
    /// A file's SHA-256 differs from the manifest's.
    #[error("{file}: SHA-256 {actual} does not match the manifest's {expected}")]
    Digest {
        /// The file.
        file: String,
        /// The digest in the manifest.
        expected: String,
        /// The digest of the file as found.
        actual: String,
    },
    /// A file's row (or record) count differs from the manifest's.
    #[error("{file}: {actual} rows, but the manifest says {expected}")]
    Count {
        /// The file.
        file: String,
        /// The count in the manifest.
        expected: u64,
        /// The count found.
        actual: u64,
    },
    /// A CSV file is malformed or holds a value the format does not allow.
    #[error("{file}:{line}: {}{detail}", field.as_ref().map(|field| format!("field {field}: ")).unwrap_or_default())]
    Csv {
        /// The file.
        file: String,
        /// The line the record starts on (the header is line 1).
        line: u64,
        /// The column at fault, when one is.
        field: Option<String>,
        /// What is wrong.
        detail: String,
    },
    /// A hosted zone file does not read as a zone of its domain.
    #[error("{file}:{line}: {detail}")]
    Zone {
        /// The file (`zones/DOMAIN.zone`).
        file: String,
        /// The line, as the zone reader reports it.
        line: u32,
        /// What is wrong.
        detail: String,
    },
    /// An escrow key that does not decode.
    #[error("escrow key: {detail}")]
    Key {
        /// What is wrong.
        detail: String,
    },
    /// A value handed to the writer cannot be written into a deposit.
    #[error("cannot write the deposit: {detail}")]
    Write {
        /// What is wrong.
        detail: String,
    },
}

impl EscrowError {
    pub(crate) fn csv(
        file: &str,
        line: u64,
        field: Option<&str>,
        detail: impl Into<String>,
    ) -> Self {
        EscrowError::Csv {
            file: file.to_owned(),
            line,
            field: field.map(str::to_owned),
            detail: detail.into(),
        }
    }

    pub(crate) fn archive(detail: impl std::fmt::Display) -> Self {
        EscrowError::Archive { detail: detail.to_string() }
    }
}
