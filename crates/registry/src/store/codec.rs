//! Conversions between model values and column values: instants as unix microseconds, the
//! variable parts of objects as JSON text, and typed reads of row columns.

use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::Row;
use sqlx::any::AnyRow;
use time::OffsetDateTime;

use super::error::StoreError;

/// An instant as unix microseconds (UTC). Sub-microsecond precision is dropped: PostgreSQL
/// keeps no more, and both engines must give back the same value.
pub(crate) fn micros(at: OffsetDateTime) -> Result<i64, StoreError> {
    let value = at.unix_timestamp_nanos().div_euclid(1000);
    i64::try_from(value).map_err(|_| StoreError::Invalid {
        what: format!("instant {at}"),
        detail: "outside the range of 64-bit microseconds".to_owned(),
    })
}

/// An optional instant as optional microseconds.
pub(crate) fn micros_opt(at: Option<OffsetDateTime>) -> Result<Option<i64>, StoreError> {
    at.map(micros).transpose()
}

/// The instant `value` unix microseconds name, in UTC.
pub(crate) fn instant(value: i64, what: &str) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(value) * 1000).map_err(|error| {
        StoreError::Corrupt { what: what.to_owned(), detail: format!("{value} µs: {error}") }
    })
}

/// A value as JSON text.
pub(crate) fn to_json<T: Serialize>(value: &T, what: &str) -> Result<String, StoreError> {
    serde_json::to_string(value)
        .map_err(|error| StoreError::Invalid { what: what.to_owned(), detail: error.to_string() })
}

/// A value back from JSON text.
pub(crate) fn from_json<T: DeserializeOwned>(text: &str, what: &str) -> Result<T, StoreError> {
    serde_json::from_str(text)
        .map_err(|error| StoreError::Corrupt { what: what.to_owned(), detail: error.to_string() })
}

/// Reads column `name` of `row`.
pub(crate) fn get<'r, T>(row: &'r AnyRow, name: &str) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    row.try_get(name).map_err(|error| StoreError::Corrupt {
        what: format!("column {name}"),
        detail: error.to_string(),
    })
}

/// Reads an instant column.
pub(crate) fn get_instant(row: &AnyRow, name: &str) -> Result<OffsetDateTime, StoreError> {
    instant(get(row, name)?, name)
}

/// Reads an optional instant column.
pub(crate) fn get_instant_opt(
    row: &AnyRow,
    name: &str,
) -> Result<Option<OffsetDateTime>, StoreError> {
    get::<Option<i64>>(row, name)?.map(|value| instant(value, name)).transpose()
}

/// Reads a JSON column.
pub(crate) fn get_json<T: DeserializeOwned>(row: &AnyRow, name: &str) -> Result<T, StoreError> {
    from_json(&get::<String>(row, name)?, name)
}

/// Reads a non-negative integer column as `u64`.
pub(crate) fn get_u64(row: &AnyRow, name: &str) -> Result<u64, StoreError> {
    let value: i64 = get(row, name)?;
    u64::try_from(value).map_err(|_| StoreError::Corrupt {
        what: format!("column {name}"),
        detail: format!("negative: {value}"),
    })
}

/// A `u64` as the BIGINT both engines store.
pub(crate) fn to_i64(value: u64, what: &str) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::Invalid {
        what: what.to_owned(),
        detail: format!("{value} exceeds the largest stored integer"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_round_trip_to_the_microsecond() {
        for nanos in
            [0_i128, 1_700_000_000_123_456_000, -86_400_000_001_000, 253_402_300_799_999_999_000]
        {
            let at = OffsetDateTime::from_unix_timestamp_nanos(nanos)
                .unwrap_or(OffsetDateTime::UNIX_EPOCH);
            let back = micros(at).and_then(|value| instant(value, "test"));
            assert_eq!(back.ok(), Some(at));
        }
    }

    #[test]
    fn sub_microseconds_are_dropped_toward_the_past() {
        let at =
            OffsetDateTime::from_unix_timestamp_nanos(-1).unwrap_or(OffsetDateTime::UNIX_EPOCH);
        assert_eq!(micros(at).ok(), Some(-1));
    }
}
