//! Writing commands as XML, as a client sends them: for EPP clients and for tests that check
//! that [`super::parse`] gives back what was written.

use super::{
    Command, ContactChange, ContactCreate, DomainAddRem, DomainChange, DomainCreate, DomainUpdate,
    HostAddRem, Login, Poll, Request, RgpRestore, SecDnsRem,
};
use crate::response::data::{phone, postal_info, write_disclose};
use crate::response::ext::{write_dnssec, write_dnssec_items};
use crate::types::{
    Address, AuthInfo, Change, DomainContact, Namespace, Period, PeriodUnit, StatusValue,
    TransferOp,
};
use crate::xml::write::format_date;
use crate::xml::{Obj, Writer};

const LOGIN_SECURITY: &str = "[LOGIN-SECURITY]";

impl Request {
    /// The request as an XML document, as a client sends it.
    pub fn to_xml(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.open("epp", &[("xmlns", Namespace::Epp.uri())]);
        if self.command == Command::Hello {
            w.empty("hello", &[]);
        } else {
            w.open("command", &[]);
            write_command(&mut w, &self.command);
            w.opt_text("clTRID", self.cl_trid.as_deref());
            w.close("command");
        }
        w.close("epp");
        w.finish()
    }
}

fn write_command(w: &mut Writer, command: &Command) {
    match command {
        Command::Hello => {}
        Command::Login(login) => write_login(w, login),
        Command::Logout => w.empty("logout", &[]),
        Command::Poll(Poll::Request) => w.empty("poll", &[("op", "req")]),
        Command::Poll(Poll::Ack { msg_id }) => w.empty("poll", &[("op", "ack"), ("msgID", msg_id)]),
        Command::DomainCheck(names) => names_only(w, "check", Namespace::Domain, "name", names),
        Command::HostCheck(names) => names_only(w, "check", Namespace::Host, "name", names),
        Command::ContactCheck(ids) => names_only(w, "check", Namespace::Contact, "id", ids),
        Command::DomainDelete(name) => names_only(w, "delete", Namespace::Domain, "name", &[name]),
        Command::HostDelete(name) => names_only(w, "delete", Namespace::Host, "name", &[name]),
        Command::ContactDelete(id) => names_only(w, "delete", Namespace::Contact, "id", &[id]),
        Command::HostInfo(name) => names_only(w, "info", Namespace::Host, "name", &[name]),
        Command::DomainInfo(info) => {
            let mut o = verb(w, "info", &[], Namespace::Domain);
            o.leaf("name", &[("hosts", info.hosts.as_str())], &info.name);
            auth_info(&mut o, info.auth_info.as_ref());
            end_verb(o, "info");
        }
        Command::ContactInfo(info) => {
            let mut o = verb(w, "info", &[], Namespace::Contact);
            o.text("id", &info.id);
            auth_info(&mut o, info.auth_info.as_ref());
            end_verb(o, "info");
        }
        Command::DomainCreate(create) => write_domain_create(w, create),
        Command::DomainUpdate(update) => write_domain_update(w, update),
        Command::DomainRenew(renew) => {
            let mut o = verb(w, "renew", &[], Namespace::Domain);
            o.text("name", &renew.name);
            o.text("curExpDate", &format_date(renew.cur_exp_date));
            period(&mut o, renew.period);
            end_verb(o, "renew");
        }
        Command::DomainTransfer(transfer) => {
            let mut o = verb(w, "transfer", &[("op", op(transfer.op))], Namespace::Domain);
            o.text("name", &transfer.name);
            if let Some(p) = transfer.period {
                period(&mut o, p);
            }
            auth_info(&mut o, transfer.auth_info.as_ref());
            end_verb(o, "transfer");
        }
        Command::ContactTransfer(transfer) => {
            let mut o = verb(w, "transfer", &[("op", op(transfer.op))], Namespace::Contact);
            o.text("id", &transfer.id);
            auth_info(&mut o, transfer.auth_info.as_ref());
            end_verb(o, "transfer");
        }
        Command::HostCreate(create) => {
            let mut o = verb(w, "create", &[], Namespace::Host);
            o.text("name", &create.name);
            addrs(&mut o, &create.addrs);
            end_verb(o, "create");
        }
        Command::HostUpdate(update) => {
            let mut o = verb(w, "update", &[], Namespace::Host);
            o.text("name", &update.name);
            host_add_rem(&mut o, "add", &update.add);
            host_add_rem(&mut o, "rem", &update.rem);
            if let Some(new_name) = &update.new_name {
                o.open("chg", &[]);
                o.text("name", new_name);
                o.close("chg");
            }
            end_verb(o, "update");
        }
        Command::ContactCreate(create) => write_contact_create(w, create),
        Command::ContactUpdate(update) => {
            let mut o = verb(w, "update", &[], Namespace::Contact);
            o.text("id", &update.id);
            for (local, list) in [("add", &update.add), ("rem", &update.rem)] {
                if !list.is_empty() {
                    o.open(local, &[]);
                    statuses(&mut o, list);
                    o.close(local);
                }
            }
            if update.chg != ContactChange::default() {
                contact_change(&mut o, &update.chg);
            }
            end_verb(o, "update");
        }
    }
}

