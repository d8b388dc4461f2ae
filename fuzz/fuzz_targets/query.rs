//! Arbitrary bytes as a query on the answer path: never a panic, and any response decodes
//! strictly with the query's ID. The bytes are read once into the parsed view the network
//! layer routes by, then answered with cookie secrets as the server does (COOKIE options
//! checked and answered), and without.

#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use nameward_dns::Message;
use nameward_dns::Name;
use nameward_dns::wire::DecodeOptions;
use nameward_server::cookie::CookieSecrets;
use nameward_server::{
    Incoming, Outcome, Requester, ResponseBuffer, Transport, Zone, Zones, answer, answer_incoming,
};

const ZONE: &str = "$TTL 300
@ SOA ns hostmaster 1 7200 3600 1209600 60
@ NS ns
ns A 192.0.2.1
ns AAAA 2001:db8::1
www A 192.0.2.2
alias CNAME www
loop CNAME loop2
loop2 CNAME loop
*.wild TXT \"wild\"
*.wc CNAME alias
dn DNAME example.
a.b.ent A 192.0.2.3
sub NS ns.sub
sub NS ns
ns.sub A 192.0.2.4
host HIP 2 200100107B1A74DF365639CC39F1D578 AwEAAbdxyhNuSutc5EMzxTs9LBPCIkOFH8cIvM4p9+LrV4e19WzK00+CI6zBCQTdtWsuxKbWIy87UOoJTwkUs7lBu+Upr1gsNrut79ryra+bSRGQb1slImA8YVJyuIDsj7kwzG7jnERNqnWxZ48AWkskmdHaVDP4BcelrTI3rMXdXF5D ns www
";

fn zones() -> &'static Zones {
    static ZONES: OnceLock<Zones> = OnceLock::new();
    ZONES.get_or_init(|| {
        let mut zones = Zones::new();
        if let Ok(origin) = Name::parse("example.", None)
            && let Ok(zone) = Zone::from_text(&origin, "fuzz", ZONE)
        {
            zones.insert(Arc::new(zone));
        }
        assert_eq!(zones.len(), 1, "the fuzz zone must load");
        zones
    })
}

fn check(data: &[u8], out: &ResponseBuffer, summary: nameward_server::Summary) {
    let response =
        Message::decode(out.as_bytes(), DecodeOptions::STRICT).expect("responses decode strictly");
    assert_eq!(response.header.id.to_be_bytes(), data[..2]);
    assert_eq!(response.rcode(), summary.rcode);
    assert!(out.question_end() <= out.as_bytes().len());
}

fuzz_target!(|data: &[u8]| {
    let secrets = CookieSecrets::new([0x11; 16], Some([0x22; 16]));
    let incoming = Incoming::parse(data);
    if let Some(incoming) = &incoming {
        let _ = (incoming.route(), incoming.qtype(), incoming.qname_wire(), incoming.is_signed());
    }
    for transport in [Transport::Udp, Transport::Tcp] {
        let mut out = ResponseBuffer::new(transport);
        if let Outcome::Response(summary) = answer(zones(), data, &mut out) {
            check(data, &out, summary);
        }
        let Some(incoming) = &incoming else { continue };
        // The clock and the address from the query's own bytes, so that both vary.
        let now = u32::from_be_bytes([data[0], data[1], data[2], data[3]]);
        let address = std::net::Ipv4Addr::new(192, 0, 2, data[5]).into();
        let requester = Requester { address: Some(address), now, cookies: Some(&secrets) };
        if let Outcome::Response(summary) = answer_incoming(zones(), incoming, &requester, &mut out)
        {
            check(data, &out, summary);
        }
    }
});
