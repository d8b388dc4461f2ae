//! The service calls the EPP session needs beyond the object commands: password changes,
//! logging commands that wrote nothing, and row counts.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use nameward_registry::lifecycle::domain::DomainCreate;
use nameward_registry::model::{Account, ObjectKind};
use nameward_registry::policy::Policy;
use nameward_registry::service::{Meta, NewRegistrar, Registry};
use nameward_registry::testing::both;
use time::macros::datetime;

const FINGERPRINT: &str = "ab";

async fn registry(store: nameward_registry::store::Store) -> Registry {
    let registry = Registry::new(store);
    let now = datetime!(2030-01-01 0:00 UTC);
    registry.add_tld(&Policy::default_for("example"), now).await.unwrap();
    let new = NewRegistrar {
        id: "reg1".into(),
        name: "R1".into(),
        password: "first-pw".into(),
        cert_fingerprints: vec![FINGERPRINT.into()],
        email: None,
    };
    registry.add_registrar(&new, now).await.unwrap();
    registry
}

#[tokio::test]
async fn set_password_replaces_the_login_password_and_leaves_history() {
    both(|store| async move {
        let registry = registry(store).await;
        let meta =
            Meta { actor: "reg1", cl_trid: Some("CL-1"), now: datetime!(2030-01-02 0:00 UTC) };
        let done = registry.set_password(&meta, "reg1", "second-pw").await.unwrap();
        assert!(!done.sv_trid.is_empty());
        assert!(registry.login("reg1", "first-pw", FINGERPRINT).await.is_err());
        assert!(registry.login("reg1", "second-pw", FINGERPRINT).await.is_ok());
        let mut tx = registry.store().begin_read().await.unwrap();
        let history = tx.history(ObjectKind::Registrar, "reg1").await.unwrap();
        tx.rollback().await.unwrap();
        let last = history.last().unwrap();
        assert_eq!(last.action, "set_password");
        assert_eq!(last.after, None, "no hash in the history");
        let missing = registry.set_password(&meta, "nobody", "third-pw").await;
        assert_eq!(missing.map(|_| ()).map_err(|e| e.epp_code()), Err(2303));
    })
    .await;
}

#[tokio::test]
async fn log_command_records_only_the_log_line() {
    both(|store| async move {
        let registry = registry(store).await;
        let before = registry.store().row_counts().await.unwrap();
        assert!(before.iter().any(|(table, count)| table == "registrars" && *count == 1));
        let meta =
            Meta { actor: "reg1", cl_trid: Some("CL-9"), now: datetime!(2030-01-02 0:00 UTC) };
        let sv_trid = registry.log_command(&meta, "domain:create", 2302).await.unwrap();
        let mut tx = registry.store().begin_read().await.unwrap();
        let logged = tx.seen_cl_trid("reg1", "CL-9").await.unwrap().unwrap();
        tx.rollback().await.unwrap();
        assert_eq!((logged.sv_trid, logged.result_code), (sv_trid, 2302));
        let after = registry.store().row_counts().await.unwrap();
        for ((table, old), (same, new)) in before.iter().zip(&after) {
            assert_eq!(table, same);
            let grew = if table == "transactions" { 1 } else { 0 };
            assert_eq!(*new, old + grew, "{table}");
        }
    })
    .await;
}

#[tokio::test]
async fn the_log_records_1001_for_a_delete_left_pending() {
    both(|store| async move {
        let registry = registry(store).await;
        let start = datetime!(2030-01-01 0:00 UTC);
        registry.deposit("reg1", Account::Prepaid, 10_000, start).await.unwrap();
        let create = DomainCreate { name: "a.example".into(), years: 1, ..DomainCreate::default() };
        let meta = Meta { actor: "reg1", cl_trid: Some("CL-1"), now: start };
        registry.domain_create(&meta, &create).await.unwrap();
        let later = datetime!(2030-01-10 0:00 UTC);
        let meta = Meta { actor: "reg1", cl_trid: Some("CL-2"), now: later };
        let done = registry.domain_delete(&meta, "a.example").await.unwrap();
        assert!(done.value.is_some(), "past the add grace period the domain is in redemption");
        let mut tx = registry.store().begin_read().await.unwrap();
        let created = tx.seen_cl_trid("reg1", "CL-1").await.unwrap().unwrap();
        let deleted = tx.seen_cl_trid("reg1", "CL-2").await.unwrap().unwrap();
        tx.rollback().await.unwrap();
        assert_eq!((created.result_code, deleted.result_code), (1000, 1001));
    })
    .await;
}
