//! The registrant desk's rules: case kinds and states, one-time e-mail codes, the DNS
//! challenge, and the limits on guessing. The service applies them inside store transactions;
//! the HTTP layer only maps their refusals onto status codes.
//!
//! A case moves `open → verifying → verified → code-issued` (a transfer-code case) or
//! `… → verified → delegation-switched` (a delegation-change case), or to `closed`:
//!
//! - `open`: created for a domain; nothing proven yet.
//! - `verifying`: a one-time code was e-mailed to the registrant address on record.
//! - `verified`: the registrant proved control, by that code or by publishing the case's token
//!   in a TXT record at `_nameward-challenge.<domain>`.
//! - `code-issued`: (transfer-code cases) the registry set a fresh transfer code on the domain
//!   and handed it out once.
//! - `delegation-switched`: (delegation-change cases) the registry switched the name to
//!   continuity DNS ([`crate::continuity::dns`]): its own name servers serve the zone the
//!   failed registrar hosted.
//! - `closed`: finished by the operator, or locked after too many wrong codes.
//!
//! E-mail codes are 8 digits, hashed at rest, valid 30 minutes; a case locks after 5 wrong
//! codes, and a client making 10 wrong guesses within an hour, over any cases, is refused
//! until the hour has passed.

use rand_core::RngCore;
use time::{Duration, OffsetDateTime};

/// The label under the domain where the DNS challenge is published.
pub const CHALLENGE_LABEL: &str = "_nameward-challenge";
/// Digits in an e-mail code.
pub const CODE_DIGITS: usize = 8;
/// How long an e-mail code is valid.
pub const CODE_LIFE: Duration = Duration::minutes(30);
/// Wrong codes after which a case locks.
pub const MAX_FAILURES: u32 = 5;
/// E-mail codes one case may ask for (each replaces the one before).
pub const MAX_CODES_SENT: u32 = 5;
/// Wrong codes one client may make within [`CLIENT_WINDOW`] before it is refused.
pub const MAX_CLIENT_FAILURES: u64 = 10;
/// The window of the per-client limit.
pub const CLIENT_WINDOW: Duration = Duration::hours(1);

/// What the registrant asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CaseKind {
    /// A transfer code, to move the name to another registrar.
    TransferCode,
    /// A change of name servers, done by the operator once verified.
    DelegationChange,
    /// A complaint, handled by the operator.
    Complaint,
}

impl CaseKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseKind::TransferCode => "transfer-code",
            CaseKind::DelegationChange => "delegation-change",
            CaseKind::Complaint => "complaint",
        }
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> Option<CaseKind> {
        [CaseKind::TransferCode, CaseKind::DelegationChange, CaseKind::Complaint]
            .into_iter()
            .find(|kind| kind.as_str() == text)
    }
}

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CaseState {
    /// Opened; nothing proven.
    Open,
    /// An e-mail code is out.
    Verifying,
    /// The registrant proved control of the name.
    Verified,
    /// A transfer code was issued.
    CodeIssued,
    /// The delegation was switched to the registry's name servers.
    DelegationSwitched,
    /// Finished.
    Closed,
}

impl CaseState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseState::Open => "open",
            CaseState::Verifying => "verifying",
            CaseState::Verified => "verified",
            CaseState::CodeIssued => "code-issued",
            CaseState::DelegationSwitched => "delegation-switched",
            CaseState::Closed => "closed",
        }
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> Option<CaseState> {
        [
            CaseState::Open,
            CaseState::Verifying,
            CaseState::Verified,
            CaseState::CodeIssued,
            CaseState::DelegationSwitched,
            CaseState::Closed,
        ]
        .into_iter()
        .find(|state| state.as_str() == text)
    }
}

/// How control was proven.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// A code sent to the registrant address on record.
    Email,
    /// The case token in a TXT record at the challenge name.
    Dns,
}

impl Method {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Email => "email",
            Method::Dns => "dns",
        }
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> Option<Method> {
        [Method::Email, Method::Dns].into_iter().find(|method| method.as_str() == text)
    }
}

/// A case as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// Random, unguessable id.
    pub id: String,
    /// The domain, lower case.
    pub domain: String,
    /// The registrar that sponsored the domain when the case was opened.
    pub sponsor: String,
    /// What is asked for.
    pub kind: CaseKind,
    /// Where it stands.
    pub state: CaseState,
    /// The DNS challenge token.
    pub token: String,
    /// What the registrant wrote (delegation change, complaint).
    pub detail: Option<String>,
    /// The current e-mail code's salted hash.
    pub code_hash: Option<String>,
    /// When the current e-mail code stops working.
    pub code_expires_at: Option<OffsetDateTime>,
    /// E-mail codes sent so far.
    pub codes_sent: u32,
    /// Wrong codes so far.
    pub failures: u32,
    /// Locked after too many wrong codes.
    pub locked: bool,
    /// How control was proven, once it was.
    pub verified_by: Option<Method>,
    /// When it was opened.
    pub created_at: OffsetDateTime,
    /// When it last changed.
    pub updated_at: OffsetDateTime,
}

