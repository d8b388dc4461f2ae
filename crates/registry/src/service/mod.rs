//! The registry service: each command as one store transaction around the lifecycle engine.
//!
//! Every mutating command follows the same steps: load what it changes with the store's
//! `*_for_update` reads, gather the facts the engine asks for (does this name exist, which of
//! these contacts exist, is this host linked), call the engine, then write the new state, book
//! the charges, queue the poll messages, append the history entry, bump the zone serial when
//! the published zone changes, log the transaction, and commit. A refusal or any error rolls
//! the whole transaction back, so nothing half-written is left behind; contention (a deadlock,
//! a serialization failure, SQLite busy) runs the command again from the start.

mod admin;
mod contact;
mod continuity;
mod continuity_dns;
mod desk;
mod domain;
mod error;
mod escrow;
mod host;
mod login;
mod notices;
mod rdap;
mod tick;
mod zone;

use std::future::Future;
use std::time::Duration;

use serde::Serialize;
use time::OffsetDateTime;

use crate::continuity::registrar::{self, Act};
use crate::lifecycle::{Ctx, Decision, OPERATOR, Refusal};
use crate::model::{HistoryEntry, ObjectKind};
use crate::policy::Policy;
use crate::store::{Store, StoreError, TransactionRecord, Tx};

pub use admin::NewRegistrar;
pub use contact::ContactView;
pub use continuity::{
    Accreditation, BulkReport, BulkTransfer, ContinuityStatus, DEFAULT_BATCH, Declared,
    StandingCounts,
};
pub use continuity_dns::{ContinuityZone, SwitchedDelegation};
pub use desk::{
    CaseView, CodeSent, DeskError, DeskOptions, Gaining, IssuedCode, NameView, NewCase, Visitor,
};
pub use domain::{DomainView, TransferOp};
pub use error::ServiceError;
pub use escrow::{
    Claims, EmailDifference, EscrowImport, EscrowRefusal, Reconciliation, UnsponsoredName,
};
pub use login::{DEFAULT_PASSWORD_WORKERS, PasswordWork, refusal_before_password};
pub use notices::{
    Mail, MailError, MailFuture, Mailer, QueueOptions, QueueReport, SendOptions, SendReport,
};
pub use rdap::{DomainRecord, DomainSearch, HostRecord, HostSearch, RegistrarRecord};
pub use tick::{DueReport, TickReport};
pub use zone::ZoneDelta;

/// How many times a command meeting contention runs before the error is returned.
const ATTEMPTS: u32 = 5;

/// Who runs a command, when, and under which client transaction id.
#[derive(Debug, Clone, Copy)]
pub struct Meta<'a> {
    /// The registrar id, or [`OPERATOR`] for the registry operator.
    pub actor: &'a str,
    /// The client's transaction id, if it sent one.
    pub cl_trid: Option<&'a str>,
    /// The instant the command takes effect.
    pub now: OffsetDateTime,
}

impl<'a> Meta<'a> {
    /// The registry operator acting at `now`.
    pub fn operator(now: OffsetDateTime) -> Meta<'static> {
        Meta { actor: OPERATOR, cl_trid: None, now }
    }
}

/// What a command returns along with its result: the server transaction id it ran under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Done<T> {
    /// The command's result.
    pub value: T,
    /// The server transaction id (`svTRID`).
    pub sv_trid: String,
}

/// The availability of one name or id (`<check>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Availability {
    /// The name or id asked about, as asked.
    pub name: String,
    /// Whether it can be created now.
    pub available: bool,
    /// Why not, when not.
    pub reason: Option<String>,
}

impl Availability {
    /// The answer for `name`: available exactly when there is no reason against it.
    pub fn new(name: &str, reason: Option<String>) -> Availability {
        Availability { name: name.to_owned(), available: reason.is_none(), reason }
    }
}

/// An object a command names, or the 2303 refusal that says which one is missing.
fn must_exist<T>(found: Option<T>, kind: &str, id: &str) -> Result<T, ServiceError> {
    found.ok_or_else(|| {
        ServiceError::Refused(crate::lifecycle::Refusal::ObjectDoesNotExist {
            object: format!("{kind} {id}"),
            reason: String::new(),
        })
    })
}

/// The registry: commands over a [`Store`].
#[derive(Debug, Clone)]
pub struct Registry {
    store: Store,
    passwords: PasswordWork,
}