fn op(op: TransferOp) -> &'static str {
    op.as_str()
}

/// Opens `<verb><prefix:verb xmlns:prefix="...">` and returns the object writer.
fn verb<'w>(w: &'w mut Writer, local: &str, attrs: &[(&str, &str)], ns: Namespace) -> Obj<'w> {
    w.open(local, attrs);
    let mut o = Obj::new(w, ns);
    o.open_root(local, ns);
    o
}

fn end_verb(mut o: Obj<'_>, local: &str) {
    o.close(local);
    o.w.close(local);
}

fn names_only<S: AsRef<str>>(w: &mut Writer, local: &str, ns: Namespace, key: &str, names: &[S]) {
    let mut o = verb(w, local, &[], ns);
    for name in names {
        o.text(key, name.as_ref());
    }
    end_verb(o, local);
}

fn write_login(w: &mut Writer, login: &Login) {
    w.open("login", &[]);
    w.text("clID", &login.client_id);
    let pw = if login.used_login_sec { LOGIN_SECURITY } else { login.password.expose() };
    w.text("pw", pw);
    if let Some(new_pw) = &login.new_password {
        w.text("newPW", if login.used_login_sec { LOGIN_SECURITY } else { new_pw.expose() });
    }
    w.open("options", &[]);
    w.text("version", &login.version);
    w.text("lang", &login.lang);
    w.close("options");
    w.open("svcs", &[]);
    for uri in &login.obj_uris {
        w.text("objURI", uri);
    }
    if !login.ext_uris.is_empty() {
        w.open("svcExtension", &[]);
        for uri in &login.ext_uris {
            w.text("extURI", uri);
        }
        w.close("svcExtension");
    }
    w.close("svcs");
    w.close("login");
    if login.used_login_sec {
        w.open("extension", &[]);
        let mut o = Obj::new(w, Namespace::LoginSec);
        o.open_root("loginSec", Namespace::LoginSec);
        if let Some(agent) = &login.user_agent {
            o.open("userAgent", &[]);
            o.opt_text("app", agent.app.as_deref());
            o.opt_text("tech", agent.tech.as_deref());
            o.opt_text("os", agent.os.as_deref());
            o.close("userAgent");
        }
        o.text("pw", login.password.expose());
        if let Some(new_pw) = &login.new_password {
            o.text("newPW", new_pw.expose());
        }
        o.close("loginSec");
        w.close("extension");
    }
}

fn write_domain_create(w: &mut Writer, create: &DomainCreate) {
    let mut o = verb(w, "create", &[], Namespace::Domain);
    o.text("name", &create.name);
    period(&mut o, create.period);
    name_servers(&mut o, &create.ns);
    o.opt_text("registrant", create.registrant.as_deref());
    contacts(&mut o, &create.contacts);
    auth_info(&mut o, Some(&create.auth_info));
    end_verb(o, "create");
    if let Some(sec_dns) = &create.sec_dns {
        w.open("extension", &[]);
        w.open("secDNS:create", &[("xmlns:secDNS", Namespace::SecDns.uri())]);
        write_dnssec(w, sec_dns.max_sig_life, &sec_dns.data);
        w.close("secDNS:create");
        w.close("extension");
    }
}

