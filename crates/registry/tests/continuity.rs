//! When a registrar fails, no registrant loses a name: the registrar's standing, a year of
//! continuity through daily ticks, the bulk transfer (resellers, grace, redemption, pending
//! transfers, subordinate hosts, poll messages, resumption, dry run) and the status view, on
//! both engines.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::collections::BTreeMap;

use nameward_registry::lifecycle::domain::DomainCreate;
use nameward_registry::lifecycle::host::HostCreate;
use nameward_registry::lifecycle::{add_years, due};
use nameward_registry::model::{
    Account, ChargeKind, DeletionPhase, ObjectKind, PollBody, RegistrarState, TransferStatus,
};
use nameward_registry::policy::Policy;
use nameward_registry::service::{
    Accreditation, BulkReport, BulkTransfer, Meta, NewRegistrar, Registry, TransferOp,
};
use nameward_registry::store::{ContinuityCounts, Store};
use nameward_registry::testing::both;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const START: OffsetDateTime = datetime!(2026-03-01 00:00 UTC);
const CODE: &str = "k7Qm2ZpX9vRt4LcW8nBy3H";
const FINGERPRINT: &str = "abababababababababababababababababababababababababababababababab";
const PASSWORD: &str = "a-password-long-enough";

fn new_registrar(id: &str) -> NewRegistrar {
    NewRegistrar {
        id: id.to_owned(),
        name: format!("{id} registrar"),
        password: PASSWORD.to_owned(),
        cert_fingerprints: vec![FINGERPRINT.to_owned()],
        email: None,
    }
}

/// A registry with TLD `example` and registrars alpha (whose successor is heir), beta and heir.
async fn registry(store: Store) -> Registry {
    let registry = Registry::new(store);
    registry.add_tld(&Policy::default_for("example"), START).await.unwrap();
    for id in ["heir", "beta"] {
        registry.add_registrar(&new_registrar(id), START).await.unwrap();
        registry.deposit(id, Account::Prepaid, 100_000, START).await.unwrap();
    }
    let terms = Accreditation { security_deposit: 50_000, successor: Some("heir".to_owned()) };
    registry.accredit(&new_registrar("alpha"), &terms, START).await.unwrap();
    registry.deposit("alpha", Account::Prepaid, 100_000, START).await.unwrap();
    registry
}

fn meta(actor: &str, now: OffsetDateTime) -> Meta<'_> {
    Meta { actor, cl_trid: None, now }
}

async fn create(registry: &Registry, actor: &str, name: &str, now: OffsetDateTime) {
    let req = DomainCreate {
        name: name.to_owned(),
        years: 1,
        auth_code: CODE.to_owned(),
        ..DomainCreate::default()
    };
    registry.domain_create(&meta(actor, now), &req).await.unwrap();
}

async fn set_reseller(registry: &Registry, name: &str, reseller: &str) {
    let mut tx = registry.store().begin().await.unwrap();
    let mut domain = tx.get_domain_for_update(name).await.unwrap().unwrap();
    domain.reseller = Some(reseller.to_owned());
    let next = due::next_event_at(&Policy::default_for("example"), &domain);
    tx.update_domain(&domain, next).await.unwrap();
    tx.commit().await.unwrap();
}

/// Every registrar's ledger, as (registrar, kind, amount, domain) lines.
async fn ledgers(registry: &Registry) -> Vec<(String, ChargeKind, i64, Option<String>)> {
    let mut lines = Vec::new();
    for registrar in registry.registrars().await.unwrap() {
        for entry in registry.ledger(&registrar.id, None, 10_000).await.unwrap() {
            let charge = entry.charge;
            lines.push((charge.registrar, charge.kind, charge.amount, charge.domain));
        }
    }
    lines
}

async fn history_actions(registry: &Registry, kind: ObjectKind, id: &str) -> Vec<String> {
    let mut tx = registry.store().begin_read().await.unwrap();
    let entries = tx.history(kind, id).await.unwrap();
    tx.rollback().await.unwrap();
    entries.into_iter().map(|entry| entry.action).collect()
}

/// Drains a registrar's poll queue, returning every message.
async fn drain(registry: &Registry, registrar: &str) -> Vec<PollBody> {
    let mut bodies = Vec::new();
    while let Some(head) = registry.poll_request(registrar).await.unwrap() {
        bodies.push(head.message.body);
        registry.poll_ack(&meta(registrar, START), head.id).await.unwrap();
    }
    bodies
}

