//! The registrant notice queue and its once-only keys.

use sqlx::any::AnyRow;
use time::OffsetDateTime;

use super::codec::{
    get, get_instant, get_instant_opt, get_json, get_u64, micros, micros_opt, to_json,
};
use super::error::StoreError;
use super::tx::{Tx, found, limit};
use crate::continuity::notices::{Notice, NoticeDomain, NoticeKind, NoticeState};

const COLUMNS: &str = "id, address, kind, domains, due_at, state, attempts, next_attempt_at, \
                       last_error, created_at, sent_at";

/// A name of a sponsor with its expiry and registrant contact, as notice planning reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SponsoredName {
    /// The domain name.
    pub name: String,
    /// Its expiry.
    pub expires_at: OffsetDateTime,
    /// Its registrant contact's id, if it has one.
    pub registrant: Option<String>,
}

/// A notice item already recorded for a domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticedItem {
    /// What kind.
    pub kind: String,
    /// The occasion.
    pub occasion: String,
    /// When it was queued.
    pub queued_at: OffsetDateTime,
}

fn notice(row: &AnyRow) -> Result<Notice, StoreError> {
    let kind: String = get(row, "kind")?;
    let state: String = get(row, "state")?;
    let corrupt = |what: &str, value: &str| StoreError::Corrupt {
        what: format!("notices.{what}"),
        detail: format!("unknown value {value:?}"),
    };
    Ok(Notice {
        id: get_u64(row, "id")?,
        address: get(row, "address")?,
        kind: NoticeKind::parse(&kind).ok_or_else(|| corrupt("kind", &kind))?,
        domains: get_json::<Vec<NoticeDomain>>(row, "domains")?,
        due_at: get_instant(row, "due_at")?,
        state: NoticeState::parse(&state).ok_or_else(|| corrupt("state", &state))?,
        attempts: u32::try_from(get_u64(row, "attempts")?).unwrap_or(u32::MAX),
        next_attempt_at: get_instant(row, "next_attempt_at")?,
        last_error: get(row, "last_error")?,
        created_at: get_instant(row, "created_at")?,
        sent_at: get_instant_opt(row, "sent_at")?,
    })
}

impl Tx {
    /// The names `sponsor` sponsors with expiry and registrant, in name order, at most `page`
    /// after `after` (keyset pagination, as [`Tx::domains_of`]).
    pub async fn sponsored_names(
        &mut self,
        sponsor: &str,
        after: Option<&str>,
        page: u32,
    ) -> Result<Vec<SponsoredName>, StoreError> {
        let query = sqlx::query(
            "SELECT d.name AS name, d.expires_at AS expires_at, dc.contact AS registrant \
             FROM domains d LEFT JOIN domain_contacts dc \
             ON dc.domain = d.name AND dc.role = 'registrant' \
             WHERE d.sponsor = $1 AND d.name > $2 ORDER BY d.name LIMIT $3",
        )
        .bind(sponsor)
        .bind(after.unwrap_or(""))
        .bind(limit(page));
        self.rows("listing a sponsor's names for notices", query)
            .await?
            .iter()
            .map(|row| {
                Ok(SponsoredName {
                    name: get(row, "name")?,
                    expires_at: get_instant(row, "expires_at")?,
                    registrant: get(row, "registrant")?,
                })
            })
            .collect()
    }

    /// The notice items recorded for `domain`.
    pub async fn noticed_items(&mut self, domain: &str) -> Result<Vec<NoticedItem>, StoreError> {
        let query = sqlx::query(
            "SELECT kind, occasion, queued_at FROM notice_items WHERE domain = $1 \
             ORDER BY queued_at",
        )
        .bind(domain);
        self.rows("reading notice items", query)
            .await?
            .iter()
            .map(|row| {
                Ok(NoticedItem {
                    kind: get(row, "kind")?,
                    occasion: get(row, "occasion")?,
                    queued_at: get_instant(row, "queued_at")?,
                })
            })
            .collect()
    }

    /// Queues a notice (state queued, no attempts) with no names yet; its id.
    pub async fn insert_notice(
        &mut self,
        address: &str,
        kind: NoticeKind,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        self.writing("insert_notice")?;
        let at = micros(now)?;
        let query = sqlx::query(
            "INSERT INTO notices (address, kind, domains, due_at, state, attempts, \
             next_attempt_at, created_at) VALUES ($1, $2, '[]', $3, 'queued', 0, $3, $3) \
             RETURNING id",
        )
        .bind(address)
        .bind(kind.as_str())
        .bind(at);
        get_u64(&self.one("queuing a notice", query).await?, "id")
    }

