//! Queueing registrant notices over a failed registrar's portfolio on both engines: one notice
//! per address and kind however the work list is paged, idempotence, a run cut short and
//! resumed, long notices, and the holder's address preferred from the sponsor's escrow (for
//! notices and desk codes alike).

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use nameward_registry::continuity::desk::CaseKind;
use nameward_registry::continuity::notices::{Notice, NoticeKind};
use nameward_registry::model::{Account, Contact, Domain, RegistrarState, Stamps};
use nameward_registry::policy::Policy;
use nameward_registry::service::{
    DeskOptions, Mail, MailFuture, Mailer, NewCase, NewRegistrar, QueueOptions, Registry, Visitor,
};
use nameward_registry::store::Store;
use nameward_registry::testing::both;
use time::OffsetDateTime;
use time::macros::datetime;

const START: OffsetDateTime = datetime!(2026-03-01 12:00 UTC);
const FAILED_AT: OffsetDateTime = datetime!(2026-03-31 12:00 UTC);
const EXPIRY: OffsetDateTime = datetime!(2027-03-01 12:00 UTC);

/// A registry with TLD `example` and registrars `gone` (to fail) and `alpha`.
async fn registry(store: Store) -> Registry {
    let registry = Registry::new(store);
    registry.add_tld(&Policy::default_for("example"), START).await.unwrap();
    for id in ["gone", "alpha"] {
        let new = NewRegistrar {
            id: id.to_owned(),
            name: format!("{id} Registrar"),
            password: format!("{id}-password-long-enough"),
            cert_fingerprints: vec!["ab".repeat(32)],
            email: None,
        };
        registry.add_registrar(&new, START).await.unwrap();
        registry.deposit(id, Account::Prepaid, 100_000, START).await.unwrap();
    }
    registry
}

fn contact(id: &str, sponsor: &str, email: &str) -> Contact {
    nameward_registry::testing::contact_object(id, sponsor, email, START)
}

fn domain(name: &str, sponsor: &str, registrant: Option<&str>) -> Domain {
    Domain {
        name: name.to_owned(),
        roid: format!("D{}-EXAMPLE", name.replace('.', "_")),
        sponsor: sponsor.to_owned(),
        reseller: None,
        registrant: registrant.map(str::to_owned),
        contacts: Vec::new(),
        ns: Vec::new(),
        ds: Vec::new(),
        max_sig_life: None,
        statuses: BTreeSet::new(),
        stamps: Stamps::new(sponsor, START),
        expires_at: EXPIRY,
        transferred_at: None,
        auth: None,
        grace: Vec::new(),
        deletion: None,
        transfer: None,
    }
}

async fn put(registry: &Registry, contacts: &[Contact], domains: &[Domain]) {
    let mut tx = registry.store().begin().await.unwrap();
    for contact in contacts {
        tx.insert_contact(contact).await.unwrap();
    }
    for domain in domains {
        tx.insert_domain(domain, None).await.unwrap();
    }
    tx.commit().await.unwrap();
}

async fn fail(registry: &Registry, id: &str) {
    let mut tx = registry.store().begin().await.unwrap();
    tx.set_registrar_state(id, RegistrarState::Failed).await.unwrap();
    tx.commit().await.unwrap();
}

/// 40 names of `gone`, n00 … n39, interleaving in name order: many@example.net holds 15
/// through two contacts (one spelled ` Many@Example.NET`), five pairs hold two each, ten hold
/// one each, and five have no registrant. alpha's a.example is many's too.
async fn portfolio(registry: &Registry) {
    let mut contacts = vec![
        contact("many", "gone", "many@example.net"),
        contact("many2", "gone", " Many@Example.NET"),
    ];
    let mut domains = vec![domain("a.example", "alpha", Some("many"))];
    for index in 0..40 {
        let registrant = if index % 4 == 0 {
            Some("many".to_owned())
        } else if index % 8 == 7 {
            Some("many2".to_owned())
        } else if index % 4 == 1 {
            let id = format!("pair{}", index / 8);
            if index % 8 == 1 {
                contacts.push(contact(&id, "gone", &format!("{id}@example.org")));
            }
            Some(id)
        } else if index % 4 == 2 {
            let id = format!("solo{index}");
            contacts.push(contact(&id, "gone", &format!("{id}@example.com")));
            Some(id)
        } else {
            None
        };
        domains.push(domain(&format!("n{index:02}.example"), "gone", registrant.as_deref()));
    }
    put(registry, &contacts, &domains).await;
}

