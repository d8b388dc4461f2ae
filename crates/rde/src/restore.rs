//! Restoring a registry from a verified FULL deposit and the DIFFs that follow it into a new
//! database, in one transaction, in the order of the notes' §4: registrars, contacts, hosts
//! (no superordinate yet), domains with their links, then each host's superordinate domain
//! by the longest suffix of its name that is a domain (which breaks the domain↔host cycle).
//! A failure anywhere rolls everything back.
//!
//! The DIFFs are read first into an overlay, key by key, later ones overriding earlier ones:
//! what the chain's last deposit says of each object it touched (its whole new state, or
//! that it is gone). The FULL is then streamed once per kind, each object replaced or dropped
//! as the overlay says, and the overlay's objects the FULL lacks added after the kind's last.
//! Memory grows with the DIFFs, not with the registry.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::BufReader;

use nameward_registry::lifecycle::due::next_event_at;
use nameward_registry::model::{Domain, Host};
use nameward_registry::policy::Policy;
use nameward_registry::secret::{generate_code, hash_password};
use nameward_registry::store::{Store, Tx};
use rand_core::OsRng;
use time::OffsetDateTime;

use crate::error::RdeError;
use crate::names::Kind;
use crate::objects;
use crate::verify::Verified;
use crate::xml::Object;
use crate::xml::read::{DepositReader, Item, Node};

/// How many objects of each kind a restore wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Restored {
    /// Registrars.
    pub registrars: u64,
    /// Contacts.
    pub contacts: u64,
    /// Hosts.
    pub hosts: u64,
    /// Domains.
    pub domains: u64,
    /// Hosts linked to their superordinate domain.
    pub subordinate_hosts: u64,
}

/// What the DIFFs of a chain say of each object they touch: its state after the chain's last
/// deposit, or `None` when that deposit says it is gone.
type Overlay = HashMap<(Object, String), Option<Node>>;

/// Checks that `deposits` (in watermark order) are one FULL followed by DIFFs each naming the
/// one before it, all of one TLD.
fn check_chain(deposits: &[Verified]) -> Result<&Verified, RdeError> {
    let Some((full, diffs)) = deposits.split_first() else {
        return Err(RdeError::Usage("no deposit to restore".to_owned()));
    };
    if full.kind != Kind::Full {
        return Err(RdeError::Usage(format!(
            "{}: a restore starts from a FULL deposit",
            full.ryde.display()
        )));
    }
    let mut before = full;
    for diff in diffs {
        if diff.kind != Kind::Diff {
            return Err(RdeError::Usage(format!(
                "{}: a restore takes one FULL deposit and the DIFFs after it; this is a second FULL",
                diff.ryde.display()
            )));
        }
        if diff.prev_id.as_deref() != Some(before.id.as_str()) {
            return Err(RdeError::Usage(format!(
                "{}: DIFF {} follows deposit {}, but the deposit before it is {}",
                diff.ryde.display(),
                diff.id,
                diff.prev_id.as_deref().unwrap_or("(none)"),
                before.id
            )));
        }
        if diff.tld != full.tld {
            return Err(RdeError::Usage(format!(
                "{}: a deposit of {}, not of {}",
                diff.ryde.display(),
                diff.tld,
                full.tld
            )));
        }
        before = diff;
    }
    Ok(full)
}

/// Reads the DIFFs, in order, into an overlay.
fn overlay(diffs: &[Verified]) -> Result<Overlay, RdeError> {
    let mut overlay = Overlay::new();
    for diff in diffs {
        let file = File::open(&diff.xml).map_err(RdeError::io(&diff.xml, "opening the XML"))?;
        let mut reader = DepositReader::new(BufReader::new(file), &diff.xml_name);
        while let Some(item) = reader.next_item()? {
            match item {
                Item::Deleted(object, key) => {
                    overlay.insert((object, key), None);
                }
                Item::Object(object, node, _) => {
                    if let Some(key) = objects::key(object, &node) {
                        overlay.insert((object, key.to_owned()), Some(node));
                    }
                }
                _ => {}
            }
        }
    }
    Ok(overlay)
}