/// One step of a case, as the audit trail keeps it. Codes never appear in it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntry {
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// What happened (`opened`, `email_code_sent`, `email_code_wrong`, `verified`, …).
    pub action: String,
    /// Who: the client address, or `registry`.
    pub client: String,
    /// More about it.
    pub detail: Option<String>,
}

/// Why the desk will not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DeskRefusal {
    /// No such case.
    #[error("no case {0}")]
    NoCase(String),
    /// The domain is not registered here.
    #[error("domain {0} is not registered here")]
    NoDomain(String),
    /// The desk serves only names of failed registrars (unless opened for all).
    #[error("domain {domain} is not in continuity mode: {reason}")]
    NotEligible {
        /// The domain.
        domain: String,
        /// Why.
        reason: String,
    },
    /// The case is not in a state that allows the step.
    #[error("case is {state}; {step} needs it {wanted}")]
    WrongState {
        /// Its state.
        state: &'static str,
        /// The step asked for.
        step: &'static str,
        /// The states that allow it.
        wanted: &'static str,
    },
    /// Locked after too many wrong codes.
    #[error("the case is locked after {MAX_FAILURES} wrong codes; open a new case")]
    Locked,
    /// Too many wrong codes from this client lately.
    #[error("too many wrong codes from this client; try again later")]
    RateLimited,
    /// No code was sent, or it was used.
    #[error("no e-mail code is outstanding for this case")]
    NoCode,
    /// The code's 30 minutes are over.
    #[error("the e-mail code has expired; ask for a new one")]
    CodeExpired,
    /// Wrong code.
    #[error("wrong code; {remaining} attempt(s) left")]
    WrongCode {
        /// Attempts left before the case locks.
        remaining: u32,
    },
    /// The case asked for too many codes.
    #[error("this case has had {MAX_CODES_SENT} codes already; open a new case")]
    TooManyCodes,
    /// No registrant address on record.
    #[error("no registrant e-mail address is on record for {0}")]
    NoAddress(String),
    /// The TXT record was not found.
    #[error("no TXT record with the case token at {0}")]
    ChallengeMissing(String),
    /// A code of another kind of case.
    #[error("a {0} case cannot issue a transfer code")]
    NotTransferCase(&'static str),
    /// A case of another kind than delegation-change.
    #[error("a {0} case cannot switch the delegation")]
    NotDelegationCase(&'static str),
    /// The registry will not switch the name (its registrar is not failed, no zone was
    /// escrowed for it, the escrowed zone cannot be served).
    #[error("the delegation cannot be switched: {0}")]
    CannotSwitch(String),
    /// The request itself is malformed.
    #[error("{0}")]
    BadRequest(String),
}

/// Checks a case may have an e-mail code sent.
pub fn may_send_code(case: &Case) -> Result<(), DeskRefusal> {
    usable(case)?;
    if !matches!(case.state, CaseState::Open | CaseState::Verifying) {
        return Err(wrong_state(case, "sending an e-mail code", "open or verifying"));
    }
    if case.codes_sent >= MAX_CODES_SENT {
        return Err(DeskRefusal::TooManyCodes);
    }
    Ok(())
}

/// Checks a case may be verified through the DNS.
pub fn may_check_dns(case: &Case) -> Result<(), DeskRefusal> {
    usable(case)?;
    if !matches!(case.state, CaseState::Open | CaseState::Verifying) {
        return Err(wrong_state(case, "a DNS check", "open or verifying"));
    }
    Ok(())
}

/// Checks a case may issue a transfer code.
pub fn may_issue_transfer_code(case: &Case) -> Result<(), DeskRefusal> {
    usable(case)?;
    if case.kind != CaseKind::TransferCode {
        return Err(DeskRefusal::NotTransferCase(case.kind.as_str()));
    }
    if case.state != CaseState::Verified {
        return Err(wrong_state(case, "issuing a transfer code", "verified"));
    }
    Ok(())
}

/// Checks a case may switch its domain to continuity DNS.
pub fn may_switch_delegation(case: &Case) -> Result<(), DeskRefusal> {
    usable(case)?;
    if case.kind != CaseKind::DelegationChange {
        return Err(DeskRefusal::NotDelegationCase(case.kind.as_str()));
    }
    if case.state != CaseState::Verified {
        return Err(wrong_state(case, "switching the delegation", "verified"));
    }
    Ok(())
}

fn usable(case: &Case) -> Result<(), DeskRefusal> {
    if case.locked { Err(DeskRefusal::Locked) } else { Ok(()) }
}

fn wrong_state(case: &Case, step: &'static str, wanted: &'static str) -> DeskRefusal {
    DeskRefusal::WrongState { state: case.state.as_str(), step, wanted }
}

/// What a presented e-mail code does to its case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeVerdict {
    /// Right: the case is verified.
    Accepted,
    /// Wrong: counted; `locks` when this was the last attempt allowed.
    Wrong {
        /// Whether the case locks now.
        locks: bool,
        /// Attempts left.
        remaining: u32,
    },
    /// Refused before looking at the code (nothing counted).
    Refused(DeskRefusal),
}

