//! Registrar escrow at the registry: each registrar's escrow key, deposits imported whole in one
//! transaction (or not at all), the reconciliation of a deposit against the registry, what the
//! escrow tells about a name's holder, and the creditor inventory of a failed registrar.
//!
//! A deposit is verified and decoded before any transaction opens (that is the slow part, and
//! no writer should queue behind it); the transaction then re-reads the key to make sure the
//! deposit was verified with the key that is still current, checks the deposit against the
//! ones before it (a new id, a later watermark, a full deposit under an incremental one) and
//! writes it.

use std::collections::BTreeMap;

use nameward_escrow::{
    Customer, Deposit, DepositKind, EscrowError, Limits, Reseller, verifying_key_from_pem,
};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::{Done, Meta, Registry, ServiceError, default_policy, policy_for, with_tx};
use crate::continuity::resellers;
use crate::model::{Account, HistoryEntry, Money, ObjectKind};
use crate::store::{EscrowDepositRecord, ResellerLink, StoreError, Tx};

/// Why the registry refused an escrow key or deposit.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EscrowRefusal {
    /// The deposit (or key) itself is wrong: see the inner error for the file, line and field.
    #[error("{0}")]
    Deposit(#[from] EscrowError),
    /// No key to verify the registrar's deposits with.
    #[error("registrar {0} has no escrow key; set one with `nameward registry escrow-key`")]
    NoKey(String),
    /// The key changed while the deposit was being verified.
    #[error("the escrow key of registrar {0} changed during the import; import again")]
    KeyChanged(String),
    /// The manifest names another registrar.
    #[error("the deposit is registrar {found}'s, not {expected}'s")]
    WrongRegistrar {
        /// The registrar the import was for.
        expected: String,
        /// The registrar the manifest names.
        found: String,
    },
    /// The deposit id was imported before.
    #[error("deposit {0} was already imported; a deposit is imported once")]
    Replayed(String),
    /// An incremental deposit with no full deposit before it.
    #[error("incremental deposit {0} has no full deposit to build on; import a FULL one first")]
    NoFull(String),
    /// The deposit is not newer than the latest one imported.
    #[error(
        "deposit {deposit} has watermark {watermark}, not after {latest} of deposit {latest_id}"
    )]
    Stale {
        /// The refused deposit.
        deposit: String,
        /// Its watermark.
        watermark: String,
        /// The latest imported deposit.
        latest_id: String,
        /// Its watermark.
        latest: String,
    },
}

/// A name the deposit holds that the registry does not have the registrar sponsor.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UnsponsoredName {
    /// The name.
    pub name: String,
    /// Its sponsor at the registry, or none when it is not registered.
    pub sponsor: Option<String>,
}

/// A name whose registrant e-mail in the registry differs from the escrow's.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EmailDifference {
    /// The name.
    pub domain: String,
    /// The registrant's e-mail in the registry.
    pub registry: String,
    /// The escrow's registrant e-mail (its registrant contact's, else its customer's).
    pub escrow: Option<String>,
    /// The escrowed customer's e-mail (for a privacy/proxy name, the actual holder's).
    pub customer: Option<String>,
}

/// How a registrar's escrow compares with the registry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Reconciliation {
    /// The registrar.
    pub registrar: String,
    /// Names the registry has the registrar sponsor that its escrow lacks.
    pub missing_from_escrow: Vec<String>,
    /// Names in the escrow that the registry does not have the registrar sponsor.
    pub not_sponsored: Vec<UnsponsoredName>,
    /// Names whose registrant e-mail differs between registry and escrow.
    pub email_differences: Vec<EmailDifference>,
    /// Names whose reseller the registry had otherwise than the escrow says: after an import,
    /// the links it made (the registry's reseller before, the escrow's now); otherwise those
    /// the next import will make.
    pub resellers_linked: Vec<ResellerLink>,
}

impl Reconciliation {
    /// Whether registry and escrow agree entirely: linking a name to a reseller the escrow
    /// lists is agreement; a reseller the escrow does not list is not.
    pub fn is_clean(&self) -> bool {
        self.missing_from_escrow.is_empty()
            && self.not_sponsored.is_empty()
            && self.email_differences.is_empty()
            && self.resellers_linked.iter().all(|link| link.listed)
    }
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EscrowImport {
    /// The deposit as recorded.
    pub deposit: EscrowDepositRecord,
    /// The registrar's escrow, all deposits applied, against the registry.
    pub reconciliation: Reconciliation,
}

/// The creditor inventory of a registrar: whom it owes (its customers' and resellers' prepaid
/// balances as the latest escrow shows them) and what it owes the registry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Claims {
    /// The registrar.
    pub registrar: String,
    /// The latest deposit the balances come from, if any was imported.
    pub deposit: Option<EscrowDepositRecord>,
    /// Every escrowed customer with its balance.
    pub customers: Vec<Customer>,
    /// Every escrowed reseller with its balance.
    pub resellers: Vec<Reseller>,
    /// How many names the escrow shows each reseller holding (directly or through its
    /// customers), by reseller id.
    pub reseller_names: BTreeMap<String, u64>,
    /// How many names the escrow shows each customer holding, by customer id.
    pub customer_names: BTreeMap<String, u64>,
    /// What the registrar owes the registry: renewals granted on credit (the negated balance of
    /// its Receivable account).
    pub registry_receivable: Money,
    /// The registry's currency (the first TLD's).
    pub registry_currency: Option<String>,
}

