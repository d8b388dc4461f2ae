#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use time::OffsetDateTime;
use time::macros::{date, datetime};

use super::*;
use crate::lifecycle::{Decision, OPERATOR};
use crate::model::{ContactRole, DeletionPhase, GraceKind, PollBody, RgpStatus, TransferStatus};
use crate::policy::Policy;
use crate::secret::tests::TestRng;

pub(crate) const T0: OffsetDateTime = datetime!(2030-03-10 12:00 UTC);
pub(crate) const CODE: &str = "k7Qm2ZpX9vRt4LcW8nBy3H";

pub(crate) fn policy() -> Policy {
    Policy::default_for("example")
}

pub(crate) fn ctx<'a>(policy: &'a Policy, now: OffsetDateTime, actor: &'a str) -> Ctx<'a> {
    Ctx { policy, now, actor }
}

pub(crate) fn refs() -> Refs {
    Refs {
        contacts: ["c1", "c2", "c3"].map(str::to_owned).into(),
        hosts: (1..=15).map(|i| format!("ns{i}.other.net")).collect(),
    }
}

fn request(name: &str) -> DomainCreate {
    DomainCreate {
        name: name.to_owned(),
        years: 1,
        ns: vec!["ns1.other.net".to_owned(), "NS2.other.net".to_owned()],
        registrant: Some("c1".to_owned()),
        contacts: vec![DomainContact { role: ContactRole::Admin, id: "c2".to_owned() }],
        auth_code: CODE.to_owned(),
        ..DomainCreate::default()
    }
}

/// `a.example`, created by `alpha` at T0 for one year with [`CODE`] as its transfer code.
pub(crate) fn created(policy: &Policy) -> Domain {
    create(&ctx(policy, T0, "alpha"), &request("a.example"), false, &refs(), 7, &mut TestRng(1))
        .unwrap()
        .state
}

fn code_of<T: std::fmt::Debug>(result: Result<T, Refusal>) -> u16 {
    result.unwrap_err().epp_code()
}

fn ds(tag: u16) -> DsData {
    DsData { key_tag: tag, alg: 13, digest_type: 2, digest: "ab".repeat(32) }
}

#[test]
fn create_registers_charges_and_starts_add_grace() {
    let policy = policy();
    let req = DomainCreate {
        years: 2,
        ds: vec![ds(1)],
        max_sig_life: Some(3600),
        ..request("A.Example")
    };
    let decision =
        create(&ctx(&policy, T0, "alpha"), &req, false, &refs(), 7, &mut TestRng(1)).unwrap();
    let domain = &decision.state;
    assert_eq!(decision.action, "create");
    assert_eq!(domain.name, "a.example");
    assert_eq!(domain.roid, "D7-EXAMPLE");
    assert_eq!(domain.sponsor, "alpha");
    assert_eq!(domain.ns, ["ns1.other.net", "ns2.other.net"]);
    assert_eq!(domain.expires_at, datetime!(2032-03-10 12:00 UTC));
    assert_eq!(domain.ds[0].digest, "AB".repeat(32));
    assert_eq!(domain.rgp_statuses(T0), [RgpStatus::AddPeriod]);
    assert_eq!(domain.grace[0].ends, datetime!(2030-03-15 12:00 UTC));
    assert_eq!(domain.grace[0].amount, 2000);
    assert_eq!(decision.charges.len(), 1);
    assert_eq!(decision.charges[0].amount, -2000);
    assert_eq!(decision.charges[0].kind, crate::model::ChargeKind::Create);
    assert_eq!(decision.charges[0].years, 2);
    let auth = domain.auth.as_ref().unwrap();
    assert_eq!(auth.set_at, T0);
    assert!(crate::secret::verify_code(CODE, auth));
    assert!(!auth.hash.contains(CODE));
}

#[test]
fn create_with_empty_pw_sets_no_code() {
    let policy = policy();
    let req = DomainCreate { auth_code: String::new(), ..request("a.example") };
    let domain =
        create(&ctx(&policy, T0, "alpha"), &req, false, &refs(), 1, &mut TestRng(1)).unwrap().state;
    assert_eq!(domain.auth, None);
}

