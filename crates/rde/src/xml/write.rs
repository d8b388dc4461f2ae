//! The deposit writer: RFC 8909/9022 XML streamed to any `Write`, one object at a time, so
//! that memory does not depend on the registry's size. The header (with the counts) comes
//! last in `<rde:contents>`, which RFC 8909 allows, so the counts are those written.

use std::collections::BTreeMap;
use std::io::Write;

use nameward_registry::model::{
    Contact, ContactRole, DeletionPhase, Domain, GraceKind, Host, PostalKind, Registrar,
    RegistrarState,
};
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{
    CONTACT, DOMAIN, EPP, EPP_CONTACT, EPP_DOMAIN, EPP_HOST, EPP_PARAMS, HEADER, HOST, Object,
    POLICY, RDE, REGISTRAR, RGP, SEC_DNS,
};
use crate::names::Kind;

/// What `<rde:deposit>` says of itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepositHead {
    /// FULL or DIFF.
    pub kind: Kind,
    /// The deposit id.
    pub id: String,
    /// The deposit a DIFF follows.
    pub prev_id: Option<String>,
    /// How many times it was sent before.
    pub resend: u32,
    /// The instant it describes.
    pub watermark: OffsetDateTime,
}

/// Objects a deposit deletes (a DIFF), by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Deletes {
    /// Domain names.
    pub domains: Vec<String>,
    /// Host names.
    pub hosts: Vec<String>,
    /// Contact ids.
    pub contacts: Vec<String>,
    /// Registrar ids.
    pub registrars: Vec<String>,
}

impl Deletes {
    /// How many objects are deleted.
    pub fn len(&self) -> usize {
        self.domains.len() + self.hosts.len() + self.contacts.len() + self.registrars.len()
    }

    /// Whether nothing is deleted.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Streams one deposit document.
pub struct DepositWriter<W: Write> {
    writer: quick_xml::Writer<W>,
    watermark: OffsetDateTime,
    counts: BTreeMap<Object, u64>,
}

/// An instant as `xsd:dateTime` in UTC.
pub(crate) fn instant(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC).format(&Rfc3339).unwrap_or_else(|_| at.to_string())
}

type Result = std::io::Result<()>;

impl<W: Write> DepositWriter<W> {
    /// Starts the document: `<rde:deposit>`, the watermark, the menu and, for a DIFF, the
    /// deletes; then `<rde:contents>`, ready for objects.
    pub fn start(out: W, head: &DepositHead, deletes: &Deletes) -> std::io::Result<Self> {
        let mut this = DepositWriter {
            writer: quick_xml::Writer::new_with_indent(out, b' ', 1),
            watermark: head.watermark,
            counts: BTreeMap::new(),
        };
        this.event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        let resend = head.resend.to_string();
        let mut attrs = vec![
            ("xmlns:rde", RDE),
            ("xmlns:rdeHeader", HEADER),
            ("xmlns:rdeDomain", DOMAIN),
            ("xmlns:rdeHost", HOST),
            ("xmlns:rdeContact", CONTACT),
            ("xmlns:rdeRegistrar", REGISTRAR),
            ("xmlns:rdeEppParams", EPP_PARAMS),
            ("xmlns:rdePolicy", POLICY),
            ("xmlns:domain", EPP_DOMAIN),
            ("xmlns:host", EPP_HOST),
            ("xmlns:contact", EPP_CONTACT),
            ("xmlns:secDNS", SEC_DNS),
            ("xmlns:rgp", RGP),
            ("xmlns:epp", EPP),
            ("type", head.kind.as_str()),
            ("id", head.id.as_str()),
        ];
        if let Some(prev) = &head.prev_id {
            attrs.push(("prevId", prev.as_str()));
        }
        attrs.push(("resend", resend.as_str()));
        this.open("rde:deposit", &attrs)?;
        this.text("rde:watermark", &[], &instant(head.watermark))?;
        this.open("rde:rdeMenu", &[])?;
        this.text("rde:version", &[], "1.0")?;
        for uri in [DOMAIN, HOST, CONTACT, REGISTRAR, EPP_PARAMS, POLICY, HEADER] {
            this.text("rde:objURI", &[], uri)?;
        }
        this.close("rde:rdeMenu")?;
        if !deletes.is_empty() {
            this.open("rde:deletes", &[])?;
            let lists: [(&str, &str, &[String]); 4] = [
                ("rdeDomain:delete", "rdeDomain:name", &deletes.domains),
                ("rdeHost:delete", "rdeHost:name", &deletes.hosts),
                ("rdeContact:delete", "rdeContact:id", &deletes.contacts),
                ("rdeRegistrar:delete", "rdeRegistrar:id", &deletes.registrars),
            ];
            for (element, key, names) in lists {
                if names.is_empty() {
                    continue;
                }
                this.open(element, &[])?;
                for name in names {
                    this.text(key, &[], name)?;
                }
                this.close(element)?;
            }
            this.close("rde:deletes")?;
        }
        this.open("rde:contents", &[])?;
        Ok(this)
    }

