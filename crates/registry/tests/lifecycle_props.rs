//! Property tests: random sequences of registrar commands and passing time, with the
//! lifecycle's invariants checked after every step.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::collections::BTreeSet;

use nameward_registry::lifecycle::domain::{self, AuthChange, DomainCreate, DomainUpdate};
use nameward_registry::lifecycle::{Ctx, Decision, OPERATOR, Refs, add_years, due, expiry_limit};
use nameward_registry::model::{Charge, ChargeKind, Domain, RegistrarState};
use nameward_registry::policy::Policy;
use proptest::prelude::*;
use rand_core::RngCore;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const CODE: &str = "k7Qm2ZpX9vRt4LcW8nBy3H";
const REGISTRARS: [&str; 3] = ["alpha", "beta", "gamma"];
/// Created on 10 March, so adding whole years never meets 29 February and the expiry always
/// stays on the same day: years can be counted exactly.
const T0: OffsetDateTime = datetime!(2031-03-10 12:00 UTC);

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

#[derive(Debug, Clone)]
enum Op {
    Advance(i64),
    /// Jump to this many hours after the expiry minus ten days (never back in time).
    NearExpiry(i64),
    Renew(u8),
    Delete,
    RestoreRequest,
    RestoreReport,
    SetCode,
    TransferRequest(usize),
    Approve,
    Reject,
    Cancel,
    ToggleFailed,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (1i64..=24 * 120).prop_map(Op::Advance),
        2 => (0i64..=24 * 60).prop_map(Op::NearExpiry),
        1 => (1u8..=3).prop_map(Op::Renew),
        1 => Just(Op::Delete),
        1 => Just(Op::RestoreRequest),
        1 => Just(Op::RestoreReport),
        3 => Just(Op::SetCode),
        3 => (0usize..3).prop_map(Op::TransferRequest),
        1 => Just(Op::Approve),
        1 => Just(Op::Reject),
        1 => Just(Op::Cancel),
        1 => Just(Op::ToggleFailed),
    ]
}

struct World {
    policy: Policy,
    now: OffsetDateTime,
    domain: Option<Domain>,
    failed: BTreeSet<String>,
    ledger: Vec<Charge>,
    rng: TestRng,
}

impl World {
    fn sponsor_state(&self, domain: &Domain) -> RegistrarState {
        if self.failed.contains(&domain.sponsor) {
            RegistrarState::Failed
        } else {
            RegistrarState::Active
        }
    }

    fn book<T>(&mut self, decision: &Decision<T>) {
        self.ledger.extend(decision.charges.iter().cloned());
    }

    /// Runs `step` to quiescence, checking what may never happen on the way.
    fn settle(&mut self) {
        for _ in 0..100_000 {
            let Some(domain) = self.domain.clone() else { return };
            let sponsor = self.sponsor_state(&domain);
            let ctx = Ctx { policy: &self.policy, now: self.now, actor: OPERATOR };
            let Some(decision) = due::step(&ctx, &domain, sponsor) else {
                assert!(due::step(&ctx, &domain, sponsor).is_none());
                if let Some(next) = due::next_event_at(&self.policy, &domain) {
                    assert!(next > self.now, "next event {next} not after {}", self.now);
                }
                return;
            };
            if sponsor == RegistrarState::Failed {
                assert!(
                    !["pending_delete", "purge"].contains(&decision.action),
                    "{} while the sponsor is failed",
                    decision.action
                );
            }
            self.book(&decision);
            self.domain = decision.state;
        }
        panic!("no quiescence");
    }

