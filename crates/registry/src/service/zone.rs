//! Zone publication: the TLD zone from the database, whole or as the records of the owners
//! that changed since a version already published.

use std::collections::{BTreeMap, BTreeSet};

use nameward_dns::{Name, Record};

use super::{Done, Meta, Registry, ServiceError, continuity_dns, with_tx};
use crate::publish::{self, OwnerFacts, ZoneApex};

/// How the TLD zone stands against a version already published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZoneDelta {
    /// Still the version published.
    Unchanged,
    /// The records now at every owner that the changes since that version can have touched;
    /// every other owner publishes what it did (the SOA aside).
    Owners {
        /// The serial these records are of.
        serial: u32,
        /// Each owner with its records (none for an owner that publishes nothing now).
        owners: BTreeMap<Name, Vec<Record>>,
    },
    /// The changes are not known owner by owner (the apex changed, or the notes of some
    /// serial are gone): the zone is to be built whole.
    Rebuild {
        /// The serial now.
        serial: u32,
    },
}

/// Rows fetched per page while building a zone.
const PAGE: u32 = 5000;

/// Pages of a whole zone read ahead of its consumer.
const CHUNKS_IN_FLIGHT: usize = 4;

pub(super) fn apex_setting(tld: &str) -> String {
    format!("zone_apex:{tld}")
}

impl ZoneDelta {
    /// The serial the zone has now, when it moved.
    pub fn serial(&self) -> Option<u32> {
        match self {
            ZoneDelta::Unchanged => None,
            ZoneDelta::Owners { serial, .. } | ZoneDelta::Rebuild { serial } => Some(*serial),
        }
    }
}

impl Registry {
    /// Stores what the apex of `apex.tld`'s zone says (name servers, SOA values), after
    /// [`ZoneApex::check`]; the TLD must exist.
    pub async fn set_zone_apex(
        &self,
        apex: &ZoneApex,
        now: time::OffsetDateTime,
    ) -> Result<Done<()>, ServiceError> {
        apex.check()?;
        if !self.tlds().await?.iter().any(|policy| policy.tld == apex.tld) {
            return Err(ServiceError::UnknownTld(apex.tld.clone()));
        }
        let text = serde_json::to_string(apex)
            .map_err(|error| ServiceError::Internal(error.to_string()))?;
        let text = text.as_str();
        let meta = Meta::operator(now);
        self.write(&meta, "registry:zone-apex", |tx, _| async move {
            with_tx!(tx, {
                tx.set_setting(&apex_setting(&apex.tld), text).await?;
                tx.bump_serial(&apex.tld, &[&apex.tld]).await?;
                Ok(())
            })
        })
        .await
    }

    /// Moves `tld`'s zone to a new serial without changing a name, so that its publisher
    /// builds and signs the zone whole again at that serial (its signatures are coming due)
    /// and secondaries take the new signatures by IXFR. Returns the new serial.
    pub async fn resign_zone(
        &self,
        tld: &str,
        now: time::OffsetDateTime,
    ) -> Result<Done<u32>, ServiceError> {
        let meta = Meta::operator(now);
        self.write(&meta, "registry:zone-resign", |tx, _| async move {
            with_tx!(tx, Ok(tx.bump_serial(tld, &[]).await?))
        })
        .await
    }

    /// The stored apex of a TLD's zone, if any.
    pub async fn zone_apex(&self, tld: &str) -> Result<Option<ZoneApex>, ServiceError> {
        let text = self
            .read(|tx| async move { with_tx!(tx, Ok(tx.setting(&apex_setting(tld)).await?)) })
            .await?;
        text.map(|text| {
            serde_json::from_str(&text).map_err(|error| {
                ServiceError::Internal(format!("stored zone apex of {tld}: {error}"))
            })
        })
        .transpose()
    }

    /// The TLD zone with its stored apex; an error when none was set.
    pub async fn tld_zone(&self, tld: &str) -> Result<(u32, Vec<Record>), ServiceError> {
        let apex = self
            .zone_apex(tld)
            .await?
            .ok_or_else(|| ServiceError::Internal(format!("no zone apex set for TLD {tld}")))?;
        self.zone(&apex).await
    }

    /// The serial the TLD zone has now (changes bump it).
    pub async fn zone_serial(&self, tld: &str) -> Result<u32, ServiceError> {
        self.read(|tx| async move { with_tx!(tx, Ok(tx.serial(tld).await?)) }).await
    }

