//! Registrant notices: queueing what is due (idempotently) and sending it through a
//! [`Mailer`], each delivery recorded in a transaction of its own.
//!
//! # Delivery guarantees
//!
//! A notice is marked sent in its own transaction right after the mail server accepted it
//! (the final `250` after `DATA`). A crash, or a database failure, between that reply and the
//! commit leaves it queued, and the next run sends it again: delivery is at least once, and
//! the window for a duplicate is that one step for one notice. Every attempt carries the same
//! Message-ID ([`Mail::message_id`]), so a duplicate is recognisably the same message to the
//! mail systems that deduplicate by it. A notice marked sent is never sent again. Run one sender at a time: two senders over the same queue may both send a
//! notice that neither has marked yet.
//!
//! # Queueing at the scale of a failed registrar
//!
//! A failed registrar may leave two million names, and one address may hold thousands of them
//! (a privacy service's address, hundreds of thousands). Each address gets one notice of a kind
//! covering all its names, while a run holds in memory no more than a page of names and the
//! names each notice it is writing lists (at most [`MAX_LISTED`]) — never the portfolio.
//!
//! Grouping by address across pages needs an address's names together. A run therefore first
//! fills a work list in the database (`notice_plan`): one `INSERT … SELECT` per chunk of a
//! failed sponsor's names puts each name there with its holder's address, computed in SQL
//! (the same expression the desk uses, see
//! [`Tx::holder_address`](crate::store::Tx::holder_address)), keyed by (address, name). It
//! then walks the list in that order, a keyset page at a time, so that each page is a range of
//! an index. We chose this over streaming one query ordered by the computed address, which
//! would hold a read transaction (and, on SQLite, a second connection) open for the whole run
//! and sort the portfolio again on every resumption. The list costs one more write per name.
//! Only names that may call for a notice go on it — those without their failure notice, and
//! those whose expiry a reminder may concern — so a run after all is noticed reads little.
//!
//! Each write transaction takes a batch of names and then the rest of its last address's
//! names, so a notice is created, filled and listed by one transaction. A run killed midway
//! leaves only whole notices; the next run makes its work list afresh, finds those names
//! noticed (by `notice_items`' key) and queues the rest: every name is noticed once and no
//! notice is empty. An address with very many names makes one long transaction (on SQLite,
//! other writers wait for it). Run one queue at a time: two runs share the work list, and
//! while each item is still recorded once, by its key, one run may end early and an address's
//! names may be split over two notices.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration as StdDuration;

use time::{Duration, OffsetDateTime};

use super::{Registry, ServiceError};
use crate::continuity::notices::{
    Letterhead, MAX_LISTED, Notice, NoticeDomain, NoticeKind, NoticeState, compose_notice,
    due_notices, failure_occasion,
};
use crate::model::RegistrarState;
use crate::store::{NewNoticeItem, NoticedItem, PlanKey, PlannedName, StoreError, Tx};

/// Notices read per page while sending.
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
    /// The same in HTML, sent as the alternative part when present.
    pub html: Option<String>,
    /// The local part of the Message-ID to send on every attempt, so that a mail sent again
    /// (after a crash between the server's acceptance and its recording) is recognisably the
    /// same message (RFC 5322 §3.6.4); `None` for a fresh one.
    pub message_id: Option<String>,
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

/// How a queue run walks its work list (see the module documentation).
/// [`Registry::queue_notices`] runs with the default; the knobs are for tests (small pages, a
/// run cut short) and tuning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueOptions {
    /// Names read per page. With the names listed by the notices being written, this bounds
    /// what a run holds in memory.
    pub page: u32,
    /// Names per write transaction, at least: a transaction goes on to the last name of the
    /// address it ends on, so that each notice is written whole by one transaction.
    pub batch: u32,
    /// Names put on the work list per transaction.
    pub stage: u32,
    /// Stop after this many write transactions over the work list, leaving the list and the
    /// rest of the names as a run killed at that point would; `None` runs to the end.
    pub stop_after: Option<u32>,
}

impl Default for QueueOptions {
    /// Pages of 1000 names, transactions of 10,000, the work list filled 50,000 at a time.
    fn default() -> QueueOptions {
        QueueOptions { page: 1000, batch: 10_000, stage: 50_000, stop_after: None }
    }
}

impl QueueReport {
    fn add(&mut self, other: QueueReport) {
        self.names += other.names;
        self.notices += other.notices;
        self.items += other.items;
        self.unreachable_count += other.unreachable_count;
        let room = MAX_UNREACHABLE_LISTED.saturating_sub(self.unreachable.len());
        self.unreachable.extend(other.unreachable.into_iter().take(room));
    }

    fn unreachable(&mut self, name: &str) {
        self.unreachable_count += 1;
        if self.unreachable.len() < MAX_UNREACHABLE_LISTED {
            self.unreachable.push(name.to_owned());
        }
    }
}

