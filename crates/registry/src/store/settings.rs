//! TLD policies with their zone serials, and registry-wide settings.

use time::OffsetDateTime;

use super::codec::{from_json, get, get_json, instant, micros, to_json};
use super::error::StoreError;
use super::tx::{Tx, conflict, found};
use crate::policy::Policy;

impl Tx {
    /// Adds a TLD with its policy; its zone serial starts at 0.
    pub async fn insert_tld(&mut self, policy: &Policy) -> Result<(), StoreError> {
        self.writing("insert_tld")?;
        let query = sqlx::query("INSERT INTO tlds (tld, policy, serial) VALUES ($1, $2, 0)")
            .bind(policy.tld.as_str())
            .bind(to_json(policy, "TLD policy")?);
        self.run("inserting a TLD", query)
            .await
            .map_err(|error| conflict(error, "TLD", &policy.tld))?;
        Ok(())
    }

    /// Replaces the policy of `policy.tld`.
    pub async fn update_tld(&mut self, policy: &Policy) -> Result<(), StoreError> {
        self.writing("update_tld")?;
        let query = sqlx::query("UPDATE tlds SET policy = $2 WHERE tld = $1")
            .bind(policy.tld.as_str())
            .bind(to_json(policy, "TLD policy")?);
        let rows = self.run("updating a TLD", query).await?;
        found(rows, "TLD", &policy.tld)
    }

    /// The policy of `tld`.
    pub async fn tld(&mut self, tld: &str) -> Result<Option<Policy>, StoreError> {
        let query = sqlx::query("SELECT policy FROM tlds WHERE tld = $1").bind(tld);
        match self.row("reading a TLD", query).await? {
            Some(row) => Ok(Some(get_json(&row, "policy")?)),
            None => Ok(None),
        }
    }

    /// Every TLD's policy, by name.
    pub async fn tlds(&mut self) -> Result<Vec<Policy>, StoreError> {
        let rows =
            self.rows("listing TLDs", sqlx::query("SELECT policy FROM tlds ORDER BY tld")).await?;
        rows.iter().map(|row| from_json(&get::<String>(row, "policy")?, "tlds.policy")).collect()
    }

    /// The zone serial of `tld` as last published.
    pub async fn serial(&mut self, tld: &str) -> Result<u32, StoreError> {
        let query = sqlx::query("SELECT serial FROM tlds WHERE tld = $1").bind(tld);
        let row = self.row("reading a zone serial", query).await?;
        let row = row.ok_or_else(|| StoreError::NotFound { kind: "TLD", id: tld.to_owned() })?;
        let serial: i64 = get(&row, "serial")?;
        u32::try_from(serial).map_err(|_| StoreError::Corrupt {
            what: format!("zone serial of {tld}"),
            detail: format!("{serial} is not a 32-bit serial"),
        })
    }

    /// The zone serial of `tld` and when it advanced to it (none before the first change
    /// recorded with its time).
    pub async fn serial_time(
        &mut self,
        tld: &str,
    ) -> Result<(u32, Option<OffsetDateTime>), StoreError> {
        let query = sqlx::query("SELECT serial, serial_at FROM tlds WHERE tld = $1").bind(tld);
        let row = self.row("reading a zone serial", query).await?;
        let row = row.ok_or_else(|| StoreError::NotFound { kind: "TLD", id: tld.to_owned() })?;
        let serial: i64 = get(&row, "serial")?;
        let at: Option<i64> = get(&row, "serial_at")?;
        let serial = u32::try_from(serial).map_err(|_| StoreError::Corrupt {
            what: format!("zone serial of {tld}"),
            detail: format!("{serial} is not a 32-bit serial"),
        })?;
        Ok((serial, at.map(|at| instant(at, "tlds.serial_at")).transpose()?))
    }

    /// Advances the zone serial of `tld` by one and returns it, noting that the change may have
    /// altered what the zone publishes at or below each of `names` (domains whose delegation
    /// changed, hosts whose glue did, `tld` itself for the apex; see `zone_changes` in the
    /// migrations). A plain counter: it never goes back, and the lock it takes orders
    /// concurrent publications of one zone.
    pub async fn bump_serial(&mut self, tld: &str, names: &[&str]) -> Result<u32, StoreError> {
        self.writing("bump_serial")?;
        self.moved_zone = true;
        let sql = format!("SELECT serial FROM tlds WHERE tld = $1{}", self.lock_clause(true));
        let row = self.row("reading a zone serial", sqlx::query(&sql).bind(tld)).await?;
        let row = row.ok_or_else(|| StoreError::NotFound { kind: "TLD", id: tld.to_owned() })?;
        let serial: i64 = get(&row, "serial")?;
        let next = u32::try_from(serial).ok().and_then(|serial| serial.checked_add(1)).ok_or_else(
            || StoreError::Invalid {
                what: format!("zone serial of {tld}"),
                detail: format!("{serial} cannot grow within 32 bits"),
            },
        )?;
        // The wall clock, not the command's `now` (which a replay may set): this is what
        // publication lag is measured from.
        let query = sqlx::query("UPDATE tlds SET serial = $2, serial_at = $3 WHERE tld = $1")
            .bind(tld)
            .bind(i64::from(next))
            .bind(micros(OffsetDateTime::now_utc())?);
        self.run("advancing a zone serial", query).await?;
        // A change that names nothing would leave the publisher no way to tell what it did.
        let apex = [tld];
        let names = if names.is_empty() { &apex[..] } else { names };
        self.note_zone_change(tld, next, names).await?;
        Ok(next)
    }

    /// A registry-wide setting.
    pub async fn setting(&mut self, name: &str) -> Result<Option<String>, StoreError> {
        let query = sqlx::query("SELECT value FROM settings WHERE name = $1").bind(name);
        match self.row("reading a setting", query).await? {
            Some(row) => Ok(Some(get(&row, "value")?)),
            None => Ok(None),
        }
    }

    /// Sets (or replaces) a registry-wide setting.
    pub async fn set_setting(&mut self, name: &str, value: &str) -> Result<(), StoreError> {
        self.writing("set_setting")?;
        let query = sqlx::query(
            "INSERT INTO settings (name, value) VALUES ($1, $2) \
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        )
        .bind(name)
        .bind(value);
        self.run("writing a setting", query).await?;
        Ok(())
    }
}
