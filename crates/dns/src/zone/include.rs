//! How `$INCLUDE` files are found: the caller's loader opens them (the library does no I/O),
//! and the reader decides which paths are allowed.

use std::collections::HashMap;
use std::io::{self, BufRead};
use std::path::{Component, Path, PathBuf};

/// Opens the files named by `$INCLUDE`. The zone reader never touches the file system itself.
pub trait IncludeLoader {
    /// Opens `path` for reading.
    fn open(&self, path: &Path) -> io::Result<Box<dyn BufRead>>;

    /// The path in a form where two names of one file are equal, used to detect include loops
    /// and to confine includes to the zone's directory. The default only removes `.` and `..`
    /// lexically; a file-system loader should also resolve symbolic links.
    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        Ok(normalize(path))
    }
}

/// A loader that refuses every `$INCLUDE`, for zones read from a single buffer.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoIncludes;

impl IncludeLoader for NoIncludes {
    fn open(&self, path: &Path) -> io::Result<Box<dyn BufRead>> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            format!("$INCLUDE is not available here (asked for {})", path.display()),
        ))
    }
}

/// Files held in memory, keyed by path (after [`normalize`]): for tests and for callers that
/// already have every file's contents.
#[derive(Debug, Clone, Default)]
pub struct MemoryLoader {
    files: HashMap<PathBuf, Vec<u8>>,
}

impl MemoryLoader {
    /// An empty set of files.
    pub fn new() -> MemoryLoader {
        MemoryLoader::default()
    }

    /// Adds (or replaces) a file.
    pub fn insert(&mut self, path: impl AsRef<Path>, contents: impl Into<Vec<u8>>) {
        self.files.insert(normalize(path.as_ref()), contents.into());
    }

    /// Adds a file, builder style.
    pub fn with(mut self, path: impl AsRef<Path>, contents: impl Into<Vec<u8>>) -> MemoryLoader {
        self.insert(path, contents);
        self
    }
}

impl IncludeLoader for MemoryLoader {
    fn open(&self, path: &Path) -> io::Result<Box<dyn BufRead>> {
        match self.files.get(&normalize(path)) {
            Some(contents) => Ok(Box::new(io::Cursor::new(contents.clone()))),
            None => Err(io::Error::new(io::ErrorKind::NotFound, "no such file")),
        }
    }
}

/// Removes `.` components and folds `name/..` pairs, without looking at the file system.
/// `..` components that climb above the start of a relative path are kept.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                let can_pop = matches!(out.components().next_back(), Some(Component::Normal(_)));
                if can_pop {
                    out.pop();
                } else if !matches!(
                    out.components().next_back(),
                    Some(Component::RootDir | Component::Prefix(_))
                ) {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// True when `path` lies inside `dir` (both canonical).
pub(crate) fn is_inside(path: &Path, dir: &Path) -> bool {
    path.strip_prefix(dir).is_ok_and(|rest| !rest.components().any(|c| c == Component::ParentDir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_lexically() {
        assert_eq!(normalize(Path::new("a/./b/../c")), Path::new("a/c"));
        assert_eq!(normalize(Path::new("./a/../../x")), Path::new("../x"));
        assert_eq!(normalize(Path::new("/a/../../x")), Path::new("/x"));
        assert_eq!(normalize(Path::new(".")), Path::new(""));
    }

    #[test]
    fn confinement() {
        assert!(is_inside(Path::new("zones/a"), Path::new("zones")));
        assert!(is_inside(Path::new("a"), Path::new("")));
        assert!(!is_inside(Path::new("../a"), Path::new("")));
        assert!(!is_inside(Path::new("/etc/passwd"), Path::new("/zones")));
        assert!(!is_inside(Path::new("zonesx/a"), Path::new("zones")));
    }

    #[test]
    fn memory_loader() {
        let loader = MemoryLoader::new().with("d/./f", "x");
        let mut text = String::new();
        loader.open(Path::new("d/f")).unwrap().read_line(&mut text).unwrap();
        assert_eq!(text, "x");
        assert_eq!(loader.open(Path::new("g")).err().unwrap().kind(), io::ErrorKind::NotFound);
        assert!(NoIncludes.open(Path::new("g")).is_err());
    }
}
