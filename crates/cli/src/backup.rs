//! Backups of the registry database, made while the registry runs: SQLite copied online
//! (`VACUUM INTO`, one consistent snapshot), PostgreSQL dumped with its own `pg_dump` (custom
//! format, for `pg_restore`). `nameward registry backup --to FILE` makes one; `nameward up`
//! makes them on the schedule of its configuration file's `[backup]` and keeps the newest few.
//! Either way a backup is written under a temporary name and renamed into place, so a file
//! with the final name is always complete.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use nameward_registry::service::Registry;
use time::OffsetDateTime;

use crate::up_config::BackupConfig;

/// Writes a backup of `registry` to `to`: the SQLite database copied, or, with `db` (a
/// PostgreSQL URL), `pg_dump`'s archive of it.
pub async fn backup(registry: &Registry, db: Option<&str>, to: &Path) -> Result<()> {
    match db {
        None => registry
            .store()
            .backup_sqlite(to)
            .await
            .with_context(|| format!("cannot back up to {}", to.display())),
        Some(url) => pg_dump(url, to).await,
    }
}

/// Runs `pg_dump` on `url` into `to`. The password travels in `PGPASSWORD`, not on the
/// command line, where every user of the machine could read it.
async fn pg_dump(url: &str, to: &Path) -> Result<()> {
    let partial = to.with_extension("partial");
    let (url, password) = split_password(url);
    let mut command = tokio::process::Command::new("pg_dump");
    command.args(["--format=custom", "--no-password", "--dbname", &url, "--file"]).arg(&partial);
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    let output = command.output().await.context("cannot run pg_dump (is it on PATH?)")?;
    if !output.status.success() {
        let _ = std::fs::remove_file(&partial);
        return Err(anyhow!(
            "pg_dump failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    std::fs::rename(&partial, to).with_context(|| format!("cannot write {}", to.display()))
}

/// A PostgreSQL URL without its password, and the password.
fn split_password(url: &str) -> (String, Option<String>) {
    let Some(scheme_end) = url.find("://").map(|at| at + 3) else {
        return (url.to_owned(), None);
    };
    let (scheme, rest) = url.split_at(scheme_end);
    let Some((userinfo, host)) = rest.rsplit_once('@') else {
        return (url.to_owned(), None);
    };
    match userinfo.split_once(':') {
        Some((user, password)) => (format!("{scheme}{user}@{host}"), Some(password.to_owned())),
        None => (url.to_owned(), None),
    }
}

/// The backups `up` makes on a schedule.
#[derive(Debug, Clone)]
pub struct Schedule {
    every: Duration,
    dir: PathBuf,
    keep: usize,
}

/// Backup files are `registry-<UTC time>.<kind>`, so their names sort by age.
const PREFIX: &str = "registry-";

impl Schedule {
    /// The schedule `[backup]` sets, its directory defaulting to `DATA/backups`.
    pub fn new(config: &BackupConfig, data: &Path) -> Schedule {
        Schedule {
            every: Duration::from_secs(config.every_hours.saturating_mul(3600)),
            dir: config.dir.clone().unwrap_or_else(|| data.join("backups")),
            keep: config.keep.max(1),
        }
    }

    /// Makes a backup every interval, the first one interval after start, until aborted.
    /// A failed backup is logged and the next one tried at its time.
    pub async fn run(self, registry: Arc<Registry>, db: Option<String>) {
        loop {
            tokio::time::sleep(self.every).await;
            match self.once(&registry, db.as_deref(), OffsetDateTime::now_utc()).await {
                Ok(path) => tracing::info!(path = %path.display(), "registry backed up"),
                Err(error) => {
                    tracing::error!(
                        "registry backup failed: {}",
                        crate::error_text::error_text(&error)
                    );
                }
            }
        }
    }

    /// One backup named for `now`, then the oldest ones beyond `keep` removed.
    pub async fn once(
        &self,
        registry: &Registry,
        db: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<PathBuf> {
        std::fs::create_dir_all(&self.dir)
            .with_context(|| format!("cannot create {}", self.dir.display()))?;
        let stamp = format!(
            "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
            now.year(),
            u8::from(now.month()),
            now.day(),
            now.hour(),
            now.minute(),
            now.second()
        );
        let kind = if db.is_some() { "pgdump" } else { "sqlite" };
        let path = self.dir.join(format!("{PREFIX}{stamp}.{kind}"));
        backup(registry, db, &path).await?;
        self.prune(kind)?;
        Ok(path)
    }

    /// Removes all but the newest `keep` backups of `kind`.
    fn prune(&self, kind: &str) -> Result<()> {
        let suffix = format!(".{kind}");
        let mut backups: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .with_context(|| format!("cannot read {}", self.dir.display()))?
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| {
                path.file_name()
                    .and_then(|name| name.to_str())
                    .is_some_and(|name| name.starts_with(PREFIX) && name.ends_with(&suffix))
            })
            .collect();
        backups.sort();
        let excess = backups.len().saturating_sub(self.keep);
        for old in &backups[..excess] {
            std::fs::remove_file(old)
                .with_context(|| format!("cannot remove {}", old.display()))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn the_password_leaves_the_url() {
        assert_eq!(
            split_password("postgres://reg:s3cret@db.example:5432/registry"),
            ("postgres://reg@db.example:5432/registry".to_owned(), Some("s3cret".to_owned()))
        );
        assert_eq!(split_password("postgres://reg@db/registry").1, None);
    }

    #[tokio::test]
    async fn scheduled_backups_keep_the_newest() {
        let dir = std::env::temp_dir().join(format!("nameward-backup-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite:{}", dir.join("registry.sqlite").display());
        let registry = Registry::open(&url).await.unwrap();
        let policy = nameward_registry::policy::Policy::default_for("example");
        let start = time::macros::datetime!(2030-01-01 0:00 UTC);
        registry.add_tld(&policy, start).await.unwrap();
        let schedule = Schedule { every: Duration::from_secs(3600), dir: dir.join("b"), keep: 2 };
        let mut made = Vec::new();
        for hour in 0..3 {
            let at = start + time::Duration::hours(hour);
            made.push(schedule.once(&registry, None, at).await.unwrap());
        }
        let mut left: Vec<_> =
            std::fs::read_dir(dir.join("b")).unwrap().map(|e| e.unwrap().path()).collect();
        left.sort();
        assert_eq!(left, made[1..], "the oldest is removed, the newest two kept");
        let copy = Registry::open(&format!("sqlite:{}", made[2].display())).await.unwrap();
        assert_eq!(copy.tlds().await.unwrap(), [policy]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
