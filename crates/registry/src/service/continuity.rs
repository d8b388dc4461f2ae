//! The operator's commands for a failing registrar, each in transactions of its own: the
//! registrar's standing with its audit trail, accreditation terms, the bulk transfer of its
//! portfolio (batched, resumable), and the status view. The decisions are
//! [`crate::continuity`]'s; this module loads, writes and counts. The EPP layer never calls
//! any of these: only the operator moves a registrar.

use std::collections::{HashMap, HashSet};

use time::OffsetDateTime;

use super::{Done, Meta, Registry, ServiceError, json, policy_for, settle, with_tx};
use crate::continuity::lookback::{self, LookBack};
use crate::continuity::portfolio::Portfolio;
use crate::continuity::registrar::{self as standing_rules, public};
use crate::continuity::transfer::{self as bulk, Plan, Standing};
use crate::lifecycle::{OPERATOR, Refs, Refusal, due, host as host_engine};
use crate::model::{
    Account, Charge, ChargeKind, Domain, HistoryEntry, Money, ObjectKind, Registrar, RegistrarState,
};
use crate::policy::Policy;
use crate::store::{ContinuityCounts, HistoryRow, LookBackRow, Tx};

use super::NewRegistrar;

/// Domains per bulk-transfer transaction unless the caller says otherwise.
pub const DEFAULT_BATCH: u32 = 1000;

/// Domains per page when the status view walks a portfolio.
const STATUS_PAGE: u32 = 2000;

/// The terms a registrar is accredited under, beyond its identity.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Accreditation {
    /// Security deposit lodged with the registry (minor units), booked on its Deposit account.
    pub security_deposit: Money,
    /// The registrar designated to take over its portfolio should it fail (must be ACTIVE).
    pub successor: Option<String>,
}

/// A bulk transfer to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkTransfer {
    /// The failed (or terminated) registrar whose names move.
    pub losing: String,
    /// The ACTIVE registrar that takes them.
    pub gaining: String,
    /// Whether names held through a reseller move too (otherwise they stay).
    pub include_resellers: bool,
    /// Count what would move and write nothing.
    pub dry_run: bool,
    /// Domains per transaction (at least 1).
    pub batch: u32,
    /// Stop after this many batches (the rest is left for a later run), for operators who
    /// move a portfolio in stages and for tests of resumption.
    pub max_batches: Option<u64>,
}

impl BulkTransfer {
    /// A full run from `losing` to `gaining` with the default batch size.
    pub fn new(losing: &str, gaining: &str) -> BulkTransfer {
        BulkTransfer {
            losing: losing.to_owned(),
            gaining: gaining.to_owned(),
            include_resellers: false,
            dry_run: false,
            batch: DEFAULT_BATCH,
            max_batches: None,
        }
    }
}

/// Domains by standing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct StandingCounts {
    /// Registered, outside grace periods.
    pub normal: u64,
    /// Inside a grace period.
    pub in_grace: u64,
    /// In redemption or pendingRestore.
    pub redemption: u64,
    /// In pendingDelete.
    pub pending_delete: u64,
}

impl StandingCounts {
    fn add(&mut self, standing: Standing) {
        match standing {
            Standing::Normal => self.normal += 1,
            Standing::Grace => self.in_grace += 1,
            Standing::Redemption => self.redemption += 1,
            Standing::PendingDelete => self.pending_delete += 1,
        }
    }

    /// All of them.
    pub fn total(&self) -> u64 {
        self.normal + self.in_grace + self.redemption + self.pending_delete
    }
}

