//! Property tests: IXFR over random version histories rebuilds the newest version, and no
//! input makes the transfer entry points panic.

use std::sync::Arc;

use proptest::prelude::*;

use super::tests_support::{apply_ixfr, config_any, ixfr_query, sorted_text};
use super::*;
use crate::{Transport, Zone, Zones};

fn version(serial: u32, hosts: &[(u8, u8)]) -> Arc<Zone> {
    let mut text =
        format!("$TTL 60\n@ SOA ns hostmaster {serial} 1 1 1 1\n@ NS ns\nns A 192.0.2.1\n");
    for (host, last) in hosts {
        text.push_str(&format!("h{} A 198.51.100.{last}\n", host % 12));
    }
    Arc::new(
        Zone::from_text(&nameward_dns::Name::parse("example.", None).unwrap(), "p", &text).unwrap(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn ixfr_from_any_kept_version_rebuilds_the_newest(
        history in proptest::collection::vec(proptest::collection::vec((0u8..24, 0u8..4), 0..10), 2..6),
        depth in 1usize..6,
    ) {
        let versions: Vec<Arc<Zone>> =
            history.iter().enumerate().map(|(i, hosts)| version(i as u32 + 1, hosts)).collect();
        let mut journals = Journals::new(JournalLimits { max_versions: depth, max_bytes: 1 << 20 });
        for pair in versions.windows(2) {
            journals.update(&pair[0], &pair[1]);
        }
        let newest = versions.last().unwrap();
        let mut zones = Zones::new();
        zones.insert(Arc::clone(newest));
        for (i, old) in versions.iter().enumerate() {
            let query = ixfr_query(i as u32 + 1);
            let message = crate::Incoming::parse(&query).unwrap();
            let request = Request { message: &message, client: "127.0.0.1".parse().unwrap(), transport: Transport::Tcp, now: 0 };
            let stream = respond_transfer(&zones, &journals, &config_any(), &request);
            let kind = stream.summary().kind;
            let answers: Vec<nameward_dns::Record> = stream
                .flat_map(|m| nameward_dns::Message::decode(&m, nameward_dns::wire::DecodeOptions::STRICT).unwrap().answers)
                .collect();
            let rebuilt = match kind {
                TransferKind::Incremental => apply_ixfr(old.records().collect(), &answers),
                TransferKind::Full => answers[1..answers.len() - 1].to_vec(),
                TransferKind::SoaOnly => old.records().collect(),
                TransferKind::Error => panic!("error answer"),
            };
            // Versions inside the journal's depth are answered incrementally.
            let kept = versions.len() - 1 - i <= depth && i + 1 < versions.len();
            prop_assert!(!kept || kind == TransferKind::Incremental, "version {} got {kind:?}", i + 1);
            prop_assert_eq!(sorted_text(rebuilt), sorted_text(newest.records().collect()));
        }
    }

    #[test]
    fn arbitrary_messages_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300), udp in any::<bool>()) {
        let zones = {
            let mut z = Zones::new();
            z.insert(version(1, &[(1, 1)]));
            z
        };
        let transport = if udp { Transport::Udp } else { Transport::Tcp };
        let _ = tsig::split(&bytes);
        let Some(message) = crate::Incoming::parse(&bytes) else { return Ok(()) };
        let _ = (message.route(), message.qtype(), message.qname_wire(), message.is_signed());
        let request = Request { message: &message, client: "127.0.0.1".parse().unwrap(), transport, now: 0 };
        let _ = respond_transfer(&zones, &Journals::default(), &config_any(), &request).count();
        let _ = respond_notify(&zones, &config_any(), &request);
        let _ = respond_signed(&zones, &config_any(), &request);
    }
}
