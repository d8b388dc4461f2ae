//! The server's transfer path on arbitrary messages: what it does with an AXFR, IXFR or NOTIFY,
//! or any query carrying a TSIG, dispatched as the network layer does
//! (`net/transfer_hook.rs`), with a TSIG key configured and without.
//!
//! Input: octet 0 holds switches (bit 0: UDP rather than TCP; bit 1: the configuration whose
//! access lists want the TSIG key, otherwise the one with no key that allows 127.0.0.0/8;
//! bit 2: sign the message with the key before it is handed over, so that the verified paths
//! are reached; bit 3: the client is 127.0.0.1 rather than 192.0.2.7; bits 4–5: how far off
//! the signing clock is). The rest is the message.
//!
//! Asserted besides "no panic": every response decodes strictly, carries the query's ID and
//! opcode with QR set, and fits a TCP message (one message over UDP, within the UDP size for
//! answers); a request whose TSIG verifies gets responses that verify with the same key as a
//! secondary checks them, the first chained to the request MAC; a zone is handed out (a
//! transfer, or a NOTIFY taken) only to a client the access list allows.
#![no_main]

use std::collections::HashMap;
use std::fmt::Write;
use std::net::IpAddr;
use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use nameward_dns::message::{opcode, rcode};
use nameward_dns::wire::DecodeOptions;
use nameward_dns::{Message, Name, Rtype};
use nameward_server::transfer::tsig::{self, Algorithm, Key, KeyRing, SignParams, StreamVerifier};
use nameward_server::transfer::{
    Acl, JournalLimits, Journals, Request, Rule, TransferConfig, TransferKind, ZonePolicy,
    respond_notify, respond_signed, respond_transfer,
};
use nameward_server::{DEFAULT_UDP_PAYLOAD, Incoming, Route, Transport, Zone, Zones};

/// The server's clock, seconds since the epoch.
const NOW: u64 = 1_790_000_000;
const SECRET: &str = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA==";

struct Fixture {
    zones: Zones,
    journals: Journals,
    key: Key,
    /// Transfers and NOTIFY only with the key, from anywhere.
    keyed: TransferConfig,
    /// No key known; transfers and NOTIFY from 127.0.0.0/8.
    open: TransferConfig,
}

fn name(text: &str) -> Name {
    Name::parse(text, None).expect("fixture names parse")
}

/// A version of example. whose records differ with `serial`; large enough (about 80 KB) that
/// a full transfer takes two messages.
fn version(serial: u32) -> Arc<Zone> {
    let mut text = format!(
        "$TTL 300\n@ SOA ns hostmaster {serial} 7200 3600 1209600 60\n@ NS ns\n\
         ns A 192.0.2.1\nsub NS ns.sub\nns.sub A 192.0.2.4\n\
         host HIP 2 200100107B1A74DF365639CC39F1D578 AwEAAbdxyhNuSutc5EMzxTs9LBPCIkOFH8cIvM4p9+LrV4e19WzK00+CI6zBCQTdtWsuxKbWIy87UOoJTwkUs7lBu+Upr1gsNrut79ryra+bSRGQb1slImA8YVJyuIDsj7kwzG7jnERNqnWxZ48AWkskmdHaVDP4BcelrTI3rMXdXF5D ns\n"
    );
    for i in 0..350 {
        let _ = writeln!(text, "t{i} TXT \"{}\"", "x".repeat(180));
    }
    for i in 0..serial {
        let _ = writeln!(text, "v{i} A 198.51.100.{}", serial * 10 + i);
    }
    Arc::new(Zone::from_text(&name("example."), "fuzz", &text).expect("the fuzz zone loads"))
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let versions = [version(1), version(2), version(3)];
        let mut journals = Journals::new(JournalLimits { max_versions: 8, max_bytes: 1 << 20 });
        for pair in versions.windows(2) {
            journals.update(&pair[0], &pair[1]);
        }
        let mut zones = Zones::new();
        zones.insert(Arc::clone(&versions[2]));
        let key = Key::from_base64(&name("xfr.key."), Algorithm::HmacSha256, SECRET)
            .expect("the fuzz key decodes");
        let policy = |rule: Rule| {
            let acl = Acl { rules: vec![rule] };
            ZonePolicy { transfer: acl.clone(), notify_from: acl, notify: vec![] }
        };
        let mut keys = KeyRing::new();
        keys.insert(key.clone());
        let keyed = TransferConfig {
            keys,
            policies: HashMap::from([(
                name("example."),
                policy(Rule { network: None, key: Some(key.name().clone()) }),
            )]),
            ..TransferConfig::default()
        };
        let loopback = "127.0.0.0/8".parse().expect("the prefix parses");
        let open = TransferConfig {
            policies: HashMap::from([(
                name("example."),
                policy(Rule { network: Some(loopback), key: None }),
            )]),
            ..TransferConfig::default()
        };
        Fixture { zones, journals, key, keyed, open }
    })
}

