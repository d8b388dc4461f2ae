//! Registrars.

use sqlx::any::AnyRow;

use super::codec::{get, get_instant, get_json, micros, to_json};
use super::error::StoreError;
use super::tx::{Tx, conflict, found};
use crate::model::{Registrar, RegistrarState};

const COLUMNS: &str =
    "id, name, state, password_hash, cert_fingerprints, email, successor, created_at";

fn registrar(row: &AnyRow) -> Result<Registrar, StoreError> {
    let state: String = get(row, "state")?;
    Ok(Registrar {
        id: get(row, "id")?,
        name: get(row, "name")?,
        state: RegistrarState::parse(&state).ok_or_else(|| StoreError::Corrupt {
            what: "registrars.state".to_owned(),
            detail: format!("unknown state {state:?}"),
        })?,
        password_hash: get(row, "password_hash")?,
        cert_fingerprints: get_json(row, "cert_fingerprints")?,
        email: get(row, "email")?,
        successor: get(row, "successor")?,
        created_at: get_instant(row, "created_at")?,
    })
}

impl Tx {
    /// Adds a registrar; [`StoreError::Exists`] if its id is taken.
    pub async fn insert_registrar(&mut self, registrar: &Registrar) -> Result<(), StoreError> {
        self.writing("insert_registrar")?;
        let fingerprints = to_json(&registrar.cert_fingerprints, "certificate fingerprints")?;
        let query = sqlx::query(
            "INSERT INTO registrars (id, name, state, password_hash, cert_fingerprints, email, \
             successor, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(registrar.id.as_str())
        .bind(registrar.name.as_str())
        .bind(registrar.state.as_str())
        .bind(registrar.password_hash.as_str())
        .bind(fingerprints)
        .bind(registrar.email.as_deref())
        .bind(registrar.successor.as_deref())
        .bind(micros(registrar.created_at)?);
        self.run("inserting a registrar", query)
            .await
            .map_err(|error| conflict(error, "registrar", &registrar.id))?;
        Ok(())
    }

    /// The registrar `id`.
    pub async fn get_registrar(&mut self, id: &str) -> Result<Option<Registrar>, StoreError> {
        self.load_registrar(id, false).await
    }

    /// The registrar `id`, locked against other writers until this transaction ends.
    pub async fn get_registrar_for_update(
        &mut self,
        id: &str,
    ) -> Result<Option<Registrar>, StoreError> {
        self.load_registrar(id, true).await
    }

    async fn load_registrar(
        &mut self,
        id: &str,
        lock: bool,
    ) -> Result<Option<Registrar>, StoreError> {
        let sql =
            format!("SELECT {COLUMNS} FROM registrars WHERE id = $1{}", self.lock_clause(lock));
        self.row("reading a registrar", sqlx::query(&sql).bind(id))
            .await?
            .as_ref()
            .map(registrar)
            .transpose()
    }

    /// Every registrar, by id (registrars number in the hundreds, not millions).
    pub async fn registrars(&mut self) -> Result<Vec<Registrar>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM registrars ORDER BY id");
        self.rows("listing registrars", sqlx::query(&sql)).await?.iter().map(registrar).collect()
    }

    /// Rewrites every field of the registrar `registrar.id`.
    pub async fn update_registrar(&mut self, registrar: &Registrar) -> Result<(), StoreError> {
        self.writing("update_registrar")?;
        let fingerprints = to_json(&registrar.cert_fingerprints, "certificate fingerprints")?;
        let query = sqlx::query(
            "UPDATE registrars SET name = $2, state = $3, password_hash = $4, \
             cert_fingerprints = $5, email = $6, successor = $7, created_at = $8 WHERE id = $1",
        )
        .bind(registrar.id.as_str())
        .bind(registrar.name.as_str())
        .bind(registrar.state.as_str())
        .bind(registrar.password_hash.as_str())
        .bind(fingerprints)
        .bind(registrar.email.as_deref())
        .bind(registrar.successor.as_deref())
        .bind(micros(registrar.created_at)?);
        let rows = self.run("updating a registrar", query).await?;
        found(rows, "registrar", &registrar.id)
    }

    /// Sets a registrar's standing.
    pub async fn set_registrar_state(
        &mut self,
        id: &str,
        state: RegistrarState,
    ) -> Result<(), StoreError> {
        self.writing("set_registrar_state")?;
        let query = sqlx::query("UPDATE registrars SET state = $2 WHERE id = $1")
            .bind(id)
            .bind(state.as_str());
        let rows = self.run("setting a registrar's state", query).await?;
        found(rows, "registrar", id)
    }

    /// Sets a registrar's EPP password hash.
    pub async fn set_registrar_password(
        &mut self,
        id: &str,
        password_hash: &str,
    ) -> Result<(), StoreError> {
        self.writing("set_registrar_password")?;
        let query = sqlx::query("UPDATE registrars SET password_hash = $2 WHERE id = $1")
            .bind(id)
            .bind(password_hash);
        let rows = self.run("setting a registrar's password", query).await?;
        found(rows, "registrar", id)
    }

    /// Sets the client certificate fingerprints a registrar may log in with.
    pub async fn set_registrar_fingerprints(
        &mut self,
        id: &str,
        fingerprints: &[String],
    ) -> Result<(), StoreError> {
        self.writing("set_registrar_fingerprints")?;
        let query = sqlx::query("UPDATE registrars SET cert_fingerprints = $2 WHERE id = $1")
            .bind(id)
            .bind(to_json(&fingerprints, "certificate fingerprints")?);
        let rows = self.run("setting a registrar's certificates", query).await?;
        found(rows, "registrar", id)
    }
}