/// Every notice, checking that no (address, kind) has two.
async fn notices(registry: &Registry) -> BTreeMap<(String, NoticeKind), Notice> {
    let mut seen = BTreeMap::new();
    for notice in registry.notices(None, 0, 10_000).await.unwrap() {
        let key = (notice.address.clone(), notice.kind);
        assert!(notice.names > 0, "an empty notice: {notice:?}");
        assert!(seen.insert(key, notice).is_none(), "two notices of one kind to one address");
    }
    seen
}

fn listed(notice: &Notice) -> Vec<&str> {
    notice.domains.iter().map(|domain| domain.name.as_str()).collect()
}

/// The failure notices of the portfolio are exactly the expected ones, each name once.
async fn assert_portfolio_noticed(registry: &Registry) {
    let notices = notices(registry).await;
    assert_eq!(notices.len(), 16, "{:?}", notices.keys());
    let mut names = BTreeSet::new();
    for notice in notices.values() {
        assert_eq!(notice.kind, NoticeKind::Failure);
        assert_eq!(notice.names, u64::try_from(notice.domains.len()).unwrap());
        for name in listed(notice) {
            assert!(names.insert(name.to_owned()), "{name} noticed twice");
        }
    }
    assert_eq!(names.len(), 35);
    let many = &notices[&("many@example.net".to_owned(), NoticeKind::Failure)];
    let expected: Vec<String> = (0..40)
        .filter(|index| index % 4 == 0 || index % 8 == 7)
        .map(|index| format!("n{index:02}.example"))
        .collect();
    assert_eq!(listed(many), expected, "in name order, alpha's a.example left out");
    let pair = &notices[&("pair2@example.org".to_owned(), NoticeKind::Failure)];
    assert_eq!(listed(pair), ["n17.example", "n21.example"]);
}

async fn plan_rows(registry: &Registry) -> u64 {
    let counts = registry.store().row_counts().await.unwrap();
    counts.iter().find(|(table, _)| table == "notice_plan").map_or(0, |(_, count)| *count)
}

#[tokio::test]
async fn an_address_gets_one_notice_however_the_work_list_is_paged() {
    both(|store| async move {
        let registry = registry(store).await;
        portfolio(&registry).await;
        fail(&registry, "gone").await;
        let options = QueueOptions { page: 3, batch: 4, stage: 7, stop_after: None };
        let report = registry.queue_notices_with(FAILED_AT, &options).await.unwrap();
        assert_eq!(report.registrars, 1);
        assert_eq!(report.names, 40);
        assert_eq!((report.notices, report.items), (16, 35), "{report:?}");
        assert_eq!(report.unreachable_count, 5);
        assert_eq!(
            report.unreachable,
            ["n03.example", "n11.example", "n19.example", "n27.example", "n35.example"]
        );
        assert_portfolio_noticed(&registry).await;
        assert_eq!(plan_rows(&registry).await, 0, "a finished run empties its work list");
    })
    .await;
}

#[tokio::test]
async fn queueing_again_queues_nothing_new() {
    both(|store| async move {
        let registry = registry(store).await;
        portfolio(&registry).await;
        fail(&registry, "gone").await;
        registry.queue_notices(FAILED_AT).await.unwrap();
        let small = QueueOptions { page: 2, batch: 2, stage: 3, stop_after: None };
        for now in [FAILED_AT, FAILED_AT + time::Duration::days(1)] {
            let again = registry.queue_notices(now).await.unwrap();
            assert_eq!((again.notices, again.items), (0, 0), "{again:?}");
            // Only the names without an address are looked at again.
            assert_eq!((again.names, again.unreachable_count), (5, 5));
            let again = registry.queue_notices_with(now, &small).await.unwrap();
            assert_eq!((again.notices, again.items), (0, 0), "{again:?}");
        }
        assert_portfolio_noticed(&registry).await;
        // The reminders still come, one per address, on their day.
        let reminders = registry.queue_notices_with(EXPIRY - time::Duration::days(30), &small);
        assert_eq!(reminders.await.unwrap().notices, 16);
        assert_eq!(
            registry.queue_notices(EXPIRY - time::Duration::days(29)).await.unwrap().notices,
            0
        );
    })
    .await;
}

