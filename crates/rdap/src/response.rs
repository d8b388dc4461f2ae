//! RDAP responses (RFC 9083 with the ICANN gTLD profile) built from the registry's objects:
//! plain functions from records to JSON. The server adds the `last update of RDAP database`
//! event afterwards ([`stamp`]), so that a response's entity tag covers only what the
//! registry holds.

use nameward_registry::model::{Contact, Domain, Host, RegistrarState};
use nameward_registry::service::{DomainRecord, HostRecord, RegistrarRecord};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::config::Config;
use crate::redact::{self, Role};
use crate::status;

/// The media type of every response (RFC 7480 §4.2).
pub const MEDIA_TYPE: &str = "application/rdap+json";

/// The `eventAction` the server stamps on each object.
pub const LAST_UPDATE: &str = "last update of RDAP database";

/// The title of the remark a failed registrar's names and entity carry.
pub const CONTINUITY_TITLE: &str = "Registrar continuity";

/// The `rdapConformance` of a response, with `redacted` when it redacts.
pub fn conformance(redacts: bool) -> Value {
    let mut ids = vec![
        "rdap_level_0",
        "icann_rdap_response_profile_1",
        "icann_rdap_technical_implementation_guide_1",
    ];
    if redacts {
        ids.push("redacted");
    }
    json!(ids)
}

/// What every builder needs: the settings and the URL the request asked for (links' `value`).
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The service's settings.
    pub config: &'a Config,
    /// The URL of this request.
    pub request_url: &'a str,
    /// The time, for grace periods.
    pub now: OffsetDateTime,
}

impl Context<'_> {
    fn link(&self, rel: &str, href: &str, media: &str) -> Value {
        json!({"value": self.request_url, "rel": rel, "href": href, "type": media})
    }

    fn self_link(&self, path: &str) -> Value {
        self.link("self", &format!("{}{path}", self.config.base_url), MEDIA_TYPE)
    }

    /// The terms-of-service notice every response carries (TIG §3.3).
    pub fn terms_notice(&self) -> Value {
        json!({
            "title": "Terms of Use",
            "description": [
                "Service subject to the registry's terms of use.",
                "Personal data of registrants and contacts is redacted for the public."
            ],
            "links": [self.link("terms-of-service", &self.config.terms_url(), "text/html")],
        })
    }

    fn domain_notices(&self) -> Vec<Value> {
        vec![
            self.terms_notice(),
            json!({
                "title": "Status Codes",
                "description": ["For more information on domain status codes, please visit https://icann.org/epp"],
                "links": [self.link("glossary", "https://icann.org/epp", "text/html")],
            }),
            json!({
                "title": "RDDS Inaccuracy Complaint Form",
                "description": ["URL of the ICANN RDDS Inaccuracy Complaint Form: https://icann.org/wicf"],
                "links": [self.link("help", "https://icann.org/wicf", "text/html")],
            }),
        ]
    }
}

