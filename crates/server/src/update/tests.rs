//! The RFC 2136 decision, record by record: each check of §3.2 and §3.4 with the code it
//! gives, and a property test of random updates against a model of the zone.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use nameward_dns::check::CheckOptions;
use nameward_dns::message::{opcode, rcode};
use nameward_dns::{Class, Header, Message, Name, Question, Record, RecordData, Rtype};
use proptest::prelude::*;

use super::*;
use crate::Zone;

const ZONE: &str = "$TTL 300
@ IN SOA ns1 hostmaster 10 3600 900 604800 300
@ IN NS ns1
@ IN NS ns2
ns1 IN A 192.0.2.1
ns2 IN A 192.0.2.2
www IN A 192.0.2.80
www IN A 192.0.2.81
www IN TXT \"hello\"
alias IN CNAME www
";

fn name(text: &str) -> Name {
    Name::parse(text, Some(&Name::parse("example.", None).unwrap())).unwrap()
}

fn zone() -> Zone {
    Zone::from_text(&name("@"), "test", ZONE).unwrap()
}

/// `owner ttl class type [rdata]`, the way nsupdate spells a record.
fn rr(text: &str) -> Record {
    let mut words = text.split_whitespace();
    let owner = name(words.next().unwrap());
    let ttl = words.next().unwrap().parse().unwrap();
    let class = match words.next().unwrap() {
        "IN" => Class::IN,
        "ANY" => Class::ANY,
        "NONE" => Class::NONE,
        "CH" => Class::CH,
        other => panic!("{other}"),
    };
    let rtype = Rtype::from_text(words.next().unwrap().as_bytes()).unwrap();
    let rest: Vec<&str> = words.collect();
    let data = if rest.is_empty() {
        RecordData::Empty(rtype)
    } else {
        let text = rest.join(" ");
        let tokens = nameward_dns::zone::tokenize_rdata(text.as_bytes());
        let origin = name("@");
        let mut tokens = nameward_dns::text::Tokens::new(&tokens, Some(&origin));
        RecordData::parse_text(rtype, &mut tokens).unwrap()
    };
    Record { owner, class, ttl, data }
}

/// The update message as a server receives it: encoded and decoded again.
fn update(prerequisites: &[&str], updates: &[&str]) -> Message {
    let message = Message {
        header: Header { id: 7, opcode: opcode::UPDATE, ..Header::default() },
        questions: vec![Question { name: name("@"), qtype: Rtype::SOA, qclass: Class::IN }],
        answers: prerequisites.iter().map(|t| rr(t)).collect(),
        authority: updates.iter().map(|t| rr(t)).collect(),
        ..Message::default()
    };
    let options = nameward_dns::wire::DecodeOptions {
        update: true,
        ..nameward_dns::wire::DecodeOptions::STRICT
    };
    Message::decode(&message.encode(), options).unwrap()
}

fn policy(rules: &str) -> Policy {
    #[derive(serde::Deserialize)]
    struct Rules {
        update: Vec<RuleConfig>,
    }
    let rules: Rules = toml::from_str(rules).unwrap();
    Policy::from_config(&name("@"), &rules.update).unwrap()
}

fn admin() -> (Policy, Signer) {
    let rules = "[[update]]\nkey = \"admin.\"\nmatch = \"subdomain\"\ntypes = [\"ANY\"]";
    (policy(rules), Signer::Tsig(Name::parse("admin.", None).unwrap()))
}

/// The decision and, when it changed anything, the zone it makes.
fn run(zone: &Arc<Zone>, message: &Message) -> (Decision, Option<Zone>) {
    let (policy, signer) = admin();
    let decision = process(&**zone, &policy, &signer, message);
    let next = decision.diff.as_ref().map(|d| d.apply_to(zone, &CheckOptions::default()).unwrap());
    (decision, next)
}

fn code(prerequisites: &[&str], updates: &[&str]) -> u16 {
    run(&Arc::new(zone()), &update(prerequisites, updates)).0.rcode
}

fn lines_at(zone: &Zone, owner: &str) -> Vec<String> {
    zone.records_at(&name(owner)).iter().map(|r| r.to_string()).collect()
}

