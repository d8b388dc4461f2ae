//! The server's dynamic update path on arbitrary messages: read (TSIG first), decided
//! against a zone and a policy, and answered, as the updater thread does
//! (`net/update_hook.rs`), without the disk.
//!
//! Input: octet 0 holds switches (bit 0: sign the message with the granted key before it is
//! handed over, so that the decision is reached; bit 1: sign with the key granted only
//! `hosts.example.`). The rest is the message.
//!
//! Asserted besides "no panic": every answer decodes strictly with the request's ID, QR and
//! opcode UPDATE; a difference is decided only for a signed request, applies to the zone it
//! was decided on, moves the serial forward and touches only names the signer was granted.
#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use nameward_dns::check::CheckOptions;
use nameward_dns::message::opcode;
use nameward_dns::serial::serial_gt;
use nameward_dns::tsig::{self, Algorithm, Key, KeyRing, SignParams};
use nameward_dns::wire::DecodeOptions;
use nameward_dns::{Message, Name};
use nameward_server::Zone;
use nameward_server::update::{Policy, RuleConfig, Signer, process, wire};

const NOW: u64 = 1_790_000_000;
const SECRET: &str = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA==";

struct Fixture {
    zone: Arc<Zone>,
    keys: KeyRing,
    admin: Key,
    hosts: Key,
    policy: Policy,
}

fn name(text: &str) -> Name {
    Name::parse(text, None).expect("fixture names parse")
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let text = "$TTL 300\n@ SOA ns hostmaster 1 7200 3600 1209600 60\n@ NS ns\n@ NS ns2\n\
                    ns A 192.0.2.1\nns2 A 192.0.2.2\nwww A 192.0.2.80\nwww TXT x\n\
                    alias CNAME www\nh.hosts AAAA 2001:db8::1\n";
        let zone = Arc::new(Zone::from_text(&name("example."), "fuzz", text).expect("loads"));
        let admin = Key::from_base64(&name("admin."), Algorithm::HmacSha256, SECRET).expect("key");
        let hosts = Key::from_base64(&name("hosts."), Algorithm::HmacSha256, SECRET).expect("key");
        let mut keys = KeyRing::new();
        keys.insert(admin.clone());
        keys.insert(hosts.clone());
        let rules = [
            RuleConfig {
                key: "admin.".into(),
                matches: nameward_server::update::Match::Subdomain,
                name: None,
                types: vec!["ANY".into()],
            },
            RuleConfig {
                key: "hosts.".into(),
                matches: nameward_server::update::Match::Subdomain,
                name: Some("hosts".into()),
                types: vec![],
            },
        ];
        let policy = Policy::from_config(&name("example."), &rules).expect("rules read");
        Fixture { zone, keys, admin, hosts, policy }
    })
}

fuzz_target!(|data: &[u8]| {
    let [switches, body @ ..] = data else { return };
    let fixture = fixture();
    let mut message = body.to_vec();
    if switches & 1 != 0 {
        let key = if switches & 2 != 0 { &fixture.hosts } else { &fixture.admin };
        tsig::sign(&mut message, key, &SignParams::request(NOW));
    }
    let (answer, decided) = match wire::read(&message, &fixture.keys, NOW) {
        wire::Read::Drop => return,
        wire::Read::Answer(answer) => (answer, None),
        wire::Read::Request(request) => {
            let decision =
                process(&*fixture.zone, &fixture.policy, &request.signer, &request.message);
            let answer = wire::response(
                request.message.header.id,
                request.message.questions.first(),
                decision.rcode,
                request.verified.as_ref(),
                NOW,
            );
            (answer, Some((decision, request.signer)))
        }
    };
    let response = Message::decode(&answer, DecodeOptions::STRICT)
        .unwrap_or_else(|e| panic!("the answer does not decode: {e}"));
    assert_eq!(Some(&response.header.id.to_be_bytes()[..]), message.get(..2));
    assert!(response.header.qr);
    assert_eq!(response.header.opcode, opcode::UPDATE);
    let Some((decision, signer)) = decided else { return };
    let Some(diff) = decision.diff else { return };
    let Signer::Tsig(key) = signer else { panic!("an unsigned update changed the zone") };
    assert!(serial_gt(diff.to_serial(), diff.from_serial()));
    if key == name("hosts.") {
        let hosts = name("hosts.example.");
        assert!(diff.deleted.iter().chain(&diff.added).all(|r| r.owner.is_subdomain_of(&hosts)));
    }
    diff.apply_to(&fixture.zone, &CheckOptions::default())
        .unwrap_or_else(|e| panic!("a decided difference does not apply: {e}"));
});
