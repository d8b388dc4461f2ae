//! Standalone RDATA of any type on arbitrary octets (the first two are the type): whatever
//! decodes is the only wire form of its data, and both its presentation form and the RFC 3597
//! generic form read back to the same data.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nameward_dns::text::Tokens;
use nameward_dns::zone::tokenize_rdata;
use nameward_dns::{Name, RecordData, Rtype};

fn parse(rtype: Rtype, text: &str, origin: &Name) -> Result<RecordData, String> {
    let tokens = tokenize_rdata(text.as_bytes());
    let mut cursor = Tokens::new(&tokens, Some(origin));
    RecordData::parse_text(rtype, &mut cursor).map_err(|e| e.message.into_owned())
}

fuzz_target!(|input: &[u8]| {
    let Some((&[high, low], wire)) = input.split_first_chunk::<2>() else { return };
    let rtype = Rtype(u16::from_be_bytes([high, low]));
    let Ok(data) = RecordData::from_wire(rtype, wire) else { return };
    assert_eq!(data.to_wire(), wire, "{rtype} {data}");
    let Ok(origin) = Name::parse("example.", None) else { return };
    let text = data.to_string();
    assert_eq!(parse(rtype, &text, &origin).as_ref(), Ok(&data), "{rtype} {text}");
    let generic = data.generic().to_string();
    assert_eq!(parse(rtype, &generic, &origin).as_ref(), Ok(&data), "{rtype} {generic}");
});