#[test]
fn prerequisites_give_the_rfc_codes() {
    // §3.2.1: name in use, RRset exists.
    assert_eq!(code(&["www 0 ANY ANY"], &[]), rcode::NOERROR);
    assert_eq!(code(&["nothere 0 ANY ANY"], &[]), rcode::NXDOMAIN);
    assert_eq!(code(&["www 0 ANY TXT"], &[]), rcode::NOERROR);
    assert_eq!(code(&["www 0 ANY MX"], &[]), rcode::NXRRSET);
    // §3.2.2: name not in use, RRset does not exist.
    assert_eq!(code(&["nothere 0 NONE ANY"], &[]), rcode::NOERROR);
    assert_eq!(code(&["www 0 NONE ANY"], &[]), rcode::YXDOMAIN);
    assert_eq!(code(&["www 0 NONE MX"], &[]), rcode::NOERROR);
    assert_eq!(code(&["www 0 NONE A"], &[]), rcode::YXRRSET);
    // §3.2.3: the RRset exactly, in any order and case, TTL aside.
    assert_eq!(code(&["www 0 IN A 192.0.2.81", "WWW 0 IN A 192.0.2.80"], &[]), rcode::NOERROR);
    assert_eq!(code(&["www 0 IN A 192.0.2.80"], &[]), rcode::NXRRSET);
    assert_eq!(code(&["alias 0 IN CNAME WWW"], &[]), rcode::NOERROR);
    // Malformed and out of the zone.
    assert_eq!(code(&["www 300 ANY ANY"], &[]), rcode::FORMERR);
    assert_eq!(code(&["www 0 ANY A 192.0.2.1"], &[]), rcode::FORMERR);
    assert_eq!(code(&["www 0 CH A"], &[]), rcode::FORMERR);
    assert_eq!(code(&["www.other. 0 ANY ANY"], &[]), rcode::NOTZONE);
    // The first failure in order wins; value-dependent ones are checked after all others.
    assert_eq!(code(&["www 0 IN A 192.0.2.1", "nothere 0 ANY ANY"], &[]), rcode::NXDOMAIN);
}

#[test]
fn the_zone_section_and_the_signer_come_first() {
    let zone = Arc::new(zone());
    let (policy, signer) = admin();
    let mut message = update(&[], &["new 300 IN A 192.0.2.9"]);
    message.questions[0].qtype = Rtype::A;
    assert_eq!(process(&*zone, &policy, &signer, &message).rcode, rcode::FORMERR);
    message.questions.push(message.questions[0].clone());
    assert_eq!(process(&*zone, &policy, &signer, &message).rcode, rcode::FORMERR);
    let mut message = update(&[], &["new 300 IN A 192.0.2.9"]);
    message.questions[0].name = name("sub");
    assert_eq!(process(&*zone, &policy, &signer, &message).rcode, rcode::NOTAUTH);
    let message = update(&["nothere 0 ANY ANY"], &["new 300 IN A 192.0.2.9"]);
    assert_eq!(process(&*zone, &policy, &Signer::Unsigned, &message).rcode, rcode::REFUSED);
    let other = Signer::Tsig(Name::parse("other.", None).unwrap());
    // A signed update is checked against its prerequisites before its grants.
    assert_eq!(process(&*zone, &policy, &other, &message).rcode, rcode::NXDOMAIN);
    let message = update(&[], &["new 300 IN A 192.0.2.9"]);
    assert_eq!(process(&*zone, &policy, &other, &message).rcode, rcode::REFUSED);
    assert_eq!(process(&*zone, &Policy::default(), &signer, &message).rcode, rcode::REFUSED);
}

#[test]
fn the_prescan_refuses_bad_records_before_changing_anything() {
    assert_eq!(
        code(&[], &["new 300 IN A 192.0.2.9", "x.other. 300 IN A 192.0.2.9"]),
        rcode::NOTZONE
    );
    assert_eq!(code(&[], &["new 300 IN ANY"]), rcode::FORMERR);
    assert_eq!(code(&[], &["new 300 IN A"]), rcode::FORMERR);
    assert_eq!(code(&[], &["www 300 ANY A"]), rcode::FORMERR);
    assert_eq!(code(&[], &["www 0 ANY A 192.0.2.80"]), rcode::FORMERR);
    assert_eq!(code(&[], &["www 0 ANY AXFR"]), rcode::FORMERR);
    assert_eq!(code(&[], &["www 300 NONE A 192.0.2.80"]), rcode::FORMERR);
    assert_eq!(code(&[], &["www 0 NONE ANY"]), rcode::FORMERR);
    assert_eq!(code(&[], &["www 0 CH A"]), rcode::FORMERR);
    assert_eq!(code(&[], &["www 0 ANY RRSIG"]), rcode::REFUSED);
    assert_eq!(code(&[], &["www 0 ANY NSEC"]), rcode::REFUSED);
}

