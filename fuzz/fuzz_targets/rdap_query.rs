//! RDAP request paths and query strings through the query parser: never a panic, an error
//! status only among those RDAP answers with, and a name it accepts is a lower-case ASCII
//! name of at most 253 octets that parses to itself again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nameward_rdap::query::{self, Request};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (path, query_string) = match text.split_once('?') {
        Some((path, query_string)) => (path, Some(query_string)),
        None => (text, None),
    };
    match query::parse(path, query_string) {
        Ok(Request::Domain(name) | Request::Nameserver(name)) => {
            assert!(name.ldh.is_ascii() && name.ldh.len() <= 253, "{}", name.ldh);
            assert_eq!(name.ldh, name.ldh.to_ascii_lowercase());
            let again = query::name(&name.ldh, "again").map(|again| again.ldh);
            assert_eq!(again.as_deref(), Ok(name.ldh.as_str()));
        }
        Ok(_) => {}
        Err(error) => assert!([400, 404, 422, 501].contains(&error.status), "{error}"),
    }
});