#[test]
fn create_refusals() {
    let policy = policy();
    let ctx = ctx(&policy, T0, "alpha");
    let run =
        |req: DomainCreate, taken: bool| create(&ctx, &req, taken, &refs(), 1, &mut TestRng(1));
    let base = request("a.example");
    let cases: Vec<(DomainCreate, bool, u16)> = vec![
        (base.clone(), true, 2302),
        (request("a..example"), false, 2005),
        (request("a.test"), false, 2306),
        (request("b.a.example"), false, 2306),
        (DomainCreate { years: 0, ..base.clone() }, false, 2004),
        (DomainCreate { years: 11, ..base.clone() }, false, 2306),
        (DomainCreate { ns: vec!["ns.unknown.net".into()], ..base.clone() }, false, 2303),
        (
            DomainCreate {
                ns: vec!["ns1.other.net".into(), "NS1.other.net".into()],
                ..base.clone()
            },
            false,
            2306,
        ),
        (
            DomainCreate {
                ns: (1..=14).map(|i| format!("ns{i}.other.net")).collect(),
                ..base.clone()
            },
            false,
            2306,
        ),
        (DomainCreate { registrant: Some("nobody".into()), ..base.clone() }, false, 2303),
        (
            DomainCreate {
                contacts: vec![DomainContact { role: ContactRole::Tech, id: "nobody".into() }],
                ..base.clone()
            },
            false,
            2303,
        ),
        (
            DomainCreate {
                contacts: vec![
                    DomainContact { role: ContactRole::Tech, id: "c1".into() },
                    DomainContact { role: ContactRole::Tech, id: "c1".into() },
                ],
                ..base.clone()
            },
            false,
            2306,
        ),
        (DomainCreate { auth_code: "2fooBAR".into(), ..base.clone() }, false, 2306),
        (
            DomainCreate { ds: vec![DsData { digest: "XYZ".into(), ..ds(1) }], ..base.clone() },
            false,
            2005,
        ),
        (
            DomainCreate { ds: vec![DsData { digest: "AB".into(), ..ds(1) }], ..base.clone() },
            false,
            2005,
        ),
        (DomainCreate { ds: vec![ds(1), ds(1)], ..base.clone() }, false, 2306),
        (DomainCreate { ds: (1..=9).map(ds).collect(), ..base.clone() }, false, 2306),
        (DomainCreate { max_sig_life: Some(0), ..base.clone() }, false, 2004),
    ];
    for (req, taken, code) in cases {
        let refusal = run(req.clone(), taken).unwrap_err();
        assert_eq!(refusal.epp_code(), code, "{req:?}: {refusal}");
    }
}

#[test]
fn renew_adds_years_charges_and_starts_renew_grace() {
    let policy = policy();
    let domain = created(&policy);
    let now = datetime!(2030-06-01 0:00 UTC);
    let decision = renew(&ctx(&policy, now, "alpha"), &domain, date!(2031 - 03 - 10), 3).unwrap();
    assert_eq!(decision.state.expires_at, datetime!(2034-03-10 12:00 UTC));
    assert_eq!(decision.charges[0].amount, -3000);
    assert_eq!(decision.state.rgp_statuses(now), [RgpStatus::RenewPeriod]);
    assert_eq!(decision.state.grace.len(), 1, "the elapsed add grace period is dropped");
    // The operator renews despite a client lock; the sponsor pays.
    let mut locked = domain.clone();
    locked.statuses.insert(DomainStatus::ClientRenewProhibited);
    let decision = renew(&ctx(&policy, now, OPERATOR), &locked, date!(2031 - 03 - 10), 1).unwrap();
    assert_eq!(decision.charges[0].registrar, "alpha");
}

#[test]
fn renew_refusals() {
    let policy = policy();
    let domain = created(&policy);
    let now = datetime!(2030-06-01 0:00 UTC);
    let alpha = ctx(&policy, now, "alpha");
    assert_eq!(code_of(renew(&alpha, &domain, date!(2031 - 03 - 11), 1)), 2306);
    assert_eq!(
        code_of(renew(&alpha, &domain, date!(2031 - 03 - 10), 10)),
        2306,
        "beyond ten years"
    );
    assert!(
        renew(&alpha, &domain, date!(2031 - 03 - 10), 9).is_ok(),
        "exactly ten years ahead at most"
    );
    assert_eq!(code_of(renew(&alpha, &domain, date!(2031 - 03 - 10), 0)), 2004);
    assert_eq!(code_of(renew(&ctx(&policy, now, "beta"), &domain, date!(2031 - 03 - 10), 1)), 2201);
    for status in [DomainStatus::ClientRenewProhibited, DomainStatus::ServerRenewProhibited] {
        let mut locked = domain.clone();
        locked.statuses.insert(status);
        let refusal = renew(&alpha, &locked, date!(2031 - 03 - 10), 1).unwrap_err();
        assert_eq!(refusal.epp_code(), 2304);
        assert!(refusal.to_string().contains(status.as_str()), "{refusal}");
    }
    let deleted = delete(&alpha, &domain, &[]).unwrap().state.unwrap();
    assert_eq!(code_of(renew(&alpha, &deleted, date!(2031 - 03 - 10), 1)), 2304);
    let pending = requested(&policy, &domain, now).state;
    assert_eq!(code_of(renew(&alpha, &pending, date!(2031 - 03 - 10), 1)), 2304);
}

