//! Deposits written and read back; every way a deposit can be wrong is refused whole, with the
//! file (and line and field) named; arbitrary and mutated archives never panic.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use nameward_escrow::{
    ArchiveFile, Contact, Customer, Deposit, DepositBuilder, DepositKind, Domain, EscrowError,
    Limits, Reseller, SigningKey, pack, unpack,
};
use proptest::prelude::*;
use time::macros::datetime;

fn key() -> SigningKey {
    SigningKey::from_bytes(&[42; 32])
}

fn contact(id: &str, email: &str, customer: Option<&str>) -> Contact {
    Contact {
        id: id.to_owned(),
        name: format!("Contact {id}"),
        org: Some("Example, \"Quoted\" Ltd".to_owned()),
        street: vec!["1 Main St".to_owned(), "Floor 2".to_owned()],
        city: "Pune".to_owned(),
        sp: Some("MH".to_owned()),
        pc: Some("411001".to_owned()),
        cc: "IN".to_owned(),
        voice: Some("+91.2025550100".to_owned()),
        email: email.to_owned(),
        customer: customer.map(str::to_owned),
    }
}

fn sample() -> DepositBuilder {
    DepositBuilder::new(
        "alpha",
        "alpha-2026-01-01",
        DepositKind::Full,
        datetime!(2026-01-01 0:00 UTC),
    )
    .reseller(Reseller {
        id: "r1".to_owned(),
        name: "Reseller One".to_owned(),
        email: "r1@example.net".to_owned(),
        balance: 250_000,
        currency: "INR".to_owned(),
    })
    .customer(Customer {
        id: "c1".to_owned(),
        name: "Asha".to_owned(),
        email: "asha@example.org".to_owned(),
        balance: 1_500,
        currency: "INR".to_owned(),
        reseller: Some("r1".to_owned()),
    })
    .customer(Customer {
        id: "c2".to_owned(),
        name: "Ravi".to_owned(),
        email: "ravi@example.org".to_owned(),
        balance: -20,
        currency: "INR".to_owned(),
        reseller: None,
    })
    .contact(contact("proxy-1", "proxy@privacy.example", Some("c1")))
    .contact(contact("k2", "ravi@example.org", None))
    .domain(Domain {
        name: "shop.example".to_owned(),
        registrant: Some("proxy-1".to_owned()),
        customer: Some("c1".to_owned()),
        admin: Some("proxy-1".to_owned()),
        tech: None,
        reseller: Some("r1".to_owned()),
        privacy: true,
        expires: datetime!(2027-03-01 12:00 UTC),
        nameservers: vec!["ns1.host.example".to_owned(), "ns2.host.example".to_owned()],
    })
    .domain(Domain {
        name: "ravi.example".to_owned(),
        registrant: Some("k2".to_owned()),
        customer: Some("c2".to_owned()),
        admin: None,
        tech: Some("k2".to_owned()),
        reseller: None,
        privacy: false,
        expires: datetime!(2026-11-30 0:00 UTC),
        nameservers: Vec::new(),
    })
    .zone(
        "shop.example",
        "$TTL 300\n@ IN SOA ns1.host.example. hostmaster.shop.example. 1 7200 900 1209600 300\n\
             @ IN NS ns1.host.example.\nwww IN A 192.0.2.7\n",
    )
}

fn read(bytes: &[u8]) -> Result<Deposit, EscrowError> {
    Deposit::read(bytes, &key().verifying_key(), &Limits::default())
}

/// The sample's files, altered by `change`, then signed.
fn resealed(change: impl FnOnce(&mut nameward_escrow::Unsealed)) -> Vec<u8> {
    let mut unsealed = sample().unsealed().unwrap();
    change(&mut unsealed);
    unsealed.seal(&key(), false).unwrap()
}

