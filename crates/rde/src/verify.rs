//! Verifying a deposit as the escrow agent does (Specification 2, Part B §7): the signature,
//! then decryption, then the tar, then the XML read back whole — every object well-formed
//! for the registry, every key and ROID unique, the header's counts those found, and every
//! reference resolving (each domain's registrar, contacts and name servers present).
//!
//! The XML is read twice from the decrypted spool file: first for the keys each kind has,
//! then for the references. A DIFF's references are checked against the state its chain
//! leads to (the FULL's keys, less each DIFF's deletes, plus each DIFF's objects) when the
//! FULL and every DIFF between are among the files verified; a DIFF given without them is
//! checked in every other way, and says that its references were not. Each key and ROID is kept as a 128-bit keyed hash ([`Seen`]), not
//! as text: memory grows by about 40 bytes per object, whatever the length of its names.

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::hash::{BuildHasher, RandomState};
use std::io::BufReader;
use std::path::{Path, PathBuf};

use nameward_registry::policy::Policy;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::{Problem, RdeError};
use crate::names::Kind;
use crate::objects;
use crate::openpgp;
use crate::xml::Object;
use crate::xml::read::{DepositReader, Head, Item};

/// The most plaintext one `.ryde` may decrypt to (the ZIP layer could expand without bound).
pub const MAX_PLAINTEXT: u64 = 64 << 30;
/// The most problems listed; the count goes on past it.
pub const MAX_PROBLEMS: usize = 1000;

/// The keys verification needs.
#[derive(Debug, Clone)]
pub struct Keys {
    /// The escrow agent's secret key (decrypts).
    pub agent_secret: PathBuf,
    /// The registry's public key (checks the signature).
    pub registry_public: PathBuf,
}

/// One deposit file verified: where its XML was put, and what it holds.
#[derive(Debug, Clone)]
pub struct Verified {
    /// The `.ryde` file.
    pub ryde: PathBuf,
    /// The XML, decrypted and untarred into the work directory.
    pub xml: PathBuf,
    /// The XML's name inside the tar.
    pub xml_name: String,
    /// FULL or DIFF.
    pub kind: Kind,
    /// The deposit id.
    pub id: String,
    /// The deposit it follows (a DIFF).
    pub prev_id: Option<String>,
    /// The instant it describes.
    pub watermark: OffsetDateTime,
    /// The TLD its header names.
    pub tld: String,
    /// Objects of each kind found.
    pub counts: BTreeMap<Object, u64>,
    /// Whether every reference was checked (a DIFF verified without the deposits it
    /// follows leaves them unchecked).
    pub references_checked: bool,
}

/// Problems found so far, at most [`MAX_PROBLEMS`] kept.
#[derive(Debug, Default)]
pub struct Problems {
    /// Those kept.
    pub list: Vec<Problem>,
    /// How many in all.
    pub total: usize,
}

impl Problems {
    fn add(&mut self, file: &str, element: impl Into<String>, detail: impl Into<String>) {
        self.total += 1;
        if self.list.len() < MAX_PROBLEMS {
            self.list.push(Problem {
                file: file.to_owned(),
                element: element.into(),
                detail: detail.into(),
            });
        }
    }

    fn add_error(&mut self, error: RdeError) {
        match error {
            RdeError::Content { file, element, detail } => self.add(&file, element, detail),
            RdeError::Xml { file, at, detail } => self.add(&file, format!("byte {at}"), detail),
            RdeError::OpenPgp { path, detail } => {
                self.add(&path.display().to_string(), "-", detail)
            }
            other => self.add("-", "-", other.to_string()),
        }
    }
}

/// Keys seen, as 128-bit hashes under two random SipHash keys: two different names collide
/// with a chance of about 2⁻¹²⁸ per pair, and nobody who writes a deposit can aim at the keys.
struct Seen {
    first: RandomState,
    second: RandomState,
    sets: BTreeMap<Object, HashSet<u128>>,
    roids: HashSet<u128>,
}

impl Seen {
    fn new() -> Seen {
        Seen {
            first: RandomState::new(),
            second: RandomState::new(),
            sets: BTreeMap::new(),
            roids: HashSet::new(),
        }
    }