#[tokio::test]
async fn standing_moves_only_as_the_table_allows_with_reason_and_history() {
    both(|store| async move {
        let registry = registry(store).await;
        let alpha = registry.registrar("alpha").await.unwrap().unwrap();
        assert_eq!(alpha.successor.as_deref(), Some("heir"));
        assert_eq!(registry.balance("alpha", Account::Deposit).await.unwrap(), 50_000);

        // Accreditation terms are checked: the successor must exist and be ACTIVE.
        let bad = Accreditation { security_deposit: 0, successor: Some("nobody".to_owned()) };
        let error = registry.accredit(&new_registrar("gamma"), &bad, START).await.unwrap_err();
        assert_eq!(error.epp_code(), 2303, "{error}");
        let negative = Accreditation { security_deposit: -1, successor: None };
        assert!(registry.accredit(&new_registrar("gamma"), &negative, START).await.is_err());
        assert!(registry.registrar("gamma").await.unwrap().is_none(), "nothing half-written");

        let at = START + Duration::days(1);
        let suspended = registry
            .set_registrar_state("alpha", RegistrarState::Suspended, "unpaid invoices", at)
            .await
            .unwrap();
        assert_eq!(suspended.value.state, RegistrarState::Suspended);
        let login = registry.login("alpha", PASSWORD, FINGERPRINT).await;
        assert_eq!(login.unwrap_err().epp_code(), 2200, "a SUSPENDED registrar cannot log in");
        registry.set_registrar_state("alpha", RegistrarState::Active, "paid", at).await.unwrap();
        assert!(registry.login("alpha", PASSWORD, FINGERPRINT).await.is_ok());

        // Refusals: no reason, a move the table lacks, an unknown registrar.
        let error = registry
            .set_registrar_state("alpha", RegistrarState::Suspended, "  ", at)
            .await
            .unwrap_err();
        assert_eq!(error.epp_code(), 2003);
        let error = registry
            .set_registrar_state("alpha", RegistrarState::Terminated, "gone", at)
            .await
            .unwrap_err();
        assert_eq!(error.epp_code(), 2304);
        assert!(error.to_string().contains("cannot go from ACTIVE to TERMINATED"), "{error}");
        let error = registry.declare_failed("nobody", "x", at).await.unwrap_err();
        assert_eq!(error.epp_code(), 2303);

        let failed = registry.declare_failed("alpha", "insolvency order 2026/17", at).await;
        assert_eq!(failed.unwrap().value.state, RegistrarState::Failed);
        let login = registry.login("alpha", PASSWORD, FINGERPRINT).await;
        assert_eq!(login.unwrap_err().epp_code(), 2200, "a FAILED registrar cannot log in");
        for to in [RegistrarState::Active, RegistrarState::Suspended, RegistrarState::Failed] {
            let error = registry.set_registrar_state("alpha", to, "x", at).await.unwrap_err();
            assert_eq!(error.epp_code(), 2304, "FAILED to {to:?}");
        }
        registry
            .set_registrar_state("alpha", RegistrarState::Terminated, "accreditation ended", at)
            .await
            .unwrap();
        let error = registry.declare_failed("alpha", "again", at).await.unwrap_err();
        assert_eq!(error.epp_code(), 2304);

        let mut tx = registry.store().begin_read().await.unwrap();
        let history = tx.history(ObjectKind::Registrar, "alpha").await.unwrap();
        tx.rollback().await.unwrap();
        let actions: Vec<&str> = history.iter().map(|entry| entry.action.as_str()).collect();
        assert_eq!(actions, ["accredit", "suspend", "reinstate", "declare_failed", "terminate"]);
        let declared = &history[3];
        assert_eq!(declared.reason.as_deref(), Some("insolvency order 2026/17"));
        assert_eq!(declared.actor, "registry");
        assert_eq!(declared.before.as_ref().unwrap()["state"], "ACTIVE");
        assert_eq!(declared.after.as_ref().unwrap()["state"], "FAILED");
        assert_eq!(declared.after.as_ref().unwrap()["password_hash"], "", "no hash in history");
    })
    .await;
}

