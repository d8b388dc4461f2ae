//! Registry objects as EPP response data. Pure.

use data_encoding::HEXUPPER_PERMISSIVE;
use nameward_registry::model::{self, PollBody};
use nameward_registry::service::{Availability, ContactView, DomainView};
use time::OffsetDateTime;

use super::convert::disclose_from_model;
use crate::response::{
    CheckResult, ContactInfoData, DomainInfoData, ExtensionData, HostInfoData, ResData,
    TransferData,
};
use crate::types::{
    Address, ContactType, DnssecData, DomainContact, HostsFilter, Phone, PostalInfo, PostalType,
    RgpStatus, Secret, Status, StatusValue, TransferStatus,
};

pub(crate) fn checks(answers: Vec<Availability>) -> Vec<CheckResult> {
    answers
        .into_iter()
        .map(|a| CheckResult {
            name: a.name,
            avail: a.available,
            reason: a.reason.as_deref().map(short_reason),
        })
        .collect()
}

/// eppcom's reasonType holds at most 32 characters.
const MAX_REASON: usize = 32;

/// A check reason cut to what the schema allows, with an ellipsis when shortened.
fn short_reason(reason: &str) -> String {
    if reason.chars().count() <= MAX_REASON {
        return reason.to_owned();
    }
    let mut short: String = reason.chars().take(MAX_REASON - 1).collect();
    short.push('…');
    short
}

fn statuses<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<StatusValue> {
    names.into_iter().filter_map(Status::from_token).map(StatusValue::from).collect()
}

/// RFC 9154 §4.4: the code is kept only as a hash, so its sponsor sees that one is set (an
/// empty `<pw/>`) and no `<authInfo>` when none is.
fn auth_shown(auth: Option<&model::AuthCode>) -> Option<Secret> {
    auth.map(|_| Secret::new(""))
}

/// `<domain:infData>` with its RGP and secDNS extensions.
///
/// A registrar that neither sponsors the domain nor gave its transfer code gets the minimal
/// view the schema allows — name, ROID, statuses and sponsor (RFC 5731 §3.1.2 leaves the
/// rest to policy); statuses and sponsor are public in RDAP anyway.
pub(crate) fn domain_info(
    view: &DomainView,
    asker: &str,
    filter: HostsFilter,
    now: OffsetDateTime,
) -> (ResData, Vec<ExtensionData>) {
    let domain = &view.domain;
    let mut data = DomainInfoData {
        name: domain.name.clone(),
        roid: domain.roid.clone(),
        statuses: statuses(domain.epp_statuses()),
        registrant: None,
        contacts: Vec::new(),
        ns: Vec::new(),
        hosts: Vec::new(),
        cl_id: domain.sponsor.clone(),
        cr_id: None,
        cr_date: None,
        up_id: None,
        up_date: None,
        ex_date: None,
        tr_date: None,
        auth_info: None,
    };
    if !view.full {
        return (ResData::DomainInfo(Box::new(data)), Vec::new());
    }
    data.registrant.clone_from(&domain.registrant);
    data.contacts = domain
        .contacts
        .iter()
        .map(|c| DomainContact {
            kind: match c.role {
                model::ContactRole::Admin => ContactType::Admin,
                model::ContactRole::Billing => ContactType::Billing,
                model::ContactRole::Tech => ContactType::Tech,
            },
            id: c.id.clone(),
        })
        .collect();
    if matches!(filter, HostsFilter::All | HostsFilter::Delegated) {
        data.ns.clone_from(&domain.ns);
    }
    if matches!(filter, HostsFilter::All | HostsFilter::Subordinate) {
        data.hosts.clone_from(&view.hosts);
    }
    data.cr_id = Some(domain.stamps.created_by.clone());
    data.cr_date = Some(domain.stamps.created_at);
    data.up_id.clone_from(&domain.stamps.updated_by);
    data.up_date = domain.stamps.updated_at;
    data.ex_date = Some(domain.expires_at);
    data.tr_date = domain.transferred_at;
    if asker == domain.sponsor {
        data.auth_info = auth_shown(domain.auth.as_ref());
    }
    let rgp = domain
        .rgp_statuses(now)
        .into_iter()
        .filter_map(|status| RgpStatus::from_token(status.as_str()))
        .collect();
    let mut extensions = vec![ExtensionData::RgpInfo(rgp)];
    if !domain.ds.is_empty() {
        extensions.push(ExtensionData::SecDnsInfo {
            max_sig_life: domain.max_sig_life,
            data: DnssecData::Ds(domain.ds.iter().map(ds_data).collect()),
        });
    }
    (ResData::DomainInfo(Box::new(data)), extensions)
}

fn ds_data(ds: &model::DsData) -> crate::types::DsData {
    crate::types::DsData {
        key_tag: ds.key_tag,
        alg: ds.alg,
        digest_type: ds.digest_type,
        // The registry checked the digest as hex when it was stored.
        digest: HEXUPPER_PERMISSIVE.decode(ds.digest.as_bytes()).unwrap_or_default(),
        key_data: None,
    }
}

