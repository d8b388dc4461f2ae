//! Zone publication: the TLD zone from the database.

use nameward_dns::Record;

use super::{Done, Meta, Registry, ServiceError, continuity_dns, with_tx};
use crate::publish::{self, ZoneApex};

/// Rows fetched per page while building a zone.
const PAGE: u32 = 5000;

pub(super) fn apex_setting(tld: &str) -> String {
    format!("zone_apex:{tld}")
}

impl Registry {
    /// Stores what the apex of `apex.tld`'s zone says (name servers, SOA values).
    pub async fn set_zone_apex(
        &self,
        apex: &ZoneApex,
        now: time::OffsetDateTime,
    ) -> Result<Done<()>, ServiceError> {
        let text = serde_json::to_string(apex)
            .map_err(|error| ServiceError::Internal(error.to_string()))?;
        let text = text.as_str();
        let meta = Meta::operator(now);
        self.write(&meta, "registry:zone-apex", |tx, _| async move {
            with_tx!(tx, {
                tx.set_setting(&apex_setting(&apex.tld), text).await?;
                tx.bump_serial(&apex.tld).await?;
                Ok(())
            })
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

    /// The TLD zone as it stands, with its serial, from one consistent snapshot.
    pub async fn zone(&self, apex: &ZoneApex) -> Result<(u32, Vec<Record>), ServiceError> {
        self.read(|tx| async move {
            with_tx!(tx, {
                let serial = tx.serial(&apex.tld).await?;
                let mut delegations = Vec::new();
                let mut after: Option<String> = None;
                loop {
                    let page = tx.delegations(&apex.tld, after.as_deref(), PAGE).await?;
                    let Some(last) = page.last() else { break };
                    after = Some(last.name.clone());
                    delegations.extend(page);
                }
                let switched = continuity_dns::switched_names(&mut tx, &apex.tld).await?;
                for delegation in &mut delegations {
                    if switched.contains(&delegation.name) {
                        let name = std::mem::take(&mut delegation.name);
                        *delegation = publish::continuity_delegation(apex, name);
                    }
                }
                let mut glue = Vec::new();
                let mut after: Option<String> = None;
                loop {
                    let page = tx.glue(&apex.tld, after.as_deref(), PAGE).await?;
                    let Some(last) = page.last() else { break };
                    after = Some(last.name.clone());
                    glue.extend(page);
                }
                let records = publish::tld_zone(apex, serial, delegations, glue)
                    .map_err(|error| ServiceError::Internal(error.to_string()))?;
                Ok((serial, records))
            })
        })
        .await
    }
}
