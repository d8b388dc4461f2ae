//! A domain's whole life through the lifecycle engine: commands and time-driven steps, checked
//! at the instants things change (one second before, and at).

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use nameward_registry::lifecycle::domain::{
    self, DomainCreate, RestoreReport, transfer_approve, transfer_cancel, transfer_reject,
    transfer_request,
};
use nameward_registry::lifecycle::{Ctx, Decision, OPERATOR, Refs, due};
use nameward_registry::model::{
    Account, Charge, ChargeKind, DeletionPhase, Domain, PollBody, RegistrarState, RgpStatus,
    TransferStatus,
};
use nameward_registry::policy::Policy;
use rand_core::RngCore;
use time::macros::{date, datetime};
use time::{Duration, OffsetDateTime};

const CODE: &str = "k7Qm2ZpX9vRt4LcW8nBy3H";
const SECOND: Duration = Duration::SECOND;

/// A deterministic generator (xorshift64*), so failures replay.
struct TestRng(u64);

impl RngCore for TestRng {
    fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }
    fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for byte in dest {
            *byte = self.next_u64() as u8;
        }
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

fn ctx<'a>(policy: &'a Policy, now: OffsetDateTime, actor: &'a str) -> Ctx<'a> {
    Ctx { policy, now, actor }
}

fn refs() -> Refs {
    Refs { contacts: ["c1".to_owned()].into(), hosts: ["ns1.other.net".to_owned()].into() }
}

fn create(policy: &Policy, at: OffsetDateTime, years: u8) -> Decision<Domain> {
    let req = DomainCreate {
        name: "a.example".to_owned(),
        years,
        ns: vec!["ns1.other.net".to_owned()],
        registrant: Some("c1".to_owned()),
        auth_code: CODE.to_owned(),
        ..DomainCreate::default()
    };
    domain::create(&ctx(policy, at, "alpha"), &req, false, &refs(), 1, &mut TestRng(1)).unwrap()
}

/// The domain with a transfer code set afresh at `at`.
fn with_code(domain: &Domain, at: OffsetDateTime) -> Domain {
    let update = domain::DomainUpdate {
        auth: Some(domain::AuthChange::Set(CODE.to_owned())),
        ..domain::DomainUpdate::default()
    };
    domain::update(
        &ctx(&Policy::default(), at, OPERATOR),
        domain,
        &update,
        &refs(),
        &mut TestRng(2),
    )
    .unwrap()
    .state
}

/// Steps `domain` to quiescence at `now`, returning what is left of it and every decision.
fn settle(
    policy: &Policy,
    domain: &Domain,
    now: OffsetDateTime,
    sponsor: RegistrarState,
) -> (Option<Domain>, Vec<Decision<Option<Domain>>>) {
    let ctx = ctx(policy, now, OPERATOR);
    let mut current = domain.clone();
    let mut decisions = Vec::new();
    for _ in 0..10_000 {
        let Some(decision) = due::step(&ctx, &current, sponsor) else {
            assert!(
                due::step(&ctx, &current, sponsor).is_none(),
                "step is idempotent once settled"
            );
            if let Some(next) = due::next_event_at(policy, &current) {
                assert!(next > now, "next event {next} is not after {now}");
            }
            return (Some(current), decisions);
        };
        let state = decision.state.clone();
        decisions.push(decision);
        match state {
            Some(next) => current = next,
            None => return (None, decisions),
        }
    }
    panic!("no quiescence at {now}");
}

fn settled(policy: &Policy, domain: &Domain, now: OffsetDateTime) -> Domain {
    settle(policy, domain, now, RegistrarState::Active).0.expect("domain still there")
}

fn actions(decisions: &[Decision<Option<Domain>>]) -> Vec<&'static str> {
    decisions.iter().map(|decision| decision.action).collect()
}

fn charges(decisions: &[Decision<Option<Domain>>]) -> Vec<Charge> {
    decisions.iter().flat_map(|decision| decision.charges.clone()).collect()
}

