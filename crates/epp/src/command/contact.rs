//! Contact commands (RFC 5733).

use super::Command;
use super::domain::transfer_op;
use super::fields::{
    Fields, Parsed, auth_info, boolean, client_id, collapse, enum_attr, fail, leaf, normalized,
    status, token, token_with, unexpected,
};
use crate::result::ResultCode;
use crate::types::{
    Address, AuthInfo, Change, Disclose, DiscloseField, Namespace, ObjectKind, Phone, PostalInfo,
    PostalType, StatusValue, TransferOp,
};
use crate::xml::El;
use crate::xml::read::truncate;

const NS: Namespace = Namespace::Contact;

/// `<contact:info>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactInfo {
    /// The contact id.
    pub id: String,
    /// The contact's authInfo, which lets a registrar other than the sponsor see it.
    pub auth_info: Option<AuthInfo>,
}

/// `<contact:create>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactCreate {
    /// The contact id the client chose.
    pub id: String,
    /// One or two postal forms, at most one of each type.
    pub postal_info: Vec<PostalInfo>,
    /// Voice number.
    pub voice: Option<Phone>,
    /// Fax number.
    pub fax: Option<Phone>,
    /// E-mail address.
    pub email: String,
    /// The contact's authInfo.
    pub auth_info: AuthInfo,
    /// The client's disclosure preference.
    pub disclose: Option<Disclose>,
}

/// `<contact:update>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactUpdate {
    /// The contact id.
    pub id: String,
    /// Statuses to add.
    pub add: Vec<StatusValue>,
    /// Statuses to remove.
    pub rem: Vec<StatusValue>,
    /// Data to change.
    pub chg: ContactChange,
}

/// The `<contact:chg>` of an update.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContactChange {
    /// Changes to one or both postal forms.
    pub postal_info: Vec<PostalInfoChange>,
    /// A new voice number, or removal (an empty element).
    pub voice: Option<Change<Phone>>,
    /// A new fax number, or removal (an empty element).
    pub fax: Option<Change<Phone>>,
    /// A new e-mail address.
    pub email: Option<String>,
    /// A new authInfo.
    pub auth_info: Option<AuthInfo>,
    /// A new disclosure preference.
    pub disclose: Option<Disclose>,
}

/// Changes to one postal form: each part given replaces the old one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostalInfoChange {
    /// Which form.
    pub kind: PostalType,
    /// A new name.
    pub name: Option<String>,
    /// A new organization, or removal (an empty element).
    pub org: Option<Change<String>>,
    /// A new address.
    pub addr: Option<Address>,
}

/// `<transfer op="..."><contact:transfer>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactTransfer {
    /// Request, approve, reject, cancel or query.
    pub op: TransferOp,
    /// The contact id.
    pub id: String,
    /// The contact's authInfo.
    pub auth_info: Option<AuthInfo>,
}

pub(super) fn command(verb: El<'_>, object: El<'_>) -> Parsed<Command> {
    match object.local() {
        "check" => {
            let mut fields = Fields::of(object, &[])?;
            let ids: Parsed<Vec<_>> =
                fields.at_least_one(NS, "id")?.into_iter().map(client_id).collect();
            fields.finish()?;
            Ok(Command::ContactCheck(ids?))
        }
        "info" => {
            let (id, auth_info) = id_and_auth(object)?;
            Ok(Command::ContactInfo(ContactInfo { id, auth_info }))
        }
        "transfer" => {
            let op = transfer_op(verb)?;
            let (id, auth_info) = id_and_auth(object)?;
            Ok(Command::ContactTransfer(ContactTransfer { op, id, auth_info }))
        }
        "delete" => {
            let mut fields = Fields::of(object, &[])?;
            let id = client_id(fields.one(NS, "id")?)?;
            fields.finish()?;
            Ok(Command::ContactDelete(id))
        }
        "create" => create(object).map(Command::ContactCreate),
        "update" => update(object).map(Command::ContactUpdate),
        "renew" => Err(fail(
            ResultCode::UnimplementedCommand,
            verb,
            "contacts have no renew command (RFC 5733)",
        )),
        _ => Err(unexpected(object)),
    }
}

fn id_and_auth(el: El<'_>) -> Parsed<(String, Option<AuthInfo>)> {
    let mut fields = Fields::of(el, &[])?;
    let id = client_id(fields.one(NS, "id")?)?;
    let auth = fields.opt(NS, "authInfo")?.map(|el| auth_info(el, NS)).transpose()?;
    fields.finish()?;
    Ok((id, auth))
}