/// What a bulk transfer did (or, dry, would do), so far.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct BulkReport {
    /// Names the losing registrar sponsored when the run started.
    pub total: u64,
    /// Names looked at so far.
    pub examined: u64,
    /// Names moved (dry: that would move), by standing.
    pub moved: StandingCounts,
    /// Of those, names that were held through a reseller (`--include-resellers`).
    pub moved_via_reseller: u64,
    /// Names left with the losing registrar because they are held through a reseller.
    pub kept_via_reseller: u64,
    /// Pending transfers the registry cancelled (serverCancelled) before moving the name.
    pub transfers_cancelled: u64,
    /// Subordinate hosts that followed their domain.
    pub hosts_moved: u64,
    /// Transactions committed (dry: pages read).
    pub batches: u64,
    /// Whether the run reached the end of the portfolio (false when `max_batches` stopped it).
    pub complete: bool,
}

/// A failed registrar's situation, for the operator.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ContinuityStatus {
    /// The registrar.
    pub registrar: String,
    /// Its name.
    pub name: String,
    /// Its standing.
    pub state: RegistrarState,
    /// Its designated successor.
    pub successor: Option<String>,
    /// The balance of its Deposit account.
    pub security_deposit: Money,
    /// The names it still sponsors, by state, with the expiry cliff.
    pub portfolio: Portfolio,
    /// Names bulk-transferred away from it.
    pub transferred_away: u64,
    /// Renewals the registry granted on credit (ledger `credit_renewal` charges).
    pub renewed_on_credit: u64,
    /// What those renewals cost, owed by the registrar (positive).
    pub owed_on_credit: Money,
    /// Failure notices by delivery, desk cases and transfer codes the desk issued.
    pub registrants: ContinuityCounts,
    /// The names it deleted in the look-back window before its failure, and what became of
    /// each: brought back, or registered by someone else meanwhile (for the operator to act on).
    pub look_back: Vec<LookBackRow>,
}

/// A registrar declared failed, with what the look-back did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared {
    /// The registrar, now FAILED.
    pub registrar: Registrar,
    /// Every name it deleted in the window, and what became of it.
    pub look_back: Vec<LookBackRow>,
}

/// The settings key counting names bulk-transferred away from `registrar`.
fn transferred_away_key(registrar: &str) -> String {
    format!("continuity.transferred_away.{registrar}")
}

/// One batch's outcome.
#[derive(Debug, Default)]
struct Batch {
    last: Option<String>,
    report: BulkReport,
}

impl Registry {
    /// Accredits a registrar (ACTIVE) under `terms`: the security deposit is booked on its
    /// Deposit account and the successor recorded, in the same transaction as the
    /// accreditation and its history entry. The id and password are checked as `<login>` will
    /// read them, so a registrar is never created that could not log in.
    pub async fn accredit(
        &self,
        new: &NewRegistrar,
        terms: &Accreditation,
        now: OffsetDateTime,
    ) -> Result<Done<Registrar>, ServiceError> {
        crate::lifecycle::names::check_registrar_id(&new.id)?;
        crate::lifecycle::names::check_password(&new.password)?;
        // On the password pool, like every hash: never on the async workers.
        let password_hash = self.password_work().hash(&new.password).await?;
        let registrar = Registrar {
            id: new.id.clone(),
            name: new.name.clone(),
            state: RegistrarState::Active,
            password_hash,
            cert_fingerprints: new
                .cert_fingerprints
                .iter()
                .map(|fingerprint| fingerprint.to_ascii_lowercase())
                .collect(),
            email: new.email.clone(),
            successor: terms.successor.clone(),
            created_at: now,
        };
        let meta = Meta::operator(now);
        let (meta, registrar) = (&meta, &registrar);
        self.write(meta, "registry:add-registrar", |tx, sv_trid| async move {
            with_tx!(tx, {
                let successor = match &terms.successor {
                    Some(id) => tx.get_registrar(id).await?,
                    None => None,
                };
                standing_rules::check_terms(
                    &registrar.id,
                    terms.security_deposit,
                    terms.successor.as_deref(),
                    successor.as_ref(),
                )?;
                tx.insert_registrar(registrar).await?;
                if terms.security_deposit > 0 {
                    tx.book(&Charge {
                        registrar: registrar.id.clone(),
                        account: Account::Deposit,
                        amount: terms.security_deposit,
                        kind: ChargeKind::Deposit,
                        domain: None,
                        years: 0,
                        at: now,
                    })
                    .await?;
                }
                let entry = registrar_entry(meta, &sv_trid, registrar, "accredit", None);
                tx.record(&HistoryEntry { after: json(&public(registrar)), ..entry }).await?;
                Ok(registrar.clone())
            })
        })
        .await
    }

