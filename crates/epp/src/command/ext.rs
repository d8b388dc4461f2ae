//! Command extensions: secDNS-1.1 (RFC 5910) on domain create and update, rgp-1.0 restore
//! (RFC 3915) on domain update.

use data_encoding::{BASE64, HEXLOWER_PERMISSIVE};
use time::OffsetDateTime;

use super::fields::{Fields, Parsed, boolean, datetime, enum_attr, fail, leaf, number_leaf};
use crate::result::ResultCode;
use crate::types::{DnssecData, DsData, KeyData, Namespace};
use crate::xml::El;

const SEC: Namespace = Namespace::SecDns;
const RGP: Namespace = Namespace::Rgp;

/// `<secDNS:create>`: DNSSEC data for a new domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecDnsCreate {
    /// The signature lifetime the client asks the parent to use, in seconds.
    pub max_sig_life: Option<u32>,
    /// DS records or keys.
    pub data: DnssecData,
}

/// `<secDNS:update>`: removals first, then additions, then the change of maxSigLife.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SecDnsUpdate {
    /// The client asks that the change be published at once (`urgent="true"`).
    pub urgent: bool,
    /// What to remove.
    pub rem: Option<SecDnsRem>,
    /// What to add.
    pub add: Option<DnssecData>,
    /// A new maxSigLife (`<secDNS:chg>`).
    pub max_sig_life: Option<u32>,
}

/// The `<secDNS:rem>` of an update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecDnsRem {
    /// `<secDNS:all>true</secDNS:all>`: remove every DS record and key.
    All,
    /// Remove these.
    Data(DnssecData),
}

/// `<rgp:update><rgp:restore op="...">`: restoring a domain in its redemption period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RgpRestore {
    /// First step: ask for the restore.
    Request,
    /// Second step: the report that completes it.
    Report(Box<RgpReport>),
}

/// The restore report of RFC 3915 §4.2.5.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RgpReport {
    /// The registration data before the delete.
    pub pre_data: String,
    /// The registration data now.
    pub post_data: String,
    /// When the domain was deleted.
    pub del_time: OffsetDateTime,
    /// When it was restored.
    pub res_time: OffsetDateTime,
    /// Why it was restored.
    pub res_reason: String,
    /// The registrar's one or two statements.
    pub statements: Vec<String>,
    /// Anything else the registrar adds.
    pub other: Option<String>,
}

pub(super) fn sec_dns_create(el: El<'_>) -> Parsed<SecDnsCreate> {
    let mut fields = Fields::of(el, &[])?;
    let max_sig_life = max_sig_life(&mut fields)?;
    let data = dnssec_data(&mut fields, el)?.ok_or_else(|| {
        fail(
            ResultCode::RequiredParameterMissing,
            el,
            "<secDNS:dsData> or <secDNS:keyData> is required",
        )
    })?;
    fields.finish()?;
    Ok(SecDnsCreate { max_sig_life, data })
}

pub(super) fn sec_dns_update(el: El<'_>) -> Parsed<SecDnsUpdate> {
    let urgent = match el.attr("urgent") {
        Some(text) => boolean(el, text)?,
        None => false,
    };
    let mut fields = Fields::of(el, &["urgent"])?;
    let rem = fields.opt(SEC, "rem")?.map(rem).transpose()?.flatten();
    let add = match fields.opt(SEC, "add")? {
        Some(add) => {
            let mut add_fields = Fields::of(add, &[])?;
            if let Some(misplaced) = add_fields.opt(SEC, "maxSigLife")? {
                return Err(fail(
                    ResultCode::CommandSyntaxError,
                    misplaced,
                    "in an update, maxSigLife belongs in <secDNS:chg>",
                ));
            }
            let data = dnssec_data(&mut add_fields, add)?.ok_or_else(|| {
                fail(
                    ResultCode::RequiredParameterMissing,
                    add,
                    "<secDNS:dsData> or <secDNS:keyData> is required",
                )
            })?;
            add_fields.finish()?;
            Some(data)
        }
        None => None,
    };
    let max_sig_life = match fields.opt(SEC, "chg")? {
        Some(chg) => {
            let mut chg_fields = Fields::of(chg, &[])?;
            let value = max_sig_life(&mut chg_fields)?;
            chg_fields.finish()?;
            value
        }
        None => None,
    };
    fields.finish()?;
    Ok(SecDnsUpdate { urgent, rem, add, max_sig_life })
}

/// `None` for `<secDNS:all>false</secDNS:all>`, which removes nothing.
fn rem(el: El<'_>) -> Parsed<Option<SecDnsRem>> {
    let mut fields = Fields::of(el, &[])?;
    if let Some(all) = fields.opt(SEC, "all")? {
        let all_value = boolean(all, leaf(all, &[])?)?;
        if let Some(other) = fields.leftover() {
            return Err(fail(
                ResultCode::CommandSyntaxError,
                other,
                "<secDNS:all> excludes any other removal",
            ));
        }
        return Ok(all_value.then_some(SecDnsRem::All));
    }
    let data = dnssec_data(&mut fields, el)?.ok_or_else(|| {
        fail(
            ResultCode::RequiredParameterMissing,
            el,
            "<secDNS:all>, <secDNS:dsData> or <secDNS:keyData> is required",
        )
    })?;
    fields.finish()?;
    Ok(Some(SecDnsRem::Data(data)))
}

fn max_sig_life(fields: &mut Fields<'_>) -> Parsed<Option<u32>> {
    // maxSigLifeType is a positive xs:int.
    fields.opt(SEC, "maxSigLife")?.map(|el| number_leaf(el, 1u32, i32::MAX as u32)).transpose()
}

