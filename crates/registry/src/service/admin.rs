//! The registry operator's commands: TLDs, registrars, money; and poll, which every
//! registrar uses.

use time::OffsetDateTime;

use super::{Done, Meta, Registry, ServiceError, with_tx};
use crate::model::{
    Account, Charge, ChargeKind, HistoryEntry, Money, ObjectKind, PollMessage, Registrar,
};
use crate::policy::Policy;
use crate::store::{LedgerEntry, PollHead};

/// A registrar to accredit.
#[derive(Debug, Clone)]
pub struct NewRegistrar {
    /// Its EPP client id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its EPP password in clear (stored as an argon2 hash).
    pub password: String,
    /// SHA-256 fingerprints of the client certificates it logs in with.
    pub cert_fingerprints: Vec<String>,
    /// Where the registry writes to it.
    pub email: Option<String>,
}

impl Registry {
    /// The TLDs this registry runs.
    pub async fn tlds(&self) -> Result<Vec<Policy>, ServiceError> {
        self.read(|tx| async move { with_tx!(tx, Ok(tx.tlds().await?)) }).await
    }

    /// Adds a TLD; a policy that cannot work ([`Policy::check`]) is refused before anything is
    /// written.
    pub async fn add_tld(
        &self,
        policy: &Policy,
        now: OffsetDateTime,
    ) -> Result<Done<()>, ServiceError> {
        policy.check()?;
        let meta = Meta::operator(now);
        self.write(&meta, "registry:add-tld", |tx, _| async move {
            with_tx!(tx, Ok(tx.insert_tld(policy).await?))
        })
        .await
    }

    /// Sets the Unicode scripts IDN labels under `tld` may use (every script when empty);
    /// names registered before keep their labels.
    pub async fn set_idn_scripts(
        &self,
        tld: &str,
        scripts: &[String],
        now: OffsetDateTime,
    ) -> Result<Done<()>, ServiceError> {
        let meta = Meta::operator(now);
        self.write(&meta, "registry:set-idn-scripts", |tx, _| async move {
            with_tx!(tx, {
                let mut policy =
                    tx.tld(tld).await?.ok_or_else(|| ServiceError::UnknownTld(tld.to_owned()))?;
                policy.idn_scripts = scripts.to_vec();
                policy.check()?;
                Ok(tx.update_tld(&policy).await?)
            })
        })
        .await
    }

    /// The registrar `id`, if accredited.
    pub async fn registrar(&self, id: &str) -> Result<Option<Registrar>, ServiceError> {
        self.read(|tx| async move { with_tx!(tx, Ok(tx.get_registrar(id).await?)) }).await
    }

    /// Every registrar.
    pub async fn registrars(&self) -> Result<Vec<Registrar>, ServiceError> {
        self.read(|tx| async move { with_tx!(tx, Ok(tx.registrars().await?)) }).await
    }

    /// Accredits a registrar (ACTIVE) with no deposit and no successor; see
    /// [`Registry::accredit`].
    pub async fn add_registrar(
        &self,
        new: &NewRegistrar,
        now: OffsetDateTime,
    ) -> Result<Done<Registrar>, ServiceError> {
        self.accredit(new, &super::Accreditation::default(), now).await
    }

    /// Changes a registrar's EPP password (a login's `<newPW>`, or the operator's reset); the
    /// history records that it changed, never the hash.
    pub async fn set_password(
        &self,
        meta: &Meta<'_>,
        registrar: &str,
        password: &str,
    ) -> Result<Done<()>, ServiceError> {
        crate::lifecycle::names::check_password(password)?;
        let password_hash = self.passwords.hash(password).await?;
        let password_hash = password_hash.as_str();
        self.write(meta, "registry:set-password", |tx, sv_trid| async move {
            with_tx!(tx, {
                tx.set_registrar_password(registrar, password_hash).await?;
                tx.record(&HistoryEntry {
                    at: meta.now,
                    actor: meta.actor.to_owned(),
                    cl_trid: meta.cl_trid.map(str::to_owned),
                    sv_trid,
                    object: ObjectKind::Registrar,
                    object_id: registrar.to_owned(),
                    action: "set_password".to_owned(),
                    reason: None,
                    before: None,
                    after: None,
                })
                .await?;
                Ok(())
            })
        })
        .await
    }

    /// Credits (or, negative, debits) a registrar's account, as the operator.
    pub async fn deposit(
        &self,
        registrar: &str,
        account: Account,
        amount: Money,
        now: OffsetDateTime,
    ) -> Result<Done<Money>, ServiceError> {
        let meta = Meta::operator(now);
        let charge = Charge {
            registrar: registrar.to_owned(),
            account,
            amount,
            kind: ChargeKind::Deposit,
            domain: None,
            years: 0,
            at: now,
        };
        let charge = &charge;
        self.write(&meta, "registry:deposit", |tx, _| async move {
            with_tx!(tx, {
                tx.book(charge).await?;
                Ok(tx.balance(registrar, account).await?)
            })
        })
        .await
    }

    /// A registrar's balance on one account.
    pub async fn balance(&self, registrar: &str, account: Account) -> Result<Money, ServiceError> {
        self.read(|tx| async move { with_tx!(tx, Ok(tx.balance(registrar, account).await?)) }).await
    }

    /// A page of a registrar's ledger.
    pub async fn ledger(
        &self,
        registrar: &str,
        after: Option<u64>,
        page: u32,
    ) -> Result<Vec<LedgerEntry>, ServiceError> {
        self.read(|tx| async move { with_tx!(tx, Ok(tx.ledger(registrar, after, page).await?)) })
            .await
    }

    /// `<poll op="req">`: the oldest message queued for `registrar` and how many wait.
    pub async fn poll_request(&self, registrar: &str) -> Result<Option<PollHead>, ServiceError> {
        self.read(|tx| async move { with_tx!(tx, Ok(tx.poll_head(registrar).await?)) }).await
    }

    /// `<poll op="ack">`: removes message `id`; returns how many remain.
    pub async fn poll_ack(&self, meta: &Meta<'_>, id: u64) -> Result<Done<u64>, ServiceError> {
        let registrar = meta.actor;
        // The registrar's own queue: a suspended registrar may still empty it.
        let act = crate::continuity::registrar::Act::Look;
        self.write_coded(
            meta,
            "poll:ack",
            act,
            |_| 1000,
            |tx, _| async move { with_tx!(tx, Ok(tx.ack(registrar, id).await?)) },
        )
        .await
    }

    /// Queues a system message for a registrar.
    pub async fn notify_registrar(&self, message: &PollMessage) -> Result<Done<u64>, ServiceError> {
        let meta = Meta::operator(message.at);
        self.write(&meta, "registry:notify", |tx, _| async move {
            with_tx!(tx, Ok(tx.enqueue(message).await?))
        })
        .await
    }
}
