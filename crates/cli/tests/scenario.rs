//! The registrar-failure scenario end to end, as an operator, registrants and registrars live
//! it, through the `nameward` binary, on SQLite and then on PostgreSQL:
//!
//! 1. `nameward up` runs the registry; registrar alpha creates contacts, names and a
//!    subordinate host over EPP; on its way down it deletes two names in add grace (gone at
//!    once), and beta registers one of them.
//! 2. alpha's escrow deposit (signed) is imported and reconciled.
//! 3. The operator declares alpha failed; the name alpha deleted that nobody took comes back
//!    with its registrant and delegation, the one beta took is listed; alpha can no longer
//!    log in; a name alpha hosted is served from its escrowed zone by the registry's name
//!    server (continuity DNS).
//! 4. The tick queues the failure notices; they go out to a real SMTP server (aiosmtpd),
//!    the escrowed holder behind a privacy service included, and a bounce is tracked.
//! 5. A registrant proves control at the desk with a mailed code, gets a transfer code, and
//!    another registrar (beta) uses it over EPP.
//! 6. A year and more of ticks: no name deleted, names renewed on credit, reminders and
//!    after-expiry notices received, the desk transfer completed.
//! 7. The bulk transfer of the rest to heir, heir told through EPP poll messages.
//! 8. Status counts and the creditor inventory (claims).

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration as StdDuration, Instant};

use nameward_desk::testing::SmtpSink;
use nameward_escrow::{
    Contact, Customer, DepositBuilder, DepositKind, Domain, Reseller, SigningKey, public_key_pem,
};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

/// Where the registry lives for one run: SQLite in the work directory's default data
/// directory, or a PostgreSQL database.
#[derive(Clone)]
enum Engine {
    Sqlite,
    Postgres(String),
}

struct Scenario {
    work: PathBuf,
    engine: Engine,
}

impl Scenario {
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_nameward"));
        command.current_dir(&self.work).args(args);
        command
    }

    /// A registry command against this run's store.
    fn store_command(&self, args: &[&str]) -> Command {
        let mut command = self.command(args);
        if let Engine::Postgres(url) = &self.engine {
            command.args(["--db", url]);
        }
        command
    }

    fn ok(&self, args: &[&str]) -> String {
        expect_ok(args, self.store_command(args).output().unwrap())
    }

    fn data(&self) -> PathBuf {
        self.work.join("nameward-data")
    }

    /// `nameward epp client` as one of `up`'s demo registrars.
    fn epp(&self, registrar: &str, verb: &[&str]) -> Output {
        let data = self.data();
        let mut args = vec!["epp", "client", "--up", data.to_str().unwrap(), "--registrar"];
        args.push(registrar);
        args.extend_from_slice(verb);
        self.command(&args).output().unwrap()
    }

    fn epp_ok(&self, registrar: &str, verb: &[&str]) -> String {
        let out = self.epp(registrar, verb);
        let stdout = expect_ok(verb, out);
        assert!(
            stdout.contains("result code=\"1000\"") || stdout.contains("code=\"1001\""),
            "{stdout}"
        );
        stdout
    }
}

fn expect_ok(args: &[&str], out: Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{args:?}:\n{stdout}\n{stderr}");
    stdout
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap()
}

/// A process stopped (SIGTERM, then waited for) when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.0.id().to_string()]).status();
        let started = Instant::now();
        while started.elapsed() < StdDuration::from_secs(10) {
            if self.0.try_wait().ok().flatten().is_some() {
                return;
            }
            std::thread::sleep(StdDuration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Each desk's session cookie (by the desk's address: the scenarios on both engines run at
/// once), kept between calls as a browser keeps it: what proves control is bound to the
/// session.
static DESK_COOKIES: std::sync::Mutex<std::collections::BTreeMap<String, String>> =
    std::sync::Mutex::new(std::collections::BTreeMap::new());

/// One JSON request to the desk; its status and body.
fn http(addr: &str, method: &str, path: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
    use http_body_util::{BodyExt, Full};
    use hyper::body::Bytes;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .unwrap();
        tokio::spawn(connection);
        let mut request = hyper::Request::builder()
            .method(method)
            .uri(path)
            .header("host", addr)
            .header("content-type", "application/json");
        if let Some(cookie) = DESK_COOKIES.lock().unwrap().get(addr).cloned() {
            request = request.header("cookie", cookie);
        }
        let request = request.body(Full::new(Bytes::from(body.to_string()))).unwrap();
        let response = sender.send_request(request).await.unwrap();
        if let Some(set) = response.headers().get("set-cookie") {
            let pair = set.to_str().unwrap().split(';').next().unwrap().to_owned();
            DESK_COOKIES.lock().unwrap().insert(addr.to_owned(), pair);
        }
        let status = response.status().as_u16();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null))
    })
}