#[test]
fn update_statuses() {
    let policy = policy();
    let domain = created(&policy);
    let alpha = ctx(&policy, T0, "alpha");
    let add = |statuses: &[DomainStatus]| DomainUpdate {
        add_statuses: statuses.to_vec(),
        ..DomainUpdate::default()
    };
    let rem = |statuses: &[DomainStatus]| DomainUpdate {
        rem_statuses: statuses.to_vec(),
        ..DomainUpdate::default()
    };
    let run = |ctx: &Ctx<'_>, domain: &Domain, req: &DomainUpdate| {
        update(ctx, domain, req, &refs(), &mut TestRng(2))
    };

    let locked = run(
        &alpha,
        &domain,
        &add(&[DomainStatus::ClientUpdateProhibited, DomainStatus::ClientHold]),
    )
    .unwrap()
    .state;
    assert!(locked.on_hold() && !locked.in_zone());
    assert_eq!(code_of(run(&alpha, &domain, &add(&[DomainStatus::ServerHold]))), 2306);
    assert!(run(&ctx(&policy, T0, OPERATOR), &domain, &add(&[DomainStatus::ServerHold])).is_ok());
    assert_eq!(code_of(run(&alpha, &locked, &add(&[DomainStatus::ClientHold]))), 2304, "locked");
    let ns_change = DomainUpdate {
        rem_ns: vec!["ns1.other.net".into()],
        ..rem(&[DomainStatus::ClientUpdateProhibited])
    };
    assert_eq!(code_of(run(&alpha, &locked, &ns_change)), 2304, "unlock plus other changes");
    let unlocked = run(
        &alpha,
        &locked,
        &rem(&[DomainStatus::ClientUpdateProhibited, DomainStatus::ClientHold]),
    )
    .unwrap()
    .state;
    assert!(unlocked.statuses.is_empty());
    assert_eq!(code_of(run(&alpha, &unlocked, &rem(&[DomainStatus::ClientHold]))), 2306, "not set");
    assert_eq!(code_of(run(&alpha, &locked, &add(&[DomainStatus::ClientHold]))), 2304);
    let mut server_locked = domain.clone();
    server_locked.statuses.insert(DomainStatus::ServerUpdateProhibited);
    server_locked.statuses.insert(DomainStatus::ClientHold);
    assert_eq!(code_of(run(&alpha, &server_locked, &rem(&[DomainStatus::ClientHold]))), 2304);
    assert!(
        run(
            &ctx(&policy, T0, OPERATOR),
            &server_locked,
            &rem(&[DomainStatus::ServerUpdateProhibited])
        )
        .is_ok()
    );
    assert_eq!(
        code_of(run(&ctx(&policy, T0, "beta"), &domain, &add(&[DomainStatus::ClientHold]))),
        2201
    );
}

#[test]
fn update_name_servers_contacts_and_registrant() {
    let policy = policy();
    let domain = created(&policy);
    let alpha = ctx(&policy, T0, "alpha");
    let run =
        |domain: &Domain, req: &DomainUpdate| update(&alpha, domain, req, &refs(), &mut TestRng(2));
    let req = DomainUpdate {
        rem_ns: vec!["NS1.other.net".into()],
        add_ns: vec!["ns3.other.net".into()],
        add_contacts: vec![DomainContact { role: ContactRole::Tech, id: "c3".into() }],
        rem_contacts: vec![DomainContact { role: ContactRole::Admin, id: "c2".into() }],
        registrant: Some(Some("c3".into())),
        ..DomainUpdate::default()
    };
    let next = run(&domain, &req).unwrap().state;
    assert_eq!(next.ns, ["ns2.other.net", "ns3.other.net"]);
    assert_eq!(next.contacts, [DomainContact { role: ContactRole::Tech, id: "c3".into() }]);
    assert_eq!(next.registrant.as_deref(), Some("c3"));
    assert_eq!(next.stamps.updated_by.as_deref(), Some("alpha"));
    let cases = [
        (DomainUpdate { add_ns: vec!["ns1.other.net".into()], ..DomainUpdate::default() }, 2306),
        (DomainUpdate { rem_ns: vec!["ns9.other.net".into()], ..DomainUpdate::default() }, 2306),
        (DomainUpdate { add_ns: vec!["ns.unknown.net".into()], ..DomainUpdate::default() }, 2303),
        (
            DomainUpdate {
                add_ns: (3..=14).map(|i| format!("ns{i}.other.net")).collect(),
                ..DomainUpdate::default()
            },
            2306,
        ),
        (DomainUpdate { registrant: Some(Some("nobody".into())), ..DomainUpdate::default() }, 2303),
        (
            DomainUpdate {
                add_contacts: vec![DomainContact { role: ContactRole::Admin, id: "c2".into() }],
                ..DomainUpdate::default()
            },
            2306,
        ),
        (
            DomainUpdate {
                rem_contacts: vec![DomainContact { role: ContactRole::Tech, id: "c2".into() }],
                ..DomainUpdate::default()
            },
            2306,
        ),
    ];
    for (req, code) in cases {
        assert_eq!(code_of(run(&domain, &req)), code, "{req:?}");
    }
    let cleared = run(&domain, &DomainUpdate { registrant: Some(None), ..DomainUpdate::default() })
        .unwrap()
        .state;
    assert_eq!(cleared.registrant, None);
}