#[test]
fn a_deposit_reads_back_as_written_plain_or_gzip() {
    for gzip in [false, true] {
        let bytes = sample().build(&key(), gzip).unwrap();
        let deposit = read(&bytes).unwrap();
        let builder = sample();
        assert_eq!(deposit.domains, builder.domains);
        assert_eq!(deposit.contacts, builder.contacts);
        assert_eq!(deposit.customers, builder.customers);
        assert_eq!(deposit.resellers, builder.resellers);
        assert_eq!(deposit.zones.len(), 1);
        assert_eq!(deposit.zones[0].records, 3);
        assert_eq!(deposit.manifest.files["domains.csv"].rows, 2);
        assert_eq!(deposit.manifest.files["zones/shop.example.zone"].rows, 3);
    }
}

#[test]
fn the_csv_is_rfc_4180_with_crlf_and_quotes() {
    let unsealed = sample().unsealed().unwrap();
    let contacts = &unsealed.files.iter().find(|f| f.path == "contacts.csv").unwrap().bytes;
    let text = String::from_utf8(contacts.clone()).unwrap();
    assert!(text.starts_with("id,name,org,street,city,sp,pc,cc,voice,email,customer\r\n"));
    assert!(text.contains("\"Example, \"\"Quoted\"\" Ltd\",\"1 Main St\nFloor 2\""), "{text}");
}

#[test]
fn unsigned_and_wrongly_signed_deposits_are_refused() {
    let bytes = sample().build(&key(), false).unwrap();
    let other = SigningKey::from_bytes(&[1; 32]);
    let error = Deposit::read(&bytes, &other.verifying_key(), &Limits::default()).unwrap_err();
    assert!(matches!(error, EscrowError::Signature { .. }), "{error}");

    let files: Vec<ArchiveFile> = unpack(&bytes, &Limits::default())
        .unwrap()
        .into_iter()
        .filter(|file| file.path != "manifest.sig")
        .collect();
    let error = read(&pack(&files, false).unwrap()).unwrap_err();
    assert_eq!(error.to_string(), "manifest.sig: missing: the deposit is unsigned");

    // A signature over other bytes: the manifest edited after signing.
    let mut files = unpack(&bytes, &Limits::default()).unwrap();
    let manifest = files.iter_mut().find(|file| file.path == "manifest.json").unwrap();
    manifest.bytes = String::from_utf8(manifest.bytes.clone())
        .unwrap()
        .replace("alpha-2026-01-01", "alpha-2026-01-02")
        .into_bytes();
    let error = read(&pack(&files, false).unwrap()).unwrap_err();
    assert!(matches!(error, EscrowError::Signature { .. }), "{error}");
}

/// The archive of `files`, then a file whose header promises `size` octets that never come:
/// reading it at all would end in a truncation error, so a refusal of another kind shows it
/// was not read.
fn with_unread_tail(files: &[ArchiveFile], size: u64) -> Vec<u8> {
    let mut bytes = pack(files, false).unwrap();
    bytes.truncate(bytes.len() - 1024); // the end-of-archive marker
    let mut header = tar::Header::new_ustar();
    header.set_path("zones/big.example.zone").unwrap();
    header.set_size(size);
    header.set_mode(0o644);
    header.set_entry_type(tar::EntryType::Regular);
    header.set_cksum();
    bytes.extend_from_slice(header.as_bytes());
    bytes.extend_from_slice(&[0; 4096]);
    bytes
}

