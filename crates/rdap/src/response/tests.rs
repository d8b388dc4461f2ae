use std::collections::BTreeSet;

use nameward_registry::model::{
    Contact, Domain, DsData, Host, PostalInfo, PostalKind, Registrar, RegistrarState, Stamps,
};
use nameward_registry::service::{DomainRecord, HostRecord, RegistrarRecord};
use proptest::prelude::*;
use time::macros::datetime;

use super::*;
use crate::config::RegistrarProfile;

const NOW: OffsetDateTime = datetime!(2026-06-01 00:00 UTC);

fn config() -> Config {
    let mut config = Config::new("https://rdap.nic.example/");
    config.desk_url = Some("https://desk.nic.example/".to_owned());
    config.registrars.insert(
        "alpha".to_owned(),
        RegistrarProfile {
            iana_id: Some("9990".to_owned()),
            abuse_email: Some("abuse@alpha.example".to_owned()),
            abuse_phone: Some("+1.5555550100".to_owned()),
            rdap_base_url: Some("https://rdap.alpha.example/".to_owned()),
        },
    );
    config
}

fn registrar(state: RegistrarState) -> RegistrarRecord {
    RegistrarRecord {
        registrar: Registrar {
            id: "alpha".to_owned(),
            name: "Alpha Registrar".to_owned(),
            state,
            password_hash: String::new(),
            cert_fingerprints: Vec::new(),
            email: None,
            successor: None,
            created_at: datetime!(2025-01-01 00:00 UTC),
        },
        failed_at: (state == RegistrarState::Failed).then_some(datetime!(2026-05-01 12:00 UTC)),
    }
}

/// Personal values, each a string that appears nowhere else.
#[derive(Debug, Clone)]
struct Personal {
    name: String,
    org: String,
    street: String,
    city: String,
    pc: String,
    voice: String,
    fax: String,
    email: String,
}

impl Personal {
    fn all(&self) -> [&str; 8] {
        [
            &self.name,
            &self.org,
            &self.street,
            &self.city,
            &self.pc,
            &self.voice,
            &self.fax,
            &self.email,
        ]
    }
}

fn person(id: &str, personal: &Personal) -> Contact {
    Contact {
        id: id.to_owned(),
        roid: format!("C{id}-EXAMPLE"),
        sponsor: "alpha".to_owned(),
        postal: vec![PostalInfo {
            kind: PostalKind::Int,
            name: personal.name.clone(),
            org: Some(personal.org.clone()),
            street: vec![personal.street.clone()],
            city: personal.city.clone(),
            sp: Some("MH".to_owned()),
            pc: Some(personal.pc.clone()),
            cc: "IN".to_owned(),
        }],
        voice: Some(personal.voice.clone()),
        voice_ext: Some("123".to_owned()),
        fax: Some(personal.fax.clone()),
        fax_ext: None,
        email: personal.email.clone(),
        auth: None,
        statuses: BTreeSet::new(),
        disclose: None,
        stamps: Stamps::new("alpha", datetime!(2026-01-01 00:00 UTC)),
    }
}

fn host(name: &str) -> Host {
    Host {
        name: name.to_owned(),
        roid: "H1-EXAMPLE".to_owned(),
        sponsor: "alpha".to_owned(),
        superordinate: None,
        addrs: vec!["192.0.2.1".parse().unwrap_or(std::net::IpAddr::from([0; 4]))],
        statuses: BTreeSet::new(),
        stamps: Stamps::new("alpha", datetime!(2026-01-01 00:00 UTC)),
    }
}

fn record(personal: &Personal, state: RegistrarState) -> DomainRecord {
    let domain = Domain {
        name: "xn--bcher-kva.example".to_owned(),
        roid: "D1-EXAMPLE".to_owned(),
        sponsor: "alpha".to_owned(),
        reseller: None,
        registrant: Some("reg".to_owned()),
        contacts: Vec::new(),
        ns: vec!["ns1.host.example".to_owned()],
        ds: vec![DsData { key_tag: 12345, alg: 13, digest_type: 2, digest: "AB".repeat(32) }],
        max_sig_life: None,
        statuses: BTreeSet::new(),
        stamps: Stamps::new("alpha", datetime!(2026-01-01 00:00 UTC)),
        expires_at: datetime!(2027-01-01 00:00 UTC),
        transferred_at: None,
        auth: None,
        grace: Vec::new(),
        deletion: None,
        transfer: None,
    };
    DomainRecord {
        domain,
        nameservers: vec![host("ns1.host.example")],
        sponsor: Some(registrar(state)),
        registrant: Some(person("reg", personal)),
        tech: vec![person("tech", personal)],
    }
}

fn fixed() -> Personal {
    Personal {
        name: "Asha Kulkarni".to_owned(),
        org: "Kulkarni Traders".to_owned(),
        street: "12 Tilak Road".to_owned(),
        city: "Pune".to_owned(),
        pc: "411002".to_owned(),
        voice: "+91.2025550100".to_owned(),
        fax: "+91.2025550199".to_owned(),
        email: "asha@kulkarni.example".to_owned(),
    }
}