fn create(el: El<'_>) -> Parsed<ContactCreate> {
    let mut fields = Fields::of(el, &[])?;
    let id = client_id(fields.one(NS, "id")?)?;
    let postal_els = fields.at_least_one(NS, "postalInfo")?;
    let mut postal_info = Vec::new();
    for postal in postal_els {
        let info = postal_info_full(postal)?;
        if postal_info.iter().any(|p: &PostalInfo| p.kind == info.kind) {
            return Err(fail(
                ResultCode::ParameterValueSyntaxError,
                postal,
                format!("a second postalInfo of type {}", info.kind),
            ));
        }
        postal_info.push(info);
    }
    let voice = fields.opt(NS, "voice")?.map(phone).transpose()?.flatten();
    let fax = fields.opt(NS, "fax")?.map(phone).transpose()?.flatten();
    let email = token(fields.one(NS, "email")?, 1, 255)?;
    let auth = auth_info(fields.one(NS, "authInfo")?, NS)?;
    let disclose = fields.opt(NS, "disclose")?.map(disclose).transpose()?;
    fields.finish()?;
    Ok(ContactCreate { id, postal_info, voice, fax, email, auth_info: auth, disclose })
}

fn update(el: El<'_>) -> Parsed<ContactUpdate> {
    let mut fields = Fields::of(el, &[])?;
    let id = client_id(fields.one(NS, "id")?)?;
    let add = fields.opt(NS, "add")?.map(statuses).transpose()?.unwrap_or_default();
    let rem = fields.opt(NS, "rem")?.map(statuses).transpose()?.unwrap_or_default();
    let chg = fields.opt(NS, "chg")?.map(change).transpose()?.unwrap_or_default();
    fields.finish()?;
    Ok(ContactUpdate { id, add, rem, chg })
}

fn statuses(el: El<'_>) -> Parsed<Vec<StatusValue>> {
    let mut fields = Fields::of(el, &[])?;
    let all = fields.at_least_one(NS, "status")?;
    if let Some(&extra) = all.get(7) {
        return Err(fail(ResultCode::CommandSyntaxError, extra, "at most 7 statuses"));
    }
    let values = all.into_iter().map(|el| status(el, ObjectKind::Contact)).collect();
    fields.finish()?;
    values
}

fn change(el: El<'_>) -> Parsed<ContactChange> {
    let mut fields = Fields::of(el, &[])?;
    let mut postal_info: Vec<PostalInfoChange> = Vec::new();
    for postal in fields.at_most(NS, "postalInfo", 2)? {
        let kind = postal_type(postal)?;
        if postal_info.iter().any(|p| p.kind == kind) {
            return Err(fail(
                ResultCode::ParameterValueSyntaxError,
                postal,
                format!("a second postalInfo of type {kind}"),
            ));
        }
        let mut parts = Fields::of(postal, &["type"])?;
        let name = parts.opt(NS, "name")?.map(|el| postal_line(el, kind, 1)).transpose()?;
        let org = match parts.opt(NS, "org")? {
            Some(el) => {
                let org = postal_line(el, kind, 0)?;
                Some(if org.trim().is_empty() { Change::Clear } else { Change::Set(org) })
            }
            None => None,
        };
        let addr = parts.opt(NS, "addr")?.map(|el| address(el, kind)).transpose()?;
        parts.finish()?;
        postal_info.push(PostalInfoChange { kind, name, org, addr });
    }
    let voice = fields.opt(NS, "voice")?.map(phone).transpose()?.map(change_of);
    let fax = fields.opt(NS, "fax")?.map(phone).transpose()?.map(change_of);
    let email = fields.opt(NS, "email")?.map(|el| token(el, 1, 255)).transpose()?;
    let auth = fields.opt(NS, "authInfo")?.map(|el| auth_info(el, NS)).transpose()?;
    let disclose = fields.opt(NS, "disclose")?.map(disclose).transpose()?;
    fields.finish()?;
    Ok(ContactChange { postal_info, voice, fax, email, auth_info: auth, disclose })
}

fn change_of<T>(value: Option<T>) -> Change<T> {
    value.map_or(Change::Clear, Change::Set)
}

