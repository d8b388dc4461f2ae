//! The on-disk journal of accepted updates, one file per updatable zone (`<zone file>.jnl`
//! unless configured): each difference is appended and fsynced before its update is
//! answered, and replayed over the zone file when the zone loads, so that every update
//! acknowledged is served after a crash. `nameward ctl flush` writes the zone file anew and
//! empties the journal.
//!
//! Format: the magic line `nameward-update-journal 1\n`, then entries, each a 4-octet length,
//! a 20-octet SHA-1 of the body (to tell a torn or damaged tail, not for security) and the
//! body: the old SOA, the new SOA, a 4-octet count and the records deleted, a 4-octet count
//! and the records added, every record in uncompressed wire form. A tail that does not read
//! whole (a write the crash cut short, never acknowledged) is ignored and cut off before the
//! next append.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use nameward_dns::Record;
use nameward_dns::wire::{DecodeOptions, Reader, WireMode, Writer};
use sha1::{Digest, Sha1};

use crate::transfer::Diff;

const MAGIC: &[u8] = b"nameward-update-journal 1\n";
/// Length and checksum before each body.
const ENTRY_HEAD: usize = 4 + 20;
/// The largest body: an update message is at most 64 KiB, and its difference holds at most
/// the records it names plus those an RRset's TTL change rewrites (100 per RRset).
const MAX_BODY: usize = 64 << 20;

/// Where the journal of a zone read from `zone_file` lives when none is configured.
pub fn default_path(zone_file: &Path) -> PathBuf {
    let mut path = zone_file.as_os_str().to_owned();
    path.push(".jnl");
    PathBuf::from(path)
}

/// The differences in a journal, oldest first, and the length of the part that read whole.
#[derive(Debug, Default)]
pub struct Contents {
    /// The differences.
    pub diffs: Vec<Diff>,
    /// Octets of the file that hold whole entries (the magic included).
    pub good_len: u64,
    /// Octets after them that did not read (a torn last write).
    pub torn: u64,
}

