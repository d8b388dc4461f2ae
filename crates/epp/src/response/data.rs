//! `<resData>`: object data for domain, host and contact responses.

use std::net::IpAddr;

use time::OffsetDateTime;

use crate::types::{
    Disclose, DiscloseField, DomainContact, Namespace, Phone, PostalInfo, Secret, StatusValue,
    TransferStatus,
};
use crate::xml::{Obj, Writer};

/// The object data of a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResData {
    /// Domain check results.
    DomainCheck(Vec<CheckResult>),
    /// Host check results.
    HostCheck(Vec<CheckResult>),
    /// Contact check results (the name is the contact id).
    ContactCheck(Vec<CheckResult>),
    /// A domain's data.
    DomainInfo(Box<DomainInfoData>),
    /// A host's data.
    HostInfo(Box<HostInfoData>),
    /// A contact's data.
    ContactInfo(Box<ContactInfoData>),
    /// A domain was created.
    DomainCreate {
        /// The domain name.
        name: String,
        /// When.
        cr_date: OffsetDateTime,
        /// Its expiry.
        ex_date: Option<OffsetDateTime>,
    },
    /// A host was created.
    HostCreate {
        /// The host name.
        name: String,
        /// When.
        cr_date: OffsetDateTime,
    },
    /// A contact was created.
    ContactCreate {
        /// The contact id.
        id: String,
        /// When.
        cr_date: OffsetDateTime,
    },
    /// A domain was renewed.
    DomainRenew {
        /// The domain name.
        name: String,
        /// The new expiry.
        ex_date: Option<OffsetDateTime>,
    },
    /// The state of a domain transfer.
    DomainTransfer(TransferData),
    /// The state of a contact transfer (`ex_date` is not written).
    ContactTransfer(TransferData),
    /// A pending domain action completed (poll message).
    DomainPending(PendingAction),
    /// A pending host action completed (poll message).
    HostPending(PendingAction),
    /// A pending contact action completed (poll message).
    ContactPending(PendingAction),
}

/// One name of a check answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckResult {
    /// The name or id as the client sent it.
    pub name: String,
    /// True when it can be created.
    pub avail: bool,
    /// Why it cannot (or a note); written only when present.
    pub reason: Option<String>,
}

/// A domain's data for `<domain:infData>`. An empty status list is written as `ok`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainInfoData {
    /// Name.
    pub name: String,
    /// Repository object id.
    pub roid: String,
    /// Statuses.
    pub statuses: Vec<StatusValue>,
    /// Registrant's contact id.
    pub registrant: Option<String>,
    /// Other contacts.
    pub contacts: Vec<DomainContact>,
    /// Name servers (host objects).
    pub ns: Vec<String>,
    /// Subordinate hosts.
    pub hosts: Vec<String>,
    /// Sponsoring registrar.
    pub cl_id: String,
    /// Creating registrar.
    pub cr_id: Option<String>,
    /// Created.
    pub cr_date: Option<OffsetDateTime>,
    /// Last updating registrar.
    pub up_id: Option<String>,
    /// Last updated.
    pub up_date: Option<OffsetDateTime>,
    /// Expires.
    pub ex_date: Option<OffsetDateTime>,
    /// Last transferred.
    pub tr_date: Option<OffsetDateTime>,
    /// The transfer code: only for the sponsor (or a client that gave the right code).
    pub auth_info: Option<Secret>,
}

/// A host's data for `<host:infData>`. An empty status list is written as `ok`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostInfoData {
    /// Name.
    pub name: String,
    /// Repository object id.
    pub roid: String,
    /// Statuses.
    pub statuses: Vec<StatusValue>,
    /// Addresses.
    pub addrs: Vec<IpAddr>,
    /// Sponsoring registrar.
    pub cl_id: String,
    /// Creating registrar.
    pub cr_id: String,
    /// Created.
    pub cr_date: OffsetDateTime,
    /// Last updating registrar.
    pub up_id: Option<String>,
    /// Last updated.
    pub up_date: Option<OffsetDateTime>,
    /// Last transferred (with its superordinate domain).
    pub tr_date: Option<OffsetDateTime>,
}

