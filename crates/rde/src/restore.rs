//! Restoring a registry from a verified FULL deposit into a new database, in one
//! transaction, in the order of the notes' §4: registrars, contacts, hosts (no superordinate
//! yet), domains with their links, then each host's superordinate domain by the longest
//! suffix of its name that is a domain (which breaks the domain↔host cycle). A failure
//! anywhere rolls everything back.

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
use crate::xml::read::{DepositReader, Item};

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

/// Restores `deposits` (verified; one FULL) into `store`, which must hold no registrar yet.
/// The TLD is created with the default policy unless the operator created it beforehand
/// with the policy wanted (its policy then prices grace periods and times RGP phases that
/// the deposit does not carry).
pub async fn restore(store: &Store, deposits: &[Verified]) -> Result<Restored, RdeError> {
    let [deposit] = deposits else {
        return Err(RdeError::Usage(format!(
            "restore takes one FULL deposit; {} were given (DIFF deposits are not restored yet)",
            deposits.len()
        )));
    };
    if deposit.kind != Kind::Full {
        return Err(RdeError::Usage(format!(
            "{}: a restore starts from a FULL deposit",
            deposit.ryde.display()
        )));
    }
    let mut tx = store.begin().await.map_err(RdeError::store("opening the restore transaction"))?;
    let result = restore_in(&mut tx, deposit).await;
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

async fn restore_in(tx: &mut Tx, deposit: &Verified) -> Result<Restored, RdeError> {
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
    let mut restored = Restored::default();
    let name = deposit.xml_name.as_str();
    let watermark = deposit.watermark;
    let mut hosts = Vec::new();
    let mut domains = Vec::new();
    for kind in Object::RESTORE_ORDER {
        let file =
            File::open(&deposit.xml).map_err(RdeError::io(&deposit.xml, "opening the XML"))?;
        let mut reader = DepositReader::new(BufReader::new(file), name);
        while let Some(item) = reader.next_item()? {
            let Item::Object(object, node, _) = item else { continue };
            if object != kind {
                continue;
            }
            let at = objects::path(object, &node, "");
            let refused = |source| RdeError::Store { what: format!("{name}: {at}"), source };
            match object {
                Object::Registrar => {
                    // A password nobody knows: the registrar is locked out until the operator
                    // sets one (escrow carries no credentials).
                    let hash = hash_password(&generate_code(&mut OsRng), &mut OsRng)
                        .map_err(|error| RdeError::Usage(format!("hashing a password: {error}")))?;
                    let registrar = objects::registrar(name, &node, hash, watermark)?;
                    tx.insert_registrar(&registrar).await.map_err(refused)?;
                    restored.registrars += 1;
                }
                Object::Contact => {
                    tx.insert_contact(&objects::contact(name, &node, watermark)?)
                        .await
                        .map_err(refused)?;
                    restored.contacts += 1;
                }
                Object::Host => {
                    hosts.push(objects::host(name, &node, watermark)?);
                    if hosts.len() >= BATCH {
                        restored.hosts += flush_hosts(tx, &mut hosts, name).await?;
                    }
                }
                Object::Domain => {
                    let domain = objects::domain(name, &node, &policy, watermark)?;
                    let next = next_event_at(&policy, &domain);
                    domains.push((domain, next));
                    if domains.len() >= BATCH {
                        restored.domains += flush_domains(tx, &mut domains, name).await?;
                    }
                }
            }
        }
        restored.hosts += flush_hosts(tx, &mut hosts, name).await?;
        restored.domains += flush_domains(tx, &mut domains, name).await?;
    }
    // Superordinate domains, now that the domains are in.
    let file = File::open(&deposit.xml).map_err(RdeError::io(&deposit.xml, "opening the XML"))?;
    let mut reader = DepositReader::new(BufReader::new(file), name);
    while let Some(item) = reader.next_item()? {
        let Item::Object(Object::Host, node, _) = item else { continue };
        let Some(host_name) = objects::key(Object::Host, &node) else { continue };
        let mut rest = host_name;
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
        let Some(mut host) =
            tx.get_host(host_name).await.map_err(RdeError::store("reading a host"))?
        else {
            continue;
        };
        host.superordinate = Some(superordinate);
        tx.update_host(&host)
            .await
            .map_err(RdeError::store(&format!("linking host {host_name}")))?;
        restored.subordinate_hosts += 1;
    }
    Ok(restored)
}
