//! The registry's data directory and what `nameward up` writes into it for others to read.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::args::StoreArgs;

/// The file in a data directory that describes a running `nameward up`.
pub const UP_FILE: &str = "up.json";

/// `DIR/up.json`: how scripts and tests connect to what `nameward up` runs. Paths in the file
/// are relative to the data directory, so it stays true wherever it is read from and when the
/// directory moves; [`UpInfo::read`] returns them joined to the directory.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct UpInfo {
    /// The TLDs served.
    #[serde(default)]
    pub tlds: Vec<String>,
    /// The EPP server, `ADDR:PORT` (the first address it listens on).
    pub epp: String,
    /// Every address the EPP server listens on, `epp` first.
    #[serde(default)]
    pub epp_all: Vec<String>,
    /// The DNS server, `ADDR:PORT`.
    pub dns: String,
    /// The RDAP service's base URL.
    #[serde(default)]
    pub rdap: String,
    /// The demo CA certificate the EPP server's certificate chains to (none when the server's
    /// certificate comes from the configuration file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_cert: Option<PathBuf>,
    /// The demo registrars and their credentials.
    #[serde(default)]
    pub registrars: Vec<UpRegistrar>,
}

/// One demo registrar's credentials.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UpRegistrar {
    /// EPP client id.
    pub id: String,
    /// EPP password.
    pub password: String,
    /// Client certificate (PEM file).
    pub cert: PathBuf,
    /// Its key (PEM file).
    pub key: PathBuf,
}

impl UpInfo {
    /// Reads `DIR/up.json`, its paths joined to `dir`.
    pub fn read(dir: &Path) -> Result<UpInfo> {
        let path = dir.join(UP_FILE);
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "cannot read {} (is `nameward up --data {}` set up?)",
                path.display(),
                dir.display()
            )
        })?;
        let mut info: UpInfo = serde_json::from_str(&text)
            .with_context(|| format!("{}: not a valid up.json", path.display()))?;
        info.map_paths(|path| dir.join(path));
        Ok(info)
    }

    /// [`UpInfo::read`], or nothing yet when there is no `DIR/up.json` (a registry set up by
    /// `registry add-tld` rather than by `up`).
    pub fn read_if_present(dir: &Path) -> Result<UpInfo> {
        if dir.join(UP_FILE).exists() { UpInfo::read(dir) } else { Ok(UpInfo::default()) }
    }

    /// Writes `DIR/up.json` (readable by its owner only: it holds passwords), its paths made
    /// relative to `dir`.
    pub fn write(&self, dir: &Path) -> Result<()> {
        let mut relative = self.clone();
        relative.map_paths(|path| path.strip_prefix(dir).unwrap_or(path).to_owned());
        let text = serde_json::to_string_pretty(&relative)?;
        write_private(&dir.join(UP_FILE), text.as_bytes())
    }

    fn map_paths(&mut self, map: impl Fn(&Path) -> PathBuf) {
        let registrars = self.registrars.iter_mut();
        let paths = registrars.flat_map(|r| [&mut r.cert, &mut r.key]).chain(self.ca_cert.as_mut());
        for path in paths {
            *path = map(path);
        }
    }
}

/// Writes a file only its owner may read, replacing it atomically.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = path.with_extension("tmp");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
}

/// The store URL the arguments name: the PostgreSQL URL, or the SQLite file in the data
/// directory (created if absent).
pub fn store_url(args: &StoreArgs) -> Result<String> {
    if let Some(url) = &args.db {
        return Ok(url.clone());
    }
    std::fs::create_dir_all(&args.data)
        .with_context(|| format!("cannot create the data directory {}", args.data.display()))?;
    Ok(format!("sqlite:{}", sqlite_file(&args.data).display()))
}

/// The SQLite database of the registry in data directory `dir`.
pub fn sqlite_file(dir: &Path) -> PathBuf {
    dir.join("registry.sqlite")
}

/// `--now` as given, or the wall clock.
pub fn now_or(text: Option<&str>) -> Result<OffsetDateTime> {
    match text {
        Some(text) => OffsetDateTime::parse(text, &Rfc3339).with_context(|| {
            format!("--now {text}: not an RFC 3339 instant (like 2027-01-01T00:00:00Z)")
        }),
        None => Ok(OffsetDateTime::now_utc()),
    }
}

/// A runtime for one command.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Logs to standard error for long-running commands (`serve`, `up`): `RUST_LOG` filters, `info`
/// by default, colours only on a terminal.
pub fn init_logging() {
    use std::io::IsTerminal;
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}
