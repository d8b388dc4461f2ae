//! Hosted zones: `zones/DOMAIN.zone`, read through nameward-dns's zone reader with the domain as
//! origin, `$INCLUDE` refused and `$GENERATE` bounded; every record must lie inside the zone.

use nameward_dns::Name;
use nameward_dns::zone::{NoIncludes, ReaderOptions, ZoneReader};

use crate::error::EscrowError;
use crate::limits::Limits;
use crate::model::normalize_name;

/// The directory hosted zones live in, and their suffix.
const PREFIX: &str = "zones/";
const SUFFIX: &str = ".zone";

/// The archive path of `domain`'s hosted zone.
pub(crate) fn path_of(domain: &str) -> String {
    format!("{PREFIX}{domain}{SUFFIX}")
}

/// The domain an archive path names, if it is a hosted zone's path at all: `None` for other
/// paths, an error for a path under `zones/` that names no domain.
pub(crate) fn domain_of(path: &str) -> Option<Result<String, EscrowError>> {
    let stem = path.strip_prefix(PREFIX)?;
    let named = stem.strip_suffix(SUFFIX).ok_or_else(|| EscrowError::Unexpected {
        file: path.to_owned(),
        detail: format!("hosted zones are named {PREFIX}DOMAIN{SUFFIX}"),
    });
    Some(named.and_then(|domain| {
        let normal = normalize_name(domain)
            .map_err(|detail| EscrowError::Unexpected { file: path.to_owned(), detail })?;
        if normal == domain {
            Ok(normal)
        } else {
            Err(EscrowError::Unexpected {
                file: path.to_owned(),
                detail: format!("hosted zones are named by the lowercase domain ({normal})"),
            })
        }
    }))
}

/// Reads `text` as the zone of `domain`; the number of records, or the first error with its
/// line.
pub(crate) fn check(domain: &str, text: &str, limits: &Limits) -> Result<u64, EscrowError> {
    let file = path_of(domain);
    let failed = |line: u32, detail: String| EscrowError::Zone { file: file.clone(), line, detail };
    let origin = Name::parse(&format!("{domain}."), None)
        .map_err(|error| failed(0, format!("{domain} is not a DNS name: {error}")))?;
    let options = ReaderOptions {
        max_generate: limits.max_generate,
        max_record_text: limits.max_row_bytes,
        ..ReaderOptions::default()
    };
    let reader =
        ZoneReader::new(text.as_bytes(), &file, Some(origin.clone()), options, &NoIncludes);
    let mut records = 0u64;
    for entry in reader {
        let entry = entry.map_err(|error| failed(error.line, error.message))?;
        if !entry.record.owner.is_subdomain_of(&origin) {
            return Err(failed(
                entry.source.line,
                format!("{} lies outside the zone {domain}", entry.record.owner),
            ));
        }
        records += 1;
    }
    Ok(records)
}