pub(crate) fn host_info(host: &model::Host, linked: bool) -> ResData {
    let mut names: Vec<&str> = host
        .statuses
        .iter()
        .map(|status| match status {
            model::HostStatus::ClientDeleteProhibited => "clientDeleteProhibited",
            model::HostStatus::ClientUpdateProhibited => "clientUpdateProhibited",
            model::HostStatus::ServerDeleteProhibited => "serverDeleteProhibited",
            model::HostStatus::ServerUpdateProhibited => "serverUpdateProhibited",
        })
        .collect();
    if linked {
        names.push("linked");
    }
    ResData::HostInfo(Box::new(HostInfoData {
        name: host.name.clone(),
        roid: host.roid.clone(),
        statuses: statuses(names),
        addrs: host.addrs.clone(),
        cl_id: host.sponsor.clone(),
        cr_id: host.stamps.created_by.clone(),
        cr_date: host.stamps.created_at,
        up_id: host.stamps.updated_by.clone(),
        up_date: host.stamps.updated_at,
        tr_date: None,
    }))
}

pub(crate) fn contact_info(view: &ContactView, asker: &str) -> ResData {
    let contact = &view.contact;
    let mut names: Vec<&str> = contact
        .statuses
        .iter()
        .map(|status| match status {
            model::ContactStatus::ClientDeleteProhibited => "clientDeleteProhibited",
            model::ContactStatus::ClientTransferProhibited => "clientTransferProhibited",
            model::ContactStatus::ClientUpdateProhibited => "clientUpdateProhibited",
            model::ContactStatus::ServerDeleteProhibited => "serverDeleteProhibited",
            model::ContactStatus::ServerTransferProhibited => "serverTransferProhibited",
            model::ContactStatus::ServerUpdateProhibited => "serverUpdateProhibited",
        })
        .collect();
    if view.linked {
        names.push("linked");
    }
    let phone = |number: &Option<String>, ext: &Option<String>| {
        number.as_ref().map(|number| Phone { number: number.clone(), ext: ext.clone() })
    };
    ResData::ContactInfo(Box::new(ContactInfoData {
        id: contact.id.clone(),
        roid: contact.roid.clone(),
        statuses: statuses(names),
        postal_info: contact
            .postal
            .iter()
            .map(|form| PostalInfo {
                kind: match form.kind {
                    model::PostalKind::Int => PostalType::Int,
                    model::PostalKind::Loc => PostalType::Loc,
                },
                name: form.name.clone(),
                org: form.org.clone(),
                addr: Address {
                    street: form.street.clone(),
                    city: form.city.clone(),
                    sp: form.sp.clone(),
                    pc: form.pc.clone(),
                    cc: form.cc.clone(),
                },
            })
            .collect(),
        voice: phone(&contact.voice, &contact.voice_ext),
        fax: phone(&contact.fax, &contact.fax_ext),
        email: contact.email.clone(),
        cl_id: contact.sponsor.clone(),
        cr_id: contact.stamps.created_by.clone(),
        cr_date: contact.stamps.created_at,
        up_id: contact.stamps.updated_by.clone(),
        up_date: contact.stamps.updated_at,
        tr_date: None,
        auth_info: if asker == contact.sponsor { auth_shown(contact.auth.as_ref()) } else { None },
        disclose: contact
            .disclose
            .as_ref()
            .map(disclose_from_model)
            .filter(|disclose| !disclose.fields.is_empty()),
    }))
}

fn transfer_status(status: model::TransferStatus) -> TransferStatus {
    TransferStatus::from_token(status.as_str()).unwrap_or(TransferStatus::Pending)
}

/// `<domain:trnData>` for a transfer as it stands.
pub(crate) fn transfer(
    name: &str,
    transfer: &model::Transfer,
    ex_date: Option<OffsetDateTime>,
) -> ResData {
    ResData::DomainTransfer(TransferData {
        name: name.to_owned(),
        status: transfer_status(transfer.status),
        re_id: transfer.gaining.clone(),
        re_date: transfer.requested_at,
        ac_id: transfer.losing.clone(),
        ac_date: transfer.action_at,
        ex_date,
    })
}

/// The data a poll message carries: a transfer as `<domain:trnData>` (RFC 5730 §2.9.2.3's
/// example), an automatic renewal as `<domain:renData>`; other messages are text only.
pub(crate) fn poll_data(body: &PollBody) -> Option<ResData> {
    match body {
        PollBody::Transfer {
            domain,
            status,
            gaining,
            losing,
            requested_at,
            action_at,
            expires_at,
        } => Some(ResData::DomainTransfer(TransferData {
            name: domain.clone(),
            status: transfer_status(*status),
            re_id: gaining.clone(),
            re_date: *requested_at,
            ac_id: losing.clone(),
            ac_date: *action_at,
            ex_date: Some(*expires_at),
        })),
        PollBody::AutoRenew { domain, expires_at } => {
            Some(ResData::DomainRenew { name: domain.clone(), ex_date: Some(*expires_at) })
        }
        PollBody::Purged { .. } | PollBody::System { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::short_reason;

    #[test]
    fn check_reasons_fit_the_schema() {
        assert_eq!(short_reason("In use"), "In use");
        let long = short_reason(&"ü".repeat(40));
        assert_eq!(long.chars().count(), 32);
        assert!(long.ends_with('…'));
    }
}