#[tokio::test]
async fn a_run_cut_short_leaves_whole_notices_and_the_next_one_finishes() {
    both(|store| async move {
        let registry = registry(store).await;
        portfolio(&registry).await;
        fail(&registry, "gone").await;
        // Filled its work list, then stopped: nothing queued.
        let staged_only = QueueOptions { page: 2, batch: 3, stage: 5, stop_after: Some(0) };
        let report = registry.queue_notices_with(FAILED_AT, &staged_only).await.unwrap();
        assert_eq!((report.notices, report.items), (0, 0));
        assert_eq!(plan_rows(&registry).await, 40);
        // Two transactions of three names or more each, then stopped as if killed.
        let cut = QueueOptions { stop_after: Some(2), ..staged_only };
        let first = registry.queue_notices_with(FAILED_AT, &cut).await.unwrap();
        assert!(first.items > 0 && first.items < 35, "{first:?}");
        assert!(plan_rows(&registry).await > 0, "the work list is left as a kill would");
        // What was committed is whole: each notice lists all its address's names.
        let sizes = |address: &str| match address {
            "many@example.net" => 15,
            address if address.starts_with("pair") => 2,
            _ => 1,
        };
        let committed = notices(&registry).await;
        assert_eq!(u64::try_from(committed.len()).unwrap(), first.notices);
        for ((address, _), notice) in &committed {
            assert_eq!(notice.names, sizes(address), "{address}");
        }
        let rest = registry.queue_notices(FAILED_AT).await.unwrap();
        assert_eq!(first.notices + rest.notices, 16, "{first:?} then {rest:?}");
        assert_eq!(first.items + rest.items, 35);
        assert_portfolio_noticed(&registry).await;
        assert_eq!(plan_rows(&registry).await, 0);
    })
    .await;
}

#[tokio::test]
async fn a_notice_about_thousands_of_names_lists_the_first_thousand() {
    both(|store| async move {
        let registry = registry(store).await;
        let domains: Vec<Domain> = (0..1005)
            .map(|index| domain(&format!("p{index:04}.example"), "gone", Some("proxy")))
            .collect();
        put(&registry, &[contact("proxy", "gone", "proxy@privacy.example")], &domains).await;
        fail(&registry, "gone").await;
        let options = QueueOptions { page: 100, batch: 200, stage: 300, stop_after: None };
        let report = registry.queue_notices_with(FAILED_AT, &options).await.unwrap();
        assert_eq!((report.notices, report.items), (1, 1005));
        let notices = notices(&registry).await;
        let notice = &notices[&("proxy@privacy.example".to_owned(), NoticeKind::Failure)];
        assert_eq!(notice.names, 1005);
        assert_eq!(notice.domains.len(), 1000);
        assert_eq!(notice.domains.first().unwrap().name, "p0000.example");
        assert_eq!(notice.domains.last().unwrap().name, "p0999.example");
    })
    .await;
}

/// Mail kept in memory.
#[derive(Default, Clone)]
struct Recorder {
    mails: Arc<Mutex<Vec<Mail>>>,
}

impl Mailer for Recorder {
    fn send<'a>(&'a self, mail: &'a Mail) -> MailFuture<'a> {
        Box::pin(async move {
            self.mails.lock().unwrap().push(mail.clone());
            Ok(())
        })
    }
}

fn escrow_domain(
    name: &str,
    registrant: Option<&str>,
    customer: Option<&str>,
) -> nameward_escrow::Domain {
    nameward_escrow::Domain {
        name: name.to_owned(),
        registrant: registrant.map(str::to_owned),
        customer: customer.map(str::to_owned),
        admin: None,
        tech: None,
        reseller: None,
        privacy: registrant.is_some_and(|id| id.starts_with("proxy")),
        expires: EXPIRY,
        nameservers: Vec::new(),
    }
}

fn escrow_contact(id: &str, email: &str, customer: Option<&str>) -> nameward_escrow::Contact {
    nameward_escrow::Contact {
        id: id.to_owned(),
        name: format!("Contact {id}"),
        org: None,
        street: vec!["1 Main St".to_owned()],
        city: "Pune".to_owned(),
        sp: None,
        pc: None,
        cc: "IN".to_owned(),
        voice: None,
        email: email.to_owned(),
        customer: customer.map(str::to_owned),
    }
}