#[test]
fn the_signature_is_checked_before_the_rest_is_unpacked() {
    let bytes = sample().build(&key(), false).unwrap();
    let files = unpack(&bytes, &Limits::default()).unwrap();
    let (head, rest) = files.split_at(2);
    assert_eq!([head[0].path.as_str(), head[1].path.as_str()], ["manifest.json", "manifest.sig"]);

    let other = SigningKey::from_bytes(&[1; 32]);
    let tail = with_unread_tail(head, 400 << 20);
    let error = Deposit::read(&tail, &other.verifying_key(), &Limits::default()).unwrap_err();
    assert!(matches!(error, EscrowError::Signature { .. }), "{error}");
    // With the right key the same archive gets as far as the file, and is refused there.
    let error = read(&with_unread_tail(&files, 400 << 20)).unwrap_err();
    assert!(matches!(error, EscrowError::Unexpected { .. }), "{error}");

    // The registrar is read from the manifest alone.
    assert_eq!(nameward_escrow::claimed_registrar(&tail, &Limits::default()).unwrap(), "alpha");

    // A deposit starts with its manifest and its signature.
    let mut moved = rest.to_vec();
    moved.extend_from_slice(head);
    let error = read(&pack(&moved, false).unwrap()).unwrap_err();
    assert!(error.to_string().contains("a deposit starts with manifest.json"), "{error}");
    let mut unsigned_first = vec![head[0].clone()];
    unsigned_first.extend_from_slice(rest);
    unsigned_first.push(head[1].clone());
    let error = read(&pack(&unsigned_first, false).unwrap()).unwrap_err();
    assert_eq!(error.to_string(), "manifest.sig: missing: the deposit is unsigned");
}

#[test]
fn truncated_and_corrupt_archives_are_refused() {
    for gzip in [false, true] {
        let bytes = sample().build(&key(), gzip).unwrap();
        for cut in [1, 100, 511, 512, 1000, bytes.len() / 2, bytes.len() - 1030] {
            let error = read(&bytes[..cut]).unwrap_err();
            assert!(
                matches!(
                    error,
                    EscrowError::Archive { .. }
                        | EscrowError::Missing { .. }
                        | EscrowError::Signature { .. }
                ),
                "gzip {gzip}, cut at {cut}: {error}"
            );
        }
    }
    assert!(matches!(
        read(b"not an archive at all").unwrap_err(),
        EscrowError::Archive { .. } | EscrowError::Missing { .. }
    ));
}

#[test]
fn a_file_that_differs_from_the_manifest_is_named() {
    let bytes = sample().build(&key(), false).unwrap();
    let mut files = unpack(&bytes, &Limits::default()).unwrap();
    let domains = files.iter_mut().find(|file| file.path == "domains.csv").unwrap();
    domains.bytes.extend_from_slice(b"extra.example,k2,,,,,0,2027-01-01T00:00:00Z,\r\n");
    let error = read(&pack(&files, false).unwrap()).unwrap_err();
    assert!(matches!(&error, EscrowError::Digest { file, .. } if file == "domains.csv"), "{error}");
}

#[test]
fn a_count_that_differs_from_the_manifest_is_named() {
    let bytes = resealed(|unsealed| {
        unsealed.manifest.files.get_mut("customers.csv").unwrap().rows = 3;
    });
    let error = read(&bytes).unwrap_err();
    assert_eq!(error.to_string(), "customers.csv: 2 rows, but the manifest says 3");
}

#[test]
fn bad_rows_name_file_line_and_field() {
    // Contacts span two lines each: their street field holds a line break.
    let cases: [(&str, &str, &str); 4] = [
        ("domains.csv", "bad..name", "domains.csv:4: field name: "),
        ("customers.csv", "c3,Name,not-an-email,1,INR,", "customers.csv:4: field email: "),
        ("customers.csv", "c3,Name,a@b.example,ten,INR,", "customers.csv:4: field balance: "),
        ("contacts.csv", "k9,N,,,Pune,,,india,,k9@x.example,", "contacts.csv:6: field cc: "),
    ];
    for (file, row, expected) in cases {
        let row = if file == "domains.csv" {
            format!("{row},k2,,,,,0,2027-01-01T00:00:00Z,\r\n")
        } else {
            format!("{row}\r\n")
        };
        let bytes = resealed(|unsealed| {
            let target = unsealed.files.iter_mut().find(|f| f.path == file).unwrap();
            target.bytes.extend_from_slice(row.as_bytes());
            let entry = unsealed.manifest.files.get_mut(file).unwrap();
            entry.rows += 1;
            entry.sha256 = sha256(&target.bytes);
        });
        let error = read(&bytes).unwrap_err().to_string();
        assert!(error.starts_with(expected), "{file}: {error}");
    }
}

