//! A registrar's standing and the terms it is accredited under.
//!
//! The moves the operator may make:
//!
//! | from      | to         | action           |
//! |-----------|------------|------------------|
//! | ACTIVE    | SUSPENDED  | `suspend`        |
//! | SUSPENDED | ACTIVE     | `reinstate`      |
//! | ACTIVE    | FAILED     | `declare_failed` |
//! | SUSPENDED | FAILED     | `declare_failed` |
//! | FAILED    | TERMINATED | `terminate`      |
//!
//! Everything else is refused (2304). FAILED does not go back to ACTIVE: once the registry
//! has renewed names on credit and told registrants, their names leave through a transfer,
//! not through a quiet reinstatement.

use crate::lifecycle::Refusal;
use crate::model::{Money, Registrar, RegistrarState};

/// The history action for a move from `from` to `to`, or `None` if the move is not allowed.
pub fn action(from: RegistrarState, to: RegistrarState) -> Option<&'static str> {
    use RegistrarState::{Active, Failed, Suspended, Terminated};
    match (from, to) {
        (Active, Suspended) => Some("suspend"),
        (Suspended, Active) => Some("reinstate"),
        (Active | Suspended, Failed) => Some("declare_failed"),
        (Failed, Terminated) => Some("terminate"),
        _ => None,
    }
}

/// The registrar after moving to `to`, with the history action; refused (2304) when the
/// table above has no such move.
pub fn change_state(
    registrar: &Registrar,
    to: RegistrarState,
) -> Result<(Registrar, &'static str), Refusal> {
    let from = registrar.state;
    let Some(action) = action(from, to) else {
        let reason = if from == to {
            format!("is already {}", to.as_str())
        } else {
            let allowed: Vec<&str> = [
                RegistrarState::Active,
                RegistrarState::Suspended,
                RegistrarState::Failed,
                RegistrarState::Terminated,
            ]
            .into_iter()
            .filter(|next| self::action(from, *next).is_some())
            .map(RegistrarState::as_str)
            .collect();
            format!(
                "cannot go from {} to {} (from {} it may go to: {})",
                from.as_str(),
                to.as_str(),
                from.as_str(),
                if allowed.is_empty() {
                    "nothing, it is final".to_owned()
                } else {
                    allowed.join(", ")
                }
            )
        };
        return Err(Refusal::StatusProhibits {
            object: format!("registrar {}", registrar.id),
            reason,
        });
    };
    let mut next = registrar.clone();
    next.state = to;
    Ok((next, action))
}

/// Checks the terms of an accreditation: a deposit that is not negative, and a successor that
/// is another registrar, accredited and ACTIVE (`successor` is the one the store found).
pub fn check_terms(
    id: &str,
    security_deposit: Money,
    successor_id: Option<&str>,
    successor: Option<&Registrar>,
) -> Result<(), Refusal> {
    let object = format!("registrar {id}");
    if security_deposit < 0 {
        return Err(Refusal::ValueRange {
            object,
            reason: format!("security deposit {security_deposit} is negative"),
        });
    }
    let Some(wanted) = successor_id else { return Ok(()) };
    if wanted == id {
        return Err(Refusal::ParameterPolicy {
            object,
            reason: "a registrar cannot be its own successor".to_owned(),
        });
    }
    match successor {
        None => Err(Refusal::ObjectDoesNotExist {
            object: format!("registrar {wanted}"),
            reason: ", named as successor".to_owned(),
        }),
        Some(found) if found.state != RegistrarState::Active => Err(Refusal::StatusProhibits {
            object,
            reason: format!(
                "successor {wanted} is {}, and only an ACTIVE registrar can take over a portfolio",
                found.state.as_str()
            ),
        }),
        Some(_) => Ok(()),
    }
}

/// Checks the parties of a bulk transfer: the losing registrar FAILED or TERMINATED, the
/// gaining one ACTIVE and another registrar.
pub fn check_parties(losing: &Registrar, gaining: &Registrar) -> Result<(), Refusal> {
    if losing.id == gaining.id {
        return Err(Refusal::ParameterPolicy {
            object: format!("registrar {}", losing.id),
            reason: "the gaining registrar is the losing one".to_owned(),
        });
    }
    if !matches!(losing.state, RegistrarState::Failed | RegistrarState::Terminated) {
        return Err(Refusal::StatusProhibits {
            object: format!("registrar {}", losing.id),
            reason: format!(
                "is {}: a bulk transfer takes only a FAILED or TERMINATED registrar's names \
                 (declare it failed first)",
                losing.state.as_str()
            ),
        });
    }
    if gaining.state != RegistrarState::Active {
        return Err(Refusal::StatusProhibits {
            object: format!("registrar {}", gaining.id),
            reason: format!(
                "is {}: only an ACTIVE registrar can take over a portfolio",
                gaining.state.as_str()
            ),
        });
    }
    Ok(())
}

