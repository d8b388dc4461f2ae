//! One registry call per command, and the response it makes.

use nameward_registry::lifecycle::domain::transfer_expiry;
use nameward_registry::model::TransferStatus as ModelTransferStatus;
use nameward_registry::service::{Meta, Registry};

use super::{Answer, Failure, convert, render};
use crate::command::{self, Command, Poll, RgpRestore};
use crate::response::{ExtensionData, MsgQ, ResData};
use crate::result::ResultCode;
use crate::types::{RgpStatus, TransferOp};

/// Runs an object or poll command for the registrar in `meta`.
pub(super) async fn run(
    registry: &Registry,
    meta: &Meta<'_>,
    command: Command,
) -> Result<Answer, Failure> {
    let success = ResultCode::Success;
    match command {
        Command::Hello | Command::Login(_) | Command::Logout => Err(Failure::new(
            ResultCode::CommandUseError,
            "session commands are handled by the session",
        )),
        Command::Poll(Poll::Request) => poll_request(registry, meta).await,
        Command::Poll(Poll::Ack { msg_id }) => poll_ack(registry, meta, &msg_id).await,
        Command::DomainCheck(names) => {
            let answers = render::checks(registry.check_domains(&names).await?);
            Ok(Answer::code(success).map(|r| r.with_res_data(ResData::DomainCheck(answers))))
        }
        Command::HostCheck(names) => {
            let answers = render::checks(registry.check_hosts(&names).await?);
            Ok(Answer::code(success).map(|r| r.with_res_data(ResData::HostCheck(answers))))
        }
        Command::ContactCheck(ids) => {
            let answers = render::checks(registry.check_contacts(&ids).await?);
            Ok(Answer::code(success).map(|r| r.with_res_data(ResData::ContactCheck(answers))))
        }
        Command::DomainInfo(info) => {
            let code = info.auth_info.as_ref().map(|auth| auth.pw.expose());
            let view = registry.domain_info(meta, &info.name, code).await?;
            let (data, extensions) = render::domain_info(&view, meta.actor, info.hosts, meta.now);
            Ok(Answer::code(success).map(|r| {
                extensions.into_iter().fold(r.with_res_data(data), |r, e| r.with_extension(e))
            }))
        }
        Command::DomainCreate(req) => {
            let done = registry.domain_create(meta, &convert::domain_create(&req)?).await?;
            let data = ResData::DomainCreate {
                name: done.value.name.clone(),
                cr_date: done.value.stamps.created_at,
                ex_date: Some(done.value.expires_at),
            };
            Ok(Answer::written(success, done.sv_trid).map(|r| r.with_res_data(data)))
        }
        Command::DomainUpdate(req) => domain_update(registry, meta, &req).await,
        Command::DomainDelete(name) => {
            let done = registry.domain_delete(meta, &name).await?;
            // Removed at once inside the add grace period; otherwise in redemption, with the
            // purge pending (RFC 3915 §3.1).
            let code =
                if done.value.is_some() { ResultCode::SuccessPending } else { ResultCode::Success };
            Ok(Answer::written(code, done.sv_trid))
        }
        Command::DomainRenew(req) => {
            let years = convert::years(req.period)?;
            let done = registry.domain_renew(meta, &req.name, req.cur_exp_date, years).await?;
            let data = ResData::DomainRenew {
                name: done.value.name,
                ex_date: Some(done.value.expires_at),
            };
            Ok(Answer::written(success, done.sv_trid).map(|r| r.with_res_data(data)))
        }
        Command::DomainTransfer(req) => domain_transfer(registry, meta, &req).await,
        Command::HostInfo(name) => {
            let host = registry.host_info(&name).await?;
            let linked = registry.host_linked(&host.name).await?;
            let data = render::host_info(&host, linked);
            Ok(Answer::code(success).map(|r| r.with_res_data(data)))
        }
        Command::HostCreate(req) => {
            let done = registry.host_create(meta, &convert::host_create(&req)).await?;
            let data = ResData::HostCreate {
                name: done.value.name.clone(),
                cr_date: done.value.stamps.created_at,
            };
            Ok(Answer::written(success, done.sv_trid).map(|r| r.with_res_data(data)))
        }
        Command::HostUpdate(req) => {
            let done = registry.host_update(meta, &req.name, &convert::host_update(&req)?).await?;
            Ok(Answer::written(success, done.sv_trid))
        }
        Command::HostDelete(name) => {
            let done = registry.host_delete(meta, &name).await?;
            Ok(Answer::written(success, done.sv_trid))
        }
        Command::ContactInfo(info) => {
            let code = info.auth_info.as_ref().map(|auth| auth.pw.expose());
            let view = registry.contact_info(meta, &info.id, code).await?;
            let data = render::contact_info(&view, meta.actor);
            Ok(Answer::code(success).map(|r| r.with_res_data(data)))
        }
        Command::ContactCreate(req) => {
            let done = registry.contact_create(meta, &convert::contact_create(&req)).await?;
            let data = ResData::ContactCreate {
                id: done.value.id.clone(),
                cr_date: done.value.stamps.created_at,
            };
            Ok(Answer::written(success, done.sv_trid).map(|r| r.with_res_data(data)))
        }
        Command::ContactUpdate(req) => {
            // The update names parts of postal forms; the registry takes whole ones, so the
            // rest comes from the contact as it stands (and a non-sponsor is refused here).
            let current = registry.contact_info(meta, &req.id, None).await?.contact;
            let update = convert::contact_update(&req, &current)?;
            let done = registry.contact_update(meta, &req.id, &update).await?;
            Ok(Answer::written(success, done.sv_trid))
        }
        Command::ContactDelete(id) => {
            let done = registry.contact_delete(meta, &id).await?;
            Ok(Answer::written(success, done.sv_trid))
        }
        Command::ContactTransfer(_) => Err(Failure::new(
            ResultCode::UnimplementedCommand,
            "contact transfer is not offered: contacts stay with the registrar that made them",
        )),
    }
}

