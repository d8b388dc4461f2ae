//! Small zones for tests, one record per line, until the zone reader can be used here.

use std::sync::Arc;

use super::{ZoneBuilder, ZoneStore};
use crate::name::Name;
use crate::rdata::RecordData;
use crate::record::Record;
use crate::rtype::{Class, Rtype};
use crate::text::Tokens;
use crate::zone::{Source, tokenize_rdata};

/// Parses `owner TTL CLASS TYPE RDATA` (names relative to `origin`).
pub fn record(line: &str, origin: &Name) -> Record {
    let mut fields = line.split_whitespace();
    let mut field = || fields.next().unwrap_or_else(|| panic!("short record: {line}"));
    let owner = Name::parse(field(), Some(origin)).unwrap();
    let ttl = field().parse().unwrap();
    let class = Class::from_text(field().as_bytes()).unwrap();
    let rtype = Rtype::from_text(field().as_bytes()).unwrap();
    let rest = line.splitn(5, char::is_whitespace).nth(4).unwrap_or("");
    let tokens = tokenize_rdata(rest.as_bytes());
    let mut t = Tokens::new(&tokens, Some(origin));
    let data = RecordData::parse_text(rtype, &mut t).unwrap_or_else(|e| panic!("{line}: {e}"));
    Record { owner, class, ttl, data }
}

/// A store from `text`, one record per line (blank lines skipped, line numbers kept), read
/// from the file `zone`.
pub fn zone(origin: &str, text: &str) -> ZoneStore {
    let origin = Name::parse(origin, None).unwrap();
    let file: Arc<str> = Arc::from("zone");
    let mut builder = ZoneBuilder::new(&origin);
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let source = Source { file: file.clone(), line: i as u32 + 1 };
        builder.push(&record(line, &origin), &source).unwrap();
    }
    builder.finish()
}
