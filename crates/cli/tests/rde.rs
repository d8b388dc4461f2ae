//! `nameward escrow registry deposit`, `verify` and `restore` through the binary, over SQLite
//! data directories prepared with the library.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::path::Path;
use std::process::Output;

use nameward_registry::lifecycle::domain::DomainCreate;
use nameward_registry::model::Account;
use nameward_registry::policy::Policy;
use nameward_registry::service::{Meta, NewRegistrar, Registry};
use nameward_registry::testing::new_contact;
use time::macros::datetime;

mod support;

fn nameward(args: &[&str]) -> Output {
    support::nameward().args(args).output().expect("nameward runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `nameward escrow registry verify RYDE` with the agent's secret key and the registry key
/// `registry_pub`.
fn verify(ryde: &Path, registry_pub: &str) -> Output {
    let ryde = ryde.display().to_string();
    let agent_sec = key("agent.sec.asc");
    nameward(&[
        "escrow",
        "registry",
        "verify",
        &ryde,
        "--agent-secret",
        &agent_sec,
        "--registry-pub",
        registry_pub,
    ])
}

fn key(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../rde/tests/data").join(name).display().to_string()
}

async fn prepare(data: &Path) {
    std::fs::create_dir_all(data).unwrap();
    let url = format!("sqlite:{}", data.join("registry.sqlite").display());
    let registry = Registry::open(&url).await.unwrap();
    let now = datetime!(2026-03-01 12:00 UTC);
    registry.add_tld(&Policy::default_for("example"), now).await.unwrap();
    let new = NewRegistrar {
        id: "alpha".to_owned(),
        name: "Alpha Registrar".to_owned(),
        password: "alpha-password-long-enough".to_owned(),
        cert_fingerprints: vec!["ab".repeat(32)],
        email: None,
    };
    registry.add_registrar(&new, now).await.unwrap();
    registry.deposit("alpha", Account::Prepaid, 10_000, now).await.unwrap();
    let meta = Meta { actor: "alpha", cl_trid: None, now };
    registry.contact_create(&meta, &new_contact("holder", "holder@example.net")).await.unwrap();
    let create = DomainCreate {
        name: "shop.example".to_owned(),
        years: 1,
        registrant: Some("holder".to_owned()),
        auth_code: "k7Qm2ZpX9vRt4LcW8nBy3H".to_owned(),
        ..DomainCreate::default()
    };
    registry.domain_create(&meta, &create).await.unwrap();
    registry.store().close().await;
}

#[tokio::test]
async fn deposit_verify_and_restore_through_the_binary() {
    let dir = support::temp_dir("rde-cli");
    let data = dir.join("data");
    prepare(&data).await;
    let out = dir.join("deposits");
    let data_arg = data.display().to_string();
    let out_arg = out.display().to_string();
    let (agent_pub, agent_sec, registry_pub, registry_sec) = (
        key("agent.pub.asc"),
        key("agent.sec.asc"),
        key("registry.pub.asc"),
        key("registry.sec.asc"),
    );
    let made = nameward(&[
        "escrow",
        "registry",
        "deposit",
        "--full",
        "--tld",
        "example",
        "--out",
        &out_arg,
        "--agent-key",
        &agent_pub,
        "--signing-key",
        &registry_sec,
        "--data",
        &data_arg,
        "--now",
        "2026-03-08T00:00:00Z",
    ]);
    assert!(made.status.success(), "{}", text(&made.stderr));
    let said = text(&made.stdout);
    assert!(said.contains("FULL deposit 69ACBC00 of example at 2026-03-08T00:00:00Z: 1 domains, 0 hosts, 1 contacts, 1 registrars"), "{said}");
    let ryde = out.join("example_2026-03-08_full_S1_R0.ryde");
    assert!(ryde.is_file() && ryde.with_extension("sig").is_file(), "{said}");
    let ryde_arg = ryde.display().to_string();

    let checked = verify(&ryde, &registry_pub);
    assert!(checked.status.success(), "{}", text(&checked.stderr));
    assert!(
        text(&checked.stdout).contains("good: FULL deposit 69ACBC00 of example"),
        "{}",
        text(&checked.stdout)
    );

    // Signed with the wrong key: refused, saying which file and why, exit status 1.
    let wrong = verify(&ryde, &agent_pub);
    assert_eq!(wrong.status.code(), Some(1));
    let complaint = text(&wrong.stderr);
    assert!(complaint.contains(".sig") && complaint.contains("does not verify"), "{complaint}");

    let restored_data = dir.join("restored");
    let restored_arg = restored_data.display().to_string();
    let restored = nameward(&[
        "escrow",
        "registry",
        "restore",
        &ryde_arg,
        "--agent-secret",
        &agent_sec,
        "--registry-pub",
        &registry_pub,
        "--data",
        &restored_arg,
    ]);
    assert!(restored.status.success(), "{}", text(&restored.stderr));
    assert!(
        text(&restored.stdout)
            .contains("restored 1 registrars, 1 contacts, 0 hosts (0 subordinate), 1 domains"),
        "{}",
        text(&restored.stdout)
    );
    let url = format!("sqlite:{}", restored_data.join("registry.sqlite").display());
    let registry = Registry::open(&url).await.unwrap();
    let mut tx = registry.store().begin_read().await.unwrap();
    let domain = tx.get_domain("shop.example").await.unwrap().expect("restored");
    assert_eq!(domain.registrant.as_deref(), Some("holder"));
    assert_eq!(domain.expires_at, datetime!(2027-03-01 12:00 UTC));
    tx.rollback().await.unwrap();
    registry.store().close().await;
    std::fs::remove_dir_all(&dir).ok();
}

/// `nameward up` with `[escrow]` makes a FULL deposit of its TLD at start, which verifies.
#[test]
fn up_deposits_on_its_schedule() {
    let dir = support::temp_dir("rde-up");
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    let config = dir.join("up.toml");
    std::fs::write(
        &config,
        format!(
            "[escrow]\nagent_key = {:?}\nsigning_key = {:?}\n",
            key("agent.pub.asc"),
            key("registry.sec.asc")
        ),
    )
    .unwrap();
    let config_arg = config.display().to_string();
    let (child, _) = support::up_with(
        &data,
        &["--config", &config_arg, "--epp", "127.0.0.1:0", "--dns", "127.0.0.1:0"],
    );
    let up = support::Stopped::guard(child);
    let escrow = data.join("escrow");
    let started = std::time::Instant::now();
    let ryde = loop {
        let found = std::fs::read_dir(&escrow).into_iter().flatten().flatten().find(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            name.contains("_full_S1_R0") && name.ends_with(".ryde")
        });
        // The signature is renamed into place before the encrypted file: a .ryde is complete.
        if let Some(entry) = found {
            break entry.path();
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(60), "no deposit made");
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    up.stop();
    let checked = verify(&ryde, &key("registry.pub.asc"));
    assert!(checked.status.success(), "{}", text(&checked.stderr));
    assert!(text(&checked.stdout).contains("good: FULL deposit"), "{}", text(&checked.stdout));
}