/// Restores `deposits` (verified, in watermark order: one FULL, then any DIFFs that follow it)
/// into `store`, which must hold no registrar yet. The TLD is created with the default policy
/// unless the operator created it beforehand with the policy wanted (its policy then prices
/// grace periods and times RGP phases that the deposit does not carry).
pub async fn restore(store: &Store, deposits: &[Verified]) -> Result<Restored, RdeError> {
    let full = check_chain(deposits)?;
    let mut overlay = overlay(&deposits[1..])?;
    let watermark = deposits.last().map_or(full.watermark, |last| last.watermark);
    let mut tx = store.begin().await.map_err(RdeError::store("opening the restore transaction"))?;
    let result = restore_in(&mut tx, full, &mut overlay, watermark).await;
    match result {
        Ok(restored) => {
            tx.commit().await.map_err(RdeError::store("committing the restore"))?;
            Ok(restored)
        }
        Err(error) => {
            tx.rollback().await.ok();
            Err(error)
        }
    }
}

/// Hosts or domains written per multi-row insert.
const BATCH: usize = 1000;

/// Where a batch sits in the deposit, for a refusal: its first and last object.
fn batch_what<T>(file: &str, kind: Object, batch: &[T], key: impl Fn(&T) -> &str) -> String {
    let first = batch.first().map(&key).unwrap_or_default();
    let last = batch.last().map(&key).unwrap_or_default();
    format!("{file}: {}[{first}] to {}[{last}]", kind.element(), kind.element())
}

async fn flush_hosts(tx: &mut Tx, hosts: &mut Vec<Host>, file: &str) -> Result<u64, RdeError> {
    if hosts.is_empty() {
        return Ok(0);
    }
    let what = batch_what(file, Object::Host, hosts, |host| host.name.as_str());
    tx.insert_hosts(hosts).await.map_err(RdeError::store(what))?;
    let count = hosts.len() as u64;
    hosts.clear();
    Ok(count)
}

async fn flush_domains(
    tx: &mut Tx,
    domains: &mut Vec<(Domain, Option<OffsetDateTime>)>,
    file: &str,
) -> Result<u64, RdeError> {
    if domains.is_empty() {
        return Ok(0);
    }
    let what = batch_what(file, Object::Domain, domains, |(domain, _)| domain.name.as_str());
    tx.insert_domains(domains, &[]).await.map_err(RdeError::store(what))?;
    let count = domains.len() as u64;
    domains.clear();
    Ok(count)
}

/// A restore under way: what it writes with, and what it wrote.
struct Restoring<'a> {
    /// The FULL's XML name, for messages.
    file: &'a str,
    policy: Policy,
    watermark: OffsetDateTime,
    hosts: Vec<Host>,
    domains: Vec<(Domain, Option<OffsetDateTime>)>,
    restored: Restored,
}

impl Restoring<'_> {
    /// Writes one object as the registry's own (hosts and domains a batch at a time).
    async fn write(&mut self, tx: &mut Tx, object: Object, node: &Node) -> Result<(), RdeError> {
        let (file, watermark) = (self.file, self.watermark);
        let at = objects::path(object, node, "");
        let refused = |source| RdeError::Store { what: format!("{file}: {at}"), source };
        match object {
            Object::Registrar => {
                // A password nobody knows: the registrar is locked out until the operator
                // sets one (escrow carries no credentials).
                let hash = hash_password(&generate_code(&mut OsRng), &mut OsRng)
                    .map_err(|error| RdeError::Usage(format!("hashing a password: {error}")))?;
                let registrar = objects::registrar(file, node, hash, watermark)?;
                tx.insert_registrar(&registrar).await.map_err(refused)?;
                self.restored.registrars += 1;
            }
            Object::Contact => {
                let contact = objects::contact(file, node, watermark)?;
                tx.insert_contact(&contact).await.map_err(refused)?;
                self.restored.contacts += 1;
            }
            Object::Host => {
                self.hosts.push(objects::host(file, node, watermark)?);
                if self.hosts.len() >= BATCH {
                    self.restored.hosts += flush_hosts(tx, &mut self.hosts, file).await?;
                }
            }
            Object::Domain => {
                let domain = objects::domain(file, node, &self.policy, watermark)?;
                let next = next_event_at(&self.policy, &domain);
                self.domains.push((domain, next));
                if self.domains.len() >= BATCH {
                    self.restored.domains += flush_domains(tx, &mut self.domains, file).await?;
                }
            }
        }
        Ok(())
    }

    /// Writes the batches still open.
    async fn flush(&mut self, tx: &mut Tx) -> Result<(), RdeError> {
        self.restored.hosts += flush_hosts(tx, &mut self.hosts, self.file).await?;
        self.restored.domains += flush_domains(tx, &mut self.domains, self.file).await?;
        Ok(())
    }
}

