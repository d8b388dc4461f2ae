use std::sync::Arc;

use proptest::prelude::*;

use super::testing::{record, zone};
use super::*;
use crate::rdata::RecordData;
use crate::rdata::rfc1035::{A, Cname, Txt};
use crate::rtype::Class;

fn lines(store: &ZoneStore) -> Vec<String> {
    store.iter().map(|r| r.to_string()).collect()
}

#[test]
fn iterates_in_canonical_order_with_sources() {
    let store = zone(
        "example.",
        "
        z 60 IN A 192.0.2.3
        @ 60 IN NS ns.example.
        a 60 IN TXT \"b\"
        a 60 IN A 192.0.2.1
        Z.a 60 IN A 192.0.2.2
        @ 60 IN SOA ns hostmaster 1 2 3 4 5
        out.of.zone. 60 IN A 192.0.2.9
        *.z 60 IN MX 10 mail.other.
        a 60 IN TXT \"a\"
        ",
    );
    assert_eq!(
        lines(&store),
        [
            "example. 60 IN NS ns.example.",
            "example. 60 IN SOA ns.example. hostmaster.example. 1 2 3 4 5",
            "a.example. 60 IN A 192.0.2.1",
            "a.example. 60 IN TXT \"a\"",
            "a.example. 60 IN TXT \"b\"",
            "Z.a.example. 60 IN A 192.0.2.2",
            "z.example. 60 IN A 192.0.2.3",
            "*.z.example. 60 IN MX 10 mail.other.",
            "out.of.zone. 60 IN A 192.0.2.9",
        ]
    );
    let lines: Vec<u32> = store.iter().map(|r| r.line()).collect();
    assert_eq!(lines, [3, 7, 5, 10, 4, 6, 2, 9, 8]);
    assert_eq!(store.get(0).unwrap().source().to_string(), "zone:3");
}

#[test]
fn prints_generic_form() {
    let store = zone("example.", "www 300 IN A 192.0.2.1\n@ 300 IN TYPE65534 \\# 0");
    let generic: Vec<String> = store.iter().map(|r| r.generic().to_string()).collect();
    assert_eq!(
        generic,
        ["example. 300 IN TYPE65534 \\# 0", "www.example. 300 IN TYPE1 \\# 4 c0000201"]
    );
}

#[test]
fn finds_records_by_owner() {
    let store = zone(
        "example.",
        "a 60 IN A 192.0.2.1\nb 60 IN A 192.0.2.2\nB 60 IN TXT x\nb.b 60 IN A 192.0.2.3",
    );
    let b = Name::parse("b.example.", None).unwrap();
    assert_eq!(store.find(&b), 1..3);
    assert_eq!(store.find(&Name::parse("c.example.", None).unwrap()), 4..4);
    assert!(store.has(&b, Rtype::TXT));
    assert!(!store.has(&b, Rtype::MX));
    assert_eq!(store.find(&Name::parse("zone.", None).unwrap()), 4..4);
}

#[test]
fn drops_duplicates_keeping_the_first() {
    let store = zone(
        "example.",
        "
        www 60 IN CNAME Target.example.
        www 120 IN CNAME target.EXAMPLE.
        www 60 IN A 192.0.2.1
        www 60 IN A 192.0.2.1
        WWW 60 IN A 192.0.2.1
        ",
    );
    assert_eq!(store.len(), 2);
    let dups: Vec<(u32, u32)> =
        store.duplicates().map(|d| (d.dropped.line(), d.kept.line())).collect();
    assert_eq!(dups, [(5, 4), (6, 4), (3, 2)]);
    assert_eq!(store.get(1).unwrap().to_string(), "www.example. 60 IN CNAME Target.example.");
}

#[test]
fn hip_rendezvous_servers_compare_without_case() {
    let hip = "200100107B1A74DF365639CC39F1D578 AwEAAbdxyhNuSutc5EMzxTs9LBPCIkOFH8cIvM4p9+LrV4e19WzK00+CI6zBCQTdtWsuxKbWIy87UOoJTwkUs7lBu+Upr1gsNrut79ryra+bSRGQb1slImA8YVJyuIDsj7kwzG7jnERNqnWxZ48AWkskmdHaVDP4BcelrTI3rMXdXF5D";
    let store = zone(
        "example.",
        &format!("h 60 IN HIP 2 {hip} rvs.Example.\nh 60 IN HIP 2 {hip} RVS.example.\n"),
    );
    assert_eq!(store.len(), 1);
    assert_eq!(store.duplicates().len(), 1);
    assert_eq!(store.get(0).unwrap().line(), 1);
}

#[test]
fn stores_compactly() {
    let origin = Name::parse("example.com.", None).unwrap();
    let mut builder = ZoneBuilder::new(&origin);
    let file: Arc<str> = Arc::from("zone");
    for i in 0..1000u32 {
        let line = format!("host{i} 3600 IN A 192.0.2.1");
        builder.push(&record(&line, &origin), &Source { file: file.clone(), line: i }).unwrap();
    }
    let store = builder.finish();
    // 16 octets of index, 4 of RDATA and at most 9 of owner per record, and one shared set of
    // type, class, TTL and file.
    assert!(store.memory_size() <= 1000 * 29 + 64, "{}", store.memory_size());
}

