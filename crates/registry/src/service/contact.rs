//! Contact commands.

use rand_core::OsRng;

use super::{
    Availability, Done, Meta, Registry, ServiceError, ctx, default_policy, json, must_exist,
    settle, with_tx,
};
use crate::lifecycle::contact::{self as engine, ContactCreate, ContactUpdate};
use crate::lifecycle::{OPERATOR, Refusal, names};
use crate::model::{Contact, ObjectKind};
use crate::store::Tx;

/// A contact as `<info>` shows it: everything to its sponsor (or with its authInfo), and to
/// others only what the registry's disclosure policy lets them see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactView {
    /// The contact.
    pub contact: Contact,
    /// Whether it is linked to a domain.
    pub linked: bool,
    /// Whether the asker may see the full object.
    pub full: bool,
}

impl Registry {
    /// `<contact:check>`.
    pub async fn check_contacts(&self, ids: &[String]) -> Result<Vec<Availability>, ServiceError> {
        self.read(|tx| async move {
            with_tx!(tx, {
                let mut answers = Vec::with_capacity(ids.len());
                for id in ids {
                    let reason = match names::check_contact_id(id) {
                        Err(refusal) => Some(refusal.to_string()),
                        Ok(()) if tx.contact_exists(id).await? => Some("In use".to_owned()),
                        Ok(()) => None,
                    };
                    answers.push(Availability::new(id, reason));
                }
                Ok(answers)
            })
        })
        .await
    }

    /// `<contact:info>`. A registrar that does not sponsor the contact needs its authInfo;
    /// without it the answer is 2201 (RST epp-08: contact access control).
    pub async fn contact_info(
        &self,
        meta: &Meta<'_>,
        id: &str,
        auth_code: Option<&str>,
    ) -> Result<ContactView, ServiceError> {
        self.read(|tx| async move {
            with_tx!(tx, {
                let contact = existing(&mut tx, id, false).await?;
                let linked = tx.contact_is_linked(id).await?;
                let sponsor = meta.actor == contact.sponsor || meta.actor == OPERATOR;
                let with_code = match (auth_code, &contact.auth) {
                    (Some(code), Some(stored)) => crate::secret::verify_code(code, stored),
                    _ => false,
                };
                if !sponsor && !with_code {
                    return Err(ServiceError::Refused(Refusal::AuthorizationError {
                        object: format!("contact {id}"),
                        reason: "sponsored by another registrar".to_owned(),
                    }));
                }
                Ok(ContactView { contact, linked, full: true })
            })
        })
        .await
    }

    /// `<contact:create>`.
    pub async fn contact_create(
        &self,
        meta: &Meta<'_>,
        req: &ContactCreate,
    ) -> Result<Done<Contact>, ServiceError> {
        self.write(meta, "contact:create", |tx, sv_trid| async move {
            with_tx!(tx, {
                let policy = default_policy(&mut tx).await?;
                let taken = tx.contact_exists(&req.id).await?;
                let sequence = tx.next_roid_number(ObjectKind::Contact).await?;
                let decision =
                    engine::create(&ctx(&policy, meta), req, taken, sequence, &mut OsRng)?;
                tx.insert_contact(&decision.state).await?;
                let after = json(&decision.state);
                settle(
                    &mut tx,
                    meta,
                    &sv_trid,
                    (ObjectKind::Contact, &req.id),
                    None,
                    after,
                    &decision,
                )
                .await?;
                Ok(decision.state)
            })
        })
        .await
    }

    /// `<contact:update>`.
    pub async fn contact_update(
        &self,
        meta: &Meta<'_>,
        id: &str,
        req: &ContactUpdate,
    ) -> Result<Done<Contact>, ServiceError> {
        self.write(meta, "contact:update", |tx, sv_trid| async move {
            with_tx!(tx, {
                let before = existing(&mut tx, id, true).await?;
                let policy = default_policy(&mut tx).await?;
                let decision = engine::update(&ctx(&policy, meta), &before, req, &mut OsRng)?;
                tx.update_contact(&decision.state).await?;
                let after = json(&decision.state);
                settle(
                    &mut tx,
                    meta,
                    &sv_trid,
                    (ObjectKind::Contact, id),
                    json(&before),
                    after,
                    &decision,
                )
                .await?;
                Ok(decision.state)
            })
        })
        .await
    }

    /// `<contact:delete>`.
    pub async fn contact_delete(
        &self,
        meta: &Meta<'_>,
        id: &str,
    ) -> Result<Done<()>, ServiceError> {
        self.write(meta, "contact:delete", |tx, sv_trid| async move {
            with_tx!(tx, {
                let before = existing(&mut tx, id, true).await?;
                let policy = default_policy(&mut tx).await?;
                let linked = tx.contact_is_linked(id).await?;
                let decision = engine::delete(&ctx(&policy, meta), &before, linked)?;
                tx.delete_contact(id).await?;
                settle(
                    &mut tx,
                    meta,
                    &sv_trid,
                    (ObjectKind::Contact, id),
                    json(&before),
                    None,
                    &decision,
                )
                .await?;
                Ok(())
            })
        })
        .await
    }
}

async fn existing(tx: &mut Tx, id: &str, for_update: bool) -> Result<Contact, ServiceError> {
    let found =
        if for_update { tx.get_contact_for_update(id).await? } else { tx.get_contact(id).await? };
    must_exist(found, "contact", id)
}