#[tokio::test]
async fn a_failed_registrar_keeps_every_name_through_a_year_of_daily_ticks() {
    both(|store| async move {
        let registry = registry(store).await;
        // Names created over the first 100 days, so their expiries spread over the year.
        let mut names = Vec::new();
        for index in 0..10_i64 {
            let name = format!("kept{index}.example");
            let at = START + Duration::days(index * 10);
            registry.tick(at).await.unwrap();
            create(&registry, "alpha", &name, at).await;
            names.push(name);
        }
        let day100 = START + Duration::days(100);
        registry.tick(day100).await.unwrap();
        // One name deleted into redemption just before the failure, and held there: no
        // look-back (a window of 0 days) brings it back.
        registry.domain_delete(&meta("alpha", day100), "kept0.example").await.unwrap();
        let declared = START + Duration::days(101);
        registry.declare_failed_looking_back("alpha", "insolvency", 0, declared).await.unwrap();
        let mut expiries = BTreeMap::new();
        for name in &names {
            let view = registry.domain_info(&meta("registry", declared), name, None).await.unwrap();
            expiries.insert(name.clone(), view.domain.expires_at);
        }
        let prepaid = registry.balance("alpha", Account::Prepaid).await.unwrap();

        let mut transitions = BTreeMap::<String, u64>::new();
        for day in 1..=365 {
            let report = registry.tick(declared + Duration::days(day)).await.unwrap();
            for (action, count) in report.actions {
                *transitions.entry(action).or_default() += count;
            }
        }
        let end = declared + Duration::days(365);
        assert!(!transitions.contains_key("purge"), "{transitions:?}");
        assert!(!transitions.contains_key("pending_delete"), "{transitions:?}");
        assert!(!transitions.contains_key("auto_renew"), "{transitions:?}");
        let renewals = transitions.get("credit_renewal").copied().unwrap_or(0);
        assert_eq!(renewals, 9, "every name not deleted reached expiry once: {transitions:?}");
        for name in &names {
            let view = registry.domain_info(&meta("registry", end), name, None).await.unwrap();
            let domain = view.domain;
            if name == "kept0.example" {
                let deletion = domain.deletion.expect("still held in redemption");
                assert_eq!(deletion.phase, DeletionPhase::Redemption);
                assert_eq!(domain.expires_at, expiries[name]);
            } else {
                assert_eq!(domain.expires_at, add_years(expiries[name], 1), "{name}");
                assert!(domain.deletion.is_none());
            }
        }
        // The ledger: renewals on credit on Receivable, one per name, nothing from prepaid.
        let renew_price = Policy::default_for("example").renew_price;
        let receivable = registry.balance("alpha", Account::Receivable).await.unwrap();
        assert_eq!(receivable, -renew_price * i64::try_from(renewals).unwrap());
        assert_eq!(registry.balance("alpha", Account::Prepaid).await.unwrap(), prepaid);
        let entries = registry.ledger("alpha", None, 10_000).await.unwrap();
        let mut per_domain = BTreeMap::<String, u32>::new();
        for entry in entries.iter().filter(|e| e.charge.kind == ChargeKind::CreditRenewal) {
            assert_eq!(entry.charge.account, Account::Receivable);
            assert_eq!(entry.charge.years, 1);
            *per_domain.entry(entry.charge.domain.clone().unwrap()).or_default() += 1;
        }
        assert_eq!(per_domain.len(), 9);
        assert!(per_domain.values().all(|count| *count == 1), "{per_domain:?}");

        let status = registry.continuity_status("alpha", end).await.unwrap();
        assert_eq!(status.state, RegistrarState::Failed);
        assert_eq!(status.renewed_on_credit, 9);
        assert_eq!(status.owed_on_credit, 9 * renew_price);
        assert_eq!(status.portfolio.domains, 10);
        assert_eq!(status.portfolio.redemption, 1);
        assert_eq!(status.portfolio.cliff.iter().sum::<u64>(), 9, "all expire within 52 weeks");
        assert_eq!(status.security_deposit, 50_000);
    })
    .await;
}

