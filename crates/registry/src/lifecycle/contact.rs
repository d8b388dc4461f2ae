//! Contact commands (RFC 5733): create, update, delete. Only the sponsor (or the operator)
//! changes a contact.

use std::collections::BTreeSet;

use rand_core::RngCore;

use super::statuses::{self, UpdateStatus as _};
use super::{Ctx, Decision, Refusal, names, refuse};
use crate::model::{Contact, ContactStatus, Disclose, PostalInfo, PostalKind, Stamps};
use crate::secret;

/// Longest postal line, name, city and similar field (RFC 5733 `postalLineType`).
pub const MAX_FIELD_LENGTH: usize = 255;

fn label(id: &str) -> String {
    format!("contact {id}")
}

/// A contact create as the registrar asked for it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContactCreate {
    /// The client-chosen id.
    pub id: String,
    /// One or two postal forms.
    pub postal: Vec<PostalInfo>,
    /// Voice number.
    pub voice: Option<String>,
    /// Voice extension.
    pub voice_ext: Option<String>,
    /// Fax number.
    pub fax: Option<String>,
    /// Fax extension.
    pub fax_ext: Option<String>,
    /// E-mail address.
    pub email: String,
    /// The authInfo password in clear; empty sets none.
    pub auth_code: String,
    /// Disclosure preference.
    pub disclose: Option<Disclose>,
}

/// A contact update as the registrar asked for it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContactUpdate {
    /// Statuses to set.
    pub add_statuses: Vec<ContactStatus>,
    /// Statuses to clear.
    pub rem_statuses: Vec<ContactStatus>,
    /// Postal forms to replace (each replaces the contact's form of the same kind).
    pub postal: Vec<PostalInfo>,
    /// `Some(None)` clears the voice number.
    pub voice: Option<Option<String>>,
    /// `Some(None)` clears the voice extension.
    pub voice_ext: Option<Option<String>>,
    /// `Some(None)` clears the fax number.
    pub fax: Option<Option<String>>,
    /// `Some(None)` clears the fax extension.
    pub fax_ext: Option<Option<String>>,
    /// New e-mail address.
    pub email: Option<String>,
    /// New authInfo password (empty clears it).
    pub auth_code: Option<String>,
    /// New disclosure preference.
    pub disclose: Option<Disclose>,
}

impl ContactUpdate {
    fn only_statuses(&self) -> bool {
        self.postal.is_empty()
            && self.voice.is_none()
            && self.voice_ext.is_none()
            && self.fax.is_none()
            && self.fax_ext.is_none()
            && self.email.is_none()
            && self.auth_code.is_none()
            && self.disclose.is_none()
    }
}

/// Creates a contact. Facts: `taken` (the id exists) and `sequence` for the ROID; `rng`
/// salts the authInfo hash.
///
/// Refusals: 2004/2005 the id ([`names::check_contact_id`]); 2302 taken; 2003 no postal
/// form, or a form without name or city; 2306 two forms of one kind, more than three street
/// lines; 2005 an `int` form with non-ASCII text, a country code, e-mail or phone number of
/// the wrong shape; 2004 a field longer than [`MAX_FIELD_LENGTH`].
pub fn create(
    ctx: &Ctx<'_>,
    req: &ContactCreate,
    taken: bool,
    sequence: u64,
    rng: &mut impl RngCore,
) -> Result<Decision<Contact>, Refusal> {
    names::check_contact_id(&req.id)?;
    let object = label(&req.id);
    if taken {
        return Err(refuse::exists(&object));
    }
    if req.postal.is_empty() {
        return Err(refuse::required(&object, "a contact needs a postalInfo"));
    }
    let postal = check_postal(&object, &req.postal)?;
    check_phone(&object, "voice", req.voice.as_deref(), req.voice_ext.as_deref())?;
    check_phone(&object, "fax", req.fax.as_deref(), req.fax_ext.as_deref())?;
    check_email(&object, &req.email)?;
    let auth =
        (!req.auth_code.is_empty()).then(|| secret::new_auth_code(&req.auth_code, ctx.now, rng));
    let roid = names::roid("C", sequence, &ctx.policy.repository)?;
    let contact = Contact {
        id: req.id.clone(),
        roid,
        sponsor: ctx.actor.to_owned(),
        postal,
        voice: req.voice.clone(),
        voice_ext: req.voice_ext.clone(),
        fax: req.fax.clone(),
        fax_ext: req.fax_ext.clone(),
        email: req.email.clone(),
        auth,
        statuses: BTreeSet::new(),
        disclose: req.disclose.clone(),
        stamps: Stamps::new(ctx.actor, ctx.now),
    };
    Ok(Decision::new(contact, "create"))
}

