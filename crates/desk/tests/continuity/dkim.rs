//! DKIM: a desk mail signed by the mailer is verified by dkimpy (Debian's python3-dkim), a
//! verifier nameward did not write, against the public key as the TXT record would publish it.

use nameward_desk::smtp::{Dkim, SmtpConfig, SmtpMailer};
use nameward_desk::testing::SmtpSink;
use nameward_registry::service::Mailer;
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::pkcs8::EncodePublicKey;

#[tokio::test]
async fn signed_mail_verifies_with_dkimpy() {
    let have = std::process::Command::new("/usr/bin/python3")
        .args(["-c", "import dkim"])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !nameward_peer::available(
        "the DKIM test",
        have,
        "python3-dkim is missing (Debian package python3-dkim)",
    ) {
        return;
    }
    let Some(sink) = SmtpSink::start(&[]) else { return };
    let key = rsa::RsaPrivateKey::new(&mut rand_core::OsRng, 2048).unwrap();
    let pem = key.to_pkcs1_pem(rsa::pkcs1::LineEnding::LF).unwrap();
    let public = key.to_public_key().to_public_key_der().unwrap();
    let txt = format!("v=DKIM1; k=rsa; p={}", data_encoding::BASE64.encode(public.as_bytes()));

    let mut config = SmtpConfig::parse(&sink.relay(), "desk@nic.example").unwrap();
    config.dkim = Some(Dkim::new("desk2026", &pem).unwrap());
    let mailer = SmtpMailer::new(&config).unwrap();
    let mut mail = nameward_desk::mail::code_mail(
        "the .example registry",
        "a.example",
        "12345678",
        "https://desk.nic.example/en/cases/cx",
    );
    mail.to = "jane@example.net".to_owned();
    mailer.send(&mail).await.unwrap();
    let received = sink.received();
    let data = &received[0].data;
    assert!(data.contains("DKIM-Signature:") && data.contains("s=desk2026"), "{data}");
    assert!(data.contains("d=nic.example"), "{data}");

    let dir = std::env::temp_dir().join(format!("nameward-dkim-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("message"), data.replace("\r\n", "\n").replace('\n', "\r\n")).unwrap();
    std::fs::write(dir.join("txt"), &txt).unwrap();
    let script = "import dkim, sys\n\
        message = open(sys.argv[1], 'rb').read()\n\
        txt = open(sys.argv[2], 'rb').read()\n\
        def dns(name, timeout=5):\n\
        \x20   assert name == b'desk2026._domainkey.nic.example.', name\n\
        \x20   return txt\n\
        print('verified' if dkim.verify(message, dnsfunc=dns) else 'failed')\n";
    let verify = |file: &str| {
        let output = std::process::Command::new("/usr/bin/python3")
            .args(["-c", script])
            .arg(dir.join(file))
            .arg(dir.join("txt"))
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
            + &String::from_utf8_lossy(&output.stderr)
    };
    let verdict = verify("message");
    if verdict != "verified" {
        std::fs::write("/tmp/dkim-debug-message", data).ok();
        std::fs::write("/tmp/dkim-debug-txt", &txt).ok();
    }
    assert_eq!(verdict, "verified");
    // A changed body no longer verifies: the check can fail.
    let tampered = data.replace("12345678", "87654321");
    std::fs::write(dir.join("tampered"), tampered.replace("\r\n", "\n").replace('\n', "\r\n"))
        .unwrap();
    assert_eq!(verify("tampered"), "failed");
    std::fs::remove_dir_all(&dir).ok();
}
