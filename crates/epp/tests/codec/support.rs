//! Fixture loading and the xmllint runner.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

pub fn fixture(name: &str) -> Vec<u8> {
    let path = data_dir().join("commands").join(format!("{name}.xml"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every command fixture, by file stem.
pub fn all_fixtures() -> Vec<(String, Vec<u8>)> {
    let mut all: Vec<_> = std::fs::read_dir(data_dir().join("commands"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "xml"))
        .map(|path| {
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            (stem, std::fs::read(&path).unwrap())
        })
        .collect();
    all.sort();
    all
}

/// True when xmllint can run (see [`nameward_peer`] for when it cannot).
pub fn xmllint_present() -> bool {
    static PRESENT: OnceLock<bool> = OnceLock::new();
    let present = *PRESENT.get_or_init(|| {
        Command::new("xmllint").arg("--version").output().is_ok_and(|o| o.status.success())
    });
    nameward_peer::available(
        "EPP schema validation",
        present,
        "xmllint is missing (Debian package libxml2-utils)",
    )
}

/// Validates a document against the IANA schemas; the error names xmllint's complaint.
pub fn validate(name: &str, xml: &[u8]) -> Result<(), String> {
    let dir = std::env::temp_dir().join(format!("nameward-epp-xsd-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{name}.xml"));
    std::fs::write(&file, xml).unwrap();
    let output = Command::new("xmllint")
        .arg("--noout")
        .arg("--nonet")
        .arg("--schema")
        .arg(data_dir().join("xsd/wrapper.xsd"))
        .arg(&file)
        .output()
        .expect("run xmllint");
    let _ = std::fs::remove_file(&file);
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{name} does not validate:\n{}\n{}",
            String::from_utf8_lossy(&output.stderr),
            String::from_utf8_lossy(xml)
        ))
    }
}

/// Validates many documents with one xmllint run (loading the schemas once); the error lists
/// every document that failed, with xmllint's complaints.
#[allow(dead_code)] // the session tests use it; the codec tests validate one by one
pub fn validate_all(docs: &[(String, Vec<u8>)]) -> Result<(), String> {
    if docs.is_empty() {
        return Ok(());
    }
    static BATCH: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let batch = BATCH.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir =
        std::env::temp_dir().join(format!("nameward-epp-xsd-{}-batch{batch}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut files = Vec::with_capacity(docs.len());
    for (index, (name, xml)) in docs.iter().enumerate() {
        let safe: String =
            name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
        let file = dir.join(format!("{index:04}-{safe}.xml"));
        std::fs::write(&file, xml).unwrap();
        files.push(file);
    }
    let output = Command::new("xmllint")
        .arg("--noout")
        .arg("--nonet")
        .arg("--schema")
        .arg(data_dir().join("xsd/wrapper.xsd"))
        .args(&files)
        .output()
        .expect("run xmllint");
    if output.status.success() {
        let _ = std::fs::remove_dir_all(&dir);
        Ok(())
    } else {
        // The documents stay in `dir` for a look.
        let stderr = String::from_utf8_lossy(&output.stderr);
        let failed: Vec<&str> =
            stderr.lines().filter(|line| !line.ends_with(" validates")).collect();
        Err(format!("{} documents, some do not validate:\n{}", docs.len(), failed.join("\n")))
    }
}
