//! Making a deposit: one read snapshot of the registry, streamed to XML, tar, OpenPGP and a
//! detached signature, with the deposit report, then recorded in the registry.
//!
//! Every file is written under a `.part` name and renamed only when complete (signature and
//! encrypted file last), so a deposit killed midway leaves nothing that looks like a deposit;
//! the spooled XML and tar are removed once encrypted.

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use nameward_registry::store::{RdeDepositRecord, Store, Tx};
use pgp::composed::{SignedPublicKey, SignedSecretKey};
use time::OffsetDateTime;

use crate::error::RdeError;
use crate::names::{Kind, base_name, deposit_id};
use crate::openpgp;
use crate::xml::Object;
use crate::xml::write::{Deletes, DepositHead, DepositWriter, instant};

/// Objects read from the database per query.
pub const PAGE: u32 = 1000;

/// What to deposit, and where.
#[derive(Debug, Clone)]
pub struct DepositOptions {
    /// The TLD (its A-label).
    pub tld: String,
    /// FULL or DIFF.
    pub kind: Kind,
    /// The directory the files go to.
    pub out: PathBuf,
    /// The escrow agent's public key (encrypted to).
    pub agent_key: PathBuf,
    /// The registry's secret key (signs).
    pub signing_key: PathBuf,
    /// The instant the deposit describes (its watermark): the snapshot is read now, and
    /// describes the registry as of then.
    pub watermark: OffsetDateTime,
    /// How many times this deposit was sent before (`R{rev}`).
    pub resend: u32,
    /// The time now, recorded as when the deposit was made.
    pub now: OffsetDateTime,
}

/// A deposit made.
#[derive(Debug, Clone)]
pub struct DepositMade {
    /// What the registry recorded.
    pub record: RdeDepositRecord,
    /// The encrypted deposit (`.ryde`).
    pub ryde: PathBuf,
    /// Its signature (`.sig`).
    pub sig: PathBuf,
    /// The deposit report.
    pub report: PathBuf,
}

fn part(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".part");
    PathBuf::from(name)
}

/// Writes every object of the TLD in `tx` through `writer`: registrars, contacts, hosts,
/// domains (the order a restore needs), a page at a time.
async fn write_objects<W: Write>(
    tx: &mut Tx,
    tld: &str,
    writer: &mut DepositWriter<W>,
    xml: &Path,
) -> Result<(), RdeError> {
    let io = |error| RdeError::Io {
        path: xml.to_owned(),
        what: "writing the deposit XML",
        source: error,
    };
    for registrar in tx.registrars().await.map_err(RdeError::store("reading registrars"))? {
        writer.registrar(&registrar).map_err(io)?;
    }
    let mut after: Option<String> = None;
    loop {
        let page = tx
            .contact_page(after.as_deref(), PAGE)
            .await
            .map_err(RdeError::store("reading contacts"))?;
        for contact in &page {
            writer.contact(contact).map_err(io)?;
        }
        match page.last() {
            Some(last) => after = Some(last.id.clone()),
            None => break,
        }
    }
    after = None;
    loop {
        let page = tx
            .host_page_for_zone(tld, after.as_deref(), PAGE)
            .await
            .map_err(RdeError::store("reading hosts"))?;
        for host in &page {
            writer.host(host).map_err(io)?;
        }
        match page.last() {
            Some(last) => after = Some(last.name.clone()),
            None => break,
        }
    }
    after = None;
    loop {
        let page = tx
            .domain_page_in_zone(tld, after.as_deref(), PAGE)
            .await
            .map_err(RdeError::store("reading domains"))?;
        for domain in &page {
            writer.domain(domain).map_err(io)?;
        }
        match page.last() {
            Some(last) => after = Some(last.name.clone()),
            None => break,
        }
    }
    Ok(())
}

/// The kinds of object as `rde_changes` names them, in the order a deposit writes them.
const CHANGE_KINDS: [(Object, &str); 4] = [
    (Object::Registrar, "registrar"),
    (Object::Contact, "contact"),
    (Object::Host, "host"),
    (Object::Domain, "domain"),
];

/// Whether a domain or host name sits directly under `tld` (the zone its delegation or its
/// superordinate domain's delegation goes into).
fn under_tld(name: &str, tld: &str) -> bool {
    name.split_once('.').is_some_and(|(_, zone)| zone == tld)
}

