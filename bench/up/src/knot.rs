//! Knot DNS beside `nameward up`: as a secondary following it (NOTIFY and IXFR, TSIG), and as
//! the primary of the same zone loaded from a file, for the cold start and memory figures.
//!
//! Both keep the zone in memory only (`journal-content: none`, `zonefile-sync: -1`): a
//! secondary that wrote a two-million-name zone file after every change would measure the
//! disk, and `up` keeps no zone file either. One UDP, one TCP and one background worker, as
//! in the serving benchmarks.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::procs::Daemon;

/// The daemon.
const KNOTD: &str = "/usr/sbin/knotd";

fn common(dir: &Path, port: u16) -> String {
    let d = dir.display();
    format!(
        "server:\n    rundir: \"{d}\"\n    listen: 127.0.0.1@{port}\n    udp-workers: 1\n\
         \x20   tcp-workers: 1\n    background-workers: 1\n\
         database:\n    storage: \"{d}\"\n\
         log:\n  - target: stderr\n    any: info\n"
    )
}

fn template(dir: &Path, zonefile_load: &str) -> String {
    format!(
        "template:\n  - id: default\n    storage: \"{}\"\n    journal-content: none\n\
         \x20   zonefile-sync: -1\n    zonefile-load: {zonefile_load}\n",
        dir.display()
    )
}

fn start(dir: &Path, config: String, name: &str) -> Result<Daemon> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join("knot.conf");
    std::fs::write(&path, config)?;
    let args = vec!["-c".to_owned(), path.display().to_string()];
    Daemon::spawn(name, Path::new(KNOTD), &args, dir.join("knot.log"))
}

/// Knot serving `zone` (origin with its final dot) from the zone file `file` on `port`.
pub fn primary(dir: &Path, port: u16, zone: &str, file: &Path) -> Result<Daemon> {
    let config = format!(
        "{}{}zone:\n  - domain: {zone}\n    file: \"{}\"\n",
        common(dir, port),
        template(dir, "whole"),
        file.display()
    );
    start(dir, config, "knotd (primary from a file)")
}

/// The TSIG key `up` and the secondary share.
pub struct Key {
    /// Its name.
    pub name: String,
    /// The HMAC-SHA256 secret, base64.
    pub secret: String,
}

/// Knot on `port` as a secondary of `zone` from `primary`, transfers and NOTIFY signed with
/// `key`.
pub fn secondary(
    dir: &Path,
    port: u16,
    zone: &str,
    primary: SocketAddr,
    key: &Key,
) -> Result<Daemon> {
    let (ip, pport) = (primary.ip(), primary.port());
    let config = format!(
        "{}key:\n  - id: {name}\n    algorithm: hmac-sha256\n    secret: {secret}\n\
         remote:\n  - id: primary\n    address: {ip}@{pport}\n    key: {name}\n\
         acl:\n  - id: from_primary\n    address: {ip}\n    key: {name}\n    action: notify\n\
         {}zone:\n  - domain: {zone}\n    master: primary\n    acl: from_primary\n",
        common(dir, port),
        template(dir, "none"),
        name = key.name,
        secret = key.secret,
    );
    start(dir, config, "knotd (secondary of up)")
}

/// The directory of one Knot instance under the run's work directory.
pub fn dir(work: &Path, what: &str) -> PathBuf {
    work.join(format!("knot-{what}"))
}