    /// The serial the TLD zone has now and the wall-clock time its last change committed.
    pub async fn zone_serial_time(
        &self,
        tld: &str,
    ) -> Result<(u32, Option<time::OffsetDateTime>), ServiceError> {
        self.read(|tx| async move { with_tx!(tx, Ok(tx.serial_time(tld).await?)) }).await
    }

    /// The TLD zone as it stands, with its serial, from one consistent snapshot.
    pub async fn zone(&self, apex: &ZoneApex) -> Result<(u32, Vec<Record>), ServiceError> {
        let (chunks, mut received) = tokio::sync::mpsc::channel(CHUNKS_IN_FLIGHT);
        let read = self.zone_in_chunks(apex, chunks);
        let collect = async {
            let mut records = Vec::new();
            while let Some(chunk) = received.recv().await {
                records.extend(chunk);
            }
            records
        };
        let (serial, records) = tokio::join!(read, collect);
        Ok((serial?, records))
    }

    /// The TLD zone as it stands, from one consistent snapshot, sent to `chunks` a page of
    /// delegations at a time (glue last) as the database gives it: a consumer can build from
    /// it while the rest is read, and the zone is never held whole as records. Gives the
    /// serial once every chunk is sent; on an error, what was sent is not the zone. Stops
    /// early when the receiver is gone.
    pub async fn zone_in_chunks(
        &self,
        apex: &ZoneApex,
        chunks: tokio::sync::mpsc::Sender<Vec<Record>>,
    ) -> Result<u32, ServiceError> {
        let invalid = |error: publish::PublishError| ServiceError::Internal(error.to_string());
        self.read(|tx| async move {
            with_tx!(tx, {
                let serial = tx.serial(&apex.tld).await?;
                let mut glue = Vec::new();
                let mut after: Option<String> = None;
                loop {
                    let page = tx.glue(&apex.tld, after.as_deref(), PAGE).await?;
                    let Some(last) = page.last() else { break };
                    after = Some(last.name.clone());
                    glue.extend(page);
                }
                let switched = continuity_dns::switched_names(&mut tx, &apex.tld).await?;
                let (mut assembly, apex_records) =
                    publish::ZoneAssembly::new(apex, serial, glue).map_err(invalid)?;
                if chunks.send(apex_records).await.is_err() {
                    return Ok(serial);
                }
                let mut after: Option<String> = None;
                loop {
                    let (page, last) = tx.delegations(&apex.tld, after.as_deref(), PAGE).await?;
                    if last.is_none() {
                        break;
                    }
                    after = last;
                    let mut records = Vec::with_capacity(page.len() * 2);
                    for mut delegation in page {
                        if switched.contains(&delegation.name) {
                            let name = std::mem::take(&mut delegation.name);
                            delegation = publish::continuity_delegation(apex, name);
                        }
                        records.extend(assembly.delegation(&delegation).map_err(invalid)?);
                    }
                    if chunks.send(records).await.is_err() {
                        return Ok(serial);
                    }
                }
                chunks.send(assembly.finish()).await.ok();
                Ok(serial)
            })
        })
        .await
    }
}

