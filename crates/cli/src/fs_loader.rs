//! The file-system edge of zone reading: nameward-dns does no I/O, so the files that
//! `$INCLUDE` names are opened here.

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};

use nameward_dns::zone::IncludeLoader;

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

#[cfg(test)]
mod tests {
    use super::*;
    use nameward_dns::zone::{ReaderOptions, ZoneReader};

    #[test]
    fn includes_from_disk_and_refuses_symlinks_out() {
        let dir = std::env::temp_dir().join(format!("nameward-zone-fs-{}", std::process::id()));
        let zones = dir.join("zones");
        std::fs::create_dir_all(&zones).unwrap();
        std::fs::write(zones.join("part"), "p A 192.0.2.1\n").unwrap();
        std::fs::write(dir.join("secret"), "s A 192.0.2.2\n").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.join("secret"), zones.join("link")).unwrap();
        let top = zones.join("db");
        let top_name = top.to_string_lossy().into_owned();
        let read = |text: &str| -> Vec<String> {
            ZoneReader::new(text.as_bytes(), &top_name, None, ReaderOptions::default(), &FsLoader)
                .map(|r| match r {
                    Ok(e) => e.record.to_string(),
                    Err(e) => e.message,
                })
                .collect()
        };
        assert_eq!(read("$TTL 1\n$INCLUDE part example.\n"), ["p.example. 1 IN A 192.0.2.1"]);
        #[cfg(unix)]
        assert!(read("$INCLUDE link x.\n")[0].contains("refused: it is outside"));
        assert!(read("$INCLUDE missing x.\n")[0].starts_with("cannot include"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
