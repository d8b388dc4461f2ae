//! Property tests of the wire codec: decoders never panic on arbitrary bytes, and what the
//! encoder writes decodes back to the same thing.

use nameward_dns::message::{Edns, EdnsOption, Header, Message};
use nameward_dns::wire::DecodeOptions;
use nameward_dns::{Class, Name, Question, Record, RecordData, Rtype};
use proptest::prelude::*;

fn label() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(proptest::sample::select(b"abcXYZ-09*_".to_vec()), 1..12),
        proptest::collection::vec(any::<u8>(), 1..64),
    ]
}

fn name() -> impl Strategy<Value = Name> {
    proptest::collection::vec(label(), 0..6).prop_filter_map("name too long", |labels| {
        Name::from_labels(labels.iter().map(Vec::as_slice)).ok()
    })
}

fn rdata() -> impl Strategy<Value = RecordData> {
    use nameward_dns::rdata::rfc1035::{A, Mx, Ns, Txt};
    prop_oneof![
        any::<[u8; 4]>().prop_map(|a| RecordData::A(A { address: a.into() })),
        name().prop_map(|n| RecordData::Ns(Ns { nsdname: n })),
        (any::<u16>(), name()).prop_map(|(p, n)| RecordData::Mx(Mx { preference: p, exchange: n })),
        proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..40), 1..4)
            .prop_map(|strings| RecordData::Txt(Txt { strings })),
        (
            any::<u8>(),
            proptest::collection::vec(any::<u8>(), 1..20),
            proptest::collection::vec(any::<u8>(), 1..80),
            proptest::collection::vec(name(), 0..3)
        )
            .prop_map(|(algorithm, hit, public_key, rendezvous_servers)| {
                RecordData::Hip(nameward_dns::rdata::Hip {
                    algorithm,
                    hit,
                    public_key,
                    rendezvous_servers,
                })
            }),
    ]
}

fn record() -> impl Strategy<Value = Record> {
    (name(), any::<u32>(), rdata()).prop_map(|(owner, ttl, data)| Record {
        owner,
        class: Class::IN,
        ttl,
        data,
    })
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = Message::decode(&bytes, DecodeOptions::STRICT);
        let _ = Message::decode(&bytes, DecodeOptions::LENIENT);
    }

    #[test]
    fn arbitrary_rdata_never_panics(rtype in any::<u16>(), bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        if let Ok(data) = RecordData::from_wire(Rtype(rtype), &bytes) {
            // Whatever decodes must encode back to the same octets.
            prop_assert_eq!(data.to_wire(), bytes);
        }
    }

    #[test]
    fn messages_round_trip(
        id in any::<u16>(),
        question in name(),
        answers in proptest::collection::vec(record(), 0..6),
        additional in proptest::collection::vec(record(), 0..3),
        edns in proptest::option::of((512u16..4096, any::<bool>())),
    ) {
        let message = Message {
            header: Header { id, qr: true, ..Header::default() },
            questions: vec![Question { name: question, qtype: Rtype::HIP, qclass: Class::IN }],
            answers,
            authority: vec![],
            additional,
            edns: edns.map(|(udp_payload, dnssec_ok)| Edns {
                udp_payload,
                dnssec_ok,
                options: vec![EdnsOption { code: 10, data: vec![7; 8] }],
                ..Edns::default()
            }),
        };
        let bytes = message.encode();
        prop_assert_eq!(Message::decode(&bytes, DecodeOptions::STRICT), Ok(message));
    }

    #[test]
    fn names_round_trip_through_text(n in name()) {
        let text = n.to_string();
        let back = Name::parse(&text, None).unwrap();
        prop_assert_eq!(back.as_wire(), n.as_wire());
    }

    #[test]
    fn name_text_never_panics(text in ".{0,300}") {
        let _ = Name::parse(&text, Some(&Name::root()));
    }
}
