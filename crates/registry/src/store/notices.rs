//! The registrant notice queue, its once-only keys, the address a domain's holder is written
//! to, and the work list a queue run walks.

use std::collections::HashSet;
use std::fmt::Write as _;

use sqlx::any::AnyRow;
use time::OffsetDateTime;

use super::Engine;
use super::codec::{
    get, get_instant, get_instant_opt, get_json, get_u64, micros, micros_opt, to_i64, to_json,
};
use super::error::StoreError;
use super::tx::{Tx, found, limit};
use crate::continuity::notices::{
    Notice, NoticeDomain, NoticeKind, NoticeState, failure_occasion, reminder_expiries,
};
use crate::model::RegistrarState;

/// A notice's columns, with the number of names its items record.
const COLUMNS: &str = "n.id AS id, n.address AS address, n.kind AS kind, n.domains AS domains, \
                       n.due_at AS due_at, n.state AS state, n.attempts AS attempts, \
                       n.next_attempt_at AS next_attempt_at, n.last_error AS last_error, \
                       n.created_at AS created_at, n.sent_at AS sent_at, \
                       (SELECT COUNT(*) FROM notice_items i WHERE i.notice = n.id) AS names";

/// What a domain's holder may be written to, joined to `domains d`: its registrant contact in
/// the registry (`c`), and the sponsor's escrow of it (`e`) with the escrowed customer (`cu`),
/// the escrowed registrant contact (`ec`) and the customer that contact stands in for (`pc`).
const HOLDER_JOINS: &str = "\
    LEFT JOIN domain_contacts dc ON dc.domain = d.name AND dc.role = 'registrant' \
    LEFT JOIN contacts c ON c.id = dc.contact \
    LEFT JOIN escrow_domains e ON e.registrar = d.sponsor AND e.name = d.name \
    LEFT JOIN escrow_customers cu ON cu.registrar = e.registrar AND cu.id = e.customer \
    LEFT JOIN escrow_contacts ec ON ec.registrar = e.registrar AND ec.id = e.registrant \
    LEFT JOIN escrow_customers pc ON pc.registrar = ec.registrar AND pc.id = ec.customer";

/// The address the holder of the domain `d` is written to, over [`HOLDER_JOINS`]; the empty
/// string when there is none.
///
/// In order: the escrowed customer's e-mail — the actual holder, also when the registry's
/// contact is a privacy/proxy service's (the domain's customer, else the one its escrowed
/// registrant contact stands in for); then the registrant contact's e-mail in the registry;
/// then the escrowed registrant contact's. Only the sponsor's escrow counts: it is the failed
/// registrar's record of its own customers. An address is trimmed and lowercased, and one
/// without an `@` is no address. It is SQL rather than Rust so that a queue run computes it
/// for a whole portfolio in one statement and sorts by it; the desk asks it for one domain.
fn holder_address(engine: Engine) -> String {
    let registry = match engine {
        Engine::Sqlite => "json_extract(c.doc, '$.email')",
        Engine::Postgres => "(CAST(c.doc AS json) ->> 'email')",
    };
    let usable =
        |email: &str| format!("CASE WHEN {email} LIKE '%@%' THEN lower(trim({email})) END");
    format!(
        "COALESCE({}, {}, {}, {}, '')",
        usable("cu.email"),
        usable("pc.email"),
        usable(registry),
        usable("ec.email")
    )
}

/// A position in a queue run's work list, which is ordered by address, then domain.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct PlanKey {
    /// The address (empty for names without one).
    pub address: String,
    /// The domain.
    pub domain: String,
}

/// A name on a queue run's work list, read back with what its notices say of it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedName {
    /// Its place in the list.
    pub key: PlanKey,
    /// The name as a notice lists it (current expiry and sponsor).
    pub domain: NoticeDomain,
    /// When the registry last renewed it on credit, if it ever did.
    pub renewed_on_credit_at: Option<OffsetDateTime>,
}

/// A page of the work list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanPage {
    /// Its names that a FAILED registrar still sponsors, in list order.
    pub names: Vec<PlannedName>,
    /// The last position it covers (of a name kept or not); `None` past the end of the list.
    pub last: Option<PlanKey>,
}

