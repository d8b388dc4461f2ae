//! Whole zone files: nameward's zone reader and each peer read the same master file from
//! `data/peers/zones/{ok,bad}/`, and must agree on whether it loads and, where it does, on the
//! set of records (owner, TTL, class, type, RDATA octets). A peer's printed zone is read back
//! with nameward's zone reader, so only records are compared, not formatting.
//!
//! Knot prints nothing of a zone, so it gives a verdict only; a zone with a type Knot lacks (HIP)
//! reaches it, as the README promises, as `nameward zone fmt --generic` prints it, and that same
//! generic text must also load in BIND and give the same records.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

use nameward_dns::store::ZoneBuilder;
use nameward_dns::zone::{IncludeLoader, MemoryLoader, NoIncludes, ReaderOptions, ZoneReader};
use nameward_dns::{Class, Name, RecordData, Rtype};

use super::tools::{self, KNOT_LACKS, PYTHON, run_in};

/// Where the zone files live: `ok/` must load, `bad/` must be refused; `*.zone` are zones, other
/// files are only `$INCLUDE`d.
pub const ZONES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/peers/zones");
/// Differences between nameward and a peer on one zone that are deliberate.
pub const ALLOW: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/peers/zones/allow.txt");

const ORIGIN: &str = "example.";

/// The peers as the report and allow.txt name them; `bind-generic` is BIND given the
/// `--generic` output.
pub const PEERS: &[&str] = &["bind", "bind-generic", "knot", "ldns", "dnspython"];

/// One record as compared.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rec {
    owner: String,
    ttl: u32,
    class: u16,
    rtype: u16,
    rdata: Vec<u8>,
}

impl fmt::Display for Rec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rtype = Rtype(self.rtype);
        write!(f, "{} {} {} {} ", self.owner, self.ttl, Class(self.class), rtype)?;
        match RecordData::from_wire(rtype, &self.rdata) {
            Ok(data) => write!(f, "{data}"),
            Err(_) => write!(f, "\\# {} {}", self.rdata.len(), hex(&self.rdata)),
        }
    }
}

fn hex(data: &[u8]) -> String {
    data_encoding::HEXLOWER.encode(data)
}

/// A zone's records, or the errors that kept it from loading.
pub type Read = Result<BTreeSet<Rec>, String>;

/// Reads zone text with nameward's reader: every error, or the set of records.
fn nameward_read(text: &str, file: &str, loader: &dyn IncludeLoader) -> Read {
    let origin = Name::parse(ORIGIN, None).map_err(|e| e.to_string())?;
    let reader =
        ZoneReader::new(text.as_bytes(), file, Some(origin), ReaderOptions::default(), loader);
    let mut records = BTreeSet::new();
    let mut errors = Vec::new();
    for item in reader {
        match item {
            Ok(entry) => {
                let r = entry.record;
                records.insert(Rec {
                    owner: r.owner.to_lowercase().to_string(),
                    ttl: r.ttl,
                    class: r.class.0,
                    rtype: r.rtype().0,
                    rdata: r.data.to_wire(),
                });
            }
            Err(e) => errors.push(e.to_string()),
        }
    }
    if errors.is_empty() { Ok(records) } else { Err(errors.join("; ")) }
}

/// A peer's printed zone, read back by nameward; lines that are not records (BIND's `OK`,
/// `zone … loaded` notes) are left out first.
fn read_back(peer: &str, stdout: &str) -> Read {
    let text: String = stdout
        .lines()
        .filter(|l| !(l.trim() == "OK" || l.starts_with("zone ") || l.starts_with("loading ")))
        .map(|l| format!("{l}\n"))
        .collect();
    nameward_read(&text, peer, &NoIncludes).map_err(|e| format!("nameward cannot read back: {e}"))
}

/// The text `nameward zone fmt --generic` prints for these records: the same library path (the
/// compact store in canonical order, each record as `RecordRef::generic`).
fn generic_text(text: &str, file: &str, loader: &dyn IncludeLoader) -> Result<String, String> {
    let origin = Name::parse(ORIGIN, None).map_err(|e| e.to_string())?;
    let reader = ZoneReader::new(
        text.as_bytes(),
        file,
        Some(origin.clone()),
        ReaderOptions::default(),
        loader,
    );
    let mut builder = ZoneBuilder::new(&origin);
    for item in reader {
        let entry = item.map_err(|e| e.to_string())?;
        builder.push_entry(&entry).map_err(|e| e.to_string())?;
    }
    Ok(builder.finish().iter().map(|r| format!("{}\n", r.generic())).collect())
}

