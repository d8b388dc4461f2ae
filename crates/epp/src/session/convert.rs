//! Commands as the codec reads them, turned into the requests the registry takes. Pure: what
//! EPP allows but the registry does not (periods in months, DNSSEC key data, statuses a
//! client cannot set) is refused here with the code the RFCs give.

use data_encoding::HEXUPPER;
use nameward_registry::lifecycle::{contact as lc, domain as ld, host as lh};
use nameward_registry::model;
use nameward_registry::service::TransferOp as ServiceTransferOp;

use super::Failure;
use crate::command;
use crate::result::ResultCode;
use crate::types::{
    Change, ContactType, Disclose, DiscloseField, DnssecData, DomainContact, Period, PeriodUnit,
    PostalInfo, PostalType, Status, StatusValue, TransferOp,
};

/// A period in whole years; months are refused unless they make whole years.
pub(crate) fn years(period: Period) -> Result<u8, Failure> {
    match period.unit {
        PeriodUnit::Year => Ok(period.value),
        PeriodUnit::Month if period.value.is_multiple_of(12) => Ok(period.value / 12),
        PeriodUnit::Month => Err(Failure::new(
            ResultCode::ParameterValuePolicyError,
            format!("a period of {} months: this registry registers whole years", period.value),
        )),
    }
}

pub(crate) fn transfer_op(op: TransferOp) -> ServiceTransferOp {
    match op {
        TransferOp::Request => ServiceTransferOp::Request,
        TransferOp::Approve => ServiceTransferOp::Approve,
        TransferOp::Reject => ServiceTransferOp::Reject,
        TransferOp::Cancel => ServiceTransferOp::Cancel,
        TransferOp::Query => ServiceTransferOp::Query,
    }
}

pub(crate) fn domain_create(req: &command::DomainCreate) -> Result<ld::DomainCreate, Failure> {
    let (ds, max_sig_life) = match &req.sec_dns {
        Some(sec) => (ds_list(&sec.data)?, sec.max_sig_life),
        None => (Vec::new(), None),
    };
    Ok(ld::DomainCreate {
        name: req.name.clone(),
        years: years(req.period)?,
        ns: req.ns.clone(),
        registrant: req.registrant.clone(),
        contacts: domain_contacts(&req.contacts),
        auth_code: req.auth_info.pw.expose().to_owned(),
        ds,
        max_sig_life,
    })
}

/// The update without its RGP restore, which the session runs as a command of its own.
pub(crate) fn domain_update(req: &command::DomainUpdate) -> Result<ld::DomainUpdate, Failure> {
    let statuses =
        |list: &[StatusValue]| list.iter().map(domain_status).collect::<Result<Vec<_>, _>>();
    Ok(ld::DomainUpdate {
        add_statuses: statuses(&req.add.statuses)?,
        rem_statuses: statuses(&req.rem.statuses)?,
        add_ns: req.add.ns.clone(),
        rem_ns: req.rem.ns.clone(),
        add_contacts: domain_contacts(&req.add.contacts),
        rem_contacts: domain_contacts(&req.rem.contacts),
        registrant: req.chg.registrant.as_ref().map(|change| match change {
            Change::Set(id) => Some(id.clone()),
            Change::Clear => None,
        }),
        auth: req.chg.auth_info.as_ref().map(|change| match change {
            Change::Set(code) => ld::AuthChange::Set(code.expose().to_owned()),
            Change::Clear => ld::AuthChange::Unset,
        }),
        sec_dns: req.sec_dns.as_ref().map(sec_dns_update).transpose()?,
    })
}

/// Whether a domain update changes anything besides a restore.
pub(crate) fn changes_more_than_restore(req: &command::DomainUpdate) -> bool {
    let empty = |part: &command::DomainAddRem| {
        part.ns.is_empty() && part.contacts.is_empty() && part.statuses.is_empty()
    };
    !empty(&req.add)
        || !empty(&req.rem)
        || req.chg.registrant.is_some()
        || req.chg.auth_info.is_some()
        || req.sec_dns.is_some()
}