fn phase(domain: &Domain) -> Option<DeletionPhase> {
    domain.deletion.as_ref().map(|deletion| deletion.phase)
}

const T0: OffsetDateTime = datetime!(2030-03-10 12:00 UTC);

#[test]
fn create_then_delete_in_add_grace_refunds_the_create() {
    let policy = Policy::default();
    let created = create(&policy, T0, 2);
    assert_eq!(created.charges[0].amount, -2000);
    let add_ends = datetime!(2030-03-15 12:00 UTC);
    let just_before = settled(&policy, &created.state, add_ends - SECOND);
    assert_eq!(just_before.rgp_statuses(add_ends - SECOND), [RgpStatus::AddPeriod]);
    let decision =
        domain::delete(&ctx(&policy, add_ends - SECOND, "alpha"), &just_before, &[]).unwrap();
    assert_eq!(decision.state, None);
    assert_eq!(decision.charges.iter().map(|c| c.amount).sum::<i64>(), 2000);
    // At the end of the period the create is kept and the domain goes to redemption.
    let at_end = settled(&policy, &created.state, add_ends);
    assert!(at_end.grace.is_empty(), "the elapsed add grace is dropped");
    let decision = domain::delete(&ctx(&policy, add_ends, "alpha"), &at_end, &[]).unwrap();
    assert!(decision.charges.is_empty());
    assert_eq!(phase(decision.state.as_ref().unwrap()), Some(DeletionPhase::Redemption));
}

#[test]
fn renew_expiry_auto_renew_and_delete_in_auto_renew_grace() {
    let policy = Policy::default();
    let domain = create(&policy, T0, 1).state;
    let renewed = domain::renew(
        &ctx(&policy, datetime!(2030-06-01 0:00 UTC), "alpha"),
        &domain,
        date!(2031 - 03 - 10),
        1,
    )
    .unwrap()
    .state;
    assert_eq!(renewed.expires_at, datetime!(2032-03-10 12:00 UTC));
    let expiry = renewed.expires_at;
    let (before, decisions) = settle(&policy, &renewed, expiry - SECOND, RegistrarState::Active);
    let before = before.unwrap();
    assert_eq!(actions(&decisions), ["auth_code_expired", "grace_end"]);
    assert_eq!(before.expires_at, expiry);
    assert_eq!(before.auth, None, "the transfer code lived 14 days");
    assert_eq!(due::next_event_at(&policy, &before), Some(expiry));

    let (after, decisions) = settle(&policy, &before, expiry, RegistrarState::Active);
    let after = after.unwrap();
    assert_eq!(actions(&decisions), ["auto_renew"]);
    assert_eq!(after.expires_at, datetime!(2033-03-10 12:00 UTC));
    let charged = charges(&decisions);
    assert_eq!(
        (charged[0].amount, charged[0].kind, charged[0].at),
        (-1000, ChargeKind::AutoRenew, expiry)
    );
    assert!(matches!(decisions[0].poll[0].body, PollBody::AutoRenew { .. }));
    assert_eq!(after.rgp_statuses(expiry), [RgpStatus::AutoRenewPeriod]);

    let grace_ends = datetime!(2032-04-24 12:00 UTC);
    let inside = settled(&policy, &after, grace_ends - SECOND);
    let decision =
        domain::delete(&ctx(&policy, grace_ends - SECOND, "alpha"), &inside, &[]).unwrap();
    assert_eq!(decision.charges.len(), 1);
    assert_eq!((decision.charges[0].amount, decision.charges[0].kind), (1000, ChargeKind::Refund));
    let deleted = decision.state.unwrap();
    assert_eq!(deleted.expires_at, expiry, "the auto-renewed year is taken back");
    let outside = settled(&policy, &after, grace_ends);
    assert!(outside.grace.is_empty());
    let decision = domain::delete(&ctx(&policy, grace_ends, "alpha"), &outside, &[]).unwrap();
    assert!(decision.charges.is_empty());
    assert_eq!(decision.state.unwrap().expires_at, datetime!(2033-03-10 12:00 UTC));
}