    fn hash(&self, text: &str) -> u128 {
        (u128::from(self.first.hash_one(text)) << 64) | u128::from(self.second.hash_one(text))
    }

    /// Notes `key` of kind `object`; false if it was seen before.
    fn insert(&mut self, object: Object, key: &str) -> bool {
        let hash = self.hash(key);
        self.sets.entry(object).or_default().insert(hash)
    }

    /// Notes a ROID (unique across kinds); false if it was seen before.
    fn insert_roid(&mut self, roid: &str) -> bool {
        let hash = self.hash(roid);
        self.roids.insert(hash)
    }

    fn contains(&self, object: Object, key: &str) -> bool {
        self.sets.get(&object).is_some_and(|set| set.contains(&self.hash(key)))
    }

    /// Forgets `key` of kind `object`.
    fn remove(&mut self, object: Object, key: &str) {
        let hash = self.hash(key);
        if let Some(set) = self.sets.get_mut(&object) {
            set.remove(&hash);
        }
    }
}

/// The keys a chain of deposits leads to, and the id of its last deposit.
struct Chain {
    last: String,
    keys: Seen,
}

/// The `.sig` beside a `.ryde`.
fn signature_of(ryde: &Path) -> PathBuf {
    ryde.with_extension("sig")
}

/// Verifies each `.ryde` among `files` (its `.sig` beside it), decrypting into `work`.
/// Returns the deposits in watermark order, or every problem found.
pub fn verify(files: &[PathBuf], keys: &Keys, work: &Path) -> Result<Vec<Verified>, RdeError> {
    let agent = openpgp::secret_key(&keys.agent_secret)?;
    let registry = openpgp::public_key(&keys.registry_public)?;
    std::fs::create_dir_all(work).map_err(RdeError::io(work, "creating the work directory"))?;
    let mut problems = Problems::default();
    let mut verified = Vec::new();
    let rydes: Vec<&PathBuf> =
        files.iter().filter(|file| file.extension().is_some_and(|ext| ext == "ryde")).collect();
    if rydes.is_empty() {
        return Err(RdeError::Usage("no .ryde file among the files given".to_owned()));
    }
    let mut opened = Vec::new();
    for ryde in rydes {
        let name = ryde.display().to_string();
        let sig = signature_of(ryde);
        if let Err(error) = openpgp::check_signature(ryde, &sig, &registry) {
            problems.add_error(error);
            continue;
        }
        let stem =
            ryde.file_stem().map(|stem| stem.to_string_lossy().into_owned()).unwrap_or_default();
        let tar = work.join(format!("{stem}.tar"));
        if let Err(error) = openpgp::decrypt(ryde, &agent, &keys.agent_secret, &tar, MAX_PLAINTEXT)
        {
            problems.add_error(error);
            continue;
        }
        let (xml, xml_name) = match untar(&tar, work) {
            Ok(found) => found,
            Err(error) => {
                problems.add(&name, "tar", error.to_string());
                continue;
            }
        };
        std::fs::remove_file(&tar).ok();
        let head = match read_head(&xml, &xml_name) {
            Ok(head) => head,
            Err(error) => {
                problems.add_error(error);
                continue;
            }
        };
        let watermark = OffsetDateTime::parse(&head.watermark, &Rfc3339).ok();
        opened.push((watermark, ryde, xml, xml_name, head));
    }
    // Oldest first, so that each DIFF is checked against the chain before it.
    opened.sort_by_key(|(watermark, ..)| *watermark);
    let mut chain = None;
    for (_, ryde, xml, xml_name, head) in opened {
        match check_xml(&xml, &xml_name, head, &mut problems, &mut chain) {
            Ok(Some(mut deposit)) => {
                deposit.ryde = ryde.clone();
                verified.push(deposit);
            }
            Ok(None) => chain = None,
            Err(error) => {
                problems.add_error(error);
                chain = None;
            }
        }
    }
    if problems.total > 0 {
        return Err(RdeError::Problems(problems.list));
    }
    Ok(verified)
}

/// The `<rde:deposit>` head of a deposit XML.
fn read_head(xml: &Path, name: &str) -> Result<Head, RdeError> {
    let mut reader = open_reader(xml, name)?;
    while let Some(item) = reader.next_item()? {
        if let Item::Head(head) = item {
            return Ok(head);
        }
    }
    Err(RdeError::Content {
        file: name.to_owned(),
        element: "rde:deposit".to_owned(),
        detail: "missing".to_owned(),
    })
}

