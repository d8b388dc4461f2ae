//! EPP commands: [`parse`] turns one frame into a typed [`Request`].
//!
//! Every refusal is a [`ParseError`] that carries the result code to answer with and, when it
//! could be read, the client's transaction id to echo.

mod contact;
mod domain;
mod encode;
mod ext;
pub(crate) mod fields;
mod host;
mod session;

pub use contact::{
    ContactChange, ContactCreate, ContactInfo, ContactTransfer, ContactUpdate, PostalInfoChange,
};
pub use domain::{
    DomainAddRem, DomainChange, DomainCreate, DomainInfo, DomainRenew, DomainTransfer, DomainUpdate,
};
pub use ext::{RgpReport, RgpRestore, SecDnsCreate, SecDnsRem, SecDnsUpdate};
pub use host::{HostAddRem, HostCreate, HostUpdate};
pub use session::{Login, Poll, UserAgent};

use crate::result::ResultCode;
use crate::types::{Namespace, ObjectKind};
use crate::xml::read::truncate;
use crate::xml::{Document, El, Ns};
use fields::{Fields, Parsed, fail, unexpected};

/// One client command: what to do and the client's transaction id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `<clTRID>`, echoed in the response.
    pub cl_trid: Option<String>,
    /// The command.
    pub command: Command,
}

/// Every command nameward understands, one variant per object and verb.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `<hello/>`: answer with the greeting.
    Hello,
    /// Start a session.
    Login(Login),
    /// End the session.
    Logout,
    /// Read or acknowledge a queued message.
    Poll(Poll),
    /// Which of these domain names are available.
    DomainCheck(Vec<String>),
    /// Read a domain.
    DomainInfo(DomainInfo),
    /// Register a domain.
    DomainCreate(DomainCreate),
    /// Change a domain (and restore one in redemption, with the RGP extension).
    DomainUpdate(DomainUpdate),
    /// Delete a domain by name.
    DomainDelete(String),
    /// Extend a domain's registration.
    DomainRenew(DomainRenew),
    /// Request, approve, reject, cancel or query a domain transfer.
    DomainTransfer(DomainTransfer),
    /// Which of these host names are available.
    HostCheck(Vec<String>),
    /// Read a host by name.
    HostInfo(String),
    /// Create a host.
    HostCreate(HostCreate),
    /// Change or rename a host.
    HostUpdate(HostUpdate),
    /// Delete a host by name.
    HostDelete(String),
    /// Which of these contact ids are available.
    ContactCheck(Vec<String>),
    /// Read a contact.
    ContactInfo(ContactInfo),
    /// Create a contact.
    ContactCreate(ContactCreate),
    /// Change a contact.
    ContactUpdate(ContactUpdate),
    /// Delete a contact by id.
    ContactDelete(String),
    /// Request, approve, reject, cancel or query a contact transfer.
    ContactTransfer(ContactTransfer),
}

impl Command {
    /// A short name for logs and metrics, e.g. `domain:create`.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Hello => "hello",
            Command::Login(_) => "login",
            Command::Logout => "logout",
            Command::Poll(_) => "poll",
            Command::DomainCheck(_) => "domain:check",
            Command::DomainInfo(_) => "domain:info",
            Command::DomainCreate(_) => "domain:create",
            Command::DomainUpdate(_) => "domain:update",
            Command::DomainDelete(_) => "domain:delete",
            Command::DomainRenew(_) => "domain:renew",
            Command::DomainTransfer(_) => "domain:transfer",
            Command::HostCheck(_) => "host:check",
            Command::HostInfo(_) => "host:info",
            Command::HostCreate(_) => "host:create",
            Command::HostUpdate(_) => "host:update",
            Command::HostDelete(_) => "host:delete",
            Command::ContactCheck(_) => "contact:check",
            Command::ContactInfo(_) => "contact:info",
            Command::ContactCreate(_) => "contact:create",
            Command::ContactUpdate(_) => "contact:update",
            Command::ContactDelete(_) => "contact:delete",
            Command::ContactTransfer(_) => "contact:transfer",
        }
    }

    /// The object the command works on, if any; the session checks it against the login's
    /// `objURI`s.
    pub fn object(&self) -> Option<ObjectKind> {
        let name = self.name();
        if name.starts_with("domain:") {
            Some(ObjectKind::Domain)
        } else if name.starts_with("host:") {
            Some(ObjectKind::Host)
        } else if name.starts_with("contact:") {
            Some(ObjectKind::Contact)
        } else {
            None
        }
    }

    /// The extension namespaces the command used; the session checks them against the
    /// login's `extURI`s.
    pub fn extensions(&self) -> Vec<Namespace> {
        let mut used = Vec::new();
        match self {
            Command::Login(login) if login.user_agent.is_some() || login.used_login_sec => {
                used.push(Namespace::LoginSec);
            }
            Command::DomainCreate(create) if create.sec_dns.is_some() => {
                used.push(Namespace::SecDns);
            }
            Command::DomainUpdate(update) => {
                if update.sec_dns.is_some() {
                    used.push(Namespace::SecDns);
                }
                if update.restore.is_some() {
                    used.push(Namespace::Rgp);
                }
            }
            _ => {}
        }
        used
    }
}

