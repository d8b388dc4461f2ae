//! Independent checks of a deposit by the tools an escrow agent uses: GnuPG verifies the
//! signature and decrypts the `.ryde` (whose packets must be PKESK → SEIPD → compressed ZIP →
//! literal), `tar` lists and extracts it, and xmllint validates the deposit XML and the
//! deposit report against the RDE schemas (`crates/rde/schemas`, through its wrapper).

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{TempDir, data, fill, options};
use nameward_rde::deposit::deposit;
use nameward_registry::store::Store;
use nameward_registry::testing::SqliteFile;

fn run(command: &mut Command) -> Output {
    command.output().expect("the peer runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn gpg(home: &Path) -> Command {
    let mut command = Command::new("gpg");
    command.env("GNUPGHOME", home).args([
        "--batch",
        "--no-tty",
        "--pinentry-mode",
        "loopback",
        "--passphrase",
        "",
    ]);
    command
}

/// xmllint's complaints, without its warnings about the files the schemas' imports name.
fn complaints(output: &Output) -> String {
    text(&output.stderr)
        .lines()
        .filter(|line| !line.contains("Schemas parser warning"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn xmllint_valid(file: &Path) -> Output {
    let wrapper = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/wrapper.xsd");
    run(Command::new("xmllint").arg("--noout").arg("--schema").arg(&wrapper).arg(file))
}

#[tokio::test]
async fn gpg_decrypts_and_verifies_and_xmllint_validates() {
    let gpg_here = nameward_peer::program("the GnuPG check of a deposit", "gpg", "gnupg");
    let xmllint_here =
        nameward_peer::program("the schema check of a deposit", "xmllint", "libxml2-utils");
    if !gpg_here || !xmllint_here {
        return;
    }
    let dir = TempDir::new("peers");
    let file = SqliteFile::new();
    let store = Store::open(&file.url()).await.unwrap();
    fill(store.clone()).await;
    let made = deposit(&store, &options(&dir.0.join("out"))).await.unwrap();
    store.close().await;

    let home = dir.0.join("gnupg");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::set_permissions(&home, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    for key in ["registry.pub.asc", "agent.sec.asc"] {
        let imported = run(gpg(&home).arg("--import").arg(data(key)));
        assert!(imported.status.success(), "gpg --import {key}: {}", text(&imported.stderr));
    }

    let verified = run(gpg(&home)
        .args(["--trust-model", "always", "--verify"])
        .arg(&made.sig)
        .arg(&made.ryde));
    assert!(verified.status.success(), "gpg --verify: {}", text(&verified.stderr));
    assert!(text(&verified.stderr).contains("Good signature"), "{}", text(&verified.stderr));

    let packets = run(gpg(&home).arg("--list-packets").arg(&made.ryde));
    let listing = text(&packets.stdout);
    assert!(packets.status.success(), "gpg --list-packets: {}", text(&packets.stderr));
    let pubkey = listing.find(":pubkey enc packet:").expect("a PKESK");
    let encrypted = listing.find(":encrypted data packet:").expect("a SEIPD");
    let compressed = listing.find(":compressed packet: algo=1").expect("ZIP compression");
    let literal = listing.find(":literal data packet:").expect("a literal packet");
    assert!(pubkey < encrypted && encrypted < compressed && compressed < literal, "{listing}");
    assert!(listing.contains("mdc_method: 2"), "the MDC is kept: {listing}");

    let tar = dir.0.join("deposit.tar");
    let decrypted = run(gpg(&home)
        .arg("--show-session-key")
        .arg("--output")
        .arg(&tar)
        .arg("--decrypt")
        .arg(&made.ryde));
    assert!(decrypted.status.success(), "gpg --decrypt: {}", text(&decrypted.stderr));
    // Algorithm 7 is AES-128 (RFC 4880 §9.2).
    assert!(text(&decrypted.stderr).contains("session key: '7:"), "{}", text(&decrypted.stderr));
    assert!(!text(&decrypted.stderr).contains("WARNING"), "{}", text(&decrypted.stderr));
    let extract = dir.0.join("extracted");
    std::fs::create_dir_all(&extract).unwrap();
    let untarred = run(Command::new("tar").arg("-xf").arg(&tar).arg("-C").arg(&extract));
    assert!(untarred.status.success(), "tar -x: {}", text(&untarred.stderr));
    let xml = extract.join("example_2026-04-05_full_S1_R0.xml");
    assert!(xml.is_file(), "the tar holds {}", xml.display());

    let valid = xmllint_valid(&xml);
    assert!(valid.status.success(), "xmllint (deposit): {}", complaints(&valid));
    let valid = xmllint_valid(&made.report);
    assert!(valid.status.success(), "xmllint (report): {}", complaints(&valid));

    // xmllint is a real check: a deposit with a status RFC 9022 does not know fails it.
    let broken = dir.0.join("broken.xml");
    let original = std::fs::read_to_string(&xml).unwrap();
    std::fs::write(&broken, original.replacen("s=\"clientHold\"", "s=\"clientFrozen\"", 1))
        .unwrap();
    let invalid = xmllint_valid(&broken);
    assert_eq!(
        invalid.status.code(),
        Some(3),
        "xmllint passes a broken deposit: {}",
        complaints(&invalid)
    );
    assert!(complaints(&invalid).contains("clientFrozen"), "{}", complaints(&invalid));
}
