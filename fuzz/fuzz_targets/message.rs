//! The message decoder, strict and lenient, on arbitrary bytes: never a panic, and whatever
//! decodes must encode to a message that decodes to the same thing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nameward_dns::Message;
use nameward_dns::wire::DecodeOptions;

fuzz_target!(|data: &[u8]| {
    for options in [DecodeOptions::STRICT, DecodeOptions::LENIENT] {
        if let Ok(message) = Message::decode(data, options) {
            let again = message.encode();
            assert_eq!(Message::decode(&again, DecodeOptions::LENIENT).as_ref(), Ok(&message));
        }
    }
});