    /// Moves a registrar to `to` (see [`crate::continuity::registrar`] for the moves
    /// allowed), with the operator's `reason` and the registrar before and after in its
    /// history. Refused: 2303 unknown registrar, 2304 a move the table does not have, 2003 no
    /// reason. A move to FAILED looks back [`lookback::DEFAULT_DAYS`] days, as
    /// [`Registry::declare_failed`] does.
    pub async fn set_registrar_state(
        &self,
        id: &str,
        to: RegistrarState,
        reason: &str,
        now: OffsetDateTime,
    ) -> Result<Done<Registrar>, ServiceError> {
        let done = self.change_standing(id, to, reason, lookback::DEFAULT_DAYS, now).await?;
        Ok(Done { value: done.value.registrar, sv_trid: done.sv_trid })
    }

    /// The move, and for FAILED the look-back, in one transaction: a declaration interrupted
    /// at any point leaves the registrar as it was and no name brought back.
    async fn change_standing(
        &self,
        id: &str,
        to: RegistrarState,
        reason: &str,
        look_back_days: u32,
        now: OffsetDateTime,
    ) -> Result<Done<Declared>, ServiceError> {
        if reason.trim().is_empty() {
            return Err(Refusal::RequiredMissing {
                object: format!("registrar {id}"),
                reason: "a change of standing needs a reason for the record".to_owned(),
            }
            .into());
        }
        let meta = Meta::operator(now);
        let meta = &meta;
        self.write(meta, "registry:registrar-state", |tx, sv_trid| async move {
            with_tx!(tx, {
                let before = existing_registrar(&mut tx, id, true).await?;
                let (after, action) = standing_rules::change_state(&before, to)?;
                tx.set_registrar_state(id, to).await?;
                let entry = registrar_entry(meta, &sv_trid, &after, action, Some(reason));
                tx.record(&HistoryEntry {
                    before: json(&public(&before)),
                    after: json(&public(&after)),
                    ..entry
                })
                .await?;
                let look_back = if to == RegistrarState::Failed {
                    look_back(&mut tx, meta, &sv_trid, id, look_back_days).await?
                } else {
                    Vec::new()
                };
                Ok(Declared { registrar: after, look_back })
            })
        })
        .await
    }

    /// Declares a registrar failed (from ACTIVE or SUSPENDED): from now on the lifecycle
    /// engine keeps its names — no deletion, renewals on credit — and it cannot log in. The
    /// names it deleted in the [`lookback::DEFAULT_DAYS`] days before come back.
    pub async fn declare_failed(
        &self,
        id: &str,
        reason: &str,
        now: OffsetDateTime,
    ) -> Result<Done<Registrar>, ServiceError> {
        self.set_registrar_state(id, RegistrarState::Failed, reason, now).await
    }

    /// [`Registry::declare_failed`] looking back `look_back_days` days (see
    /// [`crate::continuity::lookback`]), with what the look-back found.
    pub async fn declare_failed_looking_back(
        &self,
        id: &str,
        reason: &str,
        look_back_days: u32,
        now: OffsetDateTime,
    ) -> Result<Done<Declared>, ServiceError> {
        self.change_standing(id, RegistrarState::Failed, reason, look_back_days, now).await
    }

