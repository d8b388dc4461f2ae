//! Values that commands and responses share: namespaces, statuses, periods, contact data,
//! DNSSEC data.

use std::fmt;

/// The XML namespaces nameward speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Namespace {
    /// `urn:ietf:params:xml:ns:epp-1.0` (RFC 5730).
    Epp,
    /// `urn:ietf:params:xml:ns:domain-1.0` (RFC 5731).
    Domain,
    /// `urn:ietf:params:xml:ns:host-1.0` (RFC 5732).
    Host,
    /// `urn:ietf:params:xml:ns:contact-1.0` (RFC 5733).
    Contact,
    /// `urn:ietf:params:xml:ns:secDNS-1.1` (RFC 5910).
    SecDns,
    /// `urn:ietf:params:xml:ns:rgp-1.0` (RFC 3915).
    Rgp,
    /// `urn:ietf:params:xml:ns:epp:loginSec-1.0` (RFC 8807).
    LoginSec,
    /// `urn:ietf:params:xml:ns:epp:unhandled-namespaces-1.0` (RFC 9038): announced at login,
    /// it asks for data of namespaces the client did not name in `<extValue>` rather than
    /// not at all. It has no elements of its own.
    UnhandledNamespaces,
}

impl Namespace {
    /// Every namespace, EPP first.
    pub const ALL: [Namespace; 8] = [
        Namespace::Epp,
        Namespace::Domain,
        Namespace::Host,
        Namespace::Contact,
        Namespace::SecDns,
        Namespace::Rgp,
        Namespace::LoginSec,
        Namespace::UnhandledNamespaces,
    ];

    /// The namespace URI.
    pub const fn uri(self) -> &'static str {
        match self {
            Namespace::Epp => "urn:ietf:params:xml:ns:epp-1.0",
            Namespace::Domain => "urn:ietf:params:xml:ns:domain-1.0",
            Namespace::Host => "urn:ietf:params:xml:ns:host-1.0",
            Namespace::Contact => "urn:ietf:params:xml:ns:contact-1.0",
            Namespace::SecDns => "urn:ietf:params:xml:ns:secDNS-1.1",
            Namespace::Rgp => "urn:ietf:params:xml:ns:rgp-1.0",
            Namespace::LoginSec => "urn:ietf:params:xml:ns:epp:loginSec-1.0",
            Namespace::UnhandledNamespaces => "urn:ietf:params:xml:ns:epp:unhandled-namespaces-1.0",
        }
    }

    /// The prefix the RFCs use, which nameward uses when it writes.
    pub const fn prefix(self) -> &'static str {
        match self {
            Namespace::Epp => "epp",
            Namespace::Domain => "domain",
            Namespace::Host => "host",
            Namespace::Contact => "contact",
            Namespace::SecDns => "secDNS",
            Namespace::Rgp => "rgp",
            Namespace::LoginSec => "loginSec",
            Namespace::UnhandledNamespaces => "unhandled",
        }
    }

    /// The namespace with this URI.
    pub fn from_uri(uri: &str) -> Option<Namespace> {
        Namespace::ALL.into_iter().find(|ns| ns.uri() == uri)
    }
}

/// A password or transfer code: compared and stored by the registry, never printed by `Debug`.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a password.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The password itself.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True for the empty `<pw/>` that RFC 9154 lets a create carry.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() { f.write_str("Secret(empty)") } else { f.write_str("Secret(***)") }
    }
}

/// Authorization information (`<authInfo><pw>`), with the ROID of the contact it belongs to
/// when the client names one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuthInfo {
    /// The password; may be empty on create (RFC 9154).
    pub pw: Secret,
    /// The `roid` attribute: whose authInfo this is (a domain's contact), if not the object's.
    pub roid: Option<String>,
}

impl AuthInfo {
    /// A password with no ROID.
    pub fn password(pw: impl Into<String>) -> AuthInfo {
        AuthInfo { pw: Secret::new(pw), roid: None }
    }
}

/// A change that sets a value or removes it (an empty element in `<chg>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change<T> {
    /// Set to this value.
    Set(T),
    /// Remove the value.
    Clear,
}

/// The unit of a registration period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PeriodUnit {
    /// `y`
    Year,
    /// `m`
    Month,
}

/// A registration period: 1 to 99 years or months.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Period {
    /// 1 to 99.
    pub value: u8,
    /// Years or months.
    pub unit: PeriodUnit,
}

impl Period {
    /// One year, the default when a command gives no period.
    pub const ONE_YEAR: Period = Period { value: 1, unit: PeriodUnit::Year };