/// The one `.xml` file of the tar, written into `work`.
fn untar(tar: &Path, work: &Path) -> Result<(PathBuf, String), RdeError> {
    let file = File::open(tar).map_err(RdeError::io(tar, "opening the decrypted tar"))?;
    let mut archive = tar::Archive::new(BufReader::new(file));
    let entries = archive.entries().map_err(RdeError::io(tar, "reading the tar"))?;
    for entry in entries {
        let mut entry = entry.map_err(RdeError::io(tar, "reading the tar"))?;
        let path = entry.path().map_err(RdeError::io(tar, "reading an entry's name"))?.into_owned();
        let Some(name) = path.file_name().map(|name| name.to_string_lossy().into_owned()) else {
            continue;
        };
        if !name.ends_with(".xml") || entry.header().entry_type() != tar::EntryType::Regular {
            continue;
        }
        // The name is the last component only: nothing lands outside `work`.
        let out = work.join(&name);
        let mut output = File::create(&out).map_err(RdeError::io(&out, "creating the XML"))?;
        std::io::copy(&mut entry, &mut output).map_err(RdeError::io(&out, "writing the XML"))?;
        return Ok((out, name));
    }
    Err(RdeError::Usage(format!("{}: the tar holds no .xml file", tar.display())))
}

fn open_reader(xml: &Path, name: &str) -> Result<DepositReader<BufReader<File>>, RdeError> {
    let file = File::open(xml).map_err(RdeError::io(xml, "opening the XML"))?;
    Ok(DepositReader::new(BufReader::new(file), name))
}

fn check_head(head: &Head, name: &str, problems: &mut Problems) -> Option<(Kind, OffsetDateTime)> {
    let kind = Kind::parse(&head.kind);
    if kind.is_none() {
        problems.add(name, "rde:deposit/@type", format!("{:?} is not FULL or DIFF", head.kind));
    }
    let id_ok = !head.id.is_empty()
        && head.id.len() <= 13
        && head.id.chars().all(|c| c.is_alphanumeric() || c == '_');
    if !id_ok {
        problems.add(
            name,
            "rde:deposit/@id",
            format!("{:?} is not 1 to 13 word characters", head.id),
        );
    }
    if kind == Some(Kind::Diff) && head.prev_id.is_none() {
        problems.add(name, "rde:deposit/@prevId", "a DIFF names the deposit it follows");
    }
    let watermark = OffsetDateTime::parse(&head.watermark, &Rfc3339);
    if watermark.is_err() {
        problems.add(name, "rde:watermark", format!("{:?} is not a dateTime", head.watermark));
    }
    Some((kind?, watermark.ok()?))
}

