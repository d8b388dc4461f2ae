//! The container: a ustar archive of regular files, gzip-compressed or not. Unpacking is bounded
//! at every step — the stored size, the number of entries, each file and the sum of all files
//! are checked before the bytes are read — and any framing fault refuses the archive. Files
//! are handed over one at a time ([`for_each_file`]), so a reader can stop early.

use std::io::{Read, Write};

use flate2::Compression;
use flate2::bufread::GzDecoder;
use flate2::write::GzEncoder;

use crate::error::EscrowError;
use crate::limits::Limits;

/// One file as found in (or destined for) the archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveFile {
    /// Its path inside the archive, `/`-separated and relative.
    pub path: String,
    /// Its exact contents.
    pub bytes: Vec<u8>,
}

/// Most zero octets accepted after the tar end marker inside gzip.
const MAX_PADDING: usize = 1 << 20;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Reads every regular file of the archive in `bytes` (gzip is recognized by its magic).
pub fn unpack(bytes: &[u8], limits: &Limits) -> Result<Vec<ArchiveFile>, EscrowError> {
    let mut files = Vec::new();
    for_each_file(bytes, limits, |entry| {
        files.push(entry.read_all()?);
        Ok(Flow::Continue)
    })?;
    Ok(files)
}

/// Whether [`for_each_file`] goes on to the next file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Read on.
    Continue,
    /// Stop here: the rest of the archive is neither read nor checked.
    Stop,
}

/// A regular file of the archive, as it is reached: its header is read and checked against
/// the limits, its contents not yet.
pub struct Entry<'a> {
    /// Its path inside the archive, `/`-separated and relative.
    pub path: String,
    /// Its size as the header gives it (within the limits).
    pub size: u64,
    contents: &'a mut dyn Read,
}

impl Entry<'_> {
    /// The whole file, refused as truncated when the archive ends early.
    pub fn read_all(self) -> Result<ArchiveFile, EscrowError> {
        let Entry { path, size, contents } = self;
        let mut bytes = Vec::with_capacity(usize::try_from(size.min(1 << 20)).unwrap_or(0));
        contents
            .take(size)
            .read_to_end(&mut bytes)
            .map_err(|error| EscrowError::archive(format!("{path}: {error}")))?;
        if u64::try_from(bytes.len()).ok() != Some(size) {
            return Err(EscrowError::archive(format!(
                "{path}: truncated ({} of {size} octets)",
                bytes.len()
            )));
        }
        Ok(ArchiveFile { path, bytes })
    }
}