#[test]
fn a_full_deposit_must_hold_every_row_it_names() {
    let mut builder = sample();
    builder.domains[1].tech = Some("nobody".to_owned());
    let error = builder.unsealed().unwrap_err();
    assert_eq!(error.to_string(), "domains.csv:3: field tech: nobody is not in contacts.csv");
    // An incremental deposit may name rows of the full one it builds on.
    builder.kind = DepositKind::Incr;
    assert!(builder.unsealed().is_ok());
}

#[test]
fn hosted_zones_are_checked_with_the_zone_reader() {
    let builder = sample().zone("ravi.example", "$TTL 60\n@ IN A 192.0.2.1\nwww IN A 300.1.1.1\n");
    let error = builder.unsealed().unwrap_err();
    assert!(error.to_string().starts_with("zones/ravi.example.zone:3: "), "{error}");
    let outside = sample().zone("ravi.example", "$TTL 60\nelsewhere.example. IN A 192.0.2.1\n");
    let error = outside.unsealed().unwrap_err();
    assert!(error.to_string().contains("outside the zone"), "{error}");
}

#[test]
fn unknown_and_unlisted_files_are_refused() {
    let bytes = sample().build(&key(), false).unwrap();
    let mut files = unpack(&bytes, &Limits::default()).unwrap();
    files.push(ArchiveFile { path: "notes.txt".to_owned(), bytes: b"hi".to_vec() });
    let error = read(&pack(&files, false).unwrap()).unwrap_err();
    assert_eq!(error.to_string(), "notes.txt: not listed in the manifest");
}

#[test]
fn limits_refuse_before_reading() {
    let bytes = sample().build(&key(), true).unwrap();
    let small = Limits { max_archive_bytes: 100, ..Limits::default() };
    assert!(matches!(
        Deposit::read(&bytes, &key().verifying_key(), &small),
        Err(EscrowError::Limit { .. })
    ));
    let small = Limits { max_unpacked_bytes: 1000, ..Limits::default() };
    assert!(matches!(
        Deposit::read(&bytes, &key().verifying_key(), &small),
        Err(EscrowError::Limit { .. })
    ));
    let small = Limits { max_entries: 3, ..Limits::default() };
    assert!(matches!(
        Deposit::read(&bytes, &key().verifying_key(), &small),
        Err(EscrowError::Limit { .. })
    ));
    let small = Limits { max_field_bytes: 8, ..Limits::default() };
    let error = Deposit::read(&bytes, &key().verifying_key(), &small).unwrap_err();
    assert!(error.to_string().starts_with("domains.csv:2: field name: "), "{error}");
}

#[test]
fn a_gzip_bomb_stops_at_the_unpacked_limit() {
    let zeros = vec![0u8; 8 << 20];
    let file = ArchiveFile { path: "domains.csv".to_owned(), bytes: zeros };
    let bytes = pack(&[file], true).unwrap();
    assert!(bytes.len() < 100_000);
    let small = Limits { max_unpacked_bytes: 1 << 20, ..Limits::default() };
    let error = Deposit::read(&bytes, &key().verifying_key(), &small).unwrap_err();
    assert!(matches!(error, EscrowError::Limit { .. }), "{error}");
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn label() -> impl Strategy<Value = String> {
    "[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?"
}

fn id() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_.-]{1,16}"
}

fn text() -> impl Strategy<Value = String> {
    // Quotes, commas and non-ASCII letters exercise the CSV quoting.
    "[A-Za-z0-9 ,\"'éü-]{1,24}"
}

