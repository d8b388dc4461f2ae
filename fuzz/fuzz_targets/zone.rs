//! The zone reader on arbitrary text: never a panic or a hang, and every record it reads goes
//! through the compact store and the checks, prints as text that reads back to the same record,
//! and encodes to wire form that decodes to the same RDATA.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nameward_dns::check::{CheckOptions, check_zone};
use nameward_dns::store::ZoneBuilder;
use nameward_dns::zone::{MemoryLoader, NoIncludes, ReaderOptions, ZoneReader};
use nameward_dns::{Name, Record, RecordData};

/// Small include files, so that `$INCLUDE` with and without an origin, nested includes and
/// include loops are all within reach.
fn loader() -> MemoryLoader {
    MemoryLoader::new()
        .with("zones/a.inc", "www 300 IN A 192.0.2.1\n@ 300 IN MX 10 mail\n")
        .with("zones/b.inc", "$ORIGIN sub\nhost 60 AAAA 2001:db8::1\n$INCLUDE b.inc\n")
        .with("zones/sub/c.inc", "$TTL 1h\nx TXT \"in c\"\n$INCLUDE ../a.inc\n")
}

fn options() -> ReaderOptions {
    ReaderOptions { max_generate: 16, include_depth: 4, ..ReaderOptions::default() }
}

/// The record printed in presentation form reads back as the same record.
fn text_round_trip(origin: &Name, record: &Record) {
    let text = format!("{record}\n");
    let mut again =
        ZoneReader::new(text.as_bytes(), "printed", Some(origin.clone()), options(), &NoIncludes);
    match again.next() {
        Some(Ok(entry)) => assert_eq!(&entry.record, record, "printed as {text}"),
        Some(Err(e)) => panic!("printed record does not read back: {text}: {e}"),
        None => panic!("printed record reads as nothing: {text}"),
    }
    assert!(again.next().is_none(), "printed record reads as more than one: {text}");
}

/// The RDATA encodes to wire form that decodes to the same RDATA.
fn wire_round_trip(record: &Record) {
    let wire = record.data.to_wire();
    if wire.len() > usize::from(u16::MAX) {
        return;
    }
    let again = RecordData::from_wire(record.rtype(), &wire);
    assert_eq!(again.as_ref(), Ok(&record.data), "{record}");
}

fuzz_target!(|data: &[u8]| {
    let Ok(origin) = Name::parse("example.", None) else { return };
    let loader = loader();
    let reader = ZoneReader::new(data, "zones/fuzz.zone", Some(origin.clone()), options(), &loader);
    let mut builder = ZoneBuilder::new(&origin);
    let mut records = Vec::new();
    for entry in reader.flatten() {
        if builder.push_entry(&entry).is_ok() {
            records.push(entry.record);
        }
    }
    let store = builder.finish();
    let _ = check_zone(&origin, &store, &CheckOptions::default());
    for stored in store.iter() {
        let record = stored.record();
        assert!(
            record.is_ok(),
            "stored record does not decode: {:?}",
            stored.generic().to_string()
        );
    }
    for record in &records {
        text_round_trip(&origin, record);
        wire_round_trip(record);
    }
});
