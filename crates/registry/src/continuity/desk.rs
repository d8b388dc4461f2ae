//! The registrant desk's rules: case kinds and states, one-time e-mail codes, the DNS
//! challenge, the browser session that proves control, and the back-off limits. The service
//! applies them inside store transactions; the HTTP layer only maps their refusals onto pages.
//!
//! A case moves `open → verifying → verified → code-issued` (a transfer-code case) or
//! `… → verified → delegation-switched` (a delegation-change case), or to `closed`:
//!
//! - `open`: created for a domain; nothing proven yet.
//! - `verifying`: a one-time code was e-mailed to the registrant address on record.
//! - `verified`: the registrant proved control, by that code or by publishing the case's token
//!   in a TXT record at `_nameward-challenge.<domain>`.
//! - `code-issued`: (transfer-code cases) the registry set a fresh transfer code on the domain
//!   and handed it out.
//! - `delegation-switched`: (delegation-change cases) the registry switched the name to
//!   continuity DNS ([`crate::continuity::dns`]): its own name servers serve the zone the
//!   failed registrar hosted.
//! - `closed`: finished by the operator.
//!
//! **Sessions.** A case id is not a credential: anyone may hold it (the case page is
//! bookmarkable and e-mailed). What counts is the browser session, identified to the registry
//! by a hash of its cookie secret. The e-mail code can be entered only in the session that
//! asked for it; the session that proves control (by code or TXT record) is the only one that
//! may collect the transfer code or switch the delegation. So a case opened by an outsider and
//! confirmed by the real registrant in their own browser gives the outsider nothing.
//!
//! **Guessing.** E-mail codes are 8 digits, hashed at rest, valid 30 minutes. Each code takes
//! [`MAX_FAILURES`] wrong entries, with a doubling pause between them, and is then void: the
//! session asks for another. Since only the session that asked for a code can enter it, and
//! codes are mailed at the pace [`RECIPIENT_CODES`] allows, guessing is bounded by the mails
//! sent, and nobody can burn someone else's attempts.
//!
//! **Limits.** Opening cases, mailing codes and DNS checks are counted per client, per domain
//! and per recipient address with [`Backoff`]: a few are free within a window, each further one
//! must wait twice as long as the one before, up to a ceiling. There is no lockout: whoever
//! is delayed (including by someone else's requests) is told when to come back, and the DNS
//! proof does not depend on the mail limits.

use rand_core::RngCore;
use time::{Duration, OffsetDateTime};

/// The label under the domain where the DNS challenge is published.
pub const CHALLENGE_LABEL: &str = "_nameward-challenge";
/// Digits in an e-mail code.
pub const CODE_DIGITS: usize = 8;
/// How long an e-mail code is valid.
pub const CODE_LIFE: Duration = Duration::minutes(30);
/// Wrong entries after which an e-mail code is void.
pub const MAX_FAILURES: u32 = 5;
/// The pause after the first wrong entry of a code; it doubles with each further one.
pub const GUESS_PAUSE: Duration = Duration::seconds(2);

/// A back-off limit: within `window`, `free` events pass at once; the n-th event beyond them
/// waits `base × 2^(n-1)` after the latest one (at most `ceiling`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// What is counted, as stored (`client-cases`, …).
    pub scope: &'static str,
    /// Events that pass at once within the window.
    pub free: u64,
    /// The first wait beyond them.
    pub base: Duration,
    /// The longest wait.
    pub ceiling: Duration,
    /// How far back events count.
    pub window: Duration,
}

/// Cases one client (an address, an IPv6 /64) opens: 5 a day at once, then from 2 s doubling
/// to an hour. The 1,000 cases one client stored in under a second now take days.
pub const CLIENT_CASES: Backoff = Backoff {
    scope: "client-cases",
    free: 5,
    base: Duration::seconds(2),
    ceiling: Duration::hours(1),
    window: Duration::days(1),
};
/// Cases opened for one domain: 10 a day at once, then from 1 s doubling to 5 minutes. The
/// ceiling is low because anyone can open cases for any name: an outsider can delay its
/// registrant by minutes, never lock them out.
pub const DOMAIN_CASES: Backoff = Backoff {
    scope: "domain-cases",
    free: 10,
    base: Duration::seconds(1),
    ceiling: Duration::minutes(5),
    window: Duration::days(1),
};
/// Codes mailed to one recipient address: one at once, then from 1 minute doubling to an
/// hour. Thirty mails in three seconds are now one mail and twenty-nine refusals.
pub const RECIPIENT_CODES: Backoff = Backoff {
    scope: "recipient-codes",
    free: 1,
    base: Duration::minutes(1),
    ceiling: Duration::hours(1),
    window: Duration::days(1),
};
/// Codes one client asks for, to any addresses: 3 a day at once, then from 30 s doubling to an
/// hour.
pub const CLIENT_CODES: Backoff = Backoff {
    scope: "client-codes",
    free: 3,
    base: Duration::seconds(30),
    ceiling: Duration::hours(1),
    window: Duration::days(1),
};
/// DNS challenge checks for one domain (each is a lookup the registry makes): 5 an hour at
/// once, then from 10 s doubling to 5 minutes.
pub const DOMAIN_DNS_CHECKS: Backoff = Backoff {
    scope: "domain-dns-checks",
    free: 5,
    base: Duration::seconds(10),
    ceiling: Duration::minutes(5),
    window: Duration::hours(1),
};
/// The longest window of any limit: older events are pruned.
pub const LONGEST_WINDOW: Duration = Duration::days(1);

