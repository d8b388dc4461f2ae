//! `nameward continuity` and the registrar-state commands as an operator runs them, through
//! the binary, over a SQLite data directory.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};

use nameward_registry::lifecycle::domain::DomainCreate;
use nameward_registry::service::{Meta, Registry};
use time::macros::datetime;

const NOW: &str = "2026-06-01T00:00:00Z";

fn nameward(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nameward"))
        .args(args)
        .arg("--data")
        .arg(data)
        .output()
        .expect("nameward runs")
}

fn ok(data: &Path, args: &[&str]) -> String {
    let out = nameward(data, args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn fails(data: &Path, args: &[&str]) -> String {
    let out = nameward(data, args);
    assert_eq!(out.status.code(), Some(1), "{args:?} should fail");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn create_domains(data: &Path, names: &[&str]) {
    let url = format!("sqlite:{}", data.join("registry.sqlite").display());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let registry = Registry::open(&url).await.unwrap();
        registry
            .deposit(
                "alpha",
                nameward_registry::model::Account::Prepaid,
                100_000,
                datetime!(2026-01-01 0:00 UTC),
            )
            .await
            .unwrap();
        for name in names {
            let req =
                DomainCreate { name: (*name).to_owned(), years: 1, ..DomainCreate::default() };
            let meta = Meta { actor: "alpha", cl_trid: None, now: datetime!(2026-01-01 0:00 UTC) };
            registry.domain_create(&meta, &req).await.unwrap();
        }
        registry.store().close().await;
    });
}

#[test]
fn an_operator_declares_a_registrar_failed_and_moves_its_names() {
    let dir = std::env::temp_dir().join(format!("nameward-continuity-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    let data = dir.join("data");
    let cert = rcgen::generate_simple_self_signed(vec!["registrar.test".to_owned()]).unwrap();
    let pem = dir.join("cert.pem");
    std::fs::write(&pem, cert.cert.pem()).unwrap();
    let pem = pem.to_str().unwrap();

    ok(&data, &["registry", "add-tld", "example", "--ns", "ns1.nic.example=192.0.2.53"]);
    let password = ["--password", "a-password-long-enough", "--cert", pem];
    ok(&data, &[&["registry", "add-registrar", "heir", "--name", "Heir"][..], &password].concat());
    let error = fails(
        &data,
        &[
            &["registry", "add-registrar", "alpha", "--name", "A", "--successor", "nobody"][..],
            &password,
        ]
        .concat(),
    );
    assert!(error.contains("registrar nobody does not exist"), "{error}");
    ok(
        &data,
        &[
            &["registry", "add-registrar", "alpha", "--name", "Alpha"][..],
            &["--security-deposit", "5000", "--successor", "heir"],
            &password,
        ]
        .concat(),
    );
    create_domains(&data, &["one.example", "two.example", "three.example"]);

    let error = fails(&data, &["continuity", "transfer", "alpha", "--now", NOW]);
    assert!(error.contains("is ACTIVE"), "{error}");
    ok(&data, &["registry", "registrar-state", "alpha", "SUSPENDED", "--reason", "unpaid"]);
    let error =
        fails(&data, &["registry", "registrar-state", "alpha", "TERMINATED", "--reason", "x"]);
    assert!(error.contains("cannot go from SUSPENDED to TERMINATED"), "{error}");
    let out = ok(
        &data,
        &["continuity", "declare-failed", "alpha", "--reason", "court order", "--now", NOW],
    );
    assert!(out.contains("declared FAILED"), "{out}");

    let dry = ok(&data, &["continuity", "transfer", "alpha", "--dry-run", "--now", NOW]);
    assert!(dry.contains("dry run: alpha would move 3 of 3 names to heir"), "{dry}");
    assert!(dry.contains("resellers: NOT included"), "{dry}");

    let status: serde_json::Value = serde_json::from_str(&ok(
        &data,
        &["continuity", "status", "alpha", "--json", "--now", NOW],
    ))
    .unwrap();
    assert_eq!(status["state"], "FAILED");
    assert_eq!(status["portfolio"]["domains"], 3);
    assert_eq!(status["portfolio"]["cliff"].as_array().unwrap().len(), 52);
    assert_eq!(status["security_deposit"], 5000);

    let part = ok(
        &data,
        &["continuity", "transfer", "alpha", "--batch", "1", "--max-batches", "1", "--now", NOW],
    );
    assert!(part.contains("moved 1 of 3"), "{part}");
    assert!(part.contains("run the same command again"), "{part}");
    let rest = ok(&data, &["continuity", "transfer", "alpha", "--to", "heir", "--now", NOW]);
    assert!(rest.contains("moved 2 of 2"), "{rest}");

    let text = ok(&data, &["continuity", "status", "alpha", "--now", NOW]);
    assert!(text.contains("FAILED, successor heir"), "{text}");
    assert!(text.contains("transferred away: 3"), "{text}");
    assert!(text.contains("expiry cliff from 2026-06-01"), "{text}");
    let heir = ok(&data, &["continuity", "status", "heir", "--json", "--now", NOW]);
    let heir: serde_json::Value = serde_json::from_str(&heir).unwrap();
    assert_eq!(heir["portfolio"]["domains"], 3);
    assert_eq!(heir["portfolio"]["cliff"][30], 3, "all three expire on 2027-01-01: {heir}");
    std::fs::remove_dir_all(&dir).ok();
}

/// How many rows `table` holds.
async fn rows_in(registry: &Registry, table: &str) -> u64 {
    let counts = registry.store().row_counts().await.unwrap();
    counts.iter().find(|(name, _)| name == table).map_or(0, |(_, count)| *count)
}

/// Fills a store with `count` unlinked names of `failing` and a registrar `heir`.
async fn fill(url: &str, count: u64) {
    use nameward_registry::lifecycle::{add_years, due};
    use nameward_registry::model::{Domain, Stamps};
    use nameward_registry::policy::Policy;
    use nameward_registry::service::NewRegistrar;

    let registry = Registry::open(url).await.unwrap();
    let now = datetime!(2026-01-01 0:00 UTC);
    let policy = Policy::default_for("example");
    registry.add_tld(&policy, now).await.unwrap();
    for id in ["failing", "heir"] {
        let new = NewRegistrar {
            id: id.to_owned(),
            name: id.to_owned(),
            password: format!("{id}-password-long-enough"),
            cert_fingerprints: vec!["ab".repeat(32)],
            email: None,
        };
        registry.add_registrar(&new, now).await.unwrap();
    }
    let rows: Vec<_> = (0..count)
        .map(|index| {
            let domain = Domain {
                name: format!("n{index:05}.example"),
                roid: format!("D{index}-EXAMPLE"),
                sponsor: "failing".to_owned(),
                reseller: None,
                registrant: None,
                contacts: Vec::new(),
                ns: Vec::new(),
                ds: Vec::new(),
                max_sig_life: None,
                statuses: std::collections::BTreeSet::new(),
                stamps: Stamps::new("failing", now),
                expires_at: add_years(now, 1),
                transferred_at: None,
                auth: None,
                grace: Vec::new(),
                deletion: None,
                transfer: None,
            };
            let next = due::next_event_at(&policy, &domain);
            (domain, next)
        })
        .collect();
    let mut tx = registry.store().begin().await.unwrap();
    tx.insert_unlinked_domains(&rows).await.unwrap();
    tx.commit().await.unwrap();
    registry.store().close().await;
}

/// A bulk transfer killed with SIGKILL after some batches have committed, then run again:
/// every name moved exactly once, with one history entry and one poll message each.
fn killed_midway_then_resumed(url: &str, store_args: &[&str]) {
    const NAMES: u64 = 4000;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(fill(url, NAMES));
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_nameward"))
            .args(extra)
            .args(store_args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let declared =
        run(&["continuity", "declare-failed", "failing", "--reason", "gone", "--now", NOW])
            .wait()
            .unwrap();
    assert!(declared.success());
    let registry = runtime.block_on(Registry::open(url)).unwrap();
    let (history_before, polls_before) = runtime.block_on(async {
        (rows_in(&registry, "history").await, rows_in(&registry, "poll_messages").await)
    });

    let transfer =
        ["continuity", "transfer", "failing", "--to", "heir", "--batch", "10", "--now", NOW];
    let mut child = run(&transfer);
    let moved_at_kill = loop {
        let moved = runtime.block_on(rows_in(&registry, "poll_messages")) - polls_before;
        if moved > 0 {
            child.kill().unwrap();
            child.wait().unwrap();
            break runtime.block_on(rows_in(&registry, "poll_messages")) - polls_before;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the transfer finished before it could be killed"
        );
        std::thread::sleep(std::time::Duration::from_millis(2));
    };
    assert!(moved_at_kill > 0 && moved_at_kill < NAMES, "killed midway: {moved_at_kill} moved");
    assert_eq!(moved_at_kill % 10, 0, "batches commit whole: {moved_at_kill}");

    assert!(run(&transfer).wait().unwrap().success());
    let (history, polls, status) = runtime.block_on(async {
        (
            rows_in(&registry, "history").await - history_before,
            rows_in(&registry, "poll_messages").await - polls_before,
            registry.continuity_status("heir", datetime!(2026-06-01 0:00 UTC)).await.unwrap(),
        )
    });
    assert_eq!(status.portfolio.domains, NAMES, "every name is heir's");
    assert_eq!(polls, NAMES, "one poll message per name, none twice");
    // One entry per name, none twice, and one on the registrar for the run that finished (the
    // killed run never got to write its own).
    assert_eq!(history, NAMES + 1, "one history entry per name, none twice");
    let failing = runtime
        .block_on(registry.continuity_status("failing", datetime!(2026-06-01 0:00 UTC)))
        .unwrap();
    assert_eq!(failing.transferred_away, NAMES);
    assert_eq!(failing.portfolio.domains, 0);
    runtime.block_on(registry.store().close());
}

#[test]
fn a_bulk_transfer_killed_midway_resumes_exactly_once_on_sqlite() {
    let dir = std::env::temp_dir().join(format!("nameward-continuity-kill-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite:{}", dir.join("registry.sqlite").display());
    killed_midway_then_resumed(&url, &["--data", dir.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_bulk_transfer_killed_midway_resumes_exactly_once_on_postgres() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let Some(database) = runtime.block_on(nameward_registry::testing::PostgresDb::new()) else {
        return;
    };
    killed_midway_then_resumed(&database.url, &["--db", &database.url]);
    runtime.block_on(database.drop_database());
}