#[test]
fn update_transfer_code() {
    let policy = policy();
    let domain = created(&policy);
    let later = datetime!(2030-04-01 0:00 UTC);
    let alpha = ctx(&policy, later, "alpha");
    let set = |code: &str| DomainUpdate {
        auth: Some(AuthChange::Set(code.into())),
        ..DomainUpdate::default()
    };
    let next = update(&alpha, &domain, &set("Zx8Wq3Lm7Rt2Yp5Kn9Vb4Hc6"), &refs(), &mut TestRng(3))
        .unwrap()
        .state;
    let auth = next.auth.unwrap();
    assert_eq!(auth.set_at, later);
    assert!(crate::secret::verify_code("Zx8Wq3Lm7Rt2Yp5Kn9Vb4Hc6", &auth));
    assert_eq!(code_of(update(&alpha, &domain, &set("secret"), &refs(), &mut TestRng(3))), 2306);
    assert_eq!(
        update(&alpha, &domain, &set(""), &refs(), &mut TestRng(3)).unwrap().state.auth,
        None
    );
    let unset = DomainUpdate { auth: Some(AuthChange::Unset), ..DomainUpdate::default() };
    assert_eq!(update(&alpha, &domain, &unset, &refs(), &mut TestRng(3)).unwrap().state.auth, None);
}

#[test]
fn update_sec_dns() {
    let policy = policy();
    let domain = created(&policy);
    let alpha = ctx(&policy, T0, "alpha");
    let run = |domain: &Domain, sec: SecDnsUpdate| {
        update(
            &alpha,
            domain,
            &DomainUpdate { sec_dns: Some(sec), ..DomainUpdate::default() },
            &refs(),
            &mut TestRng(4),
        )
    };
    let signed = run(
        &domain,
        SecDnsUpdate {
            add: vec![ds(1), ds(2)],
            max_sig_life: Some(86400),
            ..SecDnsUpdate::default()
        },
    )
    .unwrap()
    .state;
    assert_eq!(signed.ds.len(), 2);
    assert_eq!(signed.max_sig_life, Some(86400));
    let one =
        run(&signed, SecDnsUpdate { rem: vec![ds(1)], ..SecDnsUpdate::default() }).unwrap().state;
    assert_eq!(one.ds, [DsData { digest: "AB".repeat(32), ..ds(2) }]);
    let swapped =
        run(&signed, SecDnsUpdate { rem_all: true, add: vec![ds(3)], ..SecDnsUpdate::default() })
            .unwrap()
            .state;
    assert_eq!(swapped.ds.len(), 1);
    assert_eq!(swapped.ds[0].key_tag, 3);
    assert_eq!(
        code_of(run(&signed, SecDnsUpdate { rem: vec![ds(9)], ..SecDnsUpdate::default() })),
        2306
    );
    assert_eq!(
        code_of(run(&signed, SecDnsUpdate { add: vec![ds(1)], ..SecDnsUpdate::default() })),
        2306
    );
    assert_eq!(
        code_of(run(
            &signed,
            SecDnsUpdate { add: (3..=9).map(ds).collect(), ..SecDnsUpdate::default() }
        )),
        2306
    );
    assert_eq!(
        code_of(run(&signed, SecDnsUpdate { max_sig_life: Some(0), ..SecDnsUpdate::default() })),
        2004
    );
}

#[test]
fn update_refused_in_deletion_and_pending_transfer() {
    let policy = policy();
    let domain = created(&policy);
    let now = datetime!(2030-06-01 0:00 UTC);
    let alpha = ctx(&policy, now, "alpha");
    let req =
        DomainUpdate { add_statuses: vec![DomainStatus::ClientHold], ..DomainUpdate::default() };
    let deleted = delete(&alpha, &domain, &[]).unwrap().state.unwrap();
    assert_eq!(code_of(update(&alpha, &deleted, &req, &refs(), &mut TestRng(5))), 2304);
    let pending = requested(&policy, &domain, now).state;
    let refusal = update(&alpha, &pending, &req, &refs(), &mut TestRng(5)).unwrap_err();
    assert_eq!(refusal.epp_code(), 2304);
    assert!(refusal.to_string().contains("pendingTransfer"), "{refusal}");
}

