//! Property tests: `parse` never panics on arbitrary or mutated input, and generated commands
//! written with `Request::to_xml` parse back to themselves.

use std::net::IpAddr;

use nameward_epp::command::{
    Command, ContactCreate, DomainAddRem, DomainChange, DomainCreate, DomainRenew, DomainTransfer,
    DomainUpdate, HostAddRem, HostCreate, HostUpdate, Poll, Request, SecDnsCreate, SecDnsRem,
    SecDnsUpdate, parse,
};
use nameward_epp::types::{
    Address, AuthInfo, Change, ContactType, Disclose, DiscloseField, DnssecData, DomainContact,
    DsData, KeyData, Period, PeriodUnit, Phone, PostalInfo, PostalType, Secret, Status,
    StatusValue, TransferOp,
};
use proptest::prelude::*;
use proptest::sample::select;

use super::support::all_fixtures;

fn name() -> impl Strategy<Value = String> {
    "[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?(\\.[a-z]{2,6}){1,2}"
}

fn id() -> impl Strategy<Value = String> {
    "[A-Za-z0-9]{3,16}"
}

/// Any text XML can carry (no control characters), spaces kept as they are.
fn free_text(min: usize, max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[\\PC]{{{min},{max}}}")).unwrap()
}

fn token_text() -> impl Strategy<Value = String> {
    "[A-Za-z0-9]([A-Za-z0-9 ]{0,12}[A-Za-z0-9])?"
}

fn period() -> impl Strategy<Value = Period> {
    (1u8..=99, prop_oneof![Just(PeriodUnit::Year), Just(PeriodUnit::Month)])
        .prop_map(|(value, unit)| Period { value, unit })
}

fn auth() -> impl Strategy<Value = AuthInfo> {
    (free_text(0, 20), proptest::option::of("[A-Z0-9]{1,10}-[A-Z]{1,8}"))
        .prop_map(|(pw, roid)| AuthInfo { pw: Secret::new(pw), roid })
}

fn status(allowed: &'static [Status]) -> impl Strategy<Value = StatusValue> {
    (select(allowed), proptest::option::of(token_text())).prop_map(|(status, text)| StatusValue {
        status,
        lang: text.as_ref().map(|_| "en".to_owned()),
        text,
    })
}

const DOMAIN_STATUSES: &[Status] =
    &[Status::ClientHold, Status::ClientUpdateProhibited, Status::ClientTransferProhibited];
const HOST_STATUSES: &[Status] = &[Status::ClientDeleteProhibited, Status::ClientUpdateProhibited];

fn contact() -> impl Strategy<Value = DomainContact> {
    (select(ContactType::ALL), id()).prop_map(|(kind, id)| DomainContact { kind, id })
}

fn key() -> impl Strategy<Value = KeyData> {
    (any::<u16>(), any::<u8>(), any::<u8>(), proptest::collection::vec(any::<u8>(), 1..64))
        .prop_map(|(flags, protocol, alg, public_key)| KeyData { flags, protocol, alg, public_key })
}

fn ds() -> impl Strategy<Value = DsData> {
    (
        any::<u16>(),
        any::<u8>(),
        any::<u8>(),
        proptest::collection::vec(any::<u8>(), 1..48),
        proptest::option::of(key()),
    )
        .prop_map(|(key_tag, alg, digest_type, digest, key_data)| DsData {
            key_tag,
            alg,
            digest_type,
            digest,
            key_data,
        })
}

fn dnssec() -> impl Strategy<Value = DnssecData> {
    prop_oneof![
        proptest::collection::vec(ds(), 1..3).prop_map(DnssecData::Ds),
        proptest::collection::vec(key(), 1..3).prop_map(DnssecData::Key),
    ]
}

fn addr() -> impl Strategy<Value = IpAddr> {
    any::<IpAddr>()
}

fn domain_create() -> impl Strategy<Value = Command> {
    (
        name(),
        period(),
        proptest::collection::vec(name(), 0..4),
        proptest::option::of(id()),
        proptest::collection::vec(contact(), 0..3),
        auth(),
        proptest::option::of((proptest::option::of(1u32..=i32::MAX as u32), dnssec())),
    )
        .prop_map(|(name, period, ns, registrant, contacts, auth_info, sec)| {
            Command::DomainCreate(DomainCreate {
                name,
                period,
                ns,
                registrant,
                contacts,
                auth_info,
                sec_dns: sec.map(|(max_sig_life, data)| SecDnsCreate { max_sig_life, data }),
            })
        })
}

fn domain_add_rem() -> impl Strategy<Value = DomainAddRem> {
    (
        proptest::collection::vec(name(), 0..3),
        proptest::collection::vec(contact(), 0..2),
        proptest::collection::vec(status(DOMAIN_STATUSES), 0..3),
    )
        .prop_map(|(ns, contacts, statuses)| DomainAddRem { ns, contacts, statuses })
}

fn change<T: std::fmt::Debug + Clone>(
    value: impl Strategy<Value = T>,
) -> impl Strategy<Value = Option<Change<T>>> {
    proptest::option::of(prop_oneof![value.prop_map(Change::Set), Just(Change::Clear)])
}

