//! Escrow deposits on arbitrary bytes: never a panic, and with limits small enough that a
//! hostile archive cannot exhaust memory. The key is fixed so that seeds built with it (see
//! fuzz/seeds/escrow_deposit) reach the CSV and zone decoders; whatever reads must account for
//! every row the manifest lists.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nameward_escrow::{Deposit, Limits, SigningKey};

fuzz_target!(|data: &[u8]| {
    let key = SigningKey::from_bytes(&[42; 32]).verifying_key();
    let limits = Limits {
        max_archive_bytes: 1 << 20,
        max_unpacked_bytes: 4 << 20,
        max_file_bytes: 2 << 20,
        max_entries: 256,
        ..Limits::default()
    };
    if let Ok(deposit) = Deposit::read(data, &key, &limits) {
        let rows = |file: &str| deposit.manifest.files.get(file).map(|entry| entry.rows);
        assert_eq!(rows("domains.csv"), u64::try_from(deposit.domains.len()).ok());
        assert_eq!(rows("customers.csv"), u64::try_from(deposit.customers.len()).ok());
    }
});
