//! The CDS check against child zones signed by nameward's signer, answered from memory.

use std::ops::ControlFlow;

use proptest::prelude::*;

use super::*;
use crate::dnssec::{Denial, PrivateKey, SignOptions, SigningKey, cdnskey, cds, sign_zone};
use crate::message::Header;
use crate::record::Record;
use crate::store::testing::zone;

const NOW: u32 = 1_750_000_000;

fn name(text: &str) -> Name {
    Name::parse(text, None).unwrap()
}

fn key(seed: u8, flags: u16) -> SigningKey {
    SigningKey::new(&PrivateKey::ed25519_from_seed([seed; 32]).unwrap(), flags).unwrap()
}

fn child() -> Name {
    name("child.example.")
}

fn ds_of(key: &SigningKey) -> Ds {
    ds(&child(), key.dnskey(), DigestType::Sha256)
}

/// The child zone signed with `keys`, its apex carrying a CDS and a CDNSKEY for each of
/// `wanted` (or the delete signal when `wanted` is empty and `delete`).
fn signed(keys: &[SigningKey], wanted: &[&SigningKey], delete: bool) -> Vec<Record> {
    let mut text = "@ 3600 IN SOA ns1 host 1 1800 900 1209600 300\n@ 3600 IN NS ns1\n\
                    ns1 3600 IN A 192.0.2.1\n"
        .to_owned();
    for key in wanted {
        let cds = cds(&child(), key.dnskey(), DigestType::Sha256);
        let digest: String = cds.digest.iter().map(|b| format!("{b:02x}")).collect();
        text.push_str(&format!(
            "@ 3600 IN CDS {} {} {} {digest}\n",
            cds.key_tag, cds.algorithm, cds.digest_type
        ));
        let record = Record {
            owner: child(),
            class: crate::rtype::Class::IN,
            ttl: 3600,
            data: RecordData::Cdnskey(cdnskey(key.dnskey())),
        };
        text.push_str(&format!("{record}\n"));
    }
    if delete {
        text.push_str("@ 3600 IN CDS 0 0 0 00\n@ 3600 IN CDNSKEY 0 3 0 AA==\n");
    }
    let store = zone("child.example.", &text);
    let options = SignOptions {
        inception: NOW - 3600,
        expiration: NOW + 86_400,
        denial: Denial::Nsec,
        threads: 1,
    };
    let mut out = Vec::new();
    sign_zone(&store, keys, &options, &mut |r| {
        out.push(r);
        ControlFlow::Continue(())
    })
    .unwrap();
    out
}

/// A server's answers from the signed records: each apex RRset with its signatures.
fn answers(records: &[Record]) -> ChildAnswers {
    let response = |rtype: Rtype| {
        let answers = records
            .iter()
            .filter(|r| r.owner == child())
            .filter(|r| {
                r.rtype() == rtype
                    || matches!(&r.data, RecordData::Rrsig(sig) if sig.type_covered == rtype)
            })
            .cloned()
            .collect();
        Message { header: Header::default(), answers, ..Message::default() }
    };
    ChildAnswers {
        dnskey: response(Rtype::DNSKEY),
        cds: response(Rtype::CDS),
        cdnskey: response(Rtype::CDNSKEY),
    }
}

#[test]
fn a_new_ksk_named_by_cds_and_signed_by_the_current_one_replaces_the_ds() {
    let (old, new, zsk) = (key(1, 257), key(2, 257), key(3, 256));
    let zone = signed(&[old.clone(), new.clone(), zsk.clone()], &[&old, &new], false);
    let current = [ds_of(&old)];
    let decision = check_cds(&child(), &current, &[answers(&zone), answers(&zone)], NOW);
    let mut both = vec![ds_of(&old), ds_of(&new)];
    both.sort_by(in_order);
    assert_eq!(decision, Ok(CdsDecision::Replace(both)));

    // The new key alone, once the parent serves both.
    let zone = signed(&[old.clone(), new.clone(), zsk.clone()], &[&new], false);
    let decision = check_cds(&child(), &[ds_of(&old), ds_of(&new)], &[answers(&zone)], NOW);
    assert_eq!(decision, Ok(CdsDecision::Replace(vec![ds_of(&new)])));

    // Nothing to change: the CDS says what the parent serves, or there is no CDS.
    let decision = check_cds(&child(), &[ds_of(&new)], &[answers(&zone)], NOW);
    assert_eq!(decision, Ok(CdsDecision::Unchanged));
    let plain = signed(&[old.clone(), zsk.clone()], &[], false);
    assert_eq!(check_cds(&child(), &current, &[answers(&plain)], NOW), Ok(CdsDecision::Unchanged));
}