    /// Moves the portfolio of a failed registrar to another, batch by batch (see
    /// [`crate::continuity::transfer`] for what happens to each name). Each batch is one
    /// transaction: its names, their history, the gaining registrar's poll messages and the
    /// running count commit together. A name already moved is no longer the losing
    /// registrar's, so a run interrupted at any point and started again moves every remaining
    /// name exactly once. `progress` is called after every batch with the report so far.
    pub async fn bulk_transfer(
        &self,
        req: &BulkTransfer,
        now: OffsetDateTime,
        mut progress: impl FnMut(&BulkReport),
    ) -> Result<BulkReport, ServiceError> {
        let req = &BulkTransfer { batch: req.batch.max(1), ..req.clone() };
        let (total, losing, gaining) = self
            .read(|tx| async move {
                with_tx!(tx, {
                    let losing = existing_registrar(&mut tx, &req.losing, false).await?;
                    let gaining = existing_registrar(&mut tx, &req.gaining, false).await?;
                    Ok((tx.count_domains_of(&req.losing).await?, losing, gaining))
                })
            })
            .await?;
        standing_rules::check_parties(&losing, &gaining)?;
        let reason = format!(
            "registrar {} is {}; bulk transfer to {}",
            losing.id,
            losing.state.as_str(),
            gaining.id
        );
        let mut report = BulkReport { total, ..BulkReport::default() };
        let mut after: Option<String> = None;
        loop {
            if req.max_batches.is_some_and(|max| report.batches >= max) {
                break;
            }
            let batch = if req.dry_run {
                self.count_batch(req, after.as_deref(), now).await?
            } else {
                self.transfer_batch(req, after.as_deref(), now, &reason).await?
            };
            let Some(last) = batch.last else {
                report.complete = true;
                break;
            };
            merge(&mut report, &batch.report);
            report.batches += 1;
            after = Some(last);
            progress(&report);
        }
        if !req.dry_run && report.moved.total() > 0 {
            self.note_bulk_transfer(req, &report, now).await?;
        }
        progress(&report);
        Ok(report)
    }

    /// One batch of a bulk transfer, in one transaction.
    async fn transfer_batch(
        &self,
        req: &BulkTransfer,
        after: Option<&str>,
        now: OffsetDateTime,
        reason: &str,
    ) -> Result<Batch, ServiceError> {
        let meta = Meta::operator(now);
        let meta = &meta;
        let done = self
            .write(meta, "continuity:transfer", |tx, sv_trid| async move {
                with_tx!(tx, {
                    // Locking the losing registrar orders concurrent runs for it, so its
                    // running count cannot lose an update.
                    let losing = existing_registrar(&mut tx, &req.losing, true).await?;
                    let gaining = existing_registrar(&mut tx, &req.gaining, false).await?;
                    standing_rules::check_parties(&losing, &gaining)?;
                    let page = tx.domain_page_of(&req.losing, after, req.batch, true).await?;
                    let Some(last) = page.last().map(|domain| domain.name.clone()) else {
                        return Ok(Batch::default());
                    };
                    let mut batch = Batch { last: Some(last.clone()), ..Batch::default() };
                    let report = &mut batch.report;
                    let mut policies = Policies::default();
                    let mut rows = Vec::with_capacity(page.len());
                    let mut history = Vec::with_capacity(page.len());
                    let mut polls = Vec::with_capacity(page.len());
                    let mut moved_names = HashSet::with_capacity(page.len());
                    for domain in &page {
                        report.examined += 1;
                        let standing = match bulk::plan(domain, req.include_resellers, now) {
                            Plan::KeepReseller(_) => {
                                report.kept_via_reseller += 1;
                                continue;
                            }
                            Plan::Move(standing) => standing,
                        };
                        report.moved.add(standing);
                        if domain.reseller.is_some() {
                            report.moved_via_reseller += 1;
                        }
                        let policy = policies.get(&mut tx, &domain.name).await?;
                        let decided = bulk::bulk_move(policy, domain, &req.gaining, now, reason);
                        let mut base = domain;
                        if let Some(cancelled) = &decided.cancelled {
                            report.transfers_cancelled += 1;
                            for charge in &cancelled.charges {
                                tx.book(charge).await?;
                            }
                            polls.extend(cancelled.poll.iter().cloned());
                            history.push(domain_entry(
                                meta,
                                &sv_trid,
                                domain,
                                &cancelled.state,
                                cancelled.action,
                                Some(reason),
                            ));
                            base = &cancelled.state;
                        }
                        let moved = decided.moved;
                        history.push(domain_entry(
                            meta,
                            &sv_trid,
                            base,
                            &moved.state,
                            moved.action,
                            moved.note.as_deref(),
                        ));
                        polls.extend(moved.poll);
                        moved_names.insert(domain.name.clone());
                        let next = due::next_event_at(policy, &moved.state);
                        rows.push((moved.state, next));
                    }
                    tx.update_domains_in_place(&rows).await?;
                    for (name, superordinate) in tx.hosts_subordinate_between(after, &last).await? {
                        if !moved_names.contains(&superordinate) {
                            continue;
                        }
                        let Some(host) = tx.get_host_for_update(&name).await? else { continue };
                        if host.sponsor == req.gaining {
                            continue;
                        }
                        let followed = host_engine::follow_superordinate(&host, &req.gaining, now);
                        tx.update_host(&followed.state).await?;
                        report.hosts_moved += 1;
                        history.push(HistoryRow::from(HistoryEntry {
                            at: now,
                            actor: OPERATOR.to_owned(),
                            cl_trid: None,
                            sv_trid: sv_trid.clone(),
                            object: ObjectKind::Host,
                            object_id: name.clone(),
                            action: followed.action.to_owned(),
                            reason: Some(reason.to_owned()),
                            before: json(&host),
                            after: json(&followed.state),
                        }));
                    }
                    tx.record_many(&history).await?;
                    tx.enqueue_many(&polls).await?;
                    let moved = report.moved.total();
                    if moved > 0 {
                        let key = transferred_away_key(&req.losing);
                        let sofar: u64 =
                            tx.setting(&key).await?.and_then(|text| text.parse().ok()).unwrap_or(0);
                        tx.set_setting(&key, &(sofar + moved).to_string()).await?;
                    }
                    Ok(batch)
                })
            })
            .await?;
        Ok(done.value)
    }