/// Judges an e-mail code: `matches` says whether it is the one hashed (the caller compares in
/// constant time), `client_failures` counts the client's wrong codes within [`CLIENT_WINDOW`].
pub fn judge_code(
    case: &Case,
    matches: impl FnOnce(&str) -> bool,
    client_failures: u64,
    now: OffsetDateTime,
) -> CodeVerdict {
    if case.locked {
        return CodeVerdict::Refused(DeskRefusal::Locked);
    }
    if client_failures >= MAX_CLIENT_FAILURES {
        return CodeVerdict::Refused(DeskRefusal::RateLimited);
    }
    if case.state != CaseState::Verifying {
        return CodeVerdict::Refused(wrong_state(case, "confirming a code", "verifying"));
    }
    let (Some(hash), Some(expires)) = (&case.code_hash, case.code_expires_at) else {
        return CodeVerdict::Refused(DeskRefusal::NoCode);
    };
    if now >= expires {
        return CodeVerdict::Refused(DeskRefusal::CodeExpired);
    }
    if matches(hash) {
        return CodeVerdict::Accepted;
    }
    let failures = case.failures.saturating_add(1);
    CodeVerdict::Wrong {
        locks: failures >= MAX_FAILURES,
        remaining: MAX_FAILURES.saturating_sub(failures),
    }
}

/// A fresh e-mail code of [`CODE_DIGITS`] decimal digits, drawn without modulo bias.
pub fn generate_email_code(rng: &mut impl RngCore) -> String {
    let mut code = String::with_capacity(CODE_DIGITS);
    while code.len() < CODE_DIGITS {
        let byte = (rng.next_u32() & 0xFF) as u8;
        // 250 = 25 × 10: bytes at or above it would favour the low digits.
        if byte < 250 {
            code.push(char::from(b'0' + byte % 10));
        }
    }
    code
}

/// Normalizes a code as typed: spaces and dashes dropped. `None` for anything else than
/// [`CODE_DIGITS`] digits, which is then a wrong code without a hash comparison.
pub fn normalize_code(typed: &str) -> Option<String> {
    let code: String = typed.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    (code.len() == CODE_DIGITS && code.bytes().all(|b| b.is_ascii_digit())).then_some(code)
}

/// A random case id: `c` and 26 base32 characters (130 bits), so ids cannot be guessed.
pub fn new_case_id(rng: &mut impl RngCore) -> String {
    format!("c{}", random_text(rng))
}

/// A random DNS challenge token (26 base32 characters, 130 bits).
pub fn new_token(rng: &mut impl RngCore) -> String {
    random_text(rng)
}

fn random_text(rng: &mut impl RngCore) -> String {
    let mut bytes = [0u8; 16];
    rng.fill_bytes(&mut bytes);
    data_encoding::BASE32_NOPAD.encode(&bytes).to_ascii_lowercase()
}

/// The name where a domain's challenge is published.
pub fn challenge_name(domain: &str) -> String {
    format!("{CHALLENGE_LABEL}.{}", domain.trim_end_matches('.'))
}

/// Whether any of the TXT strings found at the challenge name is the case's token (surrounding
/// spaces ignored; the token is case-insensitive like the rest of DNS data people type).
pub fn challenge_met(token: &str, found: &[String]) -> bool {
    found.iter().any(|text| text.trim().eq_ignore_ascii_case(token))
}

/// An address shown to the person at the desk, who may not be its owner: the first letter of
/// the local part and the domain (`j…@example.net`).
pub fn mask_address(address: &str) -> String {
    match address.rsplit_once('@') {
        Some((local, domain)) => {
            let first = local.chars().next().map(String::from).unwrap_or_default();
            format!("{first}…@{domain}")
        }
        None => "…".to_owned(),
    }
}