#[test]
fn delete_in_add_grace_removes_and_refunds_everything() {
    let policy = policy();
    let domain = created(&policy);
    let now = datetime!(2030-03-12 0:00 UTC);
    let alpha = ctx(&policy, now, "alpha");
    let renewed = renew(&alpha, &domain, date!(2031 - 03 - 10), 2).unwrap().state;
    let decision = delete(&alpha, &renewed, &[]).unwrap();
    assert_eq!(decision.state, None);
    let refunds: Vec<_> = decision.charges.iter().map(|c| (c.amount, c.years, c.kind)).collect();
    assert_eq!(
        refunds,
        [(1000, 1, crate::model::ChargeKind::Refund), (2000, 2, crate::model::ChargeKind::Refund)]
    );
}

#[test]
fn delete_after_add_grace_enters_redemption_refunding_renew_grace() {
    let policy = policy();
    let domain = created(&policy);
    let now = datetime!(2030-06-01 0:00 UTC);
    let alpha = ctx(&policy, now, "alpha");
    let renewed = renew(&alpha, &domain, date!(2031 - 03 - 10), 2).unwrap().state;
    let decision = delete(&alpha, &renewed, &[]).unwrap();
    let deleted = decision.state.unwrap();
    assert_eq!(deleted.expires_at, domain.expires_at, "the renew's years are taken back");
    assert_eq!(decision.charges.len(), 1);
    assert_eq!(decision.charges[0].amount, 2000);
    let deletion = deleted.deletion.as_ref().unwrap();
    assert_eq!(deletion.phase, DeletionPhase::Redemption);
    assert_eq!(deletion.phase_ends, datetime!(2030-07-01 0:00 UTC));
    assert!(deleted.grace.is_empty());
    assert_eq!(deleted.rgp_statuses(now), [RgpStatus::RedemptionPeriod]);
    assert!(deleted.epp_statuses().contains(&"pendingDelete"));
    // After the renew grace, nothing is refunded.
    let later = ctx(&policy, datetime!(2030-06-07 0:00 UTC), "alpha");
    let decision = delete(&later, &renewed, &[]).unwrap();
    assert!(decision.charges.is_empty());
    assert_eq!(decision.state.unwrap().expires_at, renewed.expires_at);
}

#[test]
fn delete_refusals() {
    let policy = policy();
    let domain = created(&policy);
    let now = datetime!(2030-06-01 0:00 UTC);
    let alpha = ctx(&policy, now, "alpha");
    let refusal = delete(&alpha, &domain, &["ns1.a.example".to_owned()]).unwrap_err();
    assert_eq!(refusal.epp_code(), 2305);
    assert!(refusal.to_string().contains("ns1.a.example"), "{refusal}");
    assert_eq!(code_of(delete(&ctx(&policy, now, "beta"), &domain, &[])), 2201);
    for status in [DomainStatus::ClientDeleteProhibited, DomainStatus::ServerDeleteProhibited] {
        let mut locked = domain.clone();
        locked.statuses.insert(status);
        assert_eq!(code_of(delete(&alpha, &locked, &[])), 2304);
        assert!(delete(&ctx(&policy, now, OPERATOR), &locked, &[]).is_ok());
    }
    let deleted = delete(&alpha, &domain, &[]).unwrap().state.unwrap();
    assert_eq!(code_of(delete(&alpha, &deleted, &[])), 2304);
    let pending = requested(&policy, &domain, now).state;
    assert_eq!(code_of(delete(&alpha, &pending, &[])), 2304);
}

fn report() -> RestoreReport {
    RestoreReport {
        pre_data: "before".into(),
        post_data: "after".into(),
        del_time: datetime!(2030-06-01 0:00 UTC),
        res_time: datetime!(2030-06-03 0:00 UTC),
        res_reason: "registrant error".into(),
        statements: vec!["true".into(), "true".into()],
        other: None,
    }
}