fn arb_name() -> impl Strategy<Value = Name> {
    let label = prop::collection::vec(
        prop_oneof![
            Just(b'a'),
            Just(b'B'),
            Just(b'.'),
            Just(0u8),
            Just(1u8),
            Just(2u8),
            Just(0xffu8)
        ],
        1..4,
    );
    (prop::collection::vec(label, 0..4), any::<bool>()).prop_map(|(labels, in_zone)| {
        let base = if in_zone { "example." } else { "other." };
        let base = Name::parse(base, None).unwrap();
        Name::from_labels(labels.iter().map(Vec::as_slice).chain(base.labels())).unwrap()
    })
}

fn arb_record() -> impl Strategy<Value = Record> {
    let data = prop_oneof![
        any::<u32>().prop_map(|a| RecordData::A(A { address: a.into() })),
        arb_name().prop_map(|n| RecordData::Cname(Cname { cname: n })),
        prop::collection::vec(prop::collection::vec(any::<u8>(), 0..3), 1..3)
            .prop_map(|strings| RecordData::Txt(Txt { strings })),
    ];
    (arb_name(), 0u32..3, data).prop_map(|(owner, ttl, data)| Record {
        owner,
        class: Class::IN,
        ttl,
        data,
    })
}

fn canonical_cmp(a: &Record, b: &Record) -> Ordering {
    a.owner
        .canonical_cmp(&b.owner)
        .then(a.rtype().cmp(&b.rtype()))
        .then_with(|| canonical_wire(a).cmp(&canonical_wire(b)))
}

fn canonical_wire(r: &Record) -> Vec<u8> {
    let mut w = Writer::with_mode(WireMode::Canonical);
    r.data.encode(&mut w);
    w.into_bytes()
}

proptest! {
    #[test]
    fn round_trips_in_canonical_order(records in prop::collection::vec(arb_record(), 0..40)) {
        let origin = Name::parse("example.", None).unwrap();
        let file: Arc<str> = Arc::from("zone");
        let mut builder = ZoneBuilder::new(&origin);
        for (line, record) in records.iter().enumerate() {
            builder.push(record, &Source { file: file.clone(), line: line as u32 }).unwrap();
        }
        let store = builder.finish();
        let mut out: Vec<(Record, u32)> =
            store.iter().map(|r| (r.record().unwrap(), r.line())).collect();
        for pair in out.windows(2) {
            prop_assert_eq!(canonical_cmp(&pair[0].0, &pair[1].0), Ordering::Less);
        }
        for d in store.duplicates() {
            let (dropped, kept) = (d.dropped.record().unwrap(), d.kept.record().unwrap());
            prop_assert_eq!(&dropped.data, &kept.data);
            prop_assert_eq!(&dropped.owner, &kept.owner);
            prop_assert!(d.kept.line() < d.dropped.line());
            out.push((dropped, d.dropped.line()));
        }
        out.sort_by_key(|(_, line)| *line);
        let back: Vec<Record> = out.into_iter().map(|(r, _)| r).collect();
        prop_assert_eq!(back, records);
    }
}

#[test]
fn attributes_past_the_shared_table_live_in_the_arena() {
    // More distinct TTLs than the shared table holds: the last ones are written in the arena.
    let origin = Name::parse("example.", None).unwrap();
    let mut builder = ZoneBuilder::new(&origin);
    let file: Arc<str> = Arc::from("zone");
    let count = 70_000u32;
    for i in 0..count {
        let line = if i % 2 == 0 {
            format!("h{i} {i} IN A 192.0.2.1")
        } else {
            format!("h{i} {i} IN MX 10 Mail.example.")
        };
        builder.push(&record(&line, &origin), &Source { file: file.clone(), line: i + 1 }).unwrap();
    }
    let store = builder.finish();
    assert_eq!(store.len(), count as usize);
    for r in store.iter() {
        let i = r.line() - 1;
        assert_eq!(r.ttl(), i);
        assert_eq!(r.class(), Class::IN);
        assert_eq!(r.source().to_string(), format!("zone:{}", i + 1));
        assert_eq!(r.owner().to_string(), format!("h{i}.example."));
        if i % 2 == 0 {
            assert_eq!(r.rtype(), Rtype::A);
        } else {
            assert_eq!(r.rtype(), Rtype::MX);
            assert_eq!(r.to_string(), format!("h{i}.example. {i} IN MX 10 Mail.example."));
            assert_eq!(r.canonical_rdata(), b"\x00\x0a\x04mail\x07example\x00");
        }
    }
    let h69999 = Name::parse("h69999.example.", None).unwrap();
    assert!(store.has(&h69999, Rtype::MX));
}