/// A command nameward refuses, with the result code to answer with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ParseError {
    /// The code for the response (2000-2005, 2100-2103 or 2307).
    pub code: ResultCode,
    /// What was wrong and where (the element's path).
    pub message: String,
    /// The client's transaction id, when it could be read, for the response to echo.
    pub cl_trid: Option<String>,
}

/// Reads one EPP frame (the XML document, without the transport's length header).
pub fn parse(frame: &[u8]) -> Result<Request, ParseError> {
    let doc = Document::parse(frame).map_err(|e| ParseError {
        code: ResultCode::CommandSyntaxError,
        message: e.to_string(),
        cl_trid: None,
    })?;
    let root = doc.root();
    if !root.is(Namespace::Epp, "epp") {
        let why = if root.local() == "epp" {
            format!("root element is not in the EPP namespace {}", Namespace::Epp.uri())
        } else {
            format!("root element must be <epp xmlns=\"{}\">", Namespace::Epp.uri())
        };
        return Err(fail(ResultCode::CommandSyntaxError, root, why));
    }
    let mut fields = Fields::of(root, &[])?;
    if let Some(hello) = fields.opt(Namespace::Epp, "hello")? {
        fields.finish()?;
        Fields::of(hello, &[])?.finish()?;
        return Ok(Request { cl_trid: None, command: Command::Hello });
    }
    if let Some(command) = fields.opt(Namespace::Epp, "command")? {
        fields.finish()?;
        let cl_trid = recover_cl_trid(command);
        return read_command(command)
            .map(|command| Request { cl_trid: cl_trid.clone(), command })
            .map_err(|e| ParseError { cl_trid, ..e });
    }
    if let Some(extension) = fields.opt(Namespace::Epp, "extension")? {
        return Err(fail(
            ResultCode::UnimplementedExtension,
            extension,
            "protocol extensions are not implemented",
        ));
    }
    match root.children().next() {
        Some(other) if other.ns() == &Ns::Known(Namespace::Epp) => {
            Err(fail(ResultCode::CommandSyntaxError, other, "a client sends <hello> or <command>"))
        }
        Some(other) => Err(unexpected(other)),
        None => Err(fail(
            ResultCode::CommandSyntaxError,
            root,
            "empty <epp>: expected <hello> or <command>",
        )),
    }
}

/// The clTRID when it is present and valid, read before anything else so that every later
/// error can echo it.
fn recover_cl_trid(command: El<'_>) -> Option<String> {
    let el = command.children().find(|c| c.is(Namespace::Epp, "clTRID"))?;
    fields::token(el, 3, 64).ok()
}

const VERBS: [&str; 10] =
    ["check", "create", "delete", "info", "login", "logout", "poll", "renew", "transfer", "update"];

