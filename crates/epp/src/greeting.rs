//! The greeting the server sends on connect and in answer to `<hello>` (RFC 5730 §2.4).

use time::OffsetDateTime;

use crate::types::Namespace;
use crate::xml::Writer;

/// The server's greeting. [`Greeting::new`] fills in what nameward implements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Greeting {
    /// The server's name.
    pub sv_id: String,
    /// The server's current time.
    pub sv_date: OffsetDateTime,
    /// Protocol versions (`1.0`).
    pub versions: Vec<String>,
    /// Languages for messages.
    pub langs: Vec<String>,
    /// Object namespaces served.
    pub obj_uris: Vec<String>,
    /// Extension namespaces served.
    pub ext_uris: Vec<String>,
}

impl Greeting {
    /// The greeting of a nameward server: EPP 1.0 in English; domain, host and contact
    /// objects; the secDNS-1.1, rgp-1.0, loginSec-1.0 and unhandled-namespaces-1.0
    /// extensions.
    pub fn new(sv_id: impl Into<String>, sv_date: OffsetDateTime) -> Greeting {
        let uris = |list: &[Namespace]| list.iter().map(|ns| ns.uri().to_owned()).collect();
        Greeting {
            sv_id: sv_id.into(),
            sv_date,
            versions: vec!["1.0".to_owned()],
            langs: vec!["en".to_owned()],
            obj_uris: uris(&[Namespace::Domain, Namespace::Host, Namespace::Contact]),
            ext_uris: uris(&[
                Namespace::SecDns,
                Namespace::Rgp,
                Namespace::LoginSec,
                Namespace::UnhandledNamespaces,
            ]),
        }
    }

    /// The XML document. The data collection policy is fixed: registrars may see all data
    /// they are entitled to; it is used for administration and provisioning, shared with the
    /// registry and (redacted, through RDAP) the public, and kept as the registry's stated
    /// retention policy says.
    pub fn to_xml(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.open("epp", &[("xmlns", Namespace::Epp.uri())]);
        w.open("greeting", &[]);
        w.text("svID", &self.sv_id);
        w.datetime("svDate", self.sv_date);
        w.open("svcMenu", &[]);
        for version in &self.versions {
            w.text("version", version);
        }
        for lang in &self.langs {
            w.text("lang", lang);
        }
        for uri in &self.obj_uris {
            w.text("objURI", uri);
        }
        if !self.ext_uris.is_empty() {
            w.open("svcExtension", &[]);
            for uri in &self.ext_uris {
                w.text("extURI", uri);
            }
            w.close("svcExtension");
        }
        w.close("svcMenu");
        w.open("dcp", &[]);
        w.open("access", &[]);
        w.empty("all", &[]);
        w.close("access");
        w.open("statement", &[]);
        w.open("purpose", &[]);
        w.empty("admin", &[]);
        w.empty("prov", &[]);
        w.close("purpose");
        w.open("recipient", &[]);
        w.empty("ours", &[]);
        w.empty("public", &[]);
        w.close("recipient");
        w.open("retention", &[]);
        w.empty("stated", &[]);
        w.close("retention");
        w.close("statement");
        w.close("dcp");
        w.close("greeting");
        w.close("epp");
        w.finish()
    }
}
