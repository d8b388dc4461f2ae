//! The deposit XML: namespaces, the streaming writer and the bounded streaming reader.

pub mod read;
pub mod write;

/// RFC 8909 and RFC 9022 namespaces, with the prefixes nameward writes them under.
pub(crate) const RDE: &str = "urn:ietf:params:xml:ns:rde-1.0";
pub(crate) const HEADER: &str = "urn:ietf:params:xml:ns:rdeHeader-1.0";
pub(crate) const DOMAIN: &str = "urn:ietf:params:xml:ns:rdeDomain-1.0";
pub(crate) const HOST: &str = "urn:ietf:params:xml:ns:rdeHost-1.0";
pub(crate) const CONTACT: &str = "urn:ietf:params:xml:ns:rdeContact-1.0";
pub(crate) const REGISTRAR: &str = "urn:ietf:params:xml:ns:rdeRegistrar-1.0";
pub(crate) const EPP_PARAMS: &str = "urn:ietf:params:xml:ns:rdeEppParams-1.0";
pub(crate) const POLICY: &str = "urn:ietf:params:xml:ns:rdePolicy-1.0";
pub(crate) const EPP_DOMAIN: &str = "urn:ietf:params:xml:ns:domain-1.0";
pub(crate) const EPP_HOST: &str = "urn:ietf:params:xml:ns:host-1.0";
pub(crate) const EPP_CONTACT: &str = "urn:ietf:params:xml:ns:contact-1.0";
pub(crate) const SEC_DNS: &str = "urn:ietf:params:xml:ns:secDNS-1.1";
pub(crate) const RGP: &str = "urn:ietf:params:xml:ns:rgp-1.0";
pub(crate) const EPP: &str = "urn:ietf:params:xml:ns:epp-1.0";

/// The object kinds a deposit holds, by the namespace of their element.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Object {
    /// `rdeDomain:domain`.
    Domain,
    /// `rdeHost:host`.
    Host,
    /// `rdeContact:contact`.
    Contact,
    /// `rdeRegistrar:registrar`.
    Registrar,
}

impl Object {
    /// Every kind, in the order a restore writes them (each refers only to those before it,
    /// hosts' superordinate domains apart).
    pub const RESTORE_ORDER: [Object; 4] =
        [Object::Registrar, Object::Contact, Object::Host, Object::Domain];

    /// The object's namespace (its `objURI` and header `count@uri`).
    pub fn uri(self) -> &'static str {
        match self {
            Object::Domain => DOMAIN,
            Object::Host => HOST,
            Object::Contact => CONTACT,
            Object::Registrar => REGISTRAR,
        }
    }

    /// The kind whose namespace is `uri`.
    pub fn of_uri(uri: &str) -> Option<Object> {
        [Object::Domain, Object::Host, Object::Contact, Object::Registrar]
            .into_iter()
            .find(|object| object.uri() == uri)
    }

    /// The element's qualified name as nameward writes it.
    pub fn element(self) -> &'static str {
        match self {
            Object::Domain => "rdeDomain:domain",
            Object::Host => "rdeHost:host",
            Object::Contact => "rdeContact:contact",
            Object::Registrar => "rdeRegistrar:registrar",
        }
    }

    /// The element's local name.
    pub fn local(self) -> &'static str {
        match self {
            Object::Domain => "domain",
            Object::Host => "host",
            Object::Contact => "contact",
            Object::Registrar => "registrar",
        }
    }
}