fn postal_type(el: El<'_>) -> Parsed<PostalType> {
    enum_attr(el, "type", None, PostalType::from_token, "int, loc")
}

fn postal_info_full(el: El<'_>) -> Parsed<PostalInfo> {
    let kind = postal_type(el)?;
    let mut fields = Fields::of(el, &["type"])?;
    let name = postal_line(fields.one(NS, "name")?, kind, 1)?;
    let org = fields.opt(NS, "org")?.map(|el| postal_line(el, kind, 0)).transpose()?;
    let addr = address(fields.one(NS, "addr")?, kind)?;
    fields.finish()?;
    Ok(PostalInfo { kind, name, org, addr })
}

fn address(el: El<'_>, kind: PostalType) -> Parsed<Address> {
    let mut fields = Fields::of(el, &[])?;
    let street = fields
        .at_most(NS, "street", 3)?
        .into_iter()
        .map(|el| postal_line(el, kind, 0))
        .collect::<Parsed<Vec<_>>>()?;
    let city = postal_line(fields.one(NS, "city")?, kind, 1)?;
    let sp = fields.opt(NS, "sp")?.map(|el| postal_line(el, kind, 0)).transpose()?;
    let pc = fields.opt(NS, "pc")?.map(|el| token(el, 0, 16)).transpose()?;
    let cc_el = fields.one(NS, "cc")?;
    let cc = token(cc_el, 2, 2)?;
    if !cc.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(fail(
            ResultCode::ParameterValueSyntaxError,
            cc_el,
            format!("{:?} is not a two-letter country code", truncate(&cc)),
        ));
    }
    fields.finish()?;
    Ok(Address { street, city, sp, pc, cc })
}

/// A postal line; in the `int` form only 7-bit ASCII is allowed (RFC 5733 §2.3).
fn postal_line(el: El<'_>, kind: PostalType, min: usize) -> Parsed<String> {
    let line = normalized(el, min, 255)?;
    if kind == PostalType::Int && !line.is_ascii() {
        return Err(fail(
            ResultCode::ParameterValueSyntaxError,
            el,
            "the int postal form allows only 7-bit ASCII; use type=\"loc\"",
        ));
    }
    Ok(line)
}

/// An e164Type (`+1.7035555555`, at most 17 characters); `None` for an empty element.
fn phone(el: El<'_>) -> Parsed<Option<Phone>> {
    let number = collapse(leaf(el, &["x"])?);
    let ext = el.attr("x").map(collapse).filter(|x| !x.is_empty());
    if number.is_empty() {
        return Ok(None);
    }
    let valid = number.len() <= 17
        && number.strip_prefix('+').and_then(|n| n.split_once('.')).is_some_and(|(cc, rest)| {
            (1..=3).contains(&cc.len())
                && (1..=14).contains(&rest.len())
                && cc.bytes().chain(rest.bytes()).all(|b| b.is_ascii_digit())
        });
    if !valid {
        return Err(fail(
            ResultCode::ParameterValueSyntaxError,
            el,
            format!("{:?} is not a number in the form +CC.NUMBER", truncate(&number)),
        ));
    }
    Ok(Some(Phone { number, ext }))
}

fn disclose(el: El<'_>) -> Parsed<Disclose> {
    let flag_text = el.attr("flag").ok_or_else(|| {
        fail(ResultCode::RequiredParameterMissing, el, "required attribute flag is missing")
    })?;
    let flag = boolean(el, flag_text)?;
    let mut fields = Fields::of(el, &["flag"])?;
    let mut chosen = Vec::new();
    type Typed = fn(PostalType) -> DiscloseField;
    let typed: [(&str, Typed); 3] =
        [("name", DiscloseField::Name), ("org", DiscloseField::Org), ("addr", DiscloseField::Addr)];
    for (name, field) in typed {
        for part in fields.at_most(NS, name, 2)? {
            let kind = postal_type(part)?;
            token_with(part, &["type"], 0, 0)?;
            chosen.push(field(kind));
        }
    }
    for (name, field) in [
        ("voice", DiscloseField::Voice),
        ("fax", DiscloseField::Fax),
        ("email", DiscloseField::Email),
    ] {
        if let Some(part) = fields.opt(NS, name)? {
            token(part, 0, 0)?;
            chosen.push(field);
        }
    }
    fields.finish()?;
    Ok(Disclose { flag, fields: chosen })
}
