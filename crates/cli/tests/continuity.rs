//! `nameward continuity` and the registrar-state commands as an operator runs them, through
//! the binary, over a SQLite data directory.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};

use nameward_registry::lifecycle::domain::DomainCreate;
use nameward_registry::service::{Meta, Registry};
use time::macros::datetime;

const NOW: &str = "2026-06-01T00:00:00Z";

fn nameward(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nameward"))
        .args(args)
        .arg("--data")
        .arg(data)
        .output()
        .expect("nameward runs")
}

fn ok(data: &Path, args: &[&str]) -> String {
    let out = nameward(data, args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn fails(data: &Path, args: &[&str]) -> String {
    let out = nameward(data, args);
    assert_eq!(out.status.code(), Some(1), "{args:?} should fail");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn create_domains(data: &Path, names: &[&str]) {
    let url = format!("sqlite:{}", data.join("registry.sqlite").display());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let registry = Registry::open(&url).await.unwrap();
        registry
            .deposit(
                "alpha",
                nameward_registry::model::Account::Prepaid,
                100_000,
                datetime!(2026-01-01 0:00 UTC),
            )
            .await
            .unwrap();
        for name in names {
            let req =
                DomainCreate { name: (*name).to_owned(), years: 1, ..DomainCreate::default() };
            let meta = Meta { actor: "alpha", cl_trid: None, now: datetime!(2026-01-01 0:00 UTC) };
            registry.domain_create(&meta, &req).await.unwrap();
        }
        registry.store().close().await;
    });
}

#[test]
fn an_operator_declares_a_registrar_failed_and_moves_its_names() {
    let dir = std::env::temp_dir().join(format!("nameward-continuity-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    let data = dir.join("data");
    let cert = rcgen::generate_simple_self_signed(vec!["registrar.test".to_owned()]).unwrap();
    let pem = dir.join("cert.pem");
    std::fs::write(&pem, cert.cert.pem()).unwrap();
    let pem = pem.to_str().unwrap();

    ok(&data, &["registry", "add-tld", "example", "--ns", "ns1.nic.example"]);
    let password = ["--password", "a-password-long-enough", "--cert", pem];
    ok(&data, &[&["registry", "add-registrar", "heir", "--name", "Heir"][..], &password].concat());
    let error = fails(
        &data,
        &[
            &["registry", "add-registrar", "alpha", "--name", "A", "--successor", "nobody"][..],
            &password,
        ]
        .concat(),
    );
    assert!(error.contains("registrar nobody does not exist"), "{error}");
    ok(
        &data,
        &[
            &["registry", "add-registrar", "alpha", "--name", "Alpha"][..],
            &["--security-deposit", "5000", "--successor", "heir"],
            &password,
        ]
        .concat(),
    );
    create_domains(&data, &["one.example", "two.example", "three.example"]);

    let error = fails(&data, &["continuity", "transfer", "alpha", "--now", NOW]);
    assert!(error.contains("is ACTIVE"), "{error}");
    ok(&data, &["registry", "registrar-state", "alpha", "SUSPENDED", "--reason", "unpaid"]);
    let error =
        fails(&data, &["registry", "registrar-state", "alpha", "TERMINATED", "--reason", "x"]);
    assert!(error.contains("cannot go from SUSPENDED to TERMINATED"), "{error}");
    let out = ok(
        &data,
        &["continuity", "declare-failed", "alpha", "--reason", "court order", "--now", NOW],
    );
    assert!(out.contains("declared FAILED"), "{out}");

    let dry = ok(&data, &["continuity", "transfer", "alpha", "--dry-run", "--now", NOW]);
    assert!(dry.contains("dry run: alpha would move 3 of 3 names to heir"), "{dry}");
    assert!(dry.contains("resellers: NOT included"), "{dry}");

    let status: serde_json::Value = serde_json::from_str(&ok(
        &data,
        &["continuity", "status", "alpha", "--json", "--now", NOW],
    ))
    .unwrap();
    assert_eq!(status["state"], "FAILED");
    assert_eq!(status["portfolio"]["domains"], 3);
    assert_eq!(status["portfolio"]["cliff"].as_array().unwrap().len(), 52);
    assert_eq!(status["security_deposit"], 5000);

    let part = ok(
        &data,
        &["continuity", "transfer", "alpha", "--batch", "1", "--max-batches", "1", "--now", NOW],
    );
    assert!(part.contains("moved 1 of 3"), "{part}");
    assert!(part.contains("run the same command again"), "{part}");
    let rest = ok(&data, &["continuity", "transfer", "alpha", "--to", "heir", "--now", NOW]);
    assert!(rest.contains("moved 2 of 2"), "{rest}");

    let text = ok(&data, &["continuity", "status", "alpha", "--now", NOW]);
    assert!(text.contains("FAILED, successor heir"), "{text}");
    assert!(text.contains("transferred away: 3"), "{text}");
    assert!(text.contains("expiry cliff from 2026-06-01"), "{text}");
    let heir = ok(&data, &["continuity", "status", "heir", "--json", "--now", NOW]);
    let heir: serde_json::Value = serde_json::from_str(&heir).unwrap();
    assert_eq!(heir["portfolio"]["domains"], 3);
    assert_eq!(heir["portfolio"]["cliff"][30], 3, "all three expire on 2027-01-01: {heir}");
    std::fs::remove_dir_all(&dir).ok();
}