    fn command(&mut self, op: &Op) {
        let Some(domain) = self.domain.clone() else { return };
        let sponsor = domain.sponsor.clone();
        let policy = self.policy.clone();
        let now = self.now;
        let run = |actor| acting(&policy, now, actor);
        match op {
            Op::Advance(hours) => self.now += Duration::hours(*hours),
            Op::NearExpiry(hours) => {
                let target = domain.expires_at - Duration::days(10) + Duration::hours(*hours);
                self.now = self.now.max(target);
            }
            Op::Renew(years) => {
                let current = domain.expires_at.date();
                if let Ok(decision) = domain::renew(&run(&sponsor), &domain, current, *years) {
                    self.book(&decision);
                    self.domain = Some(decision.state);
                }
            }
            Op::Delete => {
                if let Ok(decision) = domain::delete(&run(&sponsor), &domain, &[]) {
                    self.book(&decision);
                    self.domain = decision.state;
                }
            }
            Op::RestoreRequest => {
                if let Ok(decision) = domain::restore_request(&run(&sponsor), &domain) {
                    self.book(&decision);
                    self.domain = Some(decision.state);
                }
            }
            Op::RestoreReport => {
                let report = domain::RestoreReport {
                    pre_data: "pre".into(),
                    post_data: "post".into(),
                    del_time: now,
                    res_time: now,
                    res_reason: "reason".into(),
                    statements: vec!["one".into(), "two".into()],
                    other: None,
                };
                if let Ok(decision) = domain::restore_report(&run(&sponsor), &domain, &report) {
                    self.domain = Some(decision.state);
                }
            }
            Op::SetCode => {
                let update = DomainUpdate {
                    auth: Some(AuthChange::Set(CODE.into())),
                    ..DomainUpdate::default()
                };
                if let Ok(decision) = domain::update(
                    &run(&sponsor),
                    &domain,
                    &update,
                    &Refs::default(),
                    &mut self.rng,
                ) {
                    self.domain = Some(decision.state);
                }
            }
            Op::TransferRequest(gaining) => {
                let gaining = REGISTRARS[*gaining];
                if let Ok(decision) = domain::transfer_request(&run(gaining), &domain, CODE, None) {
                    self.book(&decision);
                    self.domain = Some(decision.state);
                }
            }
            Op::Approve | Op::Reject | Op::Cancel => {
                let gaining =
                    domain.transfer.as_ref().map(|t| t.gaining.clone()).unwrap_or_default();
                let result = match op {
                    Op::Approve => domain::transfer_approve(&run(&sponsor), &domain),
                    Op::Reject => domain::transfer_reject(&run(&sponsor), &domain),
                    _ => domain::transfer_cancel(&run(&gaining), &domain),
                };
                if let Ok(decision) = result {
                    self.book(&decision);
                    self.domain = Some(decision.state);
                }
            }
            Op::ToggleFailed => {
                if !self.failed.remove(&sponsor) {
                    self.failed.insert(sponsor);
                }
            }
        }
    }

    fn check(&self) {
        // Every refund gives back one earlier purchase of the same registrar, exactly once.
        let mut open: Vec<(String, i64)> = Vec::new();
        for charge in &self.ledger {
            match charge.kind {
                ChargeKind::Refund => {
                    let index = open
                        .iter()
                        .position(|(registrar, amount)| {
                            *registrar == charge.registrar && *amount == charge.amount
                        })
                        .unwrap_or_else(|| {
                            panic!("refund {charge:?} matches no purchase in {open:?}")
                        });
                    open.remove(index);
                }
                _ => {
                    assert!(charge.amount <= 0, "{charge:?}");
                    open.push((charge.registrar.clone(), -charge.amount));
                }
            }
        }
        let Some(domain) = &self.domain else { return };
        assert!(
            domain.expires_at <= expiry_limit(&self.policy, self.now),
            "expiry {} too far",
            domain.expires_at
        );
        // Money is conserved: what registrars keep paying for (net of refunds, leaving out
        // restores and a transfer still pending) is exactly the years between the create
        // and the expiry, at the one price every year costs under this policy.
        let pending: i64 =
            domain.transfer.iter().filter(|_| domain.transfer_pending()).map(|t| t.amount).sum();
        let paid: i64 = self
            .ledger
            .iter()
            .filter(|charge| charge.kind != ChargeKind::Restore)
            .map(|charge| charge.amount)
            .sum::<i64>()
            + pending;
        let years = domain.expires_at.year() - T0.year();
        assert_eq!(add_years(T0, years), domain.expires_at, "expiry left its anniversary");
        assert_eq!(-paid, i64::from(years) * 1000, "paid {paid} for {years} years");
    }
}

fn acting<'a>(policy: &'a Policy, now: OffsetDateTime, actor: &'a str) -> Ctx<'a> {
    Ctx { policy, now, actor }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn invariants_hold_over_random_lives(years in 1u8..=3, ops in proptest::collection::vec(op(), 1..80)) {
        let policy = Policy::default();
        let req = DomainCreate {
            name: "a.example".into(),
            years,
            auth_code: CODE.into(),
            ..DomainCreate::default()
        };
        let ctx = Ctx { policy: &policy, now: T0, actor: "alpha" };
        let created = domain::create(&ctx, &req, false, &Refs::default(), 1, &mut TestRng(1)).unwrap();
        let mut world = World {
            policy: policy.clone(),
            now: T0,
            ledger: created.charges.clone(),
            domain: Some(created.state),
            failed: BTreeSet::new(),
            rng: TestRng(7),
        };
        world.check();
        for op in &ops {
            world.command(op);
            world.settle();
            world.check();
        }
    }
}
