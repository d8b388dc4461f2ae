//! The bounds a deposit is read within: every one is checked before the memory it guards is
//! spent, so a hostile archive costs at most about `max_unpacked_bytes` twice over (the files,
//! then their decoded rows).

/// Limits on what [`crate::Deposit::read`] accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest archive, as stored (compressed when gzip).
    pub max_archive_bytes: u64,
    /// Largest total of all files once unpacked (guards against a gzip bomb).
    pub max_unpacked_bytes: u64,
    /// Largest single file in the archive (the manifest included).
    pub max_file_bytes: u64,
    /// Most entries in the archive (files and directories).
    pub max_entries: u64,
    /// Longest CSV record, in octets of its field values.
    pub max_row_bytes: usize,
    /// Longest CSV field, in octets.
    pub max_field_bytes: usize,
    /// Most records one `$GENERATE` line of a hosted zone may make.
    pub max_generate: u64,
}

impl Default for Limits {
    /// Room for a registrar of a few million names: 256 MiB stored, 1 GiB unpacked.
    fn default() -> Limits {
        Limits {
            max_archive_bytes: 256 << 20,
            max_unpacked_bytes: 1 << 30,
            max_file_bytes: 512 << 20,
            max_entries: 1_000_000,
            max_row_bytes: 64 << 10,
            max_field_bytes: 8 << 10,
            max_generate: 1024,
        }
    }
}
