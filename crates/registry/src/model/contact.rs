use std::collections::BTreeSet;

use super::{AuthCode, Stamps};

/// Whether a postal address is in internationalized (UTF-8) or localized (ASCII) form (RFC 5733
/// §2.4: `int` must be 7-bit ASCII, `loc` may use any characters).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum PostalKind {
    /// `type="int"`.
    Int,
    /// `type="loc"`.
    Loc,
}

/// A contact's name and address in one form.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PostalInfo {
    /// `int` or `loc`.
    pub kind: PostalKind,
    /// Person or role name.
    pub name: String,
    /// Organization.
    pub org: Option<String>,
    /// Up to three street lines.
    pub street: Vec<String>,
    /// City.
    pub city: String,
    /// State or province.
    pub sp: Option<String>,
    /// Postal code.
    pub pc: Option<String>,
    /// Two-letter country code (ISO 3166-1 alpha-2).
    pub cc: String,
}

/// Contact statuses that can be set (RFC 5733 §2.2); `ok`, `linked` and `pending*` are derived.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub enum ContactStatus {
    /// `clientDeleteProhibited`.
    ClientDeleteProhibited,
    /// `clientTransferProhibited`.
    ClientTransferProhibited,
    /// `clientUpdateProhibited`.
    ClientUpdateProhibited,
    /// `serverDeleteProhibited`.
    ServerDeleteProhibited,
    /// `serverTransferProhibited`.
    ServerTransferProhibited,
    /// `serverUpdateProhibited`.
    ServerUpdateProhibited,
}

impl ContactStatus {
    /// Every status, in declaration order.
    pub const ALL: [ContactStatus; 6] = [
        ContactStatus::ClientDeleteProhibited,
        ContactStatus::ClientTransferProhibited,
        ContactStatus::ClientUpdateProhibited,
        ContactStatus::ServerDeleteProhibited,
        ContactStatus::ServerTransferProhibited,
        ContactStatus::ServerUpdateProhibited,
    ];

    /// The EPP name (`clientDeleteProhibited`).
    pub fn as_str(self) -> &'static str {
        match self {
            ContactStatus::ClientDeleteProhibited => "clientDeleteProhibited",
            ContactStatus::ClientTransferProhibited => "clientTransferProhibited",
            ContactStatus::ClientUpdateProhibited => "clientUpdateProhibited",
            ContactStatus::ServerDeleteProhibited => "serverDeleteProhibited",
            ContactStatus::ServerTransferProhibited => "serverTransferProhibited",
            ContactStatus::ServerUpdateProhibited => "serverUpdateProhibited",
        }
    }

    /// The status an EPP name names.
    pub fn parse(text: &str) -> Option<ContactStatus> {
        ContactStatus::ALL.into_iter().find(|status| status.as_str() == text)
    }
}

/// Which fields the contact asks to be disclosed (`flag="1"`) or withheld (`flag="0"`).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Disclose {
    /// The flag the listed fields take.
    pub flag: bool,
    /// Field names as in RFC 5733 (`name_int`, `org_loc`, `addr_int`, `voice`, `fax`, `email`).
    pub fields: Vec<String>,
}

/// A contact object (RFC 5733).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Contact {
    /// The client-chosen identifier (3–16 characters), unique in the registry.
    pub id: String,
    /// Repository object id.
    pub roid: String,
    /// Sponsoring registrar.
    pub sponsor: String,
    /// One or two postal forms (`int`, `loc`).
    pub postal: Vec<PostalInfo>,
    /// Voice number in E.164a form (`+1.7035555555`) with an optional extension.
    pub voice: Option<String>,
    /// Voice extension.
    pub voice_ext: Option<String>,
    /// Fax number.
    pub fax: Option<String>,
    /// Fax extension.
    pub fax_ext: Option<String>,
    /// E-mail address.
    pub email: String,
    /// The authInfo password, hashed.
    pub auth: Option<AuthCode>,
    /// Statuses set on the contact.
    pub statuses: BTreeSet<ContactStatus>,
    /// Disclosure preference.
    pub disclose: Option<Disclose>,
    /// Audit stamps.
    pub stamps: Stamps,
}