impl Registry {
    /// The TLD zone of `apex` against the version `published` of it, from one consistent
    /// snapshot: which owners the changes since then touched (the names each change noted,
    /// the hosts below a touched domain, the name servers a touched delegation names now) and
    /// what they publish now. `served(touched)` adds what only the published version knows:
    /// the owners it has at or below each touched name and the name servers its delegations
    /// there named. The cost follows the size of the change, not of the zone.
    pub async fn zone_delta(
        &self,
        apex: &ZoneApex,
        published: u32,
        served: &(dyn Fn(&BTreeSet<Name>) -> BTreeSet<Name> + Sync),
    ) -> Result<ZoneDelta, ServiceError> {
        let tld = apex.tld.as_str();
        let origin = Name::parse(tld, Some(&Name::root()))
            .map_err(|error| ServiceError::Internal(format!("TLD {tld}: {error}")))?;
        self.read(|tx| async move {
            with_tx!(tx, {
                let serial = tx.serial(tld).await?;
                if serial == published {
                    return Ok(ZoneDelta::Unchanged);
                }
                let Some(noted) = tx.zone_changes(tld, published, serial).await? else {
                    return Ok(ZoneDelta::Rebuild { serial });
                };
                let mut touched = BTreeSet::new();
                for text in &noted {
                    match Name::parse(text, Some(&Name::root())) {
                        Ok(name) if name != origin && name.is_subdomain_of(&origin) => {
                            touched.insert(name);
                        }
                        // The apex, or a name the zone cannot hold: build it whole.
                        _ => return Ok(ZoneDelta::Rebuild { serial }),
                    }
                }
                let mut owners = served(&touched);
                owners.extend(touched.iter().cloned());
                let touched: Vec<String> = touched.iter().map(registry_name).collect();
                for host in tx.hosts_subordinate_to_any(&touched).await? {
                    owners.extend(Name::parse(&host, Some(&Name::root())).ok());
                }
                let mut glue = BTreeSet::new();
                for delegation in &delegations_now(&mut tx, apex, &touched).await? {
                    let (_, records) = publish::delegation_records(delegation, apex.ttl)
                        .map_err(|error| ServiceError::Internal(error.to_string()))?;
                    glue.extend(publish::glue_owners(&origin, &records).cloned());
                }
                owners.extend(glue);
                let names: Vec<String> = owners.iter().map(registry_name).collect();
                let facts = facts(&mut tx, apex, &names).await?;
                let owners = publish::records_at(apex, &owners, &facts)
                    .map_err(|error| ServiceError::Internal(error.to_string()))?;
                Ok(ZoneDelta::Owners { serial, owners })
            })
        })
        .await
    }

    /// Records the difference a publisher served for `tld` from serial `from` to `to`, as
    /// zone-file text, for the IXFR history of a later start (no transaction-log entry: this
    /// is the publisher's bookkeeping, not a registry change).
    pub async fn record_zone_difference(
        &self,
        tld: &str,
        from: u32,
        to: u32,
        difference: &str,
    ) -> Result<(), ServiceError> {
        let mut tx = self.store.begin().await?;
        tx.record_zone_difference(tld, from, to, difference).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The recorded differences of `tld` leading to serial `to`, oldest first, at most `most`
    /// (see [`crate::store::Tx::zone_differences_to`]).
    pub async fn zone_differences_to(
        &self,
        tld: &str,
        to: u32,
        most: usize,
    ) -> Result<Vec<(u32, u32, String)>, ServiceError> {
        self.read(
            |tx| async move { with_tx!(tx, Ok(tx.zone_differences_to(tld, to, most).await?)) },
        )
        .await
    }

    /// Forgets the zone-change notes of `tld` up to `serial`, once every publisher has served
    /// it (older notes would only let a publisher that fell further behind skip a rebuild).
    pub async fn forget_zone_changes(&self, tld: &str, serial: u32) -> Result<u64, ServiceError> {
        let meta = Meta::operator(time::OffsetDateTime::now_utc());
        let done = self
            .write(&meta, "registry:forget-zone-changes", |tx, _| async move {
                with_tx!(tx, Ok(tx.forget_zone_changes(tld, serial).await?))
            })
            .await?;
        Ok(done.value)
    }
}

/// A zone name as the registry stores it: lower case, no final dot.
fn registry_name(name: &Name) -> String {
    name.to_string().trim_end_matches('.').to_ascii_lowercase()
}

/// What the registry holds now for the owners `names` of `apex`'s zone.
async fn facts(
    tx: &mut crate::store::Tx,
    apex: &ZoneApex,
    names: &[String],
) -> Result<OwnerFacts, crate::store::StoreError> {
    let tld = apex.tld.as_str();
    let delegations = delegations_now(tx, apex, names).await?;
    let glue = tx.glue_named(tld, names).await?;
    let any_switched = tx.any_switched_delegation(tld).await?;
    Ok(OwnerFacts { delegations, glue, any_switched })
}

/// The delegations of `apex`'s zone among `names` as published: on continuity DNS, to the
/// TLD's own name servers.
async fn delegations_now(
    tx: &mut crate::store::Tx,
    apex: &ZoneApex,
    names: &[String],
) -> Result<Vec<publish::Delegation>, crate::store::StoreError> {
    let mut delegations = tx.delegations_named(&apex.tld, names).await?;
    let names_of: Vec<String> = delegations.iter().map(|d| d.name.clone()).collect();
    let switched = tx.continuity_dns_among(&names_of).await?;
    for delegation in &mut delegations {
        if switched.contains(&delegation.name) {
            let name = std::mem::take(&mut delegation.name);
            *delegation = publish::continuity_delegation(apex, name);
        }
    }
    Ok(delegations)
}
