//! Contacts.

use std::collections::BTreeSet;

use sqlx::any::AnyRow;

use super::super::codec::{get, get_json, to_json};
use super::super::error::StoreError;
use super::super::tx::{Tx, conflict, found, limit, still_linked};
use super::{StampColumns, stamps};
use crate::model::{AuthCode, Contact, ContactStatus, Disclose, PostalInfo};

/// The part of a contact nothing queries by.
#[derive(serde::Serialize, serde::Deserialize)]
struct Doc {
    postal: Vec<PostalInfo>,
    voice: Option<String>,
    voice_ext: Option<String>,
    fax: Option<String>,
    fax_ext: Option<String>,
    email: String,
    auth: Option<AuthCode>,
    statuses: BTreeSet<ContactStatus>,
    disclose: Option<Disclose>,
}

const COLUMNS: &str = "id, roid, sponsor, created_by, created_at, updated_by, updated_at, doc";

fn doc(contact: &Contact) -> Result<String, StoreError> {
    let doc = Doc {
        postal: contact.postal.clone(),
        voice: contact.voice.clone(),
        voice_ext: contact.voice_ext.clone(),
        fax: contact.fax.clone(),
        fax_ext: contact.fax_ext.clone(),
        email: contact.email.clone(),
        auth: contact.auth.clone(),
        statuses: contact.statuses.clone(),
        disclose: contact.disclose.clone(),
    };
    to_json(&doc, &format!("contact {}", contact.id))
}

fn contact(row: &AnyRow) -> Result<Contact, StoreError> {
    let doc: Doc = get_json(row, "doc")?;
    Ok(Contact {
        id: get(row, "id")?,
        roid: get(row, "roid")?,
        sponsor: get(row, "sponsor")?,
        postal: doc.postal,
        voice: doc.voice,
        voice_ext: doc.voice_ext,
        fax: doc.fax,
        fax_ext: doc.fax_ext,
        email: doc.email,
        auth: doc.auth,
        statuses: doc.statuses,
        disclose: doc.disclose,
        stamps: stamps(row)?,
    })
}

impl Tx {
    /// Adds a contact; [`StoreError::Exists`] if its id (or ROID) is taken.
    pub async fn insert_contact(&mut self, contact: &Contact) -> Result<(), StoreError> {
        self.writing("insert_contact")?;
        let stamp = StampColumns::of(&contact.stamps)?;
        let query = sqlx::query(
            "INSERT INTO contacts (id, roid, sponsor, created_by, created_at, updated_by, \
             updated_at, doc) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(contact.id.as_str())
        .bind(contact.roid.as_str())
        .bind(contact.sponsor.as_str())
        .bind(stamp.created_by)
        .bind(stamp.created_at)
        .bind(stamp.updated_by)
        .bind(stamp.updated_at)
        .bind(doc(contact)?);
        self.run("inserting a contact", query)
            .await
            .map_err(|error| conflict(error, "contact", &contact.id))?;
        Ok(())
    }

    /// Every contact, in id order: at most `page`, after the id `after` (contacts belong to
    /// the registry, not to a TLD, so each TLD's escrow deposit holds them all).
    pub async fn contact_page(
        &mut self,
        after: Option<&str>,
        page: u32,
    ) -> Result<Vec<Contact>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM contacts WHERE id > $1 ORDER BY id LIMIT $2");
        let query = sqlx::query(&sql).bind(after.unwrap_or("")).bind(limit(page));
        self.rows("reading a page of contacts", query).await?.iter().map(contact).collect()
    }

    /// The contact `id`.
    pub async fn get_contact(&mut self, id: &str) -> Result<Option<Contact>, StoreError> {
        self.load_contact(id, false).await
    }

    /// The contact `id`, locked against other writers until this transaction ends.
    pub async fn get_contact_for_update(
        &mut self,
        id: &str,
    ) -> Result<Option<Contact>, StoreError> {
        self.load_contact(id, true).await
    }

    async fn load_contact(&mut self, id: &str, lock: bool) -> Result<Option<Contact>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM contacts WHERE id = $1{}", self.lock_clause(lock));
        self.row("reading a contact", sqlx::query(&sql).bind(id))
            .await?
            .as_ref()
            .map(contact)
            .transpose()
    }

    /// Rewrites the contact `contact.id` (its ROID never changes).
    pub async fn update_contact(&mut self, contact: &Contact) -> Result<(), StoreError> {
        self.writing("update_contact")?;
        let stamp = StampColumns::of(&contact.stamps)?;
        let query = sqlx::query(
            "UPDATE contacts SET sponsor = $2, created_by = $3, created_at = $4, updated_by = $5, \
             updated_at = $6, doc = $7 WHERE id = $1",
        )
        .bind(contact.id.as_str())
        .bind(contact.sponsor.as_str())
        .bind(stamp.created_by)
        .bind(stamp.created_at)
        .bind(stamp.updated_by)
        .bind(stamp.updated_at)
        .bind(doc(contact)?);
        let rows = self
            .run("updating a contact", query)
            .await
            .map_err(|error| conflict(error, "contact", &contact.id))?;
        found(rows, "contact", &contact.id)
    }

    /// Deletes the contact `id`; [`StoreError::Linked`] while a domain uses it.
    pub async fn delete_contact(&mut self, id: &str) -> Result<(), StoreError> {
        self.writing("delete_contact")?;
        let query = sqlx::query("DELETE FROM contacts WHERE id = $1").bind(id);
        let rows = self
            .run("deleting a contact", query)
            .await
            .map_err(|error| still_linked(error, "contact", id))?;
        found(rows, "contact", id)
    }

    /// Whether the contact `id` exists.
    pub async fn contact_exists(&mut self, id: &str) -> Result<bool, StoreError> {
        let query = sqlx::query("SELECT 1 AS hit FROM contacts WHERE id = $1").bind(id);
        self.any("checking a contact", query).await
    }

    /// Whether any domain names the contact `id` (as registrant or in any role).
    pub async fn contact_is_linked(&mut self, id: &str) -> Result<bool, StoreError> {
        let query =
            sqlx::query("SELECT 1 AS hit FROM domain_contacts WHERE contact = $1 LIMIT 1").bind(id);
        self.any("checking a contact's links", query).await
    }
}