impl PlannedName {
    /// The address its notices go to, if it has one.
    pub fn address(&self) -> Option<&str> {
        Some(self.key.address.as_str()).filter(|address| !address.is_empty())
    }
}

/// A notice item already recorded for a domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticedItem {
    /// The domain.
    pub domain: String,
    /// What kind.
    pub kind: String,
    /// The occasion.
    pub occasion: String,
    /// When it was queued.
    pub queued_at: OffsetDateTime,
}

/// A notice item to record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewNoticeItem<'a> {
    /// The domain.
    pub domain: &'a str,
    /// What kind.
    pub kind: NoticeKind,
    /// The occasion.
    pub occasion: &'a str,
    /// The notice that lists it.
    pub notice: u64,
}

fn notice(row: &AnyRow) -> Result<Notice, StoreError> {
    let state: String = get(row, "state")?;
    Ok(Notice {
        id: get_u64(row, "id")?,
        address: get(row, "address")?,
        kind: kind_of(row)?,
        domains: get_json::<Vec<NoticeDomain>>(row, "domains")?,
        names: get_u64(row, "names")?,
        due_at: get_instant(row, "due_at")?,
        state: NoticeState::parse(&state).ok_or_else(|| StoreError::Corrupt {
            what: "notices.state".to_owned(),
            detail: format!("unknown value {state:?}"),
        })?,
        attempts: u32::try_from(get_u64(row, "attempts")?).unwrap_or(u32::MAX),
        next_attempt_at: get_instant(row, "next_attempt_at")?,
        last_error: get(row, "last_error")?,
        created_at: get_instant(row, "created_at")?,
        sent_at: get_instant_opt(row, "sent_at")?,
    })
}

fn kind_of(row: &AnyRow) -> Result<NoticeKind, StoreError> {
    let kind: String = get(row, "kind")?;
    NoticeKind::parse(&kind).ok_or_else(|| StoreError::Corrupt {
        what: "notices.kind".to_owned(),
        detail: format!("unknown value {kind:?}"),
    })
}

/// `rows` tuples separated by commas, the tuple of row `index` being `tuple(first)` where
/// `first` is the number of its first placeholder: `columns` placeholders per row, numbered
/// after the `shared` ones every row may use.
fn tuples(rows: usize, columns: usize, shared: usize, tuple: impl Fn(usize) -> String) -> String {
    let mut text = String::with_capacity(rows * (columns * 5 + 4));
    for index in 0..rows {
        if index > 0 {
            text.push_str(", ");
        }
        text.push_str(&tuple(shared + index * columns + 1));
    }
    text
}

impl Tx {
    /// The address the holder of `domain` is written to, or `None` when the domain does not
    /// exist or has none: the sponsor's escrowed customer's e-mail (the actual holder, also
    /// behind a privacy/proxy contact), else the registry's registrant contact's, else the
    /// sponsor's escrowed registrant contact's; trimmed, lowercased, and only with an `@`.
    pub async fn holder_address(&mut self, domain: &str) -> Result<Option<String>, StoreError> {
        let sql = format!(
            "SELECT {} AS address FROM domains d {HOLDER_JOINS} WHERE d.name = $1",
            holder_address(self.engine())
        );
        let query = sqlx::query(&sql).bind(domain);
        let Some(row) = self.row("reading a holder's address", query).await? else {
            return Ok(None);
        };
        let address: String = get(&row, "address")?;
        Ok(Some(address).filter(|address| !address.is_empty()))
    }

    /// Empties the queue runs' work list.
    pub async fn clear_notice_plan(&mut self) -> Result<(), StoreError> {
        self.writing("clear_notice_plan")?;
        self.run("clearing the notice work list", sqlx::query("DELETE FROM notice_plan")).await?;
        Ok(())
    }