/// Updates a contact.
///
/// Refusals: 2201 not the sponsor; 2304 `serverUpdateProhibited`, or
/// `clientUpdateProhibited` unless the update removes it and changes nothing but statuses;
/// 2306 a `server*` status from a registrar, a status added that is set or removed that is
/// not; field refusals as for [`create`].
pub fn update(
    ctx: &Ctx<'_>,
    contact: &Contact,
    req: &ContactUpdate,
    rng: &mut impl RngCore,
) -> Result<Decision<Contact>, Refusal> {
    let object = label(&contact.id);
    require_sponsor(ctx, contact)?;
    statuses::may_update(ctx, &object, &contact.statuses, &req.rem_statuses, req.only_statuses())?;
    let mut next = contact.clone();
    statuses::change(ctx, &object, &mut next.statuses, &req.add_statuses, &req.rem_statuses)?;
    if !req.postal.is_empty() {
        let changed = check_postal(&object, &req.postal)?;
        for form in changed {
            next.postal.retain(|kept| kept.kind != form.kind);
            next.postal.push(form);
        }
        next.postal.sort_by_key(|form| form.kind);
    }
    if let Some(voice) = &req.voice {
        next.voice.clone_from(voice);
    }
    if let Some(ext) = &req.voice_ext {
        next.voice_ext.clone_from(ext);
    }
    if let Some(fax) = &req.fax {
        next.fax.clone_from(fax);
    }
    if let Some(ext) = &req.fax_ext {
        next.fax_ext.clone_from(ext);
    }
    check_phone(&object, "voice", next.voice.as_deref(), next.voice_ext.as_deref())?;
    check_phone(&object, "fax", next.fax.as_deref(), next.fax_ext.as_deref())?;
    if let Some(email) = &req.email {
        check_email(&object, email)?;
        next.email.clone_from(email);
    }
    if let Some(code) = &req.auth_code {
        next.auth = (!code.is_empty()).then(|| secret::new_auth_code(code, ctx.now, rng));
    }
    if let Some(disclose) = &req.disclose {
        next.disclose = Some(disclose.clone());
    }
    next.stamps.touch(ctx.actor, ctx.now);
    Ok(Decision::new(next, "update"))
}

/// Deletes a contact. `linked` (a fact from the store): some domain refers to it.
///
/// Refusals: 2201 not the sponsor; 2304 `client`/`serverDeleteProhibited`; 2305 linked.
pub fn delete(ctx: &Ctx<'_>, contact: &Contact, linked: bool) -> Result<Decision<()>, Refusal> {
    let object = label(&contact.id);
    require_sponsor(ctx, contact)?;
    if !ctx.is_operator() {
        for status in [ContactStatus::ServerDeleteProhibited, ContactStatus::ClientDeleteProhibited]
        {
            if contact.statuses.contains(&status) {
                return Err(refuse::status(
                    &object,
                    format!("status {} forbids delete", status.name()),
                ));
            }
        }
    }
    if linked {
        return Err(refuse::association(&object, "domains refer to it".to_owned()));
    }
    Ok(Decision::new((), "delete"))
}

fn require_sponsor(ctx: &Ctx<'_>, contact: &Contact) -> Result<(), Refusal> {
    if ctx.is_operator() || ctx.actor == contact.sponsor {
        Ok(())
    } else {
        Err(refuse::authorization(
            &label(&contact.id),
            format!("registrar {} is not the sponsor", ctx.actor),
        ))
    }
}

fn check_postal(object: &str, forms: &[PostalInfo]) -> Result<Vec<PostalInfo>, Refusal> {
    if forms.len() > 2 {
        return Err(refuse::policy(
            object,
            "at most two postalInfo forms (int and loc)".to_owned(),
        ));
    }
    let mut kinds = BTreeSet::new();
    let mut checked = Vec::with_capacity(forms.len());
    for form in forms {
        let kind = match form.kind {
            PostalKind::Int => "int",
            PostalKind::Loc => "loc",
        };
        if !kinds.insert(form.kind) {
            return Err(refuse::policy(object, format!("two postalInfo forms of type {kind}")));
        }
        if form.name.trim().is_empty() {
            return Err(refuse::required(object, "a postalInfo needs a name"));
        }
        if form.city.trim().is_empty() {
            return Err(refuse::required(object, "a postalInfo address needs a city"));
        }
        if form.street.len() > 3 {
            return Err(refuse::policy(
                object,
                format!("postalInfo {kind} has more than three street lines"),
            ));
        }
        if !names::is_country_code(&form.cc) {
            return Err(refuse::syntax(
                object,
                format!("country code {:?} is not two letters (ISO 3166-1 alpha-2)", form.cc),
            ));
        }
        let texts = [
            Some(&form.name),
            form.org.as_ref(),
            Some(&form.city),
            form.sp.as_ref(),
            form.pc.as_ref(),
        ];
        for text in texts.into_iter().flatten().chain(&form.street) {
            if text.chars().count() > MAX_FIELD_LENGTH {
                return Err(refuse::range(
                    object,
                    format!(
                        "a postalInfo {kind} field is longer than {MAX_FIELD_LENGTH} characters"
                    ),
                ));
            }
            // RFC 5733 §2.4: the internationalized form is restricted to 7-bit ASCII.
            if form.kind == PostalKind::Int && !text.is_ascii() {
                return Err(refuse::syntax(
                    object,
                    format!("postalInfo int must be ASCII; {text:?} is not (use type loc)"),
                ));
            }
        }
        checked.push(PostalInfo { cc: form.cc.to_ascii_uppercase(), ..form.clone() });
    }
    Ok(checked)
}

