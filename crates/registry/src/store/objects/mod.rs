//! Contacts, hosts and domains: a row of indexed columns each, the rest as a JSON document, and
//! the relation tables that link domains to their hosts and contacts.

mod bulk;

pub use bulk::HistoryRow;
mod contacts;
mod domains;
mod hosts;

use sqlx::any::AnyRow;

use super::codec::{get, get_instant, get_instant_opt, micros, micros_opt};
use super::error::StoreError;
use crate::model::Stamps;

/// The audit columns every object table has, in bind order.
pub(super) struct StampColumns<'a> {
    pub(super) created_by: &'a str,
    pub(super) created_at: i64,
    pub(super) updated_by: Option<&'a str>,
    pub(super) updated_at: Option<i64>,
}

impl<'a> StampColumns<'a> {
    fn of(stamps: &'a Stamps) -> Result<StampColumns<'a>, StoreError> {
        Ok(StampColumns {
            created_by: &stamps.created_by,
            created_at: micros(stamps.created_at)?,
            updated_by: stamps.updated_by.as_deref(),
            updated_at: micros_opt(stamps.updated_at)?,
        })
    }
}

fn stamps(row: &AnyRow) -> Result<Stamps, StoreError> {
    Ok(Stamps {
        created_by: get(row, "created_by")?,
        created_at: get_instant(row, "created_at")?,
        updated_by: get(row, "updated_by")?,
        updated_at: get_instant_opt(row, "updated_at")?,
    })
}