impl Registry {
    /// A registry over `store`.
    pub fn new(store: Store) -> Registry {
        Registry { store, passwords: PasswordWork::default() }
    }

    /// Opens (creating and migrating) the store at `url` (`sqlite:PATH` or `postgres://…`).
    pub async fn open(url: &str) -> Result<Registry, ServiceError> {
        Ok(Registry::new(Store::open(url).await?))
    }

    /// The store underneath.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Logs a command that changed nothing — refused by the registry (its own transaction
    /// rolled back), refused by the EPP session before it got here, or a login — in a
    /// transaction of its own, and returns the server transaction id to answer with.
    pub async fn log_command(
        &self,
        meta: &Meta<'_>,
        command: &str,
        code: u16,
    ) -> Result<String, ServiceError> {
        let sv_trid = self.store.next_sv_trid();
        let mut attempt = 1;
        loop {
            let mut tx = self.store.begin().await?;
            let outcome = match log_transaction(&mut tx, meta, command, &sv_trid, code).await {
                Ok(()) => tx.commit().await,
                Err(error) => {
                    tx.rollback().await.ok();
                    Err(error)
                }
            };
            match outcome {
                Ok(()) => return Ok(sv_trid),
                Err(error) if error.is_retryable() && attempt < ATTEMPTS => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(u64::from(attempt) * 5)).await;
                }
                Err(error) => return Err(error.into()),
            }
        }
    }

    /// Runs `body` in a write transaction, again from the start on contention, and commits.
    async fn write<T, F, Fut>(
        &self,
        meta: &Meta<'_>,
        command: &str,
        body: F,
    ) -> Result<Done<T>, ServiceError>
    where
        F: FnMut(Tx, String) -> Fut,
        Fut: Future<Output = (Tx, Result<T, ServiceError>)>,
    {
        self.write_coded(meta, command, Act::Change, |_| 1000, body).await
    }

    /// [`Registry::write`] for a command that is `act` for a registrar's standing (see
    /// [`Act`]; [`Registry::write`] is [`Act::Change`]) and whose success code depends on its
    /// result (1001 for an action left pending), so that the transaction log says what the
    /// client was told.
    ///
    /// A change by a registrar that is no longer ACTIVE (from a session it opened before) is
    /// refused with 2304 and rolled back. The check rides in the command's log line, written
    /// in its own transaction, so it costs no extra statement; only a refusal reads the
    /// registrar to say why.
    async fn write_coded<T, F, Fut>(
        &self,
        meta: &Meta<'_>,
        command: &str,
        act: Act,
        code_of: impl Fn(&T) -> u16,
        mut body: F,
    ) -> Result<Done<T>, ServiceError>
    where
        F: FnMut(Tx, String) -> Fut,
        Fut: Future<Output = (Tx, Result<T, ServiceError>)>,
    {
        let mut attempt = 1;
        loop {
            let sv_trid = self.store.next_sv_trid();
            let tx = self.store.begin().await?;
            let (mut tx, outcome) = body(tx, sv_trid.clone()).await;
            let outcome = match outcome {
                Ok(value) => {
                    let record = transaction_record(meta, command, &sv_trid, code_of(&value));
                    let logged = if meta.actor != OPERATOR && act.needs_active() {
                        tx.record_transaction_while_active(&record).await
                    } else {
                        tx.record_transaction(&record).await.map(|()| true)
                    };
                    match logged {
                        Ok(true) => tx.commit().await.map(|()| value).map_err(ServiceError::from),
                        Ok(false) => {
                            let refusal = standing_refusal(&mut tx, meta.actor, act).await;
                            tx.rollback().await.ok();
                            Err(refusal)
                        }
                        Err(error) => {
                            tx.rollback().await.ok();
                            Err(error.into())
                        }
                    }
                }
                Err(error) => {
                    let retry = error.is_retryable() || tx.failed_retryably();
                    tx.rollback().await.ok();
                    if retry && attempt < ATTEMPTS {
                        attempt += 1;
                        tokio::time::sleep(Duration::from_millis(u64::from(attempt) * 5)).await;
                        continue;
                    }
                    Err(error)
                }
            };
            match outcome {
                Err(error) if error.is_retryable() && attempt < ATTEMPTS => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(u64::from(attempt) * 5)).await;
                }
                Ok(value) => return Ok(Done { value, sv_trid }),
                Err(error) => return Err(error),
            }
        }
    }

    /// Runs `body` over a read-only snapshot.
    async fn read<T, F, Fut>(&self, body: F) -> Result<T, ServiceError>
    where
        F: FnOnce(Tx) -> Fut,
        Fut: Future<Output = (Tx, Result<T, ServiceError>)>,
    {
        let tx = self.store.begin_read().await?;
        let (tx, outcome) = body(tx).await;
        tx.rollback().await.ok();
        outcome
    }
}