fn read_command(command: El<'_>) -> Parsed<Command> {
    let mut fields = Fields::of(command, &[])?;
    if let Some(cl_trid) = fields.opt(Namespace::Epp, "clTRID")? {
        fields::token(cl_trid, 3, 64)?;
    }
    let extension = fields.opt(Namespace::Epp, "extension")?;
    let mut verbs = Vec::new();
    for verb in VERBS {
        verbs.extend(fields.opt(Namespace::Epp, verb)?);
    }
    let unknown_verb = command.children().find(|c| {
        c.ns() == &Ns::Known(Namespace::Epp) && !matches!(c.local(), "clTRID" | "extension")
    });
    if let (true, Some(unknown)) = (verbs.is_empty(), unknown_verb) {
        return Err(fail(ResultCode::UnknownCommand, unknown, "not an EPP command"));
    }
    fields.finish()?;
    let verb = match verbs.as_slice() {
        [verb] => *verb,
        [] => {
            return Err(fail(ResultCode::CommandSyntaxError, command, "no command in <command>"));
        }
        [_, second, ..] => {
            return Err(fail(
                ResultCode::CommandSyntaxError,
                *second,
                "more than one command in <command>",
            ));
        }
    };
    let mut extensions = Extensions::of(extension)?;
    let parsed = match verb.local() {
        "login" => Command::Login(session::login(verb, &mut extensions)?),
        "logout" => {
            Fields::of(verb, &[])?.finish()?;
            Command::Logout
        }
        "poll" => Command::Poll(session::poll(verb)?),
        _ => object_command(verb, &mut extensions)?,
    };
    extensions.finish()?;
    Ok(parsed)
}

fn object_command(verb: El<'_>, extensions: &mut Extensions<'_>) -> Parsed<Command> {
    let verb_attrs: &[&str] = if verb.local() == "transfer" { &["op"] } else { &[] };
    let mut fields = Fields::of(verb, verb_attrs)?;
    let mut objects = verb.children();
    let (Some(object), None) = (objects.next(), objects.next()) else {
        return Err(fail(
            ResultCode::CommandSyntaxError,
            verb,
            "expected exactly one object element (such as <domain:create>)",
        ));
    };
    let kind = match object.ns() {
        Ns::Known(Namespace::Domain) => ObjectKind::Domain,
        Ns::Known(Namespace::Host) => ObjectKind::Host,
        Ns::Known(Namespace::Contact) => ObjectKind::Contact,
        Ns::Other(uri) => {
            return Err(fail(
                ResultCode::UnimplementedObjectService,
                object,
                format!("object namespace {} is not served here", truncate(uri)),
            ));
        }
        Ns::Known(other) => {
            return Err(fail(
                ResultCode::UnimplementedObjectService,
                object,
                format!("{} is an extension, not an object", other.uri()),
            ));
        }
        Ns::None | Ns::Xsi => {
            return Err(fail(
                ResultCode::CommandSyntaxError,
                object,
                "object element has no namespace",
            ));
        }
    };
    if object.local() != verb.local() {
        return Err(fail(
            ResultCode::CommandSyntaxError,
            object,
            format!("<{}> does not belong in <{}>", object.display_name(), verb.local()),
        ));
    }
    // The object element is the only child; taking it keeps Fields' bookkeeping honest.
    fields.one(kind.namespace(), object.local())?;
    fields.finish()?;
    match kind {
        ObjectKind::Domain => domain::command(verb, object, extensions),
        ObjectKind::Host => host::command(verb, object),
        ObjectKind::Contact => contact::command(verb, object),
    }
}

/// The children of `<extension>`, taken by the commands that accept them.
pub(crate) struct Extensions<'d> {
    fields: Option<Fields<'d>>,
}

impl<'d> Extensions<'d> {
    fn of(extension: Option<El<'d>>) -> Parsed<Extensions<'d>> {
        Ok(Extensions { fields: extension.map(|el| Fields::of(el, &[])).transpose()? })
    }

    /// The extension element with this name, if the client sent it.
    pub(crate) fn take(&mut self, ns: Namespace, local: &str) -> Parsed<Option<El<'d>>> {
        match &mut self.fields {
            Some(fields) => fields.opt(ns, local),
            None => Ok(None),
        }
    }

    /// Fails on an extension no part of the command took: 2103 for a namespace nameward does
    /// not implement, 2001 for a known extension in the wrong command.
    fn finish(self) -> Parsed<()> {
        let Some(extra) = self.fields.and_then(Fields::leftover) else { return Ok(()) };
        Err(match extra.ns() {
            Ns::Other(uri) => fail(
                ResultCode::UnimplementedExtension,
                extra,
                format!("extension {} is not implemented", truncate(uri)),
            ),
            Ns::Known(Namespace::SecDns | Namespace::Rgp | Namespace::LoginSec) => fail(
                ResultCode::CommandSyntaxError,
                extra,
                "this extension does not apply to this command",
            ),
            _ => unexpected(extra),
        })
    }
}