#[test]
fn a_domain_answers_with_the_profile_members() {
    let config = config();
    let ctx = Context {
        config: &config,
        request_url: "https://rdap.nic.example/domain/bücher.example",
        now: NOW,
    };
    let mut body = domain(&ctx, &record(&fixed(), RegistrarState::Active));
    stamp(&mut body, NOW);
    assert_eq!(body["objectClassName"], "domain");
    assert_eq!(body["ldhName"], "xn--bcher-kva.example");
    assert_eq!(body["unicodeName"], "bücher.example");
    assert_eq!(body["handle"], "D1-EXAMPLE");
    assert_eq!(body["status"], json!(["active"]));
    assert_eq!(body["secureDNS"]["delegationSigned"], true);
    assert_eq!(body["secureDNS"]["dsData"][0]["keyTag"], 12345);
    let actions: Vec<&str> = body["events"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["eventAction"].as_str())
        .collect();
    assert_eq!(actions, ["registration", "expiration", LAST_UPDATE]);
    let registrar = &body["entities"][0];
    assert_eq!(registrar["handle"], "9990");
    assert_eq!(registrar["publicIds"][0]["identifier"], "9990");
    assert_eq!(registrar["entities"][0]["roles"][0], "abuse");
    assert_eq!(registrar["links"][1]["value"], "https://rdap.alpha.example/");
    assert_eq!(body["links"][1]["href"], "https://rdap.alpha.example/domain/xn--bcher-kva.example");
    let titles: Vec<&str> = body["notices"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n["title"].as_str())
        .collect();
    assert_eq!(titles, ["Terms of Use", "Status Codes", "RDDS Inaccuracy Complaint Form"]);
    assert_eq!(
        body["notices"][2]["description"][0],
        "URL of the ICANN RDDS Inaccuracy Complaint Form: https://icann.org/wicf"
    );
    assert_eq!(body["rdapConformance"][3], "redacted");
    assert!(body.get("remarks").is_none(), "an active sponsor has no continuity remark");
}

#[test]
fn a_failed_sponsor_is_in_plain_view() {
    let config = config();
    let ctx =
        Context { config: &config, request_url: "https://rdap.nic.example/domain/x", now: NOW };
    let body = domain(&ctx, &record(&fixed(), RegistrarState::Failed));
    let remark = &body["remarks"][0];
    assert_eq!(remark["title"], CONTINUITY_TITLE);
    let text = remark["description"].to_string();
    assert!(
        text.contains(
            "Alpha Registrar (alpha) was declared FAILED by the registry on 2026-05-01T12:00:00Z"
        ),
        "{text}"
    );
    assert!(text.contains("The registry holds this name"), "{text}");
    assert!(text.contains("https://desk.nic.example/"), "{text}");
    assert_eq!(remark["links"][0]["href"], "https://desk.nic.example/");
    assert!(remark.get("type").is_none(), "no invented remark type");
    assert_eq!(body["entities"][0]["remarks"][0]["title"], CONTINUITY_TITLE);
}

#[test]
fn redaction_lists_what_it_took_with_profile_names() {
    let config = config();
    let ctx = Context { config: &config, request_url: "u", now: NOW };
    let body = domain(&ctx, &record(&fixed(), RegistrarState::Active));
    let names: Vec<&str> = body["redacted"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["name"]["type"].as_str())
        .collect();
    for expected in [
        "Registry Registrant ID",
        "Registrant Name",
        "Registrant Organization",
        "Registrant Street",
        "Registrant City",
        "Registrant Postal Code",
        "Registrant Phone",
        "Registrant Fax",
        "Registrant Email",
        "Registry Tech ID",
        "Tech Name",
        "Tech Phone",
        "Tech Email",
    ] {
        assert!(names.contains(&expected), "{expected} in {names:?}");
    }
    let registrant = &body["entities"][1];
    assert_eq!(registrant["roles"][0], "registrant");
    assert!(registrant.get("handle").is_none());
    assert_eq!(registrant["vcardArray"][1][1], json!(["fn", {}, "text", ""]));
    assert_eq!(registrant["vcardArray"][1][2][1]["cc"], "IN");
    assert_eq!(registrant["vcardArray"][1][2][3][4], "MH", "the region is published");
}

#[test]
fn a_cut_search_says_so() {
    let mut config = config();
    config.max_results = 1;
    let ctx = Context { config: &config, request_url: "u", now: NOW };
    let one = HostRecord { host: host("ns1.host.example"), linked: true, sponsor: None };
    let body = nameserver_search(&ctx, &[one.clone(), one.clone()]);
    assert_eq!(body["nameserverSearchResults"].as_array().map(Vec::len), Some(1));
    assert_eq!(body["notices"][1]["type"], "result set truncated due to excessive load");
    let body = nameserver_search(&ctx, &[one]);
    assert_eq!(body["notices"].as_array().map(Vec::len), Some(1));
}

fn personal_text() -> impl Strategy<Value = String> {
    "[A-Za-z0-9 +.@]{0,12}".prop_map(|tail| format!("Pii{tail}"))
}

proptest! {
    #[test]
    fn no_personal_field_reaches_the_public(
        name in personal_text(), org in personal_text(), street in personal_text(),
        city in personal_text(), pc in personal_text(), voice in personal_text(),
        fax in personal_text(), email in personal_text(), failed in any::<bool>(),
    ) {
        let personal = Personal { name, org, street, city, pc, voice, fax, email };
        let config = config();
        let ctx = Context { config: &config, request_url: "u", now: NOW };
        let state = if failed { RegistrarState::Failed } else { RegistrarState::Active };
        let record = record(&personal, state);
        let responses = [
            domain(&ctx, &record),
            domain_search(&ctx, std::slice::from_ref(&record)),
            contact(&ctx, &person("other", &personal)),
        ];
        for response in responses {
            let text = response.to_string();
            prop_assert!(!text.contains("Pii"), "{}", text);
            for value in personal.all() {
                prop_assert!(!text.contains(value), "{value} in {text}");
            }
        }
    }
}