impl Claims {
    /// Positive balances — money the registrar holds for others — summed per currency over
    /// customers and resellers.
    pub fn owed_by_currency(&self) -> BTreeMap<String, i128> {
        let mut totals = BTreeMap::new();
        let balances =
            self.customers.iter().map(|customer| (&customer.currency, customer.balance)).chain(
                self.resellers.iter().map(|reseller| (&reseller.currency, reseller.balance)),
            );
        for (currency, balance) in balances.filter(|(_, balance)| *balance > 0) {
            *totals.entry(currency.clone()).or_insert(0) += i128::from(balance);
        }
        totals
    }
}

fn refused(refusal: impl Into<EscrowRefusal>) -> ServiceError {
    ServiceError::Escrow(refusal.into())
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

impl Registry {
    /// Sets (or replaces) the Ed25519 key the registrar's deposits must be signed with
    /// (SubjectPublicKeyInfo PEM, as `openssl pkey -pubout` writes it).
    pub async fn set_escrow_key(
        &self,
        registrar: &str,
        public_key_pem: &str,
        now: OffsetDateTime,
    ) -> Result<Done<()>, ServiceError> {
        verifying_key_from_pem(public_key_pem).map_err(refused)?;
        let pem = public_key_pem.trim();
        let meta = Meta::operator(now);
        let meta = &meta;
        self.write(meta, "escrow:set-key", |tx, sv_trid| async move {
            with_tx!(tx, {
                if tx.get_registrar_for_update(registrar).await?.is_none() {
                    return Err(StoreError::NotFound {
                        kind: "registrar",
                        id: registrar.to_owned(),
                    }
                    .into());
                }
                tx.set_escrow_key(registrar, pem, meta.now).await?;
                history(&mut tx, meta, &sv_trid, registrar, "escrow_key", None).await?;
                Ok(())
            })
        })
        .await
    }

    /// Verifies `bytes` as a deposit of `registrar` signed with its escrow key and imports it
    /// in one transaction: a FULL deposit replaces the registrar's escrowed rows, an INCR one
    /// adds and updates rows on top. A deposit that fails any check — of the archive, or
    /// against the deposits before it — imports nothing. Returns the recorded deposit and the
    /// reconciliation against the registry.
    pub async fn import_escrow(
        &self,
        registrar: &str,
        bytes: &[u8],
        limits: &Limits,
        now: OffsetDateTime,
    ) -> Result<Done<EscrowImport>, ServiceError> {
        let pem = self
            .read(|tx| async move {
                with_tx!(tx, {
                    if tx.get_registrar(registrar).await?.is_none() {
                        return Err(StoreError::NotFound {
                            kind: "registrar",
                            id: registrar.to_owned(),
                        }
                        .into());
                    }
                    tx.escrow_key(registrar).await.map_err(ServiceError::from)
                })
            })
            .await?
            .ok_or_else(|| refused(EscrowRefusal::NoKey(registrar.to_owned())))?;
        let key = verifying_key_from_pem(&pem).map_err(refused)?;
        let deposit = Deposit::read(bytes, &key, limits).map_err(refused)?;
        if deposit.manifest.registrar != registrar {
            return Err(refused(EscrowRefusal::WrongRegistrar {
                expected: registrar.to_owned(),
                found: deposit.manifest.registrar.clone(),
            }));
        }
        let count = |rows: usize| u64::try_from(rows).unwrap_or(u64::MAX);
        let record = EscrowDepositRecord {
            registrar: registrar.to_owned(),
            deposit_id: deposit.manifest.deposit_id.clone(),
            kind: deposit.manifest.kind,
            watermark: deposit.manifest.watermark,
            domains: count(deposit.domains.len()),
            contacts: count(deposit.contacts.len()),
            customers: count(deposit.customers.len()),
            resellers: count(deposit.resellers.len()),
            zones: count(deposit.zones.len()),
            sha256: Sha256::digest(bytes).iter().map(|byte| format!("{byte:02x}")).collect(),
            imported_at: now,
        };
        let meta = Meta::operator(now);
        let (meta, deposit, record, pem) = (&meta, &deposit, &record, pem.as_str());
        self.write(meta, "escrow:import", |tx, sv_trid| async move {
            with_tx!(tx, {
                store_deposit(&mut tx, pem, deposit, record).await?;
                let note = format!("{} {}", record.kind.as_str(), record.deposit_id);
                history(&mut tx, meta, &sv_trid, registrar, "escrow_import", Some(note)).await?;
                let linked =
                    link_resellers(&mut tx, meta, &sv_trid, registrar, &record.deposit_id).await?;
                let reconciliation = Reconciliation {
                    resellers_linked: linked,
                    ..reconcile(&mut tx, registrar).await?
                };
                Ok(EscrowImport { deposit: record.clone(), reconciliation })
            })
        })
        .await
    }

    /// The registrar's escrow, all imported deposits applied, against the registry now.
    pub async fn reconcile_escrow(&self, registrar: &str) -> Result<Reconciliation, ServiceError> {
        self.read(|tx| async move { with_tx!(tx, Ok(reconcile(&mut tx, registrar).await?)) }).await
    }

    /// The deposits imported from the registrar, oldest first.
    pub async fn escrow_deposits(
        &self,
        registrar: &str,
    ) -> Result<Vec<EscrowDepositRecord>, ServiceError> {
        self.read(|tx| async move { with_tx!(tx, Ok(tx.escrow_deposits(registrar).await?)) }).await
    }

    /// The address the registry writes to about `domain` (notices, desk codes): see
    /// [`Tx::holder_address`] for the order of preference. `None` when it has none, or
    /// when the domain is not registered.
    pub async fn holder_address(&self, domain: &str) -> Result<Option<String>, ServiceError> {
        let name = crate::lifecycle::names::lookup_name(domain.trim_end_matches('.'));
        let name = name.as_str();
        self.read(|tx| async move { with_tx!(tx, Ok(tx.holder_address(name).await?)) }).await
    }

    /// The registrar's customers as its escrow shows them, with their prepaid balances.
    pub async fn escrow_customers(&self, registrar: &str) -> Result<Vec<Customer>, ServiceError> {
        self.read(|tx| async move { with_tx!(tx, Ok(tx.escrow_customers(registrar).await?)) }).await
    }

    /// The registrar's resellers as its escrow shows them, with their prepaid balances.
    pub async fn escrow_resellers(&self, registrar: &str) -> Result<Vec<Reseller>, ServiceError> {
        self.read(|tx| async move { with_tx!(tx, Ok(tx.escrow_resellers(registrar).await?)) }).await
    }

    /// The DNS zone a registrar hosted for `domain` (its zone file text), from the sponsor's
    /// escrow if it has one, else from any registrar's.
    pub async fn hosted_zone(&self, domain: &str) -> Result<Option<String>, ServiceError> {
        let name = crate::lifecycle::names::lookup_name(domain.trim_end_matches('.'));
        let name = name.as_str();
        self.read(|tx| async move {
            with_tx!(tx, {
                let sponsor = tx.get_domain(name).await?.map(|domain| domain.sponsor);
                let mut zones = tx.escrow_zones_named(name).await?;
                zones.sort_by_key(|(registrar, _)| Some(registrar) != sponsor.as_ref());
                Ok(zones.into_iter().next().map(|(_, text)| text))
            })
        })
        .await
    }

    /// The creditor inventory of `registrar`: its customers and resellers with the prepaid
    /// balances its latest escrow shows, and what it owes the registry.
    pub async fn claims(&self, registrar: &str) -> Result<Claims, ServiceError> {
        self.read(|tx| async move {
            with_tx!(tx, {
                if tx.get_registrar(registrar).await?.is_none() {
                    return Err(StoreError::NotFound {
                        kind: "registrar",
                        id: registrar.to_owned(),
                    }
                    .into());
                }
                let deposit = tx.escrow_deposits(registrar).await?.pop();
                let receivable = tx.balance(registrar, Account::Receivable).await?;
                let currency = default_policy(&mut tx).await.ok().map(|policy| policy.currency);
                let (reseller_names, customer_names) = tx.escrow_name_counts(registrar).await?;
                Ok(Claims {
                    registrar: registrar.to_owned(),
                    deposit,
                    customers: tx.escrow_customers(registrar).await?,
                    resellers: tx.escrow_resellers(registrar).await?,
                    reseller_names,
                    customer_names,
                    registry_receivable: receivable.checked_neg().unwrap_or(Money::MAX),
                    registry_currency: currency,
                })
            })
        })
        .await
    }
}

/// Checks the deposit against the registrar's earlier ones and writes it.
async fn store_deposit(
    tx: &mut Tx,
    verified_with: &str,
    deposit: &Deposit,
    record: &EscrowDepositRecord,
) -> Result<(), ServiceError> {
    let registrar = record.registrar.as_str();
    // Locks the registrar: imports for one registrar queue behind each other.
    if tx.get_registrar_for_update(registrar).await?.is_none() {
        return Err(StoreError::NotFound { kind: "registrar", id: registrar.to_owned() }.into());
    }
    if tx.escrow_key(registrar).await?.as_deref() != Some(verified_with) {
        return Err(refused(EscrowRefusal::KeyChanged(registrar.to_owned())));
    }
    let earlier = tx.escrow_deposits(registrar).await?;
    if earlier.iter().any(|seen| seen.deposit_id == record.deposit_id) {
        return Err(refused(EscrowRefusal::Replayed(record.deposit_id.clone())));
    }
    if let Some(latest) = earlier.iter().max_by_key(|seen| seen.watermark)
        && latest.watermark >= record.watermark
    {
        return Err(refused(EscrowRefusal::Stale {
            deposit: record.deposit_id.clone(),
            watermark: rfc3339(record.watermark),
            latest_id: latest.deposit_id.clone(),
            latest: rfc3339(latest.watermark),
        }));
    }
    if record.kind == DepositKind::Incr
        && !earlier.iter().any(|seen| seen.kind == DepositKind::Full)
    {
        return Err(refused(EscrowRefusal::NoFull(record.deposit_id.clone())));
    }
    if record.kind == DepositKind::Full {
        tx.clear_escrow(registrar).await?;
    }
    let id = record.deposit_id.as_str();
    tx.put_escrow_resellers(registrar, id, &deposit.resellers).await?;
    tx.put_escrow_customers(registrar, id, &deposit.customers).await?;
    tx.put_escrow_contacts(registrar, id, &deposit.contacts).await?;
    tx.put_escrow_domains(registrar, id, &deposit.domains).await?;
    tx.put_escrow_zones(registrar, id, &deposit.zones).await?;
    match tx.record_escrow_deposit(record).await {
        Err(StoreError::Exists { .. }) => {
            Err(refused(EscrowRefusal::Replayed(record.deposit_id.clone())))
        }
        other => Ok(other?),
    }
}

/// Links each name `registrar` sponsors to the reseller its escrow shows (see
/// [`crate::continuity::resellers`]), each change on the name's history; the differences it
/// found, as they were.
async fn link_resellers(
    tx: &mut Tx,
    meta: &Meta<'_>,
    sv_trid: &str,
    registrar: &str,
    deposit_id: &str,
) -> Result<Vec<ResellerLink>, ServiceError> {
    let differences = tx.reseller_differences(registrar).await?;
    for difference in &differences {
        let Some(domain) = tx.get_domain_for_update(&difference.domain).await? else { continue };
        let reseller = difference.escrow.as_deref();
        let Some(decision) = resellers::link(&domain, reseller, deposit_id, meta.now) else {
            continue;
        };
        let policy = policy_for(tx, &domain.name).await?;
        super::domain::store_domain(tx, meta, sv_trid, &policy, &domain, decision.map(Some))
            .await?;
    }
    Ok(differences)
}

async fn reconcile(tx: &mut Tx, registrar: &str) -> Result<Reconciliation, StoreError> {
    let missing_from_escrow = tx.names_missing_from_escrow(registrar).await?;
    let not_sponsored = tx
        .escrow_names_not_sponsored(registrar)
        .await?
        .into_iter()
        .map(|(name, sponsor)| UnsponsoredName { name, sponsor })
        .collect();
    let email_differences = tx
        .registrant_emails(registrar)
        .await?
        .into_iter()
        .filter_map(|emails| {
            let escrow = emails.escrow_contact.or_else(|| emails.escrow_customer.clone());
            let same =
                escrow.as_deref().is_some_and(|email| email.eq_ignore_ascii_case(&emails.registry));
            (!same).then_some(EmailDifference {
                domain: emails.domain,
                registry: emails.registry,
                escrow,
                customer: emails.escrow_customer,
            })
        })
        .collect();
    Ok(Reconciliation {
        registrar: registrar.to_owned(),
        missing_from_escrow,
        not_sponsored,
        email_differences,
        resellers_linked: tx.reseller_differences(registrar).await?,
    })
}

async fn history(
    tx: &mut Tx,
    meta: &Meta<'_>,
    sv_trid: &str,
    registrar: &str,
    action: &str,
    reason: Option<String>,
) -> Result<(), StoreError> {
    tx.record(&HistoryEntry {
        at: meta.now,
        actor: meta.actor.to_owned(),
        cl_trid: meta.cl_trid.map(str::to_owned),
        sv_trid: sv_trid.to_owned(),
        object: ObjectKind::Registrar,
        object_id: registrar.to_owned(),
        action: action.to_owned(),
        reason,
        before: None,
        after: None,
    })
    .await
    .map(|_| ())
}
