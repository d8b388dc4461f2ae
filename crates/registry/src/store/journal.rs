//! History, the poll queue, the transaction log and ROID numbers.

use sqlx::any::AnyRow;

use super::codec::{get, get_instant, get_json, get_u64, micros, to_i64, to_json};
use super::error::StoreError;
use super::tx::{Tx, conflict};
use crate::model::{HistoryEntry, ObjectKind, PollMessage};

fn object_kind(text: &str) -> Option<ObjectKind> {
    [ObjectKind::Domain, ObjectKind::Host, ObjectKind::Contact, ObjectKind::Registrar]
        .into_iter()
        .find(|kind| kind.as_str() == text)
}

fn history_entry(row: &AnyRow) -> Result<HistoryEntry, StoreError> {
    let kind: String = get(row, "object_kind")?;
    let document = |name: &str| -> Result<Option<serde_json::Value>, StoreError> {
        get::<Option<String>>(row, name)?
            .map(|text| super::codec::from_json(&text, name))
            .transpose()
    };
    Ok(HistoryEntry {
        at: get_instant(row, "at")?,
        actor: get(row, "actor")?,
        cl_trid: get(row, "cl_trid")?,
        sv_trid: get(row, "sv_trid")?,
        object: object_kind(&kind).ok_or_else(|| StoreError::Corrupt {
            what: "history.object_kind".to_owned(),
            detail: format!("unknown kind {kind:?}"),
        })?,
        object_id: get(row, "object_id")?,
        action: get(row, "action")?,
        reason: get(row, "reason")?,
        before: document("before_doc")?,
        after: document("after_doc")?,
    })
}

/// The oldest message in a registrar's poll queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollHead {
    /// How many messages are queued, this one included.
    pub count: u64,
    /// Its id (what the registrar acks).
    pub id: u64,
    /// The message.
    pub message: PollMessage,
}

/// One command in the transaction log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionRecord {
    /// The server transaction id.
    pub sv_trid: String,
    /// The registrar that sent it (as it logged in, or tried to).
    pub registrar: String,
    /// The client transaction id, if the client sent one.
    pub cl_trid: Option<String>,
    /// The command (`domain:create`, `login`, ...).
    pub command: String,
    /// The EPP result code answered.
    pub result_code: u16,
    /// When.
    pub at: time::OffsetDateTime,
}

impl Tx {
    /// Appends an entry to the history; its position in the history.
    pub async fn record(&mut self, entry: &HistoryEntry) -> Result<u64, StoreError> {
        self.writing("record")?;
        let what = format!("history of {} {}", entry.object.as_str(), entry.object_id);
        let before = entry.before.as_ref().map(|value| to_json(value, &what)).transpose()?;
        let after = entry.after.as_ref().map(|value| to_json(value, &what)).transpose()?;
        let query = sqlx::query(
            "INSERT INTO history (at, actor, cl_trid, sv_trid, object_kind, object_id, action, \
             reason, before_doc, after_doc) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             RETURNING id",
        )
        .bind(micros(entry.at)?)
        .bind(entry.actor.as_str())
        .bind(entry.cl_trid.as_deref())
        .bind(entry.sv_trid.as_str())
        .bind(entry.object.as_str())
        .bind(entry.object_id.as_str())
        .bind(entry.action.as_str())
        .bind(entry.reason.as_deref())
        .bind(before)
        .bind(after);
        get_u64(&self.one("recording history", query).await?, "id")
    }

    /// The history of one object, oldest first.
    pub async fn history(
        &mut self,
        object: ObjectKind,
        id: &str,
    ) -> Result<Vec<HistoryEntry>, StoreError> {
        let query = sqlx::query(
            "SELECT at, actor, cl_trid, sv_trid, object_kind, object_id, action, reason, \
             before_doc, after_doc FROM history WHERE object_kind = $1 AND object_id = $2 \
             ORDER BY id",
        )
        .bind(object.as_str())
        .bind(id);
        self.rows("reading history", query).await?.iter().map(history_entry).collect()
    }

    /// Queues a message for `message.registrar`; its id. Ids grow in queue order and are
    /// never reused.
    pub async fn enqueue(&mut self, message: &PollMessage) -> Result<u64, StoreError> {
        self.writing("enqueue")?;
        let query = sqlx::query(
            "INSERT INTO poll_messages (registrar, at, summary, body) VALUES ($1, $2, $3, $4) \
             RETURNING id",
        )
        .bind(message.registrar.as_str())
        .bind(micros(message.at)?)
        .bind(message.text.as_str())
        .bind(to_json(&message.body, "poll message")?);
        let row = self
            .one("queuing a poll message", query)
            .await
            .map_err(|error| conflict(error, "poll message for registrar", &message.registrar))?;
        get_u64(&row, "id")
    }

    /// The oldest message queued for `registrar`, with the queue's length.
    pub async fn poll_head(&mut self, registrar: &str) -> Result<Option<PollHead>, StoreError> {
        let query = sqlx::query(
            "SELECT id, registrar, at, summary, body FROM poll_messages WHERE registrar = $1 \
             ORDER BY id LIMIT 1",
        )
        .bind(registrar);
        let Some(row) = self.row("reading the poll queue", query).await? else {
            return Ok(None);
        };
        let message = PollMessage {
            registrar: get(&row, "registrar")?,
            at: get_instant(&row, "at")?,
            text: get(&row, "summary")?,
            body: get_json(&row, "body")?,
        };
        let id = get_u64(&row, "id")?;
        let count = self.queued(registrar).await?;
        Ok(Some(PollHead { count, id, message }))
    }