    fn event(&mut self, event: Event<'_>) -> Result {
        self.writer.write_event(event)
    }

    fn open(&mut self, name: &str, attrs: &[(&str, &str)]) -> Result {
        self.event(Event::Start(BytesStart::new(name).with_attributes(attrs.iter().copied())))
    }

    fn close(&mut self, name: &str) -> Result {
        self.event(Event::End(BytesEnd::new(name)))
    }

    fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) -> Result {
        self.event(Event::Empty(BytesStart::new(name).with_attributes(attrs.iter().copied())))
    }

    fn text(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) -> Result {
        self.open(name, attrs)?;
        self.event(Event::Text(BytesText::new(text)))?;
        self.close(name)
    }

    fn opt_text(&mut self, name: &str, text: Option<&str>) -> Result {
        match text {
            Some(text) => self.text(name, &[], text),
            None => Ok(()),
        }
    }

    fn date(&mut self, name: &str, at: Option<OffsetDateTime>) -> Result {
        match at {
            Some(at) => self.text(name, &[], &instant(at)),
            None => Ok(()),
        }
    }

    fn count(&mut self, object: Object) {
        *self.counts.entry(object).or_default() += 1;
    }

    /// The objects of each kind written so far.
    pub fn counts(&self) -> &BTreeMap<Object, u64> {
        &self.counts
    }

    /// One registrar (RFC 9022 §5.4). Escrow carries no credentials: no password hash, no
    /// certificate fingerprints.
    pub fn registrar(&mut self, registrar: &Registrar) -> Result {
        self.count(Object::Registrar);
        self.open("rdeRegistrar:registrar", &[])?;
        self.text("rdeRegistrar:id", &[], &registrar.id)?;
        self.text("rdeRegistrar:name", &[], &registrar.name)?;
        self.text("rdeRegistrar:status", &[], registrar_status(registrar.state))?;
        self.opt_text("rdeRegistrar:email", registrar.email.as_deref())?;
        self.date("rdeRegistrar:crDate", Some(registrar.created_at))?;
        self.close("rdeRegistrar:registrar")
    }

    /// One contact (RFC 9022 §5.3), in full: escrow is where redaction does not apply.
    pub fn contact(&mut self, contact: &Contact) -> Result {
        self.count(Object::Contact);
        self.open("rdeContact:contact", &[])?;
        self.text("rdeContact:id", &[], &contact.id)?;
        self.text("rdeContact:roid", &[], &contact.roid)?;
        if contact.statuses.is_empty() {
            self.empty("rdeContact:status", &[("s", "ok")])?;
        }
        for status in &contact.statuses {
            self.empty("rdeContact:status", &[("s", status.as_str())])?;
        }
        for postal in &contact.postal {
            let kind = match postal.kind {
                PostalKind::Int => "int",
                PostalKind::Loc => "loc",
            };
            self.open("rdeContact:postalInfo", &[("type", kind)])?;
            self.text("contact:name", &[], &postal.name)?;
            self.opt_text("contact:org", postal.org.as_deref())?;
            self.open("contact:addr", &[])?;
            for street in &postal.street {
                self.text("contact:street", &[], street)?;
            }
            self.text("contact:city", &[], &postal.city)?;
            self.opt_text("contact:sp", postal.sp.as_deref())?;
            self.opt_text("contact:pc", postal.pc.as_deref())?;
            self.text("contact:cc", &[], &postal.cc)?;
            self.close("contact:addr")?;
            self.close("rdeContact:postalInfo")?;
        }
        for (name, number, ext) in [
            ("rdeContact:voice", &contact.voice, &contact.voice_ext),
            ("rdeContact:fax", &contact.fax, &contact.fax_ext),
        ] {
            if let Some(number) = number {
                match ext {
                    Some(ext) => self.text(name, &[("x", ext.as_str())], number)?,
                    None => self.text(name, &[], number)?,
                }
            }
        }
        self.text("rdeContact:email", &[], &contact.email)?;
        self.text("rdeContact:clID", &[], &contact.sponsor)?;
        self.stamps("rdeContact", &contact.stamps)?;
        if let Some(disclose) = &contact.disclose {
            let flag = if disclose.flag { "1" } else { "0" };
            self.open("rdeContact:disclose", &[("flag", flag)])?;
            // Stored as the EPP element, with its type for the postal ones (`name_int`), in
            // the order the field was chosen; EPP's schema wants them in its own order. Names
            // EPP does not know are left out, as the EPP server leaves them out.
            const ORDER: [&str; 6] = ["name", "org", "addr", "voice", "fax", "email"];
            let mut fields: Vec<(usize, &str, Option<&str>)> = disclose
                .fields
                .iter()
                .filter_map(|field| {
                    let (element, kind) = match field.split_once('_') {
                        Some((element, kind @ ("int" | "loc"))) => (element, Some(kind)),
                        _ => (field.as_str(), None),
                    };
                    let rank = ORDER.iter().position(|known| *known == element)?;
                    (kind.is_some() == (rank < 3)).then_some((rank, element, kind))
                })
                .collect();
            fields.sort();
            for (_, element, kind) in fields {
                let name = format!("contact:{element}");
                match kind {
                    Some(kind) => self.empty(&name, &[("type", kind)])?,
                    None => self.empty(&name, &[])?,
                }
            }
            self.close("rdeContact:disclose")?;
        }
        self.close("rdeContact:contact")
    }

    fn stamps(&mut self, prefix: &str, stamps: &nameward_registry::model::Stamps) -> Result {
        self.text(&format!("{prefix}:crRr"), &[], &stamps.created_by)?;
        self.date(&format!("{prefix}:crDate"), Some(stamps.created_at))?;
        if let (Some(by), Some(at)) = (&stamps.updated_by, stamps.updated_at) {
            self.text(&format!("{prefix}:upRr"), &[], by)?;
            self.date(&format!("{prefix}:upDate"), Some(at))?;
        }
        Ok(())
    }

    /// One host (RFC 9022 §5.2).
    pub fn host(&mut self, host: &Host) -> Result {
        self.count(Object::Host);
        self.open("rdeHost:host", &[])?;
        self.text("rdeHost:name", &[], &host.name)?;
        self.text("rdeHost:roid", &[], &host.roid)?;
        if host.statuses.is_empty() {
            self.empty("rdeHost:status", &[("s", "ok")])?;
        }
        for status in &host.statuses {
            self.empty("rdeHost:status", &[("s", status.as_str())])?;
        }
        for addr in &host.addrs {
            let version = if addr.is_ipv4() { "v4" } else { "v6" };
            self.text("rdeHost:addr", &[("ip", version)], &addr.to_string())?;
        }
        self.text("rdeHost:clID", &[], &host.sponsor)?;
        self.stamps("rdeHost", &host.stamps)?;
        self.close("rdeHost:host")
    }

    /// One domain (RFC 9022 §5.1). The end of each RGP period (and, for a deletion, when it
    /// was asked for) is written as the text of its `rgpStatus` (RFC 3915 leaves that text
    /// free), so that a restore resumes the period where it stood.
    pub fn domain(&mut self, domain: &Domain) -> Result {
        self.count(Object::Domain);
        self.open("rdeDomain:domain", &[])?;
        self.text("rdeDomain:name", &[], &domain.name)?;
        self.text("rdeDomain:roid", &[], &domain.roid)?;
        if let Some(unicode) = unicode_name(&domain.name) {
            self.text("rdeDomain:uName", &[], &unicode)?;
        }
        for status in domain.epp_statuses() {
            self.empty("rdeDomain:status", &[("s", status)])?;
        }
        if let Some(deletion) = &domain.deletion {
            let status = match deletion.phase {
                DeletionPhase::Redemption => "redemptionPeriod",
                DeletionPhase::PendingRestore => "pendingRestore",
                DeletionPhase::PendingDelete => "pendingDelete",
            };
            let text = format!(
                "{} requested {}",
                rgp_text(deletion.phase_ends),
                instant(deletion.requested_at)
            );
            self.text("rdeDomain:rgpStatus", &[("s", status)], &text)?;
        } else {
            let watermark = self.watermark;
            for grace in domain.grace.iter().filter(|grace| grace.ends > watermark) {
                let status = match grace.kind {
                    GraceKind::Add => "addPeriod",
                    GraceKind::AutoRenew => "autoRenewPeriod",
                    GraceKind::Renew => "renewPeriod",
                    GraceKind::Transfer => "transferPeriod",
                };
                self.text("rdeDomain:rgpStatus", &[("s", status)], &rgp_text(grace.ends))?;
            }
        }
        self.opt_text("rdeDomain:registrant", domain.registrant.as_deref())?;
        for contact in &domain.contacts {
            let role = match contact.role {
                ContactRole::Admin => "admin",
                ContactRole::Billing => "billing",
                ContactRole::Tech => "tech",
            };
            self.text("rdeDomain:contact", &[("type", role)], &contact.id)?;
        }
        if !domain.ns.is_empty() {
            self.open("rdeDomain:ns", &[])?;
            for host in &domain.ns {
                self.text("domain:hostObj", &[], host)?;
            }
            self.close("rdeDomain:ns")?;
        }
        self.text("rdeDomain:clID", &[], &domain.sponsor)?;
        self.text("rdeDomain:crRr", &[], &domain.stamps.created_by)?;
        self.date("rdeDomain:crDate", Some(domain.stamps.created_at))?;
        self.date("rdeDomain:exDate", Some(domain.expires_at))?;
        if let (Some(by), Some(at)) = (&domain.stamps.updated_by, domain.stamps.updated_at) {
            self.text("rdeDomain:upRr", &[], by)?;
            self.date("rdeDomain:upDate", Some(at))?;
        }
        if !domain.ds.is_empty() {
            self.open("rdeDomain:secDNS", &[])?;
            if let Some(life) = domain.max_sig_life {
                self.text("secDNS:maxSigLife", &[], &life.to_string())?;
            }
            for ds in &domain.ds {
                self.open("secDNS:dsData", &[])?;
                self.text("secDNS:keyTag", &[], &ds.key_tag.to_string())?;
                self.text("secDNS:alg", &[], &ds.alg.to_string())?;
                self.text("secDNS:digestType", &[], &ds.digest_type.to_string())?;
                self.text("secDNS:digest", &[], &ds.digest)?;
                self.close("secDNS:dsData")?;
            }
            self.close("rdeDomain:secDNS")?;
        }
        self.date("rdeDomain:trDate", domain.transferred_at)?;
        if let Some(transfer) = &domain.transfer {
            self.open("rdeDomain:trnData", &[])?;
            self.text("rdeDomain:trStatus", &[], transfer.status.as_str())?;
            self.text("rdeDomain:reRr", &[], &transfer.gaining)?;
            self.date("rdeDomain:reDate", Some(transfer.requested_at))?;
            self.text("rdeDomain:acRr", &[], &transfer.losing)?;
            self.date("rdeDomain:acDate", Some(transfer.action_at))?;
            let extended = nameward_registry::lifecycle::add_years(
                domain.expires_at,
                i32::from(transfer.years),
            );
            self.date("rdeDomain:exDate", Some(extended))?;
            self.close("rdeDomain:trnData")?;
        }
        self.close("rdeDomain:domain")
    }

    /// Ends the document: the EPP parameters (those of nameward's greeting), the policy (the
    /// optional elements every domain carries here), the header with the counts written, and
    /// the closing tags. Returns the output and the counts.
    pub fn finish(mut self, tld: &str) -> std::io::Result<(W, BTreeMap<Object, u64>)> {
        self.open("rdeEppParams:eppParams", &[])?;
        self.text("rdeEppParams:version", &[], "1.0")?;
        self.text("rdeEppParams:lang", &[], "en")?;
        for uri in [EPP_DOMAIN, EPP_HOST, EPP_CONTACT] {
            self.text("rdeEppParams:objURI", &[], uri)?;
        }
        self.open("rdeEppParams:svcExtension", &[])?;
        for uri in [
            SEC_DNS,
            RGP,
            "urn:ietf:params:xml:ns:epp:loginSec-1.0",
            "urn:ietf:params:xml:ns:epp:unhandled-namespaces-1.0",
        ] {
            self.text("epp:extURI", &[], uri)?;
        }
        self.close("rdeEppParams:svcExtension")?;
        // The data collection policy of nameward's greeting, element for element.
        self.open("rdeEppParams:dcp", &[])?;
        self.open("epp:access", &[])?;
        self.empty("epp:all", &[])?;
        self.close("epp:access")?;
        self.open("epp:statement", &[])?;
        self.open("epp:purpose", &[])?;
        self.empty("epp:admin", &[])?;
        self.empty("epp:prov", &[])?;
        self.close("epp:purpose")?;
        self.open("epp:recipient", &[])?;
        self.empty("epp:ours", &[])?;
        self.empty("epp:public", &[])?;
        self.close("epp:recipient")?;
        self.open("epp:retention", &[])?;
        self.empty("epp:stated", &[])?;
        self.close("epp:retention")?;
        self.close("epp:statement")?;
        self.close("rdeEppParams:dcp")?;
        self.close("rdeEppParams:eppParams")?;
        for element in ["rdeDomain:crDate", "rdeDomain:exDate"] {
            self.empty(
                "rdePolicy:policy",
                &[("scope", "//rde:deposit/rde:contents/rdeDomain:domain"), ("element", element)],
            )?;
        }
        self.open("rdeHeader:header", &[])?;
        self.text("rdeHeader:tld", &[], tld)?;
        let counts = self.counts.clone();
        for object in [Object::Domain, Object::Host, Object::Contact, Object::Registrar] {
            let count = counts.get(&object).copied().unwrap_or(0).to_string();
            self.text("rdeHeader:count", &[("uri", object.uri())], &count)?;
        }
        self.close("rdeHeader:header")?;
        self.close("rde:contents")?;
        self.close("rde:deposit")?;
        let mut out = self.writer.into_inner();
        out.write_all(b"\n")?;
        out.flush()?;
        Ok((out, counts))
    }
}

fn rgp_text(ends: OffsetDateTime) -> String {
    format!("ends {}", instant(ends))
}

/// The U-label form of an IDN (`xn--` labels), for `uName`.
fn unicode_name(name: &str) -> Option<String> {
    if !name.split('.').any(|label| label.starts_with("xn--")) {
        return None;
    }
    let (unicode, result) = idna::domain_to_unicode(name);
    result.ok().map(|()| unicode)
}

pub(crate) fn registrar_status(state: RegistrarState) -> &'static str {
    match state {
        RegistrarState::Active => "ok",
        RegistrarState::Suspended | RegistrarState::Failed => "readonly",
        RegistrarState::Terminated => "terminated",
    }
}
