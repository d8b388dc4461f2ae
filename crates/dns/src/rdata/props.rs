//! Property tests over the record types with fixed layouts: decoding arbitrary octets and
//! parsing arbitrary text never panic, and whatever is accepted survives wire, presentation
//! and RFC 3597 generic round trips unchanged.

use proptest::prelude::*;

use super::RecordData;
use super::testing::parse;
use crate::rtype::Rtype;

const TYPES: [Rtype; 26] = [
    Rtype::AAAA,
    Rtype::DNAME,
    Rtype::SRV,
    Rtype::NAPTR,
    Rtype::CAA,
    Rtype::SSHFP,
    Rtype::TLSA,
    Rtype::SMIMEA,
    Rtype::DS,
    Rtype::CDS,
    Rtype::DNSKEY,
    Rtype::CDNSKEY,
    Rtype::HINFO,
    Rtype::RP,
    Rtype::AFSDB,
    Rtype::SPF,
    Rtype::URI,
    Rtype::LOC,
    Rtype::IPSECKEY,
    Rtype::OPENPGPKEY,
    Rtype::ZONEMD,
    Rtype::CERT,
    Rtype::DHCID,
    Rtype::KX,
    Rtype::EUI48,
    Rtype::EUI64,
];

fn rtype() -> impl Strategy<Value = Rtype> {
    proptest::sample::select(TYPES.to_vec())
}

/// Tokens shaped like RDATA fields: numbers, hex, base64, quoted strings with escapes, names.
fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{1,6}",
        "[0-9a-fA-F]{1,10}",
        "[A-Za-z0-9+/]{2,12}={0,2}",
        "\"([ -!#-\\[\\]-~]|\\\\[0-2][0-9][0-9]|\\\\\"){0,12}\"",
        "[a-zA-Z0-9_-]{1,6}(\\.[a-z]{1,4}){0,2}\\.?",
        "(RSASHA256|ED25519|SHA-256|!a\\(b\\)!\\\\\\\\1!i|issue|@|\\.)",
        "(N|S|E|W|PKIX|URI|-?[0-9]{0,3}\\.[0-9]{0,3}m?|[0-9]{1,9}m|[0-9a-fA-F]{2}(-[0-9a-fA-F]{2}){5,7})",
    ]
}

proptest! {
    #[test]
    fn accepted_wire_round_trips(rtype in rtype(), bytes in proptest::collection::vec(any::<u8>(), 0..96)) {
        if let Ok(data) = RecordData::from_wire(rtype, &bytes) {
            prop_assert_eq!(RecordData::from_wire(rtype, &data.to_wire()), Ok(data.clone()));
            let text = data.to_string();
            prop_assert_eq!(parse(rtype, &text), Ok(data.clone()), "text {}", text);
            prop_assert_eq!(parse(rtype, &data.generic().to_string()), Ok(data));
        }
    }

    #[test]
    fn accepted_text_round_trips(rtype in rtype(), tokens in proptest::collection::vec(token(), 0..6)) {
        let text = tokens.join(" ");
        if let Ok(data) = parse(rtype, &text) {
            prop_assert_eq!(parse(rtype, &data.to_string()), Ok(data.clone()));
            prop_assert_eq!(RecordData::from_wire(rtype, &data.to_wire()), Ok(data));
        }
    }
}