#[test]
fn restore_request_then_report() {
    let policy = policy();
    let domain = created(&policy);
    let deleted_at = datetime!(2030-06-01 0:00 UTC);
    let deleted = delete(&ctx(&policy, deleted_at, "alpha"), &domain, &[]).unwrap().state.unwrap();
    let now = datetime!(2030-06-03 0:00 UTC);
    let alpha = ctx(&policy, now, "alpha");
    assert_eq!(code_of(restore_report(&alpha, &domain, &report())), 2304, "not deleted");
    assert_eq!(code_of(restore_request(&ctx(&policy, now, "beta"), &deleted)), 2201);
    let decision = restore_request(&alpha, &deleted).unwrap();
    assert_eq!(decision.charges[0].amount, -4000);
    assert_eq!(decision.charges[0].kind, crate::model::ChargeKind::Restore);
    let restoring = decision.state;
    let deletion = restoring.deletion.as_ref().unwrap();
    assert_eq!(deletion.phase, DeletionPhase::PendingRestore);
    assert_eq!(deletion.phase_ends, datetime!(2030-06-10 0:00 UTC));
    assert_eq!(deletion.requested_at, deleted_at);
    assert_eq!(code_of(restore_request(&alpha, &restoring)), 2304, "already pendingRestore");
    assert_eq!(code_of(restore_request(&alpha, &domain)), 2304, "not deleted");
    for bad in [
        RestoreReport { pre_data: " ".into(), ..report() },
        RestoreReport { post_data: String::new(), ..report() },
        RestoreReport { res_reason: String::new(), ..report() },
        RestoreReport { statements: vec![], ..report() },
    ] {
        assert_eq!(code_of(restore_report(&alpha, &restoring, &bad)), 2003);
    }
    let backwards = RestoreReport { res_time: datetime!(2030-05-01 0:00 UTC), ..report() };
    assert_eq!(code_of(restore_report(&alpha, &restoring, &backwards)), 2306);
    let decision = restore_report(&alpha, &restoring, &report()).unwrap();
    assert_eq!(decision.state.deletion, None);
    assert!(decision.note.unwrap().contains("registrant error"));
    assert_eq!(decision.action, "restore_report");
    assert!(decision.charges.is_empty(), "the request paid for the restore");
}

#[test]
fn restore_report_alone_restores_from_redemption() {
    // RFC 3915 §4.2.5: op="report" is a restore request that carries its report.
    let policy = policy();
    let domain = created(&policy);
    let deleted = delete(&ctx(&policy, datetime!(2030-06-01 0:00 UTC), "alpha"), &domain, &[])
        .unwrap()
        .state
        .unwrap();
    let now = datetime!(2030-06-03 0:00 UTC);
    assert_eq!(code_of(restore_report(&ctx(&policy, now, "beta"), &deleted, &report())), 2201);
    let decision = restore_report(&ctx(&policy, now, "alpha"), &deleted, &report()).unwrap();
    assert_eq!(decision.state.deletion, None);
    assert_eq!(decision.charges.len(), 1);
    assert_eq!(decision.charges[0].amount, -policy.restore_price);
    assert_eq!(decision.charges[0].kind, crate::model::ChargeKind::Restore);
    // Once redemption is over (pendingDelete) nothing restores it.
    let mut late = deleted;
    if let Some(deletion) = late.deletion.as_mut() {
        deletion.phase = DeletionPhase::PendingDelete;
    }
    assert_eq!(code_of(restore_report(&ctx(&policy, now, "alpha"), &late, &report())), 2304);
}

/// `domain` with [`CODE`] set afresh at `at`.
fn with_code(domain: &Domain, at: OffsetDateTime) -> Domain {
    let mut fresh = domain.clone();
    fresh.auth = Some(crate::secret::new_auth_code(CODE, at, &mut TestRng(9)));
    fresh
}

/// `beta` asks for `domain` at `now` (with a code set just then).
fn requested(policy: &Policy, domain: &Domain, now: OffsetDateTime) -> Decision<Domain> {
    transfer_request(&ctx(policy, now, "beta"), &with_code(domain, now), CODE, None).unwrap()
}

#[test]
fn transfer_request_charges_gaining_and_tells_losing() {
    let policy = policy();
    let domain = created(&policy);
    let now = datetime!(2030-06-01 0:00 UTC);
    let decision = requested(&policy, &domain, now);
    let transfer = decision.state.transfer.as_ref().unwrap();
    assert_eq!(transfer.status, TransferStatus::Pending);
    assert_eq!((transfer.gaining.as_str(), transfer.losing.as_str()), ("beta", "alpha"));
    assert_eq!(transfer.action_at, datetime!(2030-06-06 0:00 UTC));
    assert_eq!(decision.charges[0].registrar, "beta");
    assert_eq!(decision.charges[0].amount, -1000);
    assert_eq!(decision.poll.len(), 1);
    assert_eq!(decision.poll[0].registrar, "alpha");
    let PollBody::Transfer { expires_at, .. } = &decision.poll[0].body else {
        panic!("not a transfer poll")
    };
    assert_eq!(*expires_at, datetime!(2032-03-10 12:00 UTC));
    assert!(decision.state.epp_statuses().contains(&"pendingTransfer"));
}