fn deleted_at(policy: &Policy, at: OffsetDateTime) -> Domain {
    let domain = settled(policy, &create(policy, T0, 2).state, at);
    domain::delete(&ctx(policy, at, "alpha"), &domain, &[]).unwrap().state.unwrap()
}

fn report(del: OffsetDateTime, res: OffsetDateTime) -> RestoreReport {
    RestoreReport {
        pre_data: "ns1.other.net".into(),
        post_data: "ns1.other.net".into(),
        del_time: del,
        res_time: res,
        res_reason: "deleted by mistake".into(),
        statements: vec!["accurate".into(), "not for gain".into()],
        other: None,
    }
}

#[test]
fn redemption_restore_request_and_report() {
    let policy = Policy::default();
    let del = datetime!(2030-06-01 0:00 UTC);
    let deleted = deleted_at(&policy, del);
    let request_at = del + Duration::days(10);
    let deleted = settled(&policy, &deleted, request_at);
    assert_eq!(phase(&deleted), Some(DeletionPhase::Redemption));
    let restoring = domain::restore_request(&ctx(&policy, request_at, "alpha"), &deleted).unwrap();
    assert_eq!(restoring.charges[0].amount, -4000);
    let report_at = request_at + Duration::days(2);
    let restoring = settled(&policy, &restoring.state, report_at);
    assert_eq!(restoring.rgp_statuses(report_at), [RgpStatus::PendingRestore]);
    let restored = domain::restore_report(
        &ctx(&policy, report_at, "alpha"),
        &restoring,
        &report(del, report_at),
    )
    .unwrap();
    assert_eq!(restored.state.deletion, None);
    assert!(restored.state.in_zone());
    assert_eq!(restored.state.expires_at, datetime!(2032-03-10 12:00 UTC));
}

#[test]
fn restore_without_report_goes_back_to_redemption_then_on_to_purge() {
    let policy = Policy::default();
    let del = datetime!(2030-06-01 0:00 UTC);
    let deleted = deleted_at(&policy, del);
    let restoring =
        domain::restore_request(&ctx(&policy, del + Duration::days(10), "alpha"), &deleted)
            .unwrap()
            .state;
    let report_due = del + Duration::days(17);
    assert_eq!(
        phase(&settled(&policy, &restoring, report_due - SECOND)),
        Some(DeletionPhase::PendingRestore)
    );
    let back = settled(&policy, &restoring, report_due);
    assert_eq!(phase(&back), Some(DeletionPhase::Redemption));
    assert_eq!(
        back.deletion.as_ref().unwrap().phase_ends,
        del + Duration::days(30),
        "what was left of it"
    );
    // A restore requested late runs past the end of redemption: straight to pendingDelete.
    let late = domain::restore_request(&ctx(&policy, del + Duration::days(29), "alpha"), &deleted)
        .unwrap()
        .state;
    let (gone_on, decisions) =
        settle(&policy, &late, del + Duration::days(36), RegistrarState::Active);
    assert_eq!(actions(&decisions), ["restore_expired"]);
    let deletion = gone_on.unwrap().deletion.unwrap();
    assert_eq!(deletion.phase, DeletionPhase::PendingDelete);
    assert_eq!(deletion.phase_ends, del + Duration::days(41));
}

#[test]
fn redemption_pending_delete_and_purge_at_the_second() {
    let policy = Policy::default();
    let del = datetime!(2030-06-01 0:00 UTC);
    let deleted = deleted_at(&policy, del);
    let redemption_ends = del + Duration::days(30);
    let purge_at = redemption_ends + Duration::days(5);
    let table = [
        (redemption_ends - SECOND, Some(RgpStatus::RedemptionPeriod)),
        (redemption_ends, Some(RgpStatus::PendingDelete)),
        (purge_at - SECOND, Some(RgpStatus::PendingDelete)),
        (purge_at, None),
    ];
    for (now, expected) in table {
        let (left, decisions) = settle(&policy, &deleted, now, RegistrarState::Active);
        let rgp = left.as_ref().map(|domain| domain.rgp_statuses(now)[0]);
        assert_eq!(rgp, expected, "at {now}");
        if left.is_none() {
            let last = decisions.last().unwrap();
            assert_eq!(last.action, "purge");
            assert_eq!(last.poll[0].body, PollBody::Purged { domain: "a.example".into() });
            assert_eq!(last.poll[0].registrar, "alpha");
        }
    }
}

