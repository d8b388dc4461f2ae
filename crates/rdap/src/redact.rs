//! A contact as the public sees it: a jCard (RFC 7095) with personal data removed or emptied,
//! and the RFC 9537 `redacted` members that say so, with the ICANN profile's names and
//! methods (RP §2.7, Appendix E):
//!
//! | field | method |
//! |---|---|
//! | handle (Registry Registrant/Tech ID) | removal |
//! | name (`fn`) | emptyValue |
//! | organization | removal, unless the policy publishes it |
//! | street, city, postal code | emptyValue |
//! | phone, fax (and extensions) | removal |
//! | e-mail | removal |
//!
//! State or province and country stay. Only fields the contact has are listed as redacted.

use nameward_registry::model::Contact;
use serde::Deserialize;
use serde_json::{Value, json};

/// What the registry publishes of a contact beyond the profile's minimum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Publish the registrant's organization (the profile lets a registry do so).
    #[serde(default)]
    pub registrant_organization: bool,
    /// Publish state or province (the profile's default).
    #[serde(default = "yes")]
    pub region: bool,
}

fn yes() -> bool {
    true
}

impl Default for Policy {
    fn default() -> Policy {
        Policy { registrant_organization: false, region: true }
    }
}

/// The role a contact is shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// `registrant`.
    Registrant,
    /// `technical`.
    Technical,
}

impl Role {
    fn rdap(self) -> &'static str {
        match self {
            Role::Registrant => "registrant",
            Role::Technical => "technical",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Role::Registrant => "Registrant",
            Role::Technical => "Tech",
        }
    }
}

/// A contact's entity for the public in `role`, and the `redacted` members for what it left
/// out (their paths point into the response's top-level `entities`).
pub fn public_contact(contact: &Contact, role: Role, policy: &Policy) -> (Value, Vec<Value>) {
    let postal = contact.postal.first();
    let mut card = vec![json!(["version", {}, "text", "4.0"]), json!(["fn", {}, "text", ""])];
    let mut redacted = Vec::new();
    let base = format!("$.entities[?(@.roles[0]=='{}')]", role.rdap());
    let label = role.label();
    let item = |name: String, method: &str, path: String| {
        let path_member = if method == "removal" { "prePath" } else { "postPath" };
        json!({
            "name": {"type": name},
            path_member: path,
            "pathLang": "jsonpath",
            "method": method,
            "reason": {"description": "Server policy"},
        })
    };
    redacted.push(item(format!("Registry {label} ID"), "removal", format!("{base}.handle")));
    redacted.push(item(
        format!("{label} Name"),
        "emptyValue",
        format!("{base}.vcardArray[1][?(@[0]=='fn')][3]"),
    ));
    if role == Role::Registrant {
        if let Some(org) = postal.and_then(|postal| postal.org.as_deref()) {
            if policy.registrant_organization {
                card.push(json!(["org", {}, "text", org]));
            } else {
                redacted.push(item(
                    "Registrant Organization".to_owned(),
                    "removal",
                    format!("{base}.vcardArray[1][?(@[0]=='org')][3]"),
                ));
            }
        }
        if let Some(postal) = postal {
            let region =
                if policy.region { postal.sp.clone().unwrap_or_default() } else { String::new() };
            card.push(json!([
                "adr",
                {"cc": postal.cc},
                "text",
                ["", "", "", "", region, "", ""]
            ]));
            let adr = format!("{base}.vcardArray[1][?(@[0]=='adr')][3]");
            if !postal.street.is_empty() {
                redacted.push(item(
                    "Registrant Street".to_owned(),
                    "emptyValue",
                    format!("{adr}[2]"),
                ));
            }
            redacted.push(item("Registrant City".to_owned(), "emptyValue", format!("{adr}[3]")));
            if postal.pc.is_some() {
                redacted.push(item(
                    "Registrant Postal Code".to_owned(),
                    "emptyValue",
                    format!("{adr}[5]"),
                ));
            }
        }
    }
    let tel = |kind: &str| format!("{base}.vcardArray[1][?(@[0]=='tel' && @[1].type=='{kind}')]");
    if contact.voice.is_some() {
        redacted.push(item(format!("{label} Phone"), "removal", tel("voice")));
    }
    if role == Role::Registrant {
        if contact.voice_ext.is_some() {
            redacted.push(item("Registrant Phone Ext".to_owned(), "removal", tel("voice")));
        }
        if contact.fax.is_some() {
            redacted.push(item("Registrant Fax".to_owned(), "removal", tel("fax")));
        }
        if contact.fax_ext.is_some() {
            redacted.push(item("Registrant Fax Ext".to_owned(), "removal", tel("fax")));
        }
    }
    redacted.push(item(
        format!("{label} Email"),
        "removal",
        format!("{base}.vcardArray[1][?(@[0]=='email')]"),
    ));
    let entity = json!({
        "objectClassName": "entity",
        "roles": [role.rdap()],
        "vcardArray": ["vcard", card],
    });
    (entity, redacted)
}
