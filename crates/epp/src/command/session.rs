//! Session commands: login (with RFC 8807 loginSec) and poll.

use super::Extensions;
use super::fields::{Fields, Parsed, collapse, enum_attr, fail, leaf, token};
use crate::result::ResultCode;
use crate::types::{Namespace, Secret};
use crate::xml::El;

/// `<login>`: the client's credentials and the services it will use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    /// The registrar's client id.
    pub client_id: String,
    /// The password (from `<loginSec:pw>` when the client used loginSec).
    pub password: Secret,
    /// A new password to set on success.
    pub new_password: Option<Secret>,
    /// The protocol version; always `1.0` (anything else is refused with 2100).
    pub version: String,
    /// The language the client wants for messages.
    pub lang: String,
    /// The object namespaces the client will use.
    pub obj_uris: Vec<String>,
    /// The extension namespaces the client will use.
    pub ext_uris: Vec<String>,
    /// The client software, from loginSec.
    pub user_agent: Option<UserAgent>,
    /// True when the client sent a loginSec extension.
    pub used_login_sec: bool,
}

/// The client software a registrar names in loginSec (RFC 8807 §3.1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserAgent {
    /// Application name and version.
    pub app: Option<String>,
    /// Technology (library, language) and version.
    pub tech: Option<String>,
    /// Operating system and version.
    pub os: Option<String>,
}

/// `<poll op="req|ack">`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Poll {
    /// Read the oldest message.
    Request,
    /// Remove a message from the queue.
    Ack {
        /// The `msgID` of the message.
        msg_id: String,
    },
}

/// What RFC 8807 puts in `<pw>` and `<newPW>` when the real password travels in loginSec.
const LOGIN_SECURITY: &str = "[LOGIN-SECURITY]";

pub(super) fn login(el: El<'_>, extensions: &mut Extensions<'_>) -> Parsed<Login> {
    let ns = Namespace::Epp;
    let mut fields = Fields::of(el, &[])?;
    let client_id = token(fields.one(ns, "clID")?, 3, 16)?;
    let pw = fields.one(ns, "pw")?;
    let password = token(pw, 6, 16)?;
    let new_pw = fields.opt(ns, "newPW")?;
    let new_password = new_pw.map(|el| token(el, 6, 16)).transpose()?;
    let options = fields.one(ns, "options")?;
    let svcs = fields.one(ns, "svcs")?;
    fields.finish()?;

    let mut option_fields = Fields::of(options, &[])?;
    let version_el = option_fields.one(ns, "version")?;
    let version = token(version_el, 1, 16)?;
    if version != "1.0" {
        return Err(fail(
            ResultCode::UnimplementedProtocolVersion,
            version_el,
            format!("version {version} is not implemented; this server speaks 1.0"),
        ));
    }
    let lang = token(option_fields.one(ns, "lang")?, 1, 35)?;
    option_fields.finish()?;

    let mut svc_fields = Fields::of(svcs, &[])?;
    let obj_uris = svc_fields
        .at_least_one(ns, "objURI")?
        .into_iter()
        .map(|el| token(el, 1, 255))
        .collect::<Parsed<Vec<_>>>()?;
    let mut ext_uris = Vec::new();
    if let Some(svc_extension) = svc_fields.opt(ns, "svcExtension")? {
        let mut ext_fields = Fields::of(svc_extension, &[])?;
        for uri in ext_fields.at_least_one(ns, "extURI")? {
            ext_uris.push(token(uri, 1, 255)?);
        }
        ext_fields.finish()?;
    }
    svc_fields.finish()?;

    let mut login = Login {
        client_id,
        password: Secret::new(password),
        new_password: new_password.map(Secret::new),
        version,
        lang,
        obj_uris,
        ext_uris,
        user_agent: None,
        used_login_sec: false,
    };
    if let Some(login_sec) = extensions.take(Namespace::LoginSec, "loginSec")? {
        apply_login_sec(&mut login, login_sec, pw, new_pw)?;
    } else if login.password.expose() == LOGIN_SECURITY {
        return Err(fail(
            ResultCode::RequiredParameterMissing,
            pw,
            "password is [LOGIN-SECURITY] but no <loginSec:pw> came with it",
        ));
    }
    Ok(login)
}

fn apply_login_sec(
    login: &mut Login,
    el: El<'_>,
    pw: El<'_>,
    new_pw: Option<El<'_>>,
) -> Parsed<()> {
    let ns = Namespace::LoginSec;
    let mut fields = Fields::of(el, &[])?;
    if let Some(agent) = fields.opt(ns, "userAgent")? {
        let mut agent_fields = Fields::of(agent, &[])?;
        let mut part = |name| -> Parsed<Option<String>> {
            agent_fields.opt(ns, name)?.map(|el| token(el, 1, 255)).transpose()
        };
        let user_agent = UserAgent { app: part("app")?, tech: part("tech")?, os: part("os")? };
        agent_fields.finish()?;
        login.user_agent = Some(user_agent);
    }
    let long_pw = fields.opt(ns, "pw")?;
    let long_new_pw = fields.opt(ns, "newPW")?;
    fields.finish()?;
    login.used_login_sec = true;
    match long_pw {
        Some(long) => {
            if login.password.expose() != LOGIN_SECURITY {
                return Err(fail(
                    ResultCode::CommandSyntaxError,
                    pw,
                    "with <loginSec:pw> the password must be [LOGIN-SECURITY] (RFC 8807)",
                ));
            }
            login.password = Secret::new(token(long, 6, 1024)?);
        }
        None if login.password.expose() == LOGIN_SECURITY => {
            return Err(fail(
                ResultCode::RequiredParameterMissing,
                el,
                "password is [LOGIN-SECURITY] but <loginSec:pw> is missing",
            ));
        }
        None => {}
    }
    let placeholder_new = login.new_password.as_ref().is_some_and(|p| p.expose() == LOGIN_SECURITY);
    match (long_new_pw, new_pw) {
        (Some(long), Some(_)) if placeholder_new => {
            login.new_password = Some(Secret::new(token(long, 6, 1024)?));
        }
        (Some(long), _) => {
            return Err(fail(
                ResultCode::CommandSyntaxError,
                long,
                "<loginSec:newPW> needs <newPW>[LOGIN-SECURITY]</newPW> (RFC 8807)",
            ));
        }
        (None, Some(new_pw)) if placeholder_new => {
            return Err(fail(
                ResultCode::RequiredParameterMissing,
                new_pw,
                "new password is [LOGIN-SECURITY] but <loginSec:newPW> is missing",
            ));
        }
        (None, _) => {}
    }
    Ok(())
}

pub(super) fn poll(el: El<'_>) -> Parsed<Poll> {
    leaf(el, &["op", "msgID"])?;
    if !el.text().trim().is_empty() {
        return Err(fail(ResultCode::CommandSyntaxError, el, "<poll> holds no text"));
    }
    let ack = enum_attr(
        el,
        "op",
        None,
        |op| match op {
            "req" => Some(false),
            "ack" => Some(true),
            _ => None,
        },
        "req, ack",
    )?;
    if !ack {
        return Ok(Poll::Request);
    }
    let msg_id = el.attr("msgID").map(collapse).unwrap_or_default();
    if msg_id.is_empty() {
        return Err(fail(
            ResultCode::RequiredParameterMissing,
            el,
            "poll ack needs the msgID attribute",
        ));
    }
    Ok(Poll::Ack { msg_id })
}