fn request_transfer(policy: &Policy, domain: &Domain, at: OffsetDateTime) -> Decision<Domain> {
    transfer_request(&ctx(policy, at, "beta"), &with_code(domain, at), CODE, None).unwrap()
}

#[test]
fn transfer_reject_cancel_approve_and_auto_approve_on_day_five() {
    let policy = Policy::default();
    let domain = settled(&policy, &create(&policy, T0, 1).state, datetime!(2030-06-01 0:00 UTC));
    let at = datetime!(2030-06-01 0:00 UTC);
    let pending = request_transfer(&policy, &domain, at);
    assert_eq!(pending.charges[0].amount, -1000);
    let pending = pending.state;
    let day = |n: i64| at + Duration::days(n);

    let rejected = transfer_reject(&ctx(&policy, day(1), "alpha"), &pending).unwrap();
    assert_eq!(rejected.charges[0].amount, 1000);
    assert_eq!(settled(&policy, &rejected.state, day(30)).sponsor, "alpha");
    let cancelled = transfer_cancel(&ctx(&policy, day(2), "beta"), &pending).unwrap();
    assert_eq!(cancelled.charges[0].amount, 1000);
    let approved = transfer_approve(&ctx(&policy, day(3), "alpha"), &pending).unwrap().state;
    assert_eq!(
        (approved.sponsor.as_str(), approved.expires_at),
        ("beta", datetime!(2032-03-10 12:00 UTC))
    );

    let waiting = settled(&policy, &pending, day(5) - SECOND);
    assert!(waiting.transfer_pending());
    assert_eq!(waiting.sponsor, "alpha");
    let (done, decisions) = settle(&policy, &pending, day(5), RegistrarState::Active);
    let done = done.unwrap();
    assert!(actions(&decisions).contains(&"transfer_auto_approve"));
    assert_eq!(done.sponsor, "beta");
    assert_eq!(done.transfer.as_ref().unwrap().status, TransferStatus::ServerApproved);
    assert_eq!(done.transfer.as_ref().unwrap().action_at, day(5));
    assert_eq!(done.expires_at, datetime!(2032-03-10 12:00 UTC));
    assert_eq!(done.auth, None);
    assert_eq!(done.rgp_statuses(day(5)), [RgpStatus::TransferPeriod]);
    let told: Vec<_> =
        decisions.iter().flat_map(|d| d.poll.iter().map(|p| p.registrar.clone())).collect();
    assert_eq!(told, ["beta", "alpha"]);
    // Deleting inside the transfer grace refunds the gaining registrar and takes the year back.
    let deleted = domain::delete(&ctx(&policy, day(6), "beta"), &done, &[]).unwrap();
    assert_eq!((deleted.charges[0].registrar.as_str(), deleted.charges[0].amount), ("beta", 1000));
    assert_eq!(deleted.state.unwrap().expires_at, datetime!(2031-03-10 12:00 UTC));
}