#[test]
fn additions_follow_section_3_4_2() {
    let zone = Arc::new(zone());
    // A new name; an existing RRset grows and takes the new TTL; a duplicate changes nothing.
    let (decision, next) = run(
        &zone,
        &update(
            &[],
            &["new 60 IN AAAA 2001:db8::1", "www 120 IN A 192.0.2.82", "www 120 IN A 192.0.2.80"],
        ),
    );
    assert_eq!(decision.rcode, rcode::NOERROR);
    let next = next.unwrap();
    assert_eq!(next.serial(), Some(11));
    assert_eq!(lines_at(&next, "new"), ["new.example. 60 IN AAAA 2001:db8::1"]);
    let www = lines_at(&next, "www");
    assert!(www.contains(&"www.example. 120 IN A 192.0.2.82".to_owned()), "{www:?}");
    assert!(www.contains(&"www.example. 120 IN A 192.0.2.80".to_owned()), "{www:?}");
    assert!(www.contains(&"www.example. 300 IN TXT \"hello\"".to_owned()), "{www:?}");
    // Nothing new: NOERROR and no new serial.
    let (decision, next) = run(&zone, &update(&[], &["www 300 IN A 192.0.2.80"]));
    assert_eq!((decision.rcode, next.is_none()), (rcode::NOERROR, true));
    // CNAME and other data do not mix: the addition is ignored.
    let (decision, next) = run(&zone, &update(&[], &["alias 300 IN A 192.0.2.1"]));
    assert_eq!((decision.rcode, next.is_none()), (rcode::NOERROR, true));
    let (_, next) = run(&zone, &update(&[], &["www 300 IN CNAME elsewhere.test."]));
    assert!(next.is_none());
    // A CNAME replaces the CNAME.
    let (_, next) = run(&zone, &update(&[], &["alias 300 IN CNAME ns1"]));
    assert_eq!(lines_at(&next.unwrap(), "alias"), ["alias.example. 300 IN CNAME ns1.example."]);
}

#[test]
fn the_soa_moves_only_forward_and_the_serial_always_does() {
    let zone = Arc::new(zone());
    let soa = |serial: u32| format!("@ 300 IN SOA ns1 hostmaster {serial} 3600 900 604800 60");
    // A lower serial is ignored.
    let (decision, next) = run(&zone, &update(&[], &[&soa(9)]));
    assert_eq!((decision.rcode, next.is_none()), (rcode::NOERROR, true));
    // A higher one is taken as it is.
    let (_, next) = run(&zone, &update(&[], &[&soa(500)]));
    assert_eq!(next.unwrap().serial(), Some(500));
    // The same serial with other fields changed: the fields are taken, the serial moves on.
    let (_, next) = run(&zone, &update(&[], &[&soa(10)]));
    let next = next.unwrap();
    assert_eq!(next.serial(), Some(11));
    assert!(next.soa().unwrap().to_string().ends_with("604800 60"));
    // SOA at a name other than the apex, and SOA deletions, are ignored.
    let (_, next) = run(&zone, &update(&[], &["www 300 IN SOA ns1 hostmaster 99 1 1 1 1"]));
    assert!(next.is_none());
    let (_, next) = run(
        &zone,
        &update(&[], &["@ 0 ANY SOA", "@ 0 NONE SOA ns1 hostmaster 10 3600 900 604800 300"]),
    );
    assert!(next.is_none());
}

