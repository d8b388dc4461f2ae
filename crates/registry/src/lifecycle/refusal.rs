//! Why the engine turned a command down, each reason tied to its EPP result code (RFC 5730
//! §3). The message names the object and the rule, so the service can put it in `<msg>` or
//! `<reason>` as it stands.

/// A command the lifecycle engine refuses. `object` names what was refused (`domain
/// example.example`, `host ns1.example.example`, `contact sh8013`); `reason` says why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// 2302: the object to create is already there.
    #[error("{object} already exists")]
    ObjectExists {
        /// The object.
        object: String,
    },
    /// 2303: the object (or one it refers to) is not there.
    #[error("{object} does not exist{reason}")]
    ObjectDoesNotExist {
        /// The missing object.
        object: String,
        /// Where it was referred from (`, referred to as name server`), or empty.
        reason: String,
    },
    /// 2201: the actor may not act on the object (not its sponsor, not the gaining registrar).
    #[error("{object}: {reason}")]
    AuthorizationError {
        /// The object.
        object: String,
        /// Why.
        reason: String,
    },
    /// 2202: the authorization information (transfer code) is wrong, expired, absent or weak.
    #[error("{object}: {reason}")]
    InvalidAuthorization {
        /// The object.
        object: String,
        /// Why.
        reason: String,
    },
    /// 2304: a status of the object (or its lifecycle state) forbids the command.
    #[error("{object}: {reason}")]
    StatusProhibits {
        /// The object.
        object: String,
        /// Which status and what it forbids.
        reason: String,
    },
    /// 2305: other objects depend on this one.
    #[error("{object}: {reason}")]
    AssociationProhibits {
        /// The object.
        object: String,
        /// Which objects refer to it.
        reason: String,
    },
    /// 2306: a value is well formed but outside the registry's policy.
    #[error("{object}: {reason}")]
    ParameterPolicy {
        /// The object.
        object: String,
        /// Which value and which rule.
        reason: String,
    },
    /// 2004: a value is outside the range the protocol allows.
    #[error("{object}: {reason}")]
    ValueRange {
        /// The object.
        object: String,
        /// Which value and which range.
        reason: String,
    },
    /// 2005: a value is not written the way the protocol requires.
    #[error("{object}: {reason}")]
    ValueSyntax {
        /// The object.
        object: String,
        /// Which value and what is wrong with it.
        reason: String,
    },
    /// 2104: the registrar's account cannot pay (raised by the service, which knows balances).
    #[error("{object}: {reason}")]
    BillingFailure {
        /// The object.
        object: String,
        /// The amount and the balance.
        reason: String,
    },
    /// 2301: a transfer action (approve, reject, cancel, query) finds no pending transfer.
    #[error("{object}: {reason}")]
    NotPendingTransfer {
        /// The object.
        object: String,
        /// Why.
        reason: String,
    },
    /// 2300: a transfer is requested while another one is pending.
    #[error("{object}: {reason}")]
    PendingTransfer {
        /// The object.
        object: String,
        /// Why.
        reason: String,
    },
    /// 2106: the object cannot be transferred to this registrar (it already sponsors it, or
    /// the object changed hands too recently).
    #[error("{object}: {reason}")]
    NotEligibleForTransfer {
        /// The object.
        object: String,
        /// Why.
        reason: String,
    },
    /// 2003: a value the command needs is missing.
    #[error("{object}: {reason}")]
    RequiredMissing {
        /// The object.
        object: String,
        /// What is missing.
        reason: String,
    },
}

impl Refusal {
    /// The EPP result code (RFC 5730 §3) to answer with.
    pub fn epp_code(&self) -> u16 {
        match self {
            Refusal::ObjectExists { .. } => 2302,
            Refusal::ObjectDoesNotExist { .. } => 2303,
            Refusal::AuthorizationError { .. } => 2201,
            Refusal::InvalidAuthorization { .. } => 2202,
            Refusal::StatusProhibits { .. } => 2304,
            Refusal::AssociationProhibits { .. } => 2305,
            Refusal::ParameterPolicy { .. } => 2306,
            Refusal::ValueRange { .. } => 2004,
            Refusal::ValueSyntax { .. } => 2005,
            Refusal::BillingFailure { .. } => 2104,
            Refusal::NotPendingTransfer { .. } => 2301,
            Refusal::PendingTransfer { .. } => 2300,
            Refusal::NotEligibleForTransfer { .. } => 2106,
            Refusal::RequiredMissing { .. } => 2003,
        }
    }