/// What a limit knows of its subject's past: the events within the window and the latest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Recent {
    /// Events within the window.
    pub count: u64,
    /// The latest of them.
    pub latest: Option<OffsetDateTime>,
}

impl Backoff {
    /// When the next event may happen: `Ok` now, or `Err(at)`.
    pub fn check(&self, recent: Recent, now: OffsetDateTime) -> Result<(), OffsetDateTime> {
        let Some(latest) = recent.latest else { return Ok(()) };
        if recent.count < self.free {
            return Ok(());
        }
        let beyond = recent.count - self.free;
        let at = latest + doubled(self.base, beyond, self.ceiling);
        if now >= at { Ok(()) } else { Err(at) }
    }
}

/// `base × 2^steps`, at most `ceiling`, without overflow.
pub fn doubled(base: Duration, steps: u64, ceiling: Duration) -> Duration {
    let factor = 1i64.checked_shl(u32::try_from(steps.min(40)).unwrap_or(40)).unwrap_or(i64::MAX);
    base.checked_mul(i32::try_from(factor).unwrap_or(i32::MAX)).unwrap_or(ceiling).min(ceiling)
}

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
    /// Locked after too many wrong codes (cases from before codes were bound to sessions).
    pub locked: bool,
    /// How control was proven, once it was.
    pub verified_by: Option<Method>,
    /// The session (hash) that asked for the current e-mail code.
    pub code_session: Option<String>,
    /// The session (hash) that proved control.
    pub verified_session: Option<String>,
    /// When the current code may next be entered (after a wrong entry).
    pub next_guess_at: Option<OffsetDateTime>,
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
    /// Locked after too many wrong codes (a case from before codes were bound to sessions).
    #[error("the case is locked; open a new case")]
    Locked,
    /// A limit asks to wait.
    #[error("too many requests of this kind lately; try again after {retry_at}")]
    TooSoon {
        /// What was limited (a [`Backoff::scope`], or `code-entry`).
        limit: &'static str,
        /// When the step is allowed again.
        retry_at: OffsetDateTime,
    },
    /// The step needs the browser session that asked for the code or proved control.
    #[error(
        "this step belongs to the browser where the {what}; continue there, or start again here"
    )]
    OtherSession {
        /// What happened in that session: `code was asked for`, `name was proven`.
        what: &'static str,
    },
    /// No code was sent, or it was used, or it took too many wrong entries.
    #[error("no e-mail code is outstanding for this case; ask for a new one")]
    NoCode,
    /// The code's 30 minutes are over.
    #[error("the e-mail code has expired; ask for a new one")]
    CodeExpired,
    /// Wrong code.
    #[error("wrong code; {remaining} attempt(s) left with this code, the next after {retry_at}")]
    WrongCode {
        /// Entries left before the code is void.
        remaining: u32,
        /// When the next entry is allowed.
        retry_at: OffsetDateTime,
    },
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

impl DeskRefusal {
    /// A stable name for the refusal: the audit trail's and the pages' key for it.
    pub fn kind(&self) -> &'static str {
        match self {
            DeskRefusal::NoCase(_) => "no-case",
            DeskRefusal::NoDomain(_) => "no-domain",
            DeskRefusal::NotEligible { .. } => "not-eligible",
            DeskRefusal::WrongState { .. } => "wrong-state",
            DeskRefusal::Locked => "locked",
            DeskRefusal::TooSoon { .. } => "too-soon",
            DeskRefusal::OtherSession { .. } => "other-session",
            DeskRefusal::NoCode => "no-code",
            DeskRefusal::CodeExpired => "code-expired",
            DeskRefusal::WrongCode { .. } => "wrong-code",
            DeskRefusal::NoAddress(_) => "no-address",
            DeskRefusal::ChallengeMissing(_) => "challenge-missing",
            DeskRefusal::NotTransferCase(_) | DeskRefusal::NotDelegationCase(_) => "wrong-kind",
            DeskRefusal::CannotSwitch(_) => "cannot-switch",
            DeskRefusal::BadRequest(_) => "bad-request",
        }
    }
}

