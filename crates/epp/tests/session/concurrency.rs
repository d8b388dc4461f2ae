//! Ten sessions of two registrars racing to create and renew the same names against a balance
//! that runs out: every charge is accounted for and no name is created twice.

use std::collections::BTreeMap;

use nameward_epp::command::Command;
use nameward_registry::model::Account;
use tokio::task::JoinSet;

use super::support::*;

const DEPOSIT: i64 = 6000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_sessions_never_overspend_or_create_twice() {
    on_both_with(DEPOSIT, async |env| {
        let names: Vec<String> = (0..8).map(|i| format!("race{i}.example")).collect();
        let mut sessions = JoinSet::new();
        for session in 0..10usize {
            let registrar = if session % 2 == 0 { R1 } else { R2 };
            let mut conn = env.login(registrar).await;
            let mut order = names.clone();
            order.rotate_left(session % names.len());
            sessions.spawn(async move {
                let mut charged = 0i64;
                let mut created = Vec::new();
                for name in &order {
                    let response = conn.cmd(Command::DomainCreate(create(name))).await;
                    match response.code() {
                        1000 => {
                            charged += 1000;
                            created.push(name.clone());
                        }
                        2302 | 2104 => {}
                        other => panic!("create {name}: {other}: {}", response.xml),
                    }
                }
                for name in &order {
                    let info = conn.cmd(domain_info(name)).await;
                    if info.code() != 1000 || info.text("domain:clID").as_deref() != Some(registrar)
                    {
                        continue;
                    }
                    let expiry = date_of(&info.text("domain:exDate").unwrap());
                    let response = conn.cmd(renew(name, expiry, 1)).await;
                    match response.code() {
                        1000 => charged += 1000,
                        // Another session renewed it first, or the money ran out.
                        2306 | 2104 => {}
                        other => panic!("renew {name}: {other}: {}", response.xml),
                    }
                }
                conn.expect(Command::Logout, 1500).await;
                (registrar, charged, created)
            });
        }
        let mut charged: BTreeMap<&str, i64> = BTreeMap::new();
        let mut creators: BTreeMap<String, &str> = BTreeMap::new();
        while let Some(done) = sessions.join_next().await {
            let (registrar, spent, created) = done.unwrap();
            *charged.entry(registrar).or_default() += spent;
            for name in created {
                assert!(creators.insert(name.clone(), registrar).is_none(), "{name} created twice");
            }
        }
        let mut conn = env.login(R1).await;
        for name in &names {
            let info = conn.cmd(domain_info(name)).await;
            match creators.get(name) {
                Some(creator) => {
                    assert_eq!(info.code(), 1000);
                    assert_eq!(info.text("domain:clID").as_deref(), Some(*creator));
                }
                None => assert_eq!(info.code(), 2303, "{name} exists but no session created it"),
            }
        }
        assert!(creators.len() < names.len() || charged.values().sum::<i64>() <= 2 * DEPOSIT);
        for registrar in [R1, R2] {
            let spent = charged.get(registrar).copied().unwrap_or_default();
            let balance = env.balance(registrar).await;
            assert_eq!(balance, DEPOSIT - spent, "{registrar}");
            assert!(balance >= 0);
            let ledger = env.registry.ledger(registrar, None, 1000).await.unwrap();
            let prepaid: Vec<_> =
                ledger.iter().filter(|entry| entry.charge.account == Account::Prepaid).collect();
            assert_eq!(prepaid.iter().map(|entry| entry.charge.amount).sum::<i64>(), balance);
            assert_eq!(prepaid.last().map(|entry| entry.balance_after), Some(balance));
        }
    })
    .await;
}