    /// The last of the next `count` names (at least one) `sponsor` sponsors after `after`,
    /// the empty string standing before every name; `None` when there is no name after it.
    pub async fn sponsored_name_after(
        &mut self,
        sponsor: &str,
        after: &str,
        count: u32,
    ) -> Result<Option<String>, StoreError> {
        let offset = i64::from(count.max(1)) - 1;
        let query = sqlx::query(
            "SELECT name FROM domains WHERE sponsor = $1 AND name > $2 ORDER BY name \
             LIMIT 1 OFFSET $3",
        )
        .bind(sponsor)
        .bind(after)
        .bind(offset);
        if let Some(row) = self.row("paging a sponsor's names", query).await? {
            return Ok(Some(get(&row, "name")?));
        }
        let query =
            sqlx::query("SELECT MAX(name) AS name FROM domains WHERE sponsor = $1 AND name > $2")
                .bind(sponsor)
                .bind(after);
        match self.row("paging a sponsor's names", query).await? {
            Some(row) => get(&row, "name"),
            None => Ok(None),
        }
    }

    /// Puts on the work list, each with its holder's address, the names `sponsor` sponsors
    /// after `after` up to `upto` that may call for a notice at `now`: those without the
    /// failure notice about `sponsor`, and those whose expiry a reminder may concern
    /// ([`reminder_expiries`]). How many it put there.
    pub async fn plan_notices(
        &mut self,
        sponsor: &str,
        after: &str,
        upto: &str,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        self.writing("plan_notices")?;
        let [current, previous] = reminder_expiries(now);
        // Each name once: a domain links one registrant at most.
        let sql = format!(
            "INSERT INTO notice_plan (address, domain) \
             SELECT {} AS address, d.name AS domain FROM domains d {HOLDER_JOINS} \
             WHERE d.sponsor = $1 AND d.name > $2 AND d.name <= $3 \
             AND (NOT EXISTS (SELECT 1 FROM notice_items i WHERE i.domain = d.name \
                              AND i.kind = $4 AND i.occasion = $5) \
                  OR (d.expires_at > $6 AND d.expires_at <= $7) \
                  OR (d.expires_at > $8 AND d.expires_at <= $9))",
            holder_address(self.engine())
        );
        let query = sqlx::query(&sql)
            .bind(sponsor)
            .bind(after)
            .bind(upto)
            .bind(NoticeKind::Failure.as_str())
            .bind(failure_occasion(sponsor))
            .bind(micros(current.0)?)
            .bind(micros(current.1)?)
            .bind(micros(previous.0)?)
            .bind(micros(previous.1)?);
        self.run("filling the notice work list", query).await
    }

    /// Refreshes the planner's statistics of the work list once it is filled: PostgreSQL
    /// would otherwise plan for the empty table it saw last and could sort the whole list for
    /// every page. Nothing on SQLite, whose planner walks the key's index for an ordered page.
    pub async fn analyze_notice_plan(&mut self) -> Result<(), StoreError> {
        self.writing("analyze_notice_plan")?;
        if self.engine() == Engine::Postgres {
            self.run("analyzing the notice work list", sqlx::query("ANALYZE notice_plan")).await?;
        }
        Ok(())
    }