fn write_domain_update(w: &mut Writer, update: &DomainUpdate) {
    let mut o = verb(w, "update", &[], Namespace::Domain);
    o.text("name", &update.name);
    domain_add_rem(&mut o, "add", &update.add);
    domain_add_rem(&mut o, "rem", &update.rem);
    let nothing_else =
        update.add == DomainAddRem::default() && update.rem == DomainAddRem::default();
    if update.chg != DomainChange::default() || nothing_else {
        o.open("chg", &[]);
        match &update.chg.registrant {
            Some(Change::Set(id)) => o.text("registrant", id),
            Some(Change::Clear) => o.text("registrant", ""),
            None => {}
        }
        match &update.chg.auth_info {
            Some(Change::Set(pw)) => {
                o.open("authInfo", &[]);
                o.text("pw", pw.expose());
                o.close("authInfo");
            }
            Some(Change::Clear) => {
                o.open("authInfo", &[]);
                o.text("null", "");
                o.close("authInfo");
            }
            None => {}
        }
        o.close("chg");
    }
    end_verb(o, "update");
    if update.sec_dns.is_none() && update.restore.is_none() {
        return;
    }
    w.open("extension", &[]);
    if let Some(sec_dns) = &update.sec_dns {
        let attrs = [("xmlns:secDNS", Namespace::SecDns.uri())];
        let urgent = [attrs[0], ("urgent", "true")];
        w.open("secDNS:update", if sec_dns.urgent { &urgent } else { &attrs });
        match &sec_dns.rem {
            Some(SecDnsRem::All) => {
                w.open("secDNS:rem", &[]);
                w.text("secDNS:all", "true");
                w.close("secDNS:rem");
            }
            Some(SecDnsRem::Data(data)) => {
                w.open("secDNS:rem", &[]);
                write_dnssec_items(w, data);
                w.close("secDNS:rem");
            }
            None => {}
        }
        if let Some(add) = &sec_dns.add {
            w.open("secDNS:add", &[]);
            write_dnssec_items(w, add);
            w.close("secDNS:add");
        }
        if let Some(life) = sec_dns.max_sig_life {
            w.open("secDNS:chg", &[]);
            w.text("secDNS:maxSigLife", &life.to_string());
            w.close("secDNS:chg");
        }
        w.close("secDNS:update");
    }
    if let Some(restore) = &update.restore {
        w.open("rgp:update", &[("xmlns:rgp", Namespace::Rgp.uri())]);
        match restore {
            RgpRestore::Request => w.empty("rgp:restore", &[("op", "request")]),
            RgpRestore::Report(report) => {
                w.open("rgp:restore", &[("op", "report")]);
                w.open("rgp:report", &[]);
                w.text("rgp:preData", &report.pre_data);
                w.text("rgp:postData", &report.post_data);
                w.datetime("rgp:delTime", report.del_time);
                w.datetime("rgp:resTime", report.res_time);
                w.text("rgp:resReason", &report.res_reason);
                for statement in &report.statements {
                    w.text("rgp:statement", statement);
                }
                w.opt_text("rgp:other", report.other.as_deref());
                w.close("rgp:report");
                w.close("rgp:restore");
            }
        }
        w.close("rgp:update");
    }
    w.close("extension");
}

fn write_contact_create(w: &mut Writer, create: &ContactCreate) {
    let mut o = verb(w, "create", &[], Namespace::Contact);
    o.text("id", &create.id);
    for postal in &create.postal_info {
        postal_info(&mut o, postal);
    }
    phone(&mut o, "voice", create.voice.as_ref());
    phone(&mut o, "fax", create.fax.as_ref());
    o.text("email", &create.email);
    auth_info(&mut o, Some(&create.auth_info));
    if let Some(disclose) = &create.disclose {
        write_disclose(&mut o, disclose);
    }
    end_verb(o, "create");
}