    /// Records that `domain` is noticed for (`kind`, `occasion`) by `notice`; false (and
    /// nothing written) when it already was.
    pub async fn insert_notice_item(
        &mut self,
        domain: &str,
        kind: NoticeKind,
        occasion: &str,
        notice: u64,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        self.writing("insert_notice_item")?;
        let query = sqlx::query(
            "INSERT INTO notice_items (domain, kind, occasion, notice, queued_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (domain, kind, occasion) DO NOTHING",
        )
        .bind(domain)
        .bind(kind.as_str())
        .bind(occasion)
        .bind(super::codec::to_i64(notice, "notice id")?)
        .bind(micros(now)?);
        Ok(self.run("recording a notice item", query).await? == 1)
    }

    /// Sets the names a notice lists.
    pub async fn set_notice_domains(
        &mut self,
        id: u64,
        domains: &[NoticeDomain],
    ) -> Result<(), StoreError> {
        self.writing("set_notice_domains")?;
        let query = sqlx::query("UPDATE notices SET domains = $2 WHERE id = $1")
            .bind(super::codec::to_i64(id, "notice id")?)
            .bind(to_json(&domains, "notice domains")?);
        let rows = self.run("listing a notice's names", query).await?;
        found(rows, "notice", &id.to_string())
    }

    /// Queued notices that may be tried at `now`, oldest first, at most `page`.
    pub async fn notices_due(
        &mut self,
        now: OffsetDateTime,
        page: u32,
    ) -> Result<Vec<Notice>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM notices WHERE state = 'queued' AND next_attempt_at <= $1 \
             ORDER BY next_attempt_at, id LIMIT $2"
        );
        let query = sqlx::query(&sql).bind(micros(now)?).bind(limit(page));
        self.rows("listing due notices", query).await?.iter().map(notice).collect()
    }

    /// The notice `id`, locked against other writers.
    pub async fn get_notice_for_update(&mut self, id: u64) -> Result<Option<Notice>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM notices WHERE id = $1{}", self.lock_clause(true));
        let query = sqlx::query(&sql).bind(super::codec::to_i64(id, "notice id")?);
        self.row("reading a notice", query).await?.as_ref().map(notice).transpose()
    }

    /// Notices by id, at most `page` after id `after`; only those to `address` if given.
    pub async fn notices(
        &mut self,
        address: Option<&str>,
        after: u64,
        page: u32,
    ) -> Result<Vec<Notice>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM notices WHERE id > $1 AND ($2 = '' OR address = $2) \
             ORDER BY id LIMIT $3"
        );
        let query = sqlx::query(&sql)
            .bind(super::codec::to_i64(after, "notice id")?)
            .bind(address.unwrap_or(""))
            .bind(limit(page));
        self.rows("listing notices", query).await?.iter().map(notice).collect()
    }

    /// Records a delivery attempt's outcome.
    pub async fn update_notice_delivery(&mut self, notice: &Notice) -> Result<(), StoreError> {
        self.writing("update_notice_delivery")?;
        let query = sqlx::query(
            "UPDATE notices SET state = $2, attempts = $3, next_attempt_at = $4, \
             last_error = $5, sent_at = $6 WHERE id = $1",
        )
        .bind(super::codec::to_i64(notice.id, "notice id")?)
        .bind(notice.state.as_str())
        .bind(i64::from(notice.attempts))
        .bind(micros(notice.next_attempt_at)?)
        .bind(notice.last_error.as_deref())
        .bind(micros_opt(notice.sent_at)?);
        let rows = self.run("recording a notice delivery", query).await?;
        found(rows, "notice", &notice.id.to_string())
    }
}

impl Tx {
    /// Removes a notice that ended up listing nothing (its names were noticed meanwhile).
    pub async fn delete_empty_notice(&mut self, id: u64) -> Result<(), StoreError> {
        self.writing("delete_empty_notice")?;
        let query = sqlx::query(
            "DELETE FROM notices WHERE id = $1 AND NOT EXISTS \
             (SELECT 1 FROM notice_items WHERE notice = $1)",
        )
        .bind(super::codec::to_i64(id, "notice id")?);
        self.run("removing an empty notice", query).await?;
        Ok(())
    }
}