    /// The next `page` names of the work list after `after` (only those with `after`'s address
    /// if `same_address`), keeping those a FAILED registrar still sponsors.
    pub async fn notice_plan_page(
        &mut self,
        after: &PlanKey,
        same_address: bool,
        page: u32,
    ) -> Result<PlanPage, StoreError> {
        let position = if same_address {
            "address = $1 AND domain > $2"
        } else {
            "(address, domain) > ($1, $2)"
        };
        // The page is cut from the list's key alone, and the domains joined to it after, with
        // its size written into the statement: a planner that misjudges a range or a table
        // (statistics lag a bulk load) cannot turn a page into a join over the portfolio.
        let page = page.max(1);
        let sql = format!(
            "SELECT p.address AS address, p.domain AS domain, d.expires_at AS expires_at, \
                    d.sponsor AS sponsor, r.name AS sponsor_name, r.state AS state, \
                    (SELECT MAX(l.at) FROM ledger l WHERE l.domain = p.domain \
                     AND l.kind = 'credit_renewal') AS renewed_at \
             FROM (SELECT address, domain FROM notice_plan WHERE {position} \
                   ORDER BY address, domain LIMIT {page}) p \
             LEFT JOIN domains d ON d.name = p.domain \
             LEFT JOIN registrars r ON r.id = d.sponsor \
             ORDER BY p.address, p.domain"
        );
        let query = sqlx::query(&sql).bind(after.address.as_str()).bind(after.domain.as_str());
        let rows = self.rows("reading a page of the notice work list", query).await?;
        let mut found = PlanPage { names: Vec::with_capacity(rows.len()), last: None };
        for row in &rows {
            let key = PlanKey { address: get(row, "address")?, domain: get(row, "domain")? };
            let state: Option<String> = get(row, "state")?;
            let (Some(expires_at), Some(sponsor), Some(sponsor_name)) = (
                get_instant_opt(row, "expires_at")?,
                get::<Option<String>>(row, "sponsor")?,
                get::<Option<String>>(row, "sponsor_name")?,
            ) else {
                // Deleted since it was put on the list.
                found.last = Some(key);
                continue;
            };
            if state.as_deref() == Some(RegistrarState::Failed.as_str()) {
                let domain =
                    NoticeDomain { name: key.domain.clone(), expires_at, sponsor, sponsor_name };
                let renewed_on_credit_at = get_instant_opt(row, "renewed_at")?;
                found.names.push(PlannedName { key: key.clone(), domain, renewed_on_credit_at });
            }
            found.last = Some(key);
        }
        Ok(found)
    }

    /// The notice items recorded for `domains`.
    pub async fn noticed_items(
        &mut self,
        domains: &[&str],
    ) -> Result<Vec<NoticedItem>, StoreError> {
        let mut items = Vec::with_capacity(domains.len());
        // By name rather than by a range of the work list: an index lookup per name whatever
        // the planner believes of the ranges, which PostgreSQL estimates far too wide and
        // would answer by scanning every item recorded so far, page after page.
        for chunk in domains.chunks(self.rows_per_statement(1)) {
            let names = tuples(chunk.len(), 1, 0, |first| format!("${first}"));
            let sql = format!(
                "SELECT domain, kind, occasion, queued_at FROM notice_items WHERE domain IN ({names})"
            );
            let mut query = sqlx::query(&sql);
            for domain in chunk {
                query = query.bind(*domain);
            }
            for row in self.rows("reading notice items", query).await? {
                items.push(NoticedItem {
                    domain: get(&row, "domain")?,
                    kind: get(&row, "kind")?,
                    occasion: get(&row, "occasion")?,
                    queued_at: get_instant(&row, "queued_at")?,
                });
            }
        }
        Ok(items)
    }

    /// Queues a notice to each (address, kind), listing no names yet (state queued, no
    /// attempts, due at `now`); their ids with their (address, kind), in no particular order.
    pub async fn insert_notices(
        &mut self,
        notices: &[(String, NoticeKind)],
        now: OffsetDateTime,
    ) -> Result<Vec<(u64, String, NoticeKind)>, StoreError> {
        self.writing("insert_notices")?;
        let at = micros(now)?;
        let mut ids = Vec::with_capacity(notices.len());
        for chunk in notices.chunks(self.rows_per_statement(2)) {
            let values = tuples(chunk.len(), 2, 1, |first| {
                format!("(${first}, ${}, '[]', $1, 'queued', 0, $1, $1)", first + 1)
            });
            let sql = format!(
                "INSERT INTO notices (address, kind, domains, due_at, state, attempts, \
                 next_attempt_at, created_at) VALUES {values} RETURNING id, address, kind"
            );
            let mut query = sqlx::query(&sql).bind(at);
            for (address, kind) in chunk {
                query = query.bind(address.as_str()).bind(kind.as_str());
            }
            for row in self.rows("queuing notices", query).await? {
                ids.push((get_u64(&row, "id")?, get(&row, "address")?, kind_of(&row)?));
            }
        }
        Ok(ids)
    }

