//! The restore drill: a registry with every kind of object, deposited, verified and restored
//! into a fresh database of the other engine, then compared object by object and zone by
//! zone; and deposits that are tampered with, wrongly keyed, miscounted or dangling refused
//! with what and where.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod common;

use std::path::Path;

use common::{TempDir, fill, keys, options};
use nameward_rde::RdeError;
use nameward_rde::deposit::{DepositOptions, deposit, package};
use nameward_rde::openpgp;
use nameward_rde::restore::restore;
use nameward_rde::verify::{Verified, verify};
use nameward_registry::model::{Contact, Domain, Host, Registrar};
use nameward_registry::publish::zone_text;
use nameward_registry::service::Registry;
use nameward_registry::store::Store;
use nameward_registry::testing::{PostgresDb, SqliteFile, example_apex};

/// Every domain, host, contact and registrar of `store`, with what escrow does not carry
/// (auth codes, credentials) cleared, and contacts' disclosure fields in one order (the
/// deposit writes them in the order EPP's schema sets; which the registrar named first is
/// not kept).
async fn everything(store: &Store) -> (Vec<Registrar>, Vec<Contact>, Vec<Host>, Vec<Domain>) {
    let mut tx = store.begin_read().await.unwrap();
    let registrars = tx
        .registrars()
        .await
        .unwrap()
        .into_iter()
        .map(|registrar| Registrar {
            password_hash: String::new(),
            cert_fingerprints: Vec::new(),
            ..registrar
        })
        .collect();
    let contacts = tx
        .contact_page(None, 10_000)
        .await
        .unwrap()
        .into_iter()
        .map(|contact| Contact {
            auth: None,
            disclose: contact.disclose.map(|mut disclose| {
                disclose.fields.sort();
                disclose
            }),
            ..contact
        })
        .collect();
    let hosts = tx.host_page_for_zone("example", None, 10_000).await.unwrap();
    let domains = tx
        .domain_page_in_zone("example", None, 10_000)
        .await
        .unwrap()
        .into_iter()
        .map(|domain| Domain { auth: None, ..domain })
        .collect();
    tx.rollback().await.unwrap();
    (registrars, contacts, hosts, domains)
}

/// The zone without its SOA (whose serial counts the changes each database saw).
async fn zone_without_soa(store: &Store) -> String {
    let registry = Registry::new(store.clone());
    let (_, records) = registry.tld_zone("example").await.unwrap();
    zone_text(&records)
        .lines()
        .filter(|line| !line.contains(" SOA "))
        .collect::<Vec<_>>()
        .join("\n")
}

async fn drill(source: Store, target: Store, dir: &Path) -> Vec<Verified> {
    fill(source.clone()).await;
    let out = dir.join("out");
    let made = deposit(&source, &options(&out)).await.unwrap();
    assert_eq!(made.record.domains, 7);
    assert_eq!(made.record.hosts, 2);
    assert_eq!(made.record.contacts, 3);
    assert_eq!(made.record.registrars, 3);
    assert!(made.ryde.ends_with("example_2026-04-05_full_S1_R0.ryde"), "{}", made.ryde.display());
    let leftovers: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| {
            name.ends_with(".part") || name.ends_with(".xml.part") || name.ends_with(".tar")
        })
        .collect();
    assert!(leftovers.is_empty(), "spool files left: {leftovers:?}");
    let recorded = source.begin_read().await.unwrap().rde_deposits("example").await.unwrap();
    assert_eq!(recorded, vec![made.record.clone()]);

    let verified =
        verify(&[made.ryde.clone(), made.sig.clone()], &keys(), &dir.join("work")).unwrap();
    assert_eq!(verified.len(), 1);
    assert_eq!(verified[0].tld, "example");

    let restored = restore(&target, &verified).await.unwrap();
    assert_eq!(
        (restored.registrars, restored.contacts, restored.hosts, restored.domains),
        (3, 3, 2, 7)
    );
    assert_eq!(restored.subordinate_hosts, 1);
    let (want, got) = (everything(&source).await, everything(&target).await);
    assert_eq!(want.0, got.0, "registrars");
    assert_eq!(want.1, got.1, "contacts");
    assert_eq!(want.2, got.2, "hosts");
    for (want, got) in want.3.iter().zip(&got.3) {
        assert_eq!(want, got, "domain {}", want.name);
    }
    assert_eq!(want.3.len(), got.3.len());
    Registry::new(target.clone()).set_zone_apex(&example_apex(), common::WATERMARK).await.unwrap();
    assert_eq!(zone_without_soa(&source).await, zone_without_soa(&target).await);
    // A restore goes into a new database only.
    assert!(matches!(restore(&target, &verified).await, Err(RdeError::Usage(_))));
    verified
}