#[test]
fn expiry_arithmetic_on_29_february() {
    let policy = Policy::default();
    let created = create(&policy, datetime!(2024-02-29 09:00 UTC), 4).state;
    assert_eq!(created.expires_at, datetime!(2028-02-29 09:00 UTC));
    // A transfer adds a year: 2029 has no 29 February.
    let at = datetime!(2027-06-01 0:00 UTC);
    let pending = request_transfer(&policy, &settled(&policy, &created, at), at).state;
    let moved = settled(&policy, &pending, at + Duration::days(5));
    assert_eq!(moved.expires_at, datetime!(2029-02-28 09:00 UTC));
    // Auto-renew of a 29 February expiry, then again from 28 February.
    let (left, decisions) =
        settle(&policy, &created, datetime!(2029-02-28 08:59 UTC), RegistrarState::Active);
    assert_eq!(actions(&decisions).iter().filter(|a| **a == "auto_renew").count(), 1);
    let left = left.unwrap();
    assert_eq!(left.expires_at, datetime!(2029-02-28 09:00 UTC));
    let again = settled(&policy, &left, datetime!(2029-02-28 09:00 UTC));
    assert_eq!(again.expires_at, datetime!(2030-02-28 09:00 UTC));
    let renew_ctx = ctx(&policy, datetime!(2028-01-01 0:00 UTC), "alpha");
    let renewed = domain::renew(
        &renew_ctx,
        &settled(&policy, &created, renew_ctx.now),
        date!(2028 - 02 - 29),
        4,
    )
    .unwrap()
    .state;
    assert_eq!(renewed.expires_at, datetime!(2032-02-29 09:00 UTC), "leap year to leap year");
}

#[test]
fn transfer_inside_auto_renew_grace_refunds_the_loser() {
    let policy = Policy::default();
    let domain = create(&policy, T0, 1).state;
    let expiry = datetime!(2031-03-10 12:00 UTC);
    let renewed = settled(&policy, &domain, expiry);
    assert_eq!(renewed.expires_at, datetime!(2032-03-10 12:00 UTC));
    let at = datetime!(2031-03-20 0:00 UTC);
    let pending = request_transfer(&policy, &renewed, at).state;
    let (done, decisions) =
        settle(&policy, &pending, at + Duration::days(5), RegistrarState::Active);
    let done = done.unwrap();
    assert_eq!(done.expires_at, datetime!(2032-03-10 12:00 UTC), "the year is not added twice");
    let charged = charges(&decisions);
    assert_eq!(charged.len(), 1);
    assert_eq!(
        (charged[0].registrar.as_str(), charged[0].amount, charged[0].kind),
        ("alpha", 1000, ChargeKind::Refund)
    );

    // A transfer pending across the expiry: the auto-renewal happens, then is undone.
    let at = datetime!(2031-03-08 0:00 UTC);
    let pending = request_transfer(&policy, &settled(&policy, &domain, at), at).state;
    let (done, decisions) =
        settle(&policy, &pending, at + Duration::days(5), RegistrarState::Active);
    assert_eq!(actions(&decisions), ["auto_renew", "transfer_auto_approve"]);
    assert_eq!(done.unwrap().expires_at, datetime!(2032-03-10 12:00 UTC));
    let net: i64 = charges(&decisions).iter().map(|c| c.amount).sum();
    assert_eq!(net, 0, "the loser's auto-renewal is refunded");
}

#[test]
fn failed_registrar_renews_on_credit_and_never_deletes() {
    let policy = Policy::default();
    let live = create(&policy, T0, 1).state;
    let deleted = deleted_at(&policy, datetime!(2030-06-01 0:00 UTC));
    let pending_delete = settled(&policy, &deleted, datetime!(2030-07-02 0:00 UTC));
    assert_eq!(phase(&pending_delete), Some(DeletionPhase::PendingDelete));
    let failed = RegistrarState::Failed;

    let mut states = [live, deleted, pending_delete];
    let mut credit = Vec::new();
    let mut held = 0;
    let start = datetime!(2030-06-02 0:00 UTC);
    for day in 0..=(2 * 366) {
        let now = start + Duration::days(day);
        for state in &mut states {
            let (left, decisions) = settle(&policy, state, now, failed);
            let left = left.expect("nothing is purged while the sponsor is failed");
            for decision in &decisions {
                assert!(
                    !["pending_delete", "purge"].contains(&decision.action),
                    "{} at {now}",
                    decision.action
                );
                held += usize::from(decision.action == "deletion_held");
            }
            credit.extend(charges(&decisions));
            *state = left;
        }
    }
    let [live, deleted, pending_delete] = states;
    assert_eq!(live.expires_at, datetime!(2033-03-10 12:00 UTC), "renewed in 2031 and 2032");
    assert!(live.grace.is_empty(), "credit renewals have no grace period to refund");
    assert_eq!(phase(&deleted), Some(DeletionPhase::Redemption));
    assert_eq!(phase(&pending_delete), Some(DeletionPhase::PendingDelete));
    assert!(held >= 2 * 365 / 30, "held {held} times");
    assert_eq!(credit.len(), 2);
    for charge in &credit {
        assert_eq!(
            (charge.account, charge.kind, charge.amount),
            (Account::Receivable, ChargeKind::CreditRenewal, -1000)
        );
    }
    // Once a successor takes over (or the registrar recovers) the clock runs again, from
    // where the hold left it: never a purge on the spot.
    let now = start + Duration::days(2 * 366);
    assert_eq!(phase(&settled(&policy, &pending_delete, now)), Some(DeletionPhase::PendingDelete));
    let purge_at = pending_delete.deletion.as_ref().unwrap().phase_ends;
    assert!(purge_at > now && purge_at <= now + Duration::days(5));
    assert!(settle(&policy, &pending_delete, purge_at, RegistrarState::Active).0.is_none());
    let redemption_ends = deleted.deletion.as_ref().unwrap().phase_ends;
    assert!(redemption_ends > now && redemption_ends <= now + Duration::days(30));
    assert_eq!(
        phase(&settled(&policy, &deleted, redemption_ends)),
        Some(DeletionPhase::PendingDelete)
    );
}

