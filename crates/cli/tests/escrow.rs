//! `nameward registry escrow-key`, `nameward escrow registrar import` and `nameward continuity
//! claims` through the binary, over a SQLite data directory prepared with the library.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use nameward_escrow::{
    Contact, Customer, DepositBuilder, DepositKind, Domain, Reseller, SigningKey, public_key_pem,
};
use nameward_registry::model::Account;
use nameward_registry::policy::Policy;
use nameward_registry::service::{NewRegistrar, Registry};
use time::macros::datetime;

struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir()
            .join(format!("nameward_escrow_cli_{}_{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

fn nameward(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nameward")).args(args).output().expect("nameward runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn prepare(data: &Path) {
    std::fs::create_dir_all(data).unwrap();
    let url = format!("sqlite:{}", data.join("registry.sqlite").display());
    let registry = Registry::open(&url).await.unwrap();
    let now = datetime!(2026-03-01 12:00 UTC);
    registry.add_tld(&Policy::default_for("example"), now).await.unwrap();
    let new = NewRegistrar {
        id: "alpha".to_owned(),
        name: "Alpha Registrar".to_owned(),
        password: "alpha-password-long-enough".to_owned(),
        cert_fingerprints: vec!["ab".repeat(32)],
        email: None,
    };
    registry.add_registrar(&new, now).await.unwrap();
    registry.deposit("alpha", Account::Prepaid, 10_000, now).await.unwrap();
    registry.store().close().await;
}

fn deposit(key: &SigningKey) -> Vec<u8> {
    DepositBuilder::new("alpha", "alpha-full-1", DepositKind::Full, datetime!(2026-03-02 0:00 UTC))
        .reseller(Reseller {
            id: "res1".to_owned(),
            name: "Reseller, One".to_owned(),
            email: "res1@example.net".to_owned(),
            balance: 40_000,
            currency: "USD".to_owned(),
        })
        .customer(Customer {
            id: "asha".to_owned(),
            name: "Asha".to_owned(),
            email: "asha@example.org".to_owned(),
            balance: 1_250,
            currency: "USD".to_owned(),
            reseller: Some("res1".to_owned()),
        })
        .contact(Contact {
            id: "proxy1".to_owned(),
            name: "Privacy Service".to_owned(),
            org: None,
            street: vec![],
            city: "Pune".to_owned(),
            sp: None,
            pc: None,
            cc: "IN".to_owned(),
            voice: None,
            email: "proxy@privacy.example".to_owned(),
            customer: Some("asha".to_owned()),
        })
        .domain(Domain {
            name: "shop.example".to_owned(),
            registrant: Some("proxy1".to_owned()),
            customer: Some("asha".to_owned()),
            admin: None,
            tech: None,
            reseller: Some("res1".to_owned()),
            privacy: true,
            expires: datetime!(2027-01-01 0:00 UTC),
            nameservers: vec!["ns1.host.example".to_owned()],
        })
        .build(key, true)
        .unwrap()
}

#[tokio::test]
async fn import_a_deposit_and_list_the_claims() {
    let dir = TempDir::new();
    let data = dir.0.join("data");
    prepare(&data).await;
    let data = data.to_str().unwrap();
    let key = SigningKey::from_bytes(&[5; 32]);
    let key_path = dir.0.join("alpha.pub.pem");
    std::fs::write(&key_path, public_key_pem(&key.verifying_key()).unwrap()).unwrap();
    let deposit_path = dir.0.join("alpha-full-1.tar.gz");
    std::fs::write(&deposit_path, deposit(&key)).unwrap();
    let deposit_path = deposit_path.to_str().unwrap();

    // Without a key the deposit is refused, and says why.
    let out = nameward(&["escrow", "registrar", "import", deposit_path, "--data", data]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("refused; nothing was imported"), "{stderr}");
    assert!(stderr.contains("has no escrow key"), "{stderr}");

    let out = nameward(&[
        "registry",
        "escrow-key",
        "alpha",
        "--key",
        key_path.to_str().unwrap(),
        "--data",
        data,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    let out = nameward(&[
        "escrow",
        "registrar",
        "import",
        deposit_path,
        "--data",
        data,
        "--now",
        "2026-03-02T01:00:00Z",
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(stdout.starts_with("imported FULL deposit alpha-full-1 of alpha"), "{stdout}");
    assert!(stdout.contains("    shop.example (not registered)"), "{stdout}");

    // The same deposit again is a replay.
    let out = nameward(&["escrow", "registrar", "import", deposit_path, "--data", data, "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("already imported"), "{}", text(&out.stderr));

    let out = nameward(&["continuity", "claims", "alpha", "--data", data]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(stdout.contains("escrow deposit alpha-full-1"), "{stdout}");
    assert!(
        stdout.contains("owed to customers and resellers (positive balances): 41250 USD"),
        "{stdout}"
    );
    assert!(stdout.contains("owed to the registry: 0 USD"), "{stdout}");

    let out = nameward(&["continuity", "claims", "alpha", "--csv", "--data", data]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "kind,id,name,email,balance,currency,reseller,names\r\n\
         customer,asha,Asha,asha@example.org,1250,USD,res1,1\r\n\
         reseller,res1,\"Reseller, One\",res1@example.net,40000,USD,,1\r\n\
         registry,,renewals granted on credit (receivable),,0,USD,,\r\n"
    );
}