/// The keys of each kind noted as changed after `since`, in the order a deposit writes
/// them: read once, then looked up by [`deleted`] and [`write_changed`]. They are as many as
/// the DIFF's objects, not as the registry's.
async fn changed_since(tx: &mut Tx, since: u64) -> Result<Vec<(Object, Vec<String>)>, RdeError> {
    let mut changed = Vec::new();
    for (object, kind) in CHANGE_KINDS {
        let mut keys: Vec<String> = Vec::new();
        loop {
            let page = tx
                .rde_changed_keys(kind, since, keys.last().map(String::as_str), PAGE)
                .await
                .map_err(RdeError::store("reading escrow changes"))?;
            if page.is_empty() {
                break;
            }
            keys.extend(page);
        }
        changed.push((object, keys));
    }
    Ok(changed)
}

/// What a DIFF deletes: the changed objects the snapshot no longer holds. Domains are those
/// of `tld` only; registrars, contacts and hosts are shared by the TLDs of a registry, so a
/// delete of one this TLD's deposits never held is harmless (a restore passes over it).
async fn deleted(
    tx: &mut Tx,
    tld: &str,
    changed: &[(Object, Vec<String>)],
) -> Result<Deletes, RdeError> {
    let mut deletes = Deletes::default();
    for (object, keys) in changed {
        for key in keys {
            let gone = match object {
                Object::Registrar => tx.get_registrar(key).await.map(|found| found.is_none()),
                Object::Contact => tx.contact_exists(key).await.map(|found| !found),
                Object::Host => tx.host_exists(key).await.map(|found| !found),
                Object::Domain if under_tld(key, tld) => {
                    tx.domain_exists(key).await.map(|found| !found)
                }
                Object::Domain => Ok(false),
            }
            .map_err(RdeError::store("reading a changed object"))?;
            if gone {
                let list = match object {
                    Object::Registrar => &mut deletes.registrars,
                    Object::Contact => &mut deletes.contacts,
                    Object::Host => &mut deletes.hosts,
                    Object::Domain => &mut deletes.domains,
                };
                list.push(key.clone());
            }
        }
    }
    Ok(deletes)
}

/// Writes through `writer` every changed object of `tld` that the snapshot holds.
async fn write_changed<W: Write>(
    tx: &mut Tx,
    tld: &str,
    changed: &[(Object, Vec<String>)],
    writer: &mut DepositWriter<W>,
    xml: &Path,
) -> Result<(), RdeError> {
    let io = |error| RdeError::Io {
        path: xml.to_owned(),
        what: "writing the deposit XML",
        source: error,
    };
    let read = || RdeError::store("reading a changed object");
    for (object, keys) in changed {
        for key in keys {
            match object {
                Object::Registrar => {
                    if let Some(registrar) = tx.get_registrar(key).await.map_err(read())? {
                        writer.registrar(&registrar).map_err(io)?;
                    }
                }
                Object::Contact => {
                    if let Some(contact) = tx.get_contact(key).await.map_err(read())? {
                        writer.contact(&contact).map_err(io)?;
                    }
                }
                Object::Host => {
                    if let Some(host) = tx.get_host(key).await.map_err(read())?
                        && host.superordinate.as_deref().is_none_or(|domain| under_tld(domain, tld))
                    {
                        writer.host(&host).map_err(io)?;
                    }
                }
                Object::Domain => {
                    if under_tld(key, tld)
                        && let Some(domain) = tx.get_domain(key).await.map_err(read())?
                    {
                        writer.domain(&domain).map_err(io)?;
                    }
                }
            }
        }
    }
    Ok(())
}

/// The deposit a DIFF of `tld` follows: the latest one recorded, which must carry a change
/// mark and describe an earlier instant than `watermark`.
async fn previous_deposit(
    store: &Store,
    tld: &str,
    watermark: OffsetDateTime,
) -> Result<(RdeDepositRecord, u64), RdeError> {
    let mut tx = store.begin_read().await.map_err(RdeError::store("reading past deposits"))?;
    let deposits = tx.rde_deposits(tld).await.map_err(RdeError::store("reading past deposits"))?;
    tx.rollback().await.ok();
    let Some(latest) = deposits.into_iter().next() else {
        return Err(RdeError::Usage(format!(
            "a DIFF deposit follows an earlier one, and {tld} has none: make a FULL deposit first"
        )));
    };
    let Some(mark) = latest.change_mark else {
        return Err(RdeError::Usage(format!(
            "deposit {} of {tld} was made by a version that kept no record of changes: \
             make a FULL deposit first",
            latest.deposit_id
        )));
    };
    if latest.watermark >= watermark {
        return Err(RdeError::Usage(format!(
            "a DIFF describes a later instant than deposit {} ({}), which {} is not",
            latest.deposit_id,
            instant(latest.watermark),
            instant(watermark)
        )));
    }
    Ok((latest, mark))
}