/// Starts `nameward up` on free ports; returns it once `up.json` names them.
fn start_up(scenario: &Scenario) -> Running {
    let child = scenario
        .store_command(&[
            "up",
            "--epp",
            "127.0.0.1:0",
            "--dns",
            "127.0.0.1:0",
            "--rdap",
            "127.0.0.1:0",
        ])
        .args(["--tick-every", "86400"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let running = Running(child);
    let started = Instant::now();
    loop {
        if let Ok(text) = std::fs::read_to_string(scenario.data().join("up.json")) {
            let info: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            if info["epp"].as_str().is_some_and(|epp| !epp.is_empty() && !epp.ends_with(":0")) {
                return running;
            }
        }
        assert!(started.elapsed() < StdDuration::from_secs(60), "nameward up did not come up");
        std::thread::sleep(StdDuration::from_millis(100));
    }
}

/// Starts `nameward desk serve` on a free port; returns it and its address.
fn start_desk(scenario: &Scenario, smtp: &str) -> (Running, String) {
    let mut child = scenario
        .store_command(&["desk", "serve", "--listen", "127.0.0.1:0", "--smtp", smtp])
        .args(["--from", "desk@nic.example", "--registry-name", "the .example registry"])
        .args(["--public-url", "https://desk.nic.example"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stderr.take().unwrap()).read_line(&mut line).unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("the desk did not start: {line:?}"))
        .to_owned();
    (Running(child), addr)
}

/// alpha's escrow deposit: its customers (asha behind a privacy service), a reseller, and
/// every name, plus one the registry does not have.
fn deposit(key: &SigningKey, at: OffsetDateTime) -> Vec<u8> {
    let customer = |id: &str, email: &str, balance: i64| Customer {
        id: id.to_owned(),
        name: id.to_owned(),
        email: email.to_owned(),
        balance,
        currency: "USD".to_owned(),
        reseller: None,
    };
    let contact = |id: &str, email: &str, customer: &str| Contact {
        id: id.to_owned(),
        name: id.to_owned(),
        org: None,
        street: vec![],
        city: "Pune".to_owned(),
        sp: None,
        pc: None,
        cc: "IN".to_owned(),
        voice: None,
        email: email.to_owned(),
        customer: Some(customer.to_owned()),
    };
    let domain = |name: &str, registrant: &str, customer: &str| Domain {
        name: name.to_owned(),
        registrant: Some(registrant.to_owned()),
        customer: Some(customer.to_owned()),
        admin: None,
        tech: None,
        reseller: None,
        privacy: registrant == "proxy1",
        expires: at + Duration::days(365),
        nameservers: vec![],
    };
    let mut builder = DepositBuilder::new("alpha", "alpha-full-1", DepositKind::Full, at)
        .reseller(Reseller {
            id: "res1".to_owned(),
            name: "Reseller One".to_owned(),
            email: "res1@example.net".to_owned(),
            balance: 40_000,
            currency: "USD".to_owned(),
        })
        .customer(Customer {
            reseller: Some("res1".to_owned()),
            ..customer("asha", "asha@example.org", 1_250)
        })
        .customer(customer("jane", "jane@example.net", 0))
        .customer(customer("bob", "bob@example.org", 300))
        .customer(customer("bounce", "bounce@example.com", 0))
        .contact(contact("proxy1", "proxy@privacy.example", "asha"))
        .contact(contact("jane", "jane@example.net", "jane"))
        .contact(contact("bob", "bob@example.org", "bob"))
        .contact(contact("bounce", "bounce@example.com", "bounce"));
    // The zone alpha hosted for jane1.example, kept in its escrow.
    builder = builder.zone(
        "jane1.example",
        "$ORIGIN jane1.example.\n$TTL 3600\n\
         @ IN SOA ns1.jane1.example. admin.jane1.example. 1 3600 600 86400 300\n\
         @ IN NS ns1.jane1.example.\n\
         ns1 IN A 192.0.2.53\n\
         www IN A 192.0.2.80\n",
    );
    for (name, registrant, customer) in [
        ("shop.example", "proxy1", "asha"),
        ("jane1.example", "jane", "jane"),
        ("jane2.example", "jane", "jane"),
        ("bob.example", "bob", "bob"),
        ("bounce.example", "bounce", "bounce"),
        ("lost.example", "jane", "jane"),
    ] {
        builder = builder.domain(domain(name, registrant, customer));
    }
    builder.build(key, true).unwrap()
}

fn play(scenario: &Scenario) {
    let Some(sink) = SmtpSink::start(&["bounce@example.com"]) else { return };
    let t0 = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
    let at = |days: i64, hours: i64| rfc3339(t0 + Duration::days(days) + Duration::hours(hours));

    // 1. The registry runs; alpha builds its portfolio over EPP.
    let up = start_up(scenario);
    for (id, email) in [
        ("proxy1", "proxy@privacy.example"),
        ("jane", "jane@example.net"),
        ("bob", "bob@example.org"),
        ("bounce", "bounce@example.com"),
        ("ravi", "ravi@example.org"),
    ] {
        scenario
            .epp_ok("alpha", &["contact-create", id, "--name", id, "--email", email, "--cc", "IN"]);
    }
    for (name, registrant, years) in [
        ("shop.example", "proxy1", "1"),
        ("jane1.example", "jane", "1"),
        ("jane2.example", "jane", "2"),
        ("bob.example", "bob", "1"),
        ("bounce.example", "bounce", "1"),
    ] {
        scenario.epp_ok(
            "alpha",
            &["domain-create", name, "--years", years, "--registrant", registrant],
        );
    }
    scenario.epp_ok("alpha", &["host-create", "ns1.jane1.example", "192.0.2.53"]);
    scenario.epp_ok("alpha", &["domain-update", "jane1.example", "--add-ns", "ns1.jane1.example"]);
    scenario.epp_ok("alpha", &["host-create", "ns1.jane-hosting.test"]);
    scenario
        .epp_ok("alpha", &["domain-update", "jane2.example", "--add-ns", "ns1.jane-hosting.test"]);
    // On its way down alpha deletes names it will not pay for; inside add grace they are gone
    // at once, and beta registers one of them.
    scenario.epp_ok(
        "alpha",
        &["domain-create", "gone.example", "--registrant", "ravi", "--ns", "ns1.jane-hosting.test"],
    );
    scenario.epp_ok("alpha", &["domain-delete", "gone.example"]);
    scenario.epp_ok("alpha", &["domain-create", "taken.example", "--registrant", "ravi"]);
    scenario.epp_ok("alpha", &["domain-delete", "taken.example"]);
    scenario.epp_ok("beta", &["domain-create", "taken.example"]);
    // IDNs over EPP: an emoji A-label is refused naming its character; a U-label is
    // registered under its A-label.
    let emoji = scenario.epp("beta", &["domain-create", "xn--ls8h.example"]);
    let emoji = String::from_utf8_lossy(&emoji.stdout).into_owned();
    assert!(emoji.contains("code=\"2005\"") && emoji.contains("U+1F4A9"), "{emoji}");
    scenario.epp_ok("beta", &["domain-create", "b\u{fc}cher.example"]);
    let info = scenario.epp_ok("beta", &["domain-info", "xn--bcher-kva.example"]);
    assert!(info.contains("<domain:name>xn--bcher-kva.example</domain:name>"), "{info}");

    // 2. Escrow: alpha's key, then its deposit, verified and reconciled.
    let key = SigningKey::from_bytes(&[7; 32]);
    let pem = scenario.work.join("alpha-escrow.pub.pem");
    std::fs::write(&pem, public_key_pem(&key.verifying_key()).unwrap()).unwrap();
    scenario.ok(&["registry", "escrow-key", "alpha", "--key", pem.to_str().unwrap()]);
    let file = scenario.work.join("alpha-full-1.tar.gz");
    std::fs::write(&file, deposit(&key, t0)).unwrap();
    let imported =
        scenario.ok(&["escrow", "registrar", "import", file.to_str().unwrap(), "--now", &at(7, 0)]);
    assert!(imported.starts_with("imported FULL deposit alpha-full-1 of alpha"), "{imported}");
    assert!(imported.contains("lost.example (not registered)"), "{imported}");
    // asha, a customer of reseller res1, holds shop.example: the import links it to res1.
    assert!(
        imported.contains(
            "resellers linked from the escrow (1):\n    shop.example: (direct) -> res1\n"
        ),
        "{imported}"
    );

    // 3. alpha stops answering; the operator declares it failed.
    let declared = scenario.ok(&[
        "continuity",
        "declare-failed",
        "alpha",
        "--reason",
        "stopped answering",
        "--now",
        &at(8, 0),
    ]);
    assert!(declared.contains("declared FAILED"), "{declared}");
    assert!(
        declared.contains(
            "look-back: 2 names it deleted in the 60 days before the failure, 1 brought back, \
             1 registered by others meanwhile"
        ),
        "{declared}"
    );
    assert!(declared.contains("taken.example deleted") && declared.contains("held by beta"));
    let back = scenario.ok(&["registry", "zone", "--tld", "example"]);
    assert!(
        back.contains("gone.example. 3600 IN NS ns1.jane-hosting.test."),
        "the deleted name is back with its delegation:\n{back}"
    );
    // alpha's DNS hosting is gone too: jane1.example is served from the escrowed zone by the
    // registry's own name server.
    let switched = scenario.ok(&["continuity", "switch-dns", "jane1.example", "--now", &at(8, 0)]);
    assert!(switched.contains("jane1.example on continuity DNS"), "{switched}");
    let refused = scenario.epp("alpha", &["domain-info", "jane1.example"]);
    assert!(
        !String::from_utf8_lossy(&refused.stdout).contains("result code=\"1000\""),
        "a failed registrar can no longer act: {}",
        String::from_utf8_lossy(&refused.stdout)
    );

    // 4. The tick queues the failure notices; they go out over SMTP.
    let ticked = scenario.ok(&["registry", "tick", "--now", &at(8, 1)]);
    assert!(ticked.contains("notices queued: 5 covering 6 names"), "{ticked}");
    let send = |now: String| {
        let relay = sink.relay();
        scenario.ok(&[
            "notices",
            "send",
            "--smtp",
            &relay,
            "--from",
            "notices@nic.example",
            "--desk-url",
            "https://desk.nic.example",
            "--rate",
            "200",
            "--now",
            &now,
        ])
    };
    let sent = send(at(8, 1));
    assert!(sent.contains("sent 4, bounced 1"), "{sent}");
    let ravi = sink.subjects_to("ravi@example.org");
    assert_eq!(ravi.len(), 1, "the registrant of the name brought back is told: {ravi:?}");
    let jane = sink.subjects_to("jane@example.net");
    assert_eq!(jane.len(), 1, "{jane:?}");
    assert!(jane[0].contains("Your registrar has failed: 2 domain names"), "{jane:?}");
    let asha = sink.subjects_to("asha@example.org");
    assert_eq!(asha.len(), 1, "the holder behind the privacy service is told: {asha:?}");
    assert!(sink.subjects_to("proxy@privacy.example").is_empty());
    assert!(sink.subjects_to("bounce@example.com").is_empty());

    // 5. bob moves his name alone: the desk mails him a code, then gives a transfer code
    //    that beta uses over EPP.
    let (desk, desk_addr) = start_desk(scenario, &sink.relay());
    let (status, case) = http(
        &desk_addr,
        "POST",
        "/v1/cases",
        serde_json::json!({"domain": "bob.example", "kind": "transfer-code"}),
    );
    assert_eq!(status, 201, "{case}");
    let case_id = case["id"].as_str().unwrap().to_owned();
    let (status, body) = http(
        &desk_addr,
        "POST",
        &format!("/v1/cases/{case_id}/verify/email"),
        serde_json::json!({}),
    );
    assert_eq!(status, 202, "{body}");
    let mail = sink
        .received()
        .into_iter()
        .rev()
        .find(|mail| mail.rcpt_tos == ["bob@example.org"] && mail.subject().contains("desk code"))
        .expect("the desk code reached bob");
    let code_at = mail.data.find("Your code: ").unwrap() + "Your code: ".len();
    let code = &mail.data[code_at..code_at + 8];
    let (status, body) = http(
        &desk_addr,
        "POST",
        &format!("/v1/cases/{case_id}/verify/email/confirm"),
        serde_json::json!({"code": "00000000"}),
    );
    assert_eq!(status, 403, "a wrong code is refused: {body}");
    // The next entry of a code is allowed after a pause that doubles with each wrong one.
    std::thread::sleep(StdDuration::from_millis(2100));
    let (status, body) = http(
        &desk_addr,
        "POST",
        &format!("/v1/cases/{case_id}/verify/email/confirm"),
        serde_json::json!({"code": code}),
    );
    assert_eq!(status, 200, "{body}");
    let (status, issued) = http(
        &desk_addr,
        "POST",
        &format!("/v1/cases/{case_id}/transfer-code"),
        serde_json::json!({}),
    );
    assert_eq!(status, 200, "{issued}");
    let transfer_code = issued["transfer_code"].as_str().unwrap().to_owned();
    drop(desk);
    let requested = scenario
        .epp_ok("beta", &["domain-transfer", "request", "bob.example", "--auth", &transfer_code]);
    assert!(requested.contains("pending"), "{requested}");

    // 6. More than a year of ticks, every two days, notices sent weekly.
    for day in (9..=420).step_by(2) {
        scenario.ok(&["registry", "tick", "--now", &at(day, 0)]);
        if day % 7 == 0 {
            send(at(day, 1));
        }
    }
    send(at(421, 0));
    let zone = scenario.ok(&["registry", "zone", "--tld", "example"]);
    assert!(
        zone.contains("jane2.example. 3600 IN NS ns1.jane-hosting.test."),
        "delegations stay in the zone:\n{zone}"
    );
    assert!(zone.contains("jane1.example. 3600 IN NS ns1.nic.example."), "{zone}");
    let beta_info = scenario.epp_ok("beta", &["domain-info", "bob.example"]);
    assert!(beta_info.contains("<domain:clID>beta</domain:clID>"), "{beta_info}");
    let jane = sink.subjects_to("jane@example.net");
    for expected in ["within 30 days", "within 7 days", "passed its expiry date"] {
        assert!(jane.iter().any(|subject| subject.contains(expected)), "{expected}: {jane:?}");
    }
    // jane2.example, registered for two years, passes its first anniversary without expiring:
    // only jane1.example is in the after-expiry notice.
    assert!(
        jane.iter().any(|subject| subject.contains("jane1.example passed its expiry date")),
        "{jane:?}"
    );
    let asha = sink.subjects_to("asha@example.org");
    assert!(
        asha.iter().any(|subject| subject.contains("shop.example passed its expiry date")),
        "{asha:?}"
    );
    let bob = sink.subjects_to("bob@example.org");
    assert!(
        !bob.iter().any(|subject| subject.contains("Reminder")),
        "bob's name left the failed registrar: {bob:?}"
    );

    let status: serde_json::Value = serde_json::from_str(&scenario.ok(&[
        "continuity",
        "status",
        "alpha",
        "--json",
        "--now",
        &at(421, 0),
    ]))
    .unwrap();
    assert_eq!(status["state"], "FAILED");
    assert_eq!(status["portfolio"]["domains"], 5, "nothing deleted, bob's name moved: {status}");
    assert_eq!(status["portfolio"]["via_reseller"], 1, "shop.example, through res1: {status}");
    assert_eq!(
        status["renewed_on_credit"], 5,
        "shop, jane1, bounce and gone once each, and gone's refunded create: {status}"
    );
    assert_eq!(status["registrants"]["names_notified"], 5, "{status}");
    let look_back = status["look_back"].as_array().unwrap();
    assert_eq!(look_back.len(), 2, "{status}");
    assert!(
        look_back.iter().any(|row| row["domain"] == "taken.example" && row["holder"] == "beta"),
        "{status}"
    );
    assert_eq!(status["registrants"]["names_unreached"], 1, "{status}");
    assert_eq!(status["registrants"]["desk_cases"], 1, "{status}");
    assert_eq!(status["registrants"]["codes_issued"], 1, "{status}");

    // 7. The rest goes to heir in bulk; heir hears of every name by EPP poll.
    let cert = rcgen::generate_simple_self_signed(vec!["heir.test".to_owned()]).unwrap();
    let (cert_pem, key_pem) = (scenario.work.join("heir.pem"), scenario.work.join("heir.key"));
    std::fs::write(&cert_pem, cert.cert.pem()).unwrap();
    std::fs::write(&key_pem, cert.signing_key.serialize_pem()).unwrap();
    let cert_pem = cert_pem.to_str().unwrap();
    scenario.ok(&[
        "registry",
        "add-registrar",
        "heir",
        "--name",
        "Heir Registrar",
        "--password",
        "Heir-pass-2026xy",
        "--cert",
        cert_pem,
    ]);
    let moved = scenario.ok(&[
        "continuity",
        "transfer",
        "alpha",
        "--to",
        "heir",
        "--include-resellers",
        "--now",
        &at(421, 1),
    ]);
    assert!(moved.contains("moved 5 of 5 names to heir"), "{moved}");
    assert!(
        moved.contains("resellers: included — 1 names held through resellers moved with the rest"),
        "Net4India's reseller names were the ones left behind; these move: {moved}"
    );
    let again =
        scenario.ok(&["continuity", "transfer", "alpha", "--to", "heir", "--now", &at(421, 2)]);
    assert!(again.contains("moved 0 of 0"), "a second run moves nothing: {again}");
    let up_json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(scenario.data().join("up.json")).unwrap())
            .unwrap();
    let poll = expect_ok(
        &["poll"],
        scenario
            .command(&["epp", "client", "--server", up_json["epp"].as_str().unwrap()])
            .arg("--ca")
            .arg(scenario.data().join(up_json["ca_cert"].as_str().unwrap()))
            .args(["--cert", cert_pem, "--key", key_pem.to_str().unwrap()])
            .args(["--client-id", "heir", "--password", "Heir-pass-2026xy", "poll"])
            .output()
            .unwrap(),
    );
    assert!(poll.contains("count=\"5\""), "one poll message per name: {poll}");

    // 8. Where it all stands, and who is owed what.
    let status: serde_json::Value = serde_json::from_str(&scenario.ok(&[
        "continuity",
        "status",
        "alpha",
        "--json",
        "--now",
        &at(421, 3),
    ]))
    .unwrap();
    assert_eq!(status["portfolio"]["domains"], 0, "{status}");
    assert_eq!(status["transferred_away"], 5, "{status}");
    let owed = status["owed_on_credit"].as_i64().unwrap();
    assert!(owed > 0, "{status}");
    let claims = scenario.ok(&["continuity", "claims", "alpha", "--csv"]);
    assert!(claims.contains("customer,asha,asha,asha@example.org,1250,USD,res1,1\r\n"), "{claims}");
    assert!(
        claims.contains("reseller,res1,Reseller One,res1@example.net,40000,USD,,1\r\n"),
        "{claims}"
    );
    assert!(
        claims.contains(&format!("registry,,renewals granted on credit (receivable),,{owed},")),
        "the receivable matches the renewals on credit: {claims}"
    );
    drop(up);
}

fn work_dir(engine: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("nameward-scenario-{engine}-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_registrar_fails_and_no_registrant_loses_a_name_on_sqlite() {
    let work = work_dir("sqlite");
    play(&Scenario { work: work.clone(), engine: Engine::Sqlite });
    std::fs::remove_dir_all(&work).ok();
}

#[test]
fn a_registrar_fails_and_no_registrant_loses_a_name_on_postgres() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let Some(database) = runtime.block_on(nameward_registry::testing::PostgresDb::new()) else {
        return;
    };
    let work = work_dir("postgres");
    play(&Scenario { work: work.clone(), engine: Engine::Postgres(database.url.clone()) });
    runtime.block_on(database.drop_database());
    std::fs::remove_dir_all(&work).ok();
}
