//! Registrant notices: queueing what is due (idempotently) and sending it through a
//! [`Mailer`], each delivery recorded in a transaction of its own.
//!
//! # Delivery guarantees
//!
//! A notice is marked sent in its own transaction right after the mail server accepted it
//! (the final `250` after `DATA`). A crash, or a database failure, between that reply and the
//! commit leaves it queued, and the next run sends it again: delivery is at least once, and
//! the window for a duplicate is that one step for one notice. A notice marked sent is never
//! sent again. Run one sender at a time: two senders over the same queue may both send a
//! notice that neither has marked yet.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration as StdDuration;

use time::{Duration, OffsetDateTime};

use super::{Registry, ServiceError};
use crate::continuity::notices::{
    DueNotice, Letterhead, Notice, NoticeDomain, NoticeKind, NoticeState, compose, due_notices,
    failure_occasion,
};
use crate::model::RegistrarState;
use crate::store::{StoreError, Tx};

/// Names read per page while planning.
const PAGE: u32 = 500;
/// Most unreachable names a queue report lists by name.
const MAX_UNREACHABLE_LISTED: usize = 100;

/// One e-mail to send.
#[derive(Clone, PartialEq, Eq)]
pub struct Mail {
    /// The recipient.
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub body: String,
}

impl std::fmt::Debug for Mail {
    // Bodies carry one-time codes; they stay out of logs and panics.
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Mail")
            .field("to", &self.to)
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

/// Why a mail was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    /// The server refused the recipient or the message for good (a 5xx reply): a bounce.
    #[error("rejected: {0}")]
    Rejected(String),
    /// Anything that may pass when tried again: a 4xx reply, a connection failure.
    #[error("{0}")]
    Failed(String),
}

/// The future a [`Mailer`] returns.
pub type MailFuture<'a> = Pin<Box<dyn Future<Output = Result<(), MailError>> + Send + 'a>>;

/// Something that hands mail to a mail server (SMTP in nameward-desk; a recorder in tests).
pub trait Mailer: Send + Sync {
    /// Sends `mail`; `Ok` once the server has accepted it.
    fn send<'a>(&'a self, mail: &'a Mail) -> MailFuture<'a>;
}

/// What a queue run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueReport {
    /// FAILED registrars looked at.
    pub registrars: u64,
    /// Names looked at.
    pub names: u64,
    /// Notices queued.
    pub notices: u64,
    /// Name-notices recorded (a notice lists one or more names).
    pub items: u64,
    /// Names that called for a notice but have no registrant address on record (at most
    /// 100 listed; `unreachable_count` counts them all).
    pub unreachable: Vec<String>,
    /// All names without an address.
    pub unreachable_count: u64,
}

/// How a send run behaves.
#[derive(Debug, Clone)]
pub struct SendOptions {
    /// Most notices per second (at least one notice per run is always allowed).
    pub rate_per_second: f64,
    /// Most notices to try in this run.
    pub limit: Option<u64>,
    /// Attempts after which a notice that keeps failing is given up (state failed).
    pub max_attempts: u32,
    /// How long a notice that failed waits before it is tried again.
    pub retry_after: Duration,
    /// Who writes, and where the desk is.
    pub letterhead: Letterhead,
}

impl SendOptions {
    /// Ten per second, no limit, five attempts an hour apart.
    pub fn new(letterhead: Letterhead) -> SendOptions {
        SendOptions {
            rate_per_second: 10.0,
            limit: None,
            max_attempts: 5,
            retry_after: Duration::hours(1),
            letterhead,
        }
    }
}

/// What a send run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SendReport {
    /// Accepted by the server and marked sent.
    pub sent: u64,
    /// Refused for good: marked bounced.
    pub bounced: u64,
    /// Failed again and given up: marked failed.
    pub failed: u64,
    /// Failed, to be tried again later.
    pub deferred: u64,
}

impl SendReport {
    /// Notices tried in all.
    pub fn tried(&self) -> u64 {
        self.sent + self.bounced + self.failed + self.deferred
    }
}