fn domain() -> impl Strategy<Value = Domain> {
    (
        (label(), label()),
        proptest::option::of(id()),
        proptest::option::of(id()),
        proptest::option::of(id()),
        any::<bool>(),
        0_i64..4_000_000_000,
        proptest::collection::vec(label(), 0..3),
    )
        .prop_map(|((a, b), registrant, customer, reseller, privacy, secs, ns)| Domain {
            name: format!("{a}.{b}"),
            registrant: registrant.or_else(|| Some("fallback".to_owned())),
            customer,
            admin: None,
            tech: None,
            reseller,
            privacy,
            expires: time::OffsetDateTime::from_unix_timestamp(secs).unwrap(),
            nameservers: {
                let mut names: Vec<String> =
                    ns.into_iter().map(|n| format!("ns.{n}.example")).collect();
                names.dedup();
                names.sort();
                names.dedup();
                names
            },
        })
}

fn customer() -> impl Strategy<Value = Customer> {
    (id(), text(), any::<i64>(), "[A-Z]{3}").prop_map(|(id, name, balance, currency)| Customer {
        email: format!("{}@example.org", id.replace('.', "x")),
        id,
        name,
        balance,
        currency,
        reseller: None,
    })
}

fn contact_strategy() -> impl Strategy<Value = Contact> {
    (id(), text(), proptest::option::of(text()), proptest::collection::vec(text(), 0..4), text())
        .prop_map(|(id, name, org, street, city)| Contact {
            email: format!("c@{}.example", id.to_ascii_lowercase().replace(['.', '_'], "x")),
            id,
            name,
            org,
            street,
            city,
            sp: None,
            pc: None,
            cc: "DE".to_owned(),
            voice: None,
            customer: None,
        })
}

fn dedup_by<T>(rows: Vec<T>, key: impl Fn(&T) -> String) -> Vec<T> {
    let mut seen = std::collections::HashSet::new();
    rows.into_iter().filter(|row| seen.insert(key(row))).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn incremental_deposits_round_trip(
        domains in proptest::collection::vec(domain(), 0..12),
        customers in proptest::collection::vec(customer(), 0..8),
        contacts in proptest::collection::vec(contact_strategy(), 0..8),
        gzip in any::<bool>(),
    ) {
        let mut builder = DepositBuilder::new("alpha", "incr-1", DepositKind::Incr, datetime!(2026-02-01 0:00 UTC));
        builder.domains = dedup_by(domains, |d| d.name.clone());
        builder.customers = dedup_by(customers, |c| c.id.clone());
        builder.contacts = dedup_by(contacts, |c| c.id.clone())
            .into_iter()
            .filter(|c| c.street.len() <= 3)
            .collect();
        let bytes = builder.build(&key(), gzip).unwrap();
        let deposit = read(&bytes).unwrap();
        prop_assert_eq!(&deposit.domains, &builder.domains);
        prop_assert_eq!(&deposit.customers, &builder.customers);
        prop_assert_eq!(&deposit.contacts, &builder.contacts);
    }

    #[test]
    fn arbitrary_bytes_are_refused_without_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        prop_assert!(read(&bytes).is_err());
    }

    #[test]
    fn a_mutated_deposit_is_refused_or_reads_the_same(
        gzip in any::<bool>(),
        at in any::<prop::sample::Index>(),
        xor in 1u8..=255,
        cut in any::<bool>(),
    ) {
        let bytes = sample().build(&key(), gzip).unwrap();
        let original = read(&bytes).unwrap();
        let mut mutated = bytes.clone();
        let index = at.index(mutated.len());
        if cut {
            mutated.truncate(index);
        } else {
            mutated[index] ^= xor;
        }
        // Tar padding carries no data, so flipping it changes nothing; any other change must be
        // refused, never read as different content.
        if let Ok(deposit) = read(&mutated) {
            prop_assert_eq!(deposit, original);
        }
    }
}

/// Writes the fuzz seeds (signed with the fuzz target's key):
/// `cargo test -p nameward-escrow --test deposit -- --ignored write_fuzz_seeds`.
#[test]
#[ignore = "writes files into fuzz/seeds"]
fn write_fuzz_seeds() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds/escrow_deposit");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("full.tar"), sample().build(&key(), false).unwrap()).unwrap();
    std::fs::write(dir.join("full.tar.gz"), sample().build(&key(), true).unwrap()).unwrap();
}