fn contact_change(o: &mut Obj<'_>, chg: &ContactChange) {
    o.open("chg", &[]);
    for postal in &chg.postal_info {
        o.open("postalInfo", &[("type", postal.kind.as_str())]);
        o.opt_text("name", postal.name.as_deref());
        match &postal.org {
            Some(Change::Set(org)) => o.text("org", org),
            Some(Change::Clear) => o.text("org", ""),
            None => {}
        }
        if let Some(addr) = &postal.addr {
            address(o, addr);
        }
        o.close("postalInfo");
    }
    for (local, value) in [("voice", &chg.voice), ("fax", &chg.fax)] {
        match value {
            Some(Change::Set(number)) => phone(o, local, Some(number)),
            Some(Change::Clear) => o.text(local, ""),
            None => {}
        }
    }
    o.opt_text("email", chg.email.as_deref());
    auth_info(o, chg.auth_info.as_ref());
    if let Some(disclose) = &chg.disclose {
        write_disclose(o, disclose);
    }
    o.close("chg");
}

fn address(o: &mut Obj<'_>, addr: &Address) {
    o.open("addr", &[]);
    for street in &addr.street {
        o.text("street", street);
    }
    o.text("city", &addr.city);
    o.opt_text("sp", addr.sp.as_deref());
    o.opt_text("pc", addr.pc.as_deref());
    o.text("cc", &addr.cc);
    o.close("addr");
}

fn period(o: &mut Obj<'_>, period: Period) {
    let unit = match period.unit {
        PeriodUnit::Year => "y",
        PeriodUnit::Month => "m",
    };
    o.leaf("period", &[("unit", unit)], &period.value.to_string());
}

fn auth_info(o: &mut Obj<'_>, auth: Option<&AuthInfo>) {
    if let Some(auth) = auth {
        o.open("authInfo", &[]);
        match &auth.roid {
            Some(roid) => o.leaf("pw", &[("roid", roid)], auth.pw.expose()),
            None => o.text("pw", auth.pw.expose()),
        }
        o.close("authInfo");
    }
}

fn name_servers(o: &mut Obj<'_>, ns: &[String]) {
    if !ns.is_empty() {
        o.open("ns", &[]);
        for host in ns {
            o.text("hostObj", host);
        }
        o.close("ns");
    }
}

fn contacts(o: &mut Obj<'_>, contacts: &[DomainContact]) {
    for contact in contacts {
        o.leaf("contact", &[("type", contact.kind.as_str())], &contact.id);
    }
}

fn statuses(o: &mut Obj<'_>, statuses: &[StatusValue]) {
    for status in statuses {
        let mut attrs = vec![("s", status.status.as_str())];
        if let Some(lang) = &status.lang {
            attrs.push(("lang", lang));
        }
        o.leaf("status", &attrs, status.text.as_deref().unwrap_or(""));
    }
}

fn domain_add_rem(o: &mut Obj<'_>, local: &str, add_rem: &DomainAddRem) {
    if *add_rem == DomainAddRem::default() {
        return;
    }
    o.open(local, &[]);
    name_servers(o, &add_rem.ns);
    contacts(o, &add_rem.contacts);
    statuses(o, &add_rem.statuses);
    o.close(local);
}

fn host_add_rem(o: &mut Obj<'_>, local: &str, add_rem: &HostAddRem) {
    if *add_rem == HostAddRem::default() {
        return;
    }
    o.open(local, &[]);
    addrs(o, &add_rem.addrs);
    statuses(o, &add_rem.statuses);
    o.close(local);
}

fn addrs(o: &mut Obj<'_>, addrs: &[std::net::IpAddr]) {
    for addr in addrs {
        let ip = if addr.is_ipv6() { "v6" } else { "v4" };
        o.leaf("addr", &[("ip", ip)], &addr.to_string());
    }
}
