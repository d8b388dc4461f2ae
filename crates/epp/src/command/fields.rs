//! Reading the schema's shapes out of elements: required, optional and repeated children,
//! leaves, and the value types (tokens, numbers, booleans, dates).

use std::str::FromStr;

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime};

use super::ParseError;
use crate::result::ResultCode;
use crate::types::{AuthInfo, Namespace, ObjectKind, Secret, Status, StatusValue};
use crate::xml::read::truncate;
use crate::xml::{El, Ns};

pub(crate) type Parsed<T> = Result<T, ParseError>;

/// An error about `el`, naming its path.
pub(crate) fn fail(code: ResultCode, el: El<'_>, why: impl std::fmt::Display) -> ParseError {
    ParseError { code, message: format!("{}: {why}", el.path()), cl_trid: None }
}

/// The children of one element, taken one name at a time; whatever is left at the end is an
/// element the schema does not allow there.
pub(crate) struct Fields<'d> {
    parent: El<'d>,
    rest: Vec<Option<El<'d>>>,
}

impl<'d> Fields<'d> {
    /// The children of `parent`, which may carry only the unqualified attributes `attrs`.
    pub(crate) fn of(parent: El<'d>, attrs: &[&str]) -> Parsed<Fields<'d>> {
        check_attrs(parent, attrs)?;
        if !parent.text().trim().is_empty() {
            return Err(fail(
                ResultCode::CommandSyntaxError,
                parent,
                format!("unexpected text {:?}", truncate(parent.text().trim())),
            ));
        }
        Ok(Fields { parent, rest: parent.children().map(Some).collect() })
    }

    /// The one child with this name; 2003 when it is missing.
    pub(crate) fn one(&mut self, ns: Namespace, local: &str) -> Parsed<El<'d>> {
        self.opt(ns, local)?.ok_or_else(|| {
            fail(
                ResultCode::RequiredParameterMissing,
                self.parent,
                format!("required element <{}> is missing", qualified(ns, local)),
            )
        })
    }

    /// The child with this name, if any; 2001 when there are several.
    pub(crate) fn opt(&mut self, ns: Namespace, local: &str) -> Parsed<Option<El<'d>>> {
        let mut found = self.take(ns, local, 2);
        match (found.next(), found.next()) {
            (_, Some(second)) => {
                Err(fail(ResultCode::CommandSyntaxError, second, "element appears more than once"))
            }
            (first, None) => Ok(first),
        }
    }

    /// Every child with this name, in order.
    pub(crate) fn many(&mut self, ns: Namespace, local: &str) -> Vec<El<'d>> {
        self.take(ns, local, usize::MAX).collect()
    }

    /// Like [`Fields::many`], but 2001 when there are more than `max`.
    pub(crate) fn at_most(
        &mut self,
        ns: Namespace,
        local: &str,
        max: usize,
    ) -> Parsed<Vec<El<'d>>> {
        let all = self.many(ns, local);
        match all.get(max) {
            Some(&extra) => Err(fail(
                ResultCode::CommandSyntaxError,
                extra,
                format!("at most {max} of these are allowed here"),
            )),
            None => Ok(all),
        }
    }

    /// Like [`Fields::many`], but 2003 when there are none.
    pub(crate) fn at_least_one(&mut self, ns: Namespace, local: &str) -> Parsed<Vec<El<'d>>> {
        let all = self.many(ns, local);
        if all.is_empty() {
            return Err(fail(
                ResultCode::RequiredParameterMissing,
                self.parent,
                format!("at least one <{}> is required", qualified(ns, local)),
            ));
        }
        Ok(all)
    }

    /// Fails on the first child nobody took.
    pub(crate) fn finish(self) -> Parsed<()> {
        match self.rest.into_iter().flatten().next() {
            Some(extra) => Err(unexpected(extra)),
            None => Ok(()),
        }
    }

    /// The first child nobody took.
    pub(crate) fn leftover(self) -> Option<El<'d>> {
        self.rest.into_iter().flatten().next()
    }

    fn take(&mut self, ns: Namespace, local: &str, limit: usize) -> impl Iterator<Item = El<'d>> {
        let mut taken = Vec::new();
        for slot in &mut self.rest {
            if taken.len() >= limit {
                break;
            }
            if slot.is_some_and(|el| el.is(ns, local)) {
                taken.extend(slot.take());
            }
        }
        taken.into_iter()
    }
}