async fn restore_in(
    tx: &mut Tx,
    deposit: &Verified,
    overlay: &mut Overlay,
    watermark: OffsetDateTime,
) -> Result<Restored, RdeError> {
    if !tx.registrars().await.map_err(RdeError::store("reading registrars"))?.is_empty() {
        return Err(RdeError::Usage(
            "the database already has registrars: a restore goes into a new database".to_owned(),
        ));
    }
    let policy = match tx.tld(&deposit.tld).await.map_err(RdeError::store("reading the TLD"))? {
        Some(policy) => policy,
        None => {
            let policy = Policy::default_for(&deposit.tld);
            tx.insert_tld(&policy).await.map_err(RdeError::store("creating the TLD"))?;
            policy
        }
    };
    let name = deposit.xml_name.as_str();
    let mut restoring = Restoring {
        file: name,
        policy,
        watermark,
        hosts: Vec::new(),
        domains: Vec::new(),
        restored: Restored::default(),
    };
    for kind in Object::RESTORE_ORDER {
        let file =
            File::open(&deposit.xml).map_err(RdeError::io(&deposit.xml, "opening the XML"))?;
        let mut reader = DepositReader::new(BufReader::new(file), name);
        while let Some(item) = reader.next_item()? {
            let Item::Object(object, node, _) = item else { continue };
            if object != kind {
                continue;
            }
            let replaced = match objects::key(object, &node) {
                Some(key) if !overlay.is_empty() => overlay.remove(&(object, key.to_owned())),
                _ => None,
            };
            match replaced {
                None => restoring.write(tx, object, &node).await?,
                Some(Some(newer)) => restoring.write(tx, object, &newer).await?,
                Some(None) => {}
            }
        }
        // Objects the DIFFs created, in key order.
        let created: BTreeMap<String, Node> = overlay
            .extract_if(|(object, _), state| *object == kind && state.is_some())
            .filter_map(|((_, key), state)| state.map(|node| (key, node)))
            .collect();
        for node in created.values() {
            restoring.write(tx, kind, node).await?;
        }
        restoring.flush(tx).await?;
    }
    let mut restored = restoring.restored;
    // Superordinate domains, now that the domains are in: every host restored has none yet.
    let mut after: Option<String> = None;
    loop {
        let page = tx
            .host_page_for_zone(&deposit.tld, after.as_deref(), BATCH as u32)
            .await
            .map_err(RdeError::store("reading restored hosts"))?;
        for mut host in page.iter().cloned() {
            let mut rest = host.name.as_str();
            let mut superordinate = None;
            while let Some((_, parent)) = rest.split_once('.') {
                if tx
                    .domain_exists(parent)
                    .await
                    .map_err(RdeError::store("looking up a superordinate domain"))?
                {
                    superordinate = Some(parent.to_owned());
                    break;
                }
                rest = parent;
            }
            let Some(superordinate) = superordinate else { continue };
            host.superordinate = Some(superordinate);
            tx.update_host(&host)
                .await
                .map_err(RdeError::store(&format!("linking host {}", host.name)))?;
            restored.subordinate_hosts += 1;
        }
        match page.last() {
            Some(last) => after = Some(last.name.clone()),
            None => break,
        }
    }
    Ok(restored)
}