fn check_phone(
    object: &str,
    what: &str,
    number: Option<&str>,
    ext: Option<&str>,
) -> Result<(), Refusal> {
    if let Some(number) = number
        && !names::is_e164(number)
    {
        return Err(refuse::syntax(
            object,
            format!("{what} {number:?} is not +CC.NUMBER (E.164a)"),
        ));
    }
    if let Some(ext) = ext {
        if number.is_none() {
            return Err(refuse::required(object, "an extension needs a number"));
        }
        if ext.is_empty() || ext.len() > 16 || !ext.bytes().all(|b| b.is_ascii_digit()) {
            return Err(refuse::syntax(object, format!("{what} extension {ext:?} is not digits")));
        }
    }
    Ok(())
}

fn check_email(object: &str, email: &str) -> Result<(), Refusal> {
    if names::is_email(email) {
        Ok(())
    } else {
        Err(refuse::syntax(object, format!("e-mail {email:?} is not local@domain.tld")))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::lifecycle::OPERATOR;
    use crate::lifecycle::domain::tests::{T0, ctx, policy};
    use crate::secret::tests::TestRng;

    fn postal(kind: PostalKind, name: &str) -> PostalInfo {
        PostalInfo {
            kind,
            name: name.to_owned(),
            org: None,
            street: vec!["123 Example Dr.".to_owned()],
            city: "Dulles".to_owned(),
            sp: Some("VA".to_owned()),
            pc: Some("20166-6503".to_owned()),
            cc: "us".to_owned(),
        }
    }

    fn request() -> ContactCreate {
        ContactCreate {
            id: "sh8013".to_owned(),
            postal: vec![postal(PostalKind::Int, "John Doe")],
            voice: Some("+1.7035555555".to_owned()),
            voice_ext: Some("1234".to_owned()),
            email: "jdoe@example.com".to_owned(),
            auth_code: "2fooBAR".to_owned(),
            ..ContactCreate::default()
        }
    }

    fn code_of<T: std::fmt::Debug>(result: Result<T, Refusal>) -> u16 {
        result.unwrap_err().epp_code()
    }

    fn created() -> Contact {
        let policy = policy();
        create(&ctx(&policy, T0, "alpha"), &request(), false, 5, &mut TestRng(1)).unwrap().state
    }

    #[test]
    fn create_stores_a_checked_contact() {
        let contact = created();
        assert_eq!(contact.roid, "C5-EXAMPLE");
        assert_eq!(contact.sponsor, "alpha");
        assert_eq!(contact.postal[0].cc, "US");
        assert!(crate::secret::verify_code("2fooBAR", contact.auth.as_ref().unwrap()));
    }

    #[test]
    fn create_refusals() {
        let policy = policy();
        let alpha = ctx(&policy, T0, "alpha");
        let base = request();
        let cases: Vec<(ContactCreate, u16)> = vec![
            (ContactCreate { id: "ab".into(), ..base.clone() }, 2004),
            (ContactCreate { postal: vec![], ..base.clone() }, 2003),
            (ContactCreate { postal: vec![postal(PostalKind::Int, "")], ..base.clone() }, 2003),
            (
                ContactCreate {
                    postal: vec![PostalInfo {
                        city: String::new(),
                        ..postal(PostalKind::Int, "J")
                    }],
                    ..base.clone()
                },
                2003,
            ),
            (
                ContactCreate {
                    postal: vec![postal(PostalKind::Int, "J\u{f6}rg")],
                    ..base.clone()
                },
                2005,
            ),
            (
                ContactCreate {
                    postal: vec![PostalInfo { cc: "USA".into(), ..postal(PostalKind::Int, "J") }],
                    ..base.clone()
                },
                2005,
            ),
            (
                ContactCreate {
                    postal: vec![postal(PostalKind::Loc, "A"), postal(PostalKind::Loc, "B")],
                    ..base.clone()
                },
                2306,
            ),
            (
                ContactCreate {
                    postal: vec![PostalInfo {
                        street: vec!["x".into(); 4],
                        ..postal(PostalKind::Int, "J")
                    }],
                    ..base.clone()
                },
                2306,
            ),
            (
                ContactCreate {
                    postal: vec![postal(PostalKind::Int, &"J".repeat(256))],
                    ..base.clone()
                },
                2004,
            ),
            (ContactCreate { email: "jdoe".into(), ..base.clone() }, 2005),
            (ContactCreate { voice: Some("703-555-5555".into()), ..base.clone() }, 2005),
            (ContactCreate { voice: None, ..base.clone() }, 2003),
            (ContactCreate { fax_ext: Some("12".into()), ..base.clone() }, 2003),
        ];
        for (req, code) in cases {
            let refusal = create(&alpha, &req, false, 1, &mut TestRng(1)).unwrap_err();
            assert_eq!(refusal.epp_code(), code, "{req:?}: {refusal}");
        }
        assert_eq!(code_of(create(&alpha, &base, true, 1, &mut TestRng(1))), 2302);
        // A localized form may use any characters.
        let loc = ContactCreate { postal: vec![postal(PostalKind::Loc, "J\u{f6}rg")], ..base };
        assert!(create(&alpha, &loc, false, 1, &mut TestRng(1)).is_ok());
    }

    #[test]
    fn update_by_the_sponsor_only() {
        let policy = policy();
        let contact = created();
        let alpha = ctx(&policy, T0, "alpha");
        let req = ContactUpdate {
            postal: vec![postal(PostalKind::Loc, "Jo\u{eb}l")],
            email: Some("joel@example.net".into()),
            voice: Some(None),
            voice_ext: Some(None),
            auth_code: Some(String::new()),
            ..ContactUpdate::default()
        };
        let next = update(&alpha, &contact, &req, &mut TestRng(2)).unwrap().state;
        assert_eq!(next.postal.len(), 2);
        assert_eq!(next.email, "joel@example.net");
        assert_eq!((next.voice, next.auth), (None, None));
        assert_eq!(
            code_of(update(&ctx(&policy, T0, "beta"), &contact, &req, &mut TestRng(2))),
            2201
        );
        let orphan_ext = ContactUpdate { voice: Some(None), ..ContactUpdate::default() };
        assert_eq!(code_of(update(&alpha, &contact, &orphan_ext, &mut TestRng(2))), 2003);
        let bad_email = ContactUpdate { email: Some("x".into()), ..ContactUpdate::default() };
        assert_eq!(code_of(update(&alpha, &contact, &bad_email, &mut TestRng(2))), 2005);

        let lock = ContactUpdate {
            add_statuses: vec![ContactStatus::ClientUpdateProhibited],
            ..ContactUpdate::default()
        };
        let locked = update(&alpha, &contact, &lock, &mut TestRng(2)).unwrap().state;
        assert_eq!(code_of(update(&alpha, &locked, &req, &mut TestRng(2))), 2304);
        let unlock = ContactUpdate {
            rem_statuses: vec![ContactStatus::ClientUpdateProhibited],
            ..ContactUpdate::default()
        };
        assert!(update(&alpha, &locked, &unlock, &mut TestRng(2)).is_ok());
        assert_eq!(code_of(update(&alpha, &contact, &unlock, &mut TestRng(2))), 2306);
        let server = ContactUpdate {
            add_statuses: vec![ContactStatus::ServerUpdateProhibited],
            ..ContactUpdate::default()
        };
        assert_eq!(code_of(update(&alpha, &contact, &server, &mut TestRng(2))), 2306);
        let server_locked =
            update(&ctx(&policy, T0, OPERATOR), &contact, &server, &mut TestRng(2)).unwrap().state;
        assert_eq!(code_of(update(&alpha, &server_locked, &unlock, &mut TestRng(2))), 2304);
    }

    #[test]
    fn delete_rules() {
        let policy = policy();
        let mut contact = created();
        let alpha = ctx(&policy, T0, "alpha");
        assert!(delete(&alpha, &contact, false).is_ok());
        assert_eq!(code_of(delete(&alpha, &contact, true)), 2305);
        assert_eq!(code_of(delete(&ctx(&policy, T0, "beta"), &contact, false)), 2201);
        contact.statuses.insert(ContactStatus::ServerDeleteProhibited);
        assert_eq!(code_of(delete(&alpha, &contact, false)), 2304);
    }
}