#[test]
fn cds_signed_by_a_key_the_ds_does_not_name_is_refused() {
    let (old, new, zsk) = (key(1, 257), key(2, 257), key(3, 256));
    let good = signed(&[old.clone(), zsk.clone()], &[&new], false);
    // The same CDS RRset signed by the ZSK alone (as a stolen ZSK would sign it).
    let by_zsk = signed(std::slice::from_ref(&zsk), &[&new], false);
    let mut forged: Vec<Record> = good
        .iter()
        .filter(|r| !matches!(&r.data, RecordData::Rrsig(s) if s.type_covered == Rtype::CDS))
        .cloned()
        .collect();
    forged.extend(
        by_zsk
            .iter()
            .filter(|r| matches!(&r.data, RecordData::Rrsig(s) if s.type_covered == Rtype::CDS))
            .cloned(),
    );
    let refused = check_cds(&child(), &[ds_of(&old)], &[answers(&forged)], NOW);
    assert!(matches!(refused, Err(CdsRefusal::NotSigned(_, Rtype::CDS, _))), "{refused:?}");
}

#[test]
fn what_would_break_or_cannot_be_trusted_is_refused() {
    let (old, new, zsk, stranger) = (key(1, 257), key(2, 257), key(3, 256), key(4, 257));
    let current = [ds_of(&old)];
    // A CDS naming a key the DNSKEY RRset does not hold.
    let zone = signed(&[old.clone(), zsk.clone()], &[&new], false);
    let refused = check_cds(&child(), &current, &[answers(&zone)], NOW);
    assert!(matches!(refused, Err(CdsRefusal::BreaksChain(..))), "{refused:?}");
    // A DNSKEY RRset the current DS does not trust.
    let zone = signed(&[stranger.clone(), zsk.clone()], &[&stranger], false);
    let refused = check_cds(&child(), &current, &[answers(&zone)], NOW);
    assert!(matches!(refused, Err(CdsRefusal::KeysNotTrusted(..))), "{refused:?}");
    // Servers that disagree.
    let one = signed(&[old.clone(), new.clone(), zsk.clone()], &[&old, &new], false);
    let two = signed(&[old.clone(), new.clone(), zsk.clone()], &[&new], false);
    let refused = check_cds(&child(), &current, &[answers(&one), answers(&two)], NOW);
    assert_eq!(refused, Err(CdsRefusal::Inconsistent(child(), Rtype::CDS)));
    // Signatures not valid at the time of the check.
    let zone = signed(&[old.clone(), new.clone(), zsk.clone()], &[&new], false);
    let refused = check_cds(&child(), &current, &[answers(&zone)], NOW + 2 * 86_400);
    assert!(matches!(refused, Err(CdsRefusal::KeysNotTrusted(..))), "{refused:?}");
    // A child with no DS is not bootstrapped here, and no answers decide nothing.
    assert_eq!(
        check_cds(&child(), &[], &[answers(&zone)], NOW),
        Err(CdsRefusal::NotSecure(child()))
    );
    assert_eq!(check_cds(&child(), &current, &[], NOW), Err(CdsRefusal::NoAnswers(child())));
}

#[test]
fn the_delete_signal_removes_the_ds() {
    let (old, zsk) = (key(1, 257), key(3, 256));
    let zone = signed(&[old.clone(), zsk.clone()], &[], true);
    assert_eq!(
        check_cds(&child(), &[ds_of(&old)], &[answers(&zone)], NOW),
        Ok(CdsDecision::Remove)
    );
}

proptest! {
    /// Whatever part of the child's answers is lost or mangled, the check never panics and
    /// never takes a DS set other than the one the child signed; untouched, it takes that.
    #[test]
    fn any_answers_end_in_a_decision_or_a_refusal(
        keep in proptest::collection::vec(any::<bool>(), 24),
        flip in 0usize..64,
        servers in 1usize..3,
    ) {
        let (old, new, zsk) = (key(1, 257), key(2, 257), key(3, 256));
        let zone = signed(&[old.clone(), new.clone(), zsk.clone()], &[&old, &new], false);
        let mut records: Vec<Record> = zone
            .iter()
            .enumerate()
            .filter(|(i, _)| keep.get(*i).copied().unwrap_or(true))
            .map(|(_, r)| r.clone())
            .collect();
        let mut flipped = false;
        if let Some(RecordData::Rrsig(sig)) = records.get_mut(flip % 24).map(|r| &mut r.data)
            && let Some(byte) = sig.signature.first_mut()
        {
            *byte ^= 1;
            flipped = true;
        }
        let given: Vec<ChildAnswers> = (0..servers).map(|_| answers(&records)).collect();
        let mut signed_set = vec![ds_of(&old), ds_of(&new)];
        signed_set.sort_by(in_order);
        match check_cds(&child(), &[ds_of(&old)], &given, NOW) {
            Ok(CdsDecision::Replace(set)) => prop_assert_eq!(set, signed_set),
            other => prop_assert!(
                flipped || records.len() < zone.len(),
                "intact answers refused: {other:?}"
            ),
        }
    }
}