    /// Removes message `id` from `registrar`'s queue; how many remain.
    /// [`StoreError::NoSuchMessage`] if it is not in that registrar's queue.
    pub async fn ack(&mut self, registrar: &str, id: u64) -> Result<u64, StoreError> {
        self.writing("ack")?;
        let query =
            sqlx::query("DELETE FROM poll_messages WHERE id = $1 AND registrar = $2")
                .bind(to_i64(id, "poll message id").map_err(|_| StoreError::NoSuchMessage {
                    registrar: registrar.to_owned(),
                    id,
                })?)
                .bind(registrar);
        if self.run("acking a poll message", query).await? == 0 {
            return Err(StoreError::NoSuchMessage { registrar: registrar.to_owned(), id });
        }
        self.queued(registrar).await
    }

    async fn queued(&mut self, registrar: &str) -> Result<u64, StoreError> {
        let query = sqlx::query("SELECT COUNT(*) AS n FROM poll_messages WHERE registrar = $1")
            .bind(registrar);
        get_u64(&self.one("counting the poll queue", query).await?, "n")
    }

    /// Logs a command and its result. A command that failed rolls its own transaction back,
    /// so its log line goes in a transaction of its own.
    pub async fn record_transaction(
        &mut self,
        record: &TransactionRecord,
    ) -> Result<(), StoreError> {
        self.log_command(record, false).await.map(|_| ())
    }

    /// Logs a command unless its registrar is known and not ACTIVE; whether it was logged.
    /// The standing check rides in the log line every command writes anyway, so it costs no
    /// statement of its own; when it fails the caller rolls the command back. A concurrent
    /// change of standing orders itself before or after the command, as it commits.
    pub async fn record_transaction_while_active(
        &mut self,
        record: &TransactionRecord,
    ) -> Result<bool, StoreError> {
        self.log_command(record, true).await.map(|logged| logged == 1)
    }

    async fn log_command(
        &mut self,
        record: &TransactionRecord,
        while_active: bool,
    ) -> Result<u64, StoreError> {
        self.writing("record_transaction")?;
        let sql = if while_active {
            "INSERT INTO transactions (sv_trid, registrar, cl_trid, command, result_code, at) \
             SELECT $1, $2, $3, $4, $5, $6 WHERE NOT EXISTS \
             (SELECT 1 FROM registrars WHERE id = $2 AND state <> $7)"
        } else {
            "INSERT INTO transactions (sv_trid, registrar, cl_trid, command, result_code, at) \
             VALUES ($1, $2, $3, $4, $5, $6)"
        };
        let mut query = sqlx::query(sql)
            .bind(record.sv_trid.as_str())
            .bind(record.registrar.as_str())
            .bind(record.cl_trid.as_deref())
            .bind(record.command.as_str())
            .bind(i64::from(record.result_code))
            .bind(micros(record.at)?);
        if while_active {
            query = query.bind(crate::model::RegistrarState::Active.as_str());
        }
        self.run("logging a transaction", query)
            .await
            .map_err(|error| conflict(error, "transaction", &record.sv_trid))
    }

    /// The logged command `registrar` sent with `cl_trid`, if any (the latest, should a client
    /// have reused one): how a replayed command is recognised.
    pub async fn seen_cl_trid(
        &mut self,
        registrar: &str,
        cl_trid: &str,
    ) -> Result<Option<TransactionRecord>, StoreError> {
        let query = sqlx::query(
            "SELECT sv_trid, registrar, cl_trid, command, result_code, at FROM transactions \
             WHERE registrar = $1 AND cl_trid = $2 ORDER BY at DESC LIMIT 1",
        )
        .bind(registrar)
        .bind(cl_trid);
        let Some(row) = self.row("looking up a clTRID", query).await? else {
            return Ok(None);
        };
        let code: i64 = get(&row, "result_code")?;
        Ok(Some(TransactionRecord {
            sv_trid: get(&row, "sv_trid")?,
            registrar: get(&row, "registrar")?,
            cl_trid: get(&row, "cl_trid")?,
            command: get(&row, "command")?,
            result_code: u16::try_from(code).map_err(|_| StoreError::Corrupt {
                what: "transactions.result_code".to_owned(),
                detail: format!("{code}"),
            })?,
            at: get_instant(&row, "at")?,
        }))
    }

    /// A number for the ROID of a new object of `kind`, never handed out before (numbers are
    /// unique across kinds; a number drawn in a transaction that rolls back may come again,
    /// with nothing ever having used it).
    pub async fn next_roid_number(&mut self, kind: ObjectKind) -> Result<u64, StoreError> {
        self.writing("next_roid_number")?;
        let draw = sqlx::query("INSERT INTO roid_tickets (kind) VALUES ($1) RETURNING id")
            .bind(kind.as_str());
        let id: i64 = get(&self.one("drawing a ROID number", draw).await?, "id")?;
        let clear = sqlx::query("DELETE FROM roid_tickets WHERE id = $1").bind(id);
        self.run("drawing a ROID number", clear).await?;
        u64::try_from(id).map_err(|_| StoreError::Corrupt {
            what: "roid_tickets.id".to_owned(),
            detail: format!("{id}"),
        })
    }
}