/// A contact's data for `<contact:infData>`. An empty status list is written as `ok`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactInfoData {
    /// Contact id.
    pub id: String,
    /// Repository object id.
    pub roid: String,
    /// Statuses.
    pub statuses: Vec<StatusValue>,
    /// One or two postal forms.
    pub postal_info: Vec<PostalInfo>,
    /// Voice number.
    pub voice: Option<Phone>,
    /// Fax number.
    pub fax: Option<Phone>,
    /// E-mail.
    pub email: String,
    /// Sponsoring registrar.
    pub cl_id: String,
    /// Creating registrar.
    pub cr_id: String,
    /// Created.
    pub cr_date: OffsetDateTime,
    /// Last updating registrar.
    pub up_id: Option<String>,
    /// Last updated.
    pub up_date: Option<OffsetDateTime>,
    /// Last transferred.
    pub tr_date: Option<OffsetDateTime>,
    /// The contact's authInfo: only for the sponsor.
    pub auth_info: Option<Secret>,
    /// Disclosure preference.
    pub disclose: Option<Disclose>,
}

/// The state of a transfer (`<domain:trnData>`, `<contact:trnData>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferData {
    /// Domain name or contact id.
    pub name: String,
    /// State.
    pub status: TransferStatus,
    /// Gaining registrar.
    pub re_id: String,
    /// When it was requested.
    pub re_date: OffsetDateTime,
    /// Losing registrar, who must act.
    pub ac_id: String,
    /// When it was (or will be automatically) acted on.
    pub ac_date: OffsetDateTime,
    /// The domain's expiry after the transfer (domains only).
    pub ex_date: Option<OffsetDateTime>,
}

/// The outcome of a pending action, queued as a poll message (`<X:panData>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingAction {
    /// Object name or id.
    pub name: String,
    /// True when the action succeeded.
    pub result: bool,
    /// The client transaction id of the command that started it.
    pub cl_trid: Option<String>,
    /// The server transaction id of the command that started it.
    pub sv_trid: String,
    /// When the action completed.
    pub date: OffsetDateTime,
}

impl ResData {
    /// The object namespace of the data, which a client must have named at login.
    pub fn namespace(&self) -> Namespace {
        match self {
            ResData::DomainCheck(_)
            | ResData::DomainInfo(_)
            | ResData::DomainCreate { .. }
            | ResData::DomainRenew { .. }
            | ResData::DomainTransfer(_)
            | ResData::DomainPending(_) => Namespace::Domain,
            ResData::HostCheck(_)
            | ResData::HostInfo(_)
            | ResData::HostCreate { .. }
            | ResData::HostPending(_) => Namespace::Host,
            ResData::ContactCheck(_)
            | ResData::ContactInfo(_)
            | ResData::ContactCreate { .. }
            | ResData::ContactTransfer(_)
            | ResData::ContactPending(_) => Namespace::Contact,
        }
    }