/// Reads the journal at `path`; a missing file is an empty journal. An entry whose checksum
/// matches but whose body does not decode is an error (the file is not ours, or a bug), with
/// its offset.
pub fn read(path: &Path) -> Result<Contents, String> {
    let mut bytes = Vec::new();
    match File::open(path) {
        Ok(mut file) => {
            file.read_to_end(&mut bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Contents::default()),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    }
    if bytes.is_empty() {
        return Ok(Contents::default());
    }
    if !bytes.starts_with(MAGIC) {
        // A file cut short in its magic line was made by a crash during creation.
        if MAGIC.starts_with(&bytes) {
            return Ok(Contents { diffs: Vec::new(), good_len: 0, torn: bytes.len() as u64 });
        }
        return Err(format!("{}: not a nameward update journal", path.display()));
    }
    let mut at = MAGIC.len();
    let mut diffs = Vec::new();
    while let Some(head) = bytes.get(at..at + ENTRY_HEAD) {
        let (len, sum) = head.split_at(4);
        let len = u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize;
        let Some(body) = bytes.get(at + ENTRY_HEAD..at + ENTRY_HEAD + len) else { break };
        if len > MAX_BODY || Sha1::digest(body).as_slice() != sum {
            break;
        }
        let diff = decode(body).map_err(|e| {
            format!("{}: entry at offset {at} does not decode: {e}", path.display())
        })?;
        diffs.push(diff);
        at += ENTRY_HEAD + len;
    }
    Ok(Contents { diffs, good_len: at as u64, torn: (bytes.len() - at) as u64 })
}

/// A journal open for appending.
#[derive(Debug)]
pub struct Appender {
    file: File,
    path: PathBuf,
}

impl Appender {
    /// Opens the journal at `path` for appending after its last whole entry (a torn tail is
    /// cut off), creating it with its magic line when missing.
    pub fn open(path: &Path) -> Result<Appender, String> {
        let what = |e: io::Error| format!("{}: {e}", path.display());
        let read = read(path)?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(what)?;
        if read.good_len == 0 {
            file.set_len(0).map_err(what)?;
            file.write_all(MAGIC).map_err(what)?;
            file.sync_all().map_err(what)?;
            sync_dir(path).map_err(what)?;
        } else if read.torn > 0 {
            file.set_len(read.good_len).map_err(what)?;
            file.sync_all().map_err(what)?;
        }
        file.seek(SeekFrom::End(0)).map_err(what)?;
        Ok(Appender { file, path: path.to_owned() })
    }

    /// Appends `diff` and waits until it is on disk.
    pub fn append(&mut self, diff: &Diff) -> io::Result<()> {
        let body = encode(diff);
        let mut entry = Vec::with_capacity(ENTRY_HEAD + body.len());
        entry.extend_from_slice(&u32::try_from(body.len()).unwrap_or(u32::MAX).to_be_bytes());
        entry.extend_from_slice(&Sha1::digest(&body));
        entry.extend_from_slice(&body);
        self.file.write_all(&entry)?;
        self.file.sync_data()
    }

    /// Empties the journal (after the zone file took its changes).
    pub fn clear(&mut self) -> io::Result<()> {
        self.file.set_len(MAGIC.len() as u64)?;
        self.file.seek(SeekFrom::End(0))?;
        self.file.sync_all()
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Makes a rename or creation in `path`'s directory durable.
pub fn sync_dir(path: &Path) -> io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    File::open(dir)?.sync_all()
}

fn encode(diff: &Diff) -> Vec<u8> {
    let mut w = Writer::with_mode(WireMode::Uncompressed);
    diff.from.encode(&mut w);
    diff.to.encode(&mut w);
    for records in [&diff.deleted, &diff.added] {
        let count = u32::try_from(records.len()).unwrap_or(u32::MAX);
        w.u16((count >> 16) as u16);
        w.u16(count as u16);
        for record in records {
            record.encode(&mut w);
        }
    }
    w.into_bytes()
}

fn decode(body: &[u8]) -> Result<Diff, String> {
    let mut r = Reader::new(body, DecodeOptions::STRICT);
    let record = |r: &mut Reader<'_>| Record::decode(r).map_err(|e| e.to_string());
    let from = record(&mut r)?;
    let to = record(&mut r)?;
    let mut sections = [Vec::new(), Vec::new()];
    for section in &mut sections {
        let count = r.u32().map_err(|e| e.to_string())?;
        for _ in 0..count {
            section.push(record(&mut r)?);
        }
    }
    r.finish().map_err(|e| e.to_string())?;
    let [deleted, added] = sections;
    Ok(Diff { from, to, deleted, added })
}

#[cfg(test)]
mod tests {
    use super::*;
    use nameward_dns::Name;

    fn diff(from: u32, to: u32, host: &str) -> Diff {
        let origin = Name::parse("example.", None).unwrap();
        let zone = |serial: u32| {
            let text = format!(
                "@ 60 IN SOA ns h {serial} 1 1 1 1\n@ 60 IN NS ns\nns 60 IN A 192.0.2.1\n\
                 {host} 60 IN AAAA 2001:db8::1\n{host} 60 IN HIP 2 200100107B1A74DF365639CC39F1D578 AwEAAbdxyhNuSutc5EMzxTs9LBPCIkOFH8cIvM4p9+LrV4e19WzK00+CI6zBCQTdtWsuxKbWIy87UOoJTwkUs7lBu+Upr1gsNrut79ryra+bSRGQb1slImA8YVJyuIDsj7kwzG7jnERNqnWxZ48AWkskmdHaVDP4BcelrTI3rMXdXF5D\n"
            );
            crate::Zone::from_text(&origin, "t", &text).unwrap()
        };
        let (old, new) = (zone(from), zone(to));
        let added: Vec<Record> =
            new.records().filter(|r| r.owner.to_string().starts_with(host)).collect();
        Diff { from: old.soa().unwrap(), to: new.soa().unwrap(), deleted: Vec::new(), added }
    }

    #[test]
    fn entries_survive_and_a_torn_tail_is_cut() {
        let dir = std::env::temp_dir().join(format!("nameward-jnl-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("zone.jnl");
        let _ = std::fs::remove_file(&path);
        assert!(read(&path).unwrap().diffs.is_empty());
        let mut journal = Appender::open(&path).unwrap();
        let (a, b) = (diff(1, 2, "a"), diff(2, 3, "b"));
        journal.append(&a).unwrap();
        journal.append(&b).unwrap();
        drop(journal);
        let read_back = read(&path).unwrap();
        assert_eq!(read_back.diffs, [a.clone(), b.clone()]);
        assert_eq!(read_back.torn, 0);
        // Every cut of the last entry leaves the first one whole, and the next append lands
        // after it.
        let whole = std::fs::read(&path).unwrap();
        for cut in (MAGIC.len()..whole.len()).step_by(7) {
            std::fs::write(&path, &whole[..cut]).unwrap();
            let read_cut = read(&path).unwrap();
            assert!(
                read_cut.diffs.len() <= 2
                    && read_cut.diffs.iter().zip([&a, &b]).all(|(x, y)| x == y)
            );
            let mut journal = Appender::open(&path).unwrap();
            journal.append(&b).unwrap();
            let after = read(&path).unwrap();
            assert_eq!(after.torn, 0, "cut at {cut}");
            assert_eq!(after.diffs.last(), Some(&b));
        }
        // A flipped octet in a body ends the journal there.
        let mut damaged = whole.clone();
        let last = damaged.len() - 3;
        damaged[last] ^= 1;
        std::fs::write(&path, &damaged).unwrap();
        assert_eq!(read(&path).unwrap().diffs, [a]);
        std::fs::write(&path, b"something else").unwrap();
        assert!(read(&path).unwrap_err().contains("not a nameward update journal"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