/// Issue 14: from the moment a registrar is suspended, its deleted names reach pendingDelete
/// but are not purged, so that the operator's decision (reinstate or declare failed) comes
/// before any name is lost.
#[test]
fn a_suspended_registrars_deletes_wait_in_pending_delete() {
    let policy = Policy::default();
    let deleted = deleted_at(&policy, datetime!(2030-06-01 0:00 UTC));
    let suspended = RegistrarState::Suspended;
    let mut state = deleted;
    let mut actions_seen = Vec::new();
    for day in 1..=120 {
        let now = datetime!(2030-06-01 0:00 UTC) + Duration::days(day);
        let (left, decisions) = settle(&policy, &state, now, suspended);
        state = left.expect("nothing is purged while the sponsor is suspended");
        actions_seen.extend(actions(&decisions));
    }
    assert_eq!(phase(&state), Some(DeletionPhase::PendingDelete));
    assert!(actions_seen.contains(&"pending_delete") && actions_seen.contains(&"deletion_held"));
    assert!(!actions_seen.contains(&"purge"));
    // Reinstated, the registrar's deletes go their way: the purge comes at the end of the
    // held phase, not on the spot.
    let now = datetime!(2030-09-29 0:00 UTC);
    let purge_at = state.deletion.as_ref().unwrap().phase_ends;
    assert!(purge_at > now - Duration::days(1) && purge_at <= now + Duration::days(5));
    assert!(settle(&policy, &state, purge_at, RegistrarState::Active).0.is_none());
}

#[test]
fn restore_of_an_expired_domain_is_followed_by_an_auto_renewal() {
    let policy = Policy::default();
    let domain = create(&policy, T0, 1).state;
    let del = datetime!(2031-03-01 0:00 UTC);
    let deleted = domain::delete(&ctx(&policy, del, "alpha"), &settled(&policy, &domain, del), &[])
        .unwrap()
        .state
        .unwrap();
    let at = datetime!(2031-03-20 0:00 UTC);
    let deleted = settled(&policy, &deleted, at);
    assert_eq!(
        deleted.expires_at,
        datetime!(2031-03-10 12:00 UTC),
        "no auto-renewal while deleted"
    );
    let restoring = domain::restore_request(&ctx(&policy, at, "alpha"), &deleted).unwrap().state;
    let restored = domain::restore_report(&ctx(&policy, at, "alpha"), &restoring, &report(del, at))
        .unwrap()
        .state;
    let (left, decisions) = settle(&policy, &restored, at, RegistrarState::Active);
    assert_eq!(actions(&decisions), ["auto_renew"]);
    assert_eq!(left.unwrap().expires_at, datetime!(2032-03-10 12:00 UTC));
}