    /// The object the refusal is about.
    pub fn object(&self) -> &str {
        match self {
            Refusal::ObjectExists { object }
            | Refusal::ObjectDoesNotExist { object, .. }
            | Refusal::AuthorizationError { object, .. }
            | Refusal::InvalidAuthorization { object, .. }
            | Refusal::StatusProhibits { object, .. }
            | Refusal::AssociationProhibits { object, .. }
            | Refusal::ParameterPolicy { object, .. }
            | Refusal::ValueRange { object, .. }
            | Refusal::ValueSyntax { object, .. }
            | Refusal::BillingFailure { object, .. }
            | Refusal::NotPendingTransfer { object, .. }
            | Refusal::PendingTransfer { object, .. }
            | Refusal::NotEligibleForTransfer { object, .. }
            | Refusal::RequiredMissing { object, .. } => object,
        }
    }
}

/// Shorthands that keep the call sites to one line each.
pub(crate) mod refuse {
    use super::Refusal;

    pub(crate) fn exists(object: &str) -> Refusal {
        Refusal::ObjectExists { object: object.to_owned() }
    }
    pub(crate) fn missing(object: String, reason: &str) -> Refusal {
        Refusal::ObjectDoesNotExist { object, reason: reason.to_owned() }
    }
    pub(crate) fn authorization(object: &str, reason: String) -> Refusal {
        Refusal::AuthorizationError { object: object.to_owned(), reason }
    }
    pub(crate) fn invalid_auth(object: &str, reason: &str) -> Refusal {
        Refusal::InvalidAuthorization { object: object.to_owned(), reason: reason.to_owned() }
    }
    pub(crate) fn status(object: &str, reason: String) -> Refusal {
        Refusal::StatusProhibits { object: object.to_owned(), reason }
    }
    pub(crate) fn association(object: &str, reason: String) -> Refusal {
        Refusal::AssociationProhibits { object: object.to_owned(), reason }
    }
    /// A transfer code too weak to be set: the value breaks the registry's policy (2306),
    /// which is not the same as a code that does not match (2202).
    pub(crate) fn weak_code(object: &str) -> Refusal {
        policy(
            object,
            "the transfer code is too weak (RFC 9154: at least 128 bits of randomness)".to_owned(),
        )
    }
    pub(crate) fn policy(object: &str, reason: String) -> Refusal {
        Refusal::ParameterPolicy { object: object.to_owned(), reason }
    }
    pub(crate) fn range(object: &str, reason: String) -> Refusal {
        Refusal::ValueRange { object: object.to_owned(), reason }
    }
    pub(crate) fn syntax(object: &str, reason: String) -> Refusal {
        Refusal::ValueSyntax { object: object.to_owned(), reason }
    }
    pub(crate) fn not_pending(object: &str) -> Refusal {
        Refusal::NotPendingTransfer {
            object: object.to_owned(),
            reason: "no transfer is pending".to_owned(),
        }
    }
    pub(crate) fn pending(object: &str, reason: String) -> Refusal {
        Refusal::PendingTransfer { object: object.to_owned(), reason }
    }
    pub(crate) fn not_eligible(object: &str, reason: String) -> Refusal {
        Refusal::NotEligibleForTransfer { object: object.to_owned(), reason }
    }
    pub(crate) fn required(object: &str, reason: &str) -> Refusal {
        Refusal::RequiredMissing { object: object.to_owned(), reason: reason.to_owned() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_has_its_rfc_5730_code_and_names_the_object() {
        let object = "domain a.example".to_owned();
        let reason = "because".to_owned();
        let cases = [
            (Refusal::ObjectExists { object: object.clone() }, 2302),
            (Refusal::ObjectDoesNotExist { object: object.clone(), reason: String::new() }, 2303),
            (Refusal::AuthorizationError { object: object.clone(), reason: reason.clone() }, 2201),
            (
                Refusal::InvalidAuthorization { object: object.clone(), reason: reason.clone() },
                2202,
            ),
            (Refusal::StatusProhibits { object: object.clone(), reason: reason.clone() }, 2304),
            (
                Refusal::AssociationProhibits { object: object.clone(), reason: reason.clone() },
                2305,
            ),
            (Refusal::ParameterPolicy { object: object.clone(), reason: reason.clone() }, 2306),
            (Refusal::ValueRange { object: object.clone(), reason: reason.clone() }, 2004),
            (Refusal::ValueSyntax { object: object.clone(), reason: reason.clone() }, 2005),
            (Refusal::BillingFailure { object: object.clone(), reason: reason.clone() }, 2104),
            (Refusal::NotPendingTransfer { object: object.clone(), reason: reason.clone() }, 2301),
            (Refusal::PendingTransfer { object: object.clone(), reason: reason.clone() }, 2300),
            (
                Refusal::NotEligibleForTransfer { object: object.clone(), reason: reason.clone() },
                2106,
            ),
            (Refusal::RequiredMissing { object: object.clone(), reason: reason.clone() }, 2003),
        ];
        for (refusal, code) in cases {
            assert_eq!(refusal.epp_code(), code, "{refusal:?}");
            assert_eq!(refusal.object(), object);
            assert!(refusal.to_string().starts_with("domain a.example"), "{refusal}");
        }
    }
}