/// Checks a case may have an e-mail code sent.
pub fn may_send_code(case: &Case) -> Result<(), DeskRefusal> {
    usable(case)?;
    if !matches!(case.state, CaseState::Open | CaseState::Verifying) {
        return Err(wrong_state(case, "sending an e-mail code", "open or verifying"));
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

/// Checks `session` may have a transfer code issued on a case: the session that proved
/// control, on a verified transfer-code case. It may ask again after a code was issued (the new
/// code replaces the old): the code is shown once, and a registrant who lost it is not stuck.
pub fn may_issue_transfer_code(case: &Case, session: &str) -> Result<(), DeskRefusal> {
    usable(case)?;
    if case.kind != CaseKind::TransferCode {
        return Err(DeskRefusal::NotTransferCase(case.kind.as_str()));
    }
    if !matches!(case.state, CaseState::Verified | CaseState::CodeIssued) {
        return Err(wrong_state(case, "issuing a transfer code", "verified"));
    }
    proven_by(case, session)
}

/// Checks `session` may switch a case's domain to continuity DNS: the session that proved
/// control, on a verified delegation-change case.
pub fn may_switch_delegation(case: &Case, session: &str) -> Result<(), DeskRefusal> {
    usable(case)?;
    if case.kind != CaseKind::DelegationChange {
        return Err(DeskRefusal::NotDelegationCase(case.kind.as_str()));
    }
    if case.state != CaseState::Verified {
        return Err(wrong_state(case, "switching the delegation", "verified"));
    }
    proven_by(case, session)
}

/// Whether `session` is the one that proved control of the case.
pub fn proven_by(case: &Case, session: &str) -> Result<(), DeskRefusal> {
    match &case.verified_session {
        Some(proved) if same_session(proved, session) => Ok(()),
        _ => Err(DeskRefusal::OtherSession { what: "name was proven" }),
    }
}

/// Compares two session hashes in constant time.
fn same_session(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
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
    /// Wrong: counted; the code is `void` when this was the last entry it allows.
    Wrong {
        /// Whether the code is void now.
        void: bool,
        /// Entries left.
        remaining: u32,
        /// When the next entry is allowed.
        retry_at: OffsetDateTime,
    },
    /// Refused before looking at the code (nothing counted).
    Refused(DeskRefusal),
}

/// Judges an e-mail code entered in `session`: `matches` says whether it is the one hashed
/// (the caller compares in constant time). Nothing about the code is looked at, nor counted,
/// unless the session is the one that asked for it and its pause is over.
pub fn judge_code(
    case: &Case,
    session: &str,
    matches: impl FnOnce(&str) -> bool,
    now: OffsetDateTime,
) -> CodeVerdict {
    if case.locked {
        return CodeVerdict::Refused(DeskRefusal::Locked);
    }
    if case.state != CaseState::Verifying {
        return CodeVerdict::Refused(wrong_state(case, "confirming a code", "verifying"));
    }
    let (Some(hash), Some(expires), Some(asker)) =
        (&case.code_hash, case.code_expires_at, &case.code_session)
    else {
        return CodeVerdict::Refused(DeskRefusal::NoCode);
    };
    if !same_session(asker, session) {
        return CodeVerdict::Refused(DeskRefusal::OtherSession { what: "code was asked for" });
    }
    if now >= expires {
        return CodeVerdict::Refused(DeskRefusal::CodeExpired);
    }
    if let Some(at) = case.next_guess_at.filter(|at| now < *at) {
        return CodeVerdict::Refused(DeskRefusal::TooSoon { limit: "code-entry", retry_at: at });
    }
    if matches(hash) {
        return CodeVerdict::Accepted;
    }
    let failures = case.failures.saturating_add(1);
    let pause = doubled(GUESS_PAUSE, u64::from(failures - 1), Duration::minutes(5));
    CodeVerdict::Wrong {
        void: failures >= MAX_FAILURES,
        remaining: MAX_FAILURES.saturating_sub(failures),
        retry_at: now + pause,
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
            code_session: Some("mine".to_owned()),
            verified_session: None,
            next_guess_at: None,
            created_at: NOW,
            updated_at: NOW,
        }
    }

    #[test]
    fn codes_are_judged_in_order_of_the_rules() {
        let verifying = case(CaseState::Verifying);
        assert_eq!(judge_code(&verifying, "mine", |_| true, NOW), CodeVerdict::Accepted);
        assert_eq!(
            judge_code(&verifying, "mine", |_| false, NOW),
            CodeVerdict::Wrong { void: false, remaining: 4, retry_at: NOW + GUESS_PAUSE }
        );
        let last = Case { failures: 4, ..verifying.clone() };
        assert_eq!(
            judge_code(&last, "mine", |_| false, NOW),
            CodeVerdict::Wrong { void: true, remaining: 0, retry_at: NOW + GUESS_PAUSE * 16 }
        );
        // Another session: refused before the code is looked at, and nothing counted.
        assert_eq!(
            judge_code(&verifying, "theirs", |_| panic!("the code was compared"), NOW),
            CodeVerdict::Refused(DeskRefusal::OtherSession { what: "code was asked for" })
        );
        let paused = Case { next_guess_at: Some(NOW + Duration::seconds(4)), ..verifying.clone() };
        assert_eq!(
            judge_code(&paused, "mine", |_| panic!("the code was compared"), NOW),
            CodeVerdict::Refused(DeskRefusal::TooSoon {
                limit: "code-entry",
                retry_at: NOW + Duration::seconds(4)
            })
        );
        assert_eq!(
            judge_code(&paused, "mine", |_| true, NOW + Duration::seconds(4)),
            CodeVerdict::Accepted
        );
        assert_eq!(
            judge_code(&verifying, "mine", |_| true, NOW + CODE_LIFE),
            CodeVerdict::Refused(DeskRefusal::CodeExpired)
        );
        let void = Case { code_hash: None, ..verifying.clone() };
        assert_eq!(
            judge_code(&void, "mine", |_| true, NOW),
            CodeVerdict::Refused(DeskRefusal::NoCode)
        );
        assert!(matches!(
            judge_code(&case(CaseState::Open), "mine", |_| true, NOW),
            CodeVerdict::Refused(DeskRefusal::WrongState { .. })
        ));
    }

    #[test]
    fn steps_need_their_states_and_the_session_that_proved_control() {
        assert!(may_send_code(&case(CaseState::Open)).is_ok());
        assert!(may_send_code(&case(CaseState::Verified)).is_err());
        let proven = Case { verified_session: Some("mine".into()), ..case(CaseState::Verified) };
        assert!(may_issue_transfer_code(&proven, "mine").is_ok());
        assert_eq!(
            may_issue_transfer_code(&proven, "theirs"),
            Err(DeskRefusal::OtherSession { what: "name was proven" })
        );
        let issued = Case { state: CaseState::CodeIssued, ..proven.clone() };
        assert!(may_issue_transfer_code(&issued, "mine").is_ok());
        assert!(may_issue_transfer_code(&case(CaseState::Verified), "mine").is_err());
        assert!(may_issue_transfer_code(&case(CaseState::Open), "mine").is_err());
        let complaint = Case { kind: CaseKind::Complaint, ..proven.clone() };
        assert_eq!(
            may_issue_transfer_code(&complaint, "mine"),
            Err(DeskRefusal::NotTransferCase("complaint"))
        );
        let delegation = Case { kind: CaseKind::DelegationChange, ..proven.clone() };
        assert!(may_switch_delegation(&delegation, "mine").is_ok());
        assert!(may_switch_delegation(&delegation, "theirs").is_err());
        assert!(
            may_switch_delegation(&Case { state: CaseState::Open, ..delegation }, "mine").is_err()
        );
        assert_eq!(
            may_switch_delegation(&proven, "mine"),
            Err(DeskRefusal::NotDelegationCase("transfer-code"))
        );
    }

    #[test]
    fn back_off_lets_the_free_ones_pass_then_doubles_to_its_ceiling() {
        let limit = Backoff {
            scope: "t",
            free: 2,
            base: Duration::seconds(10),
            ceiling: Duration::seconds(60),
            window: Duration::hours(1),
        };
        let at = |count, latest| Recent { count, latest: Some(latest) };
        assert_eq!(limit.check(Recent::default(), NOW), Ok(()));
        assert_eq!(limit.check(at(1, NOW), NOW), Ok(()));
        assert_eq!(limit.check(at(2, NOW), NOW), Err(NOW + Duration::seconds(10)));
        assert_eq!(limit.check(at(2, NOW), NOW + Duration::seconds(10)), Ok(()));
        assert_eq!(limit.check(at(3, NOW), NOW), Err(NOW + Duration::seconds(20)));
        assert_eq!(limit.check(at(4, NOW), NOW), Err(NOW + Duration::seconds(40)));
        assert_eq!(limit.check(at(5, NOW), NOW), Err(NOW + Duration::seconds(60)));
        assert_eq!(limit.check(at(u64::MAX, NOW), NOW), Err(NOW + Duration::seconds(60)));
        assert_eq!(doubled(Duration::hours(1), 1000, Duration::days(1)), Duration::days(1));
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