async fn log_transaction(
    tx: &mut Tx,
    meta: &Meta<'_>,
    command: &str,
    sv_trid: &str,
    code: u16,
) -> Result<(), StoreError> {
    tx.record_transaction(&transaction_record(meta, command, sv_trid, code)).await
}

fn transaction_record(
    meta: &Meta<'_>,
    command: &str,
    sv_trid: &str,
    code: u16,
) -> TransactionRecord {
    TransactionRecord {
        sv_trid: sv_trid.to_owned(),
        registrar: meta.actor.to_owned(),
        cl_trid: meta.cl_trid.map(str::to_owned),
        command: command.to_owned(),
        result_code: code,
        at: meta.now,
    }
}

/// Why `actor` may not do `act`: its standing, read once the log line refused the command.
async fn standing_refusal(tx: &mut Tx, actor: &str, act: Act) -> ServiceError {
    let refusal = match tx.get_registrar(actor).await {
        Ok(Some(registrar)) => registrar::check_may_act(&registrar.id, registrar.state, act).err(),
        Ok(None) => None,
        Err(error) => return error.into(),
    };
    ServiceError::Refused(refusal.unwrap_or_else(|| Refusal::StatusProhibits {
        object: format!("registrar {actor}"),
        reason: "is no longer ACTIVE".to_owned(),
    }))
}

/// The TLD `name` lies in, lower-case (the last label; the name itself if it has one label).
fn tld_of(name: &str) -> String {
    name.trim_end_matches('.').rsplit('.').next().unwrap_or_default().to_ascii_lowercase()
}

/// The policy of the TLD `name` lies in.
async fn policy_for(tx: &mut Tx, name: &str) -> Result<Policy, ServiceError> {
    let tld = tld_of(name);
    match tx.tld(&tld).await? {
        Some(policy) => Ok(policy),
        None => Err(ServiceError::UnknownTld(tld)),
    }
}

/// The policy for objects that belong to no TLD (contacts, hosts outside our TLDs): the first
/// TLD's, since those commands use only its name rules.
async fn default_policy(tx: &mut Tx) -> Result<Policy, ServiceError> {
    tx.tlds().await?.into_iter().next().ok_or_else(|| ServiceError::UnknownTld(String::new()))
}

fn ctx<'a>(policy: &'a Policy, meta: &Meta<'a>) -> Ctx<'a> {
    Ctx { policy, now: meta.now, actor: meta.actor }
}

fn json<T: Serialize>(value: &T) -> Option<serde_json::Value> {
    serde_json::to_value(value).ok()
}

/// Books a decision's charges, queues its poll messages and records its history entry.
async fn settle<T>(
    tx: &mut Tx,
    meta: &Meta<'_>,
    sv_trid: &str,
    object: (ObjectKind, &str),
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
    decision: &Decision<T>,
) -> Result<(), ServiceError> {
    for charge in &decision.charges {
        tx.book(charge).await?;
    }
    for message in &decision.poll {
        tx.enqueue(message).await?;
    }
    tx.record(&HistoryEntry {
        at: meta.now,
        actor: meta.actor.to_owned(),
        cl_trid: meta.cl_trid.map(str::to_owned),
        sv_trid: sv_trid.to_owned(),
        object: object.0,
        object_id: object.1.to_owned(),
        action: decision.action.to_owned(),
        reason: decision.note.clone(),
        before,
        after,
    })
    .await?;
    Ok(())
}

/// Runs an async body that needs `&mut Tx` and hands the transaction back with its outcome,
/// the shape [`Registry::write`] and [`Registry::read`] take.
macro_rules! with_tx {
    ($tx:ident, $body:expr) => {{
        let mut $tx = $tx;
        let outcome = async { $body }.await;
        ($tx, outcome)
    }};
}
pub(crate) use with_tx;