/// dsData or keyData, not both; `None` when there is neither.
fn dnssec_data(fields: &mut Fields<'_>, parent: El<'_>) -> Parsed<Option<DnssecData>> {
    let ds = fields.many(SEC, "dsData");
    let keys = fields.many(SEC, "keyData");
    match (ds.is_empty(), keys.is_empty()) {
        (true, true) => Ok(None),
        (false, true) => {
            Ok(Some(DnssecData::Ds(ds.into_iter().map(ds_data).collect::<Parsed<_>>()?)))
        }
        (true, false) => {
            Ok(Some(DnssecData::Key(keys.into_iter().map(key_data).collect::<Parsed<_>>()?)))
        }
        (false, false) => Err(fail(
            ResultCode::CommandSyntaxError,
            parent,
            "dsData and keyData cannot be mixed (RFC 5910 §4)",
        )),
    }
}

fn ds_data(el: El<'_>) -> Parsed<DsData> {
    let mut fields = Fields::of(el, &[])?;
    let key_tag = number_leaf(fields.one(SEC, "keyTag")?, 0u16, u16::MAX)?;
    let alg = number_leaf(fields.one(SEC, "alg")?, 0u8, u8::MAX)?;
    let digest_type = number_leaf(fields.one(SEC, "digestType")?, 0u8, u8::MAX)?;
    let digest_el = fields.one(SEC, "digest")?;
    let digest_text = leaf(digest_el, &[])?.trim();
    let digest = HEXLOWER_PERMISSIVE.decode(digest_text.as_bytes()).map_err(|e| {
        fail(ResultCode::ParameterValueSyntaxError, digest_el, format!("digest is not hex: {e}"))
    })?;
    if digest.is_empty() {
        return Err(fail(ResultCode::ParameterValueSyntaxError, digest_el, "digest is empty"));
    }
    let key_data = fields.opt(SEC, "keyData")?.map(key_data).transpose()?;
    fields.finish()?;
    Ok(DsData { key_tag, alg, digest_type, digest, key_data })
}

fn key_data(el: El<'_>) -> Parsed<KeyData> {
    let mut fields = Fields::of(el, &[])?;
    let flags = number_leaf(fields.one(SEC, "flags")?, 0u16, u16::MAX)?;
    let protocol = number_leaf(fields.one(SEC, "protocol")?, 0u8, u8::MAX)?;
    let alg = number_leaf(fields.one(SEC, "alg")?, 0u8, u8::MAX)?;
    let key_el = fields.one(SEC, "pubKey")?;
    // xs:base64Binary allows white space anywhere.
    let compact: Vec<u8> =
        leaf(key_el, &[])?.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let public_key = BASE64.decode(&compact).map_err(|e| {
        fail(ResultCode::ParameterValueSyntaxError, key_el, format!("pubKey is not base64: {e}"))
    })?;
    if public_key.is_empty() {
        return Err(fail(ResultCode::ParameterValueSyntaxError, key_el, "pubKey is empty"));
    }
    fields.finish()?;
    Ok(KeyData { flags, protocol, alg, public_key })
}

pub(super) fn rgp_update(el: El<'_>) -> Parsed<RgpRestore> {
    let mut fields = Fields::of(el, &[])?;
    let restore = fields.one(RGP, "restore")?;
    fields.finish()?;
    let is_report = enum_attr(
        restore,
        "op",
        None,
        |op| match op {
            "request" => Some(false),
            "report" => Some(true),
            _ => None,
        },
        "request, report",
    )?;
    let mut restore_fields = Fields::of(restore, &["op"])?;
    let report = restore_fields.opt(RGP, "report")?;
    restore_fields.finish()?;
    match (is_report, report) {
        (false, None) => Ok(RgpRestore::Request),
        (false, Some(report)) => Err(fail(
            ResultCode::CommandSyntaxError,
            report,
            "a report goes with op=\"report\", not op=\"request\"",
        )),
        (true, None) => Err(fail(
            ResultCode::RequiredParameterMissing,
            restore,
            "op=\"report\" needs <rgp:report>",
        )),
        (true, Some(report)) => Ok(RgpRestore::Report(Box::new(rgp_report(report)?))),
    }
}

fn rgp_report(el: El<'_>) -> Parsed<RgpReport> {
    let mut fields = Fields::of(el, &[])?;
    let pre_data = report_text(fields.one(RGP, "preData")?)?;
    let post_data = report_text(fields.one(RGP, "postData")?)?;
    let del_time = datetime(fields.one(RGP, "delTime")?)?;
    let res_time = datetime(fields.one(RGP, "resTime")?)?;
    let res_reason = report_text(fields.one(RGP, "resReason")?)?;
    let statements = fields
        .at_least_one(RGP, "statement")?
        .into_iter()
        .map(report_text)
        .collect::<Parsed<Vec<_>>>()?;
    if let Some(extra) = el.children().filter(|c| c.is(RGP, "statement")).nth(2) {
        return Err(fail(ResultCode::CommandSyntaxError, extra, "at most two statements"));
    }
    let other = fields.opt(RGP, "other")?.map(report_text).transpose()?;
    fields.finish()?;
    Ok(RgpReport { pre_data, post_data, del_time, res_time, res_reason, statements, other })
}

/// The report's free text. The schema allows any markup in it; nameward keeps text only.
fn report_text(el: El<'_>) -> Parsed<String> {
    if let Some(child) = el.children().next() {
        return Err(fail(
            ResultCode::UnimplementedOption,
            child,
            "markup inside restore report text is not implemented; send plain text",
        ));
    }
    Ok(leaf(el, &["lang"])?.trim().to_owned())
}