/// The error for an element the schema does not allow where it is.
pub(crate) fn unexpected(el: El<'_>) -> ParseError {
    let why = match el.ns() {
        Ns::Other(uri) => {
            format!("element in unknown namespace {} not allowed here", truncate(uri))
        }
        Ns::None => "element without a namespace not allowed here".to_owned(),
        _ => "element not allowed here".to_owned(),
    };
    fail(ResultCode::CommandSyntaxError, el, why)
}

fn qualified(ns: Namespace, local: &str) -> String {
    match ns {
        Namespace::Epp => local.to_owned(),
        other => format!("{}:{local}", other.prefix()),
    }
}

pub(crate) fn check_attrs(el: El<'_>, allowed: &[&str]) -> Parsed<()> {
    match el.unexpected_attr(allowed) {
        Some(name) => Err(fail(
            ResultCode::CommandSyntaxError,
            el,
            format!("attribute {name} not allowed here"),
        )),
        None => Ok(()),
    }
}

/// The raw text of an element that must hold text only.
pub(crate) fn leaf<'d>(el: El<'d>, attrs: &[&str]) -> Parsed<&'d str> {
    check_attrs(el, attrs)?;
    if let Some(child) = el.children().next() {
        return Err(fail(ResultCode::CommandSyntaxError, child, "text expected, not an element"));
    }
    Ok(el.text())
}

/// An xs:token: leading and trailing white space removed, inner runs collapsed to one space.
pub(crate) fn collapse(text: &str) -> String {
    text.split_ascii_whitespace().collect::<Vec<_>>().join(" ")
}

/// A token of `min..=max` characters.
pub(crate) fn token(el: El<'_>, min: usize, max: usize) -> Parsed<String> {
    let value = collapse(leaf(el, &[])?);
    check_length(el, &value, min, max)?;
    Ok(value)
}

/// A token with attributes allowed on the element.
pub(crate) fn token_with(el: El<'_>, attrs: &[&str], min: usize, max: usize) -> Parsed<String> {
    let value = collapse(leaf(el, attrs)?);
    check_length(el, &value, min, max)?;
    Ok(value)
}

/// A normalizedString of `min..=max` characters (tabs and line ends become spaces; nothing is
/// trimmed, as XML Schema says).
pub(crate) fn normalized(el: El<'_>, min: usize, max: usize) -> Parsed<String> {
    let value: String = leaf(el, &[])?
        .chars()
        .map(|c| if matches!(c, '\t' | '\n' | '\r') { ' ' } else { c })
        .collect();
    check_length(el, &value, min, max)?;
    Ok(value)
}

fn check_length(el: El<'_>, value: &str, min: usize, max: usize) -> Parsed<()> {
    let length = value.chars().count();
    if length < min || length > max {
        let why = if length == 0 {
            "value is empty".to_owned()
        } else {
            format!("value of {length} characters is not within {min} to {max}")
        };
        let code = if length == 0 {
            ResultCode::RequiredParameterMissing
        } else {
            ResultCode::ParameterValueSyntaxError
        };
        return Err(fail(code, el, why));
    }
    Ok(())
}

/// A domain or host name (eppcom:labelType, 1 to 255 characters).
pub(crate) fn label(el: El<'_>) -> Parsed<String> {
    token(el, 1, 255)
}

/// A client or contact id (eppcom:clIDType, 3 to 16 characters).
pub(crate) fn client_id(el: El<'_>) -> Parsed<String> {
    token(el, 3, 16)
}

/// An unsigned number within `min..=max`.
pub(crate) fn number<T>(el: El<'_>, text: &str, min: T, max: T) -> Parsed<T>
where
    T: FromStr + PartialOrd + std::fmt::Display + Copy,
{
    let text = text.trim();
    let digits = text.strip_prefix('+').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(fail(
            ResultCode::ParameterValueSyntaxError,
            el,
            format!("{:?} is not a number", truncate(text)),
        ));
    }
    let digits = digits.trim_start_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    match digits.parse::<T>() {
        Ok(value) if value >= min && value <= max => Ok(value),
        _ => Err(fail(
            ResultCode::ParameterValueRangeError,
            el,
            format!("{} is not within {min} to {max}", truncate(digits)),
        )),
    }
}

/// The number held by a leaf.
pub(crate) fn number_leaf<T>(el: El<'_>, min: T, max: T) -> Parsed<T>
where
    T: FromStr + PartialOrd + std::fmt::Display + Copy,
{
    number(el, leaf(el, &[])?, min, max)
}

/// An xs:boolean.
pub(crate) fn boolean(el: El<'_>, text: &str) -> Parsed<bool> {
    match text.trim() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        other => Err(fail(
            ResultCode::ParameterValueSyntaxError,
            el,
            format!("{:?} is not a boolean (true, false, 1, 0)", truncate(other)),
        )),
    }
}