/// Hands each regular file of the archive in `bytes` to `visit` in archive order, reading
/// only as far as `visit` goes: what it does not read of a file is skipped, and after
/// [`Flow::Stop`] nothing more is decompressed. So a caller can check what the first files
/// say before the rest costs anything.
pub fn for_each_file(
    bytes: &[u8],
    limits: &Limits,
    visit: impl FnMut(Entry<'_>) -> Result<Flow, EscrowError>,
) -> Result<(), EscrowError> {
    let stored = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if stored > limits.max_archive_bytes {
        return Err(EscrowError::Limit {
            what: "the archive".to_owned(),
            limit: limits.max_archive_bytes,
        });
    }
    if !bytes.starts_with(&GZIP_MAGIC) {
        return each_tar_file(bytes, limits, visit).map(|_| ());
    }
    let mut decoder = GzDecoder::new(bytes);
    if each_tar_file(&mut decoder, limits, visit)? == Flow::Stop {
        return Ok(());
    }
    // A gzip member's end (CRC and length) is checked only when read to the end, so the
    // reader is drained after the tar end marker; trailing garbage is refused too.
    let mut rest = [0u8; 512];
    let mut padding = 0usize;
    loop {
        match decoder.read(&mut rest) {
            Ok(0) => break,
            Ok(read) if rest.iter().take(read).all(|b| *b == 0) => {
                // Tar pads to its record size (10 KiB for GNU tar); a megabyte is plenty.
                padding = padding.saturating_add(read);
                if padding > MAX_PADDING {
                    return Err(EscrowError::archive("too much padding after the tar archive"));
                }
            }
            Ok(_) => return Err(EscrowError::archive("data after the end of the tar archive")),
            Err(error) => return Err(EscrowError::archive(format!("gzip: {error}"))),
        }
    }
    if !decoder.into_inner().is_empty() {
        return Err(EscrowError::archive("data after the end of the gzip stream"));
    }
    Ok(())
}

/// Longest path a GNU long-name entry may carry (a zone file of a 253-octet name needs 264).
const MAX_LONG_NAME: u64 = 1024;

/// [`for_each_file`] over a tar stream; whether `visit` stopped it.
fn each_tar_file(
    input: impl Read,
    limits: &Limits,
    mut visit: impl FnMut(Entry<'_>) -> Result<Flow, EscrowError>,
) -> Result<Flow, EscrowError> {
    let mut archive = tar::Archive::new(input);
    // Raw entries: the tar crate would read a GNU long-name or PAX extension entry into memory
    // whatever its size, so long names are taken here, within a bound, and PAX is refused.
    let entries = archive.entries().map_err(EscrowError::archive)?.raw(true);
    let mut unpacked = 0u64;
    let mut count = 0u64;
    let mut long_name: Option<Vec<u8>> = None;
    for entry in entries {
        let mut entry = entry.map_err(EscrowError::archive)?;
        count += 1;
        if count > limits.max_entries {
            return Err(EscrowError::Limit {
                what: "entries in the archive".to_owned(),
                limit: limits.max_entries,
            });
        }
        let size = entry.size();
        let kind = entry.header().entry_type();
        if kind.is_gnu_longname() {
            if size > MAX_LONG_NAME || long_name.is_some() {
                return Err(EscrowError::archive("a GNU long name that is too long or repeated"));
            }
            let mut name = Vec::new();
            entry.by_ref().take(size).read_to_end(&mut name).map_err(EscrowError::archive)?;
            // The stored name ends with a NUL.
            while name.last() == Some(&0) {
                name.pop();
            }
            long_name = Some(name);
            continue;
        }
        let raw = long_name.take().unwrap_or_else(|| entry.path_bytes().into_owned());
        let path = match String::from_utf8(raw) {
            Ok(path) => path,
            Err(raw) => {
                let shown = String::from_utf8_lossy(raw.as_bytes()).into_owned();
                return Err(EscrowError::Unexpected {
                    file: shown,
                    detail: "a path that is not UTF-8".to_owned(),
                });
            }
        };
        let path = path.strip_prefix("./").unwrap_or(&path).to_owned();
        match kind {
            tar::EntryType::Regular | tar::EntryType::Continuous => {}
            tar::EntryType::Directory => continue,
            other => {
                return Err(EscrowError::Unexpected {
                    file: path,
                    detail: format!(
                        "an archive entry of type {other:?}; only regular files belong in a deposit"
                    ),
                });
            }
        }
        if size > limits.max_file_bytes {
            return Err(EscrowError::Limit {
                what: format!("{path}: the file"),
                limit: limits.max_file_bytes,
            });
        }
        unpacked = unpacked.saturating_add(size);
        if unpacked > limits.max_unpacked_bytes {
            return Err(EscrowError::Limit {
                what: "the unpacked files".to_owned(),
                limit: limits.max_unpacked_bytes,
            });
        }
        if visit(Entry { path, size, contents: &mut entry })? == Flow::Stop {
            return Ok(Flow::Stop);
        }
    }
    if long_name.is_some() {
        return Err(EscrowError::archive("a GNU long name with no entry after it"));
    }
    Ok(Flow::Continue)
}

/// Writes `files` as a ustar archive, gzip-compressed when `gzip`. Times and owners are zero,
/// so the same files always make the same archive.
pub fn pack(files: &[ArchiveFile], gzip: bool) -> Result<Vec<u8>, EscrowError> {
    let failed = |error: std::io::Error| EscrowError::Write { detail: format!("archive: {error}") };
    let mut builder = tar::Builder::new(Vec::new());
    for file in files {
        let mut header = tar::Header::new_ustar();
        header.set_size(u64::try_from(file.bytes.len()).unwrap_or(u64::MAX));
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_entry_type(tar::EntryType::Regular);
        builder.append_data(&mut header, &file.path, file.bytes.as_slice()).map_err(failed)?;
    }
    let tar = builder.into_inner().map_err(failed)?;
    if !gzip {
        return Ok(tar);
    }
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(&tar).map_err(failed)?;
    encoder.finish().map_err(failed)
}