/// The outcome of one peer on one zone: `Ok(Some(records))`, `Ok(None)` when it loads but the
/// peer shows no records (Knot), or `Err(message)` when refused.
pub type PeerRead = Result<Option<BTreeSet<Rec>>, String>;

fn bind(dir: &Path, file: &str) -> PeerRead {
    let r = run_in(
        Some(dir),
        "named-compilezone",
        &[
            "-i", "none", "-k", "ignore", "-f", "text", "-F", "text", "-s", "full", "-o", "-",
            ORIGIN, file,
        ],
        None,
    );
    if !r.success {
        return Err(one_line(&r));
    }
    read_back("bind", &r.stdout).map(Some)
}

fn knot(dir: &Path, file: &str) -> PeerRead {
    let r = run_in(Some(dir), "kzonecheck", &["-d", "off", "-o", ORIGIN, file], None);
    if r.success { Ok(None) } else { Err(one_line(&r)) }
}

fn ldns(dir: &Path, file: &str) -> PeerRead {
    let r = run_in(Some(dir), "ldns-read-zone", &[file], None);
    if !r.success {
        return Err(one_line(&r));
    }
    read_back("ldns", &r.stdout).map(Some)
}

const DNSPYTHON: &str = r#"
import resource, sys
import dns.zone
# dnspython follows an $INCLUDE loop until it runs out of file descriptors; a low limit (far above
# what real nesting needs) makes it give up in milliseconds instead of seconds.
resource.setrlimit(resource.RLIMIT_NOFILE, (64, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
try:
    z = dns.zone.from_file(sys.argv[1], 'example.', relativize=False)
except Exception as e:
    sys.exit(type(e).__name__ + ': ' + str(e))
for name, ttl, rdata in z.iterate_rdatas():
    print(name.to_text(), ttl, 'IN', dns.rdatatype.to_text(rdata.rdtype),
          rdata.to_text(relativize=False))
"#;

fn dnspython(dir: &Path, file: &str) -> PeerRead {
    let r = run_in(Some(dir), PYTHON, &["-c", DNSPYTHON, file], None);
    if !r.success {
        return Err(one_line(&r));
    }
    read_back("dnspython", &r.stdout).map(Some)
}

fn one_line(r: &tools::Run) -> String {
    let text = format!("{} {}", r.stderr.trim(), r.stdout.trim());
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() > 240 {
        text.chars().take(230).collect::<String>() + "…"
    } else {
        text
    }
}

/// One zone file to try.
pub struct Zone {
    /// `ok` or `bad`, then the file name: the key allow.txt uses.
    pub key: String,
    /// True for `ok/` zones.
    pub ok: bool,
    dir: PathBuf,
    file: String,
}

/// Every `*.zone` under `ok/` and `bad/`, in name order.
pub fn zones() -> Vec<Zone> {
    let mut zones = Vec::new();
    for (sub, ok) in [("ok", true), ("bad", false)] {
        let dir = Path::new(ZONES).join(sub);
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".zone"))
            .collect();
        names.sort();
        for file in names {
            zones.push(Zone { key: format!("{sub}/{file}"), ok, dir: dir.clone(), file });
        }
    }
    zones
}