/// Reads the XML (whose `<rde:deposit>` head is `deposit_head`) twice, checking it; `None`
/// when it has problems (added to `problems`). `chain` is what the deposits checked before
/// lead to; a FULL starts a new one, a DIFF that follows its last deposit extends it, and
/// references are checked against it.
fn check_xml(
    xml: &Path,
    name: &str,
    deposit_head: Head,
    problems: &mut Problems,
    chain: &mut Option<Chain>,
) -> Result<Option<Verified>, RdeError> {
    let before = problems.total;
    let mut follows_chain = false;
    if Kind::parse(&deposit_head.kind) == Some(Kind::Diff) {
        follows_chain = chain
            .as_ref()
            .is_some_and(|chain| deposit_head.prev_id.as_deref() == Some(chain.last.as_str()));
    }
    if !follows_chain {
        *chain = None;
    }
    let mut reader = open_reader(xml, name)?;
    let mut head = None;
    let mut seen = Seen::new();
    let mut counts: BTreeMap<Object, u64> = BTreeMap::new();
    let mut header = None;
    while let Some(item) = reader.next_item()? {
        match item {
            Item::Head(found) => head = check_head(&found, name, problems),
            Item::Object(object, node, _) => {
                *counts.entry(object).or_default() += 1;
                let Some(key) = objects::key(object, &node) else {
                    problems.add(name, objects::path(object, &node, ""), "has no name or id");
                    continue;
                };
                if !seen.insert(object, key) {
                    problems.add(name, objects::path(object, &node, ""), "appears twice");
                }
                if let Some(chain) = chain.as_mut() {
                    chain.keys.insert(object, key);
                }
                if let Some(roid) = node.text_of("roid")
                    && !seen.insert_roid(roid)
                {
                    problems.add(
                        name,
                        objects::path(object, &node, "roid"),
                        format!("ROID {roid} is used twice"),
                    );
                }
                if let Some((_, watermark)) = head {
                    let policy = Policy::default_for("check");
                    let converted = match object {
                        Object::Registrar => {
                            objects::registrar(name, &node, String::new(), watermark).map(drop)
                        }
                        Object::Contact => objects::contact(name, &node, watermark).map(drop),
                        Object::Host => objects::host(name, &node, watermark).map(drop),
                        Object::Domain => {
                            objects::domain(name, &node, &policy, watermark).map(drop)
                        }
                    };
                    if let Err(error) = converted {
                        problems.add_error(error);
                    }
                }
            }
            Item::Header(node) => header = Some(node),
            Item::Deleted(object, key) => {
                if let Some(chain) = chain.as_mut() {
                    chain.keys.remove(object, &key);
                }
            }
            Item::Other(_) => {}
        }
    }
    let Some(header) = header else {
        problems.add(name, "rdeHeader:header", "missing");
        return Ok(None);
    };
    let tld = header.text_of("tld").unwrap_or_default().to_owned();
    for count in header.all("count") {
        let uri = count.attr("uri").unwrap_or_default();
        let Some(object) = Object::of_uri(uri) else { continue };
        let found = counts.get(&object).copied().unwrap_or(0);
        if count.text.parse::<u64>().ok() != Some(found) {
            problems.add(
                name,
                format!("rdeHeader:header/count[@uri='{uri}']"),
                format!("says {} but the deposit holds {found}", count.text),
            );
        }
    }
    for object in counts.keys() {
        if !header.all("count").any(|count| count.attr("uri") == Some(object.uri())) {
            problems.add(name, "rdeHeader:header", format!("no count for {}", object.uri()));
        }
    }
    // Second pass: references, against the chain for a DIFF that follows one, against this
    // deposit for a FULL; a DIFF on its own cannot tell a dangling reference from one to an
    // object of the deposits before it.
    let is_full = head.is_some_and(|(kind, _)| kind == Kind::Full);
    let keys = match chain.as_ref() {
        Some(chain) => Some(&chain.keys),
        None if is_full => Some(&seen),
        None => None,
    };
    let references_checked = keys.is_some();
    let mut reader = open_reader(xml, name)?;
    while let Some(item) = reader.next_item()? {
        let Some(keys) = keys else { break };
        let Item::Object(object, node, _) = item else { continue };
        let refs = objects::references(object, &node);
        for (element, id) in &refs.registrars {
            if !keys.contains(Object::Registrar, id) {
                problems.add(
                    name,
                    objects::path(object, &node, element),
                    format!("registrar {id} is not in the deposit"),
                );
            }
        }
        for (element, id) in &refs.contacts {
            if !keys.contains(Object::Contact, id) {
                problems.add(
                    name,
                    objects::path(object, &node, element),
                    format!("contact {id} is not in the deposit"),
                );
            }
        }
        for host in &refs.hosts {
            if !keys.contains(Object::Host, host) {
                problems.add(
                    name,
                    objects::path(object, &node, "ns/hostObj"),
                    format!("host {host} is not in the deposit"),
                );
            }
        }
    }
    if problems.total > before {
        return Ok(None);
    }
    let Some((kind, watermark)) = head else { return Ok(None) };
    if kind == Kind::Full {
        *chain = Some(Chain { last: deposit_head.id.clone(), keys: seen });
    } else if let Some(chain) = chain.as_mut() {
        chain.last = deposit_head.id.clone();
    }
    let head_item = deposit_head;
    Ok(Some(Verified {
        ryde: PathBuf::new(),
        xml: xml.to_owned(),
        xml_name: name.to_owned(),
        kind,
        id: head_item.id,
        prev_id: head_item.prev_id,
        watermark,
        tld,
        counts,
        references_checked,
    }))
}