    /// One page of a dry run: what the batch would do, over a read-only snapshot.
    async fn count_batch(
        &self,
        req: &BulkTransfer,
        after: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<Batch, ServiceError> {
        self.read(|tx| async move {
            with_tx!(tx, {
                let page = tx.domain_page_of(&req.losing, after, req.batch, false).await?;
                let mut batch =
                    Batch { last: page.last().map(|d| d.name.clone()), ..Batch::default() };
                let mut moved_names = HashSet::new();
                for domain in &page {
                    batch.report.examined += 1;
                    match bulk::plan(domain, req.include_resellers, now) {
                        Plan::KeepReseller(_) => batch.report.kept_via_reseller += 1,
                        Plan::Move(standing) => {
                            batch.report.moved.add(standing);
                            batch.report.moved_via_reseller += u64::from(domain.reseller.is_some());
                            batch.report.transfers_cancelled +=
                                u64::from(domain.transfer_pending());
                            moved_names.insert(domain.name.as_str());
                        }
                    }
                }
                if let Some(last) = &batch.last {
                    for (_, superordinate) in tx.hosts_subordinate_between(after, last).await? {
                        batch.report.hosts_moved +=
                            u64::from(moved_names.contains(superordinate.as_str()));
                    }
                }
                Ok(batch)
            })
        })
        .await
    }

    /// Records a finished (or stopped) run on the losing registrar's history.
    async fn note_bulk_transfer(
        &self,
        req: &BulkTransfer,
        report: &BulkReport,
        now: OffsetDateTime,
    ) -> Result<(), ServiceError> {
        let meta = Meta::operator(now);
        let meta = &meta;
        let text = format!(
            "{} names moved to {} ({} left with the registrar as held through resellers, {} \
             pending transfers cancelled){}",
            report.moved.total(),
            req.gaining,
            report.kept_via_reseller,
            report.transfers_cancelled,
            if report.complete { "" } else { "; stopped before the end, run again to go on" }
        );
        let text = text.as_str();
        self.write(meta, "continuity:transfer", |tx, sv_trid| async move {
            with_tx!(tx, {
                let losing = existing_registrar(&mut tx, &req.losing, false).await?;
                let entry = registrar_entry(meta, &sv_trid, &losing, bulk::ACTION, Some(text));
                tx.record(&entry).await?;
                Ok(())
            })
        })
        .await?;
        Ok(())
    }

    /// The situation of `registrar` at `now`: standing, the names it still sponsors by state
    /// with the expiry cliff of the next 52 weeks, names moved away, renewals on credit. The
    /// portfolio is read page by page, never whole.
    pub async fn continuity_status(
        &self,
        registrar: &str,
        now: OffsetDateTime,
    ) -> Result<ContinuityStatus, ServiceError> {
        let (found, deposit, transferred_away, (renewed, cost), registrants, look_back) = self
            .read(|tx| async move {
                with_tx!(tx, {
                    let found = existing_registrar(&mut tx, registrar, false).await?;
                    let deposit = tx.balance(registrar, Account::Deposit).await?;
                    let away = tx
                        .setting(&transferred_away_key(registrar))
                        .await?
                        .and_then(|text| text.parse().ok())
                        .unwrap_or(0);
                    let credit = tx.charges_of_kind(registrar, ChargeKind::CreditRenewal).await?;
                    let counts = tx.continuity_counts(registrar).await?;
                    let look_back = tx.look_back_of(registrar).await?;
                    Ok((found, deposit, away, credit, counts, look_back))
                })
            })
            .await?;
        let mut portfolio = Portfolio::new(now);
        let mut after: Option<String> = None;
        loop {
            let cursor = after.as_deref();
            let page = self
                .read(|tx| async move {
                    with_tx!(
                        tx,
                        Ok(tx.domain_page_of(registrar, cursor, STATUS_PAGE, false).await?)
                    )
                })
                .await?;
            let Some(last) = page.last() else { break };
            after = Some(last.name.clone());
            page.iter().for_each(|domain| portfolio.add(domain));
        }
        Ok(ContinuityStatus {
            registrar: found.id,
            name: found.name,
            state: found.state,
            successor: found.successor,
            security_deposit: deposit,
            portfolio,
            transferred_away,
            renewed_on_credit: renewed,
            owed_on_credit: cost.saturating_neg(),
            registrants,
            look_back,
        })
    }
}

/// The look-back of a registrar being declared failed, inside the declaration's transaction:
/// each name it deleted in the last `days` days is brought back, left to whoever registered it
/// since, or left alone when the registrar holds it again; every outcome is recorded.
async fn look_back(
    tx: &mut Tx,
    meta: &Meta<'_>,
    sv_trid: &str,
    registrar: &str,
    days: u32,
) -> Result<Vec<LookBackRow>, ServiceError> {
    let now = meta.now;
    let since = now.checked_sub(Policy::days(days)).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let deletes = lookback::latest_per_name(tx.domain_deletes_by(registrar, since).await?);
    let mut rows = Vec::with_capacity(deletes.len());
    for deleted in deletes {
        let name = deleted.before.name.clone();
        let current = tx.get_domain_for_update(&name).await?;
        let mut refs = Refs::default();
        let before = &deleted.before;
        for contact in before.registrant.iter().chain(before.contacts.iter().map(|c| &c.id)) {
            if tx.contact_exists(contact).await? {
                refs.contacts.insert(contact.clone());
            }
        }
        for host in &before.ns {
            if tx.host_exists(host).await? {
                refs.hosts.insert(host.clone());
            }
        }
        let decided = lookback::look_back(&deleted, current.as_ref(), &refs, now);
        let row = LookBackRow {
            domain: name.clone(),
            deleted_at: deleted.at,
            outcome: decided.outcome().to_owned(),
            holder: match &decided {
                LookBack::Taken { holder } => Some(holder.clone()),
                _ => None,
            },
        };
        if let LookBack::Reinstate(decision) = decided {
            let policy = policy_for(tx, &name).await?;
            match &current {
                Some(deleting) => {
                    super::domain::store_domain(
                        tx,
                        meta,
                        sv_trid,
                        &policy,
                        deleting,
                        (*decision).map(Some),
                    )
                    .await?;
                }
                None => {
                    let back = &decision.state;
                    tx.insert_domain(back, due::next_event_at(&policy, back)).await?;
                    if back.in_zone() {
                        tx.bump_serial(&policy.tld, &[&name]).await?;
                    }
                    let after = json(back);
                    settle(tx, meta, sv_trid, (ObjectKind::Domain, &name), None, after, &decision)
                        .await?;
                }
            }
        }
        tx.record_look_back(registrar, &row, now).await?;
        rows.push(row);
    }
    Ok(rows)
}

/// Adds one batch's counts to the run's.
fn merge(report: &mut BulkReport, batch: &BulkReport) {
    report.examined += batch.examined;
    report.moved.normal += batch.moved.normal;
    report.moved.in_grace += batch.moved.in_grace;
    report.moved.redemption += batch.moved.redemption;
    report.moved.pending_delete += batch.moved.pending_delete;
    report.moved_via_reseller += batch.moved_via_reseller;
    report.kept_via_reseller += batch.kept_via_reseller;
    report.transfers_cancelled += batch.transfers_cancelled;
    report.hosts_moved += batch.hosts_moved;
}

/// The policies of the TLDs a batch meets, each read once.
#[derive(Default)]
struct Policies(HashMap<String, Policy>);

impl Policies {
    async fn get(&mut self, tx: &mut Tx, name: &str) -> Result<&Policy, ServiceError> {
        let tld = name.rsplit('.').next().unwrap_or_default().to_owned();
        if !self.0.contains_key(&tld) {
            let policy = policy_for(tx, name).await?;
            self.0.insert(tld.clone(), policy);
        }
        self.0.get(&tld).ok_or(ServiceError::UnknownTld(tld))
    }
}

async fn existing_registrar(
    tx: &mut Tx,
    id: &str,
    for_update: bool,
) -> Result<Registrar, ServiceError> {
    let found = if for_update {
        tx.get_registrar_for_update(id).await?
    } else {
        tx.get_registrar(id).await?
    };
    found.ok_or_else(|| {
        ServiceError::Refused(Refusal::ObjectDoesNotExist {
            object: format!("registrar {id}"),
            reason: String::new(),
        })
    })
}

fn registrar_entry(
    meta: &Meta<'_>,
    sv_trid: &str,
    registrar: &Registrar,
    action: &str,
    reason: Option<&str>,
) -> HistoryEntry {
    HistoryEntry {
        at: meta.now,
        actor: OPERATOR.to_owned(),
        cl_trid: None,
        sv_trid: sv_trid.to_owned(),
        object: ObjectKind::Registrar,
        object_id: registrar.id.clone(),
        action: action.to_owned(),
        reason: reason.map(str::to_owned),
        before: None,
        after: None,
    }
}

fn domain_entry(
    meta: &Meta<'_>,
    sv_trid: &str,
    before: &Domain,
    after: &Domain,
    action: &str,
    reason: Option<&str>,
) -> HistoryRow {
    let entry = HistoryEntry {
        at: meta.now,
        actor: OPERATOR.to_owned(),
        cl_trid: None,
        sv_trid: sv_trid.to_owned(),
        object: ObjectKind::Domain,
        object_id: before.name.clone(),
        action: action.to_owned(),
        reason: reason.map(str::to_owned),
        before: None,
        after: None,
    };
    HistoryRow {
        entry,
        before: serde_json::to_string(before).ok(),
        after: serde_json::to_string(after).ok(),
    }
}