async fn domain_update(
    registry: &Registry,
    meta: &Meta<'_>,
    req: &command::DomainUpdate,
) -> Result<Answer, Failure> {
    let success = ResultCode::Success;
    let Some(restore) = &req.restore else {
        let done = registry.domain_update(meta, &req.name, &convert::domain_update(req)?).await?;
        return Ok(Answer::written(success, done.sv_trid));
    };
    if convert::changes_more_than_restore(req) {
        return Err(Failure::new(
            ResultCode::ParameterValuePolicyError,
            "a restore goes in an update that changes nothing else (RFC 3915 §4.2.5)",
        ));
    }
    match restore {
        RgpRestore::Request => {
            let done = registry.domain_restore_request(meta, &req.name).await?;
            let status = ExtensionData::RgpUpdate(RgpStatus::PendingRestore);
            Ok(Answer::written(success, done.sv_trid).map(|r| r.with_extension(status)))
        }
        RgpRestore::Report(report) => {
            let report = convert::restore_report(report);
            let done = registry.domain_restore_report(meta, &req.name, &report).await?;
            Ok(Answer::written(success, done.sv_trid))
        }
    }
}

async fn domain_transfer(
    registry: &Registry,
    meta: &Meta<'_>,
    req: &command::DomainTransfer,
) -> Result<Answer, Failure> {
    let years = req.period.map(convert::years).transpose()?;
    let code = req.auth_info.as_ref().map(|auth| auth.pw.expose());
    let op = convert::transfer_op(req.op);
    let done = registry.domain_transfer(meta, &req.name, op, code, years).await?;
    let (transfer, domain) = &done.value;
    let ex_date = if transfer.status == ModelTransferStatus::Pending {
        transfer_expiry(domain, transfer.action_at, transfer.years)
    } else {
        domain.expires_at
    };
    let data = render::transfer(&domain.name, transfer, Some(ex_date));
    let result = match req.op {
        TransferOp::Request => ResultCode::SuccessPending,
        _ => ResultCode::Success,
    };
    Ok(Answer::written(result, done.sv_trid).map(|r| r.with_res_data(data)))
}

async fn poll_request(registry: &Registry, meta: &Meta<'_>) -> Result<Answer, Failure> {
    let Some(head) = registry.poll_request(meta.actor).await? else {
        return Ok(Answer::code(ResultCode::SuccessNoMessages));
    };
    let msg_q = MsgQ {
        count: head.count,
        id: head.id.to_string(),
        qdate: Some(head.message.at),
        msg: Some(head.message.text.clone()),
    };
    let data = render::poll_data(&head.message.body);
    Ok(Answer::code(ResultCode::SuccessAckToDequeue).map(|r| {
        let r = r.with_msg_q(msg_q);
        match data {
            Some(data) => r.with_res_data(data),
            None => r,
        }
    }))
}

/// Acks a message; the answer's msgQ gives how many remain and the id of the one now at the
/// head of the queue (the acknowledged id when none remains).
async fn poll_ack(registry: &Registry, meta: &Meta<'_>, msg_id: &str) -> Result<Answer, Failure> {
    let Ok(id) = msg_id.parse::<u64>() else {
        return Err(Failure::new(
            ResultCode::ObjectDoesNotExist,
            format!("no message {msg_id:?} in the queue of {}", meta.actor),
        ));
    };
    let done = registry.poll_ack(meta, id).await?;
    let head = if done.value > 0 { registry.poll_request(meta.actor).await? } else { None };
    let msg_q = MsgQ {
        count: done.value,
        id: head.map_or(id, |head| head.id).to_string(),
        qdate: None,
        msg: None,
    };
    Ok(Answer::written(ResultCode::Success, done.sv_trid).map(|r| r.with_msg_q(msg_q)))
}