/// The responses, as `transfer_response` in `net/transfer_hook.rs` makes them, and the kind of
/// transfer when it was one.
fn respond(
    fixture: &Fixture,
    config: &TransferConfig,
    request: &Request<'_>,
) -> (Vec<Vec<u8>>, Option<TransferKind>) {
    let message = request.message;
    let op = message.bytes().get(2).map_or(0, |flags| (flags >> 3) & 0xF);
    if op == opcode::NOTIFY {
        return (respond_notify(&fixture.zones, config, request).into_iter().collect(), None);
    }
    if matches!(message.qtype(), Some(Rtype::AXFR | Rtype::IXFR)) {
        let stream = respond_transfer(&fixture.zones, &fixture.journals, config, request);
        let summary = stream.summary();
        let messages: Vec<Vec<u8>> = stream.collect();
        if let Some(first) = messages.first() {
            assert_eq!(u16::from(first[3] & 0xF), summary.rcode & 0xF, "summary and first rcode");
        }
        return (messages, Some(summary.kind));
    }
    (respond_signed(&fixture.zones, config, request).into_iter().collect(), None)
}

fuzz_target!(|data: &[u8]| {
    let [switches, body @ ..] = data else { return };
    let fixture = fixture();
    let transport = if switches & 1 != 0 { Transport::Udp } else { Transport::Tcp };
    let keyed = switches & 2 != 0;
    let config = if keyed { &fixture.keyed } else { &fixture.open };
    let client: IpAddr = if switches & 8 != 0 { [127, 0, 0, 1] } else { [192, 0, 2, 7] }.into();
    let mut message = body.to_vec();
    if switches & 4 != 0 {
        let skew = [0, 300, 301, -1000][usize::from(switches >> 4 & 3)];
        let signed_at = NOW.saturating_add_signed(skew);
        tsig::sign(&mut message, &fixture.key, &SignParams::request(signed_at));
    }
    let Some(incoming) = Incoming::parse(&message) else { return };
    if incoming.route() != Route::Transfer {
        return;
    }
    let request = Request { message: &incoming, client, transport, now: NOW };
    let (responses, kind) = respond(fixture, config, &request);

    let verified = tsig::verify_request(&message, &config.keys, NOW).ok().flatten();
    if transport == Transport::Udp {
        assert!(responses.len() <= 1, "{} messages over UDP", responses.len());
    }
    let mut chain =
        verified.as_ref().map(|v| StreamVerifier::new(v.key.clone(), v.tsig.mac.clone(), NOW));
    let mut handed_out = matches!(
        kind,
        Some(TransferKind::Full | TransferKind::Incremental | TransferKind::SoaOnly)
    );
    for bytes in &responses {
        assert!(bytes.len() <= usize::from(u16::MAX), "a message of {} octets", bytes.len());
        let response = Message::decode(bytes, DecodeOptions::STRICT)
            .unwrap_or_else(|e| panic!("response does not decode: {e}"));
        assert_eq!(response.header.id, incoming.id());
        assert!(response.header.qr);
        assert_eq!(response.header.opcode, (message[2] >> 3) & 0xF);
        let code = response.rcode() & 0xF;
        if transport == Transport::Udp && code == rcode::NOERROR {
            assert!(bytes.len() <= usize::from(DEFAULT_UDP_PAYLOAD), "{} octets", bytes.len());
        }
        if response.header.opcode == opcode::NOTIFY && code == rcode::NOERROR {
            handed_out = true;
        }
        if let Some(chain) = &mut chain {
            chain.next(bytes).unwrap_or_else(|e| panic!("a response to a signed request: {e}"));
        }
    }
    if let Some(chain) = &chain
        && !responses.is_empty()
    {
        chain.finish().unwrap_or_else(|e| panic!("the response stream ends unsigned: {e}"));
    }
    if handed_out {
        let allowed = match keyed {
            true => verified.is_some(),
            false => matches!(client, IpAddr::V4(v4) if v4.octets()[0] == 127),
        };
        assert!(allowed, "zone handed out (or NOTIFY taken) against the access list");
    }
});
