//! A fresh database for one run: a SQLite file in a temporary directory, or a scratch
//! PostgreSQL database created on the given server and dropped at the end.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use sqlx::Connection;

/// Which engine a run measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    /// A SQLite file (WAL), as the store opens it.
    Sqlite,
    /// A PostgreSQL database.
    Postgres,
}

/// The scratch database; call [`Scratch::remove`] at the end.
pub enum Scratch {
    /// A directory holding the SQLite file.
    Sqlite { dir: PathBuf },
    /// A database on a PostgreSQL server.
    Postgres { admin: String, name: String, url: String },
}

fn unique() -> String {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("nw_bench_{}_{}", std::process::id(), nanos % 1_000_000_000)
}

impl Scratch {
    /// Creates it. `admin` is a PostgreSQL URL allowed to create databases.
    pub async fn create(engine: Engine, admin: Option<&str>) -> Result<Scratch> {
        match engine {
            Engine::Sqlite => {
                let dir = std::env::temp_dir().join(unique());
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("creating {}", dir.display()))?;
                Ok(Scratch::Sqlite { dir })
            }
            Engine::Postgres => {
                let admin = admin
                    .context("PostgreSQL needs --db URL or NAMEWARD_BENCH_POSTGRES")?
                    .to_owned();
                let name = unique();
                let mut connection = sqlx::PgConnection::connect(&admin)
                    .await
                    .context("connecting to the PostgreSQL server")?;
                sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
                    .execute(&mut connection)
                    .await
                    .with_context(|| format!("creating database {name}"))?;
                connection.close().await.ok();
                let base = admin.split('?').next().unwrap_or(&admin);
                let base = base.rsplit_once('/').map_or(base, |(base, _)| base);
                let url = format!("{base}/{name}");
                Ok(Scratch::Postgres { admin, name, url })
            }
        }
    }

    /// The URL the registry and the raw rate both open.
    pub fn url(&self) -> String {
        match self {
            Scratch::Sqlite { dir } => format!("sqlite:{}", dir.join("registry.db").display()),
            Scratch::Postgres { url, .. } => url.clone(),
        }
    }

    /// Removes the file or drops the database.
    pub async fn remove(self) -> Result<()> {
        match self {
            Scratch::Sqlite { dir } => {
                std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))
            }
            Scratch::Postgres { admin, name, .. } => {
                let mut connection = sqlx::PgConnection::connect(&admin).await?;
                sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut connection)
                    .await
                    .with_context(|| format!("dropping database {name}"))?;
                connection.close().await.ok();
                Ok(())
            }
        }
    }
}