#[test]
fn transfer_request_refusals() {
    let mut policy = policy();
    let domain = created(&policy);
    let now = datetime!(2030-06-01 0:00 UTC);
    let beta = ctx(&policy, now, "beta");
    assert_eq!(code_of(transfer_request(&ctx(&policy, now, "alpha"), &domain, CODE, None)), 2106);
    assert_eq!(code_of(transfer_request(&ctx(&policy, now, OPERATOR), &domain, CODE, None)), 2201);
    assert_eq!(code_of(transfer_request(&beta, &domain, "k7Qm2ZpX9vRt4LcW8nBy3h", None)), 2202);
    let mut no_code = domain.clone();
    no_code.auth = None;
    assert_eq!(code_of(transfer_request(&beta, &no_code, CODE, None)), 2202);
    // Codes live fourteen days from when they were set: valid one second before.
    let expiry = datetime!(2030-03-24 12:00 UTC);
    assert!(
        transfer_request(
            &ctx(&policy, expiry - time::Duration::SECOND, "beta"),
            &domain,
            CODE,
            None
        )
        .is_ok()
    );
    let refusal = transfer_request(&ctx(&policy, expiry, "beta"), &domain, CODE, None).unwrap_err();
    assert_eq!(refusal.epp_code(), 2202);
    assert!(refusal.to_string().contains("expired"));
    // The rest need a code that is still valid.
    let fresh = with_code(&domain, now);
    let pending = requested(&policy, &fresh, now).state;
    assert_eq!(code_of(transfer_request(&ctx(&policy, now, "gamma"), &pending, CODE, None)), 2300);
    let deleted = delete(&ctx(&policy, now, "alpha"), &fresh, &[]).unwrap().state.unwrap();
    assert_eq!(code_of(transfer_request(&beta, &deleted, CODE, None)), 2304);
    for status in [DomainStatus::ClientTransferProhibited, DomainStatus::ServerTransferProhibited] {
        let mut locked = fresh.clone();
        locked.statuses.insert(status);
        assert_eq!(code_of(transfer_request(&beta, &locked, CODE, None)), 2304);
    }
    assert_eq!(code_of(transfer_request(&beta, &fresh, CODE, Some(0))), 2004);
    assert_eq!(code_of(transfer_request(&beta, &fresh, CODE, Some(2))), 2306);
    let mut far = fresh.clone();
    far.expires_at = datetime!(2040-05-01 0:00 UTC);
    assert_eq!(code_of(transfer_request(&beta, &far, CODE, None)), 2306, "beyond ten years");
    policy.transfer_lock_days = 60;
    let lock_ends = datetime!(2030-05-09 12:00 UTC);
    let before = lock_ends - time::Duration::SECOND;
    let refusal =
        transfer_request(&ctx(&policy, before, "beta"), &with_code(&domain, before), CODE, None)
            .unwrap_err();
    assert_eq!(refusal.epp_code(), 2106);
    assert!(refusal.to_string().contains("60 days"));
    let at = ctx(&policy, lock_ends, "beta");
    assert!(transfer_request(&at, &with_code(&domain, lock_ends), CODE, None).is_ok());
    let mut moved = with_code(&domain, lock_ends);
    moved.transferred_at = Some(datetime!(2030-04-01 0:00 UTC));
    assert_eq!(
        code_of(transfer_request(&at, &moved, CODE, None)),
        2106,
        "60 days after a transfer"
    );
}

#[test]
fn transfer_approve_moves_the_domain() {
    let policy = policy();
    let domain = created(&policy);
    let now = datetime!(2030-06-01 0:00 UTC);
    let pending = requested(&policy, &domain, now).state;
    let approve_at = datetime!(2030-06-02 0:00 UTC);
    assert_eq!(code_of(transfer_approve(&ctx(&policy, approve_at, "beta"), &pending)), 2201);
    assert_eq!(code_of(transfer_approve(&ctx(&policy, approve_at, "alpha"), &domain)), 2301);
    let decision = transfer_approve(&ctx(&policy, approve_at, "alpha"), &pending).unwrap();
    let moved = &decision.state;
    assert_eq!(moved.sponsor, "beta");
    assert_eq!(moved.expires_at, datetime!(2032-03-10 12:00 UTC));
    assert_eq!(moved.auth, None, "RFC 9154: the code goes with the transfer");
    assert_eq!(moved.transferred_at, Some(approve_at));
    let transfer = moved.transfer.as_ref().unwrap();
    assert_eq!(transfer.status, TransferStatus::ClientApproved);
    assert_eq!(transfer.action_at, approve_at);
    assert_eq!(moved.rgp_statuses(approve_at), [RgpStatus::TransferPeriod]);
    assert_eq!(moved.grace[0].registrar, "beta");
    assert!(decision.charges.is_empty());
    let told: Vec<_> = decision.poll.iter().map(|p| p.registrar.as_str()).collect();
    assert_eq!(told, ["beta", "alpha"]);
    assert!(!moved.epp_statuses().contains(&"pendingTransfer"));
    let by_registry = transfer_approve(&ctx(&policy, approve_at, OPERATOR), &pending).unwrap();
    assert_eq!(by_registry.state.transfer.unwrap().status, TransferStatus::ServerApproved);
}