    pub(crate) fn write(&self, w: &mut Writer) {
        match self {
            ResData::DomainCheck(results) => check(w, Namespace::Domain, "name", results),
            ResData::HostCheck(results) => check(w, Namespace::Host, "name", results),
            ResData::ContactCheck(results) => check(w, Namespace::Contact, "id", results),
            ResData::DomainInfo(info) => domain_info(w, info),
            ResData::HostInfo(info) => host_info(w, info),
            ResData::ContactInfo(info) => contact_info(w, info),
            ResData::DomainCreate { name, cr_date, ex_date } => {
                let mut o = Obj::new(w, Namespace::Domain);
                o.open_root("creData", Namespace::Domain);
                o.text("name", name);
                o.date("crDate", *cr_date);
                o.opt_date("exDate", *ex_date);
                o.close("creData");
            }
            ResData::HostCreate { name, cr_date } => {
                created(w, Namespace::Host, "name", name, *cr_date);
            }
            ResData::ContactCreate { id, cr_date } => {
                created(w, Namespace::Contact, "id", id, *cr_date);
            }
            ResData::DomainRenew { name, ex_date } => {
                let mut o = Obj::new(w, Namespace::Domain);
                o.open_root("renData", Namespace::Domain);
                o.text("name", name);
                o.opt_date("exDate", *ex_date);
                o.close("renData");
            }
            ResData::DomainTransfer(data) => transfer(w, Namespace::Domain, "name", data),
            ResData::ContactTransfer(data) => transfer(w, Namespace::Contact, "id", data),
            ResData::DomainPending(action) => pending(w, Namespace::Domain, "name", action),
            ResData::HostPending(action) => pending(w, Namespace::Host, "name", action),
            ResData::ContactPending(action) => pending(w, Namespace::Contact, "id", action),
        }
    }
}

fn check(w: &mut Writer, ns: Namespace, key: &str, results: &[CheckResult]) {
    let mut o = Obj::new(w, ns);
    o.open_root("chkData", ns);
    for result in results {
        o.open("cd", &[]);
        o.leaf(key, &[("avail", if result.avail { "1" } else { "0" })], &result.name);
        o.opt_text("reason", result.reason.as_deref());
        o.close("cd");
    }
    o.close("chkData");
}

fn created(w: &mut Writer, ns: Namespace, key: &str, name: &str, cr_date: OffsetDateTime) {
    let mut o = Obj::new(w, ns);
    o.open_root("creData", ns);
    o.text(key, name);
    o.date("crDate", cr_date);
    o.close("creData");
}

fn transfer(w: &mut Writer, ns: Namespace, key: &str, data: &TransferData) {
    let mut o = Obj::new(w, ns);
    o.open_root("trnData", ns);
    o.text(key, &data.name);
    o.text("trStatus", data.status.as_str());
    o.text("reID", &data.re_id);
    o.date("reDate", data.re_date);
    o.text("acID", &data.ac_id);
    o.date("acDate", data.ac_date);
    if ns == Namespace::Domain {
        o.opt_date("exDate", data.ex_date);
    }
    o.close("trnData");
}

fn pending(w: &mut Writer, ns: Namespace, key: &str, action: &PendingAction) {
    let mut o = Obj::new(w, ns);
    o.open_root("panData", ns);
    o.leaf(key, &[("paResult", if action.result { "1" } else { "0" })], &action.name);
    // paTRID is the object's element, its children EPP's (the document's default namespace).
    o.open("paTRID", &[]);
    o.w.opt_text("clTRID", action.cl_trid.as_deref());
    o.w.text("svTRID", &action.sv_trid);
    o.close("paTRID");
    o.date("paDate", action.date);
    o.close("panData");
}

fn domain_info(w: &mut Writer, info: &DomainInfoData) {
    let mut o = Obj::new(w, Namespace::Domain);
    o.open_root("infData", Namespace::Domain);
    o.text("name", &info.name);
    o.text("roid", &info.roid);
    o.statuses(&info.statuses);
    o.opt_text("registrant", info.registrant.as_deref());
    for contact in &info.contacts {
        o.leaf("contact", &[("type", contact.kind.as_str())], &contact.id);
    }
    if !info.ns.is_empty() {
        o.open("ns", &[]);
        for host in &info.ns {
            o.text("hostObj", host);
        }
        o.close("ns");
    }
    for host in &info.hosts {
        o.text("host", host);
    }
    o.text("clID", &info.cl_id);
    o.opt_text("crID", info.cr_id.as_deref());
    o.opt_date("crDate", info.cr_date);
    o.opt_text("upID", info.up_id.as_deref());
    o.opt_date("upDate", info.up_date);
    o.opt_date("exDate", info.ex_date);
    o.opt_date("trDate", info.tr_date);
    o.auth_info(info.auth_info.as_ref());
    o.close("infData");
}