    /// Records the items, each once: an item whose (domain, kind, occasion) was recorded
    /// before is left as it was. The (domain, kind) of those recorded now.
    pub async fn insert_notice_items(
        &mut self,
        items: &[NewNoticeItem<'_>],
        now: OffsetDateTime,
    ) -> Result<HashSet<(String, NoticeKind)>, StoreError> {
        self.writing("insert_notice_items")?;
        let at = micros(now)?;
        let mut recorded = HashSet::with_capacity(items.len());
        for chunk in items.chunks(self.rows_per_statement(4)) {
            let values = tuples(chunk.len(), 4, 1, |first| {
                let mut tuple = String::from("(");
                for column in 0..4 {
                    // Writing to a String cannot fail.
                    let _ = write!(tuple, "${}, ", first + column);
                }
                tuple.push_str("$1)");
                tuple
            });
            let sql = format!(
                "INSERT INTO notice_items (domain, kind, occasion, notice, queued_at) \
                 VALUES {values} ON CONFLICT (domain, kind, occasion) DO NOTHING \
                 RETURNING domain, kind"
            );
            let mut query = sqlx::query(&sql).bind(at);
            for item in chunk {
                query = query
                    .bind(item.domain)
                    .bind(item.kind.as_str())
                    .bind(item.occasion)
                    .bind(to_i64(item.notice, "notice id")?);
            }
            for row in self.rows("recording notice items", query).await? {
                recorded.insert((get(&row, "domain")?, kind_of(&row)?));
            }
        }
        Ok(recorded)
    }

    /// Sets the names each notice lists.
    pub async fn set_notices_domains(
        &mut self,
        notices: &[(u64, Vec<NoticeDomain>)],
    ) -> Result<(), StoreError> {
        self.writing("set_notices_domains")?;
        for chunk in notices.chunks(self.rows_per_statement(2)) {
            let values = tuples(chunk.len(), 2, 0, |first| format!("(${first}, ${})", first + 1));
            // The columns of a VALUES list are column1, column2, … on both engines.
            let sql = format!(
                "UPDATE notices SET domains = v.column2 FROM (VALUES {values}) AS v \
                 WHERE notices.id = v.column1"
            );
            let mut query = sqlx::query(&sql);
            for (id, domains) in chunk {
                query =
                    query.bind(to_i64(*id, "notice id")?).bind(to_json(domains, "notice domains")?);
            }
            self.run("listing notices' names", query).await?;
        }
        Ok(())
    }

    /// Removes those of the notices that list no name (their names were all recorded by
    /// another run meanwhile).
    pub async fn delete_empty_notices(&mut self, ids: &[u64]) -> Result<(), StoreError> {
        self.writing("delete_empty_notices")?;
        for chunk in ids.chunks(self.rows_per_statement(1)) {
            let values = tuples(chunk.len(), 1, 0, |first| format!("${first}"));
            let sql = format!(
                "DELETE FROM notices WHERE id IN ({values}) AND NOT EXISTS \
                 (SELECT 1 FROM notice_items i WHERE i.notice = notices.id)"
            );
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(to_i64(*id, "notice id")?);
            }
            self.run("removing empty notices", query).await?;
        }
        Ok(())
    }
}

impl Tx {
    /// Queued notices that may be tried at `now`, oldest first, at most `page`.
    pub async fn notices_due(
        &mut self,
        now: OffsetDateTime,
        page: u32,
    ) -> Result<Vec<Notice>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM notices n WHERE n.state = 'queued' AND n.next_attempt_at <= $1 \
             ORDER BY n.next_attempt_at, n.id LIMIT $2"
        );
        let query = sqlx::query(&sql).bind(micros(now)?).bind(limit(page));
        self.rows("listing due notices", query).await?.iter().map(notice).collect()
    }

    /// The notice `id`, locked against other writers.
    pub async fn get_notice_for_update(&mut self, id: u64) -> Result<Option<Notice>, StoreError> {
        let sql =
            format!("SELECT {COLUMNS} FROM notices n WHERE n.id = $1{}", self.lock_clause(true));
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
            "SELECT {COLUMNS} FROM notices n WHERE n.id > $1 AND ($2 = '' OR n.address = $2) \
             ORDER BY n.id LIMIT $3"
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