#[test]
fn transfer_in_auto_renew_grace_refunds_the_loser() {
    let policy = policy();
    let mut domain = created(&policy);
    // As due::step leaves it after the auto-renewal at 2031-03-10.
    domain.expires_at = datetime!(2032-03-10 12:00 UTC);
    domain.grace = vec![crate::model::GracePeriod {
        kind: GraceKind::AutoRenew,
        ends: datetime!(2031-04-24 12:00 UTC),
        registrar: "alpha".into(),
        amount: 1000,
        years: 1,
    }];
    domain.auth =
        Some(crate::secret::new_auth_code(CODE, datetime!(2031-03-20 0:00 UTC), &mut TestRng(3)));
    let now = datetime!(2031-03-20 0:00 UTC);
    let decision = requested(&policy, &domain, now);
    let PollBody::Transfer { expires_at, .. } = &decision.poll[0].body else {
        panic!("not a transfer poll")
    };
    assert_eq!(*expires_at, datetime!(2032-03-10 12:00 UTC), "no year added twice");
    let approved = transfer_approve(&ctx(&policy, now, "alpha"), &decision.state).unwrap();
    assert_eq!(approved.state.expires_at, datetime!(2032-03-10 12:00 UTC));
    assert_eq!(approved.charges.len(), 1);
    assert_eq!(
        (approved.charges[0].registrar.as_str(), approved.charges[0].amount),
        ("alpha", 1000)
    );
    assert_eq!(approved.state.grace.len(), 1);
    assert_eq!(approved.state.grace[0].kind, GraceKind::Transfer);
}

#[test]
fn transfer_reject_cancel_and_query() {
    let policy = policy();
    let domain = created(&policy);
    let now = datetime!(2030-06-01 0:00 UTC);
    let pending = requested(&policy, &domain, now).state;
    let later = datetime!(2030-06-03 0:00 UTC);

    assert_eq!(code_of(transfer_reject(&ctx(&policy, later, "beta"), &pending)), 2201);
    let rejected = transfer_reject(&ctx(&policy, later, "alpha"), &pending).unwrap();
    assert_eq!(rejected.state.sponsor, "alpha");
    assert_eq!(rejected.state.transfer.as_ref().unwrap().status, TransferStatus::ClientRejected);
    assert_eq!(
        (rejected.charges[0].registrar.as_str(), rejected.charges[0].amount),
        ("beta", 1000)
    );
    assert_eq!(rejected.poll[0].registrar, "beta");
    assert_eq!(code_of(transfer_reject(&ctx(&policy, later, "alpha"), &rejected.state)), 2301);

    assert_eq!(code_of(transfer_cancel(&ctx(&policy, later, "alpha"), &pending)), 2201);
    let cancelled = transfer_cancel(&ctx(&policy, later, "beta"), &pending).unwrap();
    assert_eq!(cancelled.state.transfer.as_ref().unwrap().status, TransferStatus::ClientCancelled);
    assert_eq!(cancelled.charges[0].amount, 1000);
    assert_eq!(cancelled.poll[0].registrar, "alpha");
    let by_registry = transfer_cancel(&ctx(&policy, later, OPERATOR), &pending).unwrap();
    assert_eq!(
        by_registry.state.transfer.as_ref().unwrap().status,
        TransferStatus::ServerCancelled
    );
    assert_eq!(by_registry.poll.len(), 2);

    assert_eq!(code_of(transfer_query(&ctx(&policy, later, "alpha"), &domain)), 2301);
    assert_eq!(transfer_query(&ctx(&policy, later, "alpha"), &pending).unwrap().gaining, "beta");
    assert!(transfer_query(&ctx(&policy, later, "beta"), &pending).is_ok());
    assert!(
        transfer_query(&ctx(&policy, later, "beta"), &rejected.state).is_ok(),
        "after the end too"
    );
    assert_eq!(code_of(transfer_query(&ctx(&policy, later, "gamma"), &pending)), 2201);
}
