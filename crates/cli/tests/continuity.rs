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

/// `nameward ARGS STORE_ARGS`, started in the background with its output discarded.
fn spawn(args: &[&str], store_args: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_nameward"))
        .args(args)
        .args(store_args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

/// Runs `nameward ARGS STORE_ARGS` to its end and checks that it succeeded.
fn run_to_end(args: &[&str], store_args: &[&str]) {
    assert!(spawn(args, store_args).wait().unwrap().success(), "{args:?}");
}

/// Kills `child` with SIGKILL as soon as `progress` (work done so far, as the test counts it)
/// is above zero; the progress at the kill. The child must not finish first: a run that ends
/// before it is killed proves nothing about resumption.
fn kill_midway(child: &mut std::process::Child, mut progress: impl FnMut() -> u64) -> u64 {
    loop {
        if progress() > 0 {
            child.kill().unwrap();
            child.wait().unwrap();
            return progress();
        }
        assert!(child.try_wait().unwrap().is_none(), "the run finished before it could be killed");
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

/// `count` names of registrar `failing` (see [`fill`]), declared failed through the binary;
/// a runtime and the registry to check them with.
fn failed_portfolio(
    url: &str,
    store_args: &[&str],
    count: u64,
) -> (tokio::runtime::Runtime, Registry) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(fill(url, count));
    declare_failed(store_args);
    let registry = runtime.block_on(Registry::open(url)).unwrap();
    (runtime, registry)
}

/// `nameward continuity declare-failed failing` at [`NOW`].
fn declare_failed(store_args: &[&str]) {
    run_to_end(
        &["continuity", "declare-failed", "failing", "--reason", "gone", "--now", NOW],
        store_args,
    );
}

/// A bulk transfer killed with SIGKILL after some batches have committed, then run again:
/// every name moved exactly once, with one history entry and one poll message each.
fn killed_midway_then_resumed(url: &str, store_args: &[&str]) {
    const NAMES: u64 = 4000;
    let (runtime, registry) = failed_portfolio(url, store_args, NAMES);
    let (history_before, polls_before) = runtime.block_on(async {
        (rows_in(&registry, "history").await, rows_in(&registry, "poll_messages").await)
    });

    let transfer =
        ["continuity", "transfer", "failing", "--to", "heir", "--batch", "10", "--now", NOW];
    let mut child = spawn(&transfer, store_args);
    let moved_at_kill = kill_midway(&mut child, || {
        runtime.block_on(rows_in(&registry, "poll_messages")) - polls_before
    });
    assert!(moved_at_kill > 0 && moved_at_kill < NAMES, "killed midway: {moved_at_kill} moved");
    assert_eq!(moved_at_kill % 10, 0, "batches commit whole: {moved_at_kill}");

    run_to_end(&transfer, store_args);
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

/// Issue 14: the tick's renewals on credit killed with SIGKILL midway, then the tick again:
/// every name of the failed registrar renewed exactly one year, with one charge on credit, one
/// history entry and one poll message each — nothing lost, nothing charged twice.
fn renewals_killed_midway_then_resumed(url: &str, store_args: &[&str]) {
    const NAMES: u64 = 4000;
    let (runtime, registry) = failed_portfolio(url, store_args, NAMES);
    let counts = || {
        runtime.block_on(async {
            (
                rows_in(&registry, "ledger").await,
                rows_in(&registry, "history").await,
                rows_in(&registry, "poll_messages").await,
            )
        })
    };
    let (ledger_before, history_before, polls_before) = counts();

    // Every name expires on 2027-01-01: one tick after it renews them all, one by one.
    let tick = ["registry", "tick", "--now", "2027-01-02T00:00:00Z"];
    let mut child = spawn(&tick, store_args);
    let renewed_at_kill = kill_midway(&mut child, || counts().0 - ledger_before);
    assert!(renewed_at_kill < NAMES, "killed midway: {renewed_at_kill} renewed");
    let (_, history, polls) = counts();
    assert_eq!(
        (history - history_before, polls - polls_before),
        (renewed_at_kill, renewed_at_kill),
        "a renewal commits whole: its charge, history entry and poll message together"
    );

    run_to_end(&tick, store_args);
    run_to_end(&tick, store_args);
    let (ledger, history, polls) = counts();
    assert_eq!(ledger - ledger_before, NAMES, "one charge per name, none twice");
    assert_eq!(history - history_before, NAMES, "one history entry per name, none twice");
    assert_eq!(polls - polls_before, NAMES, "one poll message per name, none twice");
    let status = runtime
        .block_on(registry.continuity_status("failing", datetime!(2027-01-02 0:00 UTC)))
        .unwrap();
    assert_eq!(status.renewed_on_credit, NAMES);
    assert_eq!(status.owed_on_credit, 1000 * i64::try_from(NAMES).unwrap());
    assert_eq!(status.portfolio.domains, NAMES, "nothing lost");
    let expiries = runtime.block_on(async {
        let mut expiries = std::collections::BTreeMap::<time::OffsetDateTime, u64>::new();
        let mut after: Option<String> = None;
        loop {
            let mut tx = registry.store().begin_read().await.unwrap();
            let page = tx.domain_page_of("failing", after.as_deref(), 1000, false).await.unwrap();
            tx.rollback().await.unwrap();
            let Some(last) = page.last() else { break };
            after = Some(last.name.clone());
            for domain in &page {
                *expiries.entry(domain.expires_at).or_default() += 1;
            }
        }
        expiries
    });
    assert_eq!(
        expiries.into_iter().collect::<Vec<_>>(),
        [(datetime!(2028-01-01 0:00 UTC), NAMES)],
        "every name renewed exactly one year"
    );
    runtime.block_on(registry.store().close());
}

/// Gives each of the first `count` names of `failing` (see [`fill`]) a registrant of its own,
/// `holder{index}@example.org`.
async fn give_registrants(url: &str, count: u64) {
    use nameward_registry::lifecycle::due;
    use nameward_registry::policy::Policy;

    let registry = Registry::open(url).await.unwrap();
    let policy = Policy::default_for("example");
    let mut tx = registry.store().begin().await.unwrap();
    for index in 0..count {
        let id = format!("holder{index:05}");
        let email = format!("{id}@example.org");
        let contact = nameward_registry::testing::contact_object(
            &id,
            "failing",
            &email,
            datetime!(2026-01-01 0:00 UTC),
        );
        tx.insert_contact(&contact).await.unwrap();
        let name = format!("n{index:05}.example");
        let mut domain = tx.get_domain_for_update(&name).await.unwrap().unwrap();
        domain.registrant = Some(id);
        let next = due::next_event_at(&policy, &domain);
        tx.update_domain(&domain, next).await.unwrap();
    }
    tx.commit().await.unwrap();
    registry.store().close().await;
}

/// Issue 14: `notices send` killed with SIGKILL midway, then run again: every registrant gets
/// its failure notice, every notice ends marked sent once. Delivery is at least once (see
/// `nameward_registry::service::notices`): a kill between the mail server's acceptance and
/// the commit that records it sends that one notice again, so at most one registrant may
/// receive a second copy, and that copy carries the same Message-ID, for mail systems to
/// recognise it.
fn notices_killed_midway_then_resumed(url: &str, store_args: &[&str]) {
    const NAMES: u64 = 200;
    let Some(sink) = nameward_desk::testing::SmtpSink::start(&[]) else { return };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(fill(url, NAMES));
    runtime.block_on(give_registrants(url, NAMES));
    declare_failed(store_args);
    run_to_end(&["notices", "queue", "--now", NOW], store_args);

    let relay = sink.relay();
    let send = [
        "notices",
        "send",
        "--smtp",
        &relay,
        "--from",
        "notices@nic.example",
        "--desk-url",
        "https://desk.nic.example",
        "--rate",
        "50",
        "--now",
        NOW,
    ];
    let mut child = spawn(&send, store_args);
    let sent_at_kill = kill_midway(&mut child, || u64::try_from(sink.received().len()).unwrap());
    assert!(sent_at_kill < NAMES, "killed midway: {sent_at_kill} sent");
    run_to_end(&send, store_args);
    run_to_end(&send, store_args);

    let received = sink.received();
    let mut by_address = std::collections::BTreeMap::<String, Vec<String>>::new();
    for mail in &received {
        let id = mail
            .data
            .lines()
            .find_map(|line| line.strip_prefix("Message-ID: "))
            .unwrap_or_default()
            .to_owned();
        assert!(id.starts_with("<notice-") && id.ends_with("@nic.example>"), "{id}");
        for to in &mail.rcpt_tos {
            by_address.entry(to.clone()).or_default().push(id.clone());
        }
    }
    for index in 0..NAMES {
        let address = format!("holder{index:05}@example.org");
        assert!(by_address.contains_key(&address), "{address} never got its notice");
    }
    let repeated: Vec<_> = by_address.iter().filter(|(_, ids)| ids.len() > 1).collect();
    assert!(repeated.len() <= 1, "only the notice in flight at the kill may repeat: {repeated:?}");
    for (address, ids) in &repeated {
        assert!(ids.len() == 2 && ids[0] == ids[1], "{address}: {ids:?}");
    }
    assert_eq!(by_address.len(), usize::try_from(NAMES).unwrap(), "no mail to anyone else");
    let registry = runtime.block_on(Registry::open(url)).unwrap();
    let status = runtime
        .block_on(registry.continuity_status("failing", datetime!(2026-06-01 0:00 UTC)))
        .unwrap();
    assert_eq!(status.registrants.names_notified, NAMES, "every notice marked sent");
    assert_eq!(status.registrants.names_notice_queued, 0);
    runtime.block_on(registry.store().close());
}

/// Runs `scenario` (a store URL and the store arguments for `nameward`) over a fresh SQLite
/// data directory named after `name`.
fn on_sqlite(name: &str, scenario: fn(&str, &[&str])) {
    let dir = std::env::temp_dir().join(format!("nameward-{name}-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite:{}", dir.join("registry.sqlite").display());
    scenario(&url, &["--data", dir.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).ok();
}

/// Runs `scenario` over a fresh PostgreSQL database, when the tests have one.
fn on_postgres(scenario: fn(&str, &[&str])) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let Some(database) = runtime.block_on(nameward_registry::testing::PostgresDb::new()) else {
        return;
    };
    scenario(&database.url, &["--db", &database.url]);
    runtime.block_on(database.drop_database());
}

#[test]
fn a_bulk_transfer_killed_midway_resumes_exactly_once_on_sqlite() {
    on_sqlite("continuity-kill", killed_midway_then_resumed);
}

#[test]
fn a_bulk_transfer_killed_midway_resumes_exactly_once_on_postgres() {
    on_postgres(killed_midway_then_resumed);
}

#[test]
fn renewals_on_credit_killed_midway_resume_exactly_once_on_sqlite() {
    on_sqlite("renewals-kill", renewals_killed_midway_then_resumed);
}

#[test]
fn renewals_on_credit_killed_midway_resume_exactly_once_on_postgres() {
    on_postgres(renewals_killed_midway_then_resumed);
}

#[test]
fn notice_sending_killed_midway_resumes_without_loss_on_sqlite() {
    on_sqlite("notices-kill", notices_killed_midway_then_resumed);
}

#[test]
fn notice_sending_killed_midway_resumes_without_loss_on_postgres() {
    on_postgres(notices_killed_midway_then_resumed);
}