/// Makes a deposit of `options.tld`: a FULL one of every object, or a DIFF of what changed
/// since the latest deposit recorded (objects changed, whole, and the keys of objects
/// removed). Either reads one snapshot, taken after the change mark it records, so that the
/// next DIFF misses nothing.
pub async fn deposit(store: &Store, options: &DepositOptions) -> Result<DepositMade, RdeError> {
    let previous = match options.kind {
        Kind::Full => None,
        Kind::Diff => Some(previous_deposit(store, &options.tld, options.watermark).await?),
    };
    let agent = openpgp::public_key(&options.agent_key)?;
    let signer = openpgp::secret_key(&options.signing_key)?;
    std::fs::create_dir_all(&options.out)
        .map_err(RdeError::io(&options.out, "creating the output directory"))?;
    let base = base_name(&options.tld, options.watermark, options.kind, 1, options.resend);
    let id = deposit_id(options.watermark);
    let xml_name = format!("{base}.xml");
    let xml = options.out.join(format!("{xml_name}.part"));
    let report = options.out.join(format!("{base}-report.xml"));
    let head = DepositHead {
        kind: options.kind,
        id: id.clone(),
        prev_id: previous.as_ref().map(|(record, _)| record.deposit_id.clone()),
        resend: options.resend,
        watermark: options.watermark,
    };

    let mut tx = store.begin().await.map_err(RdeError::store("marking the changes held"))?;
    let change_mark =
        tx.rde_change_mark().await.map_err(RdeError::store("marking the changes held"))?;
    tx.commit().await.map_err(RdeError::store("marking the changes held"))?;
    // One read snapshot for the whole document, opened after the mark.
    let mut tx = store.begin_read().await.map_err(RdeError::store("opening a read snapshot"))?;
    if tx.tld(&options.tld).await.map_err(RdeError::store("reading the TLD"))?.is_none() {
        return Err(RdeError::Usage(format!("the registry has no TLD {:?}", options.tld)));
    }
    // A DIFF's keys, read once: its deletes are written before its contents.
    let changed = match &previous {
        Some((_, since)) => Some(changed_since(&mut tx, *since).await?),
        None => None,
    };
    let deletes = match &changed {
        Some(changed) => deleted(&mut tx, &options.tld, changed).await?,
        None => Deletes::default(),
    };
    let file = File::create(&xml).map_err(RdeError::io(&xml, "creating the deposit XML"))?;
    let mut writer = DepositWriter::start(BufWriter::new(file), &head, &deletes)
        .map_err(RdeError::io(&xml, "writing the deposit XML"))?;
    match &changed {
        Some(changed) => write_changed(&mut tx, &options.tld, changed, &mut writer, &xml).await?,
        None => write_objects(&mut tx, &options.tld, &mut writer, &xml).await?,
    }
    tx.rollback().await.map_err(RdeError::store("closing the read snapshot"))?;
    let (out, counts) =
        writer.finish(&options.tld).map_err(RdeError::io(&xml, "writing the deposit XML"))?;
    out.into_inner()
        .map_err(|error| RdeError::Io {
            path: xml.clone(),
            what: "writing the deposit XML",
            source: error.into_error(),
        })?
        .sync_all()
        .map_err(RdeError::io(&xml, "syncing the deposit XML"))?;

    let (ryde, sig) = package(&xml, &base, &options.out, &agent, &signer, options)?;
    std::fs::remove_file(&xml).map_err(RdeError::io(&xml, "removing the spooled XML"))?;
    let count = |object| counts.get(&object).copied().unwrap_or(0);
    // The store keeps microseconds; the record returned is the one it keeps.
    let made_at = options
        .now
        .replace_nanosecond(options.now.nanosecond() / 1000 * 1000)
        .unwrap_or(options.now);
    write_report(&part(&report), &head, &options.tld, &count, made_at)?;
    std::fs::rename(part(&report), &report)
        .map_err(RdeError::io(&report, "renaming into place"))?;
    let file_name = |path: &Path| {
        path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default()
    };
    let record = RdeDepositRecord {
        tld: options.tld.clone(),
        deposit_id: id,
        kind: options.kind.as_str().to_owned(),
        prev_id: head.prev_id.clone(),
        resend: options.resend,
        watermark: options.watermark,
        domains: count(Object::Domain),
        hosts: count(Object::Host),
        contacts: count(Object::Contact),
        registrars: count(Object::Registrar),
        deletes: deletes.len() as u64,
        files: [&ryde, &sig, &report]
            .iter()
            .map(|path| file_name(path))
            .collect::<Vec<_>>()
            .join(" "),
        made_at,
        change_mark: Some(change_mark),
    };
    let mut tx = store.begin().await.map_err(RdeError::store("recording the deposit"))?;
    tx.record_rde_deposit(&record).await.map_err(RdeError::store("recording the deposit"))?;
    tx.prune_rde_changes().await.map_err(RdeError::store("pruning escrow changes"))?;
    tx.commit().await.map_err(RdeError::store("recording the deposit"))?;
    Ok(DepositMade { record, ryde, sig, report })
}