/// The address a registrant of a domain is written to, from its registrant contact.
///
/// This is the one place that decides it. Today it is the registry's contact e-mail; once
/// escrowed registrant data is on file (`Registry::escrow_registrant_email`), the escrowed
/// address is to be preferred here, since a failed registrar's own contact data is often
/// stale or belongs to its privacy service.
pub(super) async fn registrant_address(
    tx: &mut Tx,
    registrant: Option<&str>,
) -> Result<Option<String>, StoreError> {
    let Some(id) = registrant else { return Ok(None) };
    Ok(tx
        .get_contact(id)
        .await?
        .map(|contact| contact.email.trim().to_owned())
        .filter(|email| email.contains('@')))
}

type Groups = BTreeMap<(String, NoticeKind), Vec<(NoticeDomain, String)>>;

impl Registry {
    /// Queues every notice due at `now` for names of FAILED registrars: one per registrant
    /// address and kind, listing all their names that call for it. Idempotent: a name is
    /// noticed once per (kind, occasion), so running again — at the same or a later instant —
    /// queues only what fell due since.
    pub async fn queue_notices(&self, now: OffsetDateTime) -> Result<QueueReport, ServiceError> {
        let mut report = QueueReport::default();
        let groups = self.plan_notices(now, &mut report).await?;
        for ((address, kind), names) in groups {
            let listed = self
                .store()
                .transact(|tx| {
                    // A transaction body owns what it uses (it may run again on contention).
                    let (address, names) = (address.clone(), names.clone());
                    Box::pin(async move {
                        let id = tx.insert_notice(&address, kind, now).await?;
                        let mut listed = Vec::with_capacity(names.len());
                        for (domain, occasion) in &names {
                            if tx.insert_notice_item(&domain.name, kind, occasion, id, now).await? {
                                listed.push(domain.clone());
                            }
                        }
                        if listed.is_empty() {
                            tx.delete_empty_notice(id).await?;
                        } else {
                            tx.set_notice_domains(id, &listed).await?;
                        }
                        Ok(listed.len())
                    })
                })
                .await?;
            if listed > 0 {
                report.notices += 1;
                report.items += u64::try_from(listed).unwrap_or(u64::MAX);
            }
        }
        Ok(report)
    }

    /// Reads what is due, grouped by address and kind, in one snapshot.
    async fn plan_notices(
        &self,
        now: OffsetDateTime,
        report: &mut QueueReport,
    ) -> Result<Groups, ServiceError> {
        let mut tx = self.store().begin_read().await?;
        let outcome = plan(&mut tx, now, report).await;
        tx.rollback().await.ok();
        Ok(outcome?)
    }

    /// Sends the notices due at `now` through `mailer`, at most `options.rate_per_second`,
    /// each marked in a transaction of its own right after the server's answer (see the
    /// module documentation for what a crash can repeat).
    pub async fn send_notices(
        &self,
        mailer: &dyn Mailer,
        options: &SendOptions,
        now: OffsetDateTime,
    ) -> Result<SendReport, ServiceError> {
        let mut report = SendReport::default();
        let gap = if options.rate_per_second > 0.0 {
            StdDuration::try_from_secs_f64(1.0 / options.rate_per_second).unwrap_or_default()
        } else {
            StdDuration::ZERO
        };
        let mut last_send: Option<tokio::time::Instant> = None;
        loop {
            let left = options.limit.map(|limit| limit.saturating_sub(report.tried()));
            if left == Some(0) {
                return Ok(report);
            }
            let page = left.map_or(PAGE, |left| u32::try_from(left).unwrap_or(PAGE).min(PAGE));
            let mut tx = self.store().begin_read().await?;
            let due = tx.notices_due(now, page).await;
            tx.rollback().await.ok();
            let due = due?;
            if due.is_empty() {
                return Ok(report);
            }
            for notice in due {
                if let Some(at) = last_send {
                    tokio::time::sleep_until(at + gap).await;
                }
                last_send = Some(tokio::time::Instant::now());
                let letter = compose(notice.kind, &notice.domains, &options.letterhead);
                let mail =
                    Mail { to: notice.address.clone(), subject: letter.subject, body: letter.body };
                let outcome = mailer.send(&mail).await;
                let state = self.record_delivery(notice.id, outcome, options, now).await?;
                match state {
                    Some(NoticeState::Sent) => report.sent += 1,
                    Some(NoticeState::Bounced) => report.bounced += 1,
                    Some(NoticeState::Failed) => report.failed += 1,
                    Some(NoticeState::Queued) => report.deferred += 1,
                    None => {}
                }
                tracing::info!(
                    notice = notice.id,
                    kind = notice.kind.as_str(),
                    names = notice.domains.len(),
                    state = state.map_or("gone", NoticeState::as_str),
                    "notice delivery"
                );
            }
        }
    }