/// alpha's portfolio for the bulk transfer: a1..a6 normal, g1 in add grace, r1 in
/// redemption, p1 with a transfer to beta pending, s1 and s2 held through a reseller, h1 with
/// a subordinate host; beta's own b1. alpha is then declared failed.
async fn failing_portfolio(registry: &Registry) -> OffsetDateTime {
    for index in 1..=6 {
        create(registry, "alpha", &format!("a{index}.example"), START).await;
    }
    for name in ["r1", "s1", "s2", "h1"] {
        create(registry, "alpha", &format!("{name}.example"), START).await;
    }
    create(registry, "beta", "b1.example", START).await;
    // Created later, so that its transfer code is still valid when beta asks for it.
    create(registry, "alpha", "p1.example", START + Duration::days(30)).await;
    let host =
        HostCreate { name: "ns1.h1.example".to_owned(), addrs: vec!["192.0.2.1".parse().unwrap()] };
    registry.host_create(&meta("alpha", START), &host).await.unwrap();
    set_reseller(registry, "s1.example", "shop").await;
    set_reseller(registry, "s2.example", "shop").await;
    let later = START + Duration::days(40);
    registry.tick(later).await.unwrap();
    registry.domain_delete(&meta("alpha", later), "r1.example").await.unwrap();
    registry
        .domain_transfer(&meta("beta", later), "p1.example", TransferOp::Request, Some(CODE), None)
        .await
        .unwrap();
    create(registry, "alpha", "g1.example", later).await;
    let failed = later + Duration::days(1);
    // No look-back, so that r1.example moves in redemption.
    registry.declare_failed_looking_back("alpha", "insolvency", 0, failed).await.unwrap();
    drain(registry, "heir").await;
    failed
}