/// An xs:dateTime with a time zone.
pub(crate) fn datetime(el: El<'_>) -> Parsed<OffsetDateTime> {
    let text = leaf(el, &[])?.trim();
    OffsetDateTime::parse(text, &Rfc3339).map_err(|e| {
        fail(
            ResultCode::ParameterValueSyntaxError,
            el,
            format!("{:?} is not a date and time with a time zone: {e}", truncate(text)),
        )
    })
}

/// An xs:date without a time zone (`2026-04-03`).
pub(crate) fn date(el: El<'_>) -> Parsed<Date> {
    let text = leaf(el, &[])?.trim();
    Date::parse(text, format_description!("[year]-[month]-[day]")).map_err(|e| {
        fail(
            ResultCode::ParameterValueSyntaxError,
            el,
            format!("{:?} is not a date (YYYY-MM-DD): {e}", truncate(text)),
        )
    })
}

/// An attribute whose value is one token of an enumeration, with its default.
pub(crate) fn enum_attr<T: Copy>(
    el: El<'_>,
    name: &str,
    default: Option<T>,
    from: fn(&str) -> Option<T>,
    expected: &str,
) -> Parsed<T> {
    match el.attr(name) {
        Some(text) => from(&collapse(text)).ok_or_else(|| {
            fail(
                ResultCode::ParameterValueSyntaxError,
                el,
                format!("attribute {name}={:?} is not one of {expected}", truncate(text)),
            )
        }),
        None => default.ok_or_else(|| {
            fail(
                ResultCode::RequiredParameterMissing,
                el,
                format!("required attribute {name} is missing"),
            )
        }),
    }
}

/// `<X:authInfo><X:pw roid="...">secret</X:pw></X:authInfo>`; `<X:ext>` is not implemented.
pub(crate) fn auth_info(el: El<'_>, ns: Namespace) -> Parsed<AuthInfo> {
    let mut fields = Fields::of(el, &[])?;
    if let Some(ext) = fields.opt(ns, "ext")? {
        return Err(fail(
            ResultCode::UnimplementedOption,
            ext,
            "extended authorization information is not implemented; use <pw>",
        ));
    }
    let pw = fields.one(ns, "pw")?;
    fields.finish()?;
    password(pw, ns)
}

/// `<X:pw roid="...">`: a normalizedString, kept as written apart from line-end handling.
pub(crate) fn password(pw: El<'_>, ns: Namespace) -> Parsed<AuthInfo> {
    let roid_allowed: &[&str] = if ns == Namespace::Contact { &[] } else { &["roid"] };
    let text = leaf(pw, roid_allowed)?;
    let roid = match pw.attr("roid") {
        Some(roid) => Some(roid_value(pw, roid)?),
        None => None,
    };
    let normalized: String =
        text.chars().map(|c| if matches!(c, '\t' | '\n' | '\r') { ' ' } else { c }).collect();
    Ok(AuthInfo { pw: Secret::new(normalized), roid })
}

fn roid_value(el: El<'_>, text: &str) -> Parsed<String> {
    let roid = collapse(text);
    // eppcom:roidType: (\w|_){1,80}-\w{1,8}
    let valid = roid.rsplit_once('-').is_some_and(|(local, repo)| {
        (1..=80).contains(&local.chars().count())
            && (1..=8).contains(&repo.chars().count())
            && local.chars().all(|c| c.is_alphanumeric() || c == '_')
            && repo.chars().all(|c| c.is_alphanumeric() || c == '_')
    });
    if valid {
        Ok(roid)
    } else {
        Err(fail(
            ResultCode::ParameterValueSyntaxError,
            el,
            format!("roid {:?} is not a repository object id", truncate(&roid)),
        ))
    }
}

/// `<X:status s="..." lang="..">note</X:status>`, checked against the object's statuses.
pub(crate) fn status(el: El<'_>, kind: ObjectKind) -> Parsed<StatusValue> {
    let text = leaf(el, &["s", "lang"])?;
    let s = el.attr("s").ok_or_else(|| {
        fail(ResultCode::RequiredParameterMissing, el, "required attribute s is missing")
    })?;
    let status = Status::from_token(&collapse(s))
        .filter(|status| status.applies_to(kind))
        .ok_or_else(|| {
            fail(
                ResultCode::ParameterValueSyntaxError,
                el,
                format!("{:?} is not a {} status", truncate(s), kind.namespace().prefix()),
            )
        })?;
    let text = text.trim();
    Ok(StatusValue {
        status,
        lang: el.attr("lang").map(collapse),
        text: (!text.is_empty()).then(|| text.to_owned()),
    })
}
