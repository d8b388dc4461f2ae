//! Any HIP record, however malformed, gets a verdict and findings without panicking.

use nameward_dns::rdata::hip::Hip;
use nameward_hip::{HitMatch, check_hip, orchid_v2, verify_hit};
use proptest::prelude::*;

fn records() -> impl Strategy<Value = Hip> {
    (
        prop_oneof![Just(1u8), Just(2), Just(3), Just(4), any::<u8>()],
        prop::collection::vec(any::<u8>(), 0..40),
        prop_oneof![
            prop::collection::vec(any::<u8>(), 0..300),
            prop::sample::select(vec![32usize, 40, 57, 64, 96])
                .prop_flat_map(|len| prop::collection::vec(any::<u8>(), len)),
        ],
    )
        .prop_map(|(algorithm, hit, public_key)| Hip {
            algorithm,
            hit,
            public_key,
            rendezvous_servers: Vec::new(),
        })
}

proptest! {
    #[test]
    fn every_record_gets_a_verdict(hip in records(), strict in any::<bool>()) {
        let verdict = verify_hit(&hip);
        let findings = check_hip(&hip, strict);
        let matched = matches!(verdict, HitMatch::V1 | HitMatch::V2);
        prop_assert_eq!(matched, findings.is_empty());
        prop_assert_eq!(hip.hit.len() != 16, findings.iter().any(|f| f.1.contains("not 16")));
    }

    #[test]
    fn the_v2_hit_always_matches(mut hip in records()) {
        if let Ok(v2) = orchid_v2(hip.algorithm, &hip.public_key) {
            hip.hit = v2.to_vec();
            prop_assert!(matches!(verify_hit(&hip), HitMatch::V1 | HitMatch::V2));
        }
    }
}
