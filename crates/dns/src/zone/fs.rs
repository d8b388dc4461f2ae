//! The file-system edge: the one place in this crate that opens files, for callers (the CLI,
//! the server) that read zones from disk. Everything else in the crate stays free of I/O.

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};

use super::IncludeLoader;

/// Opens `$INCLUDE` files from the file system, resolving symbolic links for the loop and
/// confinement checks.
#[derive(Debug, Clone, Copy, Default)]
pub struct FsLoader;

impl IncludeLoader for FsLoader {
    fn open(&self, path: &Path) -> io::Result<Box<dyn BufRead>> {
        Ok(Box::new(BufReader::with_capacity(64 * 1024, File::open(path)?)))
    }

    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        std::fs::canonicalize(path)
    }
}
