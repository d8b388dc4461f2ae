//! The EPP command parser on arbitrary bytes: never a panic, every refusal carries a message,
//! and whatever parses must write out as XML that parses to the same request.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nameward_epp::command::parse;

fuzz_target!(|data: &[u8]| {
    match parse(data) {
        Ok(request) => {
            let again = request.to_xml();
            assert_eq!(parse(&again).as_ref(), Ok(&request));
        }
        Err(error) => assert!(!error.message.is_empty()),
    }
});