/// Runs `drill` from SQLite into PostgreSQL and from PostgreSQL into SQLite; SQLite to SQLite
/// when there is no PostgreSQL (whose absence [`PostgresDb::new`] reports).
async fn each_direction<F, Fut>(what: &str, drill: F)
where
    F: Fn(Store, Store, std::path::PathBuf) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let dir = TempDir::new(what);
    let source = SqliteFile::new();
    let source_store = Store::open(&source.url()).await.unwrap();
    match PostgresDb::new().await {
        Some(database) => {
            let target = Store::open(&database.url).await.unwrap();
            drill(source_store.clone(), target.clone(), dir.0.join("to_pg")).await;
            target.close().await;
            database.drop_database().await;
            let database = PostgresDb::new().await.unwrap();
            let pg_source = Store::open(&database.url).await.unwrap();
            let sqlite_target = SqliteFile::new();
            let target = Store::open(&sqlite_target.url()).await.unwrap();
            drill(pg_source.clone(), target, dir.0.join("to_sqlite")).await;
            pg_source.close().await;
            database.drop_database().await;
        }
        None => {
            let target_file = SqliteFile::new();
            let target = Store::open(&target_file.url()).await.unwrap();
            drill(source_store.clone(), target, dir.0.join("to_sqlite")).await;
        }
    }
    source_store.close().await;
}

#[tokio::test]
async fn sqlite_deposit_restores_into_postgres_and_back() {
    each_direction("drill", |source, target, dir| async move {
        drill(source, target, &dir).await;
    })
    .await;
}

/// A deposit made from the registry, for the refusal tests.
async fn made(dir: &Path) -> (DepositOptions, std::path::PathBuf, String) {
    let file = SqliteFile::new();
    let store = Store::open(&file.url()).await.unwrap();
    fill(store.clone()).await;
    let options = options(&dir.join("out"));
    let made = deposit(&store, &options).await.unwrap();
    store.close().await;
    let verified = verify(std::slice::from_ref(&made.ryde), &keys(), &dir.join("work")).unwrap();
    let xml = std::fs::read_to_string(&verified[0].xml).unwrap();
    (options, made.ryde, xml)
}

fn problems(result: Result<Vec<Verified>, RdeError>) -> Vec<String> {
    match result {
        Err(RdeError::Problems(list)) => list.iter().map(ToString::to_string).collect(),
        other => panic!("expected problems, got {other:?}"),
    }
}

/// Packages `xml` as a deposit signed and encrypted with the test keys, under `base`.
fn repackage(xml: &str, base: &str, options: &DepositOptions, dir: &Path) -> std::path::PathBuf {
    let out = dir.join(base);
    std::fs::create_dir_all(&out).unwrap();
    let path = out.join(format!("{base}.xml.part"));
    std::fs::write(&path, xml).unwrap();
    let agent = openpgp::public_key(&options.agent_key).unwrap();
    let signer = openpgp::secret_key(&options.signing_key).unwrap();
    package(&path, base, &out, &agent, &signer, options).unwrap().0
}