#[test]
fn deletions_follow_section_3_4_2_and_keep_the_apex() {
    let zone = Arc::new(zone());
    // An RRset, a record, a name.
    let (_, next) = run(&zone, &update(&[], &["www 0 ANY A"]));
    assert_eq!(lines_at(&next.unwrap(), "www"), ["www.example. 300 IN TXT \"hello\""]);
    let (_, next) = run(&zone, &update(&[], &["www 0 NONE A 192.0.2.80"]));
    assert_eq!(lines_at(&next.unwrap(), "www").len(), 2);
    let (_, next) = run(&zone, &update(&[], &["www 0 ANY ANY"]));
    let next = next.unwrap();
    assert!(lines_at(&next, "www").is_empty());
    assert_eq!(next.serial(), Some(11));
    // Deleting what is not there changes nothing.
    let (decision, next) =
        run(&zone, &update(&[], &["nothere 0 ANY ANY", "www 0 NONE A 192.0.2.99"]));
    assert_eq!((decision.rcode, next.is_none()), (rcode::NOERROR, true));
    // At the apex: ANY ANY keeps SOA and NS, the NS RRset is never deleted whole, and the
    // last NS record stays.
    let (_, next) = run(&zone, &update(&[], &["@ 0 ANY ANY", "@ 0 ANY NS"]));
    assert!(next.is_none());
    let (_, next) =
        run(&zone, &update(&[], &["@ 0 NONE NS ns1.example.", "@ 0 NONE NS ns2.example."]));
    let next = next.unwrap();
    assert_eq!(lines_at(&next, "@").iter().filter(|l| l.contains(" NS ")).count(), 1);
    assert!(lines_at(&next, "@").iter().any(|l| l.ends_with("NS ns2.example.")));
}

#[test]
fn grants_cover_names_and_types() {
    let zone = Arc::new(zone());
    let rules = "[[update]]\nkey = \"host.\"\nmatch = \"subdomain\"\nname = \"hosts\"\ntypes = [\"A\", \"AAAA\"]";
    let policy = policy(rules);
    let host = Signer::Tsig(Name::parse("host.", None).unwrap());
    let decide = |updates: &[&str]| process(&*zone, &policy, &host, &update(&[], updates)).rcode;
    assert_eq!(decide(&["a.hosts 60 IN A 192.0.2.7"]), rcode::NOERROR);
    assert_eq!(decide(&["a.hosts 60 IN TXT x"]), rcode::REFUSED);
    assert_eq!(decide(&["www 0 ANY A"]), rcode::REFUSED);
    // One record not granted refuses the whole update.
    assert_eq!(decide(&["a.hosts 60 IN A 192.0.2.7", "www 60 IN A 192.0.2.7"]), rcode::REFUSED);
    // Deleting a name takes a grant for every type there.
    assert_eq!(decide(&["a.hosts 0 ANY ANY"]), rcode::NOERROR);
    let zone = Arc::new(run(&zone, &update(&[], &["a.hosts 60 IN TXT x"])).1.unwrap());
    let decision = process(&*zone, &policy, &host, &update(&[], &["a.hosts 0 ANY ANY"]));
    assert_eq!(decision.rcode, rcode::REFUSED);
}

#[test]
fn an_rrset_cannot_grow_without_bound() {
    let zone = Arc::new(zone());
    let many: Vec<String> = (0..=MAX_RECORDS_PER_RRSET)
        .map(|i| format!("big 60 IN A 10.0.{}.{}", i / 250, i % 250))
        .collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    let (decision, next) = run(&zone, &update(&[], &many));
    assert_eq!((decision.rcode, next.is_none()), (rcode::REFUSED, true));
    let (decision, _) = run(&zone, &update(&[], &many[..MAX_RECORDS_PER_RRSET]));
    assert_eq!(decision.rcode, rcode::NOERROR);
}

/// One operation of the property test, on a few names and values.
#[derive(Debug, Clone)]
enum Op {
    Add { name: usize, value: u8, ttl: u32 },
    AddTxt { name: usize, value: u8 },
    DeleteRrset { name: usize },
    DeleteName { name: usize },
    DeleteRecord { name: usize, value: u8 },
}

const NAMES: [&str; 3] = ["h0", "h1", "sub.h0"];

fn op() -> impl Strategy<Value = Op> {
    let name = 0..NAMES.len();
    prop_oneof![
        (name.clone(), 0u8..4, prop_oneof![Just(60u32), Just(120)])
            .prop_map(|(name, value, ttl)| Op::Add { name, value, ttl }),
        (name.clone(), 0u8..3).prop_map(|(name, value)| Op::AddTxt { name, value }),
        name.clone().prop_map(|name| Op::DeleteRrset { name }),
        name.clone().prop_map(|name| Op::DeleteName { name }),
        (name, 0u8..4).prop_map(|(name, value)| Op::DeleteRecord { name, value }),
    ]
}

