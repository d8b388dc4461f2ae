//! Restoring a registry from a verified FULL deposit into a new database, in one
//! transaction, in the order of the notes' §4: registrars, contacts, hosts (no superordinate
//! yet), domains with their links, then each host's superordinate domain by the longest
//! suffix of its name that is a domain (which breaks the domain↔host cycle). A failure
//! anywhere rolls everything back.

use std::fs::File;
use std::io::BufReader;

use nameward_registry::lifecycle::due::next_event_at;
use nameward_registry::policy::Policy;
use nameward_registry::secret::{generate_code, hash_password};
use nameward_registry::store::{Store, StoreError, Tx};
use rand_core::OsRng;

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

fn store_error(what: &str) -> impl FnOnce(StoreError) -> RdeError {
    let what = what.to_owned();
    move |source| RdeError::Store { what, source }
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
    let mut tx = store.begin().await.map_err(store_error("opening the restore transaction"))?;
    let result = restore_in(&mut tx, deposit).await;
    match result {
        Ok(restored) => {
            tx.commit().await.map_err(store_error("committing the restore"))?;
            Ok(restored)
        }
        Err(error) => {
            tx.rollback().await.ok();
            Err(error)
        }
    }
}

async fn restore_in(tx: &mut Tx, deposit: &Verified) -> Result<Restored, RdeError> {
    if !tx.registrars().await.map_err(store_error("reading registrars"))?.is_empty() {
        return Err(RdeError::Usage(
            "the database already has registrars: a restore goes into a new database".to_owned(),
        ));
    }
    let policy = match tx.tld(&deposit.tld).await.map_err(store_error("reading the TLD"))? {
        Some(policy) => policy,
        None => {
            let policy = Policy::default_for(&deposit.tld);
            tx.insert_tld(&policy).await.map_err(store_error("creating the TLD"))?;
            policy
        }
    };
    let mut restored = Restored::default();
    let name = deposit.xml_name.as_str();
    let watermark = deposit.watermark;
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
                    tx.insert_host(&objects::host(name, &node, watermark)?)
                        .await
                        .map_err(refused)?;
                    restored.hosts += 1;
                }
                Object::Domain => {
                    let domain = objects::domain(name, &node, &policy, watermark)?;
                    let next = next_event_at(&policy, &domain);
                    tx.insert_domain(&domain, next).await.map_err(refused)?;
                    restored.domains += 1;
                }
            }
        }
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
                .map_err(store_error("looking up a superordinate domain"))?
            {
                superordinate = Some(parent.to_owned());
                break;
            }
            rest = parent;
        }
        let Some(superordinate) = superordinate else { continue };
        let Some(mut host) = tx.get_host(host_name).await.map_err(store_error("reading a host"))?
        else {
            continue;
        };
        host.superordinate = Some(superordinate);
        tx.update_host(&host).await.map_err(store_error(&format!("linking host {host_name}")))?;
        restored.subordinate_hosts += 1;
    }
    Ok(restored)
}