fn customer(registrar: &str, id: &str, email: &str) -> nameward_escrow::Customer {
    nameward_escrow::Customer {
        id: id.to_owned(),
        name: format!("Customer {id} of {registrar}"),
        email: email.to_owned(),
        balance: 0,
        currency: "INR".to_owned(),
        reseller: None,
    }
}

#[tokio::test]
async fn the_holder_is_written_to_at_the_escrowed_customers_address() {
    both(|store| async move {
        let registry = registry(store).await;
        put(
            &registry,
            &[
                contact("proxy1", "gone", "proxy@privacy.example"),
                contact("ravi", "gone", "ravi@old-isp.example"),
            ],
            &[
                // Behind the registrar's privacy service; the escrow names the customer.
                domain("shop.example", "gone", Some("proxy1")),
                // Likewise, the customer known through the escrowed proxy contact.
                domain("hidden.example", "gone", Some("proxy1")),
                // No escrow: the registry's contact.
                domain("ravi.example", "gone", Some("ravi")),
                // Only another registrar's escrow knows a customer: not the sponsor's record.
                domain("other.example", "gone", Some("ravi")),
                // No registrant in the registry: the escrowed registrant contact.
                domain("orphan.example", "gone", None),
            ],
        )
        .await;
        let mut tx = registry.store().begin().await.unwrap();
        tx.put_escrow_customers(
            "gone",
            "d1",
            &[
                customer("gone", "cust1", " Shop.Owner@Mail.example"),
                customer("gone", "cust2", "cust2@mail.example"),
            ],
        )
        .await
        .unwrap();
        tx.put_escrow_contacts(
            "gone",
            "d1",
            &[
                escrow_contact("proxy-e1", "proxy@privacy.example", None),
                escrow_contact("proxy-e2", "proxy@privacy.example", Some("cust2")),
                escrow_contact("orphan-c", "orphan@escrow.example", None),
            ],
        )
        .await
        .unwrap();
        tx.put_escrow_domains(
            "gone",
            "d1",
            &[
                escrow_domain("shop.example", Some("proxy-e1"), Some("cust1")),
                escrow_domain("hidden.example", Some("proxy-e2"), None),
                escrow_domain("orphan.example", Some("orphan-c"), None),
            ],
        )
        .await
        .unwrap();
        tx.put_escrow_customers(
            "alpha",
            "a1",
            &[customer("alpha", "x", "x@alpha-customer.example")],
        )
        .await
        .unwrap();
        tx.put_escrow_domains("alpha", "a1", &[escrow_domain("other.example", None, Some("x"))])
            .await
            .unwrap();
        tx.commit().await.unwrap();
        fail(&registry, "gone").await;

        registry.queue_notices(FAILED_AT).await.unwrap();
        let by_address: BTreeMap<String, Vec<String>> = notices(&registry)
            .await
            .into_iter()
            .map(|((address, _), notice)| {
                (address, notice.domains.iter().map(|domain| domain.name.clone()).collect())
            })
            .collect();
        let expected: BTreeMap<String, Vec<String>> = [
            ("shop.owner@mail.example", vec!["shop.example"]),
            ("cust2@mail.example", vec!["hidden.example"]),
            ("ravi@old-isp.example", vec!["other.example", "ravi.example"]),
            ("orphan@escrow.example", vec!["orphan.example"]),
        ]
        .into_iter()
        .map(|(address, names)| {
            (address.to_owned(), names.into_iter().map(str::to_owned).collect())
        })
        .collect();
        assert_eq!(by_address, expected);

        // The desk mails its codes to the same addresses.
        let recorder = Recorder::default();
        for (name, address) in
            [("shop.example", "shop.owner@mail.example"), ("ravi.example", "ravi@old-isp.example")]
        {
            let new =
                NewCase { domain: name.to_owned(), kind: CaseKind::TransferCode, detail: None };
            let visitor = Visitor { session: "a-session", client: "192.0.2.1" };
            let case = registry
                .desk_open_case(&new, DeskOptions::default(), visitor, FAILED_AT)
                .await
                .unwrap();
            let letter = |domain: &str, code: &str| Mail {
                to: String::new(),
                subject: format!("code for {domain}"),
                body: code.to_owned(),
                html: None,
                message_id: None,
            };
            registry
                .desk_send_email_code(&case.id, visitor, &recorder, &letter, FAILED_AT)
                .await
                .unwrap();
            let mails = recorder.mails.lock().unwrap();
            assert_eq!(mails.last().unwrap().to, address, "{name}");
        }
    })
    .await;
}