/// What a registrar's command does, as far as the registrar's standing is concerned.
///
/// A registrar that is not ACTIVE cannot log in, but a session it opened before the operator
/// suspended it (or declared it failed) lives on. From that session it may still look and
/// let names go; it may not change the registry while the operator has yet to decide on it
/// ([`check_may_act`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    /// Touches nothing a registrant depends on: a transfer query, a poll acknowledgement (the
    /// registrar's own queue). Reads (check, info, poll request) are not writes and never ask.
    Look,
    /// Lets a name go to the registrar its registrant chose: a transfer approval. The server
    /// approves a pending transfer at its action date whatever the sponsor's standing
    /// ([`crate::lifecycle::due`]: registrants can always leave), so refusing it would only
    /// keep the registrant waiting.
    Release,
    /// Everything else: creates, updates, renewals, deletes, restores, transfer requests,
    /// rejections and cancellations. A delete inside add grace removes a name at once and for
    /// good, exactly what the hold on a suspended registrar's deletes is there to prevent
    /// ([`crate::continuity::lookback`]); a renewal or restore charges an account the registry
    /// may never be paid from; a rejection keeps a registrant from leaving.
    Change,
}

impl Act {
    /// Whether only an ACTIVE registrar may do this.
    pub fn needs_active(self) -> bool {
        self == Act::Change
    }
}

/// Checks that a registrar in `state` may do `act` (see [`Act`]); refused with 2304 naming
/// its state otherwise. The operator is not a registrar and is never asked.
pub fn check_may_act(id: &str, state: RegistrarState, act: Act) -> Result<(), Refusal> {
    if state == RegistrarState::Active || !act.needs_active() {
        return Ok(());
    }
    Err(Refusal::StatusProhibits {
        object: format!("registrar {id}"),
        reason: format!(
            "is {}: it may still read, poll and approve transfers, but changes wait until the \
             registry operator decides on it",
            state.as_str()
        ),
    })
}

/// The registrar as history shows it: everything but the password hash.
pub fn public(registrar: &Registrar) -> Registrar {
    Registrar { password_hash: String::new(), ..registrar.clone() }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use RegistrarState::{Active, Failed, Suspended, Terminated};

    fn registrar(id: &str, state: RegistrarState) -> Registrar {
        Registrar {
            id: id.to_owned(),
            name: id.to_owned(),
            state,
            password_hash: "secret".to_owned(),
            cert_fingerprints: Vec::new(),
            email: None,
            successor: None,
            created_at: time::OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn only_the_table_moves_are_allowed() {
        let all = [Active, Suspended, Failed, Terminated];
        let mut allowed = Vec::new();
        for from in all {
            for to in all {
                match change_state(&registrar("r1", from), to) {
                    Ok((next, action)) => {
                        assert_eq!(next.state, to);
                        allowed.push((from, to, action));
                    }
                    Err(refusal) => {
                        assert_eq!(refusal.epp_code(), 2304);
                        assert!(refusal.to_string().contains("registrar r1"), "{refusal}");
                    }
                }
            }
        }
        assert_eq!(
            allowed,
            [
                (Active, Suspended, "suspend"),
                (Active, Failed, "declare_failed"),
                (Suspended, Active, "reinstate"),
                (Suspended, Failed, "declare_failed"),
                (Failed, Terminated, "terminate"),
            ]
        );
        let refusal = change_state(&registrar("r1", Failed), Active).unwrap_err();
        assert!(refusal.to_string().contains("cannot go from FAILED to ACTIVE"), "{refusal}");
        let refusal = change_state(&registrar("r1", Terminated), Active).unwrap_err();
        assert!(refusal.to_string().contains("final"), "{refusal}");
    }

    #[test]
    fn parties_and_terms() {
        let failed = registrar("old", Failed);
        let active = registrar("new", Active);
        assert!(check_parties(&failed, &active).is_ok());
        assert!(check_parties(&registrar("old", Terminated), &active).is_ok());
        assert!(check_parties(&registrar("old", Suspended), &active).is_err());
        assert!(check_parties(&failed, &registrar("new", Suspended)).is_err());
        assert!(check_parties(&failed, &failed).is_err());
        assert!(check_terms("a", 100, None, None).is_ok());
        assert!(check_terms("a", -1, None, None).is_err());
        assert!(check_terms("a", 0, Some("a"), None).is_err());
        assert_eq!(check_terms("a", 0, Some("b"), None).unwrap_err().epp_code(), 2303);
        assert!(check_terms("a", 0, Some("b"), Some(&registrar("b", Failed))).is_err());
        assert!(check_terms("a", 0, Some("b"), Some(&registrar("b", Active))).is_ok());
        assert!(public(&active).password_hash.is_empty());
    }

    #[test]
    fn only_an_active_registrar_changes_anything() {
        for act in [Act::Look, Act::Release, Act::Change] {
            assert!(check_may_act("a", Active, act).is_ok(), "{act:?}");
        }
        for state in [Suspended, Failed, Terminated] {
            assert!(check_may_act("a", state, Act::Look).is_ok());
            assert!(check_may_act("a", state, Act::Release).is_ok());
            let refusal = check_may_act("a", state, Act::Change).unwrap_err();
            assert_eq!(refusal.epp_code(), 2304);
            assert!(refusal.to_string().contains(state.as_str()), "{refusal}");
        }
    }
}
