//! Zone publication: the TLD zone from the database.

use nameward_dns::Record;

use super::{Registry, ServiceError, with_tx};
use crate::publish::{self, ZoneApex};

/// Rows fetched per page while building a zone.
const PAGE: u32 = 5000;

impl Registry {
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