fn sec_dns_update(req: &command::SecDnsUpdate) -> Result<ld::SecDnsUpdate, Failure> {
    if req.urgent {
        // RFC 5910 §5.2.5: a server that cannot honour urgent="true" answers 2102.
        return Err(Failure::new(
            ResultCode::UnimplementedOption,
            "urgent DNSSEC updates are not offered; send the update without urgent=\"true\"",
        ));
    }
    let (rem_all, rem) = match &req.rem {
        Some(command::SecDnsRem::All) => (true, Vec::new()),
        Some(command::SecDnsRem::Data(data)) => (false, ds_list(data)?),
        None => (false, Vec::new()),
    };
    Ok(ld::SecDnsUpdate {
        rem_all,
        rem,
        add: req.add.as_ref().map(ds_list).transpose()?.unwrap_or_default(),
        max_sig_life: req.max_sig_life,
    })
}

/// DS records; the key-data interface is not offered (RFC 5910 §4: a server supports one
/// interface and answers 2306 to the other). A key given inside a dsData is not kept.
fn ds_list(data: &DnssecData) -> Result<Vec<model::DsData>, Failure> {
    match data {
        DnssecData::Ds(list) => Ok(list
            .iter()
            .map(|ds| model::DsData {
                key_tag: ds.key_tag,
                alg: ds.alg,
                digest_type: ds.digest_type,
                digest: HEXUPPER.encode(&ds.digest),
            })
            .collect()),
        DnssecData::Key(_) => Err(Failure::new(
            ResultCode::ParameterValuePolicyError,
            "this registry takes DNSSEC data as DS records (secDNS:dsData), not keys",
        )),
    }
}

fn domain_contacts(list: &[DomainContact]) -> Vec<model::DomainContact> {
    list.iter()
        .map(|contact| model::DomainContact {
            role: match contact.kind {
                ContactType::Admin => model::ContactRole::Admin,
                ContactType::Billing => model::ContactRole::Billing,
                ContactType::Tech => model::ContactRole::Tech,
            },
            id: contact.id.clone(),
        })
        .collect()
}

fn not_settable(status: Status) -> Failure {
    Failure::new(
        ResultCode::ParameterValuePolicyError,
        format!(
            "status {status} follows from the object's state; a client cannot set or remove it"
        ),
    )
}

fn domain_status(value: &StatusValue) -> Result<model::DomainStatus, Failure> {
    model::DomainStatus::parse(value.status.as_str()).ok_or_else(|| not_settable(value.status))
}

fn host_status(value: &StatusValue) -> Result<model::HostStatus, Failure> {
    use model::HostStatus as H;
    match value.status {
        Status::ClientDeleteProhibited => Ok(H::ClientDeleteProhibited),
        Status::ClientUpdateProhibited => Ok(H::ClientUpdateProhibited),
        Status::ServerDeleteProhibited => Ok(H::ServerDeleteProhibited),
        Status::ServerUpdateProhibited => Ok(H::ServerUpdateProhibited),
        other => Err(not_settable(other)),
    }
}

fn contact_status(value: &StatusValue) -> Result<model::ContactStatus, Failure> {
    use model::ContactStatus as C;
    match value.status {
        Status::ClientDeleteProhibited => Ok(C::ClientDeleteProhibited),
        Status::ClientTransferProhibited => Ok(C::ClientTransferProhibited),
        Status::ClientUpdateProhibited => Ok(C::ClientUpdateProhibited),
        Status::ServerDeleteProhibited => Ok(C::ServerDeleteProhibited),
        Status::ServerTransferProhibited => Ok(C::ServerTransferProhibited),
        Status::ServerUpdateProhibited => Ok(C::ServerUpdateProhibited),
        other => Err(not_settable(other)),
    }
}

