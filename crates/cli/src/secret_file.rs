//! Private key files: created readable by their owner only, and refused when others may read
//! them.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

use anyhow::{Result, anyhow, bail};

/// Creates `path` for a private key, mode 0600; an existing file is never overwritten.
pub fn create_private(path: &Path) -> Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map_err(|e| match e.kind() {
        io::ErrorKind::AlreadyExists => {
            anyhow!("{} already exists; nameward never overwrites a key file", path.display())
        }
        _ => anyhow!("cannot create {}: {e}", path.display()),
    })
}

/// Reads a private key file, refusing one that its group or others may read or write.
pub fn read_private(path: &Path) -> Result<String> {
    let file =
        File::open(path).map_err(|e| anyhow!("cannot open private key {}: {e}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = file
            .metadata()
            .map_err(|e| anyhow!("cannot read the permissions of {}: {e}", path.display()))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            bail!(
                "private key {} is open to others (mode {:04o}); make it readable by its owner \
                 only: chmod 600 {}",
                path.display(),
                mode & 0o7777,
                path.display()
            );
        }
    }
    io::read_to_string(file).map_err(|e| anyhow!("cannot read private key {}: {e}", path.display()))
}
