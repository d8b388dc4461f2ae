//! Zone publication: the delegations and glue of one zone, read in pages.

use super::codec::{get, get_json};
use super::error::StoreError;
use super::tx::{Tx, limit};
use crate::publish::{Delegation, Glue};

impl Tx {
    /// The delegations of `zone` — every domain directly below it that
    /// [`crate::model::Domain::in_zone`] — in name order, at most `page` domains after the
    /// name `after`. Run it in a [`crate::store::Store::begin_read`] transaction to see one
    /// snapshot across pages.
    pub async fn delegations(
        &mut self,
        zone: &str,
        after: Option<&str>,
        page: u32,
    ) -> Result<Vec<Delegation>, StoreError> {
        let query = sqlx::query(
            "SELECT d.name AS name, d.ds AS ds, h.host AS host \
             FROM (SELECT name, ds FROM domains WHERE zone = $1 AND in_zone = 1 AND name > $2 \
                   ORDER BY name LIMIT $3) d \
             JOIN domain_hosts h ON h.domain = d.name \
             ORDER BY d.name, h.ord",
        )
        .bind(zone)
        .bind(after.unwrap_or(""))
        .bind(limit(page));
        let mut delegations: Vec<Delegation> = Vec::new();
        for row in self.rows("reading delegations", query).await? {
            let name: String = get(&row, "name")?;
            let host: String = get(&row, "host")?;
            match delegations.last_mut() {
                Some(last) if last.name == name => last.ns.push(host),
                _ => {
                    delegations.push(Delegation { ds: get_json(&row, "ds")?, ns: vec![host], name })
                }
            }
        }
        Ok(delegations)
    }

    /// The glue of `zone`: hosts with addresses whose superordinate domain is delegated in
    /// it, in name order, at most `page` after the name `after`.
    pub async fn glue(
        &mut self,
        zone: &str,
        after: Option<&str>,
        page: u32,
    ) -> Result<Vec<Glue>, StoreError> {
        let query = sqlx::query(
            "SELECT h.name AS name, h.addrs AS addrs FROM hosts h \
             JOIN domains d ON d.name = h.superordinate \
             WHERE d.zone = $1 AND d.in_zone = 1 AND h.addrs <> '[]' AND h.name > $2 \
             ORDER BY h.name LIMIT $3",
        )
        .bind(zone)
        .bind(after.unwrap_or(""))
        .bind(limit(page));
        self.rows("reading glue", query)
            .await?
            .iter()
            .map(|row| Ok(Glue { name: get(row, "name")?, addrs: get_json(row, "addrs")? }))
            .collect()
    }
}