#[tokio::test]
async fn bad_deposits_are_refused_with_file_and_element() {
    let dir = TempDir::new("refusals");
    let (options, ryde, xml) = made(&dir.0).await;

    // Tampered: one byte of the encrypted file flipped; the signature no longer verifies.
    let tampered = dir.0.join("tampered");
    std::fs::create_dir_all(&tampered).unwrap();
    let mut bytes = std::fs::read(&ryde).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    let copy = tampered.join("example_2026-04-05_full_S1_R0.ryde");
    std::fs::write(&copy, &bytes).unwrap();
    std::fs::copy(ryde.with_extension("sig"), copy.with_extension("sig")).unwrap();
    let found = problems(verify(&[copy], &keys(), &dir.0.join("work2")));
    assert!(found[0].contains("signature does not verify"), "{found:?}");

    // Truncated: the same.
    let truncated = dir.0.join("truncated");
    std::fs::create_dir_all(&truncated).unwrap();
    let whole = std::fs::read(&ryde).unwrap();
    let copy = truncated.join("example_2026-04-05_full_S1_R0.ryde");
    std::fs::write(&copy, &whole[..whole.len() / 3]).unwrap();
    std::fs::copy(ryde.with_extension("sig"), copy.with_extension("sig")).unwrap();
    assert!(problems(verify(&[copy], &keys(), &dir.0.join("work3")))[0].contains("signature"));

    // Signed by someone else: the agent's key is not the registry's.
    let wrong =
        nameward_rde::verify::Keys { registry_public: common::data("agent.pub.asc"), ..keys() };
    assert!(
        problems(verify(std::slice::from_ref(&ryde), &wrong, &dir.0.join("work4")))[0]
            .contains("signature")
    );

    // Encrypted for someone else: decrypting with the registry's key fails.
    let wrong =
        nameward_rde::verify::Keys { agent_secret: common::data("registry.sec.asc"), ..keys() };
    let found = problems(verify(std::slice::from_ref(&ryde), &wrong, &dir.0.join("work5")));
    assert!(found[0].contains("decrypting"), "{found:?}");

    // A count that does not match.
    let miscounted = xml.replacen(">7</rdeHeader:count>", ">8</rdeHeader:count>", 1);
    assert_ne!(miscounted, xml);
    let path = repackage(&miscounted, "example_2026-04-05_full_S1_R1", &options, &dir.0);
    let found = problems(verify(&[path], &keys(), &dir.0.join("work6")));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains(
            "count[@uri='urn:ietf:params:xml:ns:rdeDomain-1.0']: says 8 but the deposit holds 7"
        ),
        "{found:?}"
    );

    // A dangling reference: the external host removed, so two domains name a missing host.
    let name = xml.find("<rdeHost:name>ns.external.test<").expect("the external host");
    let start = xml[..name].rfind("<rdeHost:host>").unwrap();
    let end = start + xml[start..].find("</rdeHost:host>").unwrap() + "</rdeHost:host>".len();
    let dangling = format!("{}{}", &xml[..start], &xml[end..]).replacen(
        "<rdeHeader:count uri=\"urn:ietf:params:xml:ns:rdeHost-1.0\">2<",
        "<rdeHeader:count uri=\"urn:ietf:params:xml:ns:rdeHost-1.0\">1<",
        1,
    );
    let path = repackage(&dangling, "example_2026-04-05_full_S1_R2", &options, &dir.0);
    let found = problems(verify(&[path], &keys(), &dir.0.join("work7")));
    assert!(
        found.iter().any(|problem| problem.contains("rdeDomain:domain[alpha.example]/ns/hostObj: host ns.external.test is not in the deposit")),
        "{found:?}"
    );
    assert!(found.iter().all(|problem| problem.contains("ns.external.test")), "{found:?}");

    // An object twice: its key and its ROID are each refused once, where the second sits.
    let name = xml.find("<rdeContact:id>c-tech<").expect("contact c-tech");
    let start = xml[..name].rfind("<rdeContact:contact>").unwrap();
    let end =
        start + xml[start..].find("</rdeContact:contact>").unwrap() + "</rdeContact:contact>".len();
    let twice = format!("{}{}{}", &xml[..end], &xml[start..end], &xml[end..]).replacen(
        "<rdeHeader:count uri=\"urn:ietf:params:xml:ns:rdeContact-1.0\">3<",
        "<rdeHeader:count uri=\"urn:ietf:params:xml:ns:rdeContact-1.0\">4<",
        1,
    );
    let path = repackage(&twice, "example_2026-04-05_full_S1_R4", &options, &dir.0);
    let found = problems(verify(&[path], &keys(), &dir.0.join("work9")));
    assert_eq!(
        found,
        [
            "example_2026-04-05_full_S1_R4.xml: rdeContact:contact[c-tech]: appears twice",
            "example_2026-04-05_full_S1_R4.xml: rdeContact:contact[c-tech]/roid: ROID C2-EXAMPLE is used twice",
        ]
    );

    // An XML bomb: a DTD is refused before any entity expands.
    let bomb = xml.replacen(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><!DOCTYPE d [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]>",
        1,
    );
    let path = repackage(&bomb, "example_2026-04-05_full_S1_R3", &options, &dir.0);
    let found = problems(verify(&[path], &keys(), &dir.0.join("work8")));
    assert!(found[0].contains("DOCTYPE refused"), "{found:?}");
}

