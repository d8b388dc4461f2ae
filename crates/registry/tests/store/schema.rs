//! Migrations: idempotent, and the same schema on both engines.

use nameward_registry::store::{Engine, Store};
use sqlx::Connection;

use crate::fixtures;
use nameward_registry::testing::{PostgresDb, SqliteFile};

async fn reopen_keeps_data(url: &str) -> Vec<String> {
    let store = Store::open(url).await.unwrap();
    fixtures::seed(&store).await;
    let first_trid = store.next_sv_trid();
    let outline = store.schema_outline().await.unwrap();
    store.close().await;

    let again = Store::open(url).await.unwrap();
    assert_eq!(again.schema_outline().await.unwrap(), outline);
    let mut tx = again.begin().await.unwrap();
    assert!(tx.get_registrar("r1").await.unwrap().is_some());
    tx.rollback().await.unwrap();
    // A new open never reuses a server transaction id of an earlier one.
    assert_ne!(again.next_sv_trid(), first_trid);
    again.close().await;
    outline
}

#[tokio::test]
async fn migrations_are_idempotent_and_engines_agree() {
    let file = SqliteFile::new();
    let sqlite = reopen_keeps_data(&file.url()).await;
    for line in [
        "domains.next_event_at bigint",
        "domains.name text not null",
        "ledger.id bigint not null",
        "schema_migrations.checksum text not null",
        "index domains_due on domains",
    ] {
        assert!(sqlite.contains(&line.to_owned()), "{line} missing from {sqlite:#?}");
    }

    let store = Store::open(&file.url()).await.unwrap();
    assert_eq!(store.engine(), Engine::Sqlite);
    store.close().await;
    // WAL is recorded in the file itself.
    let mut connection = sqlx::SqliteConnection::connect(&file.url()).await.unwrap();
    let mode: String =
        sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&mut connection).await.unwrap();
    assert_eq!(mode, "wal");
    connection.close().await.unwrap();

    if let Some(database) = PostgresDb::new().await {
        let postgres = reopen_keeps_data(&database.url).await;
        assert_eq!(sqlite, postgres, "the two engines hold different schemas");
        database.drop_database().await;
    }
}

#[tokio::test]
async fn unknown_urls_are_refused() {
    let error = Store::open("mysql://user:secret@localhost/db").await.unwrap_err();
    assert!(!error.to_string().contains("secret"), "{error}");
    assert!(Store::open("sqlite::memory:").await.is_err());
}

#[tokio::test]
async fn an_online_backup_is_a_complete_database() {
    let file = SqliteFile::new();
    let store = Store::open(&file.url()).await.unwrap();
    fixtures::seed(&store).await;
    let backup_file = SqliteFile::new();
    let backup = &backup_file.path;
    store.backup_sqlite(backup).await.unwrap();
    // Written while the store stays open and in use, and again over the first copy.
    let mut tx = store.begin().await.unwrap();
    tx.insert_registrar(&fixtures::registrar("r9")).await.unwrap();
    tx.commit().await.unwrap();
    store.backup_sqlite(backup).await.unwrap();
    let outline = store.schema_outline().await.unwrap();
    store.close().await;

    let copy = Store::open(&backup_file.url()).await.unwrap();
    assert_eq!(copy.schema_outline().await.unwrap(), outline);
    let mut tx = copy.begin_read().await.unwrap();
    assert!(tx.get_registrar("r1").await.unwrap().is_some());
    assert!(tx.get_registrar("r9").await.unwrap().is_some(), "the second copy is the newer one");
    tx.rollback().await.unwrap();
    copy.close().await;
    assert!(!backup.with_extension("partial").exists());
}
