//! Test support (feature `testing`): runs one async test body against SQLite and PostgreSQL.
//!
//! PostgreSQL comes from `NAMEWARD_TEST_POSTGRES` (a superuser URL such as
//! `postgres://nameward:nameward@127.0.0.1:5432/postgres`); each run creates a database of its
//! own and drops it afterwards. Without the variable the PostgreSQL half says it did not run,
//! and fails under `CI=true`.

use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::store::{Engine, Store};
use sqlx::Connection;

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique(prefix: &str) -> String {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}_{}_{count}_{nanos}", std::process::id())
}

/// A temporary SQLite database file, removed (with its WAL and shared-memory files) on drop.
pub struct SqliteFile {
    pub path: PathBuf,
}

impl Default for SqliteFile {
    fn default() -> SqliteFile {
        SqliteFile::new()
    }
}

impl SqliteFile {
    pub fn new() -> SqliteFile {
        SqliteFile { path: std::env::temp_dir().join(format!("{}.db", unique("nameward_store"))) }
    }

    pub fn url(&self) -> String {
        format!("sqlite:{}", self.path.display())
    }
}

impl Drop for SqliteFile {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut path = self.path.clone().into_os_string();
            path.push(suffix);
            std::fs::remove_file(path).ok();
        }
    }
}

/// A fresh PostgreSQL database, dropped by [`PostgresDb::drop_database`].
pub struct PostgresDb {
    admin: String,
    name: String,
    pub url: String,
}

impl PostgresDb {
    /// A new database, or `None` (after saying so) when no server is configured.
    pub async fn new() -> Option<PostgresDb> {
        let Ok(admin) = std::env::var("NAMEWARD_TEST_POSTGRES") else {
            let missing = "NAMEWARD_TEST_POSTGRES is not set (README: Tests against PostgreSQL)";
            nameward_peer::available("the PostgreSQL tests", false, missing);
            return None;
        };
        let name = unique("nw_test");
        let mut connection =
            sqlx::PgConnection::connect(&admin).await.expect("connect to NAMEWARD_TEST_POSTGRES");
        sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
            .execute(&mut connection)
            .await
            .expect("create a test database");
        connection.close().await.ok();
        let base = admin.split('?').next().unwrap_or(&admin);
        let base = base.rsplit_once('/').map(|(base, _)| base).unwrap_or(base);
        let url = format!("{base}/{name}");
        Some(PostgresDb { admin, name, url })
    }

    pub async fn drop_database(self) {
        let mut connection =
            sqlx::PgConnection::connect(&self.admin).await.expect("connect to drop");
        sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name))
            .execute(&mut connection)
            .await
            .expect("drop the test database");
        connection.close().await.ok();
    }
}

/// Runs `body` on a fresh SQLite store, then on a fresh PostgreSQL store.
pub async fn both<F, Fut>(body: F)
where
    F: Fn(Store) -> Fut,
    Fut: Future<Output = ()>,
{
    let file = SqliteFile::new();
    let store = Store::open(&file.url()).await.expect("open SQLite");
    assert_eq!(store.engine(), Engine::Sqlite);
    body(store.clone()).await;
    store.close().await;
    drop(file);
    if let Some(database) = PostgresDb::new().await {
        let store = Store::open(&database.url).await.expect("open PostgreSQL");
        assert_eq!(store.engine(), Engine::Postgres);
        body(store.clone()).await;
        store.close().await;
        database.drop_database().await;
    }
}

/// The zone apex of the TLD `example` that tests publish: one name server, ns1.nic.example at
/// 192.0.2.53, and the usual SOA values.
pub fn example_apex() -> crate::publish::ZoneApex {
    let server = crate::publish::ApexNameserver {
        name: "ns1.nic.example".to_owned(),
        addrs: vec![std::net::IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 53))],
    };
    crate::publish::ZoneApex::usual("example", vec![server], "hostmaster@nic.example")
}

/// A `<contact:create>` for contact `id` with e-mail `email`: one international postal form in
/// Pune, India, and a transfer code that passes the strength check.
pub fn new_contact(id: &str, email: &str) -> crate::lifecycle::contact::ContactCreate {
    crate::lifecycle::contact::ContactCreate {
        id: id.to_owned(),
        postal: vec![crate::model::PostalInfo {
            kind: crate::model::PostalKind::Int,
            name: format!("Contact {id}"),
            org: None,
            street: vec!["1 Main St".to_owned()],
            city: "Pune".to_owned(),
            sp: None,
            pc: None,
            cc: "IN".to_owned(),
        }],
        email: email.to_owned(),
        auth_code: "k7Qm2ZpX9vRt4LcW8nBy3H".to_owned(),
        ..crate::lifecycle::contact::ContactCreate::default()
    }
}

/// A contact object `id` of `sponsor` with e-mail `email`, created at `at`, as the store holds
/// it: one international postal form in Pune, India; for tests that write the store directly.
pub fn contact_object(
    id: &str,
    sponsor: &str,
    email: &str,
    at: time::OffsetDateTime,
) -> crate::model::Contact {
    crate::model::Contact {
        id: id.to_owned(),
        roid: format!("C{id}-EXAMPLE"),
        sponsor: sponsor.to_owned(),
        postal: new_contact(id, email).postal,
        voice: None,
        voice_ext: None,
        fax: None,
        fax_ext: None,
        email: email.to_owned(),
        auth: None,
        statuses: std::collections::BTreeSet::new(),
        disclose: None,
        stamps: crate::model::Stamps::new(sponsor, at),
    }
}

/// A domain object `name` (ROID `roid`) of `sponsor`, created at `at` and registered for a
/// year, with no contacts, name servers, statuses or grace periods, as the store holds it; for
/// tests and benchmarks that write the store directly (struct update syntax adds the rest).
pub fn domain_object(
    name: &str,
    roid: &str,
    sponsor: &str,
    at: time::OffsetDateTime,
) -> crate::model::Domain {
    crate::model::Domain {
        name: name.to_owned(),
        roid: roid.to_owned(),
        sponsor: sponsor.to_owned(),
        reseller: None,
        registrant: None,
        contacts: Vec::new(),
        ns: Vec::new(),
        ds: Vec::new(),
        max_sig_life: None,
        statuses: std::collections::BTreeSet::new(),
        stamps: crate::model::Stamps::new(sponsor, at),
        expires_at: at + time::Duration::days(365),
        transferred_at: None,
        auth: None,
        grace: Vec::new(),
        deletion: None,
        transfer: None,
    }
}