fn domain_update() -> impl Strategy<Value = Command> {
    let sec = (
        any::<bool>(),
        proptest::option::of(prop_oneof![Just(SecDnsRem::All), dnssec().prop_map(SecDnsRem::Data)]),
        proptest::option::of(dnssec()),
        proptest::option::of(1u32..1_000_000),
    )
        .prop_map(|(urgent, rem, add, max_sig_life)| SecDnsUpdate {
            urgent,
            rem,
            add,
            max_sig_life,
        });
    (
        name(),
        domain_add_rem(),
        domain_add_rem(),
        change(id()),
        change(free_text(1, 20).prop_map(Secret::new)),
        proptest::option::of(sec),
    )
        .prop_map(|(name, add, rem, registrant, auth_info, sec_dns)| {
            Command::DomainUpdate(DomainUpdate {
                name,
                add,
                rem,
                chg: DomainChange { registrant, auth_info },
                sec_dns,
                restore: None,
            })
        })
}

fn host_add_rem() -> impl Strategy<Value = HostAddRem> {
    (
        proptest::collection::vec(addr(), 0..3),
        proptest::collection::vec(status(HOST_STATUSES), 0..2),
    )
        .prop_map(|(addrs, statuses)| HostAddRem { addrs, statuses })
}

fn postal() -> impl Strategy<Value = PostalInfo> {
    let ascii = "[ -~]{1,20}";
    (
        ascii,
        proptest::option::of(free_text(0, 20)),
        proptest::collection::vec(free_text(0, 20), 0..=3),
        free_text(1, 20),
        proptest::option::of(free_text(0, 10)),
        proptest::option::of("[A-Z0-9]{1,10}"),
        "[A-Z]{2}",
    )
        .prop_map(|(name, org, street, city, sp, pc, cc)| PostalInfo {
            kind: PostalType::Loc,
            name,
            org,
            addr: Address { street, city, sp, pc, cc },
        })
}

fn phone() -> impl Strategy<Value = Phone> {
    ("\\+[0-9]{1,3}\\.[0-9]{1,12}", proptest::option::of("[0-9]{1,5}"))
        .prop_map(|(number, ext)| Phone { number, ext })
}

fn contact_create() -> impl Strategy<Value = Command> {
    (
        id(),
        postal(),
        proptest::option::of(phone()),
        proptest::option::of(phone()),
        "[a-z]{1,10}@[a-z]{1,10}\\.[a-z]{2,4}",
        free_text(0, 16),
        proptest::option::of((any::<bool>(), proptest::collection::btree_set(0usize..6, 0..6))),
    )
        .prop_map(|(id, postal, voice, fax, email, pw, disclose)| {
            let fields = [
                DiscloseField::Name(PostalType::Loc),
                DiscloseField::Org(PostalType::Int),
                DiscloseField::Addr(PostalType::Loc),
                DiscloseField::Voice,
                DiscloseField::Fax,
                DiscloseField::Email,
            ];
            Command::ContactCreate(ContactCreate {
                id,
                postal_info: vec![postal],
                voice,
                fax,
                email,
                auth_info: AuthInfo { pw: Secret::new(pw), roid: None },
                disclose: disclose.map(|(flag, chosen)| Disclose {
                    flag,
                    fields: chosen.into_iter().filter_map(|i| fields.get(i).copied()).collect(),
                }),
            })
        })
}

fn command() -> impl Strategy<Value = Command> {
    prop_oneof![
        proptest::collection::vec(name(), 1..5).prop_map(Command::DomainCheck),
        proptest::collection::vec(id(), 1..5).prop_map(Command::ContactCheck),
        domain_create(),
        domain_update(),
        (name(), 1970i32..9999, 1u8..=12, 1u8..=28, period()).prop_map(
            |(name, y, m, d, period)| {
                let month = time::Month::try_from(m).unwrap();
                Command::DomainRenew(DomainRenew {
                    name,
                    cur_exp_date: time::Date::from_calendar_date(y, month, d).unwrap(),
                    period,
                })
            }
        ),
        (
            select(TransferOp::ALL),
            name(),
            proptest::option::of(period()),
            proptest::option::of(auth())
        )
            .prop_map(|(op, name, period, auth_info)| {
                Command::DomainTransfer(DomainTransfer { op, name, period, auth_info })
            }),
        (name(), proptest::collection::vec(addr(), 0..4))
            .prop_map(|(name, addrs)| Command::HostCreate(HostCreate { name, addrs })),
        (name(), host_add_rem(), host_add_rem(), proptest::option::of(name())).prop_map(
            |(name, add, rem, new_name)| Command::HostUpdate(HostUpdate {
                name,
                add,
                rem,
                new_name
            })
        ),
        contact_create(),
        "[0-9A-Za-z]{1,20}".prop_map(|msg_id| Command::Poll(Poll::Ack { msg_id })),
        Just(Command::Poll(Poll::Request)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = parse(&bytes);
    }

    #[test]
    fn mutated_commands_never_panic(
        index in any::<proptest::sample::Index>(),
        edits in proptest::collection::vec((any::<proptest::sample::Index>(), any::<u8>(), 0u8..3), 1..8),
    ) {
        let fixtures = all_fixtures();
        let (_, original) = index.get(&fixtures);
        let mut doc = original.clone();
        for (at, byte, kind) in edits {
            if doc.is_empty() {
                break;
            }
            let at = at.index(doc.len());
            match kind {
                0 => doc[at] = byte,
                1 => doc.insert(at, byte),
                _ => {
                    doc.remove(at);
                }
            }
        }
        if let Err(e) = parse(&doc) {
            prop_assert!(!e.message.is_empty());
        }
    }

    #[test]
    fn generated_commands_round_trip(command in command(), cl_trid in proptest::option::of("[A-Za-z0-9-]{3,64}")) {
        let request = Request { cl_trid, command };
        let xml = request.to_xml();
        let parsed = parse(&xml).map_err(|e| {
            TestCaseError::fail(format!("{e}\n{}", String::from_utf8_lossy(&xml)))
        })?;
        prop_assert_eq!(parsed, request);
    }
}
