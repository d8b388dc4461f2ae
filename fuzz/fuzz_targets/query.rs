//! Arbitrary bytes as a query on the answer path: never a panic, and any response decodes
//! strictly with the query's ID.

#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use nameward_dns::Name;
use nameward_dns::Message;
use nameward_dns::wire::DecodeOptions;
use nameward_server::{Outcome, ResponseBuffer, Transport, Zone, Zones, answer};

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

fuzz_target!(|data: &[u8]| {
    for transport in [Transport::Udp, Transport::Tcp] {
        let mut out = ResponseBuffer::new(transport);
        if let Outcome::Response(summary) = answer(zones(), data, &mut out) {
            let response = Message::decode(out.as_bytes(), DecodeOptions::STRICT)
                .expect("responses decode strictly");
            assert_eq!(response.header.id.to_be_bytes(), data[..2]);
            assert_eq!(response.rcode(), summary.rcode);
        }
    }
});