    /// Records one delivery's outcome; the notice's new state (`None` when it was no longer
    /// queued, having been handled meanwhile).
    async fn record_delivery(
        &self,
        id: u64,
        outcome: Result<(), MailError>,
        options: &SendOptions,
        now: OffsetDateTime,
    ) -> Result<Option<NoticeState>, ServiceError> {
        let (max_attempts, retry_after) = (options.max_attempts, options.retry_after);
        Ok(self
            .store()
            .transact(|tx| {
                let outcome = outcome.clone();
                Box::pin(async move {
                    let Some(mut notice) = tx.get_notice_for_update(id).await? else {
                        return Ok(None);
                    };
                    if notice.state != NoticeState::Queued {
                        return Ok(None);
                    }
                    notice.attempts = notice.attempts.saturating_add(1);
                    match outcome {
                        Ok(()) => {
                            notice.state = NoticeState::Sent;
                            notice.sent_at = Some(now);
                            notice.last_error = None;
                        }
                        Err(MailError::Rejected(reply)) => {
                            notice.state = NoticeState::Bounced;
                            notice.last_error = Some(reply);
                        }
                        Err(MailError::Failed(error)) => {
                            notice.last_error = Some(error);
                            if notice.attempts >= max_attempts {
                                notice.state = NoticeState::Failed;
                            } else {
                                notice.next_attempt_at = now + retry_after;
                            }
                        }
                    }
                    tx.update_notice_delivery(&notice).await?;
                    Ok(Some(notice.state))
                })
            })
            .await?)
    }

    /// Notices by id after `after`, at most `page`; only those to `address` if given.
    pub async fn notices(
        &self,
        address: Option<&str>,
        after: u64,
        page: u32,
    ) -> Result<Vec<Notice>, ServiceError> {
        let mut tx = self.store().begin_read().await?;
        let found = tx.notices(address, after, page).await;
        tx.rollback().await.ok();
        Ok(found?)
    }
}

async fn plan(
    tx: &mut Tx,
    now: OffsetDateTime,
    report: &mut QueueReport,
) -> Result<Groups, StoreError> {
    let mut groups = Groups::new();
    let mut addresses: HashMap<String, Option<String>> = HashMap::new();
    let failed: Vec<_> = tx
        .registrars()
        .await?
        .into_iter()
        .filter(|registrar| registrar.state == RegistrarState::Failed)
        .collect();
    for registrar in failed {
        report.registrars += 1;
        let occasion = failure_occasion(&registrar.id);
        let mut after: Option<String> = None;
        loop {
            let page = tx.sponsored_names(&registrar.id, after.as_deref(), PAGE).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.name.clone());
            for name in page {
                report.names += 1;
                let items = tx.noticed_items(&name.name).await?;
                let noticed_at = items
                    .iter()
                    .find(|item| {
                        item.kind == NoticeKind::Failure.as_str() && item.occasion == occasion
                    })
                    .map(|item| item.queued_at);
                let due: Vec<DueNotice> =
                    due_notices(&registrar.id, name.expires_at, noticed_at, now)
                        .into_iter()
                        .filter(|due| {
                            !items.iter().any(|item| {
                                item.kind == due.kind.as_str() && item.occasion == due.occasion
                            })
                        })
                        .collect();
                if due.is_empty() {
                    continue;
                }
                let address = match &name.registrant {
                    Some(id) => match addresses.get(id) {
                        Some(known) => known.clone(),
                        None => {
                            let found = registrant_address(tx, Some(id)).await?;
                            addresses.insert(id.clone(), found.clone());
                            found
                        }
                    },
                    None => None,
                };
                let Some(address) = address else {
                    report.unreachable_count += 1;
                    if report.unreachable.len() < MAX_UNREACHABLE_LISTED {
                        report.unreachable.push(name.name.clone());
                    }
                    continue;
                };
                let listed = NoticeDomain {
                    name: name.name.clone(),
                    expires_at: name.expires_at,
                    sponsor: registrar.id.clone(),
                    sponsor_name: registrar.name.clone(),
                };
                for due in due {
                    groups
                        .entry((address.to_ascii_lowercase(), due.kind))
                        .or_default()
                        .push((listed.clone(), due.occasion));
                }
            }
        }
    }
    Ok(groups)
}