fn host_info(w: &mut Writer, info: &HostInfoData) {
    let mut o = Obj::new(w, Namespace::Host);
    o.open_root("infData", Namespace::Host);
    o.text("name", &info.name);
    o.text("roid", &info.roid);
    o.statuses(&info.statuses);
    for addr in &info.addrs {
        let ip = if addr.is_ipv6() { "v6" } else { "v4" };
        o.leaf("addr", &[("ip", ip)], &addr.to_string());
    }
    o.text("clID", &info.cl_id);
    o.text("crID", &info.cr_id);
    o.date("crDate", info.cr_date);
    o.opt_text("upID", info.up_id.as_deref());
    o.opt_date("upDate", info.up_date);
    o.opt_date("trDate", info.tr_date);
    o.close("infData");
}

fn contact_info(w: &mut Writer, info: &ContactInfoData) {
    let mut o = Obj::new(w, Namespace::Contact);
    o.open_root("infData", Namespace::Contact);
    o.text("id", &info.id);
    o.text("roid", &info.roid);
    o.statuses(&info.statuses);
    for postal in &info.postal_info {
        postal_info(&mut o, postal);
    }
    phone(&mut o, "voice", info.voice.as_ref());
    phone(&mut o, "fax", info.fax.as_ref());
    o.text("email", &info.email);
    o.text("clID", &info.cl_id);
    o.text("crID", &info.cr_id);
    o.date("crDate", info.cr_date);
    o.opt_text("upID", info.up_id.as_deref());
    o.opt_date("upDate", info.up_date);
    o.opt_date("trDate", info.tr_date);
    o.auth_info(info.auth_info.as_ref());
    if let Some(disclose) = &info.disclose {
        write_disclose(&mut o, disclose);
    }
    o.close("infData");
}

pub(crate) fn postal_info(o: &mut Obj<'_>, postal: &PostalInfo) {
    o.open("postalInfo", &[("type", postal.kind.as_str())]);
    o.text("name", &postal.name);
    o.opt_text("org", postal.org.as_deref());
    o.open("addr", &[]);
    for street in &postal.addr.street {
        o.text("street", street);
    }
    o.text("city", &postal.addr.city);
    o.opt_text("sp", postal.addr.sp.as_deref());
    o.opt_text("pc", postal.addr.pc.as_deref());
    o.text("cc", &postal.addr.cc);
    o.close("addr");
    o.close("postalInfo");
}

pub(crate) fn phone(o: &mut Obj<'_>, local: &str, phone: Option<&Phone>) {
    if let Some(phone) = phone {
        match &phone.ext {
            Some(ext) => o.leaf(local, &[("x", ext)], &phone.number),
            None => o.text(local, &phone.number),
        }
    }
}

/// `<contact:disclose>` in schema order: names, orgs, addresses, then voice, fax, email.
pub(crate) fn write_disclose(o: &mut Obj<'_>, disclose: &Disclose) {
    o.open("disclose", &[("flag", if disclose.flag { "1" } else { "0" })]);
    let order = |field: &DiscloseField| match field {
        DiscloseField::Name(_) => 0,
        DiscloseField::Org(_) => 1,
        DiscloseField::Addr(_) => 2,
        DiscloseField::Voice => 3,
        DiscloseField::Fax => 4,
        DiscloseField::Email => 5,
    };
    let mut fields = disclose.fields.clone();
    fields.sort_by_key(order);
    for field in fields {
        match field {
            DiscloseField::Name(kind) => o.leaf("name", &[("type", kind.as_str())], ""),
            DiscloseField::Org(kind) => o.leaf("org", &[("type", kind.as_str())], ""),
            DiscloseField::Addr(kind) => o.leaf("addr", &[("type", kind.as_str())], ""),
            DiscloseField::Voice => o.leaf("voice", &[], ""),
            DiscloseField::Fax => o.leaf("fax", &[], ""),
            DiscloseField::Email => o.leaf("email", &[], ""),
        }
    }
    o.close("disclose");
}