fn time(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

fn event(action: &str, at: OffsetDateTime) -> Value {
    json!({"eventAction": action, "eventDate": time(at)})
}

/// Adds the `last update of RDAP database` event at `now` to the response's object, or to
/// each object of a search's results.
pub fn stamp(response: &mut Value, now: OffsetDateTime) {
    let stamp_one = |object: &mut Value| {
        if let Some(events) = object.get_mut("events").and_then(Value::as_array_mut) {
            events.push(event(LAST_UPDATE, now));
        }
    };
    for results in ["domainSearchResults", "nameserverSearchResults", "entitySearchResults"] {
        if let Some(list) = response.get_mut(results).and_then(Value::as_array_mut) {
            list.iter_mut().for_each(stamp_one);
        }
    }
    stamp_one(response);
}

/// The remark a domain of a failed registrar carries, and that registrar's entity.
fn continuity_remark(ctx: &Context<'_>, sponsor: &RegistrarRecord, of_entity: bool) -> Value {
    let registrar = &sponsor.registrar;
    let since = sponsor.failed_at.map(time).unwrap_or_else(|| "an unrecorded date".to_owned());
    let state = match registrar.state {
        RegistrarState::Terminated => "was declared FAILED and its accreditation has ended",
        _ => "was declared FAILED",
    };
    let mut description = vec![
        format!(
            "The registrar {} ({}) {state} by the registry on {since}.",
            registrar.name, registrar.id
        ),
        if of_entity {
            "The registry holds the names it sponsors: they are not deleted for want of renewal and are renewed on credit until they move to another registrar.".to_owned()
        } else {
            "The registry holds this name: it is not deleted for want of renewal and is renewed on credit until it moves to another registrar.".to_owned()
        },
    ];
    let mut remark = Map::new();
    remark.insert("title".to_owned(), json!(CONTINUITY_TITLE));
    if let Some(desk) = &ctx.config.desk_url {
        description.push(format!(
            "Registrants get a transfer code from the registry's desk to move a name to another registrar: {desk}"
        ));
        remark.insert("links".to_owned(), json!([ctx.link("help", desk, "text/html")]));
    } else {
        description.push("Registrants can ask the registry for a transfer code to move a name to another registrar.".to_owned());
    }
    remark.insert("description".to_owned(), json!(description));
    Value::Object(remark)
}

fn failed(sponsor: &RegistrarRecord) -> bool {
    matches!(sponsor.registrar.state, RegistrarState::Failed | RegistrarState::Terminated)
}

/// The registrar entity (RP §2.4): handle and public id its IANA id (or its EPP id when the
/// registry has none on file), `fn`, the abuse contact, the `about` link to its own RDAP
/// service; the continuity remark when it has failed.
pub fn registrar_entity(ctx: &Context<'_>, sponsor: &RegistrarRecord) -> Value {
    let registrar = &sponsor.registrar;
    let profile = ctx.config.registrar(&registrar.id);
    let handle = profile.iana_id.clone().unwrap_or_else(|| registrar.id.clone());
    let mut entity = Map::new();
    entity.insert("objectClassName".to_owned(), json!("entity"));
    entity.insert("handle".to_owned(), json!(handle));
    entity.insert("roles".to_owned(), json!(["registrar"]));
    if let Some(iana) = &profile.iana_id {
        entity.insert(
            "publicIds".to_owned(),
            json!([{"type": "IANA Registrar ID", "identifier": iana}]),
        );
    }
    entity.insert(
        "vcardArray".to_owned(),
        json!(["vcard", [["version", {}, "text", "4.0"], ["fn", {}, "text", registrar.name]]]),
    );
    let mut abuse_card =
        vec![json!(["version", {}, "text", "4.0"]), json!(["fn", {}, "text", "Abuse contact"])];
    if let Some(email) = &profile.abuse_email {
        abuse_card.push(json!(["email", {}, "text", email]));
    }
    if let Some(phone) = &profile.abuse_phone {
        let uri = if phone.starts_with("tel:") { phone.clone() } else { format!("tel:{phone}") };
        abuse_card.push(json!(["tel", {"type": "voice"}, "uri", uri]));
    }
    if profile.abuse_email.is_some() || profile.abuse_phone.is_some() {
        entity.insert(
            "entities".to_owned(),
            json!([{"objectClassName": "entity", "roles": ["abuse"], "vcardArray": ["vcard", abuse_card]}]),
        );
    }
    let mut links = vec![ctx.self_link(&format!("entity/{handle}"))];
    if let Some(base) = &profile.rdap_base_url {
        links.push(json!({"value": base, "rel": "about", "href": base, "type": MEDIA_TYPE}));
    }
    entity.insert("links".to_owned(), json!(links));
    if failed(sponsor) {
        entity.insert("remarks".to_owned(), json!([continuity_remark(ctx, sponsor, true)]));
    }
    Value::Object(entity)
}

fn nameserver_object(ctx: &Context<'_>, host: &Host, linked: bool) -> Value {
    let mut object = named_object("nameserver", &host.roid, &host.name);
    object.insert("status".to_owned(), json!(status::host_statuses(host, linked)));
    let v4: Vec<String> =
        host.addrs.iter().filter(|a| a.is_ipv4()).map(ToString::to_string).collect();
    let v6: Vec<String> =
        host.addrs.iter().filter(|a| a.is_ipv6()).map(ToString::to_string).collect();
    if !host.addrs.is_empty() {
        let mut addresses = Map::new();
        if !v4.is_empty() {
            addresses.insert("v4".to_owned(), json!(v4));
        }
        if !v6.is_empty() {
            addresses.insert("v6".to_owned(), json!(v6));
        }
        object.insert("ipAddresses".to_owned(), Value::Object(addresses));
    }
    object.insert("links".to_owned(), json!([ctx.self_link(&format!("nameserver/{}", host.name))]));
    Value::Object(object)
}

/// The first members of a domain or name server: class, handle, `ldhName`, and `unicodeName`
/// when the name has A-labels.
fn named_object(class: &str, handle: &str, name: &str) -> Map<String, Value> {
    let mut object = Map::new();
    object.insert("objectClassName".to_owned(), json!(class));
    object.insert("handle".to_owned(), json!(handle));
    object.insert("ldhName".to_owned(), json!(name));
    if let Ok(parsed) = crate::query::name(name, class)
        && let Some(unicode) = parsed.unicode
    {
        object.insert("unicodeName".to_owned(), json!(unicode));
    }
    object
}

fn object_events(created: OffsetDateTime, updated: Option<OffsetDateTime>) -> Vec<Value> {
    let mut events = vec![event("registration", created)];
    if let Some(updated) = updated {
        events.push(event("last changed", updated));
    }
    events
}

/// A domain object: the members every result shows (no contacts). `with_contacts` adds the
/// registrant and technical contacts, redacted, and returns the `redacted` members.
fn domain_object(
    ctx: &Context<'_>,
    record: &DomainRecord,
    with_contacts: bool,
) -> (Value, Vec<Value>) {
    let domain: &Domain = &record.domain;
    let mut object = named_object("domain", &domain.roid, &domain.name);
    object.insert("status".to_owned(), json!(status::domain_statuses(domain, ctx.now)));
    let mut events = object_events(domain.stamps.created_at, domain.stamps.updated_at);
    events.insert(1, event("expiration", domain.expires_at));
    if let Some(transferred) = domain.transferred_at {
        events.push(event("transfer", transferred));
    }
    object.insert("events".to_owned(), json!(events));
    let mut entities = Vec::new();
    let mut redacted = Vec::new();
    if let Some(sponsor) = &record.sponsor {
        entities.push(registrar_entity(ctx, sponsor));
    }
    if with_contacts {
        let policy = &ctx.config.redaction;
        if let Some(registrant) = &record.registrant {
            let (entity, items) = redact::public_contact(registrant, Role::Registrant, policy);
            entities.push(entity);
            redacted.extend(items);
        }
        // The profile's paths select by role, so one technical contact is shown.
        if let Some(tech) = record.tech.first() {
            let (entity, items) = redact::public_contact(tech, Role::Technical, policy);
            entities.push(entity);
            redacted.extend(items);
        }
    }
    object.insert("entities".to_owned(), json!(entities));
    let nameservers: Vec<Value> =
        record.nameservers.iter().map(|host| nameserver_object(ctx, host, true)).collect();
    object.insert("nameservers".to_owned(), json!(nameservers));
    let mut secure = Map::new();
    secure.insert("delegationSigned".to_owned(), json!(!domain.ds.is_empty()));
    if !domain.ds.is_empty() {
        let ds: Vec<Value> = domain
            .ds
            .iter()
            .map(|ds| {
                json!({"keyTag": ds.key_tag, "algorithm": ds.alg, "digestType": ds.digest_type, "digest": ds.digest})
            })
            .collect();
        secure.insert("dsData".to_owned(), json!(ds));
    }
    if let Some(life) = domain.max_sig_life {
        secure.insert("maxSigLife".to_owned(), json!(life));
    }
    object.insert("secureDNS".to_owned(), Value::Object(secure));
    let mut links = vec![ctx.self_link(&format!("domain/{}", domain.name))];
    if let Some(sponsor) = &record.sponsor
        && let Some(base) = ctx.config.registrar(&sponsor.registrar.id).rdap_base_url
    {
        links.push(ctx.link("related", &format!("{base}domain/{}", domain.name), MEDIA_TYPE));
    }
    object.insert("links".to_owned(), json!(links));
    if let Some(sponsor) = record.sponsor.as_ref().filter(|sponsor| failed(sponsor)) {
        object.insert("remarks".to_owned(), json!([continuity_remark(ctx, sponsor, false)]));
    }
    (Value::Object(object), redacted)
}

/// Puts the top-level members on an object: conformance first, then notices (and `redacted`).
fn top(mut object: Value, notices: Vec<Value>, redacted: Vec<Value>) -> Value {
    if let Value::Object(members) = &mut object {
        members.insert("rdapConformance".to_owned(), conformance(!redacted.is_empty()));
        members.insert("notices".to_owned(), json!(notices));
        if !redacted.is_empty() {
            members.insert("redacted".to_owned(), json!(redacted));
        }
    }
    object
}

/// The response to `domain/<name>`.
pub fn domain(ctx: &Context<'_>, record: &DomainRecord) -> Value {
    let (object, redacted) = domain_object(ctx, record, true);
    top(object, ctx.domain_notices(), redacted)
}

/// The response to `nameserver/<name>`.
pub fn nameserver(ctx: &Context<'_>, record: &HostRecord) -> Value {
    top(nameserver_result(ctx, record), vec![ctx.terms_notice()], Vec::new())
}

fn nameserver_result(ctx: &Context<'_>, record: &HostRecord) -> Value {
    let mut object = nameserver_object(ctx, &record.host, record.linked);
    if let Value::Object(members) = &mut object {
        let host = &record.host;
        members.insert(
            "events".to_owned(),
            json!(object_events(host.stamps.created_at, host.stamps.updated_at)),
        );
        if let Some(sponsor) = &record.sponsor {
            members.insert("entities".to_owned(), json!([registrar_entity(ctx, sponsor)]));
        }
    }
    object
}

/// The response to `entity/<handle>` for a registrar.
pub fn registrar(ctx: &Context<'_>, record: &RegistrarRecord) -> Value {
    let mut object = registrar_entity(ctx, record);
    if let Value::Object(members) = &mut object {
        members.insert(
            "events".to_owned(),
            json!([event("registration", record.registrar.created_at)]),
        );
    }
    top(object, vec![ctx.terms_notice()], Vec::new())
}

/// The response to `entity/<handle>` for a contact: as the public sees it (handle kept, as
/// it is what was asked for; everything personal redacted).
pub fn contact(ctx: &Context<'_>, contact: &Contact) -> Value {
    let (mut object, redacted) =
        redact::public_contact(contact, Role::Registrant, &ctx.config.redaction);
    // Looked up by handle, the contact is shown in no role of a domain; the redaction paths
    // select it by the role its card was built for.
    let redacted: Vec<Value> = redacted
        .into_iter()
        .filter(|item| item["name"]["type"] != "Registry Registrant ID")
        .map(|mut item| {
            for path in ["prePath", "postPath"] {
                if let Some(text) = item.get(path).and_then(Value::as_str) {
                    let text = text.replacen("$.entities[?(@.roles[0]=='registrant')]", "$", 1);
                    item[path] = json!(text);
                }
            }
            item
        })
        .collect();
    if let Value::Object(members) = &mut object {
        members.insert("handle".to_owned(), json!(contact.roid));
        members.remove("roles");
        members.insert(
            "events".to_owned(),
            json!(object_events(contact.stamps.created_at, contact.stamps.updated_at)),
        );
        members.insert(
            "links".to_owned(),
            json!([ctx.self_link(&format!("entity/{}", contact.roid))]),
        );
    }
    top(object, vec![ctx.terms_notice()], redacted)
}

/// A search's response: `results` under `member`, cut to the configured maximum with the
/// RFC 9083 §10.2.1 notice when there were more.
fn search(ctx: &Context<'_>, member: &str, mut results: Vec<Value>) -> Value {
    let mut notices = vec![ctx.terms_notice()];
    let max = usize::try_from(ctx.config.max_results).unwrap_or(usize::MAX);
    if results.len() > max {
        results.truncate(max);
        notices.push(json!({
            "title": "Search Policy",
            "type": "result set truncated due to excessive load",
            "description": [format!("A search returns at most {max} results; narrow the query to see the rest.")],
        }));
    }
    let mut object = Map::new();
    object.insert(member.to_owned(), json!(results));
    top(Value::Object(object), notices, Vec::new())
}

/// The response to `domains?…`: each domain with its registrar and name servers, without
/// contacts. `records` may hold one more than the maximum, which marks the result as cut.
pub fn domain_search(ctx: &Context<'_>, records: &[DomainRecord]) -> Value {
    let results = records.iter().map(|record| domain_object(ctx, record, false).0).collect();
    search(ctx, "domainSearchResults", results)
}

/// The response to `nameservers?…`.
pub fn nameserver_search(ctx: &Context<'_>, records: &[HostRecord]) -> Value {
    let results = records.iter().map(|record| nameserver_result(ctx, record)).collect();
    search(ctx, "nameserverSearchResults", results)
}

/// The response to `entities?…` (registrars).
pub fn entity_search(ctx: &Context<'_>, records: &[RegistrarRecord]) -> Value {
    let results = records.iter().map(|record| registrar_entity(ctx, record)).collect();
    search(ctx, "entitySearchResults", results)
}

/// The response to `help` (RFC 9083 §7, TIG §3.4).
pub fn help(ctx: &Context<'_>) -> Value {
    let max = ctx.config.max_results;
    let notices = vec![
        json!({
            "title": "Queries",
            "description": [
                "domain/<name> (A-labels or U-labels), nameserver/<name>, entity/<IANA registrar id or contact handle>, help",
                "domains?name=<name or prefix*[.zone]>, domains?nsLdhName=<name>, domains?nsIp=<address>",
                "nameservers?name=<name or prefix*>, nameservers?ip=<address>",
                "entities?fn=<registrar name or prefix*>, entities?handle=<handle or prefix*>",
            ],
        }),
        json!({
            "title": "Limits",
            "description": [
                format!("A search returns at most {max} results."),
                "Clients that ask too fast are answered 429 with Retry-After.",
            ],
        }),
        ctx.terms_notice(),
    ];
    json!({"rdapConformance": conformance(false), "notices": notices})
}

/// An error response (RFC 9083 §6) with the terms notice.
pub fn error(ctx: &Context<'_>, status: u16, title: &str, detail: &str) -> Value {
    json!({
        "rdapConformance": conformance(false),
        "errorCode": status,
        "title": title,
        "description": [detail],
        "notices": [ctx.terms_notice()],
    })
}

#[cfg(test)]
mod tests;