#[tokio::test]
async fn bulk_transfer_moves_every_name_once_resumes_and_charges_nobody() {
    both(|store| async move {
        let registry = registry(store).await;
        let failed = failing_portfolio(&registry).await;
        let now = failed + Duration::hours(1);
        let mut expiries = BTreeMap::new();
        for index in 1..=6 {
            let name = format!("a{index}.example");
            let view = registry.domain_info(&meta("registry", now), &name, None).await.unwrap();
            expiries.insert(name, view.domain.expires_at);
        }
        let ledger_before = ledgers(&registry).await;

        // Refusals: the losing registrar must be FAILED, the gaining one ACTIVE.
        let wrong = BulkTransfer::new("beta", "heir");
        let error = registry.bulk_transfer(&wrong, now, |_| {}).await.unwrap_err();
        assert_eq!(error.epp_code(), 2304, "{error}");
        let wrong = BulkTransfer::new("alpha", "alpha");
        assert!(registry.bulk_transfer(&wrong, now, |_| {}).await.is_err());

        // A run cut short after two batches of three (as if killed), then run again.
        let mut req = BulkTransfer::new("alpha", "heir");
        req.batch = 3;
        req.max_batches = Some(2);
        let mut seen = Vec::new();
        let first = registry.bulk_transfer(&req, now, |report| seen.push(report.clone())).await;
        let first = first.unwrap();
        assert!(!first.complete);
        assert_eq!(first.batches, 2);
        assert_eq!(first.total, 12);
        assert!(!seen.is_empty(), "progress is reported");
        req.max_batches = None;
        let second = registry.bulk_transfer(&req, now, |_| {}).await.unwrap();
        assert!(second.complete);
        assert_eq!(first.moved.total() + second.moved.total(), 10, "{first:?} {second:?}");
        assert_eq!(first.kept_via_reseller + second.kept_via_reseller, 2 + first.kept_via_reseller);
        assert_eq!(second.kept_via_reseller, 2, "resellers' names stay without the flag");
        let moved = add(&first, &second);
        assert_eq!(moved.moved.in_grace, 1, "g1 in add grace: {moved:?}");
        assert_eq!(moved.moved.redemption, 1, "r1 in redemption: {moved:?}");
        assert_eq!(moved.transfers_cancelled, 1);
        assert_eq!(moved.hosts_moved, 1);

        // Every moved name: once in history, sponsored by heir, expiry unchanged, code cleared.
        for name in ["a1", "a2", "a3", "a4", "a5", "a6", "g1", "r1", "p1", "h1"] {
            let name = format!("{name}.example");
            let actions = history_actions(&registry, ObjectKind::Domain, &name).await;
            let bulk = actions.iter().filter(|action| *action == "bulk_transfer").count();
            assert_eq!(bulk, 1, "{name}: {actions:?}");
            let domain =
                registry.domain_info(&meta("registry", now), &name, None).await.unwrap().domain;
            assert_eq!(domain.sponsor, "heir", "{name}");
            assert!(domain.auth.is_none(), "{name}: transfer code cleared");
            let transfer = domain.transfer.unwrap();
            assert_eq!(transfer.status, TransferStatus::ServerApproved);
            assert_eq!((transfer.years, transfer.amount), (0, 0));
            assert_eq!(transfer.losing, "alpha");
            if let Some(expiry) = expiries.get(&name) {
                assert_eq!(domain.expires_at, *expiry, "{name}: no extra year");
            }
        }
        let r1 = registry.domain_info(&meta("registry", now), "r1.example", None).await.unwrap();
        assert!(r1.domain.deletion.is_some(), "a name in redemption moves in redemption");
        let p1 = history_actions(&registry, ObjectKind::Domain, "p1.example").await;
        assert_eq!(&p1[p1.len() - 2..], ["transfer_cancel", "bulk_transfer"]);
        assert_eq!(registry.host_info("ns1.h1.example").await.unwrap().sponsor, "heir");
        for name in ["s1.example", "s2.example"] {
            let domain =
                registry.domain_info(&meta("registry", now), name, None).await.unwrap().domain;
            assert_eq!(domain.sponsor, "alpha", "{name} is held through a reseller");
        }
        let b1 = registry.domain_info(&meta("registry", now), "b1.example", None).await.unwrap();
        assert_eq!(b1.domain.sponsor, "beta", "other registrars' names are untouched");

        // Poll: one serverApproved transfer message per moved name for heir.
        let bodies = drain(&registry, "heir").await;
        let approved: Vec<&PollBody> = bodies
            .iter()
            .filter(|body| {
                matches!(body, PollBody::Transfer { status: TransferStatus::ServerApproved, .. })
            })
            .collect();
        assert_eq!(approved.len(), 10, "{bodies:?}");

        // The ledger: unchanged but for beta's refund of its cancelled transfer.
        let ledger_after = ledgers(&registry).await;
        let added: Vec<_> =
            ledger_after.iter().filter(|line| !ledger_before.contains(line)).collect();
        assert_eq!(added.len(), 1, "{added:?}");
        assert_eq!(added[0].0, "beta");
        assert_eq!(added[0].1, ChargeKind::Refund);
        assert_eq!(added[0].3.as_deref(), Some("p1.example"));

        // Running again moves nothing; with the flag the resellers' names follow.
        let again = registry.bulk_transfer(&req, now, |_| {}).await.unwrap();
        assert_eq!(again.moved.total(), 0);
        req.include_resellers = true;
        let resellers = registry.bulk_transfer(&req, now, |_| {}).await.unwrap();
        assert_eq!(resellers.moved.total(), 2);
        assert_eq!(resellers.moved_via_reseller, 2);
        let s1 = registry.domain_info(&meta("registry", now), "s1.example", None).await.unwrap();
        assert_eq!(s1.domain.sponsor, "heir");
        assert_eq!(s1.domain.reseller, None);

        let status = registry.continuity_status("alpha", now).await.unwrap();
        assert_eq!(status.transferred_away, 12);
        assert_eq!(status.portfolio.domains, 0);
        let mut tx = registry.store().begin_read().await.unwrap();
        let history = tx.history(ObjectKind::Registrar, "alpha").await.unwrap();
        tx.rollback().await.unwrap();
        assert!(history.iter().any(|entry| entry.action == "bulk_transfer"));
    })
    .await;
}

fn add(first: &BulkReport, second: &BulkReport) -> BulkReport {
    let mut sum = first.clone();
    sum.moved.normal += second.moved.normal;
    sum.moved.in_grace += second.moved.in_grace;
    sum.moved.redemption += second.moved.redemption;
    sum.moved.pending_delete += second.moved.pending_delete;
    sum.transfers_cancelled += second.transfers_cancelled;
    sum.hosts_moved += second.hosts_moved;
    sum
}