    /// `years` years.
    pub const fn years(years: u8) -> Period {
        Period { value: years, unit: PeriodUnit::Year }
    }

    /// The length in months.
    pub const fn months(self) -> u32 {
        match self.unit {
            PeriodUnit::Year => self.value as u32 * 12,
            PeriodUnit::Month => self.value as u32,
        }
    }
}

/// Which kind of object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    /// RFC 5731.
    Domain,
    /// RFC 5732.
    Host,
    /// RFC 5733.
    Contact,
}

impl ObjectKind {
    /// The object's namespace.
    pub const fn namespace(self) -> Namespace {
        match self {
            ObjectKind::Domain => Namespace::Domain,
            ObjectKind::Host => Namespace::Host,
            ObjectKind::Contact => Namespace::Contact,
        }
    }
}

macro_rules! token_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal,)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)*
        }

        impl $name {
            /// Every value, in schema order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The value as the schema spells it.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)*
                }
            }

            /// The value the schema spells this way.
            pub fn from_token(text: &str) -> Option<$name> {
                match text {
                    $($text => Some($name::$variant),)*
                    _ => None,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

token_enum! {
    /// An object status (RFC 5731 §2.3, 5732 §2.3, 5733 §2.2); [`Status::applies_to`] says
    /// which objects may carry it.
    Status {
        /// The client forbids deletion.
        ClientDeleteProhibited = "clientDeleteProhibited",
        /// The client keeps the domain out of the zone.
        ClientHold = "clientHold",
        /// The client forbids renewal.
        ClientRenewProhibited = "clientRenewProhibited",
        /// The client forbids transfer.
        ClientTransferProhibited = "clientTransferProhibited",
        /// The client forbids updates.
        ClientUpdateProhibited = "clientUpdateProhibited",
        /// The domain has no name servers.
        Inactive = "inactive",
        /// Another object refers to this host or contact.
        Linked = "linked",
        /// Nothing pending and nothing prohibited.
        Ok = "ok",
        /// A create waits for action.
        PendingCreate = "pendingCreate",
        /// A delete waits for action (or the domain is in its redemption or pending-delete period).
        PendingDelete = "pendingDelete",
        /// A renewal waits for action.
        PendingRenew = "pendingRenew",
        /// A transfer waits for action.
        PendingTransfer = "pendingTransfer",
        /// An update waits for action.
        PendingUpdate = "pendingUpdate",
        /// The registry forbids deletion.
        ServerDeleteProhibited = "serverDeleteProhibited",
        /// The registry keeps the domain out of the zone.
        ServerHold = "serverHold",
        /// The registry forbids renewal.
        ServerRenewProhibited = "serverRenewProhibited",
        /// The registry forbids transfer.
        ServerTransferProhibited = "serverTransferProhibited",
        /// The registry forbids updates.
        ServerUpdateProhibited = "serverUpdateProhibited",
    }
}

impl Status {
    /// True when the object's schema lists this status.
    pub const fn applies_to(self, kind: ObjectKind) -> bool {
        use Status::*;
        match kind {
            ObjectKind::Domain => !matches!(self, Linked),
            ObjectKind::Host => !matches!(
                self,
                ClientHold
                    | ClientRenewProhibited
                    | ClientTransferProhibited
                    | Inactive
                    | PendingRenew
                    | ServerHold
                    | ServerRenewProhibited
                    | ServerTransferProhibited
            ),
            ObjectKind::Contact => !matches!(
                self,
                ClientHold
                    | ClientRenewProhibited
                    | Inactive
                    | PendingRenew
                    | ServerHold
                    | ServerRenewProhibited
            ),
        }
    }
}

/// A status with the optional human-readable note (`<domain:status s="..." lang="...">note`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusValue {
    /// The status.
    pub status: Status,
    /// The language of the note, when given.
    pub lang: Option<String>,
    /// The note, when given.
    pub text: Option<String>,
}

impl From<Status> for StatusValue {
    fn from(status: Status) -> StatusValue {
        StatusValue { status, lang: None, text: None }
    }
}

token_enum! {
    /// The role of a domain contact.
    ContactType {
        /// Administrative contact.
        Admin = "admin",
        /// Billing contact.
        Billing = "billing",
        /// Technical contact.
        Tech = "tech",
    }
}

/// A contact linked to a domain in a role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainContact {
    /// The role.
    pub kind: ContactType,
    /// The contact's id.
    pub id: String,
}

token_enum! {
    /// Which hosts a domain info answer lists (`hosts` attribute).
    HostsFilter {
        /// Delegated and subordinate hosts.
        All = "all",
        /// Only the name servers the domain delegates to.
        Delegated = "del",
        /// Only the hosts under the domain.
        Subordinate = "sub",
        /// No hosts.
        None = "none",
    }
}