fn op_record(op: &Op) -> String {
    match *op {
        Op::Add { name, value, ttl } => format!("{} {ttl} IN A 198.51.100.{value}", NAMES[name]),
        Op::AddTxt { name, value } => format!("{} 60 IN TXT t{value}", NAMES[name]),
        Op::DeleteRrset { name } => format!("{} 0 ANY A", NAMES[name]),
        Op::DeleteName { name } => format!("{} 0 ANY ANY", NAMES[name]),
        Op::DeleteRecord { name, value } => format!("{} 0 NONE A 198.51.100.{value}", NAMES[name]),
    }
}

/// The zone's records at the test names as (name, type) → (TTL, values), as the model keeps
/// them.
type Model = BTreeMap<(usize, &'static str), (u32, BTreeSet<u8>)>;

fn model_apply(model: &mut Model, op: &Op) {
    match *op {
        Op::Add { name, value, ttl } => {
            let set = model.entry((name, "A")).or_insert((ttl, BTreeSet::new()));
            set.0 = ttl;
            set.1.insert(value);
        }
        Op::AddTxt { name, value } => {
            let set = model.entry((name, "TXT")).or_insert((60, BTreeSet::new()));
            set.1.insert(value);
        }
        Op::DeleteRrset { name } => {
            model.remove(&(name, "A"));
        }
        Op::DeleteName { name } => model.retain(|(n, _), _| *n != name),
        Op::DeleteRecord { name, value } => {
            if let Some(set) = model.get_mut(&(name, "A")) {
                set.1.remove(&value);
                if set.1.is_empty() {
                    model.remove(&(name, "A"));
                }
            }
        }
    }
}

fn model_of(zone: &Zone) -> Model {
    let mut model = Model::new();
    for (i, owner) in NAMES.iter().enumerate() {
        for record in zone.records_at(&name(owner)) {
            let (rtype, value) = match &record.data {
                RecordData::A(a) => ("A", a.address.octets()[3]),
                RecordData::Txt(_) => {
                    ("TXT", record.data.to_string().trim_matches('"')[1..].parse().unwrap())
                }
                other => panic!("{other:?}"),
            };
            let set = model.entry((i, rtype)).or_insert((record.ttl, BTreeSet::new()));
            set.1.insert(value);
        }
    }
    model
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Any sequence of updates (several records each) leaves the zone as the model says,
    /// the serial one higher for each update that changed something, and every difference
    /// applies to the zone it was decided on.
    #[test]
    fn updates_match_a_model(updates in prop::collection::vec(prop::collection::vec(op(), 1..5), 1..8)) {
        let mut zone = Arc::new(zone());
        let mut model = Model::new();
        let mut serial = 10;
        for ops in &updates {
            let texts: Vec<String> = ops.iter().map(op_record).collect();
            let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
            let before = model.clone();
            for op in ops {
                model_apply(&mut model, op);
            }
            let (decision, next) = run(&zone, &update(&[], &texts));
            prop_assert_eq!(decision.rcode, rcode::NOERROR);
            if let Some(next) = next {
                serial += 1;
                zone = Arc::new(next);
            } else {
                prop_assert_eq!(&before, &model, "no change decided, the model changed");
            }
            prop_assert_eq!(zone.serial(), Some(serial));
            prop_assert_eq!(model_of(&zone), model.clone());
        }
    }

    /// Any message at all is decided without a panic, and a difference decided applies.
    #[test]
    fn any_message_is_decided(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let zone = Arc::new(zone());
        let (policy, signer) = admin();
        let options = nameward_dns::wire::DecodeOptions {
            update: true,
            ..nameward_dns::wire::DecodeOptions::STRICT
        };
        let mut message = update(&[], &[]).encode();
        message.extend_from_slice(&bytes);
        if let Ok(message) = Message::decode(&message, options) {
            let decision = process(&*zone, &policy, &signer, &message);
            if let Some(diff) = decision.diff {
                prop_assert!(diff.apply_to(&zone, &CheckOptions::default()).is_ok());
            }
        }
    }
}