/// Every file under `dir`, keyed by its path relative to `dir`, for `$INCLUDE`.
fn loader_for(dir: &Path) -> MemoryLoader {
    fn walk(root: &Path, dir: &Path, loader: &mut MemoryLoader) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, loader);
            } else {
                let relative = path.strip_prefix(root).unwrap().to_path_buf();
                loader.insert(relative, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut loader = MemoryLoader::new();
    walk(dir, dir, &mut loader);
    loader
}

/// What nameward and every peer made of one zone.
pub struct Outcome {
    /// nameward's records or errors.
    pub nameward: Read,
    /// Each peer's name and result, or why it was not asked.
    pub peers: Vec<(&'static str, Result<PeerRead, String>)>,
}

/// Runs nameward and every peer on `zone`; `scratch` holds the generic text given to Knot.
pub fn run_zone(zone: &Zone, scratch: &Path) -> Outcome {
    let text = std::fs::read_to_string(zone.dir.join(&zone.file)).unwrap();
    let loader = loader_for(&zone.dir);
    let ours = nameward_read(&text, &zone.file, &loader);
    let lacks_for_knot = ours.as_ref().is_ok_and(|records| {
        records.iter().any(|r| KNOT_LACKS.iter().any(|t| Rtype(r.rtype).to_string() == *t))
    });
    let mut peers: Vec<(&'static str, Result<PeerRead, String>)> = vec![
        ("bind", Ok(bind(&zone.dir, &zone.file))),
        ("ldns", Ok(ldns(&zone.dir, &zone.file))),
        ("dnspython", Ok(dnspython(&zone.dir, &zone.file))),
    ];
    let generic = ours.is_ok().then(|| generic_text(&text, &zone.file, &loader));
    match generic {
        // The zone as `nameward zone fmt --generic` prints it: it must load in BIND and give the
        // same records, and it is how Knot gets the types it lacks.
        Some(Ok(generic)) => {
            let file = format!("{}.generic", zone.file);
            std::fs::write(scratch.join(&file), generic).unwrap();
            peers.push(("bind-generic", Ok(bind(scratch, &file))));
            let knot_run =
                if lacks_for_knot { knot(scratch, &file) } else { knot(&zone.dir, &zone.file) };
            peers.push(("knot", Ok(knot_run)));
        }
        Some(Err(e)) => {
            peers.push(("bind-generic", Err(format!("no generic form: {e}"))));
            peers.push(("knot", Ok(knot(&zone.dir, &zone.file))));
        }
        None => {
            peers.push(("bind-generic", Err("nameward refuses the zone".into())));
            // Knot lacks HIP: a bad zone holding HIP would say nothing about the syntax.
            peers.push(("knot", Ok(knot(&zone.dir, &zone.file))));
        }
    }
    Outcome { nameward: ours, peers }
}

/// One difference: the peer, `verdict` or `records`, and details.
pub struct Finding {
    /// The peer, or `nameward`.
    pub who: &'static str,
    /// `verdict` or `records`.
    pub kind: &'static str,
    /// What differs.
    pub detail: String,
}

/// The differences on one zone before the allow-list.
pub fn findings(zone: &Zone, o: &Outcome) -> Vec<Finding> {
    let mut found = Vec::new();
    if o.nameward.is_ok() != zone.ok {
        let detail = match &o.nameward {
            Ok(_) => "loads it".to_string(),
            Err(e) => format!("refuses it: {e}"),
        };
        found.push(Finding { who: "nameward", kind: "verdict", detail });
    }
    for (peer, result) in &o.peers {
        let Ok(read) = result else { continue };
        match read {
            Err(e) if zone.ok => {
                found.push(Finding {
                    who: peer,
                    kind: "verdict",
                    detail: format!("refuses it: {e}"),
                });
            }
            Ok(_) if !zone.ok => {
                found.push(Finding { who: peer, kind: "verdict", detail: "loads it".into() });
            }
            _ => {}
        }
        if let (Ok(ours), Ok(Some(theirs))) = (&o.nameward, read)
            && ours != theirs
        {
            let list = |a: &BTreeSet<Rec>, b: &BTreeSet<Rec>| {
                let d: Vec<String> =
                    a.difference(b).take(8).map(|r| format!("\n          {r}")).collect();
                d.concat()
            };
            found.push(Finding {
                who: peer,
                kind: "records",
                detail: format!(
                    "only nameward has:{}\n        only {peer} has:{}",
                    list(ours, theirs),
                    list(theirs, ours)
                ),
            });
        }
    }
    found
}

/// A deliberate difference: `peer kind ok|bad/FILE | reason`.
pub struct Allow {
    /// Line in allow.txt.
    pub line: usize,
    /// The peer.
    pub peer: String,
    /// `verdict` or `records`.
    pub kind: String,
    /// The zone key.
    pub zone: String,
}

/// Reads zones/allow.txt.
pub fn parse_allow(text: &str) -> Result<Vec<Allow>, String> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let (entry, reason) = trimmed
            .split_once(" | ")
            .ok_or_else(|| format!("zones/allow.txt:{line}: needs ` | reason`"))?;
        if reason.trim().is_empty() {
            return Err(format!("zones/allow.txt:{line}: the reason is empty"));
        }
        let words: Vec<&str> = entry.split_whitespace().collect();
        let [peer, kind, zone] = words.as_slice() else {
            return Err(format!("zones/allow.txt:{line}: expected `peer kind zone | reason`"));
        };
        if !PEERS.contains(peer) {
            return Err(format!(
                "zones/allow.txt:{line}: unknown peer {peer:?} (known: {PEERS:?})"
            ));
        }
        if !["verdict", "records"].contains(kind) {
            return Err(format!("zones/allow.txt:{line}: kind must be verdict or records"));
        }
        if !Path::new(ZONES).join(zone).is_file() {
            return Err(format!("zones/allow.txt:{line}: no zone file {zone}"));
        }
        out.push(Allow {
            line,
            peer: peer.to_string(),
            kind: kind.to_string(),
            zone: zone.to_string(),
        });
    }
    Ok(out)
}