impl Registry {
    /// Queues every notice due at `now` for names of FAILED registrars: one per registrant
    /// address and kind, listing all their names that call for it. Idempotent: a name is
    /// noticed once per (kind, occasion), so running again — at the same or a later instant —
    /// queues only what fell due since. Memory stays bounded by a page, whatever the size of
    /// the portfolio (see the module documentation).
    pub async fn queue_notices(&self, now: OffsetDateTime) -> Result<QueueReport, ServiceError> {
        self.queue_notices_with(now, &QueueOptions::default()).await
    }

    /// [`Registry::queue_notices`] with the work list walked as `options` say.
    pub async fn queue_notices_with(
        &self,
        now: OffsetDateTime,
        options: &QueueOptions,
    ) -> Result<QueueReport, ServiceError> {
        let options = *options;
        let mut report = QueueReport::default();
        let failed = self.failed_registrars().await?;
        report.registrars = u64::try_from(failed.len()).unwrap_or(u64::MAX);
        // What a run killed midway left is of no use: this run makes its own list.
        self.store().transact(|tx| Box::pin(async move { tx.clear_notice_plan().await })).await?;
        if failed.is_empty() {
            return Ok(report);
        }
        for sponsor in &failed {
            let mut after = String::new();
            loop {
                let upto = self
                    .store()
                    .transact(|tx| {
                        let (sponsor, after) = (sponsor.clone(), after.clone());
                        Box::pin(async move {
                            let upto =
                                tx.sponsored_name_after(&sponsor, &after, options.stage).await?;
                            if let Some(upto) = &upto {
                                tx.plan_notices(&sponsor, &after, upto, now).await?;
                            }
                            Ok(upto)
                        })
                    })
                    .await?;
                let Some(upto) = upto else { break };
                after = upto;
            }
        }
        self.store().transact(|tx| Box::pin(async move { tx.analyze_notice_plan().await })).await?;
        let mut cursor = PlanKey::default();
        let mut transactions = 0;
        loop {
            if options.stop_after.is_some_and(|stop| transactions >= stop) {
                return Ok(report);
            }
            let step = self
                .store()
                .transact(|tx| {
                    let cursor = cursor.clone();
                    Box::pin(async move { walk(tx, cursor, now, options).await })
                })
                .await?;
            transactions += 1;
            report.add(step.report);
            let Some(next) = step.next else { break };
            cursor = next;
        }
        self.store().transact(|tx| Box::pin(async move { tx.clear_notice_plan().await })).await?;
        Ok(report)
    }

    /// The ids of the FAILED registrars.
    async fn failed_registrars(&self) -> Result<Vec<String>, ServiceError> {
        let mut tx = self.store().begin_read().await?;
        let registrars = tx.registrars().await;
        tx.rollback().await.ok();
        Ok(registrars?
            .into_iter()
            .filter(|registrar| registrar.state == RegistrarState::Failed)
            .map(|registrar| registrar.id)
            .collect())
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
                let letter = compose_notice(&notice, &options.letterhead);
                let mail = Mail {
                    to: notice.address.clone(),
                    subject: letter.subject,
                    body: letter.body,
                    html: Some(letter.html),
                    message_id: Some(notice_message_id(&notice)),
                };
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
                    names = notice.names,
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

/// The Message-ID local part of a notice: its id and when it was queued, the same on every
/// attempt and different for every notice of this registry.
fn notice_message_id(notice: &Notice) -> String {
    format!("notice-{}-{}", notice.id, notice.created_at.unix_timestamp())
}

/// What one write transaction over the work list did, and where the next one starts.
struct Step {
    /// The position to go on from, `None` at the end of the list.
    next: Option<PlanKey>,
    /// Its share of the run's report.
    report: QueueReport,
}

/// A notice being written: its id, how many names it records, and the first of them by name.
struct Open {
    id: u64,
    names: u64,
    listed: Vec<NoticeDomain>,
}

/// The notices being written, by (address, kind).
type Opened = BTreeMap<(String, NoticeKind), Open>;

/// A notice one name calls for.
struct Wanted<'a> {
    address: &'a str,
    kind: NoticeKind,
    occasion: String,
    domain: &'a NoticeDomain,
}

/// One write transaction's share of the work list: pages from `cursor` until `batch` names
/// were looked at, then the rest of the last address's names; every notice it opens it
/// finishes, so each is whole when committed.
async fn walk(
    tx: &mut Tx,
    mut cursor: PlanKey,
    now: OffsetDateTime,
    options: QueueOptions,
) -> Result<Step, StoreError> {
    let mut report = QueueReport::default();
    let mut opened = Opened::new();
    let mut seen: u64 = 0;
    let mut draining = false;
    loop {
        let page = tx.notice_plan_page(&cursor, draining, options.page.max(1)).await?;
        let Some(last) = page.last else {
            finish(tx, &mut opened, None, &mut report).await?;
            return Ok(Step { next: draining.then_some(cursor), report });
        };
        let names: Vec<&str> = page.names.iter().map(|name| name.key.domain.as_str()).collect();
        let noticed = tx.noticed_items(&names).await?;
        let wanted = wanted(&page.names, &noticed, now, &mut report);
        record(tx, &wanted, &mut opened, now).await?;
        // The list is in address order: every address before the page's last is complete.
        finish(tx, &mut opened, Some(&last.address), &mut report).await?;
        seen = seen.saturating_add(u64::try_from(page.names.len()).unwrap_or(u64::MAX).max(1));
        cursor = last;
        draining = draining || seen >= u64::from(options.batch);
    }
}

/// The notices the names of `page` call for at `now`, given what was `noticed` of them; names
/// without an address are counted as unreachable instead.
fn wanted<'a>(
    page: &'a [PlannedName],
    noticed: &[NoticedItem],
    now: OffsetDateTime,
    report: &mut QueueReport,
) -> Vec<Wanted<'a>> {
    let mut by_domain: HashMap<&str, Vec<&NoticedItem>> = HashMap::new();
    for item in noticed {
        by_domain.entry(item.domain.as_str()).or_default().push(item);
    }
    let mut wanted = Vec::new();
    for name in page {
        report.names += 1;
        let domain = &name.domain;
        let items = by_domain.get(domain.name.as_str()).map(Vec::as_slice).unwrap_or_default();
        let occasion = failure_occasion(&domain.sponsor);
        let noticed_at = items
            .iter()
            .find(|item| item.kind == NoticeKind::Failure.as_str() && item.occasion == occasion)
            .map(|item| item.queued_at);
        let mut due = due_notices(
            &domain.sponsor,
            domain.expires_at,
            noticed_at,
            name.renewed_on_credit_at,
            now,
        )
        .into_iter()
        .filter(|due| {
            !items
                .iter()
                .any(|item| item.kind == due.kind.as_str() && item.occasion == due.occasion)
        })
        .peekable();
        if due.peek().is_none() {
            continue;
        }
        let Some(address) = name.address() else {
            report.unreachable(&domain.name);
            continue;
        };
        wanted.extend(due.map(|due| Wanted {
            address,
            kind: due.kind,
            occasion: due.occasion,
            domain,
        }));
    }
    wanted
}