#[tokio::test]
async fn a_restore_that_fails_midway_leaves_nothing() {
    let dir = TempDir::new("atomic");
    let (_, _, xml) = made(&dir.0).await;
    // A deposit that escaped verification: a domain names a host that is not in it, so the
    // restore fails at the domains, after registrars, contacts and hosts went in.
    let broken =
        xml.replacen("<domain:hostObj>ns.external.test<", "<domain:hostObj>ns.missing.test<", 1);
    assert_ne!(broken, xml);
    let path = dir.0.join("broken.xml");
    std::fs::write(&path, broken).unwrap();
    let deposit = Verified {
        ryde: dir.0.join("broken.ryde"),
        xml: path,
        xml_name: "broken.xml".to_owned(),
        kind: nameward_rde::names::Kind::Full,
        id: "X".to_owned(),
        prev_id: None,
        watermark: common::WATERMARK,
        tld: "example".to_owned(),
        counts: Default::default(),
        references_checked: true,
    };
    let file = SqliteFile::new();
    let target = Store::open(&file.url()).await.unwrap();
    let refused = restore(&target, &[deposit]).await.unwrap_err();
    assert!(refused.to_string().contains("rdeDomain:domain["), "{refused}");
    let (registrars, contacts, hosts, domains) = everything(&target).await;
    assert!(registrars.is_empty() && contacts.is_empty() && hosts.is_empty() && domains.is_empty());
    assert!(target.begin_read().await.unwrap().tld("example").await.unwrap().is_none());
    target.close().await;
}

/// Options for a DIFF described at `watermark`.
fn diff_options(out: &Path, watermark: time::OffsetDateTime) -> DepositOptions {
    DepositOptions {
        kind: nameward_rde::names::Kind::Diff,
        watermark,
        now: watermark + time::Duration::hours(2),
        ..options(out)
    }
}