token_enum! {
    /// A transfer operation (`op` attribute).
    TransferOp {
        /// Ask for a transfer (gaining registrar).
        Request = "request",
        /// Approve a pending transfer (losing registrar).
        Approve = "approve",
        /// Reject a pending transfer (losing registrar).
        Reject = "reject",
        /// Withdraw a pending transfer (gaining registrar).
        Cancel = "cancel",
        /// Ask for the state of the last transfer.
        Query = "query",
    }
}

token_enum! {
    /// The state of a transfer (`trStatus`).
    TransferStatus {
        /// The losing registrar approved it.
        ClientApproved = "clientApproved",
        /// The gaining registrar cancelled it.
        ClientCancelled = "clientCancelled",
        /// The losing registrar rejected it.
        ClientRejected = "clientRejected",
        /// It waits for action.
        Pending = "pending",
        /// The registry approved it (the automatic approval date passed).
        ServerApproved = "serverApproved",
        /// The registry cancelled it.
        ServerCancelled = "serverCancelled",
    }
}

token_enum! {
    /// The form of a postal address: internationalized (UTF-8) or localized (ASCII only).
    PostalType {
        /// `int`: 7-bit ASCII only.
        Int = "int",
        /// `loc`: any characters.
        Loc = "loc",
    }
}

/// A contact's postal information in one form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostalInfo {
    /// Internationalized or localized.
    pub kind: PostalType,
    /// The person's or role's name.
    pub name: String,
    /// The organization.
    pub org: Option<String>,
    /// The address.
    pub addr: Address,
}

/// A postal address.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Address {
    /// Zero to three street lines.
    pub street: Vec<String>,
    /// The city.
    pub city: String,
    /// State or province.
    pub sp: Option<String>,
    /// Postal code.
    pub pc: Option<String>,
    /// Two-letter country code.
    pub cc: String,
}

/// A telephone number in EPP's E.164 form (`+1.7035555555`) with an optional extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone {
    /// The number, `+CC.NUMBER`.
    pub number: String,
    /// The extension (`x` attribute).
    pub ext: Option<String>,
}

/// Which contact fields the client asks to disclose or hide (RFC 5733 §2.9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disclose {
    /// True: disclose these fields; false: do not.
    pub flag: bool,
    /// The fields.
    pub fields: Vec<DiscloseField>,
}

/// One field of a [`Disclose`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DiscloseField {
    /// The name in one postal form.
    Name(PostalType),
    /// The organization in one postal form.
    Org(PostalType),
    /// The address in one postal form.
    Addr(PostalType),
    /// The voice number.
    Voice,
    /// The fax number.
    Fax,
    /// The e-mail address.
    Email,
}

/// A DS record for the parent zone (RFC 5910 §4.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DsData {
    /// Key tag.
    pub key_tag: u16,
    /// DNSSEC algorithm number.
    pub alg: u8,
    /// Digest algorithm number.
    pub digest_type: u8,
    /// The digest, decoded from hex.
    pub digest: Vec<u8>,
    /// The key the DS refers to, when the client gives it.
    pub key_data: Option<KeyData>,
}

/// A DNSKEY (RFC 5910 §4.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyData {
    /// Flags (257 for a key-signing key).
    pub flags: u16,
    /// Protocol, always 3.
    pub protocol: u8,
    /// DNSSEC algorithm number.
    pub alg: u8,
    /// The public key, decoded from base64.
    pub public_key: Vec<u8>,
}

/// DNSSEC data of a domain: either DS records or keys from which the registry computes them
/// (the schema allows one kind or the other, never both).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DnssecData {
    /// DS records (the usual interface).
    Ds(Vec<DsData>),
    /// Keys (the key-data interface).
    Key(Vec<KeyData>),
}

token_enum! {
    /// A redemption grace period status (RFC 3915 §3.2).
    RgpStatus {
        /// Within the add grace period.
        AddPeriod = "addPeriod",
        /// Within the auto-renew grace period.
        AutoRenewPeriod = "autoRenewPeriod",
        /// Within the renew grace period.
        RenewPeriod = "renewPeriod",
        /// Within the transfer grace period.
        TransferPeriod = "transferPeriod",
        /// Deleted, past redemption, waiting for purge.
        PendingDelete = "pendingDelete",
        /// A restore was requested and waits for its report.
        PendingRestore = "pendingRestore",
        /// Deleted and restorable.
        RedemptionPeriod = "redemptionPeriod",
    }
}