/// Longest free text a case accepts.
pub const MAX_DETAIL: usize = 4000;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-05-01 10:00 UTC);

    fn case(state: CaseState) -> Case {
        Case {
            id: "c1".to_owned(),
            domain: "a.example".to_owned(),
            sponsor: "gone".to_owned(),
            kind: CaseKind::TransferCode,
            state,
            token: "tok".to_owned(),
            detail: None,
            code_hash: Some("h".to_owned()),
            code_expires_at: Some(NOW + CODE_LIFE),
            codes_sent: 1,
            failures: 0,
            locked: false,
            verified_by: None,
            created_at: NOW,
            updated_at: NOW,
        }
    }

    #[test]
    fn codes_are_judged_in_order_of_the_rules() {
        let verifying = case(CaseState::Verifying);
        assert_eq!(judge_code(&verifying, |_| true, 0, NOW), CodeVerdict::Accepted);
        assert_eq!(
            judge_code(&verifying, |_| false, 0, NOW),
            CodeVerdict::Wrong { locks: false, remaining: 4 }
        );
        let last = Case { failures: 4, ..verifying.clone() };
        assert_eq!(
            judge_code(&last, |_| false, 0, NOW),
            CodeVerdict::Wrong { locks: true, remaining: 0 }
        );
        let locked = Case { locked: true, ..verifying.clone() };
        assert_eq!(
            judge_code(&locked, |_| true, 0, NOW),
            CodeVerdict::Refused(DeskRefusal::Locked)
        );
        assert_eq!(
            judge_code(&verifying, |_| true, MAX_CLIENT_FAILURES, NOW),
            CodeVerdict::Refused(DeskRefusal::RateLimited)
        );
        assert_eq!(
            judge_code(&verifying, |_| true, 0, NOW + CODE_LIFE),
            CodeVerdict::Refused(DeskRefusal::CodeExpired)
        );
        assert!(matches!(
            judge_code(&case(CaseState::Open), |_| true, 0, NOW),
            CodeVerdict::Refused(DeskRefusal::WrongState { .. })
        ));
    }

    #[test]
    fn steps_need_their_states() {
        assert!(may_send_code(&case(CaseState::Open)).is_ok());
        assert!(may_send_code(&case(CaseState::Verified)).is_err());
        assert_eq!(
            may_send_code(&Case { codes_sent: MAX_CODES_SENT, ..case(CaseState::Verifying) }),
            Err(DeskRefusal::TooManyCodes)
        );
        assert!(may_issue_transfer_code(&case(CaseState::Verified)).is_ok());
        assert!(may_issue_transfer_code(&case(CaseState::CodeIssued)).is_err());
        let complaint = Case { kind: CaseKind::Complaint, ..case(CaseState::Verified) };
        assert_eq!(
            may_issue_transfer_code(&complaint),
            Err(DeskRefusal::NotTransferCase("complaint"))
        );
        let delegation = Case { kind: CaseKind::DelegationChange, ..case(CaseState::Verified) };
        assert!(may_switch_delegation(&delegation).is_ok());
        assert!(may_switch_delegation(&Case { state: CaseState::Open, ..delegation }).is_err());
        assert_eq!(
            may_switch_delegation(&case(CaseState::Verified)),
            Err(DeskRefusal::NotDelegationCase("transfer-code"))
        );
    }

    #[test]
    fn codes_ids_and_tokens_have_their_shapes() {
        let mut rng = rand_core::OsRng;
        let code = generate_email_code(&mut rng);
        assert_eq!(code.len(), CODE_DIGITS);
        assert!(code.bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(normalize_code(" 1234-5678 ").as_deref(), Some("12345678"));
        assert_eq!(normalize_code("1234567"), None);
        assert_eq!(normalize_code("1234567x"), None);
        let id = new_case_id(&mut rng);
        assert_eq!(id.len(), 27);
        assert_ne!(id, new_case_id(&mut rng));
        assert_eq!(challenge_name("a.example."), "_nameward-challenge.a.example");
        assert!(challenge_met("abc", &["x".to_owned(), " ABC ".to_owned()]));
        assert!(!challenge_met("abc", &["abcd".to_owned()]));
        assert_eq!(mask_address("jane@example.net"), "j…@example.net");
        for state in
            ["open", "verifying", "verified", "code-issued", "delegation-switched", "closed"]
        {
            assert_eq!(CaseState::parse(state).unwrap().as_str(), state);
        }
    }
}