#[tokio::test]
async fn a_dry_run_counts_and_writes_nothing() {
    both(|store| async move {
        let registry = registry(store).await;
        let failed = failing_portfolio(&registry).await;
        let now = failed + Duration::hours(1);
        let before = registry.store().row_counts().await.unwrap();
        let mut req = BulkTransfer::new("alpha", "heir");
        req.dry_run = true;
        req.batch = 4;
        let report = registry.bulk_transfer(&req, now, |_| {}).await.unwrap();
        assert_eq!(registry.store().row_counts().await.unwrap(), before);
        assert!(report.complete);
        assert_eq!(report.total, 12);
        assert_eq!(report.moved.total(), 10);
        assert_eq!(report.moved.in_grace, 1);
        assert_eq!(report.moved.redemption, 1);
        assert_eq!(report.kept_via_reseller, 2);
        assert_eq!(report.transfers_cancelled, 1);
        assert_eq!(report.hosts_moved, 1);
        let domain =
            registry.domain_info(&meta("registry", now), "a1.example", None).await.unwrap().domain;
        assert_eq!(domain.sponsor, "alpha");
        req.include_resellers = true;
        let all = registry.bulk_transfer(&req, now, |_| {}).await.unwrap();
        assert_eq!((all.moved.total(), all.moved_via_reseller, all.kept_via_reseller), (12, 2, 0));
        assert_eq!(registry.store().row_counts().await.unwrap(), before);

        let status = registry.continuity_status("alpha", now).await.unwrap();
        assert_eq!(status.portfolio.domains, 12);
        assert_eq!(status.portfolio.redemption, 1);
        assert_eq!(status.portfolio.via_reseller, 2);
        assert_eq!(status.transferred_away, 0);
        assert_eq!(status.registrants, ContinuityCounts::default(), "nothing queued yet");
    })
    .await;
}

/// Creates a domain for `actor` with `registrant` and the name servers `ns`.
async fn create_with(
    registry: &Registry,
    actor: &str,
    name: &str,
    registrant: &str,
    ns: &[&str],
    now: OffsetDateTime,
) {
    let req = DomainCreate {
        name: name.to_owned(),
        years: 1,
        registrant: Some(registrant.to_owned()),
        ns: ns.iter().map(|host| (*host).to_owned()).collect(),
        auth_code: CODE.to_owned(),
        ..DomainCreate::default()
    };
    registry.domain_create(&meta(actor, now), &req).await.unwrap();
}