/// Records the `wanted` items, opening the notices they need, and adds those recorded (the
/// others were recorded by another run meanwhile) to their notices.
async fn record(
    tx: &mut Tx,
    wanted: &[Wanted<'_>],
    opened: &mut Opened,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    let new: BTreeSet<(String, NoticeKind)> = wanted
        .iter()
        .map(|want| (want.address.to_owned(), want.kind))
        .filter(|key| !opened.contains_key(key))
        .collect();
    if !new.is_empty() {
        let new: Vec<_> = new.into_iter().collect();
        for (id, address, kind) in tx.insert_notices(&new, now).await? {
            opened.insert((address, kind), Open { id, names: 0, listed: Vec::new() });
        }
    }
    let mut items = Vec::with_capacity(wanted.len());
    for want in wanted {
        let Some(open) = opened.get(&(want.address.to_owned(), want.kind)) else {
            return Err(StoreError::Corrupt {
                what: "notices".to_owned(),
                detail: format!("no {} notice was opened for {}", want.kind.as_str(), want.address),
            });
        };
        items.push(NewNoticeItem {
            domain: &want.domain.name,
            kind: want.kind,
            occasion: &want.occasion,
            notice: open.id,
        });
    }
    let recorded = tx.insert_notice_items(&items, now).await?;
    // In page order, so that a notice lists its names in name order.
    for want in wanted {
        if !recorded.contains(&(want.domain.name.clone(), want.kind)) {
            continue;
        }
        if let Some(open) = opened.get_mut(&(want.address.to_owned(), want.kind)) {
            open.names += 1;
            if open.listed.len() < MAX_LISTED {
                open.listed.push(want.domain.clone());
            }
        }
    }
    Ok(())
}

/// Finishes the notices of every address but `keep`: lists their names, or removes those that
/// ended up with none.
async fn finish(
    tx: &mut Tx,
    opened: &mut Opened,
    keep: Option<&str>,
    report: &mut QueueReport,
) -> Result<(), StoreError> {
    let done = match keep {
        // Every notice of `keep` and after it; none is after it, the list being walked in
        // order. NoticeKind::Failure is the least kind.
        Some(keep) => {
            let kept = opened.split_off(&(keep.to_owned(), NoticeKind::Failure));
            std::mem::replace(opened, kept)
        }
        None => std::mem::take(opened),
    };
    let mut listed = Vec::new();
    let mut empty = Vec::new();
    for open in done.into_values() {
        if open.names == 0 {
            empty.push(open.id);
        } else {
            report.notices += 1;
            report.items += open.names;
            listed.push((open.id, open.listed));
        }
    }
    tx.set_notices_domains(&listed).await?;
    tx.delete_empty_notices(&empty).await
}
