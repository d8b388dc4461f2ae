//! Zone publication: the delegations and glue of one zone, read in pages.

use std::collections::BTreeSet;

use super::Engine;
use super::codec::{from_json, get, get_json};
use super::error::StoreError;
use super::tx::{Tx, limit};
use crate::publish::{Delegation, Glue};

impl Tx {
    /// The delegations of `zone` — every domain directly below it that
    /// [`crate::model::Domain::in_zone`] — at most `page` domains after the name `after` in the
    /// database's order of names, sorted by name, with the last name of the page in the
    /// database's order (where the next page starts). Run it in a
    /// [`crate::store::Store::begin_read`] transaction to see one snapshot across pages.
    ///
    /// The database folds the page into one JSON document, so that it crosses the driver as one
    /// row: handed over row by row, the 6,000,000 rows of a 2,000,000-name zone cost about
    /// 20 s in the driver alone, against 2 s for SQLite to read them.
    pub async fn delegations(
        &mut self,
        zone: &str,
        after: Option<&str>,
        page: u32,
    ) -> Result<(Vec<Delegation>, Option<String>), StoreError> {
        // Each domain is `[name, ds, "ord host ord host …"]`; host names never hold a space.
        let sql = match self.engine() {
            Engine::Sqlite => {
                "SELECT json_group_array(json_array(name, ds, hosts)) AS page, max(name) AS last \
                 FROM (SELECT d.name AS name, d.ds AS ds, \
                              group_concat(h.ord || ' ' || h.host, ' ') AS hosts \
                       FROM (SELECT name, ds FROM domains \
                             WHERE zone = $1 AND in_zone = 1 AND name > $2 \
                             ORDER BY name LIMIT $3) d \
                       JOIN domain_hosts h ON h.domain = d.name GROUP BY d.name)"
            }
            Engine::Postgres => {
                "SELECT CAST(json_agg(json_build_array(name, ds, hosts)) AS TEXT) AS page, \
                        max(name) AS last \
                 FROM (SELECT d.name AS name, d.ds AS ds, \
                              string_agg(h.ord || ' ' || h.host, ' ') AS hosts \
                       FROM (SELECT name, ds FROM domains \
                             WHERE zone = $1 AND in_zone = 1 AND name > $2 \
                             ORDER BY name LIMIT $3) d \
                       JOIN domain_hosts h ON h.domain = d.name GROUP BY d.name, d.ds) t"
            }
        };
        let query = sqlx::query(sql).bind(zone).bind(after.unwrap_or("")).bind(limit(page));
        let rows = self.rows("reading delegations", query).await?;
        let Some(row) = rows.first() else { return Ok((Vec::new(), None)) };
        let Some(last) = get::<Option<String>>(row, "last")? else {
            return Ok((Vec::new(), None));
        };
        let page: Vec<(String, String, String)> = get_json(row, "page")?;
        let delegations = page
            .into_iter()
            .map(|(name, ds, hosts)| {
                let ds = from_json(&ds, "ds")?;
                let ns = hosts_in_order(&name, &hosts)?;
                Ok(Delegation { name, ns, ds })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let mut delegations = delegations;
        delegations.sort_unstable_by(|a, b| a.name.cmp(&b.name));
        Ok((delegations, Some(last)))
    }

    /// The glue of `zone`: hosts with addresses whose superordinate domain is delegated in
    /// it, in name order, at most `page` after the name `after`.
    pub async fn glue(
        &mut self,
        zone: &str,
        after: Option<&str>,
        page: u32,
    ) -> Result<Vec<Glue>, StoreError> {
        // CROSS JOIN fixes the join order on SQLite (PostgreSQL plans it as an inner join):
        // hosts in name order from `after`, each with its domain, so a page stops after `page`
        // hosts. Left to choose, SQLite read every delegation of the zone and sorted the
        // hosts found for every page: a whole zone cost its size squared (0.7 s a page, 29 s
        // of a cold start at 2,000,000 names).
        let query = sqlx::query(
            "SELECT h.name AS name, h.addrs AS addrs FROM hosts h CROSS JOIN domains d \
             WHERE d.name = h.superordinate AND d.zone = $1 AND d.in_zone = 1 \
               AND h.addrs <> '[]' AND h.name > $2 \
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

/// A domain's name servers from `hosts`, pairs of position and name separated by spaces, in
/// the order of their positions.
fn hosts_in_order(domain: &str, hosts: &str) -> Result<Vec<String>, StoreError> {
    let corrupt = || StoreError::Corrupt {
        what: format!("name servers of {domain}"),
        detail: format!("{hosts:?} is not pairs of position and host"),
    };
    let mut words = hosts.split(' ');
    let mut ordered = Vec::with_capacity(2);
    while let Some(ord) = words.next() {
        let ord: i64 = ord.parse().map_err(|_| corrupt())?;
        let host = words.next().filter(|host| !host.is_empty()).ok_or_else(corrupt)?;
        ordered.push((ord, host.to_owned()));
    }
    ordered.sort_unstable_by_key(|(ord, _)| *ord);
    Ok(ordered.into_iter().map(|(_, host)| host).collect())
}

/// Most names bound in one `IN (…)` list.
const NAMES_BATCH: usize = 500;

impl Tx {
    /// Notes that the change that gave `zone` its serial `serial` may have altered what the zone
    /// publishes at or below each of `names` (see [`Tx::bump_serial`]).
    pub(super) async fn note_zone_change(
        &mut self,
        zone: &str,
        serial: u32,
        names: &[&str],
    ) -> Result<(), StoreError> {
        let names: BTreeSet<&str> = names.iter().copied().collect();
        for name in names {
            let query =
                sqlx::query("INSERT INTO zone_changes (zone, serial, name) VALUES ($1, $2, $3)")
                    .bind(zone)
                    .bind(i64::from(serial))
                    .bind(name);
            self.run("noting a zone change", query).await?;
        }
        Ok(())
    }

    /// The names noted for the serials of `zone` after `after` up to `upto`, or `None` when a
    /// serial in between has no note (its change is not known name by name).
    pub async fn zone_changes(
        &mut self,
        zone: &str,
        after: u32,
        upto: u32,
    ) -> Result<Option<BTreeSet<String>>, StoreError> {
        if upto < after {
            return Ok(None);
        }
        let query = sqlx::query(
            "SELECT serial, name FROM zone_changes WHERE zone = $1 AND serial > $2 AND serial <= $3",
        )
        .bind(zone)
        .bind(i64::from(after))
        .bind(i64::from(upto));
        let mut serials = BTreeSet::new();
        let mut names = BTreeSet::new();
        for row in self.rows("reading zone changes", query).await? {
            serials.insert(get::<i64>(&row, "serial")?);
            names.insert(get::<String>(&row, "name")?);
        }
        let complete = serials.len() as u64 == u64::from(upto - after);
        Ok(complete.then_some(names))
    }

    /// Forgets the notes and the served differences of `zone`'s serials up to `upto`, which no
    /// publisher needs any more.
    pub async fn forget_zone_changes(&mut self, zone: &str, upto: u32) -> Result<u64, StoreError> {
        self.writing("forget_zone_changes")?;
        let query = sqlx::query("DELETE FROM zone_differences WHERE zone = $1 AND to_serial <= $2")
            .bind(zone)
            .bind(i64::from(upto));
        self.run("forgetting zone differences", query).await?;
        let query = sqlx::query("DELETE FROM zone_changes WHERE zone = $1 AND serial <= $2")
            .bind(zone)
            .bind(i64::from(upto));
        self.run("forgetting zone changes", query).await
    }

    /// Records the difference a publisher served going from `from` to `to` (zone-file text,
    /// see `zone_differences` in the migrations); a difference already recorded for `to` is
    /// kept.
    pub async fn record_zone_difference(
        &mut self,
        zone: &str,
        from: u32,
        to: u32,
        difference: &str,
    ) -> Result<(), StoreError> {
        self.writing("record_zone_difference")?;
        let query = sqlx::query(
            "INSERT INTO zone_differences (zone, to_serial, from_serial, difference) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (zone, to_serial) DO NOTHING",
        )
        .bind(zone)
        .bind(i64::from(to))
        .bind(i64::from(from))
        .bind(difference);
        self.run("recording a zone difference", query).await?;
        Ok(())
    }

    /// The served differences of `zone` that lead to serial `to`, newest last: walking back
    /// from `to` along recorded differences, at most `most` of them, stopping where one is
    /// missing. Each is `(from, to, text)`.
    pub async fn zone_differences_to(
        &mut self,
        zone: &str,
        to: u32,
        most: usize,
    ) -> Result<Vec<(u32, u32, String)>, StoreError> {
        let query = sqlx::query(
            "SELECT from_serial, to_serial, difference FROM zone_differences \
             WHERE zone = $1 AND to_serial <= $2 ORDER BY to_serial DESC LIMIT $3",
        )
        .bind(zone)
        .bind(i64::from(to))
        .bind(i64::try_from(most).unwrap_or(i64::MAX));
        let rows = self.rows("reading zone differences", query).await?;
        let serial = |value: i64| {
            u32::try_from(value).map_err(|_| StoreError::Corrupt {
                what: format!("zone difference of {zone}"),
                detail: format!("{value} is not a 32-bit serial"),
            })
        };
        let mut chain = Vec::new();
        let mut next = to;
        for row in rows {
            let (from, upto) =
                (serial(get(&row, "from_serial")?)?, serial(get(&row, "to_serial")?)?);
            if upto != next {
                break;
            }
            chain.push((from, upto, get(&row, "difference")?));
            next = from;
        }
        chain.reverse();
        Ok(chain)
    }

    /// The delegations of `zone` among `names` (as [`Tx::delegations`] reads them).
    pub async fn delegations_named(
        &mut self,
        zone: &str,
        names: &[String],
    ) -> Result<Vec<Delegation>, StoreError> {
        let sql = |list: &str| {
            format!(
                "SELECT d.name AS name, d.ds AS ds, h.host AS host \
                 FROM domains d JOIN domain_hosts h ON h.domain = d.name \
                 WHERE d.zone = $1 AND d.in_zone = 1 AND d.name IN ({list}) \
                 ORDER BY d.name, h.ord"
            )
        };
        let rows =
            self.rows_for_names("reading delegations", names, NAMES_BATCH, &[zone], sql).await?;
        let mut delegations: Vec<Delegation> = Vec::new();
        for row in rows {
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

    /// The hosts among `names` that are candidates for glue in `zone` (with addresses, their
    /// superordinate domain delegated), each with whether a delegation of `zone` that is not
    /// on continuity DNS names it as a name server.
    pub async fn glue_named(
        &mut self,
        zone: &str,
        names: &[String],
    ) -> Result<Vec<(Glue, bool)>, StoreError> {
        // CROSS JOIN fixes the join order on SQLite (PostgreSQL plans it as an inner join):
        // from the named hosts, and from the links of each host. Left to choose, SQLite's
        // planner read every delegation of the zone through `domains_zone` — once for the
        // outer join as soon as a dozen names were bound, and once per host in the count — so
        // a publication cost time in proportion to the zone (seconds at 200,000 names).
        let sql = |list: &str| {
            format!(
                "SELECT h.name AS name, h.addrs AS addrs, \
                   (SELECT COUNT(*) FROM domain_hosts l CROSS JOIN domains r \
                    WHERE l.host = h.name AND r.name = l.domain AND r.zone = $1 \
                      AND r.in_zone = 1 \
                      AND NOT EXISTS (SELECT 1 FROM continuity_dns c WHERE c.domain = r.name)) \
                   AS refs \
                 FROM hosts h CROSS JOIN domains d \
                 WHERE d.name = h.superordinate AND d.zone = $1 AND d.in_zone = 1 \
                   AND h.addrs <> '[]' AND h.name IN ({list})"
            )
        };
        let rows = self.rows_for_names("reading glue", names, NAMES_BATCH, &[zone], sql).await?;
        rows.iter()
            .map(|row| {
                let host = Glue { name: get(row, "name")?, addrs: get_json(row, "addrs")? };
                Ok((host, get::<i64>(row, "refs")? > 0))
            })
            .collect()
    }

    /// The hosts whose superordinate domain is one of `domains`.
    pub async fn hosts_subordinate_to_any(
        &mut self,
        domains: &[String],
    ) -> Result<Vec<String>, StoreError> {
        let sql = |list: &str| format!("SELECT name FROM hosts WHERE superordinate IN ({list})");
        let rows = self
            .rows_for_names("listing subordinate hosts", domains, NAMES_BATCH, &[], sql)
            .await?;
        rows.iter().map(|row| get(row, "name")).collect()
    }

    /// Whether some delegation of `zone` is on continuity DNS (and so names the TLD's own
    /// name servers).
    pub async fn any_switched_delegation(&mut self, zone: &str) -> Result<bool, StoreError> {
        let query = sqlx::query(
            "SELECT 1 AS hit FROM continuity_dns c JOIN domains d ON d.name = c.domain \
             WHERE c.zone = $1 AND d.in_zone = 1 LIMIT 1",
        )
        .bind(zone);
        self.any("looking for switched delegations", query).await
    }
}