pub(crate) fn restore_report(report: &command::RgpReport) -> ld::RestoreReport {
    ld::RestoreReport {
        pre_data: report.pre_data.clone(),
        post_data: report.post_data.clone(),
        del_time: report.del_time,
        res_time: report.res_time,
        res_reason: report.res_reason.clone(),
        statements: report.statements.clone(),
        other: report.other.clone(),
    }
}

pub(crate) fn host_create(req: &command::HostCreate) -> lh::HostCreate {
    lh::HostCreate { name: req.name.clone(), addrs: req.addrs.clone() }
}

pub(crate) fn host_update(req: &command::HostUpdate) -> Result<lh::HostUpdate, Failure> {
    let statuses =
        |list: &[StatusValue]| list.iter().map(host_status).collect::<Result<Vec<_>, _>>();
    Ok(lh::HostUpdate {
        add_addrs: req.add.addrs.clone(),
        rem_addrs: req.rem.addrs.clone(),
        add_statuses: statuses(&req.add.statuses)?,
        rem_statuses: statuses(&req.rem.statuses)?,
        new_name: req.new_name.clone(),
    })
}

pub(crate) fn contact_create(req: &command::ContactCreate) -> lc::ContactCreate {
    lc::ContactCreate {
        id: req.id.clone(),
        postal: req.postal_info.iter().map(postal_to_model).collect(),
        voice: req.voice.as_ref().map(|phone| phone.number.clone()),
        voice_ext: req.voice.as_ref().and_then(|phone| phone.ext.clone()),
        fax: req.fax.as_ref().map(|phone| phone.number.clone()),
        fax_ext: req.fax.as_ref().and_then(|phone| phone.ext.clone()),
        email: req.email.clone(),
        auth_code: req.auth_info.pw.expose().to_owned(),
        disclose: req.disclose.as_ref().map(disclose_to_model),
    }
}

/// An update against the contact as it stands: EPP changes parts of a postal form, the
/// registry replaces whole forms, so the parts not named are taken from `current`.
pub(crate) fn contact_update(
    req: &command::ContactUpdate,
    current: &model::Contact,
) -> Result<lc::ContactUpdate, Failure> {
    let statuses =
        |list: &[StatusValue]| list.iter().map(contact_status).collect::<Result<Vec<_>, _>>();
    let mut postal = Vec::new();
    for change in &req.chg.postal_info {
        let kind = postal_kind(change.kind);
        let existing = current.postal.iter().find(|form| form.kind == kind);
        let missing = || {
            Failure::new(
                ResultCode::RequiredParameterMissing,
                format!(
                    "contact {} has no {} postal form yet: give its name and address",
                    current.id, change.kind
                ),
            )
        };
        let name = match (&change.name, existing) {
            (Some(name), _) => name.clone(),
            (None, Some(form)) => form.name.clone(),
            (None, None) => return Err(missing()),
        };
        let org = match (&change.org, existing) {
            (Some(Change::Set(org)), _) => Some(org.clone()),
            (Some(Change::Clear), _) => None,
            (None, existing) => existing.and_then(|form| form.org.clone()),
        };
        let form = match (&change.addr, existing) {
            (Some(addr), _) => model::PostalInfo {
                kind,
                name,
                org,
                street: addr.street.clone(),
                city: addr.city.clone(),
                sp: addr.sp.clone(),
                pc: addr.pc.clone(),
                cc: addr.cc.clone(),
            },
            (None, Some(form)) => model::PostalInfo { kind, name, org, ..form.clone() },
            (None, None) => return Err(missing()),
        };
        postal.push(form);
    }
    let phone = |change: &Option<Change<crate::types::Phone>>| match change {
        Some(Change::Set(phone)) => (Some(Some(phone.number.clone())), Some(phone.ext.clone())),
        Some(Change::Clear) => (Some(None), Some(None)),
        None => (None, None),
    };
    let (voice, voice_ext) = phone(&req.chg.voice);
    let (fax, fax_ext) = phone(&req.chg.fax);
    Ok(lc::ContactUpdate {
        add_statuses: statuses(&req.add)?,
        rem_statuses: statuses(&req.rem)?,
        postal,
        voice,
        voice_ext,
        fax,
        fax_ext,
        email: req.chg.email.clone(),
        auth_code: req.chg.auth_info.as_ref().map(|auth| auth.pw.expose().to_owned()),
        disclose: req.chg.disclose.as_ref().map(disclose_to_model),
    })
}