/// A FULL deposit, then two days of changes of every kind, each day's in a DIFF: the FULL and
/// both DIFFs verify as one chain, and restore into the other engine as the registry now is.
async fn diff_drill(source: Store, target: Store, dir: &Path) {
    use common::{create, meta};
    use nameward_registry::lifecycle::contact::ContactUpdate;
    use nameward_registry::lifecycle::domain::{DomainCreate, DomainUpdate};
    use nameward_registry::lifecycle::host::{HostCreate, HostUpdate};
    use nameward_registry::model::DomainStatus;
    use nameward_registry::service::TransferOp;
    use nameward_registry::testing::new_contact;
    use time::Duration;

    let registry = fill(source.clone()).await;
    let out = dir.join("out");
    let full = deposit(&source, &options(&out)).await.unwrap();

    // Day one: a name deleted in its add grace period (gone at once), a name created, a
    // contact created and one changed, a host renamed (the domains using it follow), a
    // pending transfer approved.
    let day = common::WATERMARK + Duration::hours(6);
    registry.domain_delete(&meta("beta", day), "fresh.example").await.unwrap();
    registry
        .contact_create(&meta("alpha", day), &new_contact("c-new", "new@alpha.test"))
        .await
        .unwrap();
    let update = ContactUpdate {
        voice: Some(Some("+91.2099999999".to_owned())),
        ..ContactUpdate::default()
    };
    registry.contact_update(&meta("alpha", day), "c-tech", &update).await.unwrap();
    registry
        .host_create(
            &meta("alpha", day),
            &HostCreate { name: "ns9.external.test".to_owned(), addrs: Vec::new() },
        )
        .await
        .unwrap();
    create(
        &registry,
        "alpha",
        DomainCreate {
            name: "new.example".to_owned(),
            registrant: Some("c-new".to_owned()),
            ns: vec!["ns1.alpha.example".to_owned()],
            ..DomainCreate::default()
        },
        day,
    )
    .await;
    let rename =
        HostUpdate { new_name: Some("ns2.alpha.example".to_owned()), ..HostUpdate::default() };
    registry.host_update(&meta("alpha", day), "ns1.alpha.example", &rename).await.unwrap();
    registry
        .domain_transfer(&meta("alpha", day), "moving.example", TransferOp::Approve, None, None)
        .await
        .unwrap();
    let first =
        deposit(&source, &diff_options(&out, common::WATERMARK + Duration::days(1))).await.unwrap();
    assert_eq!(first.record.kind, "DIFF");
    assert_eq!(first.record.prev_id.as_deref(), Some(full.record.deposit_id.as_str()));
    // fresh.example, and the host's old name.
    assert_eq!(first.record.deletes, 2, "{:?}", first.record);
    // alpha.example, held.example, new.example (their name server renamed or new) and
    // moving.example; the renamed host both ways; both contacts.
    assert_eq!(first.record.domains, 4, "{:?}", first.record);
    assert_eq!(first.record.contacts, 2);

    // Day two: a hold lifted, a host and a contact created the day before deleted again.
    let day = common::WATERMARK + Duration::days(1) + Duration::hours(6);
    let lift =
        DomainUpdate { rem_statuses: vec![DomainStatus::ClientHold], ..DomainUpdate::default() };
    registry.domain_update(&meta("alpha", day), "held.example", &lift).await.unwrap();
    registry.host_delete(&meta("alpha", day), "ns9.external.test").await.unwrap();
    registry.domain_delete(&meta("alpha", day), "new.example").await.unwrap();
    registry.contact_delete(&meta("alpha", day), "c-new").await.unwrap();
    let second =
        deposit(&source, &diff_options(&out, common::WATERMARK + Duration::days(2))).await.unwrap();
    assert_eq!(second.record.prev_id.as_deref(), Some(first.record.deposit_id.as_str()));
    assert_eq!(second.record.deletes, 3, "{:?}", second.record);

    // A DIFF on its own verifies, but cannot have its references checked.
    let alone = verify(std::slice::from_ref(&second.ryde), &keys(), &dir.join("alone")).unwrap();
    assert!(!alone[0].references_checked);
    // The chain, given in any order, verifies in watermark order with every reference checked.
    let files = [second.ryde.clone(), full.ryde.clone(), first.ryde.clone()];
    let verified = verify(&files, &keys(), &dir.join("work")).unwrap();
    let kinds: Vec<&str> = verified.iter().map(|deposit| deposit.kind.as_str()).collect();
    assert_eq!(kinds, ["FULL", "DIFF", "DIFF"]);
    assert!(verified.iter().all(|deposit| deposit.references_checked));
    // Out of chain: the second DIFF straight after the FULL is refused.
    let gap = [verified[0].clone(), verified[2].clone()];
    assert!(matches!(restore(&target, &gap).await, Err(RdeError::Usage(_))));

    restore(&target, &verified).await.unwrap();
    let (want, got) = (everything(&source).await, everything(&target).await);
    assert_eq!(want.0, got.0, "registrars");
    assert_eq!(want.1, got.1, "contacts");
    assert_eq!(want.2, got.2, "hosts");
    assert_eq!(
        want.3.iter().map(|domain| &domain.name).collect::<Vec<_>>(),
        got.3.iter().map(|domain| &domain.name).collect::<Vec<_>>()
    );
    for (want, got) in want.3.iter().zip(&got.3) {
        assert_eq!(want, got, "domain {}", want.name);
    }
    Registry::new(target.clone()).set_zone_apex(&example_apex(), common::WATERMARK).await.unwrap();
    assert_eq!(zone_without_soa(&source).await, zone_without_soa(&target).await);
}

/// PostgreSQL as the source also proves its change marks (ids handed out before commit).
#[tokio::test]
async fn full_and_diffs_restore_into_the_other_engine() {
    each_direction("diff", |source, target, dir| async move {
        diff_drill(source, target, &dir).await;
    })
    .await;
}