/// Packages the deposit XML `xml` as ICANN asks: `{base}.xml` in a ustar archive, encrypted
/// to `agent` as `{base}.ryde` and signed by `signer` as `{base}.sig`, both in `out`, each
/// written as `.part` and renamed when complete. The archive is streamed into the encryption
/// as it is made, never written out. Returns the `.ryde` and `.sig` paths.
pub fn package(
    xml: &Path,
    base: &str,
    out: &Path,
    agent: &SignedPublicKey,
    signer: &SignedSecretKey,
    options: &DepositOptions,
) -> Result<(PathBuf, PathBuf), RdeError> {
    let ryde = out.join(format!("{base}.ryde"));
    let sig = out.join(format!("{base}.sig"));
    let tar = tar_stream(xml, &format!("{base}.xml"), options.watermark)?;
    openpgp::encrypt(tar, &format!("{base}.tar"), &part(&ryde), agent, &options.agent_key)?;
    openpgp::sign(&part(&ryde), &part(&sig), signer, &options.signing_key)?;
    for path in [&sig, &ryde] {
        std::fs::rename(part(path), path).map_err(RdeError::io(path, "renaming into place"))?;
    }
    Ok((ryde, sig))
}

/// A ustar archive of the one file `xml`, named `name` inside it, as a stream: its header,
/// the file, the padding to a whole block, and the two empty blocks that end an archive.
fn tar_stream(
    xml: &Path,
    name: &str,
    watermark: OffsetDateTime,
) -> Result<impl Read + use<>, RdeError> {
    const BLOCK: u64 = 512;
    let input = File::open(xml).map_err(RdeError::io(xml, "opening the spooled XML"))?;
    let size = input.metadata().map_err(RdeError::io(xml, "reading the spooled XML's size"))?.len();
    let mut header = tar::Header::new_ustar();
    header.set_path(name).map_err(RdeError::io(xml, "naming the XML in the tar"))?;
    header.set_size(size);
    header.set_mode(0o644);
    header.set_mtime(u64::try_from(watermark.unix_timestamp()).unwrap_or(0));
    header.set_entry_type(tar::EntryType::Regular);
    header.set_cksum();
    let padding = (BLOCK - size % BLOCK) % BLOCK;
    let trailer = vec![0u8; usize::try_from(padding + 2 * BLOCK).unwrap_or(0)];
    // `take` keeps the archive what its header says even if the file changed meanwhile.
    Ok(std::io::Cursor::new(header.as_bytes().to_vec())
        .chain(input.take(size))
        .chain(std::io::Cursor::new(trailer)))
}

/// The deposit report (draft-lozano-icann-registry-interfaces `rdeReport`).
fn write_report(
    path: &Path,
    head: &DepositHead,
    tld: &str,
    count: &dyn Fn(Object) -> u64,
    made_at: OffsetDateTime,
) -> Result<(), RdeError> {
    let mut text = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    text.push_str(
        "<rdeReport:report xmlns:rdeReport=\"urn:ietf:params:xml:ns:rdeReport-1.0\" \
         xmlns:rdeHeader=\"urn:ietf:params:xml:ns:rdeHeader-1.0\">\n",
    );
    let line = |text: &mut String, name: &str, value: &str| {
        text.push_str(&format!(" <rdeReport:{name}>{}</rdeReport:{name}>\n", escape(value)));
    };
    line(&mut text, "id", &head.id);
    line(&mut text, "version", "1");
    line(&mut text, "rydeSpecEscrow", "RFC8909");
    line(&mut text, "rydeSpecMapping", "RFC9022");
    line(&mut text, "resend", &head.resend.to_string());
    line(&mut text, "crDate", &instant(made_at));
    line(&mut text, "kind", head.kind.as_str());
    line(&mut text, "watermark", &instant(head.watermark));
    text.push_str(&format!(
        " <rdeHeader:header>\n  <rdeHeader:tld>{}</rdeHeader:tld>\n",
        escape(tld)
    ));
    for object in [Object::Domain, Object::Host, Object::Contact, Object::Registrar] {
        text.push_str(&format!(
            "  <rdeHeader:count uri=\"{}\">{}</rdeHeader:count>\n",
            object.uri(),
            count(object)
        ));
    }
    text.push_str(" </rdeHeader:header>\n</rdeReport:report>\n");
    std::fs::write(path, text).map_err(RdeError::io(path, "writing the deposit report"))
}

fn escape(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}