fn postal_kind(kind: PostalType) -> model::PostalKind {
    match kind {
        PostalType::Int => model::PostalKind::Int,
        PostalType::Loc => model::PostalKind::Loc,
    }
}

fn postal_to_model(info: &PostalInfo) -> model::PostalInfo {
    model::PostalInfo {
        kind: postal_kind(info.kind),
        name: info.name.clone(),
        org: info.org.clone(),
        street: info.addr.street.clone(),
        city: info.addr.city.clone(),
        sp: info.addr.sp.clone(),
        pc: info.addr.pc.clone(),
        cc: info.addr.cc.clone(),
    }
}

/// The field names the registry keeps (`name_int`, `voice`, …).
fn disclose_field_name(field: DiscloseField) -> String {
    let typed = |base: &str, kind: PostalType| format!("{base}_{kind}");
    match field {
        DiscloseField::Name(kind) => typed("name", kind),
        DiscloseField::Org(kind) => typed("org", kind),
        DiscloseField::Addr(kind) => typed("addr", kind),
        DiscloseField::Voice => "voice".to_owned(),
        DiscloseField::Fax => "fax".to_owned(),
        DiscloseField::Email => "email".to_owned(),
    }
}

fn disclose_to_model(disclose: &Disclose) -> model::Disclose {
    model::Disclose {
        flag: disclose.flag,
        fields: disclose.fields.iter().copied().map(disclose_field_name).collect(),
    }
}

/// The disclosure preference as EPP writes it; stored names it does not know are left out.
pub(crate) fn disclose_from_model(disclose: &model::Disclose) -> Disclose {
    let fields = disclose
        .fields
        .iter()
        .filter_map(|name| {
            let typed = |kind: &str| PostalType::from_token(kind);
            match name.split_once('_') {
                Some(("name", kind)) => typed(kind).map(DiscloseField::Name),
                Some(("org", kind)) => typed(kind).map(DiscloseField::Org),
                Some(("addr", kind)) => typed(kind).map(DiscloseField::Addr),
                _ => match name.as_str() {
                    "voice" => Some(DiscloseField::Voice),
                    "fax" => Some(DiscloseField::Fax),
                    "email" => Some(DiscloseField::Email),
                    _ => None,
                },
            }
        })
        .collect();
    Disclose { flag: disclose.flag, fields }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_make_whole_years_or_are_refused() {
        assert_eq!(years(Period::years(3)).ok(), Some(3));
        assert_eq!(years(Period { value: 24, unit: PeriodUnit::Month }).ok(), Some(2));
        let refused = years(Period { value: 18, unit: PeriodUnit::Month }).err();
        assert_eq!(refused.map(|f| f.code), Some(ResultCode::ParameterValuePolicyError));
    }

    #[test]
    fn disclose_names_round_trip() {
        let disclose = Disclose {
            flag: false,
            fields: vec![
                DiscloseField::Name(PostalType::Int),
                DiscloseField::Addr(PostalType::Loc),
                DiscloseField::Voice,
                DiscloseField::Email,
            ],
        };
        assert_eq!(disclose_from_model(&disclose_to_model(&disclose)), disclose);
    }

    #[test]
    fn derived_statuses_cannot_be_set() {
        let value = StatusValue::from(Status::PendingDelete);
        assert_eq!(
            domain_status(&value).err().map(|f| f.code),
            Some(ResultCode::ParameterValuePolicyError)
        );
        assert!(host_status(&StatusValue::from(Status::Linked)).is_err());
        assert!(contact_status(&StatusValue::from(Status::ClientUpdateProhibited)).is_ok());
    }
}