/// Issue 14: the names a registrar deletes on its way down come back when it is declared
/// failed — purged at once in add grace, purged after redemption, or still in deletion — with
/// their registrant and delegation, on credit; a name someone else registered meanwhile
/// stays theirs and is listed; deletes outside the window are left alone; and from the moment
/// the registrar is suspended, nothing it deleted is purged.
#[tokio::test]
async fn declaring_failed_brings_back_the_names_deleted_on_the_way_down() {
    both(|store| async move {
        let registry = registry(store).await;
        registry.set_zone_apex(&nameward_registry::testing::example_apex(), START).await.unwrap();
        let contact = nameward_registry::testing::new_contact("jane", "jane@example.net");
        registry.contact_create(&meta("alpha", START), &contact).await.unwrap();
        let host = HostCreate { name: "ns1.hosting.test".to_owned(), addrs: vec![] };
        registry.host_create(&meta("alpha", START), &host).await.unwrap();
        let day = |n: i64| START + Duration::days(n);
        let ns = ["ns1.hosting.test"];

        // Outside the 90-day window: deleted in add grace on day 11.
        create_with(&registry, "alpha", "ancient.example", "jane", &ns, day(10)).await;
        registry.domain_delete(&meta("alpha", day(11)), "ancient.example").await.unwrap();
        // Deleted on day 80 after add grace: redemption, pendingDelete, purged on day 115.
        create_with(&registry, "alpha", "purged.example", "jane", &ns, START).await;
        registry.domain_delete(&meta("alpha", day(80)), "purged.example").await.unwrap();
        registry.tick(day(116)).await.unwrap();
        let gone = registry.domain_info(&meta("registry", day(116)), "purged.example", None).await;
        assert!(gone.is_err(), "purged before the suspension");
        // Created and deleted in add grace: gone at once, its create refunded.
        create_with(&registry, "alpha", "quick.example", "jane", &ns, day(100)).await;
        registry.domain_delete(&meta("alpha", day(101)), "quick.example").await.unwrap();
        // Deleted and registered again by beta.
        create_with(&registry, "alpha", "taken.example", "jane", &[], day(100)).await;
        registry.domain_delete(&meta("alpha", day(101)), "taken.example").await.unwrap();
        create(&registry, "beta", "taken.example", day(102)).await;
        // Deleted on day 110, alpha suspended on day 125: pendingDelete from day 140, and
        // there it stays.
        create_with(&registry, "alpha", "held.example", "jane", &ns, START).await;
        create_with(&registry, "alpha", "live.example", "jane", &ns, day(124)).await;
        registry.domain_delete(&meta("alpha", day(110)), "held.example").await.unwrap();
        registry
            .set_registrar_state("alpha", RegistrarState::Suspended, "unpaid invoices", day(125))
            .await
            .unwrap();
        // A session alpha opened before the suspension cannot delete any more, not even
        // inside add grace.
        let refused = registry.domain_delete(&meta("alpha", day(126)), "live.example").await;
        let error = refused.unwrap_err();
        assert_eq!(error.epp_code(), 2304, "{error}");
        assert!(error.to_string().contains("SUSPENDED"), "{error}");
        for n in [126, 133, 140, 147, 154, 160] {
            registry.tick(day(n)).await.unwrap();
        }
        let held = registry.domain_info(&meta("registry", day(160)), "held.example", None).await;
        let held = held.expect("a suspended registrar's delete is not purged").domain;
        assert_eq!(held.deletion.map(|d| d.phase), Some(DeletionPhase::PendingDelete));
        let actions = history_actions(&registry, ObjectKind::Domain, "held.example").await;
        assert!(actions.contains(&"deletion_held".to_owned()), "{actions:?}");

        let owed_before = registry.balance("alpha", Account::Receivable).await.unwrap();
        let failed = day(161);
        let declared = registry
            .declare_failed_looking_back("alpha", "insolvency", 90, failed)
            .await
            .unwrap()
            .value;
        let outcomes: Vec<(&str, &str, Option<&str>)> = declared
            .look_back
            .iter()
            .map(|row| (row.domain.as_str(), row.outcome.as_str(), row.holder.as_deref()))
            .collect();
        assert_eq!(
            outcomes,
            [
                ("purged.example", "reinstated", None),
                ("quick.example", "reinstated", None),
                ("taken.example", "taken", Some("beta")),
                ("held.example", "reinstated", None),
            ],
            "ancient.example was deleted on day 11, more than 90 days before day 161"
        );

        for name in ["held.example", "quick.example", "purged.example"] {
            let view = registry.domain_info(&meta("registry", failed), name, None).await.unwrap();
            let back = view.domain;
            assert_eq!(back.sponsor, "alpha", "{name}");
            assert_eq!(back.registrant.as_deref(), Some("jane"), "{name}");
            assert_eq!(back.ns, ["ns1.hosting.test"], "{name}");
            assert!(back.deletion.is_none() && back.grace.is_empty(), "{name}");
            let actions = history_actions(&registry, ObjectKind::Domain, name).await;
            assert_eq!(actions.first().map(String::as_str), Some("create"), "{name}: {actions:?}");
            assert_eq!(actions.last().map(String::as_str), Some("continuity_reinstate"));
        }
        let (_, records) = registry.tld_zone("example").await.unwrap();
        let zone = nameward_registry::publish::zone_text(&records);
        assert!(zone.contains("quick.example. 3600 IN NS ns1.hosting.test."), "{zone}");
        assert!(zone.contains("held.example. 3600 IN NS ns1.hosting.test."), "{zone}");
        assert!(zone.contains("purged.example. 3600 IN NS ns1.hosting.test."), "{zone}");
        let taken = registry.domain_info(&meta("registry", failed), "taken.example", None).await;
        assert_eq!(taken.unwrap().domain.sponsor, "beta", "beta keeps what it registered");
        // quick.example's create was refunded by the delete: owed again, on credit.
        let owed_after = registry.balance("alpha", Account::Receivable).await.unwrap();
        assert_eq!(owed_after - owed_before, -1000);

        let status = registry.continuity_status("alpha", failed).await.unwrap();
        assert_eq!(status.look_back.len(), 4);
        assert!(status.look_back.iter().any(|row| row.holder.as_deref() == Some("beta")));
        assert_eq!(status.portfolio.domains, 4, "held, quick, purged and live");

        // Under continuity the reinstated names live on: renewed on credit at expiry, never
        // purged.
        registry.tick(day(161 + 400)).await.unwrap();
        for name in ["held.example", "quick.example", "purged.example"] {
            let view = registry.domain_info(&meta("registry", day(561)), name, None).await;
            assert!(view.unwrap().domain.expires_at > day(561), "{name}");
        }
    })
    .await;
}
